"""What the client reads and writes: the model protocol, and events.

Objects are the models of :mod:`gke_service_extensions.models` (the three extension kinds,
and the read-side Gateway, HTTPRoute and Service); any class with ``__resource__``,
``from_manifest`` and ``to_manifest`` works.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol, Self

from .._errors import ObjectRef
from ..models._meta import ResourceInfo

__all__ = ["KubeEvent", "KubeObject"]


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


@dataclass(frozen=True, slots=True)
class KubeEvent:
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
