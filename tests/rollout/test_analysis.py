"""Analysis checks as Argo Rollouts runs them: count/duration, failure limit, inconclusive
results, consecutive errors; the HTTP probe against a local server."""

from __future__ import annotations

import pytest
from http_target import http_target

from gke_service_extensions.rollout import (
    AnalysisCheck,
    AnalysisContext,
    AnalysisPhase,
    Measurement,
    http_probe,
    run_analysis,
)

CTX = AnalysisContext(plugin=None, extensions=(), client=None, version="v2")


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def scripted(*answers: object) -> AnalysisCheck:
    values = list(answers)

    def measure(ctx: AnalysisContext) -> Measurement | bool | None:
        value = values.pop(0) if values else True
        if isinstance(value, Exception):
            raise value
        return value  # type: ignore[return-value]

    return AnalysisCheck("scripted", measure, interval=10)


def run(*checks: AnalysisCheck, duration: float = 30):  # type: ignore[no-untyped-def]
    t = FakeTime()
    return run_analysis(checks, CTX, duration=duration, clock=t.clock, sleep=t.sleep), t


def test_measurements_run_every_interval_for_the_duration_without_wall_time() -> None:
    result, t = run(scripted(), duration=30)
    assert result.phase is AnalysisPhase.SUCCESSFUL
    assert [m.at for m in result.checks[0].measurements] == [0, 10, 20, 30]
    assert t.now == 30


def test_count_overrides_the_duration() -> None:
    check = AnalysisCheck("c", lambda ctx: True, interval=1, count=2)
    result, _ = run(check, duration=100)
    assert len(result.checks[0].measurements) == 2


def test_one_failure_fails_with_the_default_failure_limit_and_stops_at_once() -> None:
    result, t = run(scripted(True, False, True, True))
    assert result.phase is AnalysisPhase.FAILED
    assert len(result.checks[0].measurements) == 2
    assert t.now == 10
    assert "1 failed measurements (limit 0)" in result.message


def test_failures_within_the_failure_limit_pass() -> None:
    check = AnalysisCheck("c", scripted(False, True, False, True).measure, interval=10,
                          failure_limit=2)
    result, _ = run(check)
    assert result.phase is AnalysisPhase.SUCCESSFUL
    assert result.checks[0].failed == 2


def test_none_is_inconclusive_and_exceeding_the_limit_makes_the_analysis_inconclusive() -> None:
    result, _ = run(scripted(None))
    assert result.phase is AnalysisPhase.INCONCLUSIVE
    assert not result.successful


def test_errors_count_only_in_a_row() -> None:
    boom = RuntimeError("no answer")
    check = AnalysisCheck("c", scripted(boom, boom, True, boom, boom).measure, interval=10,
                          consecutive_error_limit=2)
    result, _ = run(check, duration=40)
    assert result.phase is AnalysisPhase.SUCCESSFUL
    assert result.checks[0].errors == 4
    check = AnalysisCheck("c", scripted(boom, boom, boom).measure, interval=10,
                          consecutive_error_limit=2)
    result, _ = run(check, duration=40)
    assert result.phase is AnalysisPhase.ERROR
    assert "RuntimeError: no answer" in result.message


def test_the_worst_check_decides() -> None:
    good = AnalysisCheck("good", lambda ctx: True, interval=5)
    bad = AnalysisCheck("bad", lambda ctx: Measurement(AnalysisPhase.FAILED, 3, "p99 3s"),
                        interval=5)
    result, _ = run(good, bad)
    assert result.phase is AnalysisPhase.FAILED
    assert result.message == "check 'bad' failed: 1 failed measurements (limit 0); last: p99 3s"


def test_a_check_returning_something_else_is_an_error_measurement() -> None:
    result, _ = run(AnalysisCheck("c", lambda ctx: 42, interval=5,  # type: ignore[arg-type,return-value]
                                  consecutive_error_limit=0))
    assert result.phase is AnalysisPhase.ERROR
    assert "must return a Measurement" in result.message


@pytest.mark.parametrize("field", ["interval", "failure_limit", "consecutive_error_limit"])
def test_negative_settings_are_refused(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        AnalysisCheck("c", lambda ctx: True, **{field: -1})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- http probe


def test_the_http_probe_judges_status_codes() -> None:
    with http_target(lambda n: (200 if n < 2 else 503, {})) as (url, seen):
        check = http_probe(url, host="shop.example.com", requests=2, interval=0, count=2)
        first = check.measure(CTX)
        second = check.measure(CTX)
    assert first.phase is AnalysisPhase.SUCCESSFUL
    assert second.phase is AnalysisPhase.FAILED
    assert "answered 503, expected 200..399" in second.message
    assert seen[0]["Host"] == "shop.example.com"


def test_the_http_probe_judges_a_response_header() -> None:
    with http_target(lambda n: (200, {"x-plugin-version": "v2" if n == 0 else "v1"})) as (
            url, _):
        check = http_probe(url, expect_header=("x-plugin-version", r"^v2$"), interval=0)
        assert check.measure(CTX).phase is AnalysisPhase.SUCCESSFUL
        failed = check.measure(CTX)
    assert failed.phase is AnalysisPhase.FAILED
    assert "header x-plugin-version is 'v1'" in failed.message


def test_the_http_probe_without_an_answer_is_an_error_measurement() -> None:
    with http_target(lambda n: (200, {})) as (url, _):
        pass  # the server is gone: connection refused
    check = http_probe(url, interval=1, count=3, consecutive_error_limit=1, timeout=1)
    result, _ = run(check)
    assert result.phase is AnalysisPhase.ERROR
    assert "ConnectionError: GET http://127.0.0.1" in result.checks[0].measurements[0].message
