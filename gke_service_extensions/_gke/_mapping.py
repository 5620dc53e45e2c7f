"""What Google Cloud resource GKE makes from a GCPTrafficExtension, GCPRoutingExtension or
GCPWasmPlugin: the CRD-to-GCP mapping, pure.

Input: the object's wire form (``to_manifest()``, or what the API server returns) plus the
:class:`GKEContext` GKE supplies (project, location, forwarding rules, the backend service it
made for each Service, the WasmPlugin it made for each GCPWasmPlugin). Output: an
:class:`ExpectedResource` whose ``body`` is the REST JSON of the API reference
(``networkservices.googleapis.com/v1``: camelCase fields, enum names, Duration strings).

The translation, field by field (SPEC §2, §3, §6):

* one ``extensionChains[]`` entry per chain; its ``matchCondition.celExpressions[].celMatcher``
  (ORed) become one ``matchCondition.celExpression``: a single matcher as written, several as
  ``(a) || (b)``; no matchers, no ``matchCondition``;
* per extension: ``name``, ``authority``; ``service`` = the backend service of a
  Service/ServiceImport/Apigee backendRef, the WasmPlugin of a GCPWasmPlugin backendRef, or
  ``googleAPIServiceName`` as written; ``supportedEvents`` as enum names (a routing extension
  without events gets ``REQUEST_HEADERS``); ``timeout`` as a JSON Duration (``1s``,
  ``0.100s``); ``failOpen`` (not for Wasm plugin backends, which have none);
  ``forwardHeaders``, ``metadata`` when set; body send modes as enum names;
  ``observabilityMode`` when set;
* ``forwardingRules`` and ``loadBalancingScheme`` from the context (the Gateway's);
* a GCPWasmPlugin becomes one global WasmPlugin: ``mainVersionId`` is the version with
  non-zero weight, ``versions{id: {imageUri, imageDigest, description, pluginConfigUri}}``
  (ids from the context; default: the version names), ``logConfig{enable, sampleRate as a
  0..1 fraction, minLogLevel}`` (``sampleRate`` 1.0 and ``INFO`` by default when enabled).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._classes import GatewayClassInfo
from ._enums import (
    SAMPLE_RATE_SCALE,
    body_mode_to_api,
    event_to_api,
    go_duration_to_proto,
)
from ._names import KIND_BINDINGS, GCPCollection
from ._resources import ROUTING_EXTENSION, TRAFFIC_EXTENSION, WASM_PLUGIN

__all__ = [
    "ExpectedResource",
    "GKEContext",
    "ImageResolver",
    "SupportsManifest",
    "backend_kind",
    "expected_resource",
    "extension_resource",
    "match_condition",
    "plugin_resource",
    "serving_version",
    "wire_form",
]

#: An image URI -> its digest (``sha256:...``), None when it does not exist.
ImageResolver = Callable[[str], str | None]


class SupportsManifest(Protocol):
    """A model object: anything with ``to_manifest()`` giving its wire form."""

    def to_manifest(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class GKEContext:
    """What GKE supplies beside the manifest when it builds a Google Cloud resource.

    ``location`` is ``global`` or the region of the Gateway's class (plugins are always
    global). ``backend_services`` maps a Service (or ServiceImport) name, or ``name:port``
    when one Service is used on several ports, to the backend service path GKE made for it;
    ``wasm_plugins`` maps a GCPWasmPlugin name to its WasmPlugin path; ``version_ids`` maps a
    GCPWasmPlugin version name to the WasmPluginVersion id (default: the name).
    ``resource_id`` is the id GKE gave the resource (``body.name`` is set only with it).
    What the context does not give is left out of the body and listed in
    :attr:`ExpectedResource.unresolved`.
    """

    project: str
    location: str = "global"
    forwarding_rules: tuple[str, ...] = ()
    load_balancing_scheme: str | None = None
    backend_services: Mapping[str, str] = field(default_factory=dict)
    wasm_plugins: Mapping[str, str] = field(default_factory=dict)
    version_ids: Mapping[str, str] = field(default_factory=dict)
    resource_id: str | None = None

    @classmethod
    def for_gateway_class(cls, project: str, gateway_class: GatewayClassInfo, *,
                          region: str, **more: Any) -> GKEContext:
        """A context for a Gateway of ``gateway_class``: location and scheme from the class."""
        return cls(project, "global" if gateway_class.is_global else region,
                   load_balancing_scheme=gateway_class.load_balancing_scheme, **more)

    def backend_service(self, service: str, port: Any = None) -> str | None:
        """The backend service path for ``service`` (and ``port``), if known."""
        if port is not None:
            found = self.backend_services.get(f"{service}:{port}")
            if found is not None:
                return found
        return self.backend_services.get(service)

    def version_id(self, version_name: str) -> str:
        """The WasmPluginVersion id of a GCPWasmPlugin version (default: its name)."""
        return self.version_ids.get(version_name, version_name)


@dataclass(frozen=True, slots=True)
class ExpectedResource:
    """The Google Cloud resource a custom resource should produce.

    ``body`` is REST JSON; ``versions`` (WasmPlugins only) maps version id to the
    WasmPluginVersion body; ``unresolved`` lists the CRD paths (as in the YAML) whose Google
    Cloud value the context did not give, e.g. a Service's backend service.
    """

    collection: GCPCollection
    location: str
    body: dict[str, Any]
    versions: dict[str, dict[str, Any]] | None = None
    unresolved: tuple[str, ...] = ()

    def path(self, project: str, resource_id: str) -> str:
        """``projects/<project>/locations/<location>/<collection>/<resource_id>``."""
        return f"projects/{project}/locations/{self.location}/{self.collection}/{resource_id}"


def wire_form(obj: Mapping[str, Any] | SupportsManifest) -> Mapping[str, Any]:
    """The wire-form dict of a model object or a manifest."""
    to_manifest = getattr(obj, "to_manifest", None)
    if callable(to_manifest):
        out = to_manifest()
        if isinstance(out, Mapping):
            return out
    if isinstance(obj, Mapping):
        return obj
    raise TypeError(f"expected a manifest or a model with to_manifest(), got {obj!r}")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def backend_kind(ext: Mapping[str, Any]) -> str | None:
    """The backendRef kind of an extension (default Service), None for googleAPIServiceName."""
    ref = ext.get("backendRef")
    if not isinstance(ref, dict):
        return None
    return str(ref.get("kind") or "Service")


def match_condition(chain: Mapping[str, Any]) -> str | None:
    """The one API ``celExpression`` of a chain's ORed ``celExpressions`` (None: no matcher)."""
    exprs = [str(e.get("celMatcher")) for e in
             _list(_dict(chain.get("matchCondition")).get("celExpressions"))
             if isinstance(e, dict) and e.get("celMatcher")]
    if not exprs:
        return None
    return exprs[0] if len(exprs) == 1 else " || ".join(f"({e})" for e in exprs)


def _extension(kind: str, ext: Mapping[str, Any], context: GKEContext, where: str,
               unresolved: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": ext.get("name")}
    bkind = backend_kind(ext)
    ref = _dict(ext.get("backendRef"))
    if ext.get("authority"):
        out["authority"] = ext["authority"]
    service: str | None
    if bkind is None:
        service = ext.get("googleAPIServiceName")
    elif bkind == WASM_PLUGIN.kind:
        service = context.wasm_plugins.get(str(ref.get("name")))
    else:  # Service, ServiceImport, ApigeeBackendService: a backend service
        service = context.backend_service(str(ref.get("name")), ref.get("port"))
    if service is not None:
        out["service"] = service
    else:
        unresolved.append(f"{where}.{'backendRef' if bkind else 'googleAPIServiceName'}")
    events = _list(ext.get("supportedEvents"))
    if events:
        out["supportedEvents"] = [_api_name(event_to_api, e) for e in events]
    elif kind == ROUTING_EXTENSION.kind:
        out["supportedEvents"] = [event_to_api("RequestHeaders")]
    if ext.get("timeout"):
        out["timeout"] = _api_name(go_duration_to_proto, ext["timeout"])
    if bkind != WASM_PLUGIN.kind:
        out["failOpen"] = bool(ext.get("failOpen", False))
    if ext.get("forwardHeaders"):
        out["forwardHeaders"] = list(ext["forwardHeaders"])
    if ext.get("metadata"):
        out["metadata"] = dict(ext["metadata"])
    for name in ("requestBodySendMode", "responseBodySendMode"):
        if ext.get(name):
            out[name] = _api_name(body_mode_to_api, ext[name])
    if ext.get("observabilityMode") is not None:
        out["observabilityMode"] = bool(ext["observabilityMode"])
    return out


def _api_name(convert: Callable[[str], str], value: Any) -> str:
    """``convert(value)``, or the value as written when it is not one (validation's job)."""
    try:
        return convert(str(value))
    except ValueError:
        return str(value)


def extension_resource(obj: Mapping[str, Any] | SupportsManifest,
                       context: GKEContext) -> ExpectedResource:
    """The LbTrafficExtension / LbRouteExtension GKE makes for an extension on one Gateway."""
    manifest = wire_form(obj)
    kind = str(manifest.get("kind") or "")
    if kind not in (TRAFFIC_EXTENSION.kind, ROUTING_EXTENSION.kind):
        raise ValueError(f"expected a {TRAFFIC_EXTENSION.kind} or {ROUTING_EXTENSION.kind}, "
                         f"got kind {kind!r}")
    collection = KIND_BINDINGS[kind].collection
    unresolved: list[str] = []
    chains = []
    for ci, chain in enumerate(_list(_dict(manifest.get("spec")).get("extensionChains"))):
        chain = _dict(chain)
        out_chain: dict[str, Any] = {"name": chain.get("name")}
        cel = match_condition(chain)
        if cel is not None:
            out_chain["matchCondition"] = {"celExpression": cel}
        out_chain["extensions"] = [
            _extension(kind, _dict(ext), context, f"spec.extensionChains[{ci}].extensions[{ei}]",
                       unresolved)
            for ei, ext in enumerate(_list(chain.get("extensions")))]
        chains.append(out_chain)
    body: dict[str, Any] = {}
    if context.resource_id is not None:
        body["name"] = (f"projects/{context.project}/locations/{context.location}/"
                        f"{collection}/{context.resource_id}")
    if context.forwarding_rules:
        body["forwardingRules"] = list(context.forwarding_rules)
    body["extensionChains"] = chains
    if context.load_balancing_scheme is not None:
        body["loadBalancingScheme"] = context.load_balancing_scheme
    return ExpectedResource(collection, context.location, body, None, tuple(unresolved))


def serving_version(obj: Mapping[str, Any] | SupportsManifest) -> str | None:
    """The name of the GCPWasmPlugin version that serves: the first with weight > 0."""
    for version in _list(_dict(wire_form(obj).get("spec")).get("versions")):
        weight = _dict(version).get("weight") or 0
        if isinstance(weight, int) and weight > 0:
            return str(version.get("name"))
    return None


def plugin_resource(obj: Mapping[str, Any] | SupportsManifest, context: GKEContext, *,
                    resolve_image: ImageResolver | None = None) -> ExpectedResource:
    """The global WasmPlugin (and its versions) GKE makes for a GCPWasmPlugin.

    ``resolve_image`` gives each version's ``imageDigest`` (left out when None or unknown).
    """
    manifest = wire_form(obj)
    if manifest.get("kind") != WASM_PLUGIN.kind:
        raise ValueError(f"expected a {WASM_PLUGIN.kind}, got kind {manifest.get('kind')!r}")
    spec = _dict(manifest.get("spec"))
    versions: dict[str, dict[str, Any]] = {}
    for version in _list(spec.get("versions")):
        version = _dict(version)
        vbody: dict[str, Any] = {"imageUri": version.get("image")}
        digest = resolve_image(str(version.get("image", ""))) if resolve_image else None
        if digest is not None:
            vbody["imageDigest"] = digest
        if version.get("description"):
            vbody["description"] = version["description"]
        if version.get("pluginConfigURI"):
            vbody["pluginConfigUri"] = version["pluginConfigURI"]
        versions[context.version_id(str(version.get("name")))] = vbody
    body: dict[str, Any] = {}
    if context.resource_id is not None:
        body["name"] = (f"projects/{context.project}/locations/global/"
                        f"{GCPCollection.WASM_PLUGINS}/{context.resource_id}")
    main = serving_version(manifest)
    if main is not None:
        body["mainVersionId"] = context.version_id(main)
    log = spec.get("logConfig")
    if isinstance(log, dict):
        enabled = bool(log.get("enabled"))
        body["logConfig"] = {"enable": enabled}
        if enabled:
            rate = log.get("sampleRate", SAMPLE_RATE_SCALE)
            body["logConfig"]["sampleRate"] = (rate / SAMPLE_RATE_SCALE
                                               if isinstance(rate, int | float) else rate)
            body["logConfig"]["minLogLevel"] = str(log.get("minLogLevel") or "INFO")
    return ExpectedResource(GCPCollection.WASM_PLUGINS, "global", body, versions)


def expected_resource(obj: Mapping[str, Any] | SupportsManifest, context: GKEContext, *,
                      resolve_image: ImageResolver | None = None) -> ExpectedResource:
    """:func:`plugin_resource` or :func:`extension_resource`, by the object's kind."""
    manifest = wire_form(obj)
    if manifest.get("kind") == WASM_PLUGIN.kind:
        return plugin_resource(manifest, context, resolve_image=resolve_image)
    return extension_resource(manifest, context)


