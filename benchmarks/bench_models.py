"""Benchmarks of the models layer: import time and validation of 10,000 distinct manifests.

Run: ``python benchmarks/bench_models.py`` (or ``nox -s bench``); ``--help`` for the knobs.
Every figure is a median with its spread (min-max), next to baselines measured in the same
run on the same machine, and the issue's targets are printed as MET/MISSED.

Validation: the corpus is :mod:`_corpus` (10,000 distinct manifests of the three kinds, every
CEL matcher different, about 5% invalid). The baselines validate the same manifests against
the CRDs' ``openAPIV3Schema``: ``fastjsonschema`` (compiled once; the strongest fair
competitor, it stops at a manifest's first error) and ``jsonschema`` (a ``Draft7Validator``
built once, ``iter_errors`` listing every error as we do). Neither checks the CEL matchers or
the cross-field rules (``x-kubernetes-validations``); ours does. Two settings:

* steady state: all sides in this process, one untimed warm-up pass each on a small separate
  corpus, then ``--repeats`` rounds, each on a FRESH corpus (another seed: no CEL matcher in
  common with earlier rounds), so no per-expression cache helps; within a round the sides
  take turns every ``--chunk`` manifests (A B C D on the first 500, A B C D on the next, ...),
  so that the load of a shared machine falls on every side alike;
* first run: each side in a fresh interpreter, timing its import and set-up (compiling the
  schema; nothing for ours) and its first pass over the corpus, ``--fresh`` rounds interleaved.

Import: ``import gke_service_extensions`` against ``from pydantic import BaseModel`` in fresh
interpreters, interleaved.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpus
from _util import fmt_ms, fresh_import_times, load_average, spread, target_line, timing_line

ROOT = Path(__file__).resolve().parents[1]
CRDS = ROOT / "tests" / "data" / "crds"
CRD_FILES = {
    "GCPTrafficExtension": "networking.gke.io_gcptrafficextensions.yaml",
    "GCPRoutingExtension": "networking.gke.io_gcproutingextensions.yaml",
    "GCPWasmPlugin": "gcpwasmplugin_v1.schema.json",
}
SIDES = ("fastjsonschema", "jsonschema", "validate_manifest", "from_manifest")
LABELS = {
    "fastjsonschema": "fastjsonschema, CRD schema (first error only)",
    "jsonschema": "jsonschema Draft7 iter_errors, CRD schema",
    "validate_manifest": "validate_manifest (+ CEL and cross-field rules)",
    "from_manifest": "Model.from_manifest (validate + typed objects)",
}
# Targets of issue 13 (ratios of medians).
TARGET_VS_JSONSCHEMA = 0.33
TARGET_VS_FASTJSONSCHEMA = 2.0
TARGET_IMPORT = 1.2

# ---------------------------------------------------------------------------- schemas


def crd_schemas() -> dict[str, dict[str, Any]]:
    """kind -> the CRD's openAPIV3Schema, unchanged."""
    out: dict[str, dict[str, Any]] = {}
    for kind, name in CRD_FILES.items():
        text = (CRDS / name).read_text()
        if name.endswith(".json"):
            out[kind] = json.loads(text)
        else:
            out[kind] = yaml.safe_load(text)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return out


def _escape_dollar_in_classes(pattern: str) -> str:
    """``pattern`` with every ``$`` inside a character class escaped (same meaning).

    fastjsonschema rewrites each unescaped ``$`` to ``\\Z`` (end of string), also inside
    ``[...]``, where ``\\Z`` is a bad escape: three of the CRDs' patterns would not compile.
    """
    out: list[str] = []
    class_start = -1  # index in out of the class's first member, -1 outside a class
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if class_start >= 0:
            if c == "^" and len(out) == class_start and pattern[i - 1] == "[":
                class_start += 1  # [^ ... : a ']' right after the ^ is a member
            elif c == "]" and len(out) > class_start:
                class_start = -1
            elif c == "$":
                c = "\\$"
        elif c == "[":
            class_start = len(out) + 1
        out.append(c)
        i += 1
    return "".join(out)


def _for_fastjsonschema(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _escape_dollar_in_classes(v) if k == "pattern" and isinstance(v, str)
                else _for_fastjsonschema(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_for_fastjsonschema(x) for x in node]
    return node


# ---------------------------------------------------------------------------- the sides


def build_side(side: str) -> Callable[[list[dict[str, Any]]], int]:
    """Import and set up one side; returns a function validating a corpus, which returns
    how many manifests it rejected."""
    if side == "fastjsonschema":
        import fastjsonschema

        # use_default=False: the corpus is shared by every side and must not be filled in;
        # formats: Kubernetes' int32/int64 are unknown to fastjsonschema (jsonschema ignores
        # them) and only apply to numbers, which fastjsonschema's formats never check.
        formats = {"int32": lambda _v: True, "int64": lambda _v: True}
        fast = {kind: fastjsonschema.compile(_for_fastjsonschema(schema), use_default=False,
                                             formats=formats)
                for kind, schema in crd_schemas().items()}
        error = fastjsonschema.JsonSchemaValueException

        def run_fast(corpus: list[dict[str, Any]]) -> int:
            rejected = 0
            for m in corpus:
                try:
                    fast[m["kind"]](m)
                except error:
                    rejected += 1
            return rejected

        return run_fast

    if side == "jsonschema":
        import jsonschema

        validators = {kind: jsonschema.Draft7Validator(schema)
                      for kind, schema in crd_schemas().items()}

        def run_jsonschema(corpus: list[dict[str, Any]]) -> int:
            rejected = 0
            for m in corpus:
                if list(validators[m["kind"]].iter_errors(m)):
                    rejected += 1
            return rejected

        return run_jsonschema

    if side == "validate_manifest":
        from gke_service_extensions.models import validate_manifest

        def run_ours(corpus: list[dict[str, Any]]) -> int:
            rejected = 0
            for m in corpus:
                if validate_manifest(m):
                    rejected += 1
            return rejected

        return run_ours

    if side == "from_manifest":
        from gke_service_extensions import ManifestValidationError
        from gke_service_extensions.models import model_for

        def run_from_manifest(corpus: list[dict[str, Any]]) -> int:
            rejected = 0
            for m in corpus:
                model = model_for(m["apiVersion"], m["kind"])
                assert model is not None
                try:
                    model.from_manifest(m)
                except ManifestValidationError:
                    rejected += 1
            return rejected

        return run_from_manifest

    raise ValueError(side)


# ---------------------------------------------------------------------------- import


def check_import_is_light() -> None:
    code = ("import sys, gke_service_extensions; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('grpc', 'kubernetes', 'celpy', 'lark') or m.startswith('google.cloud')); "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.strip()
    if out:
        raise SystemExit(f"import gke_service_extensions pulled in heavy modules: {out}")
    print("import gke_service_extensions imports none of google.cloud, grpc, kubernetes, "
          "celpy, lark")


def bench_import(runs: int) -> None:
    statements = {
        "from pydantic import BaseModel (baseline)": "from pydantic import BaseModel",
        "import gke_service_extensions": "import gke_service_extensions",
        "import gke_service_extensions.models (context)": "import gke_service_extensions.models",
        "import pydantic (lazy, context)": "import pydantic",
    }
    samples = fresh_import_times(statements, runs)
    print(f"\n# import time: fresh interpreters, {runs} interleaved runs each, time around "
          "the statement only")
    for label, values in samples.items():
        print(timing_line(label, values))
    base = spread(samples["from pydantic import BaseModel (baseline)"])[0]
    ours = spread(samples["import gke_service_extensions"])[0]
    models = spread(samples["import gke_service_extensions.models (context)"])[0]
    print(target_line("import gke_service_extensions vs BaseModel", ours, base, TARGET_IMPORT))
    print(f"{'import gke_service_extensions.models vs BaseModel':<52} {models / base:9.2f}x  "
          "(context, no target)")


# ---------------------------------------------------------------------------- validation


def _print_ratios(samples: dict[str, list[float]], what: str) -> None:
    """Ratios of medians (targets judged on these), with the range of the per-round ratios
    (each round's sides ran side by side, so these pair like with like)."""
    med = {side: spread(values)[0] for side, values in samples.items()}

    def paired(a: str, b: str) -> str:
        ratios = [x / y for x, y in zip(samples[a], samples[b], strict=True)]
        return f"  (per round {min(ratios):.2f}-{max(ratios):.2f}x)"

    print(target_line(f"validate_manifest / jsonschema{what}", med["validate_manifest"],
                      med["jsonschema"], TARGET_VS_JSONSCHEMA)
          + paired("validate_manifest", "jsonschema"))
    print(target_line(f"validate_manifest / fastjsonschema{what}", med["validate_manifest"],
                      med["fastjsonschema"], TARGET_VS_FASTJSONSCHEMA)
          + paired("validate_manifest", "fastjsonschema"))
    for base in ("fastjsonschema", "validate_manifest"):
        label = f"from_manifest / {base}{what}"
        print(f"{label:<52} {med['from_manifest'] / med[base]:9.2f}x  (no target)"
              + paired("from_manifest", base))


def bench_steady(n: int, repeats: int, chunk: int) -> None:
    print(f"\n# steady state: {n:,} distinct manifests per round, rounds: {repeats}, a fresh "
          f"corpus (new seed) each round, the sides interleaved every {chunk:,} manifests; "
          "all sides warmed alike first")
    runners = {side: build_side(side) for side in SIDES}
    warm = _corpus.manifests(500, seed=99)
    for side in SIDES:  # one untimed pass each: one-time set-up, alike for every side
        runners[side](warm)
    samples: dict[str, list[float]] = {side: [] for side in SIDES}
    rejected: dict[str, set[int]] = {side: set() for side in SIDES}
    invalid = 0
    for r in range(repeats):
        # The baselines and validate_manifest read one corpus; from_manifest reads another
        # made the same way (next seed), so that it gets nothing from validate_manifest's
        # per-matcher cache. Corpora are built before the round, untimed.
        corpus_samples = _corpus.generate(n, seed=1 + 2 * r)
        invalid = sum(1 for s in corpus_samples if not s.valid)
        shared = [s.manifest for s in corpus_samples]
        own = _corpus.manifests(n, seed=2 + 2 * r)
        del corpus_samples
        took = dict.fromkeys(SIDES, 0.0)
        count = dict.fromkeys(SIDES, 0)
        # A B C D on the first chunk, A B C D on the next, ...: the load of a shared machine
        # falls on every side alike. Each side's round total is its time for all n manifests.
        for start in range(0, n, chunk):
            for side in SIDES:
                part = (own if side == "from_manifest" else shared)[start:start + chunk]
                t = time.perf_counter()
                count[side] += runners[side](part)
                took[side] += time.perf_counter() - t
        for side in SIDES:
            samples[side].append(took[side])
            rejected[side].add(count[side])
        print(f"  round {r + 1}/{repeats}: " + ", ".join(
            f"{side} {fmt_ms(took[side])} ms" for side in SIDES), file=sys.stderr, flush=True)
        del shared, own
    print(f"(each corpus has {invalid:,} manifests broken on purpose; 'rejected' is how many "
          "each side refused; from_manifest reads its own corpus of the same make, so no cache "
          "is shared with validate_manifest)")
    for side in SIDES:
        lo, hi = min(rejected[side]), max(rejected[side])
        counts = f"{lo:,}" if lo == hi else f"{lo:,}..{hi:,}"
        per_s = n / spread(samples[side])[0]
        print(timing_line(LABELS[side], samples[side],
                          extra=f"  {per_s:,.0f}/s  rejected {counts}"))
    _print_ratios(samples, "")


def _first_run_child(side: str, corpus_path: str) -> None:
    """In a fresh interpreter: import + set up one side, then one pass over the corpus."""
    with open(corpus_path, "rb") as fh:
        corpus = pickle.load(fh)  # untimed; pickle imports nothing the sides use
    t0 = time.perf_counter()
    run = build_side(side)
    t1 = time.perf_counter()
    rejected = run(corpus)
    t2 = time.perf_counter()
    print(json.dumps({"setup": t1 - t0, "first_pass": t2 - t1, "rejected": rejected}))


def bench_first_run(n: int, rounds: int) -> None:
    print(f"\n# first run: each side in a fresh interpreter, import + set-up, then one pass "
          f"over {n:,} distinct manifests (seed 0); interleaved rounds: {rounds}")
    corpus = _corpus.manifests(n, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "corpus.pickle")
        with open(path, "wb") as fh:
            pickle.dump(corpus, fh)
        del corpus
        setup: dict[str, list[float]] = {side: [] for side in SIDES}
        first: dict[str, list[float]] = {side: [] for side in SIDES}
        total: dict[str, list[float]] = {side: [] for side in SIDES}
        for _ in range(rounds):
            for side in SIDES:
                out = subprocess.run([sys.executable, __file__, "--first-run-child", side, path],
                                     check=True, capture_output=True, text=True).stdout
                rec = json.loads(out.strip().splitlines()[-1])
                setup[side].append(rec["setup"])
                first[side].append(rec["first_pass"])
                total[side].append(rec["setup"] + rec["first_pass"])
    for side in SIDES:
        s_med, f_med = spread(setup[side])[0], spread(first[side])[0]
        print(timing_line(LABELS[side], total[side],
                          extra=f"  = import+set-up {fmt_ms(s_med)} + pass {fmt_ms(f_med)} ms"))
    _print_ratios(total, " (first run)")


# ---------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="manifests per corpus")
    parser.add_argument("--repeats", type=int, default=3,
                        help="interleaved in-process rounds (each on a fresh corpus)")
    parser.add_argument("--chunk", type=int, default=500,
                        help="manifests per turn when interleaving the sides in a round")
    parser.add_argument("--fresh", type=int, default=3,
                        help="interleaved rounds of fresh-interpreter first runs (0: skip)")
    parser.add_argument("--import-runs", type=int, default=15,
                        help="fresh interpreters per import statement")
    parser.add_argument("--only", choices=("import", "steady", "first"), action="append",
                        help="run only these parts (repeatable)")
    parser.add_argument("--first-run-child", nargs=2, metavar=("SIDE", "CORPUS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.pop("GKE_SE_CRD_PROFILE", None)  # the default profile, as in the corpus test
    if args.first_run_child:
        _first_run_child(*args.first_run_child)
        return
    parts = set(args.only or ("import", "steady", "first"))
    print(f"bench_models: python {sys.version.split()[0]}, {load_average()}")
    if "import" in parts:
        check_import_is_light()
        bench_import(args.import_runs)
    if "steady" in parts and args.repeats > 0:
        bench_steady(args.n, args.repeats, args.chunk)
    if "first" in parts and args.fresh > 0:
        bench_first_run(args.n, args.fresh)
    print(f"\nbench_models done, {load_average()}")


if __name__ == "__main__":
    main()
