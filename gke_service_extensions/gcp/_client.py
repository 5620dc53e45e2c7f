"""``GCPClient``: read what GKE built in Google Cloud, as typed views.

A thin layer over ``google-cloud-network-services`` (``DepServiceClient``,
``NetworkServicesClient``) and ``google-cloud-artifact-registry``, imported on first use.
Every call has a timeout and a deadline-bounded retry (:class:`GCPRetry`); every Google
error comes out as a :class:`~gke_service_extensions.GCPError`.
"""

from __future__ import annotations

import copy
import functools
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .._errors import (
    GCPError,
    GCPNotFoundError,
    ImageReferenceError,
    ManifestError,
    ResourceNameError,
)
from .._gke import (
    GATEWAY,
    WASM_PLUGIN,
    GatewayAnnotation,
    GCPCollection,
    GCPResourceName,
    binding_for_kind,
    id_names,
    parse_resource_name,
    split_annotation,
    wire_form,
)
from ._drift import Difference, Drift
from ._drift import drift as _drift
from ._images import ImageReference, ResolvedImage, parse_image_reference
from ._retry import DEFAULT_GCP_RETRY, GCPRetry
from ._views import (
    GatewayDifference,
    GatewayResources,
    LbRouteExtension,
    LbTrafficExtension,
    WasmPlugin,
)

if TYPE_CHECKING:
    from ..kube import ExtensionsClient
    from ..models import Gateway

__all__ = ["GCPClient"]

_log = logging.getLogger("gke_service_extensions.gcp")

V = TypeVar("V")

_CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


def _to_json(message: Any) -> dict[str, Any]:
    """A proto-plus message as its REST JSON (camelCase, enum names, no defaults)."""
    from google.protobuf.json_format import MessageToDict

    result: dict[str, Any] = MessageToDict(type(message).pb(message))
    return result


class GCPClient:
    """Read-only access to the Google Cloud resources GKE makes for Service Extensions.

    Built from Application Default Credentials unless ``credentials`` is given (any
    ``google.auth`` credentials). ``project`` is the default project for names given as
    bare ids and for listing (default: the ADC project). ``api_endpoint`` (or
    ``client_options``) sends every API to another endpoint, e.g. the simulator's
    (:meth:`GKESimulator.gcp <gke_service_extensions.testing.GKESimulator.gcp>` hands out a
    ready client). ``transport`` is ``"rest"`` (default) or ``"grpc"``. ``retry`` bounds
    and retries each call.

    Use as a context manager, or call :meth:`close`::

        with GCPClient(project="my-project") as gcp:
            found = gcp.resources_for_gateway(gateway)

    Names are accepted as ``projects/ID/locations/L/<collection>/N``, with the project
    number, with a leading ``/`` (as Gateway annotations write them), or as a bare id
    (then ``location`` and the client's project complete it).
    """

    def __init__(
        self,
        *,
        project: str | None = None,
        credentials: Any = None,
        api_endpoint: str | None = None,
        client_options: Any = None,
        transport: Literal["rest", "grpc"] = "rest",
        retry: GCPRetry = DEFAULT_GCP_RETRY,
    ) -> None:
        if credentials is None:
            credentials, found_project = _application_default_credentials()
            project = project or found_project
        self._credentials = credentials
        self._project = project
        self._client_options = _client_options(client_options, api_endpoint)
        self._transport = transport
        self.retry = retry
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> GCPClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying clients' connections (idempotent)."""
        with self._lock:
            clients, self._clients = self._clients, {}
        for client in clients.values():
            client.transport.close()

    @property
    def project(self) -> str:
        """The default project (id or number)."""
        if not self._project:
            raise GCPError("no Google Cloud project: pass project= to GCPClient, or set "
                           "one in Application Default Credentials / GOOGLE_CLOUD_PROJECT")
        return self._project

    def _client(self, which: str) -> Any:
        with self._lock:
            client = self._clients.get(which)
            if client is None:
                cls: Any
                if which == "artifact_registry":
                    from google.cloud import artifactregistry_v1

                    cls = artifactregistry_v1.ArtifactRegistryClient
                else:
                    from google.cloud import network_services_v1

                    cls = (network_services_v1.DepServiceClient if which == "dep"
                           else network_services_v1.NetworkServicesClient)
                client = cls(credentials=self._credentials,
                             client_options=self._client_options,
                             transport=self._transport)
                self._clients[which] = client
            return client

    def _call(self, which: str, method: str, request: Any, *, resource: str,
              action: str) -> Any:
        fn = getattr(self._client(which), method)
        return self.retry.run(lambda timeout: fn(request=request, retry=None, timeout=timeout),
                              resource=resource, action=action)

    # ------------------------------------------------------------------ names

    def _name(self, name: str | GCPResourceName, collection: str,
              location: str | None) -> str:
        """A full relative name of ``collection`` from any accepted spelling."""
        text = name.relative_name if isinstance(name, GCPResourceName) else name
        try:
            parsed = (name if isinstance(name, GCPResourceName)
                      else parse_resource_name(text, collection=collection))
        except ValueError as exc:
            raise ResourceNameError(f"{text!r} is not a {collection} name: {exc}",
                                    name=str(text)) from None
        if parsed.is_bare:
            if location is None:
                raise ResourceNameError(
                    f"{text!r} is a bare id: pass location= (global or a region) or the "
                    f"full name projects/P/locations/L/{collection}/{text}", name=str(text))
            parsed = GCPResourceName(collection, parsed.resource_id, self.project, location)
        if parsed.collection != collection or parsed.parent is not None or parsed.compute:
            raise ResourceNameError(
                f"{text!r} is not a {collection} name (it names {parsed.collection})",
                name=str(text))
        return parsed.relative_name

    def _parent(self, location: str) -> str:
        if not location or "/" in location:
            raise ResourceNameError(f"location must be 'global' or a region, got {location!r}",
                                    name=str(location))
        return f"projects/{self.project}/locations/{location}"

    def _pages(self, which: str, method: str, request_type: str, parent: str,
               items: str, page_size: int | None) -> Iterator[Any]:
        """Every item of a list call, page by page, each page call retried on its own."""
        token = ""
        while True:
            request = self._request(which, request_type, parent=parent, page_token=token,
                                    page_size=page_size or 0)
            pager = self._call(which, method, request, resource=f"{parent}/{items}",
                               action="list")
            yield from getattr(pager, _snake(items))
            token = pager.next_page_token
            if not token:
                return

    def _request(self, which: str, request_type: str, **fields: Any) -> Any:
        if which == "artifact_registry":
            from google.cloud import artifactregistry_v1

            return getattr(artifactregistry_v1, request_type)(**fields)
        from google.cloud import network_services_v1

        return getattr(network_services_v1, request_type)(**fields)

    # ------------------------------------------------------------------ extensions

    def get_lb_traffic_extension(self, name: str | GCPResourceName, *,
                                 location: str | None = None) -> LbTrafficExtension:
        """One ``LbTrafficExtension`` by name. Raises GCPNotFoundError if it is not there."""
        full = self._name(name, GCPCollection.LB_TRAFFIC_EXTENSIONS, location)
        found = self._call("dep", "get_lb_traffic_extension",
                           self._request("dep", "GetLbTrafficExtensionRequest", name=full),
                           resource=full, action="get")
        return LbTrafficExtension.from_json(_to_json(found))

    def list_lb_traffic_extensions(self, location: str = "global", *,
                                   page_size: int | None = None) -> list[LbTrafficExtension]:
        """Every ``LbTrafficExtension`` of the project in ``location`` (all pages)."""
        pages = self._pages("dep", "list_lb_traffic_extensions",
                            "ListLbTrafficExtensionsRequest", self._parent(location),
                            GCPCollection.LB_TRAFFIC_EXTENSIONS, page_size)
        return [LbTrafficExtension.from_json(_to_json(m)) for m in pages]

    def get_lb_route_extension(self, name: str | GCPResourceName, *,
                               location: str | None = None) -> LbRouteExtension:
        """One ``LbRouteExtension`` by name. Raises GCPNotFoundError if it is not there."""
        full = self._name(name, GCPCollection.LB_ROUTE_EXTENSIONS, location)
        found = self._call("dep", "get_lb_route_extension",
                           self._request("dep", "GetLbRouteExtensionRequest", name=full),
                           resource=full, action="get")
        return LbRouteExtension.from_json(_to_json(found))

    def list_lb_route_extensions(self, location: str = "global", *,
                                 page_size: int | None = None) -> list[LbRouteExtension]:
        """Every ``LbRouteExtension`` of the project in ``location`` (all pages)."""
        pages = self._pages("dep", "list_lb_route_extensions", "ListLbRouteExtensionsRequest",
                            self._parent(location), GCPCollection.LB_ROUTE_EXTENSIONS,
                            page_size)
        return [LbRouteExtension.from_json(_to_json(m)) for m in pages]

    # ------------------------------------------------------------------ wasm plugins

    def get_wasm_plugin(self, name: str | GCPResourceName, *,
                        location: str | None = "global") -> WasmPlugin:
        """One ``WasmPlugin`` with all its versions (FULL view: one call).

        Raises GCPNotFoundError if it is not there.
        """
        full = self._name(name, GCPCollection.WASM_PLUGINS, location)
        from google.cloud.network_services_v1 import WasmPluginView

        request = self._request("ns", "GetWasmPluginRequest", name=full,
                                view=WasmPluginView.WASM_PLUGIN_VIEW_FULL)
        found = self._call("ns", "get_wasm_plugin", request, resource=full, action="get")
        return WasmPlugin.from_json(_to_json(found))

    def list_wasm_plugins(self, location: str = "global", *,
                          page_size: int | None = None) -> list[WasmPlugin]:
        """Every ``WasmPlugin`` in ``location`` with all its versions.

        The list call has no FULL view, so each plugin is then read once more (FULL):
        1 + (number of plugins) calls, whatever the number of versions.
        """
        pages = self._pages("ns", "list_wasm_plugins", "ListWasmPluginsRequest",
                            self._parent(location), GCPCollection.WASM_PLUGINS, page_size)
        return [self.get_wasm_plugin(str(m.name)) for m in pages]

    # ------------------------------------------------------------------ per gateway

    def resources_for_gateway(
        self,
        gateway: Gateway | Mapping[str, Any] | str,
        *,
        namespace: str | None = None,
        kube: ExtensionsClient | None = None,
    ) -> GatewayResources:
        """Read every extension and Wasm plugin a Gateway's annotations name.

        ``gateway`` is a :class:`~gke_service_extensions.Gateway`, a Gateway manifest, or a
        name (then ``kube`` reads it, from ``namespace`` or the client's default).
        GKE writes ``networking.gke.io/lb-traffic-extensions``, ``lb-route-extensions``,
        ``wasm-plugins`` and ``wasm-plugin-versions``; each resource named is read once
        (plugins in the FULL view, which carries their versions): the number of calls is
        the number of extensions plus plugins, whatever the number of versions. Names
        Google Cloud does not have are listed in ``missing``.
        """
        where, annotations = _gateway_annotations(gateway, namespace, kube)
        fallback = _extension_location(annotations)
        missing: list[str] = []

        def names(key: GatewayAnnotation) -> list[tuple[str, GCPResourceName]]:
            out = []
            for item in split_annotation(annotations.get(key)):
                try:
                    parsed = parse_resource_name(item, collection=key.collection)
                except ValueError:
                    missing.append(item)
                    continue
                out.append((item, parsed))
            return out

        def fetch(item: str, get: Callable[[], V]) -> V | None:
            try:
                return get()
            except GCPNotFoundError:
                missing.append(item)
                return None

        traffic = [fetch(item, functools.partial(self.get_lb_traffic_extension, n,
                                                 location=fallback))
                   for item, n in names(GatewayAnnotation.LB_TRAFFIC_EXTENSIONS)]
        route = [fetch(item, functools.partial(self.get_lb_route_extension, n,
                                               location=fallback))
                 for item, n in names(GatewayAnnotation.LB_ROUTE_EXTENSIONS)]
        # Plugins named directly, then any plugin known only through one of its versions.
        wanted: dict[tuple[str, str | None], tuple[str, GCPResourceName]] = {}
        for item, n in names(GatewayAnnotation.WASM_PLUGINS):
            wanted.setdefault((n.resource_id, n.location), (item, n))
        versions = names(GatewayAnnotation.WASM_PLUGIN_VERSIONS)
        for item, v in versions:
            if v.parent is None:
                missing.append(item)  # a bare version id: no plugin to look it up in
            else:
                wanted.setdefault((v.parent.resource_id, v.parent.location), (item, v.parent))
        plugins: dict[tuple[str, str | None], WasmPlugin | None] = {
            key: fetch(item, functools.partial(self.get_wasm_plugin, n))
            for key, (item, n) in wanted.items()}
        for item, v in versions:
            if v.parent is None:
                continue
            plugin = plugins.get((v.parent.resource_id, v.parent.location))
            if plugin is not None and v.resource_id not in plugin.versions:
                missing.append(item)
        return GatewayResources(
            gateway=where,
            traffic_extensions=tuple(t for t in traffic if t is not None),
            route_extensions=tuple(r for r in route if r is not None),
            wasm_plugins=tuple(p for p in plugins.values() if p is not None),
            missing=tuple(dict.fromkeys(missing)),
        )

    # ------------------------------------------------------------------ drift

    def drift(
        self,
        obj: Any,
        gateway: Gateway | Mapping[str, Any] | str | None = None,
        *,
        kube: ExtensionsClient | None = None,
        namespace: str | None = None,
        resolve_images: bool = False,
    ) -> Drift:
        """What ``obj`` asks for that Google Cloud does not have; ``[]`` when in sync.

        ``obj`` is a GCPTrafficExtension, GCPRoutingExtension or GCPWasmPlugin (model or
        manifest). The Google Cloud resource GKE made for it is found through the
        ``networking.gke.io/*`` annotations of ``gateway`` (a Gateway, its manifest, or its
        name read with ``kube``), or, without ``gateway``, of every Gateway in the
        extension's ``targetRefs`` (read with ``kube``); a GCPWasmPlugin without
        ``gateway`` is looked up among the project's global WasmPlugins. Among the
        resources a Gateway names, the one GKE made for ``obj`` is the one whose
        GKE-generated id names its namespace and name (or the only one).

        Each :class:`Difference` has the YAML path in ``obj``, what the cluster asks and
        what Google Cloud has; found through a Gateway, it is a :class:`GatewayDifference`
        naming that Gateway. A resource GKE has not made (yet) is one difference at
        ``metadata.name``. ``resolve_images=True`` also compares each tagged image's
        current digest (one Artifact Registry call per version) with the one Google
        Cloud serves. Project number and id of the same project compare equal.
        """
        try:
            manifest = wire_form(obj)
        except TypeError as exc:
            raise ManifestError(f"drift compares a custom resource: {exc}") from None
        kind = str(manifest.get("kind"))
        binding = binding_for_kind(kind)
        if binding is None:
            raise ManifestError(f"drift compares GCPTrafficExtension, GCPRoutingExtension and "
                                f"GCPWasmPlugin with Google Cloud; got kind {kind!r}")
        meta = manifest.get("metadata") or {}
        ns = str(meta.get("namespace") or namespace or "default")
        name = str(meta.get("name"))
        resolver = self._digest_or_none if resolve_images else None
        view_type = _VIEW_TYPES[binding.collection]
        if gateway is None and kind == WASM_PLUGIN.kind:
            found = _pick(self.list_wasm_plugins("global"), ns, name)
            if found is None:
                return Drift([Difference("metadata.name", f"{ns}/{name}", None,
                                         f"{view_type.__name__} for")])
            return Drift(_drift(manifest, found.raw, resolve_digest=resolver))
        out = Drift()
        for where, on_gateway in self._drift_gateways(manifest, gateway, ns, kube):
            views, pairs = self._annotated(on_gateway, binding.annotation)
            chosen = _pick(views, ns, name)
            if chosen is None:
                out.append(GatewayDifference("metadata.name", f"{ns}/{name}", None,
                                             f"{view_type.__name__} for", gateway=where))
                continue
            out.extend(GatewayDifference(d.path, d.wanted, d.actual, d.what, gateway=where)
                       for d in _drift(manifest, chosen.raw, projects=pairs,
                                       resolve_digest=resolver))
        return out

    def _drift_gateways(self, manifest: Mapping[str, Any], gateway: Any, ns: str,
                        kube: ExtensionsClient | None) -> list[tuple[str, Mapping[str, str]]]:
        if gateway is not None:
            return [_gateway_annotations(gateway, ns, kube)]
        refs = [r for r in (manifest.get("spec") or {}).get("targetRefs") or []
                if isinstance(r, Mapping) and r.get("kind", GATEWAY.kind) == GATEWAY.kind]
        if kube is None:
            raise TypeError("drift() needs gateway= or kube= (an ExtensionsClient) to find "
                            "the Gateways GKE annotated")
        return [_gateway_annotations(str(r.get("name")), str(r.get("namespace") or ns), kube)
                for r in refs]

    def _annotated(self, annotations: Mapping[str, str], key: GatewayAnnotation
                   ) -> tuple[list[Any], list[tuple[str, str]]]:
        """The resources one annotation names (those that exist), and the (project number,
        project id) pairs learnt from reading them."""
        views: list[Any] = []
        pairs: list[tuple[str, str]] = []
        get: Callable[..., Any] = {
            GatewayAnnotation.LB_TRAFFIC_EXTENSIONS: self.get_lb_traffic_extension,
            GatewayAnnotation.LB_ROUTE_EXTENSIONS: self.get_lb_route_extension,
            GatewayAnnotation.WASM_PLUGINS: self.get_wasm_plugin}[key]
        location = ("global" if key == GatewayAnnotation.WASM_PLUGINS
                    else _extension_location(annotations))
        for item in split_annotation(annotations.get(key)):
            try:
                asked = parse_resource_name(item, collection=key.collection)
                view = get(asked, location=location)
            except (ValueError, GCPNotFoundError):
                continue
            views.append(view)
            answered = view.resource_name.project
            if asked.project and answered and asked.project != answered:
                number, pid = sorted((asked.project, answered), key=lambda p: not p.isdigit())
                pairs.append((number, pid))
        return views, pairs

    def _digest_or_none(self, image: str) -> str | None:
        try:
            return self.resolve_image(image).digest
        except (GCPNotFoundError, ImageReferenceError):
            return None

    # ------------------------------------------------------------------ images

    def resolve_image(self, image: str | ImageReference) -> ResolvedImage:
        """The digest Artifact Registry holds for ``image`` (a tag, a digest, or both).

        A tag is looked up (``latest`` when neither tag nor digest is written); a digest is
        checked to exist. Raises ImageReferenceError for a reference that does not parse
        (nothing is sent) and GCPNotFoundError when the repository, image, tag or digest is
        not there.
        """
        ref = parse_image_reference(image)
        if ref.digest is not None:
            name = ref.version_name()
            self._call("artifact_registry", "get_version",
                       self._request("artifact_registry", "GetVersionRequest", name=name),
                       resource=name, action="get image version")
            return ResolvedImage(ref, ref.digest)
        name = ref.tag_name
        tag = self._call("artifact_registry", "get_tag",
                         self._request("artifact_registry", "GetTagRequest", name=name),
                         resource=name, action="get image tag")
        version = str(tag.version)
        digest = version.rsplit("/versions/", 1)[-1]
        if not digest.startswith("sha256:"):
            raise GCPError(f"{name}: the tag points at {version!r}, not a sha256 digest",
                           resource=name)
        return ResolvedImage(ref, digest)

    def image_exists(self, image: str | ImageReference) -> bool:
        """Whether Artifact Registry has ``image`` (its tag, or its digest when pinned).

        Raises ImageReferenceError for a reference that does not parse, and GCPError for
        failures other than not found (permission denied, unavailable...).
        """
        try:
            self.resolve_image(image)
        except GCPNotFoundError:
            return False
        return True


# --------------------------------------------------------------------------- helpers


def _snake(camel: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)


def _application_default_credentials() -> tuple[Any, str | None]:
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    from .._errors import GCPAuthenticationError

    try:
        credentials, project = google.auth.default(scopes=[_CLOUD_PLATFORM])
    except DefaultCredentialsError as exc:
        raise GCPAuthenticationError(
            "no Application Default Credentials: run 'gcloud auth application-default "
            f"login', set GOOGLE_APPLICATION_CREDENTIALS, or pass credentials= ({exc})",
            status="UNAUTHENTICATED") from exc
    return credentials, project


def _client_options(client_options: Any, api_endpoint: str | None) -> Any:
    from google.api_core import client_options as lib

    if client_options is None:
        options = lib.ClientOptions()
    elif isinstance(client_options, Mapping):
        options = lib.from_dict(dict(client_options))
    else:
        options = copy.copy(client_options)  # never change the caller's object
    if api_endpoint is not None:
        options.api_endpoint = api_endpoint
    return options


def _gateway_annotations(
    gateway: Any, namespace: str | None, kube: ExtensionsClient | None
) -> tuple[str, Mapping[str, str]]:
    """(``namespace/name``, annotations) of a Gateway given in any accepted form."""
    if isinstance(gateway, str):
        if kube is None:
            raise TypeError("resources_for_gateway(name) needs kube= (an ExtensionsClient) "
                            "to read the Gateway; or pass the Gateway itself")
        from ..models import Gateway

        gateway = kube.get(Gateway, gateway, namespace=namespace)
    if isinstance(gateway, Mapping):
        metadata = gateway.get("metadata") or {}
        annotations = metadata.get("annotations") or {}
        return (f"{metadata.get('namespace') or 'default'}/{metadata.get('name')}",
                dict(annotations))
    metadata = getattr(gateway, "metadata", None)
    if metadata is None:
        raise TypeError(f"not a Gateway: {type(gateway).__name__}")
    return (f"{metadata.namespace or 'default'}/{metadata.name}",
            dict(metadata.annotations or {}))


_VIEW_TYPES: dict[str, type[LbTrafficExtension | LbRouteExtension | WasmPlugin]] = {
    GCPCollection.LB_TRAFFIC_EXTENSIONS: LbTrafficExtension,
    GCPCollection.LB_ROUTE_EXTENSIONS: LbRouteExtension,
    GCPCollection.WASM_PLUGINS: WasmPlugin,
}


def _pick(views: list[Any], namespace: str, name: str) -> Any | None:
    """The resource GKE made for ``namespace/name`` among ``views``, or None: the one whose
    generated id names it, else the only one."""
    by_id = [v for v in views if id_names(v.resource_name.resource_id, namespace, name)]
    if len(by_id) == 1:
        return by_id[0]
    return views[0] if len(views) == 1 else None


def _extension_location(annotations: Mapping[str, str]) -> str:
    """Where the Gateway's extensions live: the location of its forwarding rule."""
    for item in split_annotation(annotations.get(GatewayAnnotation.FORWARDING_RULES)):
        try:
            location = parse_resource_name(item).location
        except ValueError:
            continue
        if location:
            return location
    return "global"
