"""Pure translation of extensions and plugins into Google Cloud resources and annotations.

Names follow GKE's pattern ``gkegw1-<cluster hash>-<namespace>-<name>-<hash>`` (at most 63
characters, deterministic). One LbTrafficExtension / LbRouteExtension is made per
(extension, ancestor Gateway), in the Gateway's location, attached to that Gateway's
forwarding rule; one global WasmPlugin per GCPWasmPlugin, whose version ids GKE generates
(``PREFIX-VERSIONNAME-SUFFIX``, :func:`version_id`) and whose ``mainVersionId`` is the
version with non-zero weight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ... import _gke
from ..._gke import ANNOTATION_PREFIX, GCPCollection, GKEContext, go_duration_to_proto
from ._reconcile import GatewayClassProfile
from ._settings import ControllerSettings
from ._world import WASM, NsName, ObjectKey, World

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

LB_TRAFFIC_EXTENSIONS = GCPCollection.LB_TRAFFIC_EXTENSIONS.value
LB_ROUTE_EXTENSIONS = GCPCollection.LB_ROUTE_EXTENSIONS.value
WASM_PLUGINS = GCPCollection.WASM_PLUGINS.value


def _hash(text: str, length: int) -> str:
    return _gke.short_hash(text, length)


def gke_name(settings: ControllerSettings, *parts: str, salt: str = "") -> str:
    """``gkegw1-<4>-<parts...>-<12>``, readable parts shortened to fit 63 characters."""
    return _gke.generated_id(settings.cluster_name, *parts, salt=salt)


def location_of(profile: GatewayClassProfile, settings: ControllerSettings) -> str:
    """``global`` for global classes, the configured region otherwise."""
    return "global" if profile.is_global else settings.region


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
    address_path: str = ""
    firewalls: tuple[str, ...] = field(default=())
    ssl_certificates: tuple[str, ...] = field(default=())


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _compute_path(project: str, location: str, collection: str, name: str) -> str:
    scope = "global" if location == "global" else f"regions/{location}"
    return f"projects/{project}/{scope}/{collection}/{name}"


def health_check_path(backend_service: str) -> str:
    """The health check GKE makes beside a backend service (same id, same scope)."""
    return backend_service.replace("/backendServices/", "/healthChecks/")


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
    certificates = []
    for lst in _items(listeners):
        if _dict(lst).get("protocol") != "HTTPS":
            continue
        for ref in _items(_dict(_dict(lst).get("tls")).get("certificateRefs")):
            if isinstance(ref, dict) and ref.get("name"):
                path = _compute_path(project, location, "sslCertificates", gke_name(
                    settings, ref.get("namespace") or ns, str(ref["name"]), salt="cert"))
                if path not in certificates:
                    certificates.append(path)
    return GatewayResources(
        gateway=gw_key, location=location, scheme=profile.load_balancing_scheme, address=address,
        forwarding_rule=_compute_path(project, location, "forwardingRules",
                                      gke_name(settings, ns, name, salt="fr")),
        target_proxy=_compute_path(project, location,
                                   "targetHttpsProxies" if https else "targetHttpProxies",
                                   gke_name(settings, ns, name, salt="tp")),
        https=https,
        url_map=_compute_path(project, location, "urlMaps",
                              gke_name(settings, ns, name, salt="um")),
        backend_services=tuple(backends),
        address_path=_compute_path(project, location, "addresses",
                                   gke_name(settings, ns, name, salt="addr")),
        # One rule per network and scope lets the health checkers in; not documented.
        firewalls=(_compute_path(project, "global", "firewalls",
                                 gke_name(settings, "l7", "default", location, salt="fw")),),
        ssl_certificates=tuple(certificates),
    )


def plugin_name(settings: ControllerSettings, key: ObjectKey) -> str:
    """The WasmPlugin name GKE gives a GCPWasmPlugin."""
    return gke_name(settings, key.namespace, key.name, salt=WASM)


def version_id(settings: ControllerSettings, key: ObjectKey, version: Mapping[str, Any]) -> str:
    """The WasmPluginVersion id GKE generates for one version of GCPWasmPlugin ``key``:
    ``PREFIX-VERSIONNAME-SUFFIX`` (SPEC §5). Versions are immutable in Google Cloud, so the
    suffix also covers the image and config: a version whose image changes gets a new id.
    """
    name = str(version.get("name", ""))
    content = f"{version.get('image', '')}|{version.get('pluginConfigURI', '')}"
    return gke_name(settings, name, salt=f"{WASM}-version/{key.namespace}/{key.name}/{content}")


def version_ids(settings: ControllerSettings, key: ObjectKey,
                obj: Mapping[str, Any]) -> dict[str, str]:
    """Version name -> generated WasmPluginVersion id, for every version of ``obj``."""
    return {str(v.get("name", "")): version_id(settings, key, v)
            for v in _items(_dict(obj.get("spec")).get("versions")) if isinstance(v, dict)}


def plugin_path(settings: ControllerSettings, project: str, key: ObjectKey) -> str:
    """The full name of the WasmPlugin GKE makes for GCPWasmPlugin ``key``."""
    return f"projects/{project}/locations/global/{WASM_PLUGINS}/{plugin_name(settings, key)}"


def plugin_resource(settings: ControllerSettings, project: str, key: ObjectKey,
                    obj: Mapping[str, Any], resolve_image: Callable[[str], str | None],
                    used_by: Iterable[str] = ()) -> GcpResource:
    """The global WasmPlugin (and its versions) for a GCPWasmPlugin.

    The mapping is ``_gke.plugin_resource``; the simulator adds a description, labels and
    ``usedBy``. Version ids are generated by :func:`version_id`.
    """
    name = plugin_name(settings, key)
    expected = _gke.plugin_resource({**obj, "kind": WASM},
                                    GKEContext(project, "global", resource_id=name,
                                               version_ids=version_ids(settings, key, obj)),
                                    resolve_image=resolve_image)
    body: dict[str, Any] = {
        "description": f"{WASM} {key.path}",
        "labels": {"gke-namespace": key.namespace, "gke-name": key.name[:63]},
    }
    body.update((k, v) for k, v in expected.body.items() if k != "name")
    used = sorted(set(used_by))
    if used:
        body["usedBy"] = [{"name": u} for u in used]
    body["name"] = expected.body["name"]
    return GcpResource(WASM_PLUGINS, "global", name, body, expected.versions)


def _context(settings: ControllerSettings, project: str, key: ObjectKey,
             obj: Mapping[str, Any], lb: GatewayResources, name: str) -> GKEContext:
    """What GKE knows beside the manifest: the Gateway's LB and the backends it made."""
    backends: dict[str, str] = {}
    plugins: dict[str, str] = {}
    for chain in _items(_dict(obj.get("spec")).get("extensionChains")):
        for ext in _items(_dict(chain).get("extensions")):
            ref = _dict(_dict(ext).get("backendRef"))
            kind = _gke.backend_kind(_dict(ext))
            if kind == WASM:
                pk = ObjectKey(WASM, key.namespace, str(ref.get("name")))
                plugins[pk.name] = plugin_path(settings, project, pk)
            elif kind is not None:
                backends[f"{ref.get('name')}:{ref.get('port')}"] = backend_service_path(
                    settings, project, lb.location, key.namespace, str(ref.get("name")),
                    ref.get("port"))
    return GKEContext(project, lb.location, (lb.forwarding_rule,), lb.scheme, backends,
                      plugins, resource_id=name)


def extension_resource(settings: ControllerSettings, project: str, key: ObjectKey,
                       obj: Mapping[str, Any], lb: GatewayResources) -> GcpResource:
    """The LbTrafficExtension / LbRouteExtension for one extension on one Gateway.

    The mapping is ``_gke.extension_resource``; the simulator adds a description and labels.
    """
    gw_ns, gw_name = lb.gateway
    name = gke_name(settings, key.namespace, key.name, salt=f"{key.kind}/{gw_ns}/{gw_name}")
    expected = _gke.extension_resource({**obj, "kind": key.kind},
                                       _context(settings, project, key, obj, lb, name))
    body: dict[str, Any] = {
        "name": expected.body["name"],
        "description": f"{key.kind} {key.path} on Gateway {gw_ns}/{gw_name}",
        "labels": {"gke-namespace": key.namespace, "gke-name": key.name[:63]},
    }
    body.update((k, v) for k, v in expected.body.items() if k != "name")
    return GcpResource(expected.collection.value, lb.location, name, body)


def annotation_value(paths: Iterable[str]) -> str:
    """Comma-space separated, as GKE writes its resource annotations."""
    return ", ".join(paths)


def annotation_path(path: str, location: str) -> str:
    """How GKE writes a Network Services resource in a Gateway annotation: global ones as
    ``projects/N/...``, regional ones as ``/projects/N/...`` (SPEC §5, the guide's outputs).
    Compute resources are always written with the leading ``/``."""
    return path if location == "global" else "/" + path
