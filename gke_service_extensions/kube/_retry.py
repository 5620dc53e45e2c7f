"""Retry of transient failures of single API calls (not polling: see ``_wait``).

A :class:`RetryPolicy` is a small value object made of tenacity parts that compose with
``|`` and ``+``: a *stop* (default: 6 attempts or a 30 s deadline, whichever first), a *wait*
(default: the server's ``Retry-After`` if it sent one, else exponential backoff with jitter)
and a *sleep* function (inject a fake one in tests: retries then take no wall time).

What is retried depends on the call (the client says whether it is idempotent):

* 429 (the server did not process the request) and connect-phase failures (the request never
  left) are retried for every call;
* 500/502/503/504, read timeouts and dropped connections are retried only for reads and
  idempotent writes (get, list, replace with a resourceVersion, merge patch, apply, delete)
  and for create, whose client resolves a retry-then-AlreadyExists by reading back.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import tenacity
from tenacity.stop import stop_after_attempt, stop_base
from tenacity.wait import wait_base, wait_exponential_jitter

from ._errors_map import is_connect_phase_error, parse_status

__all__ = [
    "DEFAULT_RETRY",
    "NO_RETRY",
    "RETRYABLE_STATUSES",
    "RawResponse",
    "RetryPolicy",
    "RunResult",
    "stop_before_deadline",
    "wait_retry_after",
]

_log = logging.getLogger("gke_service_extensions.kube")

#: HTTP statuses worth another try.
RETRYABLE_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RawResponse:
    """One HTTP response as read from the wire (the client maps non-2xx to errors later)."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked us to wait (``Retry-After`` or ``retryAfterSeconds``)."""
        value = self.headers.get("retry-after")
        if value:
            value = value.strip()
            try:
                return max(0.0, float(value))
            except ValueError:
                pass
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                return max(0.0, (when - datetime.now(UTC)).total_seconds())
        details = parse_status(self.body).get("details")
        if isinstance(details, Mapping):
            seconds = details.get("retryAfterSeconds")
            if isinstance(seconds, int | float) and not isinstance(seconds, bool):
                return max(0.0, float(seconds))
        return None


class stop_before_deadline(stop_base):  # tenacity naming
    """Stop when the next sleep would end past ``seconds`` since the first attempt.

    Elapsed time is the larger of wall time and the total of the sleeps so far, so a policy
    with a fake sleep reaches its deadline as if the sleeps had happened.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        elapsed = max(retry_state.seconds_since_start or 0.0, retry_state.idle_for)
        return elapsed + retry_state.upcoming_sleep > self.seconds

    def __repr__(self) -> str:
        return f"stop_before_deadline({self.seconds})"


class wait_retry_after(wait_base):  # tenacity naming
    """Wait what the server asked for in ``Retry-After`` (at most ``cap``), else ``fallback``."""

    def __init__(self, fallback: wait_base, *, cap: float = 60.0) -> None:
        self.fallback = fallback
        self.cap = cap

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        if outcome is not None and not outcome.failed:
            result = outcome.result()
            if isinstance(result, RawResponse):
                after = result.retry_after
                if after is not None:
                    return min(after, self.cap)
        return self.fallback(retry_state)

    def __repr__(self) -> str:
        return f"wait_retry_after({self.fallback!r}, cap={self.cap})"


@dataclass(frozen=True, slots=True)
class RunResult:
    """What :meth:`RetryPolicy.run` ended with: the response and how many attempts it took."""

    response: RawResponse
    attempts: int

    @property
    def retried(self) -> bool:
        return self.attempts > 1


def _default_wait() -> wait_base:
    return wait_retry_after(wait_exponential_jitter(multiplier=0.2, max=5.0, jitter=0.2))


@dataclass(frozen=True)
class RetryPolicy:
    """How one API call is retried. Compose tenacity parts; swap ``sleep`` in tests.

    >>> RetryPolicy(stop=stop_after_attempt(3) | stop_before_deadline(10.0))
    """

    stop: stop_base = field(
        default_factory=lambda: stop_after_attempt(6) | stop_before_deadline(30.0)
    )
    wait: wait_base = field(default_factory=_default_wait)
    statuses: frozenset[int] = RETRYABLE_STATUSES
    sleep: Callable[[float], None] = time.sleep

    def should_retry(self, outcome: RawResponse | BaseException, *, idempotent: bool) -> bool:
        """Whether one failed attempt is worth another (given the call's idempotency)."""
        if isinstance(outcome, RawResponse):
            if outcome.status not in self.statuses:
                return False
            return idempotent or outcome.status == 429
        if is_connect_phase_error(outcome):
            return True
        return idempotent and _is_transient_exception(outcome)

    def run(
        self,
        attempt: Callable[[], RawResponse],
        *,
        idempotent: bool,
        describe: str = "request",
    ) -> RunResult:
        """Call ``attempt`` until it gives a final response; re-raise the last exception."""
        attempts = 0

        def counted() -> RawResponse:
            nonlocal attempts
            attempts += 1
            return attempt()

        def retry_if(state: tenacity.RetryCallState) -> bool:
            outcome = state.outcome
            if outcome is None:
                return False
            value: RawResponse | BaseException | None = (
                outcome.exception() if outcome.failed else outcome.result()
            )
            return value is not None and self.should_retry(value, idempotent=idempotent)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            outcome = state.outcome
            what: str
            if outcome is None:
                what = "?"
            elif outcome.failed:
                what = type(outcome.exception()).__name__
            else:
                what = f"HTTP {outcome.result().status}"
            _log.debug(
                "%s: attempt %d failed (%s); retrying in %.2fs",
                describe, state.attempt_number, what, state.upcoming_sleep,
            )

        retrying = tenacity.Retrying(
            stop=self.stop,
            wait=self.wait,
            retry=retry_if,
            sleep=self.sleep,
            before_sleep=before_sleep,
            retry_error_callback=_last_outcome,
        )
        response = retrying(counted)
        return RunResult(response, attempts)


def _last_outcome(state: tenacity.RetryCallState) -> Any:
    # When attempts run out, hand back the last response (or re-raise the last exception).
    assert state.outcome is not None
    return state.outcome.result()


def _is_transient_exception(exc: BaseException) -> bool:
    import urllib3.exceptions as u3

    from ._errors_map import kubernetes_exception_types, unwrap_transport_error

    inner = unwrap_transport_error(exc)
    kube = kubernetes_exception_types()
    if isinstance(inner, u3.SSLError) or (kube is not None and isinstance(inner, kube[0])):
        return False  # TLS failures (status 0) will not fix themselves
    return isinstance(
        inner, u3.TimeoutError | u3.ProtocolError | ConnectionError | TimeoutError
    ) or (isinstance(inner, u3.HTTPError) and not isinstance(inner, u3.LocationValueError))


#: The client's default policy.
DEFAULT_RETRY = RetryPolicy()
#: One attempt, never retried.
NO_RETRY = RetryPolicy(stop=stop_after_attempt(1))
