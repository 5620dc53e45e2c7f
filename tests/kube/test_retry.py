"""RetryPolicy on its own: scripted outcomes, a fake sleep, no network, no wall time."""

from __future__ import annotations

import email.utils
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import pytest
import urllib3.exceptions as u3
from tenacity.stop import stop_after_attempt
from tenacity.wait import wait_fixed

from gke_service_extensions.kube import RetryPolicy, stop_before_deadline, wait_retry_after
from gke_service_extensions.kube._retry import RawResponse

Outcome = RawResponse | BaseException


def response(status: int, headers: dict[str, str] | None = None, body: bytes = b"{}"
             ) -> RawResponse:
    return RawResponse(status, headers or {}, body)


def script(outcomes: Iterable[Outcome]) -> tuple[Callable[[], RawResponse], list[int]]:
    """An attempt function that plays ``outcomes`` in order, and the calls it saw."""
    items = list(outcomes)
    calls: list[int] = []

    def attempt() -> RawResponse:
        calls.append(len(calls) + 1)
        item = items[min(len(calls), len(items)) - 1]
        if isinstance(item, BaseException):
            raise item
        return item

    return attempt, calls


def policy(sleeps: list[float], **kw: object) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps.append, **kw)  # type: ignore[arg-type]


def refused() -> u3.NewConnectionError:
    return u3.NewConnectionError(None, "Failed to establish a new connection: refused")  # type: ignore[arg-type]


def lost() -> u3.ProtocolError:
    return u3.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))


def test_429_retry_after_seconds_is_honoured() -> None:
    sleeps: list[float] = []
    attempt, _calls = script([response(429, {"retry-after": "7"}), response(200)])
    result = policy(sleeps).run(attempt, idempotent=True)
    assert result.response.status == 200
    assert result.attempts == 2
    assert sleeps == [7.0]


def test_429_retry_after_http_date_is_honoured() -> None:
    sleeps: list[float] = []
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    attempt, _ = script([response(429, {"retry-after": when}), response(200)])
    policy(sleeps).run(attempt, idempotent=True)
    assert 25 <= sleeps[0] <= 30


def test_status_retry_after_seconds_in_the_body_is_honoured() -> None:
    sleeps: list[float] = []
    body = json.dumps({"kind": "Status", "code": 429,
                       "details": {"retryAfterSeconds": 3}}).encode()
    attempt, _ = script([response(429, body=body), response(200)])
    policy(sleeps).run(attempt, idempotent=True)
    assert sleeps == [3.0]


def test_retry_after_is_capped() -> None:
    sleeps: list[float] = []
    wait = wait_retry_after(wait_fixed(0), cap=10)
    attempt, _ = script([response(429, {"retry-after": "3600"}), response(200)])
    policy(sleeps, wait=wait).run(attempt, idempotent=True)
    assert sleeps == [10]


def test_503_burst_then_success_backs_off_exponentially() -> None:
    sleeps: list[float] = []
    attempt, calls = script([response(503)] * 3 + [response(200)])
    result = policy(sleeps).run(attempt, idempotent=True)
    assert result.response.status == 200
    assert len(calls) == 4
    assert len(sleeps) == 3
    # multiplier 0.2 doubling, jitter <= 0.2
    for n, slept in enumerate(sleeps):
        assert 0.2 * 2**n <= slept <= 0.2 * 2**n + 0.2


def test_non_idempotent_call_is_not_retried_on_503_or_lost_response() -> None:
    sleeps: list[float] = []
    attempt, calls = script([response(503), response(200)])
    assert policy(sleeps).run(attempt, idempotent=False).response.status == 503
    assert calls == [1]
    attempt, calls = script([lost(), response(200)])
    with pytest.raises(u3.ProtocolError):
        policy(sleeps).run(attempt, idempotent=False)
    assert calls == [1]


def test_non_idempotent_call_is_retried_when_the_server_never_processed_it() -> None:
    sleeps: list[float] = []
    attempt, calls = script([response(429, {"retry-after": "1"}), refused(), response(201)])
    result = policy(sleeps).run(attempt, idempotent=False)
    assert result.response.status == 201
    assert len(calls) == 3


def test_connection_errors_are_retried_for_idempotent_calls() -> None:
    sleeps: list[float] = []
    attempt, calls = script([lost(), u3.ReadTimeoutError(None, "/", "timed out"),  # type: ignore[arg-type]
                             response(200)])
    assert policy(sleeps).run(attempt, idempotent=True).response.status == 200
    assert len(calls) == 3


def test_errors_that_will_not_heal_are_not_retried() -> None:
    sleeps: list[float] = []
    for status in (400, 401, 403, 404, 409, 422):
        attempt, calls = script([response(status), response(200)])
        assert policy(sleeps).run(attempt, idempotent=True).response.status == status
        assert calls == [1]
    attempt, calls = script([u3.SSLError("certificate verify failed"), response(200)])
    with pytest.raises(u3.SSLError):
        policy(sleeps).run(attempt, idempotent=True)
    assert calls == [1]
    assert sleeps == []


def test_attempts_run_out_with_the_last_response_or_exception() -> None:
    sleeps: list[float] = []
    attempt, calls = script([response(502)])
    result = policy(sleeps, stop=stop_after_attempt(3)).run(attempt, idempotent=True)
    assert result.response.status == 502
    assert result.attempts == 3
    attempt, calls = script([refused()])
    with pytest.raises(u3.NewConnectionError):
        policy(sleeps, stop=stop_after_attempt(2)).run(attempt, idempotent=True)
    assert len(calls) == 2


def test_deadline_stops_before_a_sleep_would_pass_it() -> None:
    sleeps: list[float] = []
    attempt, calls = script([response(503)])
    p = policy(sleeps, stop=stop_before_deadline(10), wait=wait_fixed(4))
    assert p.run(attempt, idempotent=True).response.status == 503
    assert sleeps == [4, 4]  # a third sleep would end at 12 s > 10 s
    assert len(calls) == 3


def test_policies_compose() -> None:
    sleeps: list[float] = []
    attempt, calls = script([response(500)])
    p = policy(sleeps, stop=stop_after_attempt(2) | stop_before_deadline(100),
               wait=wait_fixed(1) + wait_fixed(2))
    p.run(attempt, idempotent=True)
    assert sleeps == [3]
    assert len(calls) == 2


def test_retry_statuses_are_configurable() -> None:
    sleeps: list[float] = []
    attempt, calls = script([response(500), response(200)])
    p = policy(sleeps, statuses=frozenset({429}))
    assert p.run(attempt, idempotent=True).response.status == 500
    assert calls == [1]
