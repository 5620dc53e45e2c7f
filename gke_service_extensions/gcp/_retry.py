"""Time bounds and retry of single Google Cloud calls (tenacity; not polling).

The ``google-cloud-*`` clients set no timeout and no retry over REST. Every call made by
:class:`~gke_service_extensions.gcp.GCPClient` goes through :meth:`GCPRetry.run`: each
attempt gets an HTTP timeout (never past the deadline), and attempts that failed with
UNAVAILABLE (503, or the API unreachable), DEADLINE_EXCEEDED (504, or no answer in time) or
RESOURCE_EXHAUSTED (429) are tried again after an exponential backoff with jitter, until
``attempts`` tries or ``deadline`` seconds, whichever comes first. Other errors are final at
once. ``sleep`` is injectable: tests retry without waiting.

The Kubernetes layer's :class:`~gke_service_extensions.kube.RetryPolicy` works on raw HTTP
responses and loads the kubernetes client; this one works on the Google libraries'
exceptions, in the same spirit and with the same tenacity parts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from ._errors_map import is_retryable, to_gcp_error

if TYPE_CHECKING:
    import tenacity

__all__ = ["DEFAULT_GCP_RETRY", "NO_GCP_RETRY", "GCPRetry"]

_log = logging.getLogger("gke_service_extensions.gcp")

T = TypeVar("T")

#: An attempt is never given less than this (seconds), even close to the deadline.
_MIN_ATTEMPT_TIMEOUT = 0.5


@dataclass(frozen=True, slots=True)
class GCPRetry:
    """How long one Google Cloud call may take and how it is retried.

    ``timeout``: seconds one attempt may take (the HTTP timeout). ``deadline``: seconds all
    attempts together may take; no attempt starts, and no backoff sleeps, past it.
    ``attempts``: the most tries (1: never retried). ``initial`` / ``maximum``: the first
    and the largest backoff sleep (exponential, doubled each time, with up to ``initial``
    of jitter). ``sleep``: how backoff waits (swap in tests).

    >>> GCPRetry(timeout=5.0, deadline=20.0, attempts=3)
    """

    timeout: float = 30.0
    deadline: float = 60.0
    attempts: int = 5
    initial: float = 0.25
    maximum: float = 8.0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be >= 1, got {self.attempts}")
        if self.timeout <= 0 or self.deadline <= 0:
            raise ValueError("timeout and deadline must be positive")

    def run(self, attempt: Callable[[float], T], *, resource: str, action: str) -> T:
        """Call ``attempt(timeout)`` until it succeeds, fails for good, or time runs out.

        ``resource`` / ``action`` name the call in errors and logs. Google library errors
        are raised as this package's :class:`~gke_service_extensions.GCPError` subclasses,
        with the original as ``__cause__``.
        """
        import tenacity
        from tenacity.stop import stop_after_attempt
        from tenacity.wait import wait_exponential_jitter

        started = time.monotonic()
        tries = 0

        def one() -> T:
            nonlocal tries
            tries += 1
            left = self.deadline - (time.monotonic() - started)
            return attempt(max(_MIN_ATTEMPT_TIMEOUT, min(self.timeout, left)))

        by_count = stop_after_attempt(self.attempts)
        by_time = _StopBeforeDeadline(self.deadline)

        def stop(state: tenacity.RetryCallState) -> bool:
            return by_count(state) or by_time(state)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            _log.debug("%s %s: attempt %d failed (%s); retrying in %.2fs", action, resource,
                       state.attempt_number, type(exc).__name__, state.upcoming_sleep)

        retrying = tenacity.Retrying(
            stop=stop,
            wait=wait_exponential_jitter(multiplier=self.initial, max=self.maximum,
                                         jitter=self.initial),
            retry=tenacity.retry_if_exception(is_retryable),
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(one)
        except Exception as exc:
            mapped = to_gcp_error(exc, resource=resource, action=action, attempts=tries)
            if mapped is None:
                raise
            raise mapped from exc


class _StopBeforeDeadline:
    """Stop when the next sleep would end past ``seconds`` since the first attempt.

    Elapsed time is the larger of wall time and the sleeps so far, so a fake ``sleep``
    reaches the deadline as if it had slept.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, state: tenacity.RetryCallState) -> bool:
        elapsed = max(state.seconds_since_start or 0.0, state.idle_for)
        return elapsed + (state.upcoming_sleep or 0.0) > self.seconds


#: What :class:`~gke_service_extensions.gcp.GCPClient` uses unless told otherwise.
DEFAULT_GCP_RETRY = GCPRetry()
#: One attempt, never retried (the timeout still applies).
NO_GCP_RETRY = GCPRetry(attempts=1)
