"""A Diagnosis reads well: str() by severity, to_dict() as plain data, HTML in notebooks."""

from __future__ import annotations

import json

from gke_service_extensions.diagnosis import Check, Diagnosis, Finding, Severity

INFO = Finding(Check.GCP_DRIFT, Severity.INFO, "Google Cloud", "could not read <it>",
               "check credentials")
ERROR = Finding(Check.SERVICE_NOT_FOUND, Severity.ERROR, "Service 'svc'",
                'spec.service: service "svc" not found in namespace "default"',
                "create it", gke="ResolvedRefs=False ExtensionServiceNotFound: x")
WARNING = Finding(Check.STATUS_STALE, Severity.WARNING, "generation", "stale", "wait",
                  ancestor="default/gw")
D = Diagnosis("GCPTrafficExtension default/e", (INFO, ERROR, WARNING), ("a", "b"))


def test_findings_are_ordered_most_severe_first() -> None:
    assert [f.severity for f in D.findings] == [Severity.ERROR, Severity.WARNING,
                                                Severity.INFO]
    assert D.errors == (ERROR,)
    assert not D.ok
    assert D.by_check(Check.STATUS_STALE) == (WARNING,)


def test_str_leads_with_counts_then_each_finding_with_its_fix() -> None:
    assert str(D) == "\n".join([
        "diagnosis of GCPTrafficExtension default/e: 1 error, 1 warning, 1 info",
        'ERROR service-not-found: spec.service: service "svc" not found in namespace '
        '"default"',
        "  checked: Service 'svc'",
        "  GKE says: ResolvedRefs=False ExtensionServiceNotFound: x",
        "  fix: create it",
        "WARNING status-stale [Gateway default/gw]: stale",
        "  checked: generation",
        "  fix: wait",
        "INFO gcp-drift: could not read <it>",
        "  checked: Google Cloud",
        "  fix: check credentials",
    ])


def test_an_empty_diagnosis_says_so() -> None:
    d = Diagnosis("GCPWasmPlugin default/p", (), ("x",), preflight=True)
    assert str(d) == "preflight of GCPWasmPlugin default/p: no problem found (1 checks)"
    assert d.ok
    assert not d
    assert "no problem found" in d._repr_html_()


def test_to_dict_is_plain_json_data() -> None:
    data = json.loads(json.dumps(D.to_dict()))
    assert data["object"] == "GCPTrafficExtension default/e"
    assert data["ok"] is False
    assert data["findings"][0] == {
        "check": "service-not-found", "severity": "error", "checked": "Service 'svc'",
        "found": 'spec.service: service "svc" not found in namespace "default"',
        "fix": "create it", "ancestor": None,
        "gke": "ResolvedRefs=False ExtensionServiceNotFound: x"}
    assert data["checks"] == ["a", "b"]


def test_html_escapes_and_keeps_the_order() -> None:
    page = D._repr_html_()
    assert "could not read &lt;it&gt;" in page
    assert "<it>" not in page
    assert page.index("service-not-found") < page.index("status-stale") < page.index(
        "gcp-drift")
