"""CEL matcher checking: the fast path against the full (Lark) check, and the first check of a
process with and without the on-disk parser cache.

    python benchmarks/bench_cel.py

Prints microseconds per matcher over 10,000 distinct generated matchers (each one different,
so no per-expression cache helps), the share of valid ones the fast path recognizes, and the
first-check time of fresh processes; ratios are against baselines measured in the same run.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _util import ratio_line

from gke_service_extensions.models._cel import (
    ALLOWED_ATTRIBUTES,
    _analyse,
    _full_analysis,
    check_matcher,
)
from gke_service_extensions.models._cel_fast import fast_valid

N = 10_000
FULL_SAMPLE = 2_000  # the full check is slow: time it on a sample

STRINGS = ["request.path", "request.host", "request.method", "request.query", "request.scheme",
           "connection.requested_server_name", "connection.tls_version", "source.address"]
HEADERS = ["x-tenant", "x-canary", "user-agent", "content-type", "x-api-version", "accept",
           "x-request-id", "authorization", "x-forwarded-host", "cookie"]


def matcher(rng: random.Random, i: int) -> str:
    """A realistic matcher; ``i`` makes every one different."""
    header = f"request.headers['{rng.choice(HEADERS)}']"
    word = f"{rng.choice(['api', 'v1', 'shop', 'admin', 'static', 'img'])}{i}"
    clauses = [
        lambda: f"{rng.choice(STRINGS)}.startsWith('/{word}')",
        lambda: f"request.path.endsWith('.{word}')",
        lambda: f"request.host.endsWith('.{word}.example.com')",
        lambda: f"{header}.contains('{word}')",
        lambda: f"{header} == '{word}'",
        lambda: f"{header}.lowerAscii() == '{word}'",
        lambda: f"request.path.matches('/{word}/v\\\\d+/.*\\\\.json$')",
        lambda: f"int({header}) {rng.choice(['>', '>=', '<', '=='])} {i % 977}",
        lambda: f"response.code >= {400 + i % 100} && response.code < {500 + i % 100}",
        lambda: f"request.method == '{rng.choice(['GET', 'POST', 'PUT'])}'",
        lambda: f"!request.path.startsWith('/{word}')",
    ]
    parts = [rng.choice(clauses)() for _ in range(rng.choice([1, 1, 2, 2, 3]))]
    expr = f" {rng.choice(['&&', '||'])} ".join(parts)
    if len(parts) > 1 and rng.random() < 0.3:
        expr = f"({expr}) && request.method != 'OPTIONS'"
    if rng.random() < 0.05:  # a few typos, as real corpora have
        expr = rng.choice([expr.replace("request.path", "request.paht", 1),
                           expr.replace("'", "\"", 1), expr + " &&", expr.replace("==", "=", 1)])
    return expr


def corpus() -> list[str]:
    rng = random.Random(13)
    seen: dict[str, None] = {}
    i = 0
    while len(seen) < N:
        seen.setdefault(matcher(rng, i))
        i += 1
    return list(seen)


def us_line(label: str, value: float, baseline: float) -> str:
    """Like ``ratio_line``, in microseconds."""
    return f"{label:<58} {value * 1e6:9.2f} us  ratio {value / baseline:6.3f}x"


def per_item(fn: object, items: list[str], repeat: int = 3) -> float:
    """Best-of-``repeat`` seconds per item of ``fn(item)``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            fn(item)  # type: ignore[operator]
        best = min(best, (time.perf_counter() - start) / len(items))
    return best


FIRST_CHECK = """
import time
from gke_service_extensions.models._cel import check_matcher
t = time.perf_counter()
check_matcher({expr!r})
print(time.perf_counter() - t)
"""


def first_check(expr: str, cache_home: str) -> float:
    env = {**os.environ, "XDG_CACHE_HOME": cache_home}
    out = subprocess.run([sys.executable, "-c", FIRST_CHECK.format(expr=expr)], check=True,
                         capture_output=True, text=True, env=env).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    exprs = corpus()
    allowed = ALLOWED_ATTRIBUTES
    sample = exprs[:FULL_SAMPLE]
    valid = [e for e in sample if _full_analysis(e, allowed) == ()]
    recognized = sum(fast_valid(e, allowed) for e in valid)
    print(f"corpus: {len(exprs)} distinct matchers; of a {len(sample)} sample, {len(valid)} "
          f"valid, of which the fast path recognizes {recognized} "
          f"({100 * recognized / len(valid):.1f}%)")

    fast = per_item(lambda e: fast_valid(e, allowed), exprs)
    full = per_item(lambda e: _full_analysis(e, allowed), sample, repeat=1)

    def check(e: str) -> None:
        check_matcher(e)

    _analyse.cache_clear()
    whole = per_item(check, exprs, repeat=1)  # every expression new to the cache
    print(us_line("fast path alone, per matcher", fast, full))
    print(us_line("check_matcher, 10k distinct, per matcher", whole, full))
    print(us_line("full Lark check, per matcher (baseline)", full, full))

    valid_expr = "request.path.startsWith('/api') && request.method == 'POST'"
    invalid_expr = "request.path == 1"
    with tempfile.TemporaryDirectory() as warm, tempfile.TemporaryDirectory() as cold:
        first_check(invalid_expr, warm)  # fills the warm cache
        samples: dict[str, list[float]] = {"cold": [], "warm": [], "valid": []}
        for run in range(7):  # interleaved
            cold_home = os.path.join(cold, str(run))
            samples["cold"].append(first_check(invalid_expr, cold_home))
            samples["warm"].append(first_check(invalid_expr, warm))
            samples["valid"].append(first_check(valid_expr, cold_home))
        medians = {k: statistics.median(v) for k, v in samples.items()}
    cold_s = medians["cold"]
    print(ratio_line("first check, invalid matcher, parser cache warm", medians["warm"], cold_s))
    print(ratio_line("first check, valid matcher (fast path, no parser)", medians["valid"],
                     cold_s))
    print(ratio_line("first check, invalid matcher, no cache (baseline)", cold_s, cold_s))


if __name__ == "__main__":
    main()
