"""What a diagnosis found: :class:`Finding` (one problem and its fix) and :class:`Diagnosis`.

Pure values: no I/O. A diagnosis renders as text ordered by severity (``str()``), as plain
data (``to_dict()``) and as HTML in a notebook (``_repr_html_``).
"""

from __future__ import annotations

import enum
import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Check", "Diagnosis", "Finding", "Severity"]


class Severity(enum.IntEnum):
    """How bad a finding is; findings are shown most severe first."""

    #: GKE will not program the object (or refuses it) until this is fixed.
    ERROR = 3
    #: Likely a problem, or the answer is not final yet (stale or pending status).
    WARNING = 2
    #: Worth knowing; nothing is broken.
    INFO = 1

    @property
    def label(self) -> str:
        """``error``, ``warning`` or ``info``."""
        return self.name.lower()


class Check(enum.StrEnum):
    """Which check produced a finding (a stable id, for scripts and tests)."""

    OBJECT_NOT_FOUND = "object-not-found"
    GATEWAY_NOT_FOUND = "gateway-not-found"
    GATEWAY_IN_OTHER_NAMESPACE = "gateway-in-other-namespace"
    GATEWAY_CLASS_UNSUPPORTED = "gateway-class-unsupported"
    CLUSTER_VERSION = "cluster-version"
    SERVICE_NOT_FOUND = "service-not-found"
    SERVICE_PORT_NOT_FOUND = "service-port-not-found"
    SERVICE_PORT_NOT_HTTP2 = "service-port-not-http2"
    SERVICE_NO_ENDPOINTS = "service-no-endpoints"
    PLUGIN_NOT_FOUND = "plugin-not-found"
    PLUGIN_NOT_PROGRAMMED = "plugin-not-programmed"
    PLUGIN_IMAGE_NOT_FOUND = "plugin-image-not-found"
    PLUGIN_NOT_REFERENCED = "plugin-not-referenced"
    EXTENSION_CONFLICT = "extension-conflict"
    CONDITION_FALSE = "condition-false"
    STATUS_STALE = "status-stale"
    STATUS_MISSING = "status-missing"
    GATEWAY_ANNOTATION_MISSING = "gateway-annotation-missing"
    GCP_DRIFT = "gcp-drift"
    CEL_NO_MATCH = "cel-no-match"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: what was checked, what was found, and what to do about it.

    ``ancestor`` is the Gateway (``namespace/name``) the finding is about, when it is about
    one; ``gke`` is what GKE itself reported for it (a False condition's
    ``Type=False Reason: message``), when the finding explains such a condition.
    """

    check: Check
    severity: Severity
    checked: str
    found: str
    fix: str
    ancestor: str | None = None
    gke: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready): enums as their string values."""
        return {"check": self.check.value, "severity": self.severity.label,
                "checked": self.checked, "found": self.found, "fix": self.fix,
                "ancestor": self.ancestor, "gke": self.gke}

    def __str__(self) -> str:
        where = f" [Gateway {self.ancestor}]" if self.ancestor else ""
        lines = [f"{self.severity.label.upper()} {self.check.value}{where}: {self.found}",
                 f"  checked: {self.checked}"]
        if self.gke:
            lines.append(f"  GKE says: {self.gke}")
        lines.append(f"  fix: {self.fix}")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The findings about one object, most severe first.

    ``obj`` names it (``GCPTrafficExtension default/my-ext``); ``checks`` lists what was
    looked at, whether or not it found anything; ``preflight`` is True for
    :func:`~gke_service_extensions.diagnosis.preflight` (the checks possible before
    applying). Truthy when there is a finding; :attr:`ok` when there is no error.
    """

    obj: str
    findings: tuple[Finding, ...] = ()
    checks: tuple[str, ...] = ()
    preflight: bool = False
    requests: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        ordered = sorted(self.findings, key=lambda f: -f.severity)
        object.__setattr__(self, "findings", tuple(ordered))

    @property
    def ok(self) -> bool:
        """No finding of severity ERROR."""
        return not self.errors

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings of severity ERROR."""
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    def by_check(self, check: Check | str) -> tuple[Finding, ...]:
        """The findings of one check."""
        return tuple(f for f in self.findings if f.check == check)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __bool__(self) -> bool:
        return bool(self.findings)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready)."""
        return {"object": self.obj, "preflight": self.preflight, "ok": self.ok,
                "findings": [f.to_dict() for f in self.findings],
                "checks": list(self.checks)}

    def __str__(self) -> str:
        what = "preflight of" if self.preflight else "diagnosis of"
        if not self.findings:
            return f"{what} {self.obj}: no problem found ({len(self.checks)} checks)"
        counts = ", ".join(f"{n} {s.label}{'s' if n != 1 else ''}" for s in Severity
                           if (n := sum(1 for f in self.findings if f.severity is s)))
        return "\n".join([f"{what} {self.obj}: {counts}",
                          *(str(f) for f in self.findings)])

    def _repr_html_(self) -> str:
        e = html.escape
        what = "Preflight of" if self.preflight else "Diagnosis of"
        head = f"<p><b>{e(what)} {e(self.obj)}</b>"
        if not self.findings:
            return head + f": no problem found ({len(self.checks)} checks)</p>"
        colours = {Severity.ERROR: "#c62828", Severity.WARNING: "#ef6c00",
                   Severity.INFO: "#1565c0"}
        rows = "".join(
            f'<tr><td style="color:{colours[f.severity]};font-weight:bold">'
            f"{e(f.severity.label)}</td><td><code>{e(f.check.value)}</code></td>"
            f"<td>{e(f.ancestor or '')}</td><td>{e(f.found)}"
            + (f"<br><small>GKE says: {e(f.gke)}</small>" if f.gke else "")
            + f"</td><td>{e(f.checked)}</td><td>{e(f.fix)}</td></tr>"
            for f in self.findings)
        return (head + "</p><table><thead><tr><th>severity</th><th>check</th>"
                "<th>Gateway</th><th>found</th><th>checked</th><th>fix</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>")
