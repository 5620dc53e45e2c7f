"""Pure evaluation of an extension's per-ancestor status: is it programmed yet?

No I/O here. :func:`evaluate` reads a wire-form object (the ``to_manifest()`` form, or what the
API server returns) and says, for every *expected* ancestor Gateway, whether the GKE controller
reports it programmed for the object's current generation (SPEC §4):

* expected ancestors come from ``spec.targetRefs`` (kind Gateway; namespace defaults to the
  object's) or from an explicit ``gateways`` list, never from whichever ancestors happen to be
  present. An object without Gateway targetRefs (``GCPWasmPlugin``) and no explicit ``gateways``
  expects "every ancestor the GKE controller reports, and at least one";
* only entries whose ``controllerName`` is the GKE controller's count;
* a condition counts only if it is fresh: its ``observedGeneration`` (else
  ``status.observedGeneration``) is not older than ``metadata.generation``. When neither is
  present the condition is accepted and its freshness flagged ``UNVERIFIED``;
* ``Accepted=False`` or ``ResolvedRefs=False`` (fresh, reason not ``Pending``) and the watched
  condition ``False`` with a terminal reason fail at once; anything else missing, stale,
  ``Unknown`` or ``False`` with another reason is pending.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._errors import ObjectRef
from .._gke import GATEWAY_API_GROUP, GKE_CONTROLLER_NAME

__all__ = [
    "DEFAULT_CONDITION",
    "GKE_CONTROLLER_NAME",
    "NON_TERMINAL_REASONS",
    "TERMINAL_REASONS",
    "AncestorState",
    "AncestorStatus",
    "Freshness",
    "GatewayRef",
    "Outcome",
    "ProgrammingState",
    "WaitMode",
    "evaluate",
]

DEFAULT_CONDITION = "Programmed"
_GATEWAY_GROUP = GATEWAY_API_GROUP

#: Reasons that mean "the controller has given up on this spec": the wait fails at once when a
#: fresh condition is False with one of these (SPEC §4, Accepted and ResolvedRefs False reasons).
TERMINAL_REASONS: frozenset[str] = frozenset({
    "Invalid", "Internal", "Required", "NotAllowed", "TooLarge", "InvalidExtensionService",
    "InvalidGCPWasmPlugin", "InvalidCELExpression", "NoMatchingTarget", "Conflicted",
    "ExtensionServiceNotFound", "GCPWasmPluginNotFound", "TargetNotFound",
})

#: Reasons of a False ``Accepted``/``ResolvedRefs`` that still mean "keep waiting".
NON_TERMINAL_REASONS: frozenset[str] = frozenset({"Pending"})

# Conditions whose fresh False (reason not in NON_TERMINAL_REASONS) fails the wait whatever the
# reason: the controller will not program an object it did not accept or whose refs it cannot
# resolve.
_FAIL_FAST_CONDITIONS = ("Accepted", "ResolvedRefs")


class WaitMode(enum.Enum):
    """How many expected ancestors must be programmed.

    ``ALL`` (default): every expected ancestor; the first terminal failure fails the wait.
    ``ANY``: at least one; the wait fails only when every expected ancestor has failed.
    """

    ALL = "all"
    ANY = "any"


class AncestorState(enum.Enum):
    """Where one ancestor Gateway stands."""

    PROGRAMMED = "Programmed"
    PENDING = "Pending"
    FAILED = "Failed"


class Freshness(enum.Enum):
    """Whether the deciding condition describes the object's current generation."""

    FRESH = "fresh"
    STALE = "stale"
    UNVERIFIED = "unverified"  # no observedGeneration anywhere: accepted, but cannot be checked


class Outcome(enum.Enum):
    """The verdict over all expected ancestors."""

    PROGRAMMED = "Programmed"
    PENDING = "Pending"
    FAILED = "Failed"
    DELETED = "Deleted"


@dataclass(frozen=True, slots=True)
class GatewayRef:
    """An ancestor Gateway: ``namespace/name``. ``namespace=None`` means "the object's"."""

    name: str
    namespace: str | None = None

    def __str__(self) -> str:
        return f"Gateway {self.namespace}/{self.name}" if self.namespace else f"Gateway {self.name}"

    def in_namespace(self, namespace: str | None) -> GatewayRef:
        """This ref with its namespace defaulted to ``namespace``."""
        return self if self.namespace else GatewayRef(self.name, namespace)


@dataclass(frozen=True, slots=True)
class AncestorStatus:
    """What the GKE controller reports for one expected ancestor.

    ``condition`` is the condition type that decided ``state`` (the watched condition, or
    ``Accepted``/``ResolvedRefs`` when one of those failed); ``status`` is ``"True"``,
    ``"False"``, ``"Unknown"`` or ``None`` when the condition (or the whole entry) is missing.
    """

    ancestor: GatewayRef
    state: AncestorState
    condition: str
    status: str | None = None
    reason: str | None = None
    message: str | None = None
    observed_generation: int | None = None
    freshness: Freshness | None = None
    reported: bool = True  # False: no entry of the GKE controller for this ancestor yet

    def summary(self) -> str:
        """One human line, e.g. ``Gateway default/gw: Pending (Programmed=True is stale: ...)``."""
        head = f"{self.ancestor}: {self.state.value}"
        if not self.reported:
            return f"{head} (not reported by the controller yet)"
        if self.status is None:
            return f"{head} ({self.condition} condition not reported yet)"
        detail = f"{self.condition}={self.status}"
        if self.reason:
            detail += f" reason={self.reason}"
        if self.freshness is Freshness.STALE:
            detail += f", stale: observedGeneration {self.observed_generation}"
        elif self.freshness is Freshness.UNVERIFIED:
            detail += ", freshness unverified: no observedGeneration"
        if self.message:
            detail += f": {self.message}"
        return f"{head} ({detail})"


@dataclass(frozen=True, slots=True)
class ProgrammingState:
    """The verdict of :func:`evaluate` with per-ancestor detail."""

    obj: ObjectRef
    outcome: Outcome
    ancestors: tuple[AncestorStatus, ...]
    generation: int | None
    condition: str = DEFAULT_CONDITION
    mode: WaitMode = WaitMode.ALL

    @property
    def done(self) -> bool:
        """True when waiting longer cannot change the verdict."""
        return self.outcome is not Outcome.PENDING

    @property
    def failure(self) -> AncestorStatus | None:
        """The first failed ancestor, if any."""
        return next((a for a in self.ancestors if a.state is AncestorState.FAILED), None)

    def summary_lines(self) -> list[str]:
        """One line per expected ancestor (or one line saying none is known yet)."""
        if self.outcome is Outcome.DELETED:
            return [f"{self.obj} is being deleted"]
        if not self.ancestors:
            return ["no ancestor Gateway reported by the GKE controller yet"]
        return [a.summary() for a in self.ancestors]

    def summary(self) -> str:
        """``<object>: <outcome>`` followed by one indented line per ancestor."""
        lines = "".join(f"\n  - {line}" for line in self.summary_lines())
        return f"{self.obj}: {self.outcome.value}{lines}"


def evaluate(
    obj: Mapping[str, Any],
    *,
    gateways: Sequence[GatewayRef] | None = None,
    condition: str = DEFAULT_CONDITION,
    controller_name: str = GKE_CONTROLLER_NAME,
    mode: WaitMode = WaitMode.ALL,
) -> ProgrammingState:
    """Decide whether ``obj`` (wire form) is programmed on its expected ancestor Gateways."""
    metadata = _mapping(obj.get("metadata"))
    namespace = _str(metadata.get("namespace"))
    ref = ObjectRef(_str(obj.get("kind")) or "object", _str(metadata.get("name")), namespace)
    generation = _int(metadata.get("generation"))
    if metadata.get("deletionTimestamp"):
        return ProgrammingState(ref, Outcome.DELETED, (), generation, condition, mode)

    status = _mapping(obj.get("status"))
    entries = [
        _mapping(e) for e in _list(status.get("ancestors"))
        if _mapping(e).get("controllerName") == controller_name
    ]
    status_generation = _int(status.get("observedGeneration"))

    expected = expected_ancestors(obj, gateways)
    if expected is None:  # no Gateway targets: every GKE ancestor present, at least one
        expected = _dedupe(_ancestor_of(e, namespace) for e in entries)

    ancestors = tuple(
        _evaluate_ancestor(g, _entry_for(g, entries, namespace), condition, generation,
                           status_generation)
        for g in expected
    )
    return ProgrammingState(ref, _outcome(ancestors, mode), ancestors, generation, condition, mode)


def expected_ancestors(
    obj: Mapping[str, Any], gateways: Sequence[GatewayRef] | None = None,
) -> list[GatewayRef] | None:
    """The Gateways ``obj`` must be programmed on, namespaces filled in.

    ``gateways`` wins when given; else the Gateway entries of ``spec.targetRefs``; ``None`` when
    there are none (the caller then takes the ancestors the controller reports).
    """
    namespace = _str(_mapping(obj.get("metadata")).get("namespace"))
    if gateways is not None:
        return _dedupe(g.in_namespace(namespace) for g in gateways)
    refs = []
    for target in _list(_mapping(obj.get("spec")).get("targetRefs")):
        t = _mapping(target)
        name = _str(t.get("name"))
        if name and t.get("kind", "Gateway") == "Gateway" and \
                t.get("group", _GATEWAY_GROUP) == _GATEWAY_GROUP:
            refs.append(GatewayRef(name, _str(t.get("namespace")) or namespace))
    return _dedupe(refs) or None


# --------------------------------------------------------------------------- helpers


def _evaluate_ancestor(
    gateway: GatewayRef,
    entry: Mapping[str, Any] | None,
    condition: str,
    generation: int | None,
    status_generation: int | None,
) -> AncestorStatus:
    if entry is None:
        return AncestorStatus(gateway, AncestorState.PENDING, condition, reported=False)
    conditions = {
        _str(c.get("type")): c for c in (_mapping(x) for x in _list(entry.get("conditions")))
    }

    def detail(ctype: str, c: Mapping[str, Any], state: AncestorState) -> AncestorStatus:
        observed = _int(c.get("observedGeneration"))
        if observed is None:
            observed = status_generation
        return AncestorStatus(
            gateway, state, ctype, _str(c.get("status")), _str(c.get("reason")),
            _str(c.get("message")), observed, _freshness(observed, generation),
        )

    # Fail fast on a fresh Accepted/ResolvedRefs False.
    for ctype in _FAIL_FAST_CONDITIONS:
        c = conditions.get(ctype)
        if c is not None and c.get("status") == "False" and \
                c.get("reason") not in NON_TERMINAL_REASONS:
            d = detail(ctype, c, AncestorState.FAILED)
            if d.freshness is not Freshness.STALE:
                return d

    c = conditions.get(condition)
    if c is None:
        return AncestorStatus(gateway, AncestorState.PENDING, condition)
    d = detail(condition, c, AncestorState.PENDING)
    if d.freshness is Freshness.STALE:
        return d
    if d.status == "True":
        return _replace_state(d, AncestorState.PROGRAMMED)
    if d.status == "False" and d.reason in TERMINAL_REASONS:
        return _replace_state(d, AncestorState.FAILED)
    return d


def _replace_state(d: AncestorStatus, state: AncestorState) -> AncestorStatus:
    return AncestorStatus(d.ancestor, state, d.condition, d.status, d.reason, d.message,
                          d.observed_generation, d.freshness, d.reported)


def _freshness(observed: int | None, generation: int | None) -> Freshness:
    if observed is None or generation is None:
        return Freshness.UNVERIFIED
    return Freshness.FRESH if observed >= generation else Freshness.STALE


def _outcome(ancestors: Sequence[AncestorStatus], mode: WaitMode) -> Outcome:
    states = [a.state for a in ancestors]
    if not states:
        return Outcome.PENDING
    if mode is WaitMode.ALL:
        if AncestorState.FAILED in states:
            return Outcome.FAILED
        if all(s is AncestorState.PROGRAMMED for s in states):
            return Outcome.PROGRAMMED
        return Outcome.PENDING
    if AncestorState.PROGRAMMED in states:
        return Outcome.PROGRAMMED
    if all(s is AncestorState.FAILED for s in states):
        return Outcome.FAILED
    return Outcome.PENDING


def _entry_for(
    gateway: GatewayRef, entries: Sequence[Mapping[str, Any]], namespace: str | None,
) -> Mapping[str, Any] | None:
    return next((e for e in entries if _ancestor_of(e, namespace) == gateway), None)


def _ancestor_of(entry: Mapping[str, Any], namespace: str | None) -> GatewayRef | None:
    ref = _mapping(entry.get("ancestorRef"))
    name = _str(ref.get("name"))
    if not name or ref.get("kind", "Gateway") != "Gateway" or \
            ref.get("group", _GATEWAY_GROUP) != _GATEWAY_GROUP:
        return None
    return GatewayRef(name, _str(ref.get("namespace")) or namespace)


def _dedupe(refs: Iterable[GatewayRef | None]) -> list[GatewayRef]:
    out: list[GatewayRef] = []
    for r in refs:
        if r is not None and r not in out:
            out.append(r)
    return out


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
