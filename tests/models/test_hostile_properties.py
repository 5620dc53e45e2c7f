"""Property test: hostile mutations of valid manifests, given to load_manifests (as YAML text)
and from_manifest (as mappings) in both UnknownFields modes, end as an error of our tree or
as an object that repr, to_manifest, problems and dump_manifests handle; in PRESERVE mode an
accepted object gives back exactly what it was built from.

The default run tries a few hundred examples; ``GKE_SE_TEST_SLOW=1`` runs 10,000 (``slow``).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import SAMPLES

from gke_service_extensions import GKEServiceExtensionsError
from gke_service_extensions.models import (
    KubeModel,
    OtherKinds,
    UnknownFields,
    dump_manifests,
    load_manifests,
    model_for,
)
from gke_service_extensions.models._yaml import load_documents

HOSTILE_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(2**63 - 2, 2**64),
    st.just(5000).map(lambda n: 10**n), st.floats(), st.text(max_size=40), st.just("\ud800"),
    st.just("a\n"), st.just("443"), st.just("true"), st.binary(max_size=4),
    st.just(20_000).map(lambda n: "x" * n),
)
HOSTILE_VALUES = st.recursive(
    HOSTILE_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=10), st.integers(), st.booleans()), inner,
                        max_size=3)),
    max_leaves=8,
)


def _nested(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


SPECIAL = st.one_of(
    HOSTILE_VALUES,
    st.integers(95, 300).map(_nested),
    st.just(500).map(lambda n: {f"k{i}": i for i in range(n)}),
    st.just(1_000).map(lambda n: [{"name": "x"}] * n),
)

TEXT_SNIPPETS = st.sampled_from([
    "&a [1, 2]", "*a", "!!int x", "!!binary gIGC", "!!float y", "!!set {a}", "!custom 1",
    "{<<: {a: 1}, b: 2}", "[&r [*r]]", "1: x", "? [a]\n  : b", "2001-12-14t21:59:43.10-05:00",
    ".nan", "-.inf", "0x1F", "0o17", "1_000", "9" * 5000, '"\\ud800"', '"\\x80"', "~", "yes",
    "|\n  block\n", "kind: again", "[" * 120 + "]" * 120, "'a\n'", "\t", "---", "...",
])


def _paths(data: Any, prefix: tuple[Any, ...] = (),
           out: list[tuple[Any, ...]] | None = None) -> list[tuple[Any, ...]]:
    """Paths to mutate: the first 200 found (big generated values are not walked whole)."""
    if out is None:
        out = []
    if prefix:
        out.append(prefix)
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(
        data, list) else ()
    for k, v in items:
        if len(out) >= 200:
            break
        _paths(v, (*prefix, k), out)
    return out


def _mutate(data: dict[str, Any], draw: st.DataObject) -> None:
    for _ in range(draw.draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw.draw(st.sampled_from(paths))
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        action = draw.draw(st.sampled_from(["set", "delete", "add"]))
        if action == "delete":
            del node[path[-1]]
        elif action == "add" and isinstance(node, dict):
            node[draw.draw(st.one_of(st.text(max_size=8), st.integers()))] = draw.draw(SPECIAL)
        else:
            node[path[-1]] = draw.draw(SPECIAL)


def _check_error(err: GKEServiceExtensionsError) -> None:
    text = str(err)
    assert text
    assert len(text) < 50_000


def _check_object(obj: KubeModel, given: Any, mode: UnknownFields) -> None:
    manifest = obj.to_manifest()
    assert repr(obj)
    obj.problems()
    assert dump_manifests([obj])
    if mode is UnknownFields.PRESERVE:
        assert manifest == given


def _from_manifest(data: dict[str, Any]) -> None:
    model = model_for(data.get("apiVersion") if isinstance(data.get("apiVersion"), str)
                      else None, data.get("kind") if isinstance(data.get("kind"), str) else None)
    if model is None:
        return
    for mode in (UnknownFields.REJECT, UnknownFields.PRESERVE):
        snapshot = copy.deepcopy(data)
        try:
            obj = model.from_manifest(data, unknown_fields=mode)
        except GKEServiceExtensionsError as err:
            _check_error(err)
            continue
        finally:
            assert data == snapshot or data != data  # never changed (NaN is unequal to itself)
        _check_object(obj, snapshot, mode)


def _load(text: str) -> None:
    for mode in (UnknownFields.REJECT, UnknownFields.PRESERVE):
        try:
            out = load_manifests(text, unknown_fields=mode, other_kinds=OtherKinds.RETURN_DICT)
        except GKEServiceExtensionsError as err:
            _check_error(err)
            continue
        docs = [d for d in load_documents(text) if d is not None]
        assert len(out) == len(docs)
        for obj, doc in zip(out, docs, strict=True):
            if isinstance(obj, KubeModel):
                _check_object(obj, doc, mode)


def _dump(data: Any) -> str | None:
    try:
        return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    except (yaml.YAMLError, UnicodeError, ValueError, TypeError, RecursionError):
        return None  # PyYAML cannot write it; the mapping path still gets it


def _hostile_case(data: dict[str, Any], draw: st.DataObject) -> None:
    _mutate(data, draw)
    _from_manifest(data)
    text = _dump(data)
    if text is None:
        return
    if draw.draw(st.booleans()):
        lines = text.split("\n")
        at = draw.draw(st.integers(0, len(lines) - 1))
        line = lines[at]
        cut = re.match(r"^(\s*(- )?[^:]*: )", line)
        snippet = draw.draw(TEXT_SNIPPETS)
        lines[at] = (cut.group(1) if cut else line) + snippet
        text = "\n".join(lines)
    _load(text)


SAMPLE_NAMES = st.sampled_from(sorted(SAMPLES))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(SAMPLE_NAMES, st.data())
def test_hostile_mutations_end_in_our_errors_or_faithful_objects(name: str,
                                                                 draw: st.DataObject) -> None:
    _hostile_case(SAMPLES[name](), draw)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_ends_in_our_errors_or_objects(text: str) -> None:
    if "\n" not in text and text.strip().endswith((".yaml", ".yml", ".json")):
        text += "\n"  # not a file name
    _load(text)


@pytest.mark.slow  # 10,000 examples take minutes: GKE_SE_TEST_SLOW=1 runs it
@pytest.mark.timeout(3600)
@settings(max_examples=10_000, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(SAMPLE_NAMES, st.data())
def test_hostile_mutations_10000_examples(name: str, draw: st.DataObject) -> None:
    _hostile_case(SAMPLES[name](), draw)
