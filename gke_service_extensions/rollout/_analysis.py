"""Analysis during the bake, in the manner of Argo Rollouts' AnalysisRuns.

An :class:`AnalysisCheck` takes a measurement every ``interval`` seconds, ``count`` times
(default: as many as fit in the bake's duration). Each measurement is ``Successful``,
``Failed``, ``Inconclusive`` or ``Error`` (the measuring raised). A check fails when its
failed measurements exceed ``failure_limit``, is inconclusive when its inconclusive ones
exceed ``inconclusive_limit``, and errs when more than ``consecutive_error_limit`` errors
come in a row; it succeeds when all its measurements are taken without that. The analysis is
as bad as its worst check (Failed > Error > Inconclusive > Successful) and stops at the first
check that decides badly.

A measuring function takes an :class:`AnalysisContext` and returns a :class:`Measurement`,
``True`` (successful), ``False`` (failed) or ``None`` (inconclusive); an exception is an
``Error`` measurement. :func:`programmed_check` and :func:`http_probe` are ready checks.
"""

from __future__ import annotations

import enum
import http.client
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..kube import ExtensionsClient
    from ..models import GCPTrafficExtension, GCPWasmPlugin

__all__ = [
    "AnalysisCheck",
    "AnalysisContext",
    "AnalysisPhase",
    "AnalysisResult",
    "CheckResult",
    "Measurement",
    "http_probe",
    "programmed_check",
    "run_analysis",
]


class AnalysisPhase(enum.Enum):
    """The phase of a measurement, a check or a whole analysis."""

    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    INCONCLUSIVE = "Inconclusive"
    ERROR = "Error"


_SEVERITY = {AnalysisPhase.SUCCESSFUL: 0, AnalysisPhase.INCONCLUSIVE: 1,
             AnalysisPhase.ERROR: 2, AnalysisPhase.FAILED: 3}


@dataclass(frozen=True, slots=True)
class Measurement:
    """One measurement: its phase, the value seen and a message saying why."""

    phase: AnalysisPhase
    value: Any = None
    message: str = ""
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class AnalysisContext:
    """What a measuring function may use: the plugin, the extensions that use it, the
    client (None in pure tests), the version being baked and the measurement's index."""

    plugin: GCPWasmPlugin | None
    extensions: tuple[GCPTrafficExtension, ...]
    client: ExtensionsClient | None
    version: str | None
    index: int = 0


Measure = Callable[[AnalysisContext], "Measurement | bool | None"]


@dataclass(frozen=True, slots=True)
class AnalysisCheck:
    """One metric checked during the bake (Argo Rollouts' ``metrics[]`` entry).

    ``interval``: seconds between measurements; ``count``: how many (None: as many as fit
    in the bake); ``failure_limit``, ``inconclusive_limit``: how many failed / inconclusive
    measurements are tolerated; ``consecutive_error_limit``: how many errors in a row.
    """

    name: str
    measure: Measure
    interval: float = 5.0
    count: int | None = None
    failure_limit: int = 0
    inconclusive_limit: int = 0
    consecutive_error_limit: int = 4

    def __post_init__(self) -> None:
        if self.interval < 0:
            raise ValueError(f"check {self.name!r}: interval must be >= 0, got {self.interval}")
        if self.count is not None and self.count < 1:
            raise ValueError(f"check {self.name!r}: count must be >= 1, got {self.count}")
        for what in ("failure_limit", "inconclusive_limit", "consecutive_error_limit"):
            if getattr(self, what) < 0:
                raise ValueError(f"check {self.name!r}: {what} must be >= 0")


@dataclass(frozen=True, slots=True)
class CheckResult:
    """How one check went: its phase, its measurements, and the counts the limits apply to."""

    name: str
    phase: AnalysisPhase
    measurements: tuple[Measurement, ...]
    failed: int = 0
    inconclusive: int = 0
    errors: int = 0
    message: str = ""


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """The analysis of one bake: its phase (the worst check's) and each check's result."""

    phase: AnalysisPhase
    checks: tuple[CheckResult, ...] = field(default_factory=tuple)
    duration: float = 0.0

    @property
    def successful(self) -> bool:
        return self.phase is AnalysisPhase.SUCCESSFUL

    @property
    def message(self) -> str:
        """The first bad check's message, or a summary when every check passed."""
        bad = [c for c in self.checks if c.phase is not AnalysisPhase.SUCCESSFUL]
        if bad:
            worst = max(bad, key=lambda c: _SEVERITY[c.phase])
            return f"check {worst.name!r} {worst.phase.value.lower()}: {worst.message}"
        n = sum(len(c.measurements) for c in self.checks)
        return f"{len(self.checks)} checks, {n} measurements, all successful"


def _as_measurement(value: Any, at: float) -> Measurement:
    if isinstance(value, Measurement):
        return value if value.at else Measurement(value.phase, value.value, value.message, at)
    if value is True:
        return Measurement(AnalysisPhase.SUCCESSFUL, True, "", at)
    if value is False:
        return Measurement(AnalysisPhase.FAILED, False, "the check returned False", at)
    if value is None:
        return Measurement(AnalysisPhase.INCONCLUSIVE, None, "the check returned None", at)
    raise TypeError(f"a check must return a Measurement, True, False or None, got {value!r}")


class _CheckRun:
    def __init__(self, check: AnalysisCheck, count: int) -> None:
        self.check = check
        self.count = count
        self.measurements: list[Measurement] = []
        self.failed = self.inconclusive = self.errors = self.consecutive_errors = 0
        self.phase: AnalysisPhase | None = None
        self.message = ""
        self.next_at = 0.0

    def record(self, m: Measurement) -> None:
        self.measurements.append(m)
        c = self.check
        if m.phase is AnalysisPhase.ERROR:
            self.errors += 1
            self.consecutive_errors += 1
        else:
            self.consecutive_errors = 0
        if m.phase is AnalysisPhase.FAILED:
            self.failed += 1
        elif m.phase is AnalysisPhase.INCONCLUSIVE:
            self.inconclusive += 1
        if self.failed > c.failure_limit:
            self.phase = AnalysisPhase.FAILED
            self.message = (f"{self.failed} failed measurements (limit {c.failure_limit}); "
                            f"last: {m.message}")
        elif self.consecutive_errors > c.consecutive_error_limit:
            self.phase = AnalysisPhase.ERROR
            self.message = (f"{self.consecutive_errors} errors in a row (limit "
                            f"{c.consecutive_error_limit}); last: {m.message}")
        elif self.inconclusive > c.inconclusive_limit:
            self.phase = AnalysisPhase.INCONCLUSIVE
            self.message = (f"{self.inconclusive} inconclusive measurements (limit "
                            f"{c.inconclusive_limit}); last: {m.message}")
        elif len(self.measurements) >= self.count:
            self.phase = AnalysisPhase.SUCCESSFUL
            self.message = f"{len(self.measurements)} measurements"

    def result(self) -> CheckResult:
        return CheckResult(self.check.name, self.phase or AnalysisPhase.SUCCESSFUL,
                           tuple(self.measurements), self.failed, self.inconclusive,
                           self.errors, self.message)


def run_analysis(checks: Sequence[AnalysisCheck], context: AnalysisContext, *,
                 duration: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> AnalysisResult:
    """Run ``checks`` side by side for ``duration`` seconds (or their ``count``).

    The first measurement of each check is taken at once, the next ones every ``interval``.
    Stops as soon as a check is Failed, Error or Inconclusive. ``clock`` and ``sleep`` are
    injectable so tests take no wall time.
    """
    start = clock()
    runs = []
    for check in checks:
        count = check.count
        if count is None:
            count = 1 + (int(duration // check.interval) if check.interval > 0 else 0)
        runs.append(_CheckRun(check, count))
    index = 0
    while True:
        pending = [r for r in runs if r.phase is None]
        if not pending:
            break
        now = clock() - start
        due = [r for r in pending if r.next_at <= now]
        for run in due:
            at = clock() - start
            try:
                m = _as_measurement(run.check.measure(_with_index(context, index)), at)
            except Exception as exc:
                m = Measurement(AnalysisPhase.ERROR, None, f"{type(exc).__name__}: {exc}", at)
            index += 1
            run.record(m)
            run.next_at = run.next_at + run.check.interval
            if run.phase not in (None, AnalysisPhase.SUCCESSFUL):
                return _result(runs, clock() - start)
        pending = [r for r in runs if r.phase is None]
        if pending:
            wait = min(r.next_at for r in pending) - (clock() - start)
            if wait > 0:
                sleep(wait)
    return _result(runs, clock() - start)


def _with_index(context: AnalysisContext, index: int) -> AnalysisContext:
    return AnalysisContext(context.plugin, context.extensions, context.client,
                           context.version, index)


def _result(runs: list[_CheckRun], elapsed: float) -> AnalysisResult:
    results = tuple(r.result() for r in runs)
    phase = max((r.phase for r in results), key=lambda p: _SEVERITY[p],
                default=AnalysisPhase.SUCCESSFUL)
    return AnalysisResult(phase, results, elapsed)


# --------------------------------------------------------------------------- ready checks


def programmed_check(*, interval: float = 5.0, count: int | None = None,
                     failure_limit: int = 0, name: str = "programmed") -> AnalysisCheck:
    """The plugin and every extension that uses it stay Programmed on all their Gateways.

    Each measurement reads them (one GET each) and judges their status as the wait does:
    programmed -> Successful, a terminal failure -> Failed, pending -> Inconclusive.
    """

    def measure(ctx: AnalysisContext) -> Measurement:
        from ..kube._status import Outcome, evaluate
        from ..models import GCPTrafficExtension, GCPWasmPlugin

        if ctx.client is None or ctx.plugin is None:
            raise RuntimeError("programmed_check needs the rollout's client and plugin")
        objs: list[Any] = [ctx.client.get(GCPWasmPlugin, ctx.plugin.metadata.name or "",
                                          namespace=ctx.plugin.metadata.namespace)]
        objs += [ctx.client.get(GCPTrafficExtension, e.metadata.name or "",
                                namespace=e.metadata.namespace) for e in ctx.extensions]
        worst = AnalysisPhase.SUCCESSFUL
        lines = []
        for obj in objs:
            state = evaluate(obj.to_manifest())
            if state.outcome is Outcome.PROGRAMMED:
                continue
            phase = (AnalysisPhase.FAILED if state.outcome in (Outcome.FAILED, Outcome.DELETED)
                     else AnalysisPhase.INCONCLUSIVE)
            worst = max(worst, phase, key=lambda p: _SEVERITY[p])
            lines.append(state.summary())
        return Measurement(worst, len(objs) - len(lines),
                           "; ".join(lines) or f"{len(objs)} objects programmed")

    return AnalysisCheck(name, measure, interval=interval, count=count,
                         failure_limit=failure_limit)


def http_probe(url: str, *, expect_status: Collection[int] = range(200, 400),
               expect_header: tuple[str, str] | None = None, host: str | None = None,
               headers: dict[str, str] | None = None, requests: int = 1,
               timeout: float = 5.0, interval: float = 5.0, count: int | None = None,
               failure_limit: int = 0, consecutive_error_limit: int = 4,
               name: str = "http") -> AnalysisCheck:
    """Send ``requests`` GETs through a Gateway URL per measurement and judge the answers.

    A measurement is Successful when every answer's status is in ``expect_status`` and, with
    ``expect_header=(name, pattern)``, carries that header matching the regular expression
    ``pattern`` (e.g. the header your plugin adds, with its version); Failed otherwise.
    ``host`` sets the Host header (the Gateway's listener hostname). A request that gets no
    answer (refused, timed out) is an Error measurement.
    """
    if requests < 1:
        raise ValueError(f"requests must be >= 1, got {requests}")
    pattern = re.compile(expect_header[1]) if expect_header is not None else None
    sent = dict(headers or {})
    if host is not None:
        sent["Host"] = host

    def one() -> tuple[int, str | None]:
        request = urllib.request.Request(url, headers=sent, method="GET")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                response.read()
                status = int(response.status)
                found = response.headers.get(expect_header[0]) if expect_header else None
        except urllib.error.HTTPError as err:
            status = err.code
            found = err.headers.get(expect_header[0]) if expect_header and err.headers else None
            err.close()
        return status, found

    def measure(ctx: AnalysisContext) -> Measurement:
        statuses = []
        for _ in range(requests):
            try:
                status, found = one()
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                raise ConnectionError(f"GET {url}: {exc}") from exc
            statuses.append(status)
            if status not in expect_status:
                return Measurement(AnalysisPhase.FAILED, statuses,
                                   f"GET {url} answered {status}, expected "
                                   f"{_describe_statuses(expect_status)}")
            if (expect_header is not None and pattern is not None
                    and (found is None or not pattern.search(found))):
                return Measurement(AnalysisPhase.FAILED, statuses,
                                   f"GET {url}: header {expect_header[0]} is {found!r}, "
                                   f"expected a match of {expect_header[1]!r}")
        return Measurement(AnalysisPhase.SUCCESSFUL, statuses, f"{requests} answers as expected")

    return AnalysisCheck(name, measure, interval=interval, count=count,
                         failure_limit=failure_limit,
                         consecutive_error_limit=consecutive_error_limit)


def _describe_statuses(statuses: Collection[int]) -> str:
    if isinstance(statuses, range) and statuses.step == 1:
        return f"{statuses.start}..{statuses.stop - 1}"
    return ", ".join(str(s) for s in sorted(statuses))
