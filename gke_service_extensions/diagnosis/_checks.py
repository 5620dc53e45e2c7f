"""The checks, pure: a :class:`~._snapshot.Snapshot` in, findings out (no I/O).

A specific finding (Gateway missing, port without HTTP2, ...) *explains* the False
condition GKE reports for it: that condition is then shown inside the finding ("GKE says")
instead of as a finding of its own, so one cause gives one finding.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._gke import (
    GATEWAY_API_GROUP,
    GKE_CONTROLLER_NAME,
    ROUTING_EXTENSION,
    TRAFFIC_EXTENSION,
    WASM_PLUGIN,
    backend_kind,
    binding_for_kind,
    gateway_class_info,
    split_annotation,
)
from .._gke._versions import format_version, parse_kubernetes_version, required_cluster_version
from ._findings import Check, Finding, Severity
from ._snapshot import Obj, Snapshot, extensions_of

__all__ = ["Explained", "Findings", "check_cel", "check_snapshot", "check_status",
           "creation_order", "gke_entries"]

_HTTP2 = "HTTP2"
_NON_TERMINAL = frozenset({"Pending"})


@dataclass(frozen=True, slots=True)
class Explained:
    """A finding and the GKE condition reasons it explains (on one ancestor, or all)."""

    finding: Finding
    reasons: frozenset[str] = frozenset()


class Findings:
    """Findings as they are made, each with the reasons it explains."""

    def __init__(self) -> None:
        self.items: list[Explained] = []
        self.checks: list[str] = []

    def ran(self, what: str) -> None:
        if what not in self.checks:
            self.checks.append(what)

    def add(self, check: Check, severity: Severity, *, checked: str, found: str, fix: str,
            ancestor: str | None = None, explains: Iterable[str] = ()) -> None:
        self.items.append(Explained(Finding(check, severity, checked, found, fix, ancestor),
                                    frozenset(explains)))

    def explain(self, ancestor: str, reason: str, text: str, *, attach: bool = True) -> bool:
        """Attach GKE's ``text`` to the finding explaining ``reason`` (unless ``attach`` is
        False); False if no finding explains it."""
        for i, item in enumerate(self.items):
            f = item.finding
            if reason in item.reasons and f.ancestor in (None, ancestor):
                if f.gke is None and attach:
                    self.items[i] = dataclasses.replace(
                        item, finding=dataclasses.replace(f, gke=text))
                return True
        return False

    @property
    def findings(self) -> list[Finding]:
        return [i.finding for i in self.items]


def creation_order(obj: Mapping[str, Any]) -> tuple[str, str]:
    """Oldest first (creationTimestamp; not yet created = newest), then name."""
    meta = _dict(obj.get("metadata"))
    return str(meta.get("creationTimestamp") or "~"), str(meta.get("name") or "")


# --------------------------------------------------------------------------- all checks


def check_snapshot(snap: Snapshot, out: Findings, *, preflight: bool) -> list[str]:
    """The Kubernetes-side checks of ``snap`` into ``out``, except status (see
    :func:`check_status`, run after every check that may explain a condition); returns
    the names of the Gateways the object should be programmed on."""
    subject = snap.given if preflight or snap.live is None else snap.live
    if not preflight:
        out.ran("the object exists in the cluster")
        if snap.live is None:
            out.add(Check.OBJECT_NOT_FOUND, Severity.ERROR,
                    checked=f"{snap.ref} in the cluster",
                    found=f"{snap.ref} does not exist in the cluster",
                    fix="apply it: client.apply(obj) (or kubectl apply -f FILE)")
    _check_version(snap, subject, out)
    if snap.kind == WASM_PLUGIN.kind:
        gateways = _plugin_gateways(snap, out, preflight=preflight)
        for gw in gateways:
            _check_gateway(snap, gw, out, backend_kinds=())
    else:
        gateways = _targets(subject)
        kinds = [k for _, e in extensions_of(subject) if (k := backend_kind(e)) is not None]
        for gw in gateways:
            if _check_gateway(snap, gw, out, backend_kinds=kinds):
                _check_conflict(snap, subject, gw, out)
        _check_backends(snap, subject, out, preflight=preflight)
    return gateways


def check_status(snap: Snapshot, gateways: Sequence[str], out: Findings) -> None:
    """GKE's status of the live object: False conditions no finding explains, stale or
    missing status, Programmed without the Gateway annotation."""
    if snap.live is not None:
        _check_status(snap, snap.live, gateways, out)


def _check_version(snap: Snapshot, subject: Obj, out: Findings) -> None:
    uses_wasm = snap.kind == WASM_PLUGIN.kind or any(
        backend_kind(e) == WASM_PLUGIN.kind for _, e in extensions_of(subject))
    need = required_cluster_version(snap.kind, uses_wasm=uses_wasm)
    have = parse_kubernetes_version(snap.server_version)
    if need is None or have is None:
        return
    out.ran("cluster version")
    if have < need:
        what = "Wasm plugins" if uses_wasm else "Service Extensions"
        out.add(Check.CLUSTER_VERSION, Severity.ERROR,
                checked=f"cluster version (/version) against the {format_version(need)} "
                        f"{what} need",
                found=f"the cluster runs {snap.server_version}; {snap.kind} needs GKE "
                      f"{format_version(need)} or later",
                fix=f"upgrade the cluster's control plane to GKE {format_version(need)} or later "
                    "(gcloud container clusters upgrade CLUSTER --master --cluster-version "
                    "VERSION)")


def _targets(subject: Obj) -> list[str]:
    names: list[str] = []
    for ref in _list(_dict(subject.get("spec")).get("targetRefs")):
        ref = _dict(ref)
        if ref.get("kind", "Gateway") == "Gateway" and ref.get(
                "group", GATEWAY_API_GROUP) in (GATEWAY_API_GROUP, ""):
            name = str(ref.get("name", ""))
            if name and name not in names:
                names.append(name)
    return names


def _plugin_users(snap: Snapshot) -> list[tuple[str, Obj]]:
    """``(kind, extension)`` of the extensions whose backendRef names this plugin."""
    users = []
    for kind, items in (snap.extensions or {}).items():
        for ext in items:
            for _, e in extensions_of(ext):
                ref = _dict(e.get("backendRef"))
                if backend_kind(e) == WASM_PLUGIN.kind and ref.get("name") == snap.name:
                    users.append((kind, ext))
                    break
    return users


def _plugin_gateways(snap: Snapshot, out: Findings, *, preflight: bool) -> list[str]:
    users = _plugin_users(snap)
    if not preflight:
        out.ran("a traffic extension references the plugin")
        if not any(kind == TRAFFIC_EXTENSION.kind for kind, _ in users):
            out.add(Check.PLUGIN_NOT_REFERENCED, Severity.WARNING,
                    checked=f"{TRAFFIC_EXTENSION.kind}s in namespace {snap.namespace!r} whose "
                            "backendRef names this plugin",
                    found=f"no {TRAFFIC_EXTENSION.kind} references {snap.ref}: GKE programs a "
                          "plugin only for the Gateways of the traffic extensions using it, "
                          "so it serves no traffic",
                    fix=f"add an extension with backendRef {{group: networking.gke.io, kind: "
                        f"GCPWasmPlugin, name: {snap.name}}} to a {TRAFFIC_EXTENSION.kind} "
                        "that targets your Gateway")
    gateways: list[str] = []
    for _, ext in users:
        for name in _targets(ext):
            # a target that does not exist is the extension's problem, not the plugin's
            if name not in gateways and (snap.namespace, name) in snap.gateways:
                gateways.append(name)
    return gateways


def _check_gateway(snap: Snapshot, name: str, out: Findings, *,
                   backend_kinds: Sequence[str]) -> bool:
    """Target Gateway exists here and its class supports the kind; True if it does."""
    ns = snap.namespace
    out.ran("target Gateways exist in the object's namespace")
    gateway = snap.gateways.get((ns, name))
    if gateway is None:
        elsewhere = sorted(gns for gns, gname in snap.gateways if gname == name)
        if elsewhere:
            out.add(Check.GATEWAY_IN_OTHER_NAMESPACE, Severity.ERROR, ancestor=f"{ns}/{name}",
                    checked=f'Gateway "{name}" in namespace "{ns}"',
                    found=f'Gateway "{name}" is in namespace '
                          + ", ".join(f'"{n}"' for n in elsewhere)
                          + f', not in "{ns}": an extension attaches only to Gateways of its '
                          "own namespace",
                    fix=f'create {snap.kind} "{snap.name}" in namespace "{elsewhere[0]}" '
                        "(with its backend Service there too)",
                    explains={"NoMatchingTarget", "TargetNotFound"})
        else:
            out.add(Check.GATEWAY_NOT_FOUND, Severity.ERROR, ancestor=f"{ns}/{name}",
                    checked=f'Gateway "{name}" named in spec.targetRefs',
                    found=f'spec.gatewayRef: gateway "{name}" not found in namespace "{ns}"',
                    fix=f'create Gateway "{name}" in namespace "{ns}" first, or fix the name '
                        "in spec.targetRefs",
                    explains={"NoMatchingTarget", "TargetNotFound"})
        return False
    out.ran("the Gateway's GatewayClass supports the kind")
    class_name = str(_dict(gateway.get("spec")).get("gatewayClassName", ""))
    info = gateway_class_info(class_name)
    kinds = [k for k in dict.fromkeys(backend_kinds)]
    problem = None
    if info is None:
        problem = f'GatewayClass "{class_name}" is not a GKE GatewayClass'
    elif not info.supports(snap.kind):
        problem = f'GatewayClass "{class_name}" does not support {snap.kind}'
    else:
        bad = [k for k in kinds if not info.supports(snap.kind, k)]
        if bad:
            problem = (f'GatewayClass "{class_name}" does not support {bad[0]} backends '
                       f"in a {snap.kind}")
    if problem is not None:
        out.add(Check.GATEWAY_CLASS_UNSUPPORTED, Severity.ERROR, ancestor=f"{ns}/{name}",
                checked=f'GatewayClass of Gateway "{name}" against what GKE classes support',
                found=f"{problem} (Gateway {ns}/{name})",
                fix=_class_fix(snap.kind, kinds),
                explains={"NotAllowed"})
        return False
    return True


def _class_fix(kind: str, backend_kinds: Sequence[str]) -> str:
    if kind == ROUTING_EXTENSION.kind:
        return ("route extensions work on regional classes only: attach it to a Gateway of "
                "class gke-l7-regional-external-managed or gke-l7-rilb")
    if kind == WASM_PLUGIN.kind or WASM_PLUGIN.kind in backend_kinds:
        return ("Wasm plugins work only on gke-l7-global-external-managed: attach the "
                "extension to a Gateway of that class")
    if "ServiceImport" in backend_kinds or "Service" in backend_kinds:
        return ("use a Service backend on single-cluster classes and a ServiceImport backend "
                "on -mc classes")
    return ("use a Gateway of class gke-l7-global-external-managed, "
            "gke-l7-regional-external-managed or gke-l7-rilb")


def _check_conflict(snap: Snapshot, subject: Obj, gateway: str, out: Findings) -> None:
    out.ran("one extension of the kind per Gateway")
    mine = creation_order(subject if snap.live is None else snap.live)
    for other in (snap.extensions or {}).get(snap.kind, []):
        meta = _dict(other.get("metadata"))
        if meta.get("name") == snap.name or gateway not in _targets(other):
            continue
        if meta.get("deletionTimestamp") or creation_order(other) > mine:
            continue
        ns = snap.namespace
        out.add(Check.EXTENSION_CONFLICT, Severity.ERROR, ancestor=f"{ns}/{gateway}",
                checked=f"other {snap.kind}s attached to Gateway {ns}/{gateway}",
                found=f"{snap.kind} {ns}/{meta.get('name')} is already attached to Gateway "
                      f"{ns}/{gateway}: GKE allows one {snap.kind} per forwarding rule",
                fix=f"merge the two into one {snap.kind} (add this one's extension chains to "
                    f"{meta.get('name')}), or delete {meta.get('name')}",
                explains={"Conflicted"})
        return


def _check_backends(snap: Snapshot, subject: Obj, out: Findings, *, preflight: bool) -> None:
    seen: set[tuple[str, str, Any]] = set()
    for path, ext in extensions_of(subject):
        kind = backend_kind(ext)
        ref = _dict(ext.get("backendRef"))
        name = str(ref.get("name", ""))
        if (kind, name, ref.get("port")) in seen:
            continue
        seen.add((kind or "", name, ref.get("port")))
        if kind == "Service" and snap.services is not None:
            _check_service(snap, path, name, ref.get("port"), out)
        elif kind == WASM_PLUGIN.kind and snap.plugins is not None:
            _check_plugin_ref(snap, path, name, out, preflight=preflight)


def _check_service(snap: Snapshot, path: str, name: str, port: Any, out: Findings) -> None:
    ns = snap.namespace
    out.ran("backend Services, ports, appProtocol and endpoints")
    service = (snap.services or {}).get(name)
    if service is None:
        out.add(Check.SERVICE_NOT_FOUND, Severity.ERROR,
                checked=f"{path}.backendRef: Service {name!r}",
                found=f'spec.service: service "{name}" not found in namespace "{ns}"',
                fix=f'create Service "{name}" in namespace "{ns}" (the callout\'s ext_proc '
                    "server), or fix backendRef.name",
                explains={"ExtensionServiceNotFound"})
        return
    ports = [_dict(p) for p in _list(_dict(service.get("spec")).get("ports"))]
    match = next((p for p in ports if p.get("port") == port), None)
    if port is not None and match is None:
        have = ", ".join(str(p.get("port")) for p in ports) or "none"
        out.add(Check.SERVICE_PORT_NOT_FOUND, Severity.ERROR,
                checked=f"{path}.backendRef.port {port} on Service {name!r}",
                found=f'spec.service: service "{name}" not found in namespace "{ns}": port '
                      f"{port} is not a port of the Service (its ports: {have})",
                fix=f"set {path}.backendRef.port to one of the Service's ports ({have}), or "
                    f"add port {port} to the Service",
                explains={"ExtensionServiceNotFound"})
        return
    if match is not None and str(match.get("appProtocol", "")).upper() != _HTTP2:
        app = match.get("appProtocol")
        out.add(Check.SERVICE_PORT_NOT_HTTP2, Severity.ERROR,
                checked=f"appProtocol of port {port} of Service {name!r}",
                found=f'Service "{name}" port {port} has appProtocol '
                      f"{app if app else 'unset'}; a callout needs appProtocol: HTTP2 "
                      "(ext_proc speaks gRPC)",
                fix=f'set appProtocol: HTTP2 on port {port} of Service "{name}"',
                explains={"InvalidExtensionService"})
        return
    ready = snap.ready_endpoints(name)
    if ready == 0:
        out.add(Check.SERVICE_NO_ENDPOINTS, Severity.ERROR,
                checked=f'ready endpoints (EndpointSlices) of Service "{name}"',
                found=f'spec.service: no network endpoints found for service "{name}"',
                fix=f'make the Pods behind Service "{name}" run and pass readiness (check its '
                    "selector matches their labels: kubectl get endpointslices -l "
                    f"kubernetes.io/service-name={name})",
                explains={"ExtensionServiceNotFound"})


def _check_plugin_ref(snap: Snapshot, path: str, name: str, out: Findings, *,
                      preflight: bool) -> None:
    ns = snap.namespace
    out.ran("referenced GCPWasmPlugins exist and are programmed")
    plugin = (snap.plugins or {}).get(name)
    if plugin is None:
        out.add(Check.PLUGIN_NOT_FOUND, Severity.ERROR,
                checked=f"{path}.backendRef: GCPWasmPlugin {name!r}",
                found=f"GCPWasmPlugin {ns}/{name} in {snap.ref} does not exist",
                fix=f'apply GCPWasmPlugin "{name}" in namespace "{ns}", or fix backendRef.name',
                explains={"GCPWasmPluginNotFound"})
        return
    failed = None
    programmed = explained = False
    for entry in gke_entries(plugin):
        ref = _dict(entry.get("ancestorRef"))
        ancestor = f"{ref.get('namespace') or ns}/{ref.get('name')}"
        for c in _list(entry.get("conditions")):
            c = _dict(c)
            text = f"{c.get('type')}=False {c.get('reason')}: {c.get('message')}"
            if c.get("status") != "False" or failed is not None:
                pass
            elif out.explain(ancestor, str(c.get("reason")), text, attach=False):
                explained = True  # the plugin fails for a reason already found (its class)
            else:
                failed = text
            if c.get("type") == "Programmed" and c.get("status") == "True":
                programmed = True
    if failed is not None:
        out.add(Check.PLUGIN_NOT_PROGRAMMED, Severity.ERROR,
                checked=f"status of GCPWasmPlugin {ns}/{name} (used by {path})",
                found=f"GCPWasmPlugin {ns}/{name} failed: {failed}",
                fix=f"fix the plugin first: gke_service_extensions.diagnose(client, "
                    f"client.get(GCPWasmPlugin, {name!r}))",
                explains={"InvalidGCPWasmPlugin"})
    elif not programmed and not preflight and not explained:
        # before applying, a plugin no extension uses yet has no Gateway to be programmed on
        out.add(Check.PLUGIN_NOT_PROGRAMMED, Severity.WARNING,
                checked=f"status of GCPWasmPlugin {ns}/{name} (used by {path})",
                found=f"GCPWasmPlugin {ns}/{name} is not programmed yet; GKE programs this "
                      "extension after it",
                fix="wait for the plugin (client.wait_until_programmed(plugin)), or diagnose "
                    "it")


# --------------------------------------------------------------------------- status


def gke_entries(obj: Obj) -> list[dict[str, Any]]:
    """The ``status.ancestors`` entries written by GKE's controller."""
    return [_dict(e) for e in _list(_dict(obj.get("status")).get("ancestors"))
            if _dict(e).get("controllerName") == GKE_CONTROLLER_NAME]


def _check_status(snap: Snapshot, live: Obj, gateways: Sequence[str], out: Findings) -> None:
    ns = snap.namespace
    generation = _dict(live.get("metadata")).get("generation")
    top = _dict(live.get("status")).get("observedGeneration")
    entries: dict[str, dict[str, Any]] = {}
    for each in gke_entries(live):
        ref = _dict(each.get("ancestorRef"))
        entries.setdefault(f"{ref.get('namespace') or ns}/{ref.get('name')}", each)
    expected = [f"{ns}/{g}" for g in gateways]
    out.ran("GKE's status conditions for each Gateway")
    # GKE has not reported because of something already found: no second finding for it
    blocked = any(f.severity is Severity.ERROR or f.check is Check.PLUGIN_NOT_PROGRAMMED
                  for f in out.findings)
    for ancestor in dict.fromkeys([*expected, *entries]):
        entry = entries.get(ancestor)
        if entry is None:
            if not blocked:
                out.add(Check.STATUS_MISSING, Severity.WARNING, ancestor=ancestor,
                        checked=f"status.ancestors entry of {GKE_CONTROLLER_NAME} for "
                                f"Gateway {ancestor}",
                        found=f"GKE has not reported on Gateway {ancestor} yet",
                        fix="wait: client.wait_until_programmed(obj); if it stays missing, "
                            "check that GKE's Gateway controller runs (kubectl describe "
                            f"gateway {ancestor.split('/')[1]})")
            continue
        stale: list[str] = []
        programmed = False
        shown: set[tuple[str, str]] = set()
        for c in _list(entry.get("conditions")):
            c = _dict(c)
            observed = c.get("observedGeneration", top)
            ctype, status, reason = c.get("type"), c.get("status"), str(c.get("reason") or "")
            text = f"{ctype}={status} {reason}: {c.get('message') or ''}".rstrip(": ")
            if isinstance(observed, int) and isinstance(generation, int) and (
                    observed < generation):
                stale.append(f"{ctype} (observedGeneration {observed})")
                continue
            if status == "True" and ctype == "Programmed":
                programmed = True
            if status != "False" or out.explain(ancestor, reason, text):
                continue
            if (reason, str(c.get("message"))) in shown:
                continue  # Programmed=False repeating the Accepted=False before it
            shown.add((reason, str(c.get("message"))))
            out.add(Check.CONDITION_FALSE,
                    Severity.WARNING if reason in _NON_TERMINAL else Severity.ERROR,
                    ancestor=ancestor,
                    checked=f"condition {ctype} reported by GKE for Gateway {ancestor}",
                    found=text, fix=_reason_fix(reason))
        if stale:
            out.add(Check.STATUS_STALE, Severity.WARNING, ancestor=ancestor,
                    checked=f"observedGeneration of GKE's conditions vs metadata.generation "
                            f"{generation}",
                    found=f"GKE's status for Gateway {ancestor} is about an older spec: "
                          + ", ".join(stale) + f" < generation {generation}",
                    fix="wait for GKE to process the latest change "
                        "(client.wait_until_programmed(obj)); if it never catches up, check "
                        "the Gateway controller and the object's Events (client.events(obj))")
        if programmed:
            _check_annotation(snap, ancestor, out)


def _check_annotation(snap: Snapshot, ancestor: str, out: Findings) -> None:
    binding = binding_for_kind(snap.kind)
    gw_ns, _, gw_name = ancestor.partition("/")
    gateway = snap.gateways.get((gw_ns, gw_name))
    if binding is None or gateway is None:
        return
    out.ran("the Gateway names what GKE programmed (networking.gke.io annotations)")
    annotations = _dict(_dict(gateway.get("metadata")).get("annotations"))
    if split_annotation(annotations.get(binding.annotation.value)):
        return
    out.add(Check.GATEWAY_ANNOTATION_MISSING, Severity.WARNING, ancestor=ancestor,
            checked=f"annotation {binding.annotation.value} on Gateway {ancestor}",
            found=f"{snap.kind} says Programmed on Gateway {ancestor}, but the Gateway has no "
                  f"{binding.annotation.value} annotation naming the "
                  f"{binding.collection.value} GKE made",
            fix="give GKE a minute to annotate the Gateway; if it stays missing, the load "
                "balancer was not updated: check the Gateway's Events (kubectl describe "
                f"gateway {gw_name}) and compare with Google Cloud "
                "(diagnose(..., gcp=GCPClient()))")


def _reason_fix(reason: str) -> str:
    return {
        "Invalid": "fix the field the message names and apply again",
        "InvalidCELExpression": "fix the celMatcher the message names "
                                "(gke_service_extensions.check_matcher(expr) explains it)",
        "InvalidExtensionService": "fix the backend Service the message names",
        "InvalidGCPWasmPlugin": "fix the GCPWasmPlugin the message names and diagnose it",
        "NotAllowed": "use a feature the Gateway's class supports (see the message)",
        "Pending": "wait: GKE is still working on it",
    }.get(reason, "act on GKE's message; then client.wait_until_programmed(obj)")


# --------------------------------------------------------------------------- CEL


def check_cel(snap: Snapshot, subject: Obj, samples: Sequence[Any], out: Findings) -> None:
    """Chains that none of ``samples`` reaches (their matchers match none, or an earlier
    chain takes every sample)."""
    from .._errors import ManifestValidationError
    from ..models._cel import BACKEND_SERVICE_NUM_ENDPOINTS, first_matching_chain

    chains: list[tuple[str, list[str] | None]] = []
    for chain in _list(_dict(subject.get("spec")).get("extensionChains")):
        chain = _dict(chain)
        matchers = [str(_dict(e).get("celMatcher")) for e in
                    _list(_dict(chain.get("matchCondition")).get("celExpressions"))
                    if _dict(e).get("celMatcher")]
        chains.append((str(chain.get("name", "")), matchers or None))
    if not chains or not samples:
        return
    extra = frozenset({BACKEND_SERVICE_NUM_ENDPOINTS}) if snap.kind == TRAFFIC_EXTENSION.kind \
        else frozenset()
    out.ran("CEL matchers against the sample requests")
    try:
        chosen = [first_matching_chain(chains, s, extra_attributes=extra) for s in samples]
    except ManifestValidationError:
        return  # an invalid matcher: GKE reports it (InvalidCELExpression)
    for index, (name, exprs) in enumerate(chains):
        if name in chosen:
            continue
        earlier = [c for c, _ in chains[:index]]
        own = [s for s in samples if first_matching_chain([(name, exprs)], s,
                                                          extra_attributes=extra)]
        if own:
            found = (f"chain {name!r} matches {len(own)} of the {len(samples)} sample "
                     f"requests, but an earlier chain ({', '.join(earlier)}) takes each of them")
            fix = (f"narrow the earlier chains' matchers, or move {name!r} before them in "
                   "spec.extensionChains")
        else:
            found = (f"chain {name!r} matches none of the {len(samples)} sample requests "
                     f"(matchers: {' || '.join(exprs or [])})")
            fix = ("check the matchers against a request you expect to match: "
                   "gke_service_extensions.evaluate_matcher(expr, SampleRequest(...))")
        out.add(Check.CEL_NO_MATCH, Severity.WARNING,
                checked=f"which chain each of the {len(samples)} sample requests reaches",
                found=found, fix=fix)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
