"""The commands as kubectl users expect them: resource names, -o json|yaml shapes, exit
statuses (0 done, 1 failed with GKE's reason, 2 usage, 3 timeout), one line on errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from gke_service_extensions.cli._main import UsageError, parse_resources, run
from gke_service_extensions.testing import GKESimulator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WASM_IMAGE = "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"
WASM_IMAGE_V2 = "us-docker.pkg.dev/service-extensions-samples/plugins/add-header:main"


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return run(list(argv), out=out), out.getvalue()


@pytest.fixture
def sim(gke_simulator: GKESimulator, monkeypatch: pytest.MonkeyPatch) -> GKESimulator:
    """A simulator the command reaches as gcloud would: kubeconfig and CLOUDSDK_* variables."""
    assert gke_simulator.gcp_endpoint
    monkeypatch.setenv("KUBECONFIG", str(gke_simulator.kubeconfig_path))
    monkeypatch.setenv("CLOUDSDK_API_ENDPOINT_OVERRIDES_NETWORKSERVICES",
                       gke_simulator.gcp_endpoint + "/")
    monkeypatch.setenv("CLOUDSDK_CORE_PROJECT", gke_simulator.project_id)
    monkeypatch.setenv("CLOUDSDK_AUTH_DISABLE_CREDENTIALS", "true")
    gke_simulator.add_gateway("external-http")
    gke_simulator.add_service("extension-service", port=443)
    gke_simulator.add_image(WASM_IMAGE)
    gke_simulator.add_image(WASM_IMAGE_V2)
    return gke_simulator


@pytest.fixture
def programmed(sim: GKESimulator) -> GKESimulator:
    """The guide's Wasm plugin and traffic extension, applied and programmed."""
    status, out = _run("apply", "-f", str(EXAMPLES / "wasm-plugin.yaml"), "--timeout", "30")
    assert status == 0, out
    return sim


# --------------------------------------------------------------------------- naming


@pytest.mark.parametrize("kind", ["gcptrafficextension", "GCPTrafficExtensions",
                                  "GCPTrafficExtension", "gcptrafficextensions.networking.gke.io"])
def test_kinds_are_named_as_kubectl_names_them(kind: str) -> None:
    [(info, name)] = parse_resources([kind, "ext"])
    assert (info.kind, name) == ("GCPTrafficExtension", "ext")
    [(info, name)] = parse_resources([f"{kind}/ext"])
    assert (info.kind, name) == ("GCPTrafficExtension", "ext")


def test_several_names_and_comma_separated_kinds() -> None:
    assert [n for _, n in parse_resources(["gcpwasmplugin", "a", "b"])] == ["a", "b"]
    kinds = [i.kind for i, _ in parse_resources(["gtw,gcpwasmplugins"], need_name=False)]
    assert kinds == ["Gateway", "GCPWasmPlugin"]


@pytest.mark.parametrize("tokens", [["frobs", "x"], ["gcpwasmplugin"], ["a/b/c"],
                                    ["gcpwasmplugin/"], ["gateway", "x/y"]])
def test_bad_resource_names_are_usage_errors(tokens: list[str]) -> None:
    with pytest.raises(UsageError):
        parse_resources(tokens)


def test_unknown_resource_type_exits_2_with_one_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    status, _ = _run("wait", "frobs/x", "--kubeconfig", "/nonexistent")
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert err.startswith("error: unknown resource type 'frobs'")


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run()[0] == 2
    assert "a command is required" in capsys.readouterr().err


def test_version() -> None:
    from gke_service_extensions import __version__

    status, out = _run("--version")
    assert (status, out.split()[-1]) == (0, __version__)


# --------------------------------------------------------------------------- errors


def test_apply_of_a_file_that_cannot_be_opened_is_one_line_and_sends_nothing(
        sim: GKESimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    status, out = _run("apply", "-f", str(EXAMPLES / "wasm-plugin.yaml"), "-f", str(missing))
    err = capsys.readouterr().err
    assert status == 1
    assert err == f"error: {missing}: No such file or directory\n"
    assert "applied" not in out  # the readable file was not sent either
    assert _run("get", "gcpwasmplugins", "-o", "json")[1].count('"name": "gcp-wasm-plugin"') == 0


def test_unexpected_errors_are_one_line_without_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from gke_service_extensions.cli import _commands

    def boom(*_: object) -> int:
        raise RuntimeError("kaput")

    monkeypatch.setattr(_commands, "get", boom)
    assert _run("get", "gateways")[0] == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unexpected RuntimeError: kaput")
    assert "Traceback" not in err


def test_a_wait_that_times_out_exits_3(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # nobody ever programs anything; no Service: admission off (the status path)
    with GKESimulator(controller=False, admission=False) as quiet:
        quiet.add_gateway("external-http")
        kubeconfig = str(quiet.kubeconfig_path)
        status, _ = _run("apply", "--kubeconfig", kubeconfig, "--no-wait", "-f",
                         str(EXAMPLES / "traffic-extension-events.yaml"))
        assert status == 0
        status, _ = _run("wait", "--kubeconfig", kubeconfig,
                         "gcptrafficextensions/my-traffic-extension", "--timeout", "0.5")
    assert status == 3
    assert capsys.readouterr().err.startswith("error: timed out: ")


@pytest.mark.gke_simulator(admission=False)  # the status path: no Gateway
def test_a_failed_wait_exits_1_with_the_controllers_reason(
        gke_simulator: GKESimulator, capsys: pytest.CaptureFixture[str]) -> None:
    status, _ = _run("apply", "--kubeconfig", str(gke_simulator.kubeconfig_path), "-f",
                     str(EXAMPLES / "traffic-extension-events.yaml"), "--timeout", "30")
    assert status == 1
    assert "NoMatchingTarget" in capsys.readouterr().err


# --------------------------------------------------------------------------- apply


def test_apply_dry_run_stores_nothing(sim: GKESimulator) -> None:
    status, out = _run("apply", "--dry-run", "-f", str(EXAMPLES / "wasm-plugin.yaml"))
    assert status == 0, out
    assert "applied GCPWasmPlugin default/gcp-wasm-plugin (server dry run)" in out
    assert json.loads(_run("get", "gcpwasmplugins", "-o", "json")[1])["items"] == []


def test_apply_preflight_refuses_what_gke_would_refuse_and_sends_nothing(
        gke_simulator: GKESimulator, capsys: pytest.CaptureFixture[str]) -> None:
    kubeconfig = str(gke_simulator.kubeconfig_path)  # no Gateway: GKE would refuse
    status, out = _run("apply", "--kubeconfig", kubeconfig, "--preflight", "-f",
                       str(EXAMPLES / "traffic-extension-events.yaml"))
    assert status == 1
    assert "preflight refused GCPTrafficExtension default/my-traffic-extension" in (
        capsys.readouterr().err)
    assert "applied" not in out


# --------------------------------------------------------------------------- reads


def test_get_prints_a_table_and_kubectl_shaped_json(programmed: GKESimulator) -> None:
    status, out = _run("get", "gcpwasmplugins")
    assert status == 0
    header, row = out.splitlines()
    assert header.split() == ["NAMESPACE", "KIND", "NAME", "PROGRAMMED", "DETAIL"]
    assert row.split()[:4] == ["default", "GCPWasmPlugin", "gcp-wasm-plugin", "True"]
    listed = json.loads(_run("get", "gcpwasmplugins", "-A", "-o", "json")[1])
    assert (listed["kind"], [i["metadata"]["name"] for i in listed["items"]]) == (
        "List", ["gcp-wasm-plugin"])
    one = yaml.safe_load(_run("get", "gcpwasmplugin/gcp-wasm-plugin", "-o", "yaml")[1])
    assert (one["kind"], one["metadata"]["name"]) == ("GCPWasmPlugin", "gcp-wasm-plugin")


def test_status_shows_each_ancestors_conditions_and_the_google_cloud_resources(
        programmed: GKESimulator) -> None:
    status, out = _run("status", "gcptrafficextension", "traffic-ext-wasm", "-o", "json")
    assert status == 0
    data = json.loads(out)
    assert set(data) == {"object", "generation", "outcome", "ancestors", "gcp",
                         "gcpUnavailable"}
    assert data["outcome"] == "Programmed"
    [ancestor] = data["ancestors"]
    assert ancestor["gateway"] == "default/external-http"
    conditions = {c["type"]: c["status"] for c in ancestor["conditions"]}
    assert (conditions["Accepted"], conditions["Programmed"]) == ("True", "True")
    [gcp] = data["gcp"]
    assert len(gcp["lbTrafficExtensions"]) == 1
    assert "-wasm-plugin-version-" in gcp["wasmPlugins"][0]["mainVersion"]  # GKE-generated id
    status, text = _run("status", "gcptrafficextension/traffic-ext-wasm")
    assert "Programmed=True reason=ProgrammingSucceeded" in text
    assert "LbTrafficExtension projects/" in text


def test_status_without_google_cloud_says_why(programmed: GKESimulator) -> None:
    status, out = _run("status", "gcpwasmplugin/gcp-wasm-plugin", "--no-gcp")
    assert status == 0
    assert "Google Cloud: not read (--no-gcp)" in out


def test_events_oldest_first_as_json(programmed: GKESimulator) -> None:
    status, out = _run("events", "gcpwasmplugins", "gcp-wasm-plugin", "-o", "json")
    data = json.loads(out)
    assert status == 0
    assert data["object"] == "GCPWasmPlugin default/gcp-wasm-plugin"
    assert data["events"], "the controller records events"
    assert set(data["events"][0]) == {"type", "reason", "message", "source", "count",
                                      "firstSeen", "lastSeen"}


@pytest.mark.gke_simulator(admission=False)  # the routing extension's Gateway is missing
def test_diagnose_exits_1_on_an_error_and_0_when_fine(programmed: GKESimulator) -> None:
    status, out = _run("diagnose", "gcpwasmplugin/gcp-wasm-plugin", "-o", "json")
    assert (status, json.loads(out)["ok"]) == (0, True)
    status, out = _run("apply", "--no-wait", "-f", str(EXAMPLES / "routing-extension.yaml"))
    assert status == 0, out
    status, out = _run("diagnose", "gcproutingextension/my-gateway-extension")
    assert status == 1
    assert "ERROR" in out


def test_inspect_gateway_shows_google_cloud_and_drift(programmed: GKESimulator) -> None:
    status, out = _run("inspect", "gateway", "external-http", "-o", "json")
    data = json.loads(out)
    assert status == 0
    assert set(data) == {"gateway", "address", "annotations", "resources", "drift"}
    assert data["drift"] == []
    assert data["resources"]["wasmPlugins"]
    status, _ = _run("inspect", "gcpwasmplugin", "x")
    assert status == 2


# --------------------------------------------------------------------------- rollout


def test_rollout_plan_run_and_history(programmed: GKESimulator) -> None:
    status, out = _run("rollout", "plan", "gcp-wasm-plugin", "--image", WASM_IMAGE_V2,
                       "--version-name", "v2", "-o", "json")
    assert status == 0, out
    assert json.loads(out)["version"] == "v2"
    status, out = _run("rollout", "run", "gcp-wasm-plugin", "--image", WASM_IMAGE_V2,
                       "--version-name", "v2", "--timeout", "30", "-o", "json")
    result = json.loads(out)
    assert (status, result["outcome"]) == (0, "Succeeded"), out
    assert [s["kind"] for s in result["steps"]][:2] == ["preflight", "stage"]
    status, out = _run("rollout", "history", "gcpwasmplugin/gcp-wasm-plugin", "-o", "json")
    assert status == 0
    assert [p["version"] for p in json.loads(out)["history"]][-1] == "v2"


# --------------------------------------------------------------------------- simulator


def test_simulator_takes_exactly_the_flags_of_the_testing_module(
        capsys: pytest.CaptureFixture[str]) -> None:
    from gke_service_extensions.testing.__main__ import build_parser

    def flags(parser: object) -> set[str]:
        return {o for a in parser._actions for o in a.option_strings}  # type: ignore[attr-defined]

    with pytest.raises(SystemExit):
        _run("simulator", "--help")
    helped = capsys.readouterr().out
    assert helped.startswith("usage: gke-service-extensions simulator")
    assert all(flag in helped for flag in flags(build_parser()))
    assert {"--image", "--admission", "--crd-profile", "--port", "--project-id"} <= flags(
        build_parser())
    assert _run("simulator", "--crd-profile", "1.20")[0] == 2
