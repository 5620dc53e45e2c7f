"""Label and field selectors, as the Kubernetes API server parses and applies them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FieldRequirement",
    "LabelRequirement",
    "SelectorError",
    "matches_fields",
    "matches_labels",
    "parse_field_selector",
    "parse_label_selector",
]


class SelectorError(ValueError):
    """A selector that does not parse, or names a field that cannot be selected on."""


@dataclass(frozen=True, slots=True)
class LabelRequirement:
    """``key <op> values``; op is one of ``= != in notin exists !``."""

    key: str
    op: str
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        # "!=" and "notin" match objects without the label too
        return not present or value not in self.values


_KEY = r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET_RE = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s*\(([^)]*)\)\s*$")
_EQ_RE = re.compile(rf"^\s*({_KEY})\s*(==|!=|=)\s*({_VALUE})\s*$")
_EXISTS_RE = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")


def _split_terms(selector: str) -> list[str]:
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(selector):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            terms.append(selector[start:i])
            start = i + 1
    terms.append(selector[start:])
    return [t for t in terms if t.strip()]


def parse_label_selector(selector: str | None) -> list[LabelRequirement]:
    """Parse ``a=b,c!=d,e in (f,g),h notin (i),j,!k``; raises :class:`SelectorError`."""
    if not selector or not selector.strip():
        return []
    reqs: list[LabelRequirement] = []
    for term in _split_terms(selector):
        if m := _SET_RE.match(term):
            values = frozenset(v.strip() for v in m.group(4).split(",") if v.strip())
            for v in values:
                if not re.fullmatch(_VALUE, v):
                    raise SelectorError(f"invalid label value: {v!r}")
            reqs.append(LabelRequirement(m.group(1), m.group(3), values))
        elif m := _EQ_RE.match(term):
            op = "!=" if m.group(3) == "!=" else "="
            reqs.append(LabelRequirement(m.group(1), op, frozenset({m.group(4)})))
        elif m := _EXISTS_RE.match(term):
            reqs.append(LabelRequirement(m.group(2), "!" if m.group(1) else "exists"))
        else:
            raise SelectorError(f"unable to parse requirement: {term.strip()!r}")
    return reqs


def matches_labels(reqs: list[LabelRequirement], obj: Mapping[str, Any]) -> bool:
    """True when the object's ``metadata.labels`` satisfy every requirement."""
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return all(r.matches(labels) for r in reqs)


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    """``field == value`` or ``field != value``."""

    field: str
    equal: bool
    value: str


_COMMON_FIELDS = ("metadata.name", "metadata.namespace")
_EVENT_FIELDS = (
    "involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
    "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
    "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type",
)


def parse_field_selector(selector: str | None, kind: str) -> list[FieldRequirement]:
    """Parse ``f1=v1,f2!=v2`` for a kind; unsupported fields raise :class:`SelectorError`."""
    if not selector or not selector.strip():
        return []
    allowed = _COMMON_FIELDS + (_EVENT_FIELDS if kind == "Event" else ())
    reqs: list[FieldRequirement] = []
    for term in selector.split(","):
        term = term.strip()
        if not term:
            continue
        m = re.fullmatch(r"([A-Za-z.]+)\s*(==|!=|=)\s*(.*)", term)
        if not m:
            raise SelectorError(f"invalid selector: {term!r}; can't understand {term!r}")
        if m.group(1) not in allowed:
            raise SelectorError(
                f'field label not supported: {m.group(1)}')
        reqs.append(FieldRequirement(m.group(1), m.group(2) != "!=", m.group(3)))
    return reqs


def _field_value(obj: Mapping[str, Any], field: str) -> str:
    if field == "source":
        return str(((obj.get("source") or {}).get("component")) or "")
    value: Any = obj
    for part in field.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return "" if value is None else str(value)


def matches_fields(reqs: list[FieldRequirement], obj: Mapping[str, Any]) -> bool:
    """True when the object satisfies every field requirement."""
    return all((_field_value(obj, r.field) == r.value) == r.equal for r in reqs)
