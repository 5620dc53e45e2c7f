"""Fault injection and request counting for the simulator's Kubernetes API server.

``sim.faults`` is a :class:`Faults`. Each call adds one rule; rules match requests by verb
(``get list watch create update patch delete deletecollection``), resource (``plural`` or
``plural/status``) and a path substring, and apply to the next ``times`` matching requests
(``None``: until :meth:`Faults.clear`)::

    sim.faults.fail(status=503, times=2, verb="get")          # next 2 GETs of one object
    sim.faults.throttle(times=1, retry_after=1)                # 429 + Retry-After
    sim.faults.latency(0.05, resource="gcptrafficextensions")  # every request +50 ms
    sim.faults.stall(2.0, verb="list")                         # hold the next list 2 s
    sim.faults.close_watches_after(0.2)                        # end watch streams early
    sim.faults.expire_next_watch()                             # 410 ERROR on next watch
    sim.faults.silence_next_watch()                            # headers, then nothing
    sim.faults.count(verb="watch", resource="gcptrafficextensions")

Requests are counted whether or not a fault hits them.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["Fault", "Faults", "RequestInfo"]


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What a fault rule is matched against."""

    verb: str
    resource: str
    path: str


@dataclass(frozen=True, slots=True)
class Fault:
    """What to do to one request: wait ``delay`` seconds, then answer ``status`` (if any)."""

    delay: float = 0.0
    status: int | None = None
    retry_after: float | None = None
    message: str = ""


@dataclass(slots=True)
class _Rule:
    fault: Fault
    verb: str | None
    resource: str | None
    path_contains: str | None
    remaining: int | None
    kind: str = "request"
    extra: dict[str, float] = field(default_factory=dict)

    def matches(self, req: RequestInfo) -> bool:
        return ((self.verb is None or self.verb == req.verb)
                and (self.resource is None or self.resource == req.resource
                     or req.resource.startswith(self.resource + "/"))
                and (self.path_contains is None or self.path_contains in req.path))


class Faults:
    """Composable, thread-safe fault rules plus per-verb/resource request counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._counts: Counter[tuple[str, str]] = Counter()

    # ------------------------------------------------------------------ rules

    def fail(self, status: int = 500, *, times: int | None = 1, verb: str | None = None,
             resource: str | None = None, path_contains: str | None = None,
             retry_after: float | None = None, message: str = "") -> None:
        """Answer the next ``times`` matching requests with an error ``status``."""
        self._add(_Rule(Fault(status=status, retry_after=retry_after, message=message),
                        verb, resource, path_contains, times))

    def throttle(self, *, times: int | None = 1, retry_after: float = 1.0,
                 verb: str | None = None, resource: str | None = None,
                 path_contains: str | None = None) -> None:
        """Answer the next ``times`` matching requests with 429 and ``Retry-After``."""
        self.fail(429, times=times, verb=verb, resource=resource, path_contains=path_contains,
                  retry_after=retry_after)

    def latency(self, seconds: float, *, times: int | None = None, verb: str | None = None,
                resource: str | None = None, path_contains: str | None = None) -> None:
        """Delay matching requests by ``seconds`` before answering them normally."""
        self._add(_Rule(Fault(delay=seconds), verb, resource, path_contains, times))

    def stall(self, seconds: float, *, times: int | None = 1, verb: str | None = None,
              resource: str | None = None, path_contains: str | None = None) -> None:
        """Hold matching requests open for ``seconds`` without answering, then drop them."""
        self._add(_Rule(Fault(delay=seconds, status=0), verb, resource, path_contains, times))

    def close_watches_after(self, seconds: float | None, *,
                            resource: str | None = None) -> None:
        """End every matching watch stream ``seconds`` after it starts (None: stop doing so)."""
        with self._lock:
            self._rules = [r for r in self._rules if r.kind != "close-watch"]
        if seconds is not None:
            self._add(_Rule(Fault(), "watch", resource, None, None, kind="close-watch",
                            extra={"seconds": seconds}))

    def silence_next_watch(self, times: int = 1, *, resource: str | None = None) -> None:
        """The next ``times`` matching watches send their headers, then nothing at all (no
        event, no bookmark) until they end: a connection that went quiet in a proxy."""
        self._add(_Rule(Fault(), "watch", resource, None, times, kind="silence-watch"))

    def expire_next_watch(self, times: int = 1, *, resource: str | None = None) -> None:
        """Answer the next ``times`` watches with an ERROR event: 410 Expired."""
        self._add(_Rule(Fault(), "watch", resource, None, times, kind="expire-watch"))

    def clear(self) -> None:
        """Remove every rule (counters are kept)."""
        with self._lock:
            self._rules.clear()

    # ------------------------------------------------------------------ counters

    def count(self, verb: str | None = None, resource: str | None = None) -> int:
        """How many requests were served, optionally only of a verb and/or resource."""
        with self._lock:
            return sum(n for (v, r), n in self._counts.items()
                       if (verb is None or v == verb) and (resource is None or r == resource))

    def counts(self) -> dict[tuple[str, str], int]:
        """Every counter: ``{(verb, resource): requests}``."""
        with self._lock:
            return dict(self._counts)

    def reset_counts(self) -> None:
        """Set every counter back to zero."""
        with self._lock:
            self._counts.clear()

    # ------------------------------------------------------------------ server side

    def on_request(self, req: RequestInfo) -> Fault | None:
        """Count a request and return the fault to apply to it, if any (server use)."""
        with self._lock:
            self._counts[(req.verb, req.resource)] += 1
            delay, outcome = 0.0, None
            for rule in list(self._rules):
                if rule.kind != "request" or not rule.matches(req):
                    continue
                self._consume(rule)
                if rule.fault.status is None:
                    delay += rule.fault.delay
                elif outcome is None:
                    outcome = rule.fault
            if outcome is None:
                return Fault(delay=delay) if delay else None
            return Fault(delay=delay + outcome.delay, status=outcome.status,
                         retry_after=outcome.retry_after, message=outcome.message)

    def watch_faults(self, req: RequestInfo) -> tuple[bool, float | None, bool]:
        """For a starting watch: (answer 410 now?, close the stream after N seconds?,
        send nothing after the headers?)."""
        with self._lock:
            expire, close_after, silent = False, None, False
            for rule in list(self._rules):
                if not rule.matches(req):
                    continue
                if rule.kind == "expire-watch" and not expire:
                    expire = True
                    self._consume(rule)
                elif rule.kind == "silence-watch" and not silent:
                    silent = True
                    self._consume(rule)
                elif rule.kind == "close-watch":
                    close_after = rule.extra["seconds"]
            return expire, close_after, silent

    def _add(self, rule: _Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    def _consume(self, rule: _Rule) -> None:
        if rule.remaining is not None:
            rule.remaining -= 1
            if rule.remaining <= 0:
                self._rules.remove(rule)
