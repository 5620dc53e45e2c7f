"""GCPTrafficExtension and GCPRoutingExtension (``networking.gke.io/v1``)."""

from __future__ import annotations

import enum
from typing import Annotated

from pydantic import Field

from ._base import KubeModel, WireModel
from ._common import DNS_LABEL, GROUP, KIND, ObjectMeta, PolicyStatus, TargetRef
from ._meta import ROUTING_EXTENSION, TRAFFIC_EXTENSION
from ._profiles import ALL_EVENTS
from ._rules import Choice, Items, MapOf, Number, PatternSpec, Text

__all__ = [
    "BackendRef",
    "BodySendMode",
    "CelExpression",
    "Event",
    "Extension",
    "ExtensionChain",
    "ExtensionSpec",
    "GCPRoutingExtension",
    "GCPTrafficExtension",
    "MatchCondition",
]

AUTHORITY = PatternSpec(
    r"^[A-Za-z0-9-_:%\.\[\]]*$", "a host[:port] of letters, digits and - _ : % . [ ]"
)
TIMEOUT = PatternSpec(
    r"^([0-9]{1,5}(h|m|s|ms)){1,4}$", "a duration such as 500ms, 1s or 1s500ms"
)
HEADER_NAME = PatternSpec(
    r"^[A-Za-z0-9!#$%&'*+\-.^_\x60|~]+$", "an HTTP header name (token characters only)"
)
METADATA_KEY = PatternSpec(
    r"^([A-Za-z0-9\/\-._~%!$&'()*+,;=:\s\{\}\[\]]{1,63})$",
    "1 to 63 letters, digits, whitespace or /-._~%!$&'()*+,;=:{}[]",
)
METADATA_VALUE = PatternSpec(
    r"""^([A-Za-z0-9\/\-._~%!$&'()*+,;=:"\s\[\]\{\}])*$""",
    "letters, digits, whitespace or /-._~%!$&'()*+,;=:\"{}[]",
)


class Event(enum.StrEnum):
    """An ext_proc event an extension subscribes to (``supportedEvents``)."""

    REQUEST_HEADERS = "RequestHeaders"
    REQUEST_BODY = "RequestBody"
    RESPONSE_HEADERS = "ResponseHeaders"
    RESPONSE_BODY = "ResponseBody"
    REQUEST_TRAILERS = "RequestTrailers"
    RESPONSE_TRAILERS = "ResponseTrailers"


class BodySendMode(enum.StrEnum):
    """How bodies are sent to the callout (``requestBodySendMode``/``responseBodySendMode``)."""

    STREAMED = "Streamed"
    FULL_DUPLEX_STREAMED = "FullDuplexStreamed"


class BackendRef(WireModel):
    """Where an extension's logic runs: a Service, ServiceImport, GCPWasmPlugin or Apigee."""

    group: Annotated[
        str | None,
        Choice(lambda r: r.backend_groups),
        Text(max_len=253, pattern=GROUP),
    ] = None
    kind: Annotated[
        str | None,
        Choice(lambda r: r.backend_kinds),
        Text(min_len=1, max_len=63, pattern=KIND),
    ] = None
    name: Annotated[str, Text(min_len=1, max_len=253)]
    port: Annotated[int | None, Number(1, 65535, when=lambda r: r.backend_port_range)] = None

    @property
    def effective_kind(self) -> str:
        """The kind after the API server's defaulting (``Service`` when omitted)."""
        return self.kind if self.kind is not None else "Service"

    @classmethod
    def service(cls, name: str, port: int) -> BackendRef:
        """A Kubernetes Service running an ext_proc server (in the extension's namespace)."""
        return cls(group="", kind="Service", name=name, port=port)

    @classmethod
    def service_import(cls, name: str, port: int) -> BackendRef:
        """A multi-cluster ServiceImport (multi-cluster Gateway classes)."""
        return cls(group="net.gke.io", kind="ServiceImport", name=name, port=port)

    @classmethod
    def wasm_plugin(cls, name: str) -> BackendRef:
        """A GCPWasmPlugin in the extension's namespace."""
        return cls(group="networking.gke.io", kind="GCPWasmPlugin", name=name)

    @classmethod
    def apigee(cls, name: str) -> BackendRef:
        """An ApigeeBackendService."""
        return cls(group="apim.googleapis.com", kind="ApigeeBackendService", name=name)


class CelExpression(WireModel):
    """One ORed entry of a chain's match condition."""

    cel_matcher: Annotated[str | None, Text(max_len=512)] = None
    backend_refs: Annotated[
        list[BackendRef] | None, Items(max_items=lambda r: r.cel_backend_refs_max)
    ] = None


class MatchCondition(WireModel):
    """When a chain applies: any of its CEL expressions matches."""

    cel_expressions: Annotated[list[CelExpression] | None, Items(max_items=10)] = None

    @classmethod
    def cel(cls, *matchers: str) -> MatchCondition:
        """A match condition of the given CEL matchers (ORed)."""
        return cls(cel_expressions=[CelExpression(cel_matcher=m) for m in matchers])


class Extension(WireModel):
    """One callout or plugin of an extension chain."""

    name: Annotated[str, Text(min_len=1, max_len=63, pattern=DNS_LABEL)]
    authority: Annotated[str | None, Text(max_len=1000, pattern=AUTHORITY)] = None
    timeout: Annotated[str | None, Text(pattern=TIMEOUT)] = None
    fail_open: bool | None = None
    supported_events: Annotated[
        list[Annotated[str, Choice(ALL_EVENTS, hint="events are spelled in CamelCase")]] | None,
        Items(max_items=6),
    ] = None
    forward_headers: Annotated[
        list[Annotated[str, Text(min_len=1, max_len=256, pattern=HEADER_NAME)]] | None,
        Items(max_items=50),
    ] = None
    metadata: Annotated[
        dict[str, str] | None,
        MapOf(
            max_props=16,
            key=Text(pattern=METADATA_KEY),
            value=Text(min_len=1, max_len=1023, pattern=METADATA_VALUE),
        ),
    ] = None
    request_body_send_mode: Annotated[
        str | None, Choice(("Streamed", "FullDuplexStreamed"))
    ] = None
    response_body_send_mode: Annotated[
        str | None, Choice(("Streamed", "FullDuplexStreamed"))
    ] = None
    observability_mode: bool | None = None
    backend_ref: BackendRef | None = None
    google_api_service_name: Annotated[
        str | None, Text(max_len=100, pattern=lambda r: r.google_api_service_name)
    ] = Field(default=None, alias="googleAPIServiceName")


class ExtensionChain(WireModel):
    """A named list of extensions applied to requests that match its condition."""

    name: Annotated[str, Text(min_len=1, max_len=63, pattern=DNS_LABEL)]
    match_condition: MatchCondition | None = None
    extensions: Annotated[list[Extension], Items(1, 3)]


class ExtensionSpec(WireModel):
    """``spec`` of GCPTrafficExtension and GCPRoutingExtension."""

    target_refs: Annotated[list[TargetRef], Items(1, 10)]
    extension_chains: Annotated[list[ExtensionChain], Items(1, 5)]


class _ExtensionResource(KubeModel):
    api_version: str = Field(alias="apiVersion")
    kind: str
    metadata: ObjectMeta
    spec: ExtensionSpec
    status: PolicyStatus | None = None


class GCPTrafficExtension(_ExtensionResource):
    """Callouts or Wasm plugins that edit headers and bodies after backend selection.

    GKE programs it as a Cloud Load Balancing ``LbTrafficExtension``.
    """

    __resource__ = TRAFFIC_EXTENSION


class GCPRoutingExtension(_ExtensionResource):
    """A callout that decides routing before backend selection (``LbRouteExtension``)."""

    __resource__ = ROUTING_EXTENSION
