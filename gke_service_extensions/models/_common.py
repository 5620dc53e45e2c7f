"""Parts shared by the three kinds: object metadata, references, and policy status."""

from __future__ import annotations

import enum
from typing import Annotated

from pydantic import Field

from ._base import WireModel
from ._rules import Choice, Items, MapOf, Number, PatternSpec, Text

__all__ = [
    "Condition",
    "ConditionStatus",
    "ObjectMeta",
    "ParentReference",
    "PolicyAncestorStatus",
    "PolicyStatus",
    "TargetRef",
]

DNS_LABEL = PatternSpec(
    r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$",
    "a lowercase name of letters, digits and '-', starting with a letter and ending with a "
    "letter or digit",
)
DNS1123_LABEL = PatternSpec(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
    "a lowercase RFC 1123 label: letters, digits and '-', starting and ending alphanumeric",
)
DNS1123_SUBDOMAIN = PatternSpec(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    "a lowercase RFC 1123 subdomain: labels of letters, digits and '-' separated by '.'",
)
GROUP = PatternSpec(
    r"^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    "an API group: empty or a lowercase DNS subdomain",
)
KIND = PatternSpec(
    r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$",
    "a kind name: letters, digits and '-', starting with a letter",
)
CONTROLLER_NAME = PatternSpec(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$",
    "a domain-prefixed path such as networking.gke.io/gateway",
)
REASON = PatternSpec(
    r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
    "a CamelCase reason: letters, digits, '_', ',' and ':', starting with a letter",
)
CONDITION_TYPE = PatternSpec(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
    "a condition type such as Programmed or example.com/Ready",
)
LABEL_VALUE = PatternSpec(
    r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$",
    "a label value: letters, digits, '-', '_' and '.', starting and ending alphanumeric",
)
LABEL_KEY = PatternSpec(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$",
    "a label key: an optional DNS prefix and '/', then up to 63 letters, digits, '-', '_', '.'",
)


class ConditionStatus(enum.StrEnum):
    """``status`` of a metav1.Condition."""

    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class ObjectMeta(WireModel):
    """The parts of ``metadata`` the SDK reads; server-populated fields are preserved too."""

    name: Annotated[str | None, Text(max_len=253, pattern=DNS1123_SUBDOMAIN)] = None
    generate_name: Annotated[str | None, Text(max_len=253)] = None
    namespace: Annotated[str | None, Text(max_len=63, pattern=DNS1123_LABEL)] = None
    labels: Annotated[
        dict[str, str] | None, MapOf(key=Text(max_len=316, pattern=LABEL_KEY),
                                     value=Text(max_len=63, pattern=LABEL_VALUE))
    ] = None
    annotations: Annotated[dict[str, str] | None, MapOf()] = None
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    finalizers: list[str] | None = None


class TargetRef(WireModel):
    """A Gateway the extension attaches to (``spec.targetRefs[]``)."""

    group: Annotated[str, Text(max_len=253, pattern=GROUP)]
    kind: Annotated[str, Text(min_len=1, max_len=63, pattern=KIND)]
    name: Annotated[str, Text(min_len=1, max_len=253)]

    @classmethod
    def gateway(cls, name: str) -> TargetRef:
        """A reference to the Gateway ``name`` (in the extension's namespace)."""
        return cls(group="gateway.networking.k8s.io", kind="Gateway", name=name)


class ParentReference(WireModel):
    """The ancestor (Gateway) a status entry is about (``status.ancestors[].ancestorRef``)."""

    group: Annotated[str | None, Text(max_len=253, pattern=GROUP)] = None
    kind: Annotated[str | None, Text(min_len=1, max_len=63, pattern=KIND)] = None
    name: Annotated[str, Text(min_len=1, max_len=253)]
    namespace: Annotated[str | None, Text(min_len=1, max_len=63, pattern=DNS1123_LABEL)] = None
    port: Annotated[int | None, Number(1, 65535)] = None
    section_name: Annotated[str | None, Text(min_len=1, max_len=253,
                                             pattern=DNS1123_SUBDOMAIN)] = None


class Condition(WireModel):
    """A metav1.Condition."""

    type: Annotated[str, Text(max_len=316, pattern=CONDITION_TYPE)]
    status: Annotated[str, Choice(("True", "False", "Unknown"))]
    reason: Annotated[str, Text(min_len=1, max_len=1024, pattern=REASON)]
    message: Annotated[str, Text(max_len=32768)]
    last_transition_time: Annotated[str, Text()]
    observed_generation: Annotated[int | None, Number(minimum=0)] = None


class PolicyAncestorStatus(WireModel):
    """The status one controller reports for one ancestor Gateway."""

    ancestor_ref: ParentReference
    controller_name: Annotated[str, Text(min_len=1, max_len=253, pattern=CONTROLLER_NAME)]
    conditions: Annotated[list[Condition], Items(1, 8)] = Field(default_factory=list)

    def condition(self, type_: str) -> Condition | None:
        """The condition of the given type, if reported."""
        return next((c for c in self.conditions if c.type == type_), None)


class PolicyStatus(WireModel):
    """``status`` of the three kinds: Gateway-API policy status, one entry per ancestor."""

    ancestors: Annotated[list[PolicyAncestorStatus], Items(max_items=16)] = Field(
        default_factory=list
    )
