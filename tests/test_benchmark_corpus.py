"""The benchmark corpus (benchmarks/_corpus.py) is what the benchmarks say it is.

10,000 distinct manifests of the three kinds, every CEL matcher different, about 5% broken in
each of five ways; the intended-valid ones are valid under the default CRD profile (and under
the CRDs themselves), the intended-invalid ones each have a problem. Also: the baselines of
bench_models.py see the same structure the CRD schema describes.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest

from gke_service_extensions.models import DEFAULT_PROFILE, load_manifests, validate_manifest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@cache
def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load("_corpus")


def _matchers(manifest: dict[str, Any]) -> list[str]:
    out = []
    for chain in manifest["spec"].get("extensionChains", []):
        for expr in chain.get("matchCondition", {}).get("celExpressions", []):
            if "celMatcher" in expr:
                out.append(expr["celMatcher"])
    return out


@cache
def _sample(n: int, seed: int) -> list[Any]:
    return corpus.generate(n, seed=seed)


@pytest.fixture(autouse=True)
def _default_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GKE_SE_CRD_PROFILE", raising=False)


def test_corpus_is_10000_distinct_documents_of_all_kinds_with_distinct_matchers() -> None:
    samples = corpus.generate()
    docs = [s.manifest for s in samples]
    assert len(docs) == 10_000
    assert len({json.dumps(d, sort_keys=True) for d in docs}) == 10_000
    kinds = collections.Counter(d["kind"] for d in docs)
    assert set(kinds) == {"GCPTrafficExtension", "GCPRoutingExtension", "GCPWasmPlugin"}
    assert min(kinds.values()) > 1_500  # realistic proportions, none marginal
    matchers = [m for d in docs for m in _matchers(d)]
    assert len(matchers) > 10_000
    assert len(set(matchers)) == len(matchers)
    assert all(len(m) <= 512 for m in matchers)
    invalid = [s for s in samples if not s.valid]
    assert len(invalid) == 500
    assert {s.flaw for s in invalid} == set(corpus.FLAWS)
    assert len({s.detail for s in invalid}) >= 25  # varied ways within each flaw


def test_valid_manifests_use_the_varied_features() -> None:
    docs = [s.manifest for s in _sample(1_000, 0) if s.valid]
    text = json.dumps(docs)
    for feature in ("googleAPIServiceName", "\"kind\": \"GCPWasmPlugin\", \"name\"",
                    "ServiceImport",
                    "ApigeeBackendService", "FullDuplexStreamed", "\"Streamed\"",
                    "forwardHeaders", "observabilityMode", "logConfig", "kmsKeyName",
                    "pluginConfigURI", "backendRefs", "\"metadata\": {\""):
        assert feature in text, feature
    matchers = " ".join(m for d in docs for m in _matchers(d))
    for piece in ("startsWith(", "endsWith(", "contains(", "matches(", "lowerAscii()",
                  "int(", "request.headers[", " && ", " || ", "!", "(", " >= ", " != ",
                  "response.code", "source.port", "connection."):
        assert piece in matchers, piece
    chains = collections.Counter(len(d["spec"]["extensionChains"]) for d in docs
                                 if d["kind"] != "GCPWasmPlugin")
    assert set(chains) == {1, 2, 3, 4, 5}


def test_same_seed_same_corpus_and_other_seeds_share_no_matcher() -> None:
    assert corpus.generate(40, seed=3) == corpus.generate(40, seed=3)
    first = {m for s in _sample(300, 1) for m in _matchers_of(s.manifest)}
    second = {m for s in _sample(300, 2) for m in _matchers_of(s.manifest)}
    assert first
    assert not first & second


def _matchers_of(manifest: dict[str, Any]) -> list[str]:
    return [] if manifest["kind"] == "GCPWasmPlugin" else _matchers(manifest)


def test_intended_valid_manifests_validate_and_invalid_ones_each_have_a_problem() -> None:
    samples = _sample(600, 0)
    valid = [s for s in samples if s.valid]
    invalid = [s for s in samples if not s.valid]
    assert len(invalid) == 30
    assert {s.flaw for s in invalid} == set(corpus.FLAWS)
    problems = {i: validate_manifest(s.manifest) for i, s in enumerate(samples)}
    wrongly_rejected = [(s.manifest["metadata"]["name"], [str(p) for p in problems[i]])
                        for i, s in enumerate(samples) if s.valid and problems[i]]
    assert wrongly_rejected == []
    wrongly_accepted = [(s.flaw, s.detail) for i, s in enumerate(samples)
                        if not s.valid and not problems[i]]
    assert wrongly_accepted == []
    assert len(valid) == 570
    assert DEFAULT_PROFILE == "newest"  # what "valid" means here


def test_intended_valid_manifests_pass_the_crd_schema() -> None:
    """The jsonschema baseline does its whole job on valid manifests (no early exit)."""
    bench_models = _load("bench_models")
    schemas = bench_models.crd_schemas()
    validators = {k: jsonschema.Draft7Validator(v) for k, v in schemas.items()}
    samples = _sample(600, 0)
    rejected = [(s.manifest["metadata"]["name"], e.message)
                for s in samples if s.valid
                for e in validators[s.manifest["kind"]].iter_errors(s.manifest)]
    assert rejected == []
    assert any(list(validators[s.manifest["kind"]].iter_errors(s.manifest))
               for s in samples if not s.valid)


def test_a_sample_of_valid_manifests_is_admitted_by_the_crd_oracle() -> None:
    """Valid by the real CRDs too, x-kubernetes-validations included (independent judge)."""
    import crd_oracle

    valid = [s.manifest for s in _sample(600, 0) if s.valid]
    by_kind: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for m in valid:
        by_kind[m["kind"]].append(m)
    checked = [m for ms in by_kind.values() for m in ms[:10]]
    assert len(checked) == 30
    assert [(m["metadata"]["name"], crd_oracle.problems(m)) for m in checked
            if crd_oracle.problems(m)] == []


def test_fastjsonschema_baseline_agrees_with_jsonschema() -> None:
    """The fastjsonschema baseline (with its $-in-class fix) rejects exactly what jsonschema
    rejects, so it is doing the same structural work."""
    bench_models = _load("bench_models")
    run_fast = bench_models.build_side("fastjsonschema")
    run_js = bench_models.build_side("jsonschema")
    samples = _sample(600, 0)
    for s in samples:
        assert run_fast([s.manifest]) == run_js([s.manifest]), (s.flaw, s.detail)
    assert run_fast([s.manifest for s in samples]) > 0


def test_escaping_dollar_in_character_classes_keeps_the_pattern_meaning() -> None:
    import re

    escape = _load("bench_models")._escape_dollar_in_classes
    assert escape(r"^[a-z$]+$") == r"^[a-z\$]+$"
    assert escape(r"^[]$]x$") == r"^[]\$]x$"
    assert escape(r"^[^]$a]$") == r"^[^]\$a]$"
    assert escape(r"a\$[\]$]") == r"a\$[\]\$]"
    for pattern in (r"^[a-z$]+$", r"^[]$]x$", r"^[^]$a]$"):
        for text in ("ab$", "$x", "]x", "b", "$", "a"):
            assert bool(re.search(pattern, text)) == bool(re.search(escape(pattern), text))


def test_cli_file_holds_three_valid_objects_of_the_three_kinds(tmp_path: Path) -> None:
    path = corpus.write_cli_file(tmp_path / "file.yaml")
    objects = load_manifests(path.read_text())
    assert sorted(type(o).__name__ for o in objects) == [
        "GCPRoutingExtension", "GCPTrafficExtension", "GCPWasmPlugin"]
    docs = [o.to_manifest() for o in objects]
    assert [p for d in docs for p in validate_manifest(d)] == []
    assert corpus.write_cli_file(tmp_path / "again.yaml").read_text() == path.read_text()
