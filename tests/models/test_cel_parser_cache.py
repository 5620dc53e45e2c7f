"""The CEL parser is built once per machine: its tables are cached on disk, the cached parser
parses exactly as celpy's own, and an unusable cache only costs a rebuild."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gke_service_extensions.models._cel import _build_cel_parser

EXPRESSIONS = [
    "request.path.startsWith('/api') && request.method == 'POST'",
    "request.headers['x-foo'] == 'bar' || !(response.code >= 500)",
    "int(request.headers['x-n']) > 3 ? true : false",
    "request.path.matches(R\"/v\\d+/\") && 1.5 < 2u && b'x' != null",
    "has(request.x) && [1, 2][0] in {1: 'a'} && -x % 2 == 0",
    "request.path == '''multi\nline''' // comment",
    "foo.Bar{a: 1}.a + .baz(1, 2)",
]
BROKEN = ["request.path ==", "request.path == 'a' == )", "request.path == “x”", "(("]


def shape(node: Any) -> Any:
    """Everything a parse tree says: rules, token types and values, positions."""
    if hasattr(node, "data"):
        meta = node.meta
        return (str(node.data), getattr(meta, "line", None), getattr(meta, "column", None),
                [shape(child) for child in node.children])
    return (node.type, str(node), node.line, node.column)


def outcome(parser: Any, expr: str) -> Any:
    try:
        return shape(parser.parse(expr))
    except Exception as ex:  # the error a broken expression raises must match too
        return (type(ex).__name__, getattr(ex, "line", None), getattr(ex, "column", None))


@pytest.fixture(scope="module")
def celpys_own_parser() -> Any:
    from celpy.celparser import CELParser

    saved = CELParser.CEL_PARSER
    CELParser.CEL_PARSER = None
    try:
        CELParser()  # builds it as celpy does
        return CELParser.CEL_PARSER
    finally:
        CELParser.CEL_PARSER = saved


def assert_parses_like(parser: Any, reference: Any) -> None:
    for expr in EXPRESSIONS + BROKEN:
        assert outcome(parser, expr) == outcome(reference, expr), expr


def test_parser_parses_exactly_as_celpys_own(celpys_own_parser: Any) -> None:
    assert_parses_like(_build_cel_parser(None), celpys_own_parser)


def test_parser_saved_then_loaded_from_the_cache_parses_exactly_as_celpys_own(
        tmp_path: Path, celpys_own_parser: Any) -> None:
    cache = tmp_path / "nested" / "cel.lark"
    assert_parses_like(_build_cel_parser(cache), celpys_own_parser)  # builds and saves
    saved = cache.read_bytes()
    assert saved
    assert_parses_like(_build_cel_parser(cache), celpys_own_parser)  # loads
    assert cache.read_bytes() == saved  # a good cache is read, not rewritten


def test_corrupt_cache_is_rebuilt_and_replaced(tmp_path: Path, celpys_own_parser: Any) -> None:
    cache = tmp_path / "cel.lark"
    _build_cel_parser(cache)
    good = cache.read_bytes()
    for garbage in (b"", b"not a cache\n", good[: len(good) // 2], good.split(b"\n")[0] + b"\nx"):
        cache.write_bytes(garbage)
        assert_parses_like(_build_cel_parser(cache), celpys_own_parser)
        assert cache.read_bytes().split(b"\n")[0] == good.split(b"\n")[0]


@pytest.mark.parametrize("where", ["parent_is_a_file", "cache_is_a_directory"])
def test_unusable_cache_location_falls_back_to_building(
        tmp_path: Path, celpys_own_parser: Any, where: str) -> None:
    if where == "parent_is_a_file":
        (tmp_path / "file").write_text("x")
        cache = tmp_path / "file" / "cel.lark"
    else:
        cache = tmp_path / "cel.lark"
        cache.mkdir()
    assert_parses_like(_build_cel_parser(cache), celpys_own_parser)


SCRIPT = """
import json, sys
from gke_service_extensions.models._cel import check_matcher
print(json.dumps([check_matcher("request.path == 1"), check_matcher("has(request.x)"),
                  "celpy" in sys.modules]))
"""


def run_fresh(env_cache: str) -> Any:
    env = {**os.environ, "XDG_CACHE_HOME": env_cache}
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True, timeout=120, env=env)
    assert out.stderr == ""
    return json.loads(out.stdout)


def test_fresh_processes_share_the_cached_parser_and_agree(tmp_path: Path) -> None:
    first = run_fresh(str(tmp_path))
    cached = list((tmp_path / "gke-service-extensions").glob("cel-parser-*.lark"))
    assert len(cached) == 1
    second = run_fresh(str(tmp_path))
    assert first == second
    assert "== has a string on one side and an int on the other" in first[0][0]
    assert first[2] is False  # checking needs lark only, not celpy


def test_fresh_process_with_an_unwritable_cache_dir_still_checks(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    assert run_fresh(str(tmp_path / "file")) == run_fresh(str(tmp_path / "ok"))
