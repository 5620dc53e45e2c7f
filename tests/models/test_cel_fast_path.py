"""The fast CEL matcher path: it accepts only what the full (celpy) check accepts, agrees with
celpy's lexer, decoder and tree depth, and recognizes the common valid forms."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from gke_service_extensions.models._cel import (
    _CRD_RAW_STRING_CHARS,
    _CRD_STRING_CHARS,
    ALLOWED_ATTRIBUTES,
    BACKEND_SERVICE_NUM_ENDPOINTS,
    MAX_MATCHER_LENGTH,
    _cel_parse,
    _full_analysis,
    _re2_error,
    _tree_depth,
    check_matcher,
)
from gke_service_extensions.models._cel_fast import (
    _TOKEN_RE,
    _simple_re2,
    _string_value,
    fast_valid,
    parse_for_tests,
)

REPO = Path(__file__).resolve().parents[2]
NEWEST = ALLOWED_ATTRIBUTES | {BACKEND_SERVICE_NUM_ENDPOINTS}
SETTINGS = settings(max_examples=800, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def assert_agrees(expr: str, allowed: frozenset[str] = ALLOWED_ATTRIBUTES) -> bool:
    """fast_valid(expr) implies the full check finds nothing; the fast parser's tree depth is
    celpy's. Returns fast_valid's answer."""
    fast = fast_valid(expr, allowed)
    if fast:
        assert _full_analysis(expr, allowed) == (), expr
    parsed = parse_for_tests(expr)
    if parsed is not None:
        tree, problem = _cel_parse(expr)
        if problem is None:
            assert parsed[1] == _tree_depth(tree), expr
    return fast


# --------------------------------------------------------------------------- generators

STRING_ATTRIBUTES = [
    "request.method", "request.host", "request.path", "request.query", "request.scheme",
    "source.address", "connection.requested_server_name", "connection.tls_version",
    "connection.sha256_peer_certificate_digest",
]
INT_ATTRIBUTES = ["response.code", "response.grpc_status", "source.port",
                  BACKEND_SERVICE_NUM_ENDPOINTS]
MAP_ATTRIBUTES = ["request.headers", "response.headers"]
WRONG_NAMES = ["request.body", "request.pathx", "request", "request.path1", "foo.bar", "has",
               "size", "true", "null", "in", "request . path", "Request.path"]

spaces = st.sampled_from(["", "", " ", "  "])
plain_chars = sorted(_CRD_STRING_CHARS - {"'", '"', "\\"})
string_content = st.lists(
    st.sampled_from([*plain_chars, *plain_chars, "\\\\", "\\'", '\\"', "\\n", "\\d", "\\.",
                     "\\x41", "\\101", "\\u0041", "'", '"', "\\", " ", "{", "^", "é", "\t"]),
    max_size=6,
).map("".join)
string_literals = st.one_of(
    string_content.map(lambda s: f"'{s}'"),
    string_content.map(lambda s: f'"{s}"'),
    st.lists(st.sampled_from(sorted(_CRD_RAW_STRING_CHARS)), max_size=6).map(
        lambda cs: 'R"' + "".join(cs) + '"'),
    st.sampled_from(["''", '""', "'''x'''", '"""x"""', "r'x'", "b'x'", "“x”", "'a''b'",
                     'R"a\\"', 'R"\\d+"', "'\\'", "'a", '"a']),
)
regex_literals = st.lists(
    st.sampled_from(["a", "b", "/", "-", ".", "*", "+", "(", ")", "$", "\\\\.", "\\\\d", "\\\\",
                     "\\\\w", "\\\\z", "\\\\1", "\\\\_", "\\\\-", "\\\\/", "\\.", "\\d", "_", "~",
                     ":", "=", "'", "\\\\(", "\\\\)"]),
    max_size=8,
).map(lambda parts: "'" + "".join(parts) + "'")
numbers = st.one_of(st.integers(0, 10**6).map(str),
                    st.sampled_from(["1.5", "1.", "0x1F", "1u", "1e3", "007", "-1", "9" * 25]))


def call(name: str, arg: str, sp: str) -> str:
    return f".{sp}{name}{sp}({sp}{arg}{sp})"


def matchers(strings: st.SearchStrategy[str], numbers: st.SearchStrategy[str],
             regexes: st.SearchStrategy[str], max_leaves: int = 6) -> st.SearchStrategy[str]:
    """Matchers over the CRD's alphabet, shaped like valid ones (with random types), made of
    these string literals, numbers and matches() patterns."""

    @st.composite
    def string_terms(draw: st.DrawFn) -> str:
        sp = draw(spaces)
        base = draw(st.one_of(
            st.sampled_from(STRING_ATTRIBUTES),
            st.tuples(st.sampled_from(MAP_ATTRIBUTES), strings).map(
                lambda t: f"{t[0]}{sp}[{sp}{t[1]}{sp}]"),
            strings,
        ))
        for _ in range(draw(st.integers(0, 2))):
            base += call(draw(st.sampled_from(["lowerAscii", "upperAscii"])), "", sp)
        return base

    @st.composite
    def int_terms(draw: st.DrawFn) -> str:
        sp = draw(spaces)
        return draw(st.one_of(
            st.sampled_from(INT_ATTRIBUTES),
            numbers,
            string_terms().map(lambda s: f"int{sp}({sp}{s}{sp})"),
        ))

    @st.composite
    def bool_atoms(draw: st.DrawFn) -> str:
        sp = draw(spaces)
        relation = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
        kind = draw(st.integers(0, 3))
        if kind == 0:
            fn = draw(st.sampled_from(["startsWith", "endsWith", "contains", "matches"]))
            arg = draw(regexes if fn == "matches" and draw(st.booleans()) else string_terms())
            return draw(string_terms()) + call(fn, arg, sp)
        if kind == 1:
            return f"{draw(string_terms())}{sp}{relation}{sp}{draw(string_terms())}"
        if kind == 2:
            return f"{draw(int_terms())}{sp}{relation}{sp}{draw(int_terms())}"
        return (f"{draw(int_terms())}{sp}{draw(st.sampled_from(['+', '/']))}{sp}"
                f"{draw(int_terms())}{sp}{relation}{sp}{draw(int_terms())}")

    return st.recursive(bool_atoms(), combine, max_leaves=max_leaves)


def combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["&&", "||", " && ", " || "]), children).map(
            "".join),
        children.map(lambda c: f"({c})"),
        children.map(lambda c: f"!{c}"),
        children.map(lambda c: f"!({c})"),
    )


valid_shaped = matchers(string_literals, numbers, regex_literals)
single_atoms = matchers(string_literals, numbers, regex_literals, max_leaves=1)
# What people write: plain literals (no hex/octal/unicode escapes, no ''' or 1.5 or curly quotes).
realistic = matchers(
    st.one_of(
        st.lists(st.sampled_from([*plain_chars, "\\\\", '"']), max_size=8).map(
            lambda cs: "'" + "".join(cs) + "'"),
        st.lists(st.sampled_from(plain_chars), max_size=8).map(lambda cs: '"' + "".join(cs) + '"'),
    ),
    st.integers(0, 10**6).map(str),
    st.lists(st.sampled_from(["a", "/", "-", ".", ".*", "+", "$", "\\\\.", "\\\\d", "(v1)", "_"]),
             max_size=8).map(lambda parts: "'" + "".join(parts) + "'"),
)

# Edits that make a valid-looking matcher subtly wrong (or leave it valid).
EDIT_TOKENS = ["", " ", "(", ")", "[", "]", "!", ".", "/", "//", "+", "-", "==", "&&", "||",
               "1", "'", '"', "x", "_", "\t", "\n", "?", ":", ",", "{", "in", "int", "matches",
               "request.path", "response.code", *WRONG_NAMES]


@st.composite
def edited(draw: st.DrawFn) -> str:
    expr = draw(valid_shaped)
    for _ in range(draw(st.integers(1, 2))):
        i = draw(st.integers(0, len(expr)))
        j = draw(st.integers(i, min(len(expr), i + 3)))
        expr = expr[:i] + draw(st.sampled_from(EDIT_TOKENS)) + expr[j:]
    return expr


@st.composite
def deep_or_long(draw: st.DrawFn) -> str:
    atom = draw(single_atoms)
    kind = draw(st.integers(0, 3))
    n = draw(st.integers(1, 40))
    if kind == 0:
        return "(" * n + atom + ")" * n
    if kind == 1:
        return "!" * n + f"({atom})"
    if kind == 2:
        return " && ".join([atom] * n)
    return atom + " && request.path == '" + "a" * draw(st.integers(400, 520)) + "'"


CRD_TOKENS = [" ", "request.headers", "request.path", "request.method", "response.code",
              "source.port", "endsWith", "startsWith", "matches", "contains", "lowerAscii",
              "upperAscii", "int", "==", "!=", "&&", ">=", "<=", ">", "<", "||", "!", "+", ".", "/",
              "(", ")", "[", "]", "0", "7", "'a'", "'/x'", '"b"', 'R"c"', "'\\\\d'", "“d”"]
token_soup = st.lists(st.sampled_from(CRD_TOKENS), max_size=16).map("".join)


# --------------------------------------------------------------------------- differential


@SETTINGS
@given(valid_shaped)
@example("request.path == R\"/a\\b\"")
@example("request.headers['x'] == request.headers['y'] && request.headers == response.headers")
@example("request.headers < response.headers")
@example("request.headers + response.headers == request.headers")
@example("true == (request.path == 'a')")
@example("request.path.contains('a') < request.path.contains('b')")
@example("request.path.contains('a') + request.path.contains('b')")
@example("'a' / 'b' == 'c'")
def test_generated_matchers_are_accepted_fast_only_when_the_full_check_accepts(
        expr: str) -> None:
    assert_agrees(expr)
    assert_agrees(expr, NEWEST)


@SETTINGS
@given(edited())
def test_subtly_broken_matchers_are_never_accepted_by_the_fast_path(expr: str) -> None:
    assert_agrees(expr)


@settings(max_examples=300, deadline=None)
@given(deep_or_long())
def test_deep_and_long_matchers_are_left_to_the_full_check_when_near_the_limits(
        expr: str) -> None:
    fast = assert_agrees(expr)
    if len(expr) > MAX_MATCHER_LENGTH:
        assert not fast


@SETTINGS
@given(token_soup)
def test_any_sequence_of_crd_tokens_is_accepted_fast_only_when_valid(expr: str) -> None:
    assert_agrees(expr)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_is_accepted_fast_only_when_valid(expr: str) -> None:
    assert_agrees(expr)


def test_realistic_valid_matchers_all_take_the_fast_path() -> None:
    seen = {"valid": 0, "fast": 0}

    @settings(max_examples=400, deadline=None, database=None)
    @given(realistic)
    def record(expr: str) -> None:
        if _full_analysis(expr, ALLOWED_ATTRIBUTES) == ():
            seen["valid"] += 1
            seen["fast"] += fast_valid(expr, ALLOWED_ATTRIBUTES)

    record()
    assert seen["valid"] >= 50
    assert seen["fast"] == seen["valid"], seen


# --------------------------------------------------------------------------- the repo's matchers

_ROOT = re.compile(r"\b(request|response|source|connection)\.")


def repo_matchers() -> Iterator[str]:
    """Every string in the repo's tests, examples and docs that looks like a matcher."""
    for folder in ("tests", "examples", "docs"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.suffix == ".py":
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                    if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                            and _ROOT.search(node.value) and len(node.value) < 600):
                        yield node.value
            elif path.suffix in (".md", ".yaml", ".yml"):
                text = path.read_text(encoding="utf-8")
                for match in re.finditer(r"`([^`\n]+)`|celMatcher: *(.+)", text):
                    found = (match.group(1) or match.group(2) or "").strip()
                    if _ROOT.search(found):
                        yield found


REPO_MATCHERS = sorted(set(repo_matchers()))


def test_the_repo_has_matchers_to_compare() -> None:
    assert len(REPO_MATCHERS) > 50


@pytest.mark.parametrize("expr", REPO_MATCHERS)
def test_every_matcher_in_the_repo_is_accepted_fast_only_when_valid(expr: str) -> None:
    assert_agrees(expr)
    assert_agrees(expr, NEWEST)


# --------------------------------------------------------------------------- recognized forms

COMMON_VALID = [
    'request.path.contains("serviceextensions")',
    "request.path.startsWith('/api') && request.method == 'POST'",
    "request.host.endsWith('.example.com')",
    "request.path.matches('/v\\\\d+/')",
    "request.path.matches(R\"/v\\d+/.*\\.json$\")",
    "request.path.matches('(/api)+/items/.*')",
    "request.headers['x-foo'] == 'bar'",
    "request.headers['x-canary'] != 'true'",
    "response.headers['content-type'].startsWith('text/')",
    "int(request.headers['x-n']) > 3",
    "int(request.headers['content-length']) <= 1024",
    "response.code >= 500",
    "response.code >= 200 && response.code < 300",
    "response.code / 100 == 5",
    "response.grpc_status != 0",
    "source.port == 443 && connection.tls_version == 'TLSv1.3'",
    "!request.path.startsWith('/admin')",
    "!(request.headers['x-foo'] == 'bar')",
    "(request.method == 'GET' || request.method == 'HEAD') && !request.path.contains('private')",
    "request.headers['user-agent'].lowerAscii().contains('curl')",
    "request.method.upperAscii() == 'POST'",
    "request.path == R\"/a\\b\"",
    "request.scheme == 'https' || request.host == request.headers['x-forwarded-host']",
    "request.path + '/' == '/a/'",
    "request.path.startsWith( '/a' )   ||   request.path.startsWith(\"/b\")",
]


@pytest.mark.parametrize("expr", COMMON_VALID)
def test_common_valid_forms_take_the_fast_path(expr: str) -> None:
    assert fast_valid(expr, ALLOWED_ATTRIBUTES)
    assert _full_analysis(expr, ALLOWED_ATTRIBUTES) == ()


def test_the_newest_attribute_takes_the_fast_path_only_when_allowed() -> None:
    expr = f"{BACKEND_SERVICE_NUM_ENDPOINTS} > 2"
    assert not fast_valid(expr, ALLOWED_ATTRIBUTES)
    assert fast_valid(expr, NEWEST)
    assert check_matcher(expr) != []
    assert check_matcher(expr, frozenset({BACKEND_SERVICE_NUM_ENDPOINTS})) == []


@pytest.mark.parametrize("expr", [
    "request.path.matches('(')",           # bad RE2
    "request.path.matches('a**')",         # bad RE2 outside the simple subset
    "request.path == 'a' ",                # fine, but: trailing space is CRD-legal -> True
])
def test_regex_and_spacing_edge_cases_agree(expr: str) -> None:
    assert fast_valid(expr, ALLOWED_ATTRIBUTES) == (_full_analysis(expr, ALLOWED_ATTRIBUTES) == ())


@pytest.mark.parametrize("expr", [
    "request.path == 'a' // comment", "request.path == 1.5", "response.code == 1u",
    "request.pathcontains('a')", "request.path.contains('a')request.path.contains('b')",
    "request.path == “a”", "request.path == '''a'''", "request.path == 'a\tb'",
    "request.headers.contains('a')", "request.path.int() == 1", "int(true) == 1",
    "(" * 13 + "request.path == '/'" + ")" * 13, "!" * 200 + "(request.path == '/')",
])
def test_unusual_matchers_are_left_to_the_full_check(expr: str) -> None:
    assert not fast_valid(expr, ALLOWED_ATTRIBUTES)


# --------------------------------------------------------------------------- lexing pieces


@SETTINGS
@given(string_literals)
def test_string_literals_lex_and_decode_as_celpy_does(literal: str) -> None:
    from celpy.evaluation import celstr

    if _TOKEN_RE.findall(literal) != [literal] or literal[0] not in "'\"R":
        return  # not one string lexeme for the fast path
    tree, problem = _cel_parse(f"request.path.matches({literal})")
    assert problem is None, literal
    tokens = [t for t in tree.scan_values(lambda v: getattr(v, "type", "") == "STRING_LIT")]
    assert [str(t) for t in tokens] == [literal]
    assert _string_value(literal) == str(celstr(tokens[0]))


@SETTINGS
@given(st.lists(st.sampled_from(["a", "Z", "0", "/", "-", "_", "~", "%", "!", "&", "'", ",", ";",
                                 "=", ":", '"', ".", "*", "+", "(", ")", "$", "\\", "d", "w",
                                 "s", "z", "1", "\n"]), max_size=10).map("".join))
@example("()")
@example("a**")
@example("(*)")
@example("\\_")
def test_simple_regex_subset_is_valid_re2(pattern: str) -> None:
    assume(_simple_re2(pattern))
    assert _re2_error(pattern) is None, pattern


def test_the_fast_path_needs_neither_celpy_nor_lark_nor_re2_for_simple_patterns() -> None:
    code = ("import sys; from gke_service_extensions.models._cel import check_matcher; "
            "assert check_matcher(\"request.path.matches('/v\\\\\\\\d+/.*') && "
            "request.headers['x'] == 'y'\") == []; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'celpy', 'lark', 're2'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]"
