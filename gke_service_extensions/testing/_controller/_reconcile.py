"""Pure reconcile logic: the world in, a verdict per extension/plugin and ancestor out.

No I/O and no clock: :func:`evaluate` reads a :class:`~._world.World` and returns, for every
GCPTrafficExtension, GCPRoutingExtension and GCPWasmPlugin, which Gateways are its ancestors
and, per ancestor, the first failure GKE would report (or ``None`` when it can be programmed).

Checks, in order, per ancestor Gateway (SPEC §2-5, §7); an object whose fields have the wrong
JSON types fails first with Accepted=False ``Invalid`` (the API server normally stops those):

1. the target is a Gateway that exists in the extension's namespace
   (Accepted=False ``NoMatchingTarget``);
2. its GatewayClass is a GKE class that supports the kind, each backend kind,
   ``googleAPIServiceName`` and ``observabilityMode`` (Accepted=False ``NotAllowed``);
3. it is the oldest extension of its kind on that Gateway (Accepted=False ``Conflicted``);
4. every celMatcher is a CEL expression GKE accepts (Accepted=False ``InvalidCELExpression``);
5. every backend resolves: Service and port exist (ResolvedRefs=False
   ``ExtensionServiceNotFound``), the port says ``appProtocol: HTTP2`` (Accepted=False
   ``InvalidExtensionService``), the Service has ready endpoints (ResolvedRefs=False
   ``ExtensionServiceNotFound``), referenced GCPWasmPlugins exist (ResolvedRefs=False
   ``GCPWasmPluginNotFound``) and are valid (Accepted=False ``InvalidGCPWasmPlugin``).

GCPWasmPlugin has no targetRefs. Its ancestors are the existing Gateways targeted by the
extensions (of either kind, same namespace) whose backendRef names it; an unreferenced plugin
has no ancestors. A plugin fails as a whole (Accepted=False ``InvalidGCPWasmPlugin``) when
a version's image does not resolve; per ancestor it fails with ``NotAllowed`` when the
Gateway's class is not ``gke-l7-global-external-managed``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..._gke import (
    GATEWAY_API_GROUP,
    GKE_CONTROLLER_NAME,
    GLOBAL_EXTERNAL_MANAGED,
    GatewayClassInfo,
    backend_kind,
    gateway_class_info,
)
from ._world import ROUTING, TRAFFIC, WASM, NsName, Obj, ObjectKey, World, creation_order

__all__ = [
    "ACCEPTED",
    "GLOBAL_EXTERNAL",
    "PROGRAMMED",
    "RESOLVED_REFS",
    "AncestorVerdict",
    "Failure",
    "GatewayClassProfile",
    "ObjectVerdict",
    "class_profile",
    "evaluate",
]

ACCEPTED = "Accepted"
RESOLVED_REFS = "ResolvedRefs"
PROGRAMMED = "Programmed"
GLOBAL_EXTERNAL = GLOBAL_EXTERNAL_MANAGED
GKE_CONTROLLER = GKE_CONTROLLER_NAME
_GATEWAY_GROUP = GATEWAY_API_GROUP

ImageResolver = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Failure:
    """One condition GKE sets False: which, why (``reason``) and the message it shows."""

    condition: str
    reason: str
    message: str


#: What a GKE GatewayClass builds and supports (the table lives in ``_gke``).
GatewayClassProfile = GatewayClassInfo


def class_profile(name: str) -> GatewayClassProfile | None:
    """The profile of a GKE GatewayClass, or None for a class GKE does not provide."""
    return gateway_class_info(name)


@dataclass(frozen=True, slots=True)
class AncestorVerdict:
    """The outcome for one ancestor Gateway: ``failure`` None means programmable."""

    gateway: NsName
    failure: Failure | None
    profile: GatewayClassProfile | None = None


@dataclass(frozen=True, slots=True)
class ObjectVerdict:
    """The outcome for one extension or plugin.

    ``failure`` is an object-wide failure (for plugins: a bad image; or an injected fault)
    that also stops GCP programming of a plugin without ancestors. ``plugins`` are the
    GCPWasmPlugins an extension references.
    """

    key: ObjectKey
    uid: str
    generation: int
    ancestors: tuple[AncestorVerdict, ...]
    failure: Failure | None = None
    plugins: tuple[ObjectKey, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing failed, object-wide or for any ancestor."""
        return self.failure is None and all(a.failure is None for a in self.ancestors)


# --------------------------------------------------------------------------- helpers


def _spec(obj: Mapping[str, Any]) -> dict[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def iter_extensions(obj: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(yaml path, extension)`` for every extension of every chain."""
    out = []
    for ci, chain in enumerate(_spec(obj).get("extensionChains") or []):
        for ei, ext in enumerate((chain or {}).get("extensions") or []):
            if isinstance(ext, dict):
                out.append((f"spec.extensionChains[{ci}].extensions[{ei}]", ext))
    return out


def referenced_plugins(key: ObjectKey, obj: Mapping[str, Any]) -> tuple[ObjectKey, ...]:
    """The GCPWasmPlugins an extension's backendRefs name, in order, without repeats."""
    found: list[ObjectKey] = []
    for _, ext in iter_extensions(obj):
        if backend_kind(ext) == WASM:
            pk = ObjectKey(WASM, key.namespace, str(ext["backendRef"].get("name", "")))
            if pk not in found:
                found.append(pk)
    return tuple(found)


def target_gateways(obj: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """``(index, targetRef)`` for each distinct target, first occurrence kept."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for i, ref in enumerate(_spec(obj).get("targetRefs") or []):
        if not isinstance(ref, dict):
            continue
        ident = (str(ref.get("group", "")), str(ref.get("kind", "")), str(ref.get("name", "")))
        if ident not in seen:
            seen.add(ident)
            out.append((i, ref))
    return out


# --------------------------------------------------------------------------- checks


def _check_target(key: ObjectKey, index: int, ref: Mapping[str, Any],
                  world: World) -> tuple[Failure | None, Obj | None]:
    name = str(ref.get("name", ""))
    if ref.get("kind", "Gateway") != "Gateway" or ref.get("group", _GATEWAY_GROUP) not in (
            _GATEWAY_GROUP, ""):
        return Failure(ACCEPTED, "NoMatchingTarget",
                       f"spec.targetRefs[{index}]: {ref.get('kind')} {name!r} is not a "
                       f"{_GATEWAY_GROUP} Gateway; {key.kind} attaches only to Gateways"), None
    gateway = world.gateways.get((key.namespace, name))
    if gateway is None:
        return Failure(ACCEPTED, "NoMatchingTarget",
                       f'spec.gatewayRef: gateway "{name}" not found in namespace '
                       f'"{key.namespace}"'), None
    return None, gateway


def gateway_profile(world: World, gateway: Mapping[str, Any]
                    ) -> tuple[GatewayClassProfile | None, str | None]:
    """The Gateway's class profile, or None and why GKE does not manage that class."""
    class_name = str(_spec(gateway).get("gatewayClassName", ""))
    gw = f"{_meta(gateway).get('namespace') or 'default'}/{_meta(gateway).get('name')}"
    class_obj = world.gateway_classes.get(class_name)
    if class_obj is not None:
        controller = _spec(class_obj).get("controllerName")
        if controller and controller != GKE_CONTROLLER:
            return None, (f'Gateway {gw} uses GatewayClass "{class_name}", which is managed '
                          f'by "{controller}", not by {GKE_CONTROLLER}')
    profile = class_profile(class_name)
    if profile is None:
        return None, (f'Gateway {gw} uses GatewayClass "{class_name}", which is not a GKE '
                      "GatewayClass")
    return profile, None


def _check_class(key: ObjectKey, obj: Mapping[str, Any], world: World,
                 gateway: Mapping[str, Any]) -> tuple[Failure | None, GatewayClassProfile | None]:
    profile, why = gateway_profile(world, gateway)
    if profile is None:
        return Failure(ACCEPTED, "NotAllowed", f"{key.kind} is not supported: {why}"), None
    gw = f"{key.namespace}/{_meta(gateway).get('name')}"
    cls = f'GatewayClass "{profile.name}"'
    if not profile.supports_extensions:
        return Failure(ACCEPTED, "NotAllowed",
                       f"{cls} (Gateway {gw}) does not support service extensions"), profile
    if key.kind == ROUTING and not profile.supports_routing:
        return Failure(ACCEPTED, "NotAllowed",
                       f"{ROUTING} is not supported on {cls} (Gateway {gw}); use a "
                       "regional GatewayClass"), profile
    for path, ext in iter_extensions(obj):
        if ext.get("observabilityMode") and profile.is_global:
            return Failure(ACCEPTED, "NotAllowed",
                           f"{path}.observabilityMode: supported only on regional "
                           f"GatewayClasses; Gateway {gw} uses {cls}"), profile
        kind = backend_kind(ext)
        if kind is None:
            if key.kind == ROUTING:
                return Failure(ACCEPTED, "NotAllowed",
                               f"{path}.googleAPIServiceName: only {TRAFFIC} supports "
                               "googleAPIServiceName"), profile
            continue
        if kind == WASM and not profile.supports_wasm:
            return Failure(ACCEPTED, "NotAllowed",
                           f"{path}.backendRef: {WASM} backends are supported only on "
                           f'GatewayClass "{GLOBAL_EXTERNAL}"; Gateway {gw} uses '
                           f'"{profile.name}"'), profile
        if kind == "Service" and profile.multi_cluster:
            return Failure(ACCEPTED, "NotAllowed",
                           f"{path}.backendRef: Gateway {gw} uses multi-cluster {cls}: "
                           "backendRef kind must be ServiceImport, found Service"), profile
        if kind == "ServiceImport" and not profile.multi_cluster:
            return Failure(ACCEPTED, "NotAllowed",
                           f"{path}.backendRef: ServiceImport backends need a multi-cluster "
                           f'(-mc) GatewayClass; Gateway {gw} uses "{profile.name}"'), profile
    return None, profile


def _check_service(path: str, namespace: str, name: str, port: Any, world: World,
                   *, need_http2: bool = True) -> Failure | None:
    service = world.services.get((namespace, name))
    if service is None:
        return Failure(RESOLVED_REFS, "ExtensionServiceNotFound",
                       f'spec.service: service "{name}" not found')
    if port is None:
        return None
    raw_ports = _spec(service).get("ports")
    ports = [p for p in raw_ports if isinstance(p, dict)] if isinstance(raw_ports, list) else []
    match = next((p for p in ports if p.get("port") == port), None)
    if match is None:
        found = ", ".join(str(p.get("port")) for p in ports) or "none"
        return Failure(RESOLVED_REFS, "ExtensionServiceNotFound",
                       f'spec.service: service "{name}" not found: {path}.backendRef.port '
                       f"{port} is not a port of the Service (ports: {found})")
    if need_http2 and str(match.get("appProtocol", "")).upper() != "HTTP2":
        app = match.get("appProtocol")
        return Failure(ACCEPTED, "InvalidExtensionService",
                       f'spec.service: service "{name}" port {port} must set appProtocol: '
                       f"HTTP2 for a callout backend (found "
                       f"{repr(app) if app is not None else 'none'})")
    if world.ready_endpoints(namespace, name) == 0:
        return Failure(RESOLVED_REFS, "ExtensionServiceNotFound",
                       f'spec.service: no network endpoints found for service "{name}"')
    return None


def _check_cel(key: ObjectKey, obj: Mapping[str, Any]) -> Failure | None:
    """Accepted=False ``InvalidCELExpression`` for a celMatcher GKE could not translate."""
    for ci, chain in enumerate(_spec(obj).get("extensionChains") or []):
        match = chain.get("matchCondition") or {}
        for xi, expr in enumerate(match.get("celExpressions") or []):
            matcher = expr.get("celMatcher")
            if matcher is None:
                continue
            # Imported here: celpy is slow to import and most objects have no matcher.
            from ...models._cel import BACKEND_SERVICE_NUM_ENDPOINTS, check_matcher

            extra = frozenset({BACKEND_SERVICE_NUM_ENDPOINTS}) if key.kind == TRAFFIC else (
                frozenset())
            problems = check_matcher(matcher, extra)
            if problems:
                return Failure(ACCEPTED, "InvalidCELExpression",
                               f"spec.extensionChains[{ci}].matchCondition.celExpressions"
                               f"[{xi}].celMatcher: {problems[0]}")
    return None


def _check_refs(key: ObjectKey, obj: Mapping[str, Any], world: World,
                plugin_failures: Mapping[ObjectKey, Failure | None]) -> Failure | None:
    for ci, chain in enumerate(_spec(obj).get("extensionChains") or []):
        match = (chain or {}).get("matchCondition") or {}
        for xi, expr in enumerate(match.get("celExpressions") or []):
            for ri, ref in enumerate((expr or {}).get("backendRefs") or []):
                if (ref or {}).get("kind", "Service") != "Service":
                    continue
                path = f"spec.extensionChains[{ci}].matchCondition.celExpressions[{xi}]"
                failure = _check_service(f"{path}.backendRefs[{ri}]", key.namespace,
                                         str(ref.get("name", "")), None, world)
                if failure is not None:
                    return failure
    for path, ext in iter_extensions(obj):
        kind = backend_kind(ext)
        ref = ext.get("backendRef") or {}
        if kind == "Service":
            failure = _check_service(path, key.namespace, str(ref.get("name", "")),
                                     ref.get("port"), world)
            if failure is not None:
                return failure
        elif kind == WASM:
            pk = ObjectKey(WASM, key.namespace, str(ref.get("name", "")))
            where = f"{WASM} {pk.path} in {key.kind} {key.path}"
            bad = plugin_failures.get(pk)
            if pk not in world.extensions and bad is None:
                return Failure(RESOLVED_REFS, "GCPWasmPluginNotFound",
                               f"error cause: invalid-wasm-plugin: {where} does not exist")
            if bad is not None:
                return Failure(ACCEPTED, "InvalidGCPWasmPlugin",
                               f"error cause: invalid-wasm-plugin: {where} is not valid: "
                               f"{bad.message}")
    return None


def _check_plugin(obj: Mapping[str, Any], resolve_image: ImageResolver) -> Failure | None:
    for i, version in enumerate(_spec(obj).get("versions") or []):
        image = str((version or {}).get("image", ""))
        if resolve_image(image) is None:
            return Failure(ACCEPTED, "InvalidGCPWasmPlugin",
                           f'spec.versions[{i}].image: image "{image}" of version '
                           f'"{(version or {}).get("name")}" not found in Artifact Registry')
    return None


def _list_of_dicts(value: Any, path: str, problems: list[str]) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problems.append(f"{path}: must be a list of objects")
        return []
    return value


def shape_problem(key: ObjectKey, obj: Mapping[str, Any]) -> Failure | None:
    """Accepted=False ``Invalid`` when fields the controller reads have the wrong JSON type.

    The API server validates manifests; this keeps one malformed object (written straight to
    the store) from breaking the reconcile of every other object.
    """
    problems: list[str] = []
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        problems.append("spec: must be an object")
        spec = {}
    if key.kind == WASM:
        for i, version in enumerate(_list_of_dicts(spec.get("versions"), "spec.versions",
                                                   problems)):
            if not isinstance(version.get("weight", 0), int):
                problems.append(f"spec.versions[{i}].weight: must be an integer")
            if not isinstance(version.get("image", ""), str):
                problems.append(f"spec.versions[{i}].image: must be a string")
        log = spec.get("logConfig")
        if log is not None and (not isinstance(log, dict) or not isinstance(
                log.get("sampleRate", 0), int)):
            problems.append("spec.logConfig: must be an object with an integer sampleRate")
    else:
        _list_of_dicts(spec.get("targetRefs"), "spec.targetRefs", problems)
        chains = _list_of_dicts(spec.get("extensionChains"), "spec.extensionChains", problems)
        for ci, chain in enumerate(chains):
            path = f"spec.extensionChains[{ci}]"
            match = chain.get("matchCondition")
            if match is not None:
                if not isinstance(match, dict):
                    problems.append(f"{path}.matchCondition: must be an object")
                else:
                    for xi, expr in enumerate(_list_of_dicts(
                            match.get("celExpressions"),
                            f"{path}.matchCondition.celExpressions", problems)):
                        _list_of_dicts(expr.get("backendRefs"), f"{path}.matchCondition."
                                       f"celExpressions[{xi}].backendRefs", problems)
            exts = _list_of_dicts(chain.get("extensions"), f"{path}.extensions", problems)
            for ei, ext in enumerate(exts):
                where = f"{path}.extensions[{ei}]"
                if "backendRef" in ext and not isinstance(ext["backendRef"], dict):
                    problems.append(f"{where}.backendRef: must be an object")
                for name in ("supportedEvents", "forwardHeaders"):
                    value = ext.get(name)
                    if value is not None and not isinstance(value, list):
                        problems.append(f"{where}.{name}: must be a list")
                if ext.get("metadata") is not None and not isinstance(ext["metadata"], dict):
                    problems.append(f"{where}.metadata: must be an object")
    if not problems:
        return None
    return Failure(ACCEPTED, "Invalid", f"{key} is malformed: " + "; ".join(problems))


def _malformed_verdict(key: ObjectKey, obj: Mapping[str, Any],
                       failure: Failure) -> ObjectVerdict:
    """Fail a malformed object on every Gateway its targetRefs name (if they can be read)."""
    spec = obj.get("spec")
    targets = spec.get("targetRefs") if isinstance(spec, dict) else None
    gateways = [(key.namespace, str(ref["name"])) for ref in targets
                if isinstance(ref, dict) and ref.get("name")] if isinstance(targets, list) else []
    uid, generation = _identity(key, obj)
    return ObjectVerdict(key, uid, generation,
                         tuple(AncestorVerdict(gw, failure) for gw in dict.fromkeys(gateways)),
                         failure)


def _identity(key: ObjectKey, obj: Mapping[str, Any]) -> tuple[str, int]:
    meta = _meta(obj)
    return str(meta.get("uid", "")), int(meta.get("generation") or 1)


_Row = tuple[NsName, Failure | None, GatewayClassProfile | None]


def evaluate(world: World, resolve_image: ImageResolver,
             faults: Mapping[ObjectKey, Failure] | None = None) -> dict[ObjectKey, ObjectVerdict]:
    """A verdict for every extension and plugin of ``world``.

    ``resolve_image`` maps an image URI to its digest (None: it does not exist).
    ``faults`` are injected failures; they win over what the checks find.
    """
    faults = faults or {}
    verdicts: dict[ObjectKey, ObjectVerdict] = {}
    malformed: dict[ObjectKey, Failure] = {}
    for key, obj in list(world.extensions.items()):
        problem = shape_problem(key, obj)
        if problem is not None:
            malformed[key] = problem
            verdicts[key] = _malformed_verdict(key, obj, faults.get(key) or problem)
    if malformed:  # the rest of the checks only see well-formed objects
        world = World(world.gateways, world.gateway_classes, world.services, world.endpoints,
                      world.endpoint_slices, world.http_routes,
                      {k: o for k, o in world.extensions.items() if k not in malformed})

    plugin_failures: dict[ObjectKey, Failure | None] = {
        k: f for k, f in malformed.items() if k.kind == WASM}
    for key, obj in world.of_kind(WASM):
        plugin_failures[key] = faults.get(key) or _check_plugin(obj, resolve_image)

    attached, winners = _attachments(world)
    for kind in (TRAFFIC, ROUTING):
        for key, obj in world.of_kind(kind):
            verdicts[key] = _extension_verdict(key, obj, world, attached[key], winners,
                                               plugin_failures, faults.get(key))
    for key, obj in world.of_kind(WASM):
        verdicts[key] = _plugin_verdict(key, obj, world, plugin_failures[key])
    return verdicts


def _attachments(world: World) -> tuple[dict[ObjectKey, list[_Row]],
                                        dict[tuple[str, NsName], ObjectKey]]:
    """Steps 1-2 for every extension, and the oldest survivor per (kind, Gateway) slot."""
    attached: dict[ObjectKey, list[_Row]] = {}
    contenders: dict[tuple[str, NsName], list[tuple[ObjectKey, Obj]]] = {}
    for kind in (TRAFFIC, ROUTING):
        for key, obj in world.of_kind(kind):
            rows: list[_Row] = []
            for index, ref in target_gateways(obj):
                gw_key = (key.namespace, str(ref.get("name", "")))
                failure, gateway = _check_target(key, index, ref, world)
                profile = None
                if failure is None and gateway is not None:
                    failure, profile = _check_class(key, obj, world, gateway)
                    if failure is None:
                        contenders.setdefault((kind, gw_key), []).append((key, obj))
                rows.append((gw_key, failure, profile))
            attached[key] = rows
    winners = {slot: min(objs, key=lambda item: creation_order(item[1]))[0]
               for slot, objs in contenders.items()}
    return attached, winners


def _extension_verdict(key: ObjectKey, obj: Obj, world: World, rows: list[_Row],
                       winners: Mapping[tuple[str, NsName], ObjectKey],
                       plugin_failures: Mapping[ObjectKey, Failure | None],
                       fault: Failure | None) -> ObjectVerdict:
    """Steps 3-5 on top of each ancestor's target and class outcome."""
    uid, generation = _identity(key, obj)
    refs_failure = _check_cel(key, obj) or _check_refs(key, obj, world, plugin_failures)
    ancestors = []
    for gw_key, failure, profile in rows:
        winner = winners.get((key.kind, gw_key))
        if failure is None and winner is not None and winner != key:
            failure = Failure(
                ACCEPTED, "Conflicted",
                f"{key} conflicts with {winner} on Gateway {gw_key[0]}/{gw_key[1]}: "
                f"only one {key.kind} is allowed per forwarding rule (the oldest wins)")
        ancestors.append(AncestorVerdict(gw_key, fault or failure or refs_failure, profile))
    return ObjectVerdict(key, uid, generation, tuple(ancestors), fault,
                         referenced_plugins(key, obj))


def _plugin_verdict(key: ObjectKey, obj: Obj, world: World,
                    plugin_failure: Failure | None) -> ObjectVerdict:
    """Ancestors: existing Gateways targeted by the extensions that use the plugin."""
    uid, generation = _identity(key, obj)
    gateways: list[NsName] = []
    for ext_key, ext_obj in sorted(world.extensions.items()):
        if ext_key.kind == WASM or key not in referenced_plugins(ext_key, ext_obj):
            continue
        for index, ref in target_gateways(ext_obj):
            missing, _gateway = _check_target(ext_key, index, ref, world)
            gw_key = (key.namespace, str(ref.get("name", "")))
            if missing is None and gw_key not in gateways:
                gateways.append(gw_key)
    ancestors = []
    for gw_key in gateways:
        profile, why = gateway_profile(world, world.gateways[gw_key])
        failure = None
        if profile is None or not profile.supports_wasm:
            used = f'"{profile.name}"' if profile is not None else f"({why})"
            failure = Failure(ACCEPTED, "NotAllowed",
                              f"{WASM} is supported only on GatewayClass "
                              f'"{GLOBAL_EXTERNAL}"; Gateway {gw_key[0]}/{gw_key[1]} '
                              f"uses {used}")
        ancestors.append(AncestorVerdict(gw_key, plugin_failure or failure, profile))
    return ObjectVerdict(key, uid, generation, tuple(ancestors), plugin_failure)
