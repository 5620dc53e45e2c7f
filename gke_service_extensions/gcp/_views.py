"""Read-only views of what GKE built in Google Cloud, in this package's vocabulary.

Frozen dataclasses built from the resources' REST JSON (camelCase, enum names, Duration
strings: what the API, ``gcloud ... --format=json`` and :class:`GCPClient` all see), so one
builder serves every source. Events and body send modes are spelled as the CRDs spell them
(``RequestHeaders``, ``Streamed``); the JSON each view was built from stays in ``raw``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, ClassVar, Self

from .._gke import (
    GCPCollection,
    GCPResourceName,
    body_mode_from_api,
    event_from_api,
    parse_resource_name,
    sample_rate_from_api,
)
from ..models import BodySendMode, Event
from ._drift import Difference

__all__ = [
    "GCPExtension",
    "GCPExtensionChain",
    "GatewayDifference",
    "GatewayResources",
    "LbRouteExtension",
    "LbTrafficExtension",
    "PluginLogConfig",
    "PluginVersion",
    "WasmPlugin",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_DURATION_RE = re.compile(r"^(-?)(\d+)(?:\.(\d{1,9}))?s$")
_FRACTION_RE = re.compile(r"\.(\d+)")


def _empty() -> Mapping[str, Any]:
    return _EMPTY


def _frozen(value: Any) -> Mapping[str, Any]:
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else _EMPTY


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (any number of fraction digits) as an aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    text = _FRACTION_RE.sub(lambda m: "." + (m.group(1) + "000000")[:6], value, count=1)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _duration(value: Any) -> timedelta | None:
    """A protobuf JSON Duration (``1s``, ``0.100s``) as a timedelta."""
    if not isinstance(value, str):
        return None
    m = _DURATION_RE.match(value)
    if m is None:
        return None
    sign = -1 if m.group(1) else 1
    micros = int((m.group(3) or "").ljust(9, "0")[:6] or "0")
    return sign * timedelta(seconds=int(m.group(2)), microseconds=micros)


def _event(value: Any) -> Event | str:
    try:
        return Event(event_from_api(value))
    except ValueError:
        return str(value)  # an event this package does not know yet: as the API wrote it


def _body_mode(value: Any) -> BodySendMode | str | None:
    if value is None or value in ("BODY_SEND_MODE_UNSPECIFIED", 0):
        return None
    try:
        return BodySendMode(body_mode_from_api(value))
    except ValueError:
        return str(value)


# --------------------------------------------------------------------------- extensions


@dataclass(frozen=True, slots=True)
class GCPExtension:
    """One extension of a chain, as Google Cloud holds it.

    ``service`` is the backend service, WasmPlugin or Google API service name the load
    balancer calls; ``supported_events`` and the body send modes are spelled as in the CRDs
    (an event unknown to this package stays as the API's enum name); ``timeout`` is None
    when unset (Wasm plugins).
    """

    name: str
    service: str
    authority: str | None = None
    supported_events: tuple[Event | str, ...] = ()
    timeout: timedelta | None = None
    fail_open: bool = False
    forward_headers: tuple[str, ...] = ()
    forward_attributes: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=_empty)
    request_body_send_mode: BodySendMode | str | None = None
    response_body_send_mode: BodySendMode | str | None = None
    observability_mode: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Build from the REST JSON of one ``ExtensionChain.Extension``."""
        return cls(
            name=str(data.get("name", "")),
            service=str(data.get("service", "")),
            authority=data.get("authority") or None,
            supported_events=tuple(_event(e) for e in data.get("supportedEvents") or ()),
            timeout=_duration(data.get("timeout")),
            fail_open=bool(data.get("failOpen", False)),
            forward_headers=_strs(data.get("forwardHeaders")),
            forward_attributes=_strs(data.get("forwardAttributes")),
            metadata=_frozen(data.get("metadata")),
            request_body_send_mode=_body_mode(data.get("requestBodySendMode")),
            response_body_send_mode=_body_mode(data.get("responseBodySendMode")),
            observability_mode=bool(data.get("observabilityMode", False)),
        )


@dataclass(frozen=True, slots=True)
class GCPExtensionChain:
    """One extension chain: its name, CEL matcher and extensions, in order."""

    name: str
    cel_expression: str | None
    extensions: tuple[GCPExtension, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Build from the REST JSON of one ``ExtensionChain``."""
        match = data.get("matchCondition")
        cel = match.get("celExpression") if isinstance(match, Mapping) else None
        return cls(
            name=str(data.get("name", "")),
            cel_expression=str(cel) if cel else None,
            extensions=tuple(GCPExtension.from_json(e) for e in data.get("extensions") or ()
                             if isinstance(e, Mapping)),
        )


@dataclass(frozen=True, slots=True)
class _LbExtension:
    name: str
    forwarding_rules: tuple[str, ...]
    extension_chains: tuple[GCPExtensionChain, ...]
    load_balancing_scheme: str | None = None
    description: str = ""
    labels: Mapping[str, str] = field(default_factory=_empty)
    metadata: Mapping[str, Any] = field(default_factory=_empty)
    create_time: datetime | None = None
    update_time: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=_empty, compare=False, repr=False)

    collection: ClassVar[str]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Build from the resource's REST JSON (API answer or ``gcloud --format=json``)."""
        scheme = data.get("loadBalancingScheme")
        return cls(
            name=str(data.get("name", "")),
            forwarding_rules=_strs(data.get("forwardingRules")),
            extension_chains=tuple(GCPExtensionChain.from_json(c)
                                   for c in data.get("extensionChains") or ()
                                   if isinstance(c, Mapping)),
            load_balancing_scheme=(str(scheme) if scheme not in (None, 0,
                                   "LOAD_BALANCING_SCHEME_UNSPECIFIED") else None),
            description=str(data.get("description", "")),
            labels=_frozen(data.get("labels")),
            metadata=_frozen(data.get("metadata")),
            create_time=_time(data.get("createTime")),
            update_time=_time(data.get("updateTime")),
            raw=_frozen(data),
        )

    @property
    def resource_name(self) -> GCPResourceName:
        """``name``, parsed (project, location, collection, id)."""
        return parse_resource_name(self.name, collection=self.collection)

    @property
    def location(self) -> str | None:
        """``global`` or the region."""
        return self.resource_name.location

    @property
    def extensions(self) -> Iterator[GCPExtension]:
        """Every extension of every chain, in order."""
        for chain in self.extension_chains:
            yield from chain.extensions


@dataclass(frozen=True, slots=True)
class LbTrafficExtension(_LbExtension):
    """An ``LbTrafficExtension`` (what GKE makes of a GCPTrafficExtension on one Gateway).

    ``name`` is the full name as the API answers it (``projects/ID/locations/L/
    lbTrafficExtensions/N``); ``raw`` is the REST JSON it was built from.
    """

    collection: ClassVar[str] = GCPCollection.LB_TRAFFIC_EXTENSIONS


@dataclass(frozen=True, slots=True)
class LbRouteExtension(_LbExtension):
    """An ``LbRouteExtension`` (what GKE makes of a GCPRoutingExtension on one Gateway)."""

    collection: ClassVar[str] = GCPCollection.LB_ROUTE_EXTENSIONS


# --------------------------------------------------------------------------- wasm plugins


@dataclass(frozen=True, slots=True)
class PluginLogConfig:
    """A WasmPlugin's logging: ``sample_rate`` is the API's fraction (0..1);
    :attr:`sample_rate_ppm` is the CRD's integer (0..1_000_000)."""

    enabled: bool
    sample_rate: float = 0.0
    min_log_level: str | None = None

    @property
    def sample_rate_ppm(self) -> int:
        """The sample rate as ``GCPWasmPlugin.spec.logConfig.sampleRate`` writes it."""
        return sample_rate_from_api(min(1.0, max(0.0, self.sample_rate)))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Build from the REST JSON of ``WasmPlugin.logConfig``."""
        level = data.get("minLogLevel")
        rate = data.get("sampleRate", 0.0)
        return cls(
            enabled=bool(data.get("enable", False)),
            sample_rate=float(rate) if isinstance(rate, int | float) else 0.0,
            min_log_level=(str(level) if level not in (None, 0, "LOG_LEVEL_UNSPECIFIED")
                           else None),
        )


@dataclass(frozen=True, slots=True)
class PluginVersion:
    """One version of a WasmPlugin: its image (as given, and the digest Google resolved),
    its plugin configuration, and when it was made."""

    id: str
    image_uri: str
    image_digest: str | None = None
    plugin_config_uri: str | None = None
    plugin_config_digest: str | None = None
    plugin_config_data: bytes | None = None
    description: str = ""
    labels: Mapping[str, str] = field(default_factory=_empty)
    create_time: datetime | None = None
    update_time: datetime | None = None

    @classmethod
    def from_json(cls, version_id: str, data: Mapping[str, Any]) -> Self:
        """Build from a ``versions`` map entry (FULL view) or a WasmPluginVersion's JSON."""
        config = data.get("pluginConfigData")
        raw_config: bytes | None = None
        if isinstance(config, str) and config:
            padded = config + "=" * (-len(config) % 4)
            try:  # protobuf JSON writes bytes as base64 and reads the URL-safe form too
                raw_config = base64.b64decode(padded.replace("-", "+").replace("_", "/"))
            except (binascii.Error, ValueError):
                raw_config = config.encode()
        return cls(
            id=version_id,
            image_uri=str(data.get("imageUri", "")),
            image_digest=data.get("imageDigest") or None,
            plugin_config_uri=data.get("pluginConfigUri") or None,
            plugin_config_digest=data.get("pluginConfigDigest") or None,
            plugin_config_data=raw_config,
            description=str(data.get("description", "")),
            labels=_frozen(data.get("labels")),
            create_time=_time(data.get("createTime")),
            update_time=_time(data.get("updateTime")),
        )


@dataclass(frozen=True, slots=True)
class WasmPlugin:
    """A ``WasmPlugin`` with all its versions (always read with the FULL view).

    ``main_version_id`` names the serving version (:attr:`main_version`); ``used_by`` lists
    the extensions that call it; ``raw`` is the REST JSON it was built from.
    """

    name: str
    main_version_id: str | None
    versions: Mapping[str, PluginVersion]
    log_config: PluginLogConfig | None = None
    used_by: tuple[str, ...] = ()
    description: str = ""
    labels: Mapping[str, str] = field(default_factory=_empty)
    create_time: datetime | None = None
    update_time: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=_empty, compare=False, repr=False)

    collection: ClassVar[str] = GCPCollection.WASM_PLUGINS

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Build from the FULL-view REST JSON (API answer or ``gcloud ... describe``)."""
        versions = data.get("versions")
        log = data.get("logConfig")
        return cls(
            name=str(data.get("name", "")),
            main_version_id=data.get("mainVersionId") or None,
            versions=MappingProxyType({
                str(vid): PluginVersion.from_json(str(vid), v)
                for vid, v in sorted((versions or {}).items()) if isinstance(v, Mapping)}),
            log_config=PluginLogConfig.from_json(log) if isinstance(log, Mapping) else None,
            used_by=tuple(str(u.get("name", "")) for u in data.get("usedBy") or ()
                          if isinstance(u, Mapping)),
            description=str(data.get("description", "")),
            labels=_frozen(data.get("labels")),
            create_time=_time(data.get("createTime")),
            update_time=_time(data.get("updateTime")),
            raw=_frozen(data),
        )

    @property
    def main_version(self) -> PluginVersion | None:
        """The serving version, if set and present."""
        return self.versions.get(self.main_version_id) if self.main_version_id else None

    @property
    def resource_name(self) -> GCPResourceName:
        """``name``, parsed (project, location, collection, id)."""
        return parse_resource_name(self.name, collection=self.collection)

    @property
    def location(self) -> str | None:
        """Where the plugin lives (``global``)."""
        return self.resource_name.location


# --------------------------------------------------------------------------- per gateway


@dataclass(frozen=True, slots=True)
class GatewayDifference(Difference):
    """A :class:`Difference` on the resource GKE made for one Gateway (``namespace/name``)."""

    gateway: str = ""

    def __str__(self) -> str:
        return f"Gateway {self.gateway}: {Difference.__str__(self)}"


@dataclass(frozen=True, slots=True)
class GatewayResources:
    """Everything a Gateway's ``networking.gke.io/*`` annotations name, read from Google Cloud.

    ``gateway`` is ``namespace/name``. ``missing`` lists the names the annotations give
    that Google Cloud does not have (as the annotation wrote them), including plugin
    versions absent from their plugin.
    """

    gateway: str
    traffic_extensions: tuple[LbTrafficExtension, ...] = ()
    route_extensions: tuple[LbRouteExtension, ...] = ()
    wasm_plugins: tuple[WasmPlugin, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def extensions(self) -> tuple[LbTrafficExtension | LbRouteExtension, ...]:
        """Traffic then route extensions."""
        return (*self.traffic_extensions, *self.route_extensions)

    @property
    def plugin_versions(self) -> tuple[tuple[WasmPlugin, PluginVersion], ...]:
        """Every (plugin, version) pair, plugin by plugin."""
        return tuple((p, v) for p in self.wasm_plugins for v in p.versions.values())
