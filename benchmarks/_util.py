"""Small helpers shared by the benchmarks (timing in fresh processes, summaries)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable


def time_import(statement: str, runs: int = 15) -> float:
    """Median seconds to run ``statement`` in a fresh interpreter (after a warm-up)."""
    code = ("import time; _t = time.perf_counter(); " + statement +
            "; print(time.perf_counter() - _t)")
    subprocess.run([sys.executable, "-c", statement], check=True)  # warm the file cache
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                             text=True).stdout
        samples.append(float(out.strip().splitlines()[-1]))
    return statistics.median(samples)


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of ``repeat`` wall-clock timings of ``fn()``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def ratio_line(label: str, value: float, baseline: float, unit: str = "ms",
               target: float | None = None) -> str:
    scale = 1000.0 if unit == "ms" else 1.0
    ratio = value / baseline if baseline else float("inf")
    verdict = ""
    if target is not None:
        verdict = f"  target <= {target:.2f}x: {'MET' if ratio <= target else 'MISSED'}"
    return f"{label:<58} {value * scale:9.2f} {unit}  ratio {ratio:6.2f}x{verdict}"


# --------------------------------------------------------------------------- honest summaries
# Used by bench_models.py and bench_cli.py: every side is timed the same number of times,
# interleaved (A B C A B C ...), and reported as median with its spread (min-max); ratios are
# ratios of medians.


def spread(samples: list[float]) -> tuple[float, float, float]:
    """(median, min, max) of ``samples``."""
    return statistics.median(samples), min(samples), max(samples)


def fmt_ms(seconds: float) -> str:
    """``seconds`` in milliseconds, with a thousands separator and sensible precision."""
    ms = seconds * 1000.0
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:,.1f}" if ms >= 10 else f"{ms:,.2f}"


def timing_line(label: str, samples: list[float], width: int = 52, extra: str = "") -> str:
    """``label  median ms [min-max]  (n runs)`` for one side."""
    med, lo, hi = spread(samples)
    runs = f"{len(samples)} run{'s' if len(samples) != 1 else ''}"
    return (f"{label:<{width}} {fmt_ms(med):>9} ms  [{fmt_ms(lo)}-{fmt_ms(hi)}]  "
            f"({runs}){extra}")


def target_line(label: str, value: float, baseline: float, target: float,
                width: int = 52) -> str:
    """``label  ratio  target <= Nx: MET/MISSED`` (ratio of medians ``value / baseline``)."""
    ratio = value / baseline if baseline else float("inf")
    verdict = "MET" if ratio <= target else "MISSED"
    return f"{label:<{width}} {ratio:9.2f}x  target <= {target:g}x: {verdict}"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, for the record (the machine is shared)."""
    try:
        import os

        one, five, fifteen = os.getloadavg()
    except (OSError, AttributeError):
        return "load average unknown"
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {_cpus()} CPUs"


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


def fresh_import_times(statements: dict[str, str], runs: int = 15) -> dict[str, list[float]]:
    """Seconds to run each statement in a fresh interpreter, ``runs`` times each, interleaved.

    The time is taken inside the child, around the statement only (interpreter start-up is
    the same for every statement and is left out). One untimed run of each first, to bring
    every side's files into the OS cache alike.
    """
    code = ("import time; _t = time.perf_counter(); {stmt}; "
            "print(time.perf_counter() - _t)")
    for stmt in statements.values():
        subprocess.run([sys.executable, "-c", stmt], check=True)
    samples: dict[str, list[float]] = {label: [] for label in statements}
    for _ in range(runs):
        for label, stmt in statements.items():
            out = subprocess.run([sys.executable, "-c", code.format(stmt=stmt)], check=True,
                                 capture_output=True, text=True).stdout
            samples[label].append(float(out.strip().splitlines()[-1]))
    return samples
