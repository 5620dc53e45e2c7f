"""The commands' bodies. Each takes the parsed arguments and stdout; returns the exit status.

Machine output (``-o json|yaml``) has the shapes documented in docs/cli.md; progress then
goes to stderr so that stdout stays parseable.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from .._errors import GKEServiceExtensionsError, ManifestValidationError, ObjectRef
from ._main import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    gcp_client,
    kube_client,
    one_resource,
    parse_resources,
)
from ._output import Reporter, emit, plain

if TYPE_CHECKING:
    from ..models import CRDProfile

__all__ = ["apply", "diagnose", "events", "get", "inspect", "rollout", "status", "validate",
           "wait"]

_EXTENSION_KINDS = ("GCPTrafficExtension", "GCPRoutingExtension", "GCPWasmPlugin")


def _machine(args: argparse.Namespace) -> bool:
    return getattr(args, "output", "text") != "text"


def _reporter(args: argparse.Namespace, out: TextIO) -> Reporter:
    return Reporter(sys.stderr if _machine(args) else out)


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as fh:
        return fh.read()


# --------------------------------------------------------------------------- validate


def validate(args: argparse.Namespace, out: TextIO) -> int:
    """``validate FILE...``: every problem with its YAML path; exit 1 if any."""
    from ..models import get_profile

    prof = get_profile(args.profile)
    origin = f", {prof.source}" if prof.source else ""
    report: list[dict[str, Any]] = []
    rep = Reporter(out)
    for path in args.files:
        entry: dict[str, Any] = {"file": path, "valid": False, "objects": [], "problems": [],
                                 "error": None}
        report.append(entry)
        try:
            text = _read(path)
            refs = _valid_refs(text, prof)  # fast: no models built when all is valid
            if refs is None:
                from ..models import load_manifests  # builds the models (pydantic)

                refs = [getattr(o, "ref", "object") for o in load_manifests(text, profile=prof)]
        except ManifestValidationError as exc:
            entry["problems"] = [{"path": p.path, "message": p.message} for p in exc.problems]
            entry["error"] = str(exc).splitlines()[0]
            if not _machine(args):
                rep.line(f"{path}: {exc}", "red")
        except (GKEServiceExtensionsError, OSError) as exc:
            text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            entry["error"] = text
            if not _machine(args):
                rep.line(f"{path}: {text}", "red")
        else:
            entry["valid"] = True
            entry["objects"] = refs
            if not _machine(args):
                rep.line(f"{path}: valid under the {prof.name!r} CRD profile{origin} "
                         f"({', '.join(entry['objects'])})", "green")
    if _machine(args):
        emit({"profile": prof.name, "files": report}, args.output, out)
    return EXIT_OK if all(e["valid"] for e in report) else EXIT_FAILED


def _valid_refs(text: str, profile: CRDProfile) -> list[str] | None:
    """``Kind namespace/name`` of each object of ``text`` when every document is one of the
    three CRDs and the compiled checkers accept it; None otherwise (then the full load says
    what is wrong, exactly as without this shortcut). Needs neither pydantic nor the models.
    """
    from ..models._fast import crd_kind, is_valid
    from ..models._yaml import load_documents

    if "\n" not in text and text.strip().endswith((".yaml", ".yml", ".json")):
        return None  # load_manifests reads such a text as a path
    refs: list[str] = []
    for doc in load_documents(text):
        if doc is None:
            continue
        if type(doc) is not dict:
            return None
        kind = crd_kind(doc)
        if kind is None or not is_valid(doc, kind, profile):
            return None
        meta = doc["metadata"]
        refs.append(str(ObjectRef(kind, meta.get("name") or "<unnamed>", meta.get("namespace"))))
    return refs


# --------------------------------------------------------------------------- apply / wait


def apply(args: argparse.Namespace, out: TextIO) -> int:
    """``apply -f FILE... [--wait/--no-wait] [--dry-run] [--preflight]``."""
    from ..kube import DryRun
    from ..models import MODELS, KubeModel, load_manifests

    texts = [(path, _read(path)) for path in args.files]  # unreadable: nothing sent
    rep = Reporter(out)
    with kube_client(args) as client:
        profile = client.crd_profile()  # by default the cluster's own CRD rules
        objs: list[KubeModel] = []
        for _, text in texts:
            objs += [o for o in load_manifests(text, profile=profile)
                     if isinstance(o, KubeModel)]
        if args.preflight:
            from ..diagnosis import preflight

            for obj in objs:
                if type(obj) in MODELS:
                    found = preflight(client, obj)  # type: ignore[arg-type]
                    if not found.ok:
                        rep.line(str(found), "red")
                        raise _Refused(f"preflight refused {obj.ref}: nothing was sent")
        dry = DryRun.ALL if args.dry_run else DryRun.NONE
        applied = []
        for obj in objs:
            result = client.apply(obj, dry_run=dry)
            rep.line(f"applied {result.ref}" + (" (server dry run)" if args.dry_run else ""),
                     "green")
            if type(obj) in MODELS:
                applied.append(result)
        if not args.wait or args.dry_run or not applied:
            return EXIT_OK
        with rep:
            client.wait_all_programmed(applied, timeout=args.timeout,
                                       on_change=rep.on_change())
        for obj in applied:
            rep.line(f"programmed {obj.ref}", "green")
    return EXIT_OK


class _Refused(GKEServiceExtensionsError):
    """The preflight found what GKE would refuse (exit status 1)."""


def wait(args: argparse.Namespace, out: TextIO) -> int:
    """``wait KIND/NAME``: until programmed (1: GKE's reason; 3: timeout)."""
    info, name = one_resource(args.resource, _EXTENSION_KINDS)
    rep = _reporter(args, out)
    with kube_client(args) as client:
        ns = args.namespace or client.default_namespace
        with rep:
            result = client.wait_until_programmed((info.kind, name, ns), timeout=args.timeout,
                                                  on_change=rep.on_change())
    if _machine(args):
        emit(_state_data(result.state, result.manifest) | {"elapsed": round(result.elapsed, 3)},
             args.output, out)
    else:
        Reporter(out).line(f"programmed after {result.elapsed:.1f}s: "
                           f"{result.state.summary()}", "green")
    return EXIT_OK


# --------------------------------------------------------------------------- get


def get(args: argparse.Namespace, out: TextIO) -> int:
    """``get KIND [NAME...]`` / ``get KIND/NAME...``: a table, or the manifests."""
    from ..kube import ALL_NAMESPACES

    wanted = parse_resources(args.resource, need_name=False)
    items: list[dict[str, Any]] = []
    with kube_client(args) as client:
        for info, name in wanted:
            if name is None:
                where: Any = ALL_NAMESPACES if args.all_namespaces else args.namespace
                items += [o.to_manifest() for o in client.list(info.kind, namespace=where)]
            else:
                items.append(client.get(info.kind, name, namespace=args.namespace)
                             .to_manifest())
    if _machine(args):
        single = len(wanted) == 1 and wanted[0][1] is not None
        data = items[0] if single else {"apiVersion": "v1", "kind": "List", "items": items}
        emit(data, args.output, out)
        return EXIT_OK
    if not items:
        print("No resources found.", file=out)
        return EXIT_OK
    rows = [("NAMESPACE", "KIND", "NAME", "PROGRAMMED", "DETAIL")]
    rows += [_row(item) for item in items]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    rep = Reporter(out)
    for i, row in enumerate(rows):
        text = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        style = None if i == 0 else {"True": "green", "False": "red"}.get(row[3], "yellow")
        rep.line(text, style)
    return EXIT_OK


def _row(item: dict[str, Any]) -> tuple[str, str, str, str, str]:
    meta = item.get("metadata") or {}
    kind = str(item.get("kind", ""))
    if kind == "Gateway":
        cond = _condition((item.get("status") or {}).get("conditions") or [], "Programmed")
        programmed = str(cond.get("status", "Unknown")) if cond else "Unknown"
        address = ((item.get("status") or {}).get("addresses") or [{}])[0].get("value", "")
        detail = f"address {address}" if address else str(cond.get("reason", "") if cond else "")
    else:
        from ..kube import evaluate

        state = evaluate(item)
        programmed = {"Programmed": "True", "Failed": "False"}.get(state.outcome.value,
                                                                   state.outcome.value)
        detail = "; ".join(f"{a.ancestor.name}: {a.state.value}"
                           + (f" ({a.reason})" if a.reason and a.state.value != "Programmed"
                              else "") for a in state.ancestors)
    return (str(meta.get("namespace", "")), kind, str(meta.get("name", "")), programmed,
            detail)


def _condition(conditions: Sequence[Any], kind: str) -> dict[str, Any] | None:
    return next((c for c in conditions if isinstance(c, dict) and c.get("type") == kind), None)


# --------------------------------------------------------------------------- status


def _state_data(state: Any, manifest: dict[str, Any]) -> dict[str, Any]:
    entries = (manifest.get("status") or {}).get("ancestors") or []
    ns = (manifest.get("metadata") or {}).get("namespace")
    ancestors = []
    for a in state.ancestors:
        entry: dict[str, Any] = next((e for e in entries if (e.get("ancestorRef") or {}).get("name")
                      == a.ancestor.name), {})
        ancestors.append({
            "gateway": f"{a.ancestor.namespace or ns}/{a.ancestor.name}",
            "state": a.state.value, "reason": a.reason,
            "message": a.message, "observedGeneration": a.observed_generation,
            "conditions": [{k: c.get(k) for k in ("type", "status", "reason", "message",
                                                  "observedGeneration")}
                           for c in entry.get("conditions") or []],
        })
    return {"object": str(state.obj), "generation": state.generation,
            "outcome": state.outcome.value, "ancestors": ancestors}


def status(args: argparse.Namespace, out: TextIO) -> int:
    """``status KIND/NAME``: per-ancestor conditions and the Google Cloud resources."""
    from ..kube import evaluate

    info, name = one_resource(args.resource)
    gcp, why_not = gcp_client(args)
    with kube_client(args) as client:
        manifest = client.get(info.kind, name, namespace=args.namespace).to_manifest()
        ns = manifest["metadata"].get("namespace")
        if info.kind == "Gateway":
            gateways = [(name, ns)]
            conds = (manifest.get("status") or {}).get("conditions") or []
            data: dict[str, Any] = {
                "object": f"Gateway {ns}/{name}", "generation":
                    manifest["metadata"].get("generation"),
                "outcome": {"True": "Programmed", "False": "Failed"}.get(
                    (_condition(conds, "Programmed") or {}).get("status", ""), "Pending"),
                "ancestors": [{"gateway": f"{ns}/{name}", "conditions": conds}]}
        else:
            state = evaluate(manifest)
            data = _state_data(state, manifest)
            gateways = [(a.ancestor.name, a.ancestor.namespace or ns) for a in state.ancestors]
        data["gcp"] = None if gcp is None else []
        data["gcpUnavailable"] = why_not or None
        if gcp is not None:
            with gcp:
                for gw_name, gw_ns in gateways:
                    found = gcp.resources_for_gateway(gw_name, namespace=gw_ns, kube=client)
                    data["gcp"].append(_resources_data(found))
    if _machine(args):
        emit(data, args.output, out)
        return EXIT_OK
    rep = Reporter(out)
    rep.line(f"{data['object']} (generation {data['generation']}): {data['outcome']}",
             {"Programmed": "green", "True": "green", "Failed": "red"}.get(
                 str(data["outcome"]), "yellow"))
    for anc in data["ancestors"]:
        rep.line(f"  Gateway {anc['gateway']}:")
        for c in anc["conditions"]:
            text = f"    {c.get('type')}={c.get('status')} reason={c.get('reason')}"
            if c.get("message"):
                text += f": {c['message']}"
            rep.line(text, "green" if c.get("status") == "True" else "red")
        if not anc["conditions"]:
            rep.line("    (no conditions reported yet)", "yellow")
    if data["gcp"] is None:
        rep.line(f"Google Cloud: not read ({why_not})", "yellow")
    for res in data["gcp"] or []:
        _print_resources(rep, res)
    return EXIT_OK


def _resources_data(found: Any) -> dict[str, Any]:
    return {
        "gateway": found.gateway,
        "lbTrafficExtensions": [{"name": e.name, "events": sorted(
            {str(plain(ev)) for x in e.extensions for ev in x.supported_events}),
            "services": [x.service for x in e.extensions]} for e in found.traffic_extensions],
        "lbRouteExtensions": [{"name": e.name, "services": [x.service for x in e.extensions]}
                              for e in found.route_extensions],
        "wasmPlugins": [{"name": p.name, "mainVersion": p.main_version_id,
                         "imageDigest": p.main_version.image_digest if p.main_version
                         else None} for p in found.wasm_plugins],
        "missing": list(found.missing),
    }


def _print_resources(rep: Reporter, res: dict[str, Any]) -> None:
    rep.line(f"Google Cloud resources behind Gateway {res['gateway']}:")
    for e in res["lbTrafficExtensions"]:
        rep.line(f"  LbTrafficExtension {e['name']}")
        rep.line(f"    events {', '.join(e['events']) or '-'}; services "
                 f"{', '.join(e['services']) or '-'}")
    for e in res["lbRouteExtensions"]:
        rep.line(f"  LbRouteExtension {e['name']}")
        rep.line(f"    services {', '.join(e['services']) or '-'}")
    for p in res["wasmPlugins"]:
        rep.line(f"  WasmPlugin {p['name']}")
        rep.line(f"    main version {p['mainVersion']} image digest {p['imageDigest']}")
    for name in res["missing"]:
        rep.line(f"  missing in Google Cloud: {name}", "red")
    if not (res["lbTrafficExtensions"] or res["lbRouteExtensions"] or res["wasmPlugins"]
            or res["missing"]):
        rep.line("  (none recorded on the Gateway yet)", "yellow")


# --------------------------------------------------------------------------- events


def events(args: argparse.Namespace, out: TextIO) -> int:
    """``events KIND/NAME``: oldest first, as at the bottom of kubectl describe."""
    from .._errors import ObjectRef

    info, name = one_resource(args.resource)
    with kube_client(args) as client:
        ns = args.namespace or client.default_namespace
        found = client.events(ObjectRef(info.kind, name, ns))
    ref = f"{info.kind} {ns}/{name}"
    if _machine(args):
        emit({"object": ref, "events": [
            {"type": e.type, "reason": e.reason, "message": e.message, "source": e.source,
             "count": e.count, "firstSeen": e.first_seen, "lastSeen": e.last_seen}
            for e in found]}, args.output, out)
        return EXIT_OK
    rep = Reporter(out)
    if not found:
        rep.line(f"no events for {ref}")
    for e in found:
        rep.line(str(e), "red" if e.type == "Warning" else None)
    return EXIT_OK


# --------------------------------------------------------------------------- diagnose


def diagnose(args: argparse.Namespace, out: TextIO) -> int:
    """``diagnose KIND/NAME``: exit 1 when an error is found."""
    from ..diagnosis import diagnose as run_diagnosis

    info, name = one_resource(args.resource, _EXTENSION_KINDS)
    gcp, why_not = gcp_client(args)
    with kube_client(args) as client:
        ns = args.namespace or client.default_namespace
        try:
            obj: Any = client.get(info.kind, name, namespace=ns)
            result = run_diagnosis(client, obj, gcp=gcp)
        finally:
            if gcp is not None:
                gcp.close()
    if _machine(args):
        emit(result.to_dict() | {"gcpUnavailable": why_not or None}, args.output, out)
    else:
        rep = Reporter(out)
        for i, text in enumerate(str(result).splitlines()):
            style = ("green" if result.ok else "red") if i == 0 else None
            if text.lstrip().startswith(("error", "ERROR")):
                style = "red"
            rep.line(text, style)
        if gcp is None:
            rep.line(f"(Google Cloud not checked: {why_not})", "yellow")
    return EXIT_OK if result.ok else EXIT_FAILED


# --------------------------------------------------------------------------- inspect


def inspect(args: argparse.Namespace, out: TextIO) -> int:
    """``inspect gateway NAME``: the Google Cloud view of a Gateway and each object's drift."""
    from ..kube import ALL_NAMESPACES
    from ..models import Gateway

    _, name = one_resource(args.resource, ("Gateway",))
    gcp, why_not = gcp_client(args)
    if gcp is None:
        raise UsageError(f"inspect reads Google Cloud, which is not available: {why_not}")
    with kube_client(args) as client, gcp:
        gateway = client.get(Gateway, name, namespace=args.namespace)
        ns = gateway.metadata.namespace or client.default_namespace
        found = gcp.resources_for_gateway(gateway)
        drift: list[dict[str, Any]] = []
        for kind in _EXTENSION_KINDS:
            for obj in client.list(kind, namespace=ALL_NAMESPACES):
                if not _uses(obj, gateway, ns, found):
                    continue
                for d in gcp.drift(obj, gateway):
                    drift.append({"object": getattr(obj, "ref", ""), "path": d.path,
                                  "wanted": d.wanted, "actual": d.actual, "what": d.what,
                                  "text": str(d)})
    data: dict[str, Any] = {"gateway": f"{ns}/{name}", "address": gateway.address,
            "annotations": {k: v for k, v in (gateway.metadata.annotations or {}).items()
                            if k.startswith("networking.gke.io/")},
            "resources": _resources_data(found), "drift": drift}
    if _machine(args):
        emit(data, args.output, out)
        return EXIT_OK
    rep = Reporter(out)
    rep.line(f"Gateway {ns}/{name} address {gateway.address or '-'}")
    for key, value in data["annotations"].items():
        rep.line(f"  {key}: {value}")
    _print_resources(rep, data["resources"])
    if drift:
        rep.line(f"Drift: {len(drift)} difference(s)", "red")
        for item in drift:
            rep.line(f"  {item['object']}: {item['text']}", "red")
    else:
        rep.line("Drift: none (Google Cloud has what the cluster asks)", "green")
    return EXIT_OK


def _uses(obj: Any, gateway: Any, ns: str, found: Any) -> bool:
    """Whether ``obj`` is served through ``gateway`` (targets it, or a plugin GKE made)."""
    if obj.kind == "GCPWasmPlugin":
        return bool(found.wasm_plugins)
    for ref in obj.spec.target_refs or []:
        if ref.name == gateway.metadata.name and (obj.metadata.namespace or ns) == ns:
            return True
    return False


# --------------------------------------------------------------------------- rollout


def rollout(args: argparse.Namespace, out: TextIO) -> int:
    """``rollout plan|run|resume|abort|history PLUGIN``."""
    from ..rollout import Rollout, RolloutOutcome

    name = args.plugin.partition("/")[2] if "/" in args.plugin else args.plugin
    if "/" in args.plugin:
        one_resource([args.plugin], ("GCPWasmPlugin",))
    action: str = args.rollout_command
    gcp, why_not = gcp_client(args) if action != "history" else (None, "")
    rep = _reporter(args, out)

    def on_step(step: Any) -> None:
        rep.progress(str(step), "ok" if "succeeded" in str(step).lower() else None)

    with kube_client(args) as client:
        try:
            runner = Rollout(client, gcp=gcp, timeout=getattr(args, "timeout", 600.0))
            if action == "history":
                periods = runner.history(name, namespace=args.namespace)
                if _machine(args):
                    emit({"plugin": name, "history": [p.to_json() for p in periods]},
                         args.output, out)
                else:
                    for p in periods:
                        until = p.until.isoformat() if p.until else "now"
                        since = p.since.isoformat() if p.since else "?"
                        rep.line(f"{p.version}  {p.image}  {since} .. {until}"
                                 + (f"  {p.digest}" if p.digest else ""))
                    if not periods:
                        rep.line(f"no rollout recorded on GCPWasmPlugin {name}")
                return EXIT_OK
            if action == "plan":
                plan = runner.plan(name, args.image, namespace=args.namespace,
                                   version_name=args.version_name, keep=args.keep,
                                   bake=args.bake)
                if _machine(args):
                    emit(plan.to_dict(), args.output, out)
                else:
                    print(plan, file=out)
                return EXIT_OK
            if gcp is None and not _machine(args):
                rep.line(f"(Google Cloud not checked: {why_not})", "yellow")
            if action == "run":
                plan = runner.plan(name, args.image, namespace=args.namespace,
                                   version_name=args.version_name, keep=args.keep,
                                   bake=args.bake)
                result = runner.run(plan, on_step=on_step)
            elif action == "resume":
                result = runner.resume(name, namespace=args.namespace, on_step=on_step)
            else:
                result = runner.abort(name, namespace=args.namespace, reason=args.reason,
                                      on_step=on_step)
        finally:
            if gcp is not None:
                gcp.close()
    wanted = RolloutOutcome.ABORTED if action == "abort" else RolloutOutcome.SUCCEEDED
    if _machine(args):
        emit({"plugin": str(result.plugin_ref), "rollout": result.rollout_id,
              "version": result.version, "previousVersion": result.previous_version,
              "outcome": result.outcome.value, "reason": result.reason,
              "digest": result.digest, "duration": round(result.duration, 3),
              "steps": [{"kind": plain(s.kind), "status": plain(s.status),
                         "duration": round(s.duration, 3), "message": s.message}
                        for s in result.steps]}, args.output, out)
    else:
        Reporter(out).line(str(result), "green" if result.outcome is wanted else "red")
    if result.outcome is not wanted:
        print(f"error: rollout {result.outcome.value}: {result.reason}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
