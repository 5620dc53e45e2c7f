"""STAND-IN for ``gke_service_extensions._gke`` (branch h/facts), until it is merged.

A verbatim excerpt of that module's work in progress: delete this file and import from
``.._gke`` once the facts module is on this branch.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

ANNOTATION_PREFIX: Final = "networking.gke.io/"

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


# --------------------------------------------------------------------------- names

_ZONE = re.compile(r"^[a-z]+-[a-z]+\d+-[a-z]$")
_SEGMENT = re.compile(r"^[^/\s]+$")


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
    """Parse one resource path (leading ``/`` optional) or bare id.

    ``collection`` is what a bare id belongs to (from the annotation it came from).
    Raises ``ValueError`` for text that is neither.
    """
    if not isinstance(text, str):
        raise ValueError(f"not a resource name: {text!r}")
    raw = text.strip()
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


#: (CRD name, API enum name, API number) of each ``supportedEvents`` value (EventType).
EVENTS: Final[tuple[tuple[str, str, int], ...]] = (
    ("RequestHeaders", "REQUEST_HEADERS", 1),
    ("RequestBody", "REQUEST_BODY", 2),
    ("ResponseHeaders", "RESPONSE_HEADERS", 3),
    ("ResponseBody", "RESPONSE_BODY", 4),
    ("RequestTrailers", "REQUEST_TRAILERS", 5),
    ("ResponseTrailers", "RESPONSE_TRAILERS", 6),
)
#: (CRD name, API enum name, API number) of each body send mode (BodySendMode).
BODY_SEND_MODES: Final[tuple[tuple[str, str, int], ...]] = (
    ("Streamed", "BODY_SEND_MODE_STREAMED", 1),
    ("FullDuplexStreamed", "BODY_SEND_MODE_FULL_DUPLEX_STREAMED", 2),
)
#: WasmPlugin ``logConfig.minLogLevel``: same names in the CRD and the API (LogLevel).
LOG_LEVELS: Final[dict[str, int]] = {
    "TRACE": 1, "DEBUG": 2, "INFO": 3, "WARN": 4, "ERROR": 5, "CRITICAL": 6}
#: ``loadBalancingScheme`` of LbTrafficExtension / LbRouteExtension (LoadBalancingScheme).
LOAD_BALANCING_SCHEMES: Final[dict[str, int]] = {"INTERNAL_MANAGED": 1, "EXTERNAL_MANAGED": 2}
#: The CRD's ``logConfig.sampleRate`` is the API's fraction times this.
SAMPLE_RATE_SCALE: Final = 1_000_000


def _table(rows: tuple[tuple[str, str, int], ...]) -> dict[str, tuple[str, str, int]]:
    out: dict[str, tuple[str, str, int]] = {}
    for row in rows:
        out[row[0]] = out[row[1]] = out[str(row[2])] = row
    return out


_EVENTS = _table(EVENTS)
_MODES = _table(BODY_SEND_MODES)


def _row(table: dict[str, tuple[str, str, int]], value: str | int, what: str
         ) -> tuple[str, str, int]:
    try:
        return table[str(value)]
    except KeyError:
        raise ValueError(f"not a {what}: {value!r}") from None


def event_to_api(event: str | int) -> str:
    """``RequestHeaders`` (or ``REQUEST_HEADERS`` or ``1``) -> ``REQUEST_HEADERS``."""
    return _row(_EVENTS, event, "supported event")[1]


def event_from_api(event: str | int) -> str:
    """``REQUEST_HEADERS`` or ``1`` (or ``RequestHeaders``) -> ``RequestHeaders``."""
    return _row(_EVENTS, event, "supported event")[0]


def event_number(event: str | int) -> int:
    """The API's EventType number of an event in either spelling."""
    return _row(_EVENTS, event, "supported event")[2]


def body_mode_to_api(mode: str | int) -> str:
    """``Streamed`` -> ``BODY_SEND_MODE_STREAMED`` (either spelling or the number in)."""
    return _row(_MODES, mode, "body send mode")[1]


def body_mode_from_api(mode: str | int) -> str:
    """``BODY_SEND_MODE_FULL_DUPLEX_STREAMED`` or ``2`` -> ``FullDuplexStreamed``."""
    return _row(_MODES, mode, "body send mode")[0]


def body_mode_number(mode: str | int) -> int:
    """The API's BodySendMode number of a mode in either spelling."""
    return _row(_MODES, mode, "body send mode")[2]


def log_level_number(level: str) -> int:
    """The API's LogLevel number of ``TRACE`` .. ``CRITICAL``."""
    try:
        return LOG_LEVELS[level]
    except KeyError:
        raise ValueError(f"not a log level: {level!r}") from None


def sample_rate_to_api(rate: int) -> float:
    """CRD ``sampleRate`` (0..1_000_000) -> API fraction (0..1)."""
    if isinstance(rate, bool) or not isinstance(rate, int) or not 0 <= rate <= SAMPLE_RATE_SCALE:
        raise ValueError(f"sampleRate must be an integer 0..{SAMPLE_RATE_SCALE}, got {rate!r}")
    return rate / SAMPLE_RATE_SCALE


def sample_rate_from_api(fraction: float) -> int:
    """API fraction (0..1) -> CRD ``sampleRate`` (0..1_000_000), rounded."""
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not (
            0 <= fraction <= 1):
        raise ValueError(f"sampleRate must be a fraction 0..1, got {fraction!r}")
    return round(fraction * SAMPLE_RATE_SCALE)


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
            "m": 60_000_000_000, "h": 3_600_000_000_000}


def duration_nanos(text: str) -> int:
    """Nanoseconds of a Go duration (``1m30s``, ``100ms``) or a JSON Duration (``0.100s``).

    Both spellings parse the same way, so ``1s``, ``1.000s`` and ``1000ms`` are equal.
    Raises ``ValueError`` for anything else.
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"empty duration: {text!r}")
    pos, nanos = 0, 0
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if m is None:
            raise ValueError(f"not a Go duration: {text!r}")
        whole, _, frac = m.group(1).partition(".")
        unit = _UNIT_NS[m.group(2)]
        nanos += int(whole or "0") * unit
        if frac:
            nanos += int(frac) * unit // 10 ** len(frac)
        pos = m.end()
    return nanos


def go_duration_to_proto(text: str) -> str:
    """A Go duration (``1s``, ``100ms``, ``1m30s``) as a protobuf JSON Duration (``0.100s``)."""
    seconds, rest = divmod(duration_nanos(text), 1_000_000_000)
    if rest == 0:
        return f"{seconds}s"
    if rest % 1_000_000 == 0:
        return f"{seconds}.{rest // 1_000_000:03d}s"
    if rest % 1_000 == 0:
        return f"{seconds}.{rest // 1_000:06d}s"
    return f"{seconds}.{rest:09d}s"
