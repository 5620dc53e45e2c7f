"""What the client reads and writes: the model protocol, light wrappers, events.

The three extension kinds are the typed models of :mod:`gke_service_extensions.models`.
Gateways, HTTPRoutes and Services are not modelled there (yet), so the client returns them
as :class:`UntypedObject` subclasses: the wire-form dict behind a few typed accessors.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol, Self

from .._errors import ObjectRef
from ..models._meta import GATEWAY, HTTP_ROUTE, SERVICE, ResourceInfo

__all__ = [
    "Event",
    "Gateway",
    "HTTPRoute",
    "KubeObject",
    "Service",
    "UntypedObject",
]


class KubeObject(Protocol):
    """Anything the client can send and receive: a model class with API coordinates."""

    __resource__: ClassVar[ResourceInfo]

    @classmethod
    def from_manifest(cls, data: Mapping[str, Any], *, unknown_fields: Any = ...,
                      profile: str | None = None) -> Self:
        """Build from the wire form."""
        ...

    def to_manifest(self) -> dict[str, Any]:
        """The wire form."""
        ...


class UntypedObject:
    """A Kubernetes object kept as its wire-form dict, with typed read accessors."""

    __resource__: ClassVar[ResourceInfo]

    def __init__(self, manifest: Mapping[str, Any]) -> None:
        data = copy.deepcopy(dict(manifest))
        data.setdefault("apiVersion", self.__resource__.api_version)
        data.setdefault("kind", self.__resource__.kind)
        if not isinstance(data.get("metadata"), dict):
            data["metadata"] = {}
        self._data = data

    @classmethod
    def from_manifest(cls, data: Mapping[str, Any], *, unknown_fields: Any = None,
                      profile: str | None = None) -> Self:
        """Wrap a wire-form mapping (kept as given; nothing is validated)."""
        return cls(data)

    def to_manifest(self) -> dict[str, Any]:
        """A deep copy of the wire form."""
        return copy.deepcopy(self._data)

    @property
    def name(self) -> str | None:
        value = self._data["metadata"].get("name")
        return value if isinstance(value, str) else None

    @property
    def namespace(self) -> str | None:
        value = self._data["metadata"].get("namespace")
        return value if isinstance(value, str) else None

    @property
    def labels(self) -> dict[str, str]:
        return dict(self._data["metadata"].get("labels") or {})

    @property
    def annotations(self) -> dict[str, str]:
        return dict(self._data["metadata"].get("annotations") or {})

    @property
    def resource_version(self) -> str | None:
        value = self._data["metadata"].get("resourceVersion")
        return value if isinstance(value, str) else None

    @property
    def spec(self) -> dict[str, Any]:
        return copy.deepcopy(self._data.get("spec") or {})

    @property
    def status(self) -> dict[str, Any]:
        return copy.deepcopy(self._data.get("status") or {})

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.__resource__.kind, self.name, self.namespace)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._data == self._data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.ref})"


class Gateway(UntypedObject):
    """A Gateway API ``Gateway`` (read-mostly: addresses and GKE annotations)."""

    __resource__ = GATEWAY

    @property
    def gateway_class_name(self) -> str | None:
        value = self.spec.get("gatewayClassName")
        return value if isinstance(value, str) else None

    @property
    def addresses(self) -> list[str]:
        """``status.addresses[*].value``: the first one is the load balancer's IP."""
        return [a["value"] for a in self.status.get("addresses") or []
                if isinstance(a, Mapping) and isinstance(a.get("value"), str)]


class HTTPRoute(UntypedObject):
    """A Gateway API ``HTTPRoute``."""

    __resource__ = HTTP_ROUTE


class Service(UntypedObject):
    """A core ``Service`` (the callout backend of an extension)."""

    __resource__ = SERVICE


@dataclass(frozen=True, slots=True)
class Event:
    """One Kubernetes Event about an object, as at the bottom of ``kubectl describe``."""

    type: str
    reason: str
    message: str
    source: str
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    involved: ObjectRef
    name: str = ""

    def __str__(self) -> str:
        when = self.last_seen.isoformat() if self.last_seen else "-"
        times = f" (x{self.count})" if self.count > 1 else ""
        return f"{when} {self.type} {self.reason} {self.source}: {self.message}{times}"
