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
