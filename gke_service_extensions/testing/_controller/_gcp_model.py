"""Pure translation of extensions and plugins into Google Cloud resources and annotations.

Names follow GKE's pattern ``gkegw1-<cluster hash>-<namespace>-<name>-<hash>`` (at most 63
characters, deterministic). One LbTrafficExtension / LbRouteExtension is made per
(extension, ancestor Gateway), in the Gateway's location, attached to that Gateway's
forwarding rule; one global WasmPlugin per GCPWasmPlugin, whose version ids are the
GCPWasmPlugin version names and whose ``mainVersionId`` is the version with non-zero weight.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._reconcile import GatewayClassProfile, backend_kind
from ._settings import ControllerSettings
from ._world import ROUTING, TRAFFIC, WASM, NsName, ObjectKey, World

__all__ = [
    "ANNOTATION_PREFIX",
    "GatewayResources",
    "GcpResource",
    "extension_resource",
    "gateway_resources",
    "gke_name",
    "go_duration_to_proto",
    "location_of",
    "plugin_resource",
]

ANNOTATION_PREFIX = "networking.gke.io/"
LB_TRAFFIC_EXTENSIONS = "lbTrafficExtensions"
LB_ROUTE_EXTENSIONS = "lbRouteExtensions"
WASM_PLUGINS = "wasmPlugins"

_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
            "m": 60_000_000_000, "h": 3_600_000_000_000}
_BODY_MODES = {"Streamed": "BODY_SEND_MODE_STREAMED",
               "FullDuplexStreamed": "BODY_SEND_MODE_FULL_DUPLEX_STREAMED"}


@functools.lru_cache(maxsize=8192)
def _hash(text: str, length: int) -> str:
    n = int(hashlib.sha256(text.encode()).hexdigest(), 16)
    out = []
    for _ in range(length):
        n, r = divmod(n, 36)
        out.append(_B36[r])
    return "".join(out)


def gke_name(settings: ControllerSettings, *parts: str, salt: str = "") -> str:
    """``gkegw1-<4>-<parts...>-<12>``, readable parts shortened to fit 63 characters."""
    prefix = f"gkegw1-{_hash(settings.cluster_name, 4)}"
    suffix = _hash("/".join((settings.cluster_name, salt, *parts)), 12)
    room = 63 - len(prefix) - len(suffix) - 2
    cleaned = [re.sub(r"[^a-z0-9-]", "-", p.lower()).strip("-") or "x" for p in parts]
    each = max(1, (room - (len(cleaned) - 1)) // max(1, len(cleaned)))
    middle = "-".join(p[:each].rstrip("-") or "x" for p in cleaned)[:room].rstrip("-")
    return f"{prefix}-{middle}-{suffix}"


def location_of(profile: GatewayClassProfile, settings: ControllerSettings) -> str:
    """``global`` for global classes, the configured region otherwise."""
    return "global" if profile.is_global else settings.region


def go_duration_to_proto(text: str) -> str:
    """A Go duration (``1s``, ``100ms``, ``1m30s``) as a protobuf JSON Duration (``0.100s``)."""
    pos, nanos = 0, 0
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if m is None:
            raise ValueError(f"not a Go duration: {text!r}")
        nanos += round(float(m.group(1)) * _UNIT_NS[m.group(2)])
        pos = m.end()
    if not text:
        raise ValueError("empty duration")
    seconds, rest = divmod(nanos, 1_000_000_000)
    if rest == 0:
        return f"{seconds}s"
    if rest % 1_000_000 == 0:
        return f"{seconds}.{rest // 1_000_000:03d}s"
    if rest % 1_000 == 0:
        return f"{seconds}.{rest // 1_000:06d}s"
    return f"{seconds}.{rest:09d}s"


def _event_enum(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


@dataclass(frozen=True, slots=True)
class GcpResource:
    """One Network Services resource to program: collection, location, name, REST body.

    ``versions`` is set only for WasmPlugins (version id -> WasmPluginVersion body).
    """

    collection: str
    location: str
    name: str
    body: dict[str, Any]
    versions: dict[str, dict[str, Any]] | None = None

    def path(self, project: str) -> str:
        """``projects/<project>/locations/<location>/<collection>/<name>``."""
        return f"projects/{project}/locations/{self.location}/{self.collection}/{self.name}"


@dataclass(frozen=True, slots=True)
class GatewayResources:
    """The load balancer GKE builds for one Gateway (compute resource paths)."""

    gateway: NsName
    location: str
    scheme: str
    address: str
    forwarding_rule: str
    target_proxy: str
    https: bool
    url_map: str
    backend_services: tuple[str, ...] = field(default=())


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _compute_path(project: str, location: str, collection: str, name: str) -> str:
    scope = "global" if location == "global" else f"regions/{location}"
    return f"projects/{project}/{scope}/{collection}/{name}"


def backend_service_path(settings: ControllerSettings, project: str, location: str,
                         namespace: str, service: str, port: Any) -> str:
    """The backend service GKE makes for ``namespace/service:port``."""
    name = gke_name(settings, namespace, service, str(port), salt="bs")
    return _compute_path(project, location, "backendServices", name)


def gateway_resources(settings: ControllerSettings, project: str, world: World,
                      gw_key: NsName, gateway: Mapping[str, Any],
                      profile: GatewayClassProfile) -> GatewayResources:
    """The load balancer of a Gateway: address, forwarding rule, proxy, URL map, backends."""
    ns, name = gw_key
    location = location_of(profile, settings)
    listeners = _dict(gateway.get("spec")).get("listeners")
    https = any(_dict(lst).get("protocol") == "HTTPS" for lst in _items(listeners))
    address = f"{settings.address_prefix}.{1 + int(_hash(f'{ns}/{name}', 6), 36) % 254}"
    backends: list[str] = []
    for route in world.routes_of(ns, name):
        route_ns = _dict(route.get("metadata")).get("namespace") or "default"
        for rule in _items(_dict(route.get("spec")).get("rules")):
            for ref in _items(_dict(rule).get("backendRefs")):
                if not isinstance(ref, dict) or ref.get("kind", "Service") != "Service":
                    continue
                path = backend_service_path(settings, project, location,
                                            ref.get("namespace") or route_ns,
                                            str(ref.get("name")), ref.get("port"))
                if path not in backends:
                    backends.append(path)
    return GatewayResources(
        gateway=gw_key, location=location, scheme=profile.scheme, address=address,
        forwarding_rule=_compute_path(project, location, "forwardingRules",
                                      gke_name(settings, ns, name, salt="fr")),
        target_proxy=_compute_path(project, location,
                                   "targetHttpsProxies" if https else "targetHttpProxies",
                                   gke_name(settings, ns, name, salt="tp")),
        https=https,
        url_map=_compute_path(project, location, "urlMaps",
                              gke_name(settings, ns, name, salt="um")),
        backend_services=tuple(backends),
    )


def plugin_name(settings: ControllerSettings, key: ObjectKey) -> str:
    """The WasmPlugin name GKE gives a GCPWasmPlugin."""
    return gke_name(settings, key.namespace, key.name, salt=WASM)


def plugin_resource(settings: ControllerSettings, project: str, key: ObjectKey,
                    obj: Mapping[str, Any], resolve_image: Callable[[str], str | None],
                    used_by: Iterable[str] = ()) -> GcpResource:
    """The global WasmPlugin (and its versions) for a GCPWasmPlugin."""
    spec = obj.get("spec") or {}
    name = plugin_name(settings, key)
    resource_path = f"projects/{project}/locations/global/{WASM_PLUGINS}/{name}"
    versions: dict[str, dict[str, Any]] = {}
    main = None
    for version in spec.get("versions") or []:
        vid = str(version.get("name"))
        vbody: dict[str, Any] = {"imageUri": version.get("image")}
        digest = resolve_image(str(version.get("image", "")))
        if digest is not None:
            vbody["imageDigest"] = digest
        if version.get("description"):
            vbody["description"] = version["description"]
        if version.get("pluginConfigURI"):
            vbody["pluginConfigUri"] = version["pluginConfigURI"]
        versions[vid] = vbody
        if main is None and int(version.get("weight") or 0) > 0:
            main = vid
    body: dict[str, Any] = {
        "description": f"{WASM} {key.path}",
        "labels": {"gke-namespace": key.namespace, "gke-name": key.name[:63]},
    }
    if main is not None:
        body["mainVersionId"] = main
    log = spec.get("logConfig")
    if isinstance(log, dict):
        enabled = bool(log.get("enabled"))
        body["logConfig"] = {"enable": enabled}
        if enabled:
            body["logConfig"]["sampleRate"] = int(log.get("sampleRate", 1_000_000)) / 1e6
            body["logConfig"]["minLogLevel"] = str(log.get("minLogLevel") or "INFO")
    used = sorted(set(used_by))
    if used:
        body["usedBy"] = [{"name": u} for u in used]
    body["name"] = resource_path
    return GcpResource(WASM_PLUGINS, "global", name, body, versions)


def extension_resource(settings: ControllerSettings, project: str, key: ObjectKey,
                       obj: Mapping[str, Any], lb: GatewayResources) -> GcpResource:
    """The LbTrafficExtension / LbRouteExtension for one extension on one Gateway."""
    collection = LB_TRAFFIC_EXTENSIONS if key.kind == TRAFFIC else LB_ROUTE_EXTENSIONS
    gw_ns, gw_name = lb.gateway
    name = gke_name(settings, key.namespace, key.name, salt=f"{key.kind}/{gw_ns}/{gw_name}")
    spec = obj.get("spec") or {}
    chains = []
    for chain in spec.get("extensionChains") or []:
        out_chain: dict[str, Any] = {"name": chain.get("name")}
        exprs = [str(e.get("celMatcher")) for e in
                 (chain.get("matchCondition") or {}).get("celExpressions") or []
                 if isinstance(e, dict) and e.get("celMatcher")]
        if exprs:
            cel = exprs[0] if len(exprs) == 1 else " || ".join(f"({e})" for e in exprs)
            out_chain["matchCondition"] = {"celExpression": cel}
        out_chain["extensions"] = [
            _extension(settings, project, key, ext, lb.location)
            for ext in chain.get("extensions") or []
        ]
        chains.append(out_chain)
    body: dict[str, Any] = {
        "name": f"projects/{project}/locations/{lb.location}/{collection}/{name}",
        "description": f"{key.kind} {key.path} on Gateway {gw_ns}/{gw_name}",
        "labels": {"gke-namespace": key.namespace, "gke-name": key.name[:63]},
        "forwardingRules": [lb.forwarding_rule],
        "extensionChains": chains,
        "loadBalancingScheme": lb.scheme,
    }
    return GcpResource(collection, lb.location, name, body)


def _extension(settings: ControllerSettings, project: str, key: ObjectKey,
               ext: Mapping[str, Any], location: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": ext.get("name")}
    kind = backend_kind(ext)
    ref = ext.get("backendRef") or {}
    if ext.get("authority"):
        out["authority"] = ext["authority"]
    if kind is None:
        out["service"] = ext.get("googleAPIServiceName")
    elif kind == WASM:
        pk = ObjectKey(WASM, key.namespace, str(ref.get("name")))
        out["service"] = (f"projects/{project}/locations/global/{WASM_PLUGINS}/"
                          f"{plugin_name(settings, pk)}")
    else:
        out["service"] = backend_service_path(settings, project, location, key.namespace,
                                              str(ref.get("name")), ref.get("port"))
    events = ext.get("supportedEvents")
    if events:
        out["supportedEvents"] = [_event_enum(str(e)) for e in events]
    elif key.kind == ROUTING:
        out["supportedEvents"] = ["REQUEST_HEADERS"]
    if ext.get("timeout"):
        try:
            out["timeout"] = go_duration_to_proto(str(ext["timeout"]))
        except ValueError:  # the API server validates; never crash on what slipped by
            out["timeout"] = str(ext["timeout"])
    if kind != WASM:
        out["failOpen"] = bool(ext.get("failOpen", False))
    if ext.get("forwardHeaders"):
        out["forwardHeaders"] = list(ext["forwardHeaders"])
    if ext.get("metadata"):
        out["metadata"] = dict(ext["metadata"])
    for field_name in ("requestBodySendMode", "responseBodySendMode"):
        mode = ext.get(field_name)
        if mode:
            out[field_name] = _BODY_MODES.get(str(mode), str(mode))
    if ext.get("observabilityMode") is not None:
        out["observabilityMode"] = bool(ext["observabilityMode"])
    return out


def annotation_value(paths: Iterable[str]) -> str:
    """Comma-space separated, as GKE writes its resource annotations."""
    return ", ".join(paths)
