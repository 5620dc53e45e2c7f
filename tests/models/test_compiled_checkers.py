"""The compiled checkers (models/_codegen.py, shipped as models/_checkers/) agree with the
walk of models/_validation.py: they accept exactly the manifests the walk finds no problem
in, under every profile and unknown-field mode, and a cluster's own profile compiles too."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import SAMPLES

from gke_service_extensions.models import (
    PROFILES,
    GCPRoutingExtension,
    GCPTrafficExtension,
    GCPWasmPlugin,
    KubeModel,
    UnknownFields,
    _fast,
    validate_manifest,
)
from gke_service_extensions.models._codegen import CHECKERS_DIR, generate_modules
from gke_service_extensions.models._fast import is_valid
from gke_service_extensions.models._limits import MAX_VALUES
from gke_service_extensions.models._validation import walk

ROOT = Path(__file__).resolve().parents[2]
MODELS: dict[str, type[KubeModel]] = {
    "GCPTrafficExtension": GCPTrafficExtension,
    "GCPRoutingExtension": GCPRoutingExtension,
    "GCPWasmPlugin": GCPWasmPlugin,
}


def _pool() -> list[dict[str, Any]]:
    docs = [make() for make in SAMPLES.values()]
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return [d for d in docs if d.get("kind") in MODELS]


POOL = _pool()


def _agree(doc: dict[str, Any], profile_name: str, mode: UnknownFields) -> bool:
    """Assert the checker and the walk agree on ``doc``; return the verdict."""
    profile = PROFILES[profile_name]
    snapshot = copy.deepcopy(doc)
    fast = is_valid(doc, doc["kind"], profile, mode) if isinstance(doc.get("kind"), str) \
        and doc["kind"] in MODELS else False
    slow = walk(MODELS[snapshot["kind"]], doc, profile, mode) if \
        snapshot.get("kind") in MODELS else ["not a CRD kind"]
    assert doc == snapshot  # neither changes its input
    assert fast == (not slow), (fast, slow, doc)
    return fast


def test_shipped_checkers_are_up_to_date() -> None:
    expected = generate_modules()
    shipped = {p.name: p.read_text(encoding="utf-8") for p in CHECKERS_DIR.glob("*.py")}
    assert shipped == expected, "models/_checkers/ is stale: run nox -s codegen"


@pytest.mark.parametrize("profile_name", sorted(PROFILES))
@pytest.mark.parametrize("mode", list(UnknownFields))
def test_checkers_agree_with_the_walk_on_every_sample_and_example(
        profile_name: str, mode: UnknownFields) -> None:
    verdicts = [_agree(copy.deepcopy(doc), profile_name, mode) for doc in POOL]
    assert any(verdicts)  # the fast path is really taken for valid manifests


def test_every_sample_valid_under_the_default_profile_is_accepted_without_a_walk(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from gke_service_extensions.models import _validation

    def no_walk(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("walked a valid manifest")

    monkeypatch.setattr(_validation, "walk", no_walk)
    for make in SAMPLES.values():
        doc = make()
        if doc["kind"] in MODELS:
            assert validate_manifest(doc, profile="newest") == []


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


def _containers(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of the mappings in ``data`` (where an unknown key can be added)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(data, dict):
        out.append(prefix)
        for k, v in data.items():
            out += _containers(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _containers(v, (*prefix, i))
    return out


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = {"a": value}
    return value


# Values a typo, a template or a hostile input puts in a manifest.
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**9, 10**9), st.sampled_from([2**63, -2**63 - 1]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(["", "UPPER", "a" * 64, "a" * 300, "\ud800", "caf\u00e9", "x\n",
                     "RequestHeaders", "Streamed", "Service", "GCPWasmPlugin", "1s", "20s",
                     "networking.gke.io", "request.path == '/a'", "request.bogus == 'a'",
                     "has(request.path)", "1000ms"]),
    st.lists(st.integers(), max_size=3), st.lists(st.text(max_size=5), max_size=60),
    st.dictionaries(st.text(alphabet="abcxyz", min_size=1, max_size=5), st.integers(),
                    max_size=3),
    st.integers(95, 105).map(_deep),
)


SINGLE_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 2, 11, 65535, 65536, 1_000_001, 2**63, 1.5, float("nan"), "",
    "UPPER", "a" * 64, "a" * 254, "a" * 1100, "\ud800", "x\n", [], [1], ["RequestBody"] * 7,
    {}, {"a": 1}, {"a": "b"}, "RequestHeaders", "RequestTrailers", "ResponseBody", "Streamed",
    "FullDuplexStreamed", "GCPWasmPlugin", "ServiceImport", "ApigeeBackendService", "20s",
    "5ms", "networking.gke.io", "has(request.path)", "request.path == 1", _deep(101),
]


@pytest.mark.parametrize("profile_name", sorted(PROFILES))
@pytest.mark.parametrize("mode", list(UnknownFields))
def test_checkers_agree_with_the_walk_on_every_single_field_change(
        profile_name: str, mode: UnknownFields) -> None:
    checked = 0
    for original in POOL:
        for path in _paths(original):
            if path in (("apiVersion",), ("kind",)):
                continue
            for value in [*SINGLE_VALUES, "delete"]:
                doc = copy.deepcopy(original)
                parent = _at(doc, path[:-1])
                if value == "delete":
                    del parent[path[-1]]
                else:
                    parent[path[-1]] = copy.deepcopy(value)
                _agree(doc, profile_name, mode)
                checked += 1
    assert checked > 1000


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(POOL))), st.sampled_from(sorted(PROFILES)),
       st.sampled_from(list(UnknownFields)), st.data())
def test_checkers_accept_exactly_what_the_walk_accepts_after_mutations(
        index: int, profile_name: str, mode: UnknownFields, draw: st.DataObject) -> None:
    doc = copy.deepcopy(POOL[index])
    for _ in range(draw.draw(st.integers(1, 3))):
        action = draw.draw(st.sampled_from(["set", "delete", "add"]))
        if action == "add":
            where = _at(doc, draw.draw(st.sampled_from(_containers(doc))))
            where[draw.draw(st.sampled_from(["extra", "Name", "spec", "x" * 90]))] = \
                draw.draw(JUNK)
            continue
        paths = [p for p in _paths(doc) if p not in (("apiVersion",), ("kind",))]
        if not paths:
            break
        path = draw.draw(st.sampled_from(paths))
        parent = _at(doc, path[:-1])
        if action == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw.draw(JUNK)
    _agree(doc, profile_name, mode)


@pytest.mark.parametrize("mode", list(UnknownFields))
def test_limits_are_checked_as_the_walk_checks_them(mode: UnknownFields) -> None:
    base = SAMPLES["traffic"]()
    cases = []
    wide = copy.deepcopy(base)  # more values than the limit, in a map with no bound
    wide["metadata"]["annotations"] = {f"k{i}": "v" for i in range(MAX_VALUES // 2)}
    cases.append(wide)
    near = copy.deepcopy(base)  # within the limit
    near["metadata"]["annotations"] = {f"k{i}": "v" for i in range(1000)}
    cases.append(near)
    deep = copy.deepcopy(base)  # too deep inside a preserved part
    deep["status"] = {"ancestors": [], "other": _deep(120)}
    cases.append(deep)
    huge = copy.deepcopy(base)
    huge["spec"]["extensionChains"][0]["extensions"][0]["backendRef"]["port"] = 2**64
    cases.append(huge)
    surrogate = copy.deepcopy(base)
    surrogate["metadata"]["annotations"] = {"note": "\udc80"}
    cases.append(surrogate)
    verdicts = [_agree(case, "newest", mode) for case in cases]
    assert verdicts[1] is True
    assert verdicts[0] is verdicts[2] is verdicts[3] is verdicts[4] is False


@pytest.mark.parametrize("field", ["apiVersion", "kind"])
@pytest.mark.parametrize("value", [["networking.gke.io/v1"], {"a": 1}, 1, None])
def test_an_ill_typed_api_version_or_kind_is_a_problem_not_a_crash(field: str,
                                                                   value: Any) -> None:
    doc = SAMPLES["traffic"]()
    doc[field] = value
    problems = validate_manifest(doc)
    assert problems
    assert all(p.message for p in problems)


def test_a_cluster_profile_is_compiled_on_first_use() -> None:
    newest = PROFILES["newest"]
    custom = replace(newest, name="cluster",
                     traffic=replace(newest.traffic, cel_backend_refs_max=1,
                                     allowed_events=("RequestHeaders",)))
    reject = UnknownFields.REJECT
    assert _fast._table(custom, reject) is not _fast._table(newest, reject)
    doc = SAMPLES["traffic"]()
    assert is_valid(doc, "GCPTrafficExtension", newest)
    # the custom profile allows request events only: the sample's ResponseHeaders breaks it
    assert not is_valid(doc, "GCPTrafficExtension", custom)
    problems = validate_manifest(doc, profile=custom)
    assert any("ResponseHeaders" in p.message for p in problems)
    # compiled once per distinct rules
    assert _fast._table(custom, reject) is _fast._table(replace(custom), reject)


def test_validating_plain_manifests_needs_neither_pydantic_nor_the_models() -> None:
    code = (
        "import sys, json\n"
        "from gke_service_extensions.models import validate_manifest\n"
        f"docs = json.loads({json_pool()!r})\n"
        "assert all(validate_manifest(d, profile='newest') == [] for d in docs)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'pydantic_core'}))\n"
        "print('gke_service_extensions.models._base' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.split("\n")
    assert out[:2] == ["[]", "False"]


def json_pool() -> str:
    import json

    return json.dumps([d for d in (make() for make in SAMPLES.values())
                       if d["kind"] in MODELS and not validate_manifest(d, profile="newest")])


def test_the_generated_module_text_is_stable_across_processes() -> None:
    code = ("from gke_service_extensions.models._codegen import generate_modules; "
            "import hashlib; print(hashlib.sha256(repr(sorted(generate_modules().items()))"
            ".encode()).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                              text=True, env={"PYTHONHASHSEED": str(seed), "PATH": ""}
                              ).stdout for seed in (1, 2)}
    assert len(digests) == 1
    assert re.fullmatch(r"[0-9a-f]{64}\n", digests.pop())
