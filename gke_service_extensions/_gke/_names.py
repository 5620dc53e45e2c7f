"""Gateway annotations, Google Cloud collections and the one parser of resource names.

GKE writes ``networking.gke.io/*`` annotations on a Gateway naming what it programmed
(SPEC §5). Values are comma or comma-space separated resource paths, possibly empty; both
``/projects/...`` and ``projects/...`` occur, with the project number or id, in ``global``
or a region; Wasm plugin versions nest (``.../wasmPlugins/P/versions/V``); older controllers
wrote bare names. :func:`parse_annotation` reads every form into :class:`GCPResourceName`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from ._resources import GKE_NETWORKING_GROUP, ROUTING_EXTENSION, TRAFFIC_EXTENSION, WASM_PLUGIN

__all__ = [
    "ANNOTATION_PREFIX",
    "KIND_BINDINGS",
    "GCPCollection",
    "GCPResourceName",
    "GatewayAnnotation",
    "KindBinding",
    "ProjectAliases",
    "annotation_paths",
    "binding_for_kind",
    "parse_annotation",
    "parse_resource_name",
    "same_resource",
    "split_annotation",
]

ANNOTATION_PREFIX: Final = f"{GKE_NETWORKING_GROUP}/"

#: Pairs of (project number, project id) naming the same project.
ProjectAliases = Iterable[tuple[str, str]]


class GCPCollection(enum.StrEnum):
    """Collection ids of the Google Cloud resources GKE makes for extensions and plugins."""

    LB_TRAFFIC_EXTENSIONS = "lbTrafficExtensions"
    LB_ROUTE_EXTENSIONS = "lbRouteExtensions"
    WASM_PLUGINS = "wasmPlugins"
    VERSIONS = "versions"


class GatewayAnnotation(enum.StrEnum):
    """Every ``networking.gke.io/*`` annotation GKE writes on a Gateway (SPEC §5)."""

    ADDRESSES = "networking.gke.io/addresses"
    BACKEND_SERVICES = "networking.gke.io/backend-services"
    FIREWALLS = "networking.gke.io/firewalls"
    FORWARDING_RULES = "networking.gke.io/forwarding-rules"
    HEALTH_CHECKS = "networking.gke.io/health-checks"
    LAST_RECONCILE_TIME = "networking.gke.io/last-reconcile-time"
    LB_ROUTE_EXTENSIONS = "networking.gke.io/lb-route-extensions"
    LB_TRAFFIC_EXTENSIONS = "networking.gke.io/lb-traffic-extensions"
    SSL_CERTIFICATES = "networking.gke.io/ssl-certificates"
    TARGET_HTTP_PROXIES = "networking.gke.io/target-http-proxies"
    TARGET_HTTPS_PROXIES = "networking.gke.io/target-https-proxies"
    URL_MAPS = "networking.gke.io/url-maps"
    WASM_PLUGINS = "networking.gke.io/wasm-plugins"
    WASM_PLUGIN_VERSIONS = "networking.gke.io/wasm-plugin-versions"

    @property
    def short_name(self) -> str:
        """The key without the prefix: ``lb-traffic-extensions``."""
        return self.value[len(ANNOTATION_PREFIX):]

    @property
    def collection(self) -> str | None:
        """The collection its values name (None for ``last-reconcile-time``)."""
        return _ANNOTATION_COLLECTIONS.get(self)

    @classmethod
    def of(cls, name: str | GatewayAnnotation) -> GatewayAnnotation:
        """The annotation for a full key or a short name (``wasm-plugins``)."""
        if isinstance(name, GatewayAnnotation):
            return name
        key = name if name.startswith(ANNOTATION_PREFIX) else ANNOTATION_PREFIX + name
        try:
            return cls(key)
        except ValueError:
            raise ValueError(f"not a GKE Gateway annotation: {name!r}") from None


_ANNOTATION_COLLECTIONS: dict[GatewayAnnotation, str] = {
    GatewayAnnotation.ADDRESSES: "addresses",
    GatewayAnnotation.BACKEND_SERVICES: "backendServices",
    GatewayAnnotation.FIREWALLS: "firewalls",
    GatewayAnnotation.FORWARDING_RULES: "forwardingRules",
    GatewayAnnotation.HEALTH_CHECKS: "healthChecks",
    GatewayAnnotation.LB_ROUTE_EXTENSIONS: GCPCollection.LB_ROUTE_EXTENSIONS,
    GatewayAnnotation.LB_TRAFFIC_EXTENSIONS: GCPCollection.LB_TRAFFIC_EXTENSIONS,
    GatewayAnnotation.SSL_CERTIFICATES: "sslCertificates",
    GatewayAnnotation.TARGET_HTTP_PROXIES: "targetHttpProxies",
    GatewayAnnotation.TARGET_HTTPS_PROXIES: "targetHttpsProxies",
    GatewayAnnotation.URL_MAPS: "urlMaps",
    GatewayAnnotation.WASM_PLUGINS: GCPCollection.WASM_PLUGINS,
    GatewayAnnotation.WASM_PLUGIN_VERSIONS: GCPCollection.VERSIONS,
}


@dataclass(frozen=True, slots=True)
class KindBinding:
    """Which Gateway annotation names, and which collection holds, what GKE made for a kind."""

    kind: str
    annotation: GatewayAnnotation
    collection: GCPCollection


KIND_BINDINGS: Final[dict[str, KindBinding]] = {
    b.kind: b for b in (
        KindBinding(TRAFFIC_EXTENSION.kind, GatewayAnnotation.LB_TRAFFIC_EXTENSIONS,
                    GCPCollection.LB_TRAFFIC_EXTENSIONS),
        KindBinding(ROUTING_EXTENSION.kind, GatewayAnnotation.LB_ROUTE_EXTENSIONS,
                    GCPCollection.LB_ROUTE_EXTENSIONS),
        KindBinding(WASM_PLUGIN.kind, GatewayAnnotation.WASM_PLUGINS,
                    GCPCollection.WASM_PLUGINS),
    )
}


def binding_for_kind(kind: str) -> KindBinding | None:
    """The annotation and collection of ``GCPTrafficExtension`` etc., or None."""
    return KIND_BINDINGS.get(kind)


# --------------------------------------------------------------------------- names

_ZONE = re.compile(r"^[a-z]+-[a-z]+\d+-[a-z]$")
_SEGMENT = re.compile(r"^[^/\s]+$")
# Full URLs and full resource names the APIs also accept for the same resource.
_URL_PREFIXES = (
    "https://www.googleapis.com/compute/v1/",
    "https://compute.googleapis.com/compute/v1/",
    "https://networkservices.googleapis.com/v1/",
    "//compute.googleapis.com/",
    "//networkservices.googleapis.com/",
)


@dataclass(frozen=True, slots=True)
class GCPResourceName:
    """A Google Cloud resource name, parsed.

    ``project`` is the project id or number as written (None for a bare name written by an
    older controller); ``location`` is ``global``, a region or a zone; ``parent`` is set for
    nested resources (a WasmPlugin version's plugin). ``compute`` marks Compute Engine style
    paths (``projects/P/global/...``, ``projects/P/regions/R/...``) as opposed to the
    ``projects/P/locations/L/...`` of Network Services.
    """

    collection: str
    resource_id: str
    project: str | None = None
    location: str | None = None
    parent: GCPResourceName | None = None
    compute: bool = False

    @property
    def is_bare(self) -> bool:
        """A bare id without project and location (older controllers wrote these)."""
        return self.project is None

    @property
    def relative_name(self) -> str:
        """``projects/P/locations/L/<collection>/<id>`` (no leading ``/``); the id if bare."""
        if self.parent is not None:
            return f"{self.parent.relative_name}/{self.collection}/{self.resource_id}"
        if self.project is None:
            return self.resource_id
        if not self.compute:
            scope = f"locations/{self.location}"
        elif self.location == "global":
            scope = "global"
        elif _ZONE.match(self.location or ""):
            scope = f"zones/{self.location}"
        else:
            scope = f"regions/{self.location}"
        return f"projects/{self.project}/{scope}/{self.collection}/{self.resource_id}"

    def with_project(self, project: str) -> GCPResourceName:
        """The same name under another spelling of its project (number <-> id)."""
        if self.project is None:
            return self
        parent = self.parent.with_project(project) if self.parent is not None else None
        return GCPResourceName(self.collection, self.resource_id, project, self.location,
                               parent, self.compute)

    def __str__(self) -> str:
        return self.relative_name


def parse_resource_name(text: str, *, collection: str | None = None) -> GCPResourceName:
    """Parse one resource path (leading ``/`` optional; a full ``https://...googleapis.com``
    URL or ``//service.googleapis.com/`` name is read as its path) or bare id.

    ``collection`` is what a bare id belongs to (from the annotation it came from).
    Raises ``ValueError`` for text that is neither.
    """
    if not isinstance(text, str):
        raise ValueError(f"not a resource name: {text!r}")
    raw = text.strip()
    for prefix in _URL_PREFIXES:
        if raw.startswith(prefix):
            raw = raw[len(prefix):]
            break
    path = raw[1:] if raw.startswith("/") else raw
    if not path.startswith("projects/"):
        if not _SEGMENT.match(path):
            raise ValueError(f"not a resource name: {text!r}")
        return GCPResourceName(collection or "", path)
    parts = path.split("/")
    if len(parts) < 2 or not all(_SEGMENT.match(p) for p in parts):
        raise ValueError(f"not a resource name: {text!r}")
    project, rest = parts[1], parts[2:]
    compute = True
    if rest[:1] == ["locations"] and len(rest) >= 2:
        location, rest, compute = rest[1], rest[2:], False
    elif rest[:1] == ["global"]:
        location, rest = "global", rest[1:]
    elif rest[:1] in (["regions"], ["zones"]) and len(rest) >= 2:
        location, rest = rest[1], rest[2:]
    else:
        raise ValueError(f"not a resource name (no location in it): {text!r}")
    if not rest or len(rest) % 2:
        raise ValueError(f"not a resource name (collection/id pairs expected): {text!r}")
    name: GCPResourceName | None = None
    for i in range(0, len(rest), 2):
        name = GCPResourceName(rest[i], rest[i + 1], project, location, name, compute)
    assert name is not None
    return name


def split_annotation(value: str | None) -> tuple[str, ...]:
    """The items of an annotation value as written: comma or comma-space separated, empties
    dropped. Nothing is rewritten (a leading ``/`` stays)."""
    if not value:
        return ()
    return tuple(item for item in (p.strip() for p in value.split(",")) if item)


def annotation_paths(value: str | None) -> tuple[str, ...]:
    """The items of an annotation value as relative names (leading ``/`` dropped).

    Lenient: an item that is not a resource name is kept as written.
    """
    out = []
    for item in split_annotation(value):
        out.append(item[1:] if item.startswith("/projects/") else item)
    return tuple(out)


def parse_annotation(value: str | None, annotation: GatewayAnnotation | str | None = None
                     ) -> tuple[GCPResourceName, ...]:
    """Parse a ``networking.gke.io/*`` Gateway annotation value into resource names.

    ``annotation`` (a :class:`GatewayAnnotation`, its key or short name) says which
    collection bare ids belong to. Empty or missing value -> ``()``. Raises ``ValueError``
    for an item that is not a resource name, or for ``last-reconcile-time`` (a timestamp).
    """
    collection = None
    if annotation is not None:
        which = GatewayAnnotation.of(annotation)
        if which.collection is None:
            raise ValueError(f"{which.value} holds a timestamp, not resource names")
        collection = which.collection
    return tuple(parse_resource_name(item, collection=collection)
                 for item in split_annotation(value))


def _canonical_project(project: str | None, aliases: dict[str, str]) -> str | None:
    return aliases.get(project, project) if project is not None else None


def same_resource(a: str | GCPResourceName, b: str | GCPResourceName, *,
                  projects: ProjectAliases = ()) -> bool:
    """Whether two names name the same resource.

    A leading ``/`` does not matter; ``projects`` gives (number, id) pairs of the same
    project, so ``projects/292590764560/...`` equals ``projects/my-project/...``. A bare id
    equals any full name with that id (and collection, when both are known).
    Text that is not a resource name compares as written.
    """
    try:
        na = a if isinstance(a, GCPResourceName) else parse_resource_name(a)
        nb = b if isinstance(b, GCPResourceName) else parse_resource_name(b)
    except ValueError:
        return str(a).strip().lstrip("/") == str(b).strip().lstrip("/")
    if na.is_bare or nb.is_bare:
        return na.resource_id == nb.resource_id and (
            not na.collection or not nb.collection or na.collection == nb.collection)
    ids = {number: pid for number, pid in projects}
    return _normal(na, ids) == _normal(nb, ids)


def _normal(name: GCPResourceName, ids: dict[str, str]) -> GCPResourceName:
    project = _canonical_project(name.project, ids)
    return name.with_project(project) if project is not None else name
