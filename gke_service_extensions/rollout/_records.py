"""What rollouts record on the GCPWasmPlugin: annotation keys, their JSON, their parsers.

Every key is under the domain :data:`ROLLOUT_DOMAIN`:

``rollouts.gke-service-extensions.io/rollout``
    The rollout in progress, present only while one runs: it is the lease (a second
    process that sees it refuses to start) and the progress (the plan, the last step that
    wrote, who holds it)::

        {"id": "...", "holder": "host:pid", "startedAt": "...", "updatedAt": "...",
         "step": "switch", "plan": {...RolloutPlan.to_dict()...}}

``rollouts.gke-service-extensions.io/history``
    When each version served, oldest first (at most :data:`HISTORY_LIMIT` entries)::

        [{"version": "v1", "image": "...", "since": "2026-...Z"},
         {"version": "v2", "image": "...", "digest": "sha256:...", "since": "...",
          "rollout": "..."}]

``rollouts.gke-service-extensions.io/last-rollout``
    How the last rollout ended: ``{"id", "version", "outcome", "reason", "finishedAt"}``.

All three are written with the resourceVersion guard of the write that carries them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "HISTORY_KEY",
    "HISTORY_LIMIT",
    "LAST_ROLLOUT_KEY",
    "ROLLOUT_DOMAIN",
    "ROLLOUT_KEY",
    "ServingPeriod",
    "format_time",
    "parse_time",
    "read_history",
    "read_json",
    "write_history",
]

ROLLOUT_DOMAIN = "rollouts.gke-service-extensions.io"
ROLLOUT_KEY = f"{ROLLOUT_DOMAIN}/rollout"
HISTORY_KEY = f"{ROLLOUT_DOMAIN}/history"
LAST_ROLLOUT_KEY = f"{ROLLOUT_DOMAIN}/last-rollout"
HISTORY_LIMIT = 20


def format_time(when: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, to the second."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: Any) -> datetime | None:
    """The datetime of an RFC 3339 string, None if it is not one."""
    if not isinstance(text, str):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def read_json(annotations: Mapping[str, str] | None, key: str) -> Any:
    """The JSON value of annotation ``key`` (None when absent or not JSON)."""
    raw = (annotations or {}).get(key)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ServingPeriod:
    """One period during which a version served: from ``since`` until ``until`` (None:
    serving still). ``digest`` is the image digest the rollout verified, when known;
    ``rollout`` the id of the rollout that switched to it."""

    version: str
    image: str
    since: datetime | None
    until: datetime | None = None
    digest: str | None = None
    rollout: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": self.version, "image": self.image}
        if self.digest:
            out["digest"] = self.digest
        if self.since is not None:
            out["since"] = format_time(self.since)
        if self.rollout:
            out["rollout"] = self.rollout
        return out


def read_history(annotations: Mapping[str, str] | None) -> list[ServingPeriod]:
    """The serving periods recorded in the history annotation, oldest first; each one's
    ``until`` is the next one's ``since``. Entries that do not parse are skipped."""
    raw = read_json(annotations, HISTORY_KEY)
    entries = [e for e in raw if isinstance(e, dict) and isinstance(e.get("version"), str)
               ] if isinstance(raw, list) else []
    out: list[ServingPeriod] = []
    for i, entry in enumerate(entries):
        until = parse_time(entries[i + 1].get("since")) if i + 1 < len(entries) else None
        out.append(ServingPeriod(
            version=entry["version"], image=str(entry.get("image", "")),
            since=parse_time(entry.get("since")), until=until,
            digest=entry.get("digest") if isinstance(entry.get("digest"), str) else None,
            rollout=entry.get("rollout") if isinstance(entry.get("rollout"), str) else None))
    return out


def write_history(periods: list[ServingPeriod]) -> str:
    """The history annotation's value for ``periods`` (the newest :data:`HISTORY_LIMIT`)."""
    return json.dumps([p.to_json() for p in periods[-HISTORY_LIMIT:]],
                      separators=(",", ":"))
