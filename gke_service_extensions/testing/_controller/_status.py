"""Pure rendering of ``status.ancestors`` entries (Gateway-API policy status)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from ._reconcile import ACCEPTED, PROGRAMMED, RESOLVED_REFS, Failure
from ._world import NsName

__all__ = [
    "GATEWAY_GROUP",
    "MAX_ANCESTORS",
    "ancestor_ref",
    "desired_conditions",
    "merge_ancestors",
    "merge_conditions",
    "same_ref",
]

GATEWAY_GROUP = "gateway.networking.k8s.io"
MAX_ANCESTORS = 16


def ancestor_ref(gateway: NsName) -> dict[str, str]:
    """The ``ancestorRef`` of a Gateway, all four fields set."""
    return {"group": GATEWAY_GROUP, "kind": "Gateway", "name": gateway[1],
            "namespace": gateway[0]}


def same_ref(ref: Mapping[str, Any] | None, gateway: NsName, default_namespace: str) -> bool:
    """Whether an ``ancestorRef`` names ``gateway`` (defaults as the CRD applies them)."""
    if not isinstance(ref, Mapping):
        return False
    return (ref.get("group", GATEWAY_GROUP) == GATEWAY_GROUP
            and ref.get("kind", "Gateway") == "Gateway"
            and ref.get("name") == gateway[1]
            and (ref.get("namespace") or default_namespace) == gateway[0])


def _cond(type_: str, status: str, reason: str, message: str,
          generation: int) -> dict[str, Any]:
    return {"type": type_, "status": status, "reason": reason, "message": message,
            "observedGeneration": generation}


def desired_conditions(failure: Failure | None, *, programmed: bool,
                       pending_reason: str, generation: int,
                       gateway: NsName) -> list[dict[str, Any]]:
    """The conditions of one ancestor entry, without ``lastTransitionTime``.

    A failure sets its own condition False and ``Programmed`` False with the same reason
    and message; a condition that was not evaluated because an earlier check failed
    (``ResolvedRefs`` after an ``Accepted`` failure) is left out.
    """
    if failure is None:
        accepted = _cond(ACCEPTED, "True", "Accepted", "", generation)
        resolved = _cond(RESOLVED_REFS, "True", "ResolvedRefs", "", generation)
        if programmed:
            done = _cond(PROGRAMMED, "True", "ProgrammingSucceeded", "", generation)
        else:
            done = _cond(PROGRAMMED, "Unknown", pending_reason,
                         f"Programming Google Cloud resources for Gateway "
                         f"{gateway[0]}/{gateway[1]}", generation)
        return [accepted, resolved, done]
    not_programmed = _cond(PROGRAMMED, "False", failure.reason, failure.message, generation)
    if failure.condition == ACCEPTED:
        return [_cond(ACCEPTED, "False", failure.reason, failure.message, generation),
                not_programmed]
    if failure.condition == RESOLVED_REFS:
        return [_cond(ACCEPTED, "True", "Accepted", "", generation),
                _cond(RESOLVED_REFS, "False", failure.reason, failure.message, generation),
                not_programmed]
    conditions = [_cond(ACCEPTED, "True", "Accepted", "", generation),
                  _cond(RESOLVED_REFS, "True", "ResolvedRefs", "", generation)]
    if failure.condition == PROGRAMMED:
        return [*conditions, not_programmed]
    return [*conditions, _cond(failure.condition, "False", failure.reason, failure.message,
                               generation), not_programmed]


def merge_conditions(previous: Sequence[Mapping[str, Any]] | None,
                     desired: Sequence[Mapping[str, Any]], now: str) -> list[dict[str, Any]]:
    """``desired`` with ``lastTransitionTime`` kept where the status did not change."""
    before = {str(c.get("type")): c for c in previous or [] if isinstance(c, Mapping)}
    out = []
    for cond in desired:
        new = dict(cond)
        old = before.get(str(cond["type"]))
        if old is not None and old.get("status") == cond["status"] and old.get(
                "lastTransitionTime"):
            new["lastTransitionTime"] = old["lastTransitionTime"]
        else:
            new["lastTransitionTime"] = now
        out.append(new)
    return out


def merge_ancestors(status: Mapping[str, Any] | None, ours: Mapping[NsName, Sequence[
        Mapping[str, Any]] | None], *, controller_name: str, namespace: str,
        now: str) -> dict[str, Any]:
    """A new ``status`` whose entries of ``controller_name`` are exactly ``ours``.

    ``ours`` maps each ancestor Gateway to its desired conditions (without timestamps), or to
    None to keep that ancestor's current entry as it is. Entries of other controllers are
    kept untouched and in place; our entries are updated in place, stale ones dropped, new
    ones appended, within the CRD's limit of 16 entries.
    """
    new_status = copy.deepcopy(dict(status or {}))
    old_entries = [e for e in new_status.get("ancestors") or [] if isinstance(e, Mapping)]
    result: list[dict[str, Any]] = []
    placed: set[NsName] = set()
    for entry in old_entries:
        if entry.get("controllerName") != controller_name:
            result.append(dict(entry))
            continue
        gw = next((g for g in ours if g not in placed
                   and same_ref(entry.get("ancestorRef"), g, namespace)), None)
        if gw is None:
            continue
        placed.add(gw)
        desired = ours[gw]
        if desired is None:
            result.append(dict(entry))
        else:
            result.append(_entry(gw, controller_name,
                                 merge_conditions(entry.get("conditions"), desired, now)))
    for gw, desired in ours.items():
        if gw in placed or desired is None or len(result) >= MAX_ANCESTORS:
            continue
        result.append(_entry(gw, controller_name, merge_conditions(None, desired, now)))
    if result or "ancestors" in new_status:
        new_status["ancestors"] = result
    return new_status


def _entry(gw: NsName, controller_name: str,
           conditions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"ancestorRef": ancestor_ref(gw), "controllerName": controller_name,
            "conditions": conditions}
