"""Fault injection and request accounting for the simulated Google Cloud APIs.

Rules are small objects matched against each request (HTTP method and a glob over the URL
path, e.g. ``"*/wasmPlugins/*"``); they compose by simply adding several::

    server.faults.fail_next(2, code=503)                        # next 2 requests: UNAVAILABLE
    server.faults.fail_next(1, code=429, path="*/lbTrafficExtensions*")
    server.faults.add_latency(0.05, method="GET")               # every GET is 50 ms slower
    server.faults.count("GET", "*/wasmPlugins/*")               # how many requests matched

Every request is counted, faulted or not. ``clear()`` removes the rules; ``reset_counts()``
forgets the requests seen.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["FaultRule", "Faults", "GoogleError", "RecordedRequest", "status_for_code"]

_STATUS_BY_CODE = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def status_for_code(code: int) -> str:
    """The google.rpc status name Google pairs with HTTP ``code``."""
    return _STATUS_BY_CODE.get(code, "UNKNOWN")


@dataclass(frozen=True, slots=True)
class GoogleError:
    """An error answer in Google's JSON shape: ``{"error": {code, message, status}}``."""

    code: int
    message: str
    status: str = ""

    def body(self) -> dict[str, object]:
        """The JSON body Google sends."""
        return {"error": {"code": self.code, "message": self.message,
                          "status": self.status or status_for_code(self.code)}}


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the server received: method, path (without query), raw query string."""

    method: str
    path: str
    query: str


@dataclass(slots=True)
class FaultRule:
    """One injected behaviour for matching requests.

    ``remaining`` is how many more requests it applies to (None: all). ``error`` is answered
    instead of the real response; ``latency`` seconds are added before answering.
    """

    method: str | None = None
    path: str | None = None
    remaining: int | None = None
    error: GoogleError | None = None
    latency: float = 0.0
    _faults: Faults | None = field(default=None, repr=False)

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to ``method`` ``path``."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or fnmatch.fnmatchcase(path, self.path)

    def remove(self) -> None:
        """Stop applying this rule."""
        if self._faults is not None:
            self._faults.remove(self)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the server must do to one request: wait ``latency`` s, then maybe fail."""

    latency: float = 0.0
    error: GoogleError | None = None


class Faults:
    """The fault rules and request counters of one server (thread-safe)."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        #: How latency is waited; tests may swap it for a recorder.
        self.sleep = sleep
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._counts: Counter[tuple[str, str]] = Counter()
        self._log: list[RecordedRequest] = []

    # ------------------------------------------------------------------ rules

    def fail_next(
        self,
        count: int = 1,
        *,
        code: int = 503,
        message: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> FaultRule:
        """Answer the next ``count`` matching requests with HTTP ``code`` (Google error JSON)."""
        if count < 1:
            raise ValueError(f"count must be >= 1, got {count}")
        if not 400 <= code <= 599:
            raise ValueError(f"code must be an HTTP error status (4xx/5xx), got {code}")
        error = GoogleError(code, message or f"injected fault: {status_for_code(code)}")
        return self._add(FaultRule(method=method, path=path, remaining=count, error=error))

    def add_latency(
        self,
        seconds: float,
        *,
        count: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> FaultRule:
        """Delay matching requests by ``seconds`` (the next ``count`` ones, or all)."""
        if seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        return self._add(FaultRule(method=method, path=path, remaining=count, latency=seconds))

    def remove(self, rule: FaultRule) -> None:
        """Stop applying ``rule`` (no error if it is already gone)."""
        with self._lock:
            self._rules = [r for r in self._rules if r is not rule]

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        """The rules still active, in the order they were added."""
        with self._lock:
            return list(self._rules)

    def _add(self, rule: FaultRule) -> FaultRule:
        rule._faults = self
        with self._lock:
            self._rules.append(rule)
        return rule

    # ------------------------------------------------------------------ counting

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests matched ``method`` and the ``path`` glob (None: any)."""
        probe = FaultRule(method=method, path=path)
        with self._lock:
            return sum(n for (m, p), n in self._counts.items() if probe.matches(m, p))

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since the last ``reset_counts()``, in order."""
        with self._lock:
            return list(self._log)

    def reset_counts(self) -> None:
        """Forget the requests seen so far."""
        with self._lock:
            self._counts.clear()
            self._log.clear()

    # ------------------------------------------------------------------ used by the server

    def on_request(self, method: str, path: str, query: str) -> Decision:
        """Record one request and decide its faults; consumes counted rules."""
        latency = 0.0
        error: GoogleError | None = None
        with self._lock:
            self._counts[(method, path)] += 1
            self._log.append(RecordedRequest(method, path, query))
            for rule in list(self._rules):
                if not rule.matches(method, path):
                    continue
                if rule.error is not None and error is not None:
                    continue  # one error per request; later error rules wait their turn
                latency += rule.latency
                if rule.error is not None:
                    error = rule.error
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
        return Decision(latency=latency, error=error)
