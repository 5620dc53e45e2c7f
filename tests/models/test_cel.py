"""CEL matchers: what check_matcher rejects, and how evaluate_matcher decides a match."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gke_service_extensions._errors import ManifestError, ManifestValidationError
from gke_service_extensions.models._cel import (
    ALLOWED_ATTRIBUTES,
    BACKEND_SERVICE_NUM_ENDPOINTS,
    MAX_MATCHER_LENGTH,
    SampleRequest,
    check_matcher,
    evaluate_matcher,
    first_matching_chain,
)

# The celMatcher `pattern` of the newest GCPTrafficExtension CRD, verbatim.
CRD_PATTERN = (
    r"""^(( )|(request.headers)|(request.method)|(request.host)|(request.path)|(request.query)"""
    r"""|(request.scheme)|(request.backend_service_num_endpoints)|(response.code)"""
    r"""|(response.grpc_status)|(response.headers)|(source.address)|(source.port)"""
    r"""|(connection.requested_server_name)|(connection.tls_version)"""
    r"""|(connection.sha256_peer_certificate_digest)|(endsWith)|(startsWith)|(matches)"""
    r"""|(contains)|(lowerAscii)|(upperAscii)|(int)|(==)|(!=)|(&&)|(>=)|(<=)|(>)|(<)|(\|\|)"""
    r"""|(!)|(\+)|(\.)|(/)|('[a-zA-Z0-9\/\-._~%!$&'()*+,;=:\"\\]*')"""
    r"""|("[a-zA-Z0-9\/\-._~%!$&'()*+,;=:\"\\]*")|(“[a-zA-Z0-9\/\-._~%!$&'()*+,;=:\"\\]*”)"""
    r"""|(R"[a-zA-Z0-9\/\-._~%!$&'()*+,;=:\\]*")|[0-9]|(\()|(\))|(\[)|(\]))+$"""
)
# The same with the dots of attribute names escaped (the CRD's unescaped `.` matches any
# character there; we deliberately only accept the real attribute names).
CRD_PATTERN_STRICT = re.sub(r"\(([a-z_]+)\.([a-z_0-9]+)\)", r"(\1\\.\2)", CRD_PATTERN)
NEWEST = frozenset({BACKEND_SERVICE_NUM_ENDPOINTS})

DOC_SAMPLES = [
    'request.path.contains("serviceextensions")',
    "request.headers['x-foo'] == 'bar'",
    "request.path.startsWith('/api') && request.method == 'POST'",
    "request.host.endsWith('.example.com')",
    "int(request.headers['x-n']) > 3",
    "request.path.matches('/v\\\\d+/')",
    "!request.path.startsWith('/admin')",
    "request.path.startsWith('/a') || request.path.startsWith('/b')",
    "(request.method == 'GET' || request.method == 'HEAD') && !request.path.contains('private')",
    "request.headers['user-agent'].lowerAscii().contains('curl')",
    "response.code >= 500 || response.grpc_status != 0",
    "source.port == 443 && connection.tls_version == 'TLSv1.3'",
    'request.path == R"/a\\b"',
]


def problems_of(expr: str, **kwargs: Any) -> str:
    return "\n".join(check_matcher(expr, **kwargs))


# --------------------------------------------------------------------------- accepted


@pytest.mark.parametrize("expr", DOC_SAMPLES)
def test_documented_sample_matchers_are_accepted(expr: str) -> None:
    assert check_matcher(expr) == []


@pytest.mark.parametrize(
    ("expr", "matching", "not_matching"),
    [
        ('request.path.contains("serviceextensions")',
         SampleRequest(path="/docs/serviceextensions/x"), SampleRequest(path="/docs")),
        ("request.headers['x-foo'] == 'bar'",
         SampleRequest(headers={"X-Foo": "bar"}), SampleRequest(headers={"x-foo": "baz"})),
        ("request.path.startsWith('/api') && request.method == 'POST'",
         SampleRequest(path="/api/v1", method="POST"), SampleRequest(path="/api/v1")),
        ("request.host.endsWith('.example.com')",
         SampleRequest(host="api.example.com"), SampleRequest(host="example.org")),
        ("int(request.headers['x-n']) > 3",
         SampleRequest(headers={"x-n": "4"}), SampleRequest(headers={"x-n": "3"})),
        ("request.path.matches('/v\\\\d+/')",
         SampleRequest(path="/api/v12/items"), SampleRequest(path="/api/vx/items")),
        ("!request.path.startsWith('/admin')",
         SampleRequest(path="/shop"), SampleRequest(path="/admin/users")),
        ("request.path.startsWith('/a') || request.path.startsWith('/b')",
         SampleRequest(path="/b/1"), SampleRequest(path="/c/1")),
        ("request.headers['user-agent'].lowerAscii().contains('curl')",
         SampleRequest(headers={"user-agent": "CURL/8.0"}),
         SampleRequest(headers={"user-agent": "Mozilla"})),
        ("request.method.upperAscii() == 'POST'",
         SampleRequest(method="post"), SampleRequest(method="get")),
        ("response.code >= 500",
         SampleRequest(response_code=503), SampleRequest(response_code=200)),
        ("source.port == 443 && connection.tls_version == 'TLSv1.3'",
         SampleRequest(source_port=443, tls_version="TLSv1.3"),
         SampleRequest(source_port=443, tls_version="TLSv1.2")),
        ("request.query.contains('debug=1')",
         SampleRequest(path="/x?debug=1"), SampleRequest(path="/x")),
        ("request.scheme == 'http'", SampleRequest(scheme="HTTP"), SampleRequest()),
    ],
)
def test_sample_matchers_match_and_do_not_match(
    expr: str, matching: SampleRequest, not_matching: SampleRequest
) -> None:
    assert evaluate_matcher(expr, matching) is True
    assert evaluate_matcher(expr, not_matching) is False


def test_evaluate_accepts_a_plain_mapping_as_request() -> None:
    assert evaluate_matcher("request.headers['x-foo'] == 'bar'", {"headers": {"x-foo": "bar"}})


def test_backend_service_num_endpoints_needs_the_extra_attribute() -> None:
    expr = f"{BACKEND_SERVICE_NUM_ENDPOINTS} > 2"
    assert "unknown attribute 'request.backend_service_num_endpoints'" in problems_of(expr)
    assert check_matcher(expr, extra_attributes=NEWEST) == []
    sample = SampleRequest(backend_service_num_endpoints=3)
    assert evaluate_matcher(expr, sample, extra_attributes=NEWEST) is True


# --------------------------------------------------------------------------- rejected


def test_has_is_rejected_by_name() -> None:
    assert "has() is not allowed" in problems_of("has(request.headers.x)")


def test_unknown_function_is_rejected_with_its_column() -> None:
    text = problems_of("request.path.size() > 1")
    assert "function 'size' is not allowed" in text
    assert "(column 14)" in text


def test_unknown_attribute_is_rejected() -> None:
    assert "unknown attribute 'request.body'" in problems_of("request.body == 'x'")


def test_unknown_root_identifier_is_rejected() -> None:
    text = problems_of("foo.bar == 'x'")
    assert "unknown identifier 'foo'" in text
    assert "request, response, source and connection" in text


def test_bare_root_is_not_a_value() -> None:
    assert "'request' is not a value on its own" in problems_of("request['path'] == 'a'")


def test_parse_error_names_column_and_token() -> None:
    text = problems_of("request.path == 'a' == )")
    assert "does not parse as CEL: unexpected ')' at column 24" in text


def test_parse_error_at_end_of_input() -> None:
    assert "ends too early (column 16)" in problems_of("request.path ==")


def test_empty_or_blank_expression_is_rejected() -> None:
    assert "empty" in problems_of("")
    assert "empty" in problems_of("   ")


def test_too_long_expression_is_rejected() -> None:
    expr = "request.path == '" + "a" * MAX_MATCHER_LENGTH + "'"
    assert f"is {len(expr)} characters long; at most 512 allowed" in problems_of(expr)
    assert check_matcher(expr[: MAX_MATCHER_LENGTH - 1] + "'") == []


def test_crd_pattern_violation_names_the_character_and_column() -> None:
    assert (
        "character '{' at column 19 is not allowed inside a string literal by the CRD's "
        "celMatcher pattern" in problems_of("request.path == 'a{'")
    )


def test_crd_pattern_violation_outside_a_string() -> None:
    # `-` parses as CEL but the CRD pattern does not admit it as an operator.
    text = problems_of("response.code == -1")
    assert "character '-' at column 18 does not start any token" in text


def test_regex_with_caret_from_the_docs_is_rejected_by_the_crd_pattern() -> None:
    # `^` and `[` are not in the CRD's string-literal character class.
    assert "character '^' at column 23" in problems_of("request.path.matches('^/v[0-9]+/')")


def test_unclosed_string_is_rejected() -> None:
    text = problems_of("request.path == 'abc")
    assert "unterminated string at column 17" in text
    assert "not closed" in text


def test_curly_quotes_pass_the_crd_but_not_the_cel_parser() -> None:
    assert "unexpected character '“'" in problems_of("request.path == “abc”")


def test_non_bool_result_is_rejected() -> None:
    assert "evaluates to a string, but a matcher must evaluate to bool" in problems_of(
        "request.path")


def test_type_mismatch_in_comparison_is_rejected() -> None:
    assert "== has a string on one side and an int on the other" in problems_of(
        "request.path == 3")


def test_string_function_on_int_is_rejected() -> None:
    assert "startsWith() needs a string receiver, not an int" in problems_of(
        "response.code.startsWith('2')")


def test_function_called_the_wrong_way_is_rejected() -> None:
    assert "startsWith() must be called as a method" in problems_of(
        "startsWith(request.path, '/a')")
    assert "int() must be called as a function" in problems_of("request.path.int() == 1")


def test_wrong_number_of_arguments_is_rejected() -> None:
    assert "startsWith() takes 1 argument, got 0" in problems_of("request.path.startsWith()")


def test_invalid_re2_literal_is_rejected() -> None:
    assert "matches() pattern '(' is not valid RE2" in problems_of("request.path.matches('(')")


def test_deep_nesting_is_rejected_instead_of_overflowing() -> None:
    expr = "(" * 40 + "request.path == '/'" + ")" * 40
    assert "nested too deeply" in problems_of(expr)
    with pytest.raises(ManifestValidationError):
        evaluate_matcher(expr, SampleRequest())


def test_non_string_expression_is_a_problem_not_a_crash() -> None:
    assert check_matcher(42) == ["must be a string, not int"]  # type: ignore[arg-type]


def test_every_problem_is_reported() -> None:
    text = problems_of("has(request.x) && request.body.size() == 1")
    for expected in ("has()", "'request.body'", "'size'", "CRD's celMatcher pattern"):
        assert expected in text


def test_evaluate_raises_validation_error_listing_problems() -> None:
    with pytest.raises(ManifestValidationError) as info:
        evaluate_matcher("has(request.x)", SampleRequest())
    assert any("has() is not allowed" in p.message for p in info.value.problems)
    assert all(p.path == "celMatcher" for p in info.value.problems)


def test_check_returns_a_fresh_list_each_time() -> None:
    first = check_matcher("request.body == 'x'")
    first.clear()
    assert check_matcher("request.body == 'x'") != []


# --------------------------------------------------------------------------- evaluation


def test_missing_header_does_not_match() -> None:
    assert evaluate_matcher("request.headers['x-foo'] == 'bar'", SampleRequest()) is False


def test_negated_missing_header_does_not_match_either() -> None:
    # An error under `!` stays an error, and an error is no match.
    assert evaluate_matcher("!(request.headers['x-foo'] == 'bar')", SampleRequest()) is False


def test_or_absorbs_an_error_on_one_side() -> None:
    expr = "request.headers['x-foo'] == 'bar' || request.method == 'GET'"
    assert evaluate_matcher(expr, SampleRequest()) is True


def test_absent_response_code_does_not_match() -> None:
    assert evaluate_matcher("response.code == 200", SampleRequest()) is False
    assert evaluate_matcher("response.code == 200", SampleRequest(response_code=200)) is True


@pytest.mark.parametrize("value", ["abc", "1_0", " 4", "99999999999999999999"])
def test_int_of_a_non_number_does_not_match(value: str) -> None:
    sample = SampleRequest(headers={"x-n": value})
    assert evaluate_matcher("int(request.headers['x-n']) > 3", sample) is False


def test_runtime_regex_error_does_not_match() -> None:
    sample = SampleRequest(headers={"x-re": "("})
    assert evaluate_matcher("request.path.matches(request.headers['x-re'])", sample) is False


def test_matches_finds_the_pattern_anywhere() -> None:
    assert evaluate_matcher("request.path.matches('v1')", SampleRequest(path="/api/v1/x"))


def test_host_and_host_header_mirror_each_other() -> None:
    assert evaluate_matcher("request.headers['host'] == 'a.test'", SampleRequest(host="a.test"))
    assert evaluate_matcher("request.host == 'b.test'", SampleRequest(headers={"Host": "b.test"}))


# --------------------------------------------------------------------------- SampleRequest


def test_sample_request_lowercases_header_names_and_splits_query() -> None:
    sample = SampleRequest(path="/p?a=1", headers={"X-Foo": "1"})
    assert sample.path == "/p"
    assert sample.query == "a=1"
    assert dict(sample.headers) == {"x-foo": "1"}


@pytest.mark.parametrize(
    "kwargs",
    [{"path": 1}, {"headers": {"x": 1}}, {"headers": {"bad name": "v"}}, {"headers": "x"},
     {"response_code": "200"}, {"source_port": True}],
)
def test_sample_request_rejects_bad_values(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ManifestError):
        SampleRequest(**kwargs)


def test_mapping_with_unknown_field_is_rejected() -> None:
    with pytest.raises(ManifestError, match="unknown sample request field"):
        evaluate_matcher("request.method == 'GET'", {"verb": "GET"})


def test_request_of_wrong_type_is_rejected() -> None:
    with pytest.raises(ManifestError, match="SampleRequest or a mapping"):
        evaluate_matcher("request.method == 'GET'", ["GET"])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- chains

CHAINS: list[tuple[str, list[str] | None]] = [
    ("api", ["request.path.startsWith('/api')", "request.headers['x-api'] == '1'"]),
    ("admin", ["request.path.startsWith('/admin')"]),
]


def test_first_matching_chain_in_spec_order_with_ored_expressions() -> None:
    assert first_matching_chain(CHAINS, SampleRequest(path="/api/x")) == "api"
    assert first_matching_chain(CHAINS, SampleRequest(headers={"x-api": "1"})) == "api"
    assert first_matching_chain(CHAINS, SampleRequest(path="/admin")) == "admin"


def test_no_chain_matches() -> None:
    assert first_matching_chain(CHAINS, SampleRequest(path="/other")) is None


def test_chain_without_match_condition_always_matches() -> None:
    chains = [*CHAINS, ("default", None)]
    assert first_matching_chain(chains, {"path": "/other"}) == "default"
    assert first_matching_chain([("empty", [])], SampleRequest()) == "empty"


def test_invalid_expression_in_any_chain_is_reported_with_its_chain() -> None:
    with pytest.raises(ManifestValidationError) as info:
        first_matching_chain([*CHAINS, ("bad", ["has(request.x)"])], SampleRequest(path="/api"))
    assert info.value.problems[0].path == "bad.celExpressions[0].celMatcher"


# --------------------------------------------------------------------------- properties

_TOKENS = [
    " ", "request.path", "request.headers", "response.code", "source.port", "startsWith",
    "contains", "int", "==", "!=", "&&", "||", "!", "+", ".", "/", "(", ")", "[", "]", "1", "7",
    "'a'", "'", '"', '"x-y"', 'R"', "“", "”", "{", "^", "x", ",", "\\",
]
token_soup = st.lists(st.sampled_from(_TOKENS), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(token_soup)
def test_crd_pattern_check_agrees_with_the_crd_regex(expr: str) -> None:
    crd_messages = [p for p in check_matcher(expr) if "CRD's celMatcher pattern" in p]
    strict_ok = re.fullmatch(CRD_PATTERN_STRICT, expr) is not None
    assert (crd_messages == []) == strict_ok or (expr == "" and not strict_ok)
    if not crd_messages and expr:
        assert re.fullmatch(CRD_PATTERN, expr) is not None


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=80), token_soup))
def test_random_strings_give_problems_or_a_bool_never_a_crash(expr: str) -> None:
    problems = check_matcher(expr)
    assert all(isinstance(p, str) and p for p in problems)
    sample = SampleRequest(path="/a", headers={"x-n": "7"})
    if problems:
        with pytest.raises(ManifestValidationError) as info:
            evaluate_matcher(expr, sample)
        assert [p.message for p in info.value.problems] == problems
    else:
        assert isinstance(evaluate_matcher(expr, sample), bool)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(ALLOWED_ATTRIBUTES)),
       st.text(st.characters(blacklist_characters="?"), max_size=20))
def test_evaluation_on_arbitrary_request_values_is_a_bool(attribute: str, value: str) -> None:
    kind = "int" if attribute in ("response.code", "response.grpc_status", "source.port") else (
        "map" if attribute.endswith("headers") else "string")
    expr = {"int": f"{attribute} == 1", "map": f"{attribute}['x'].contains('v')",
            "string": f"{attribute}.contains('v')"}[kind]
    sample = SampleRequest(path=value, host=value, method=value, query=value, scheme=value,
                           headers={"x": value}, response_headers={"x": value},
                           source_address=value, requested_server_name=value,
                           tls_version=value, sha256_peer_certificate_digest=value,
                           response_code=1, response_grpc_status=1, source_port=1)
    seen = value.lower() if attribute == "request.scheme" else value  # scheme is lower-cased
    assert evaluate_matcher(expr, sample) is (kind == "int" or "v" in seen)


# --------------------------------------------------------------------------- packaging


def test_importing_the_package_does_not_import_the_cel_library() -> None:
    code = ("import sys, gke_service_extensions, gke_service_extensions.models._cel; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('celpy', 'lark', 're2')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_int_and_double_are_ordered_against_each_other() -> None:
    assert check_matcher("response.code < 200.5") == []
    assert evaluate_matcher("response.code < 200.5", SampleRequest(response_code=200)) is True
    assert evaluate_matcher("response.code > 200.5", SampleRequest(response_code=200)) is False


def test_int_and_double_are_not_compared_for_equality() -> None:
    # CEL's type checker wants the same type on both sides of == and !=.
    assert "== has an int on one side and a double on the other" in problems_of(
        "response.code == 200.0")


def test_sample_requests_compare_and_hash_by_value() -> None:
    a = SampleRequest(path="/x", headers={"X-A": "1"})
    b = SampleRequest(path="/x", headers={"x-a": "1"})
    assert a == b
    assert hash(a) == hash(b)
    assert a != SampleRequest(path="/x", headers={"x-a": "2"})


def test_header_name_with_trailing_newline_is_rejected() -> None:
    with pytest.raises(ManifestError, match="not a valid header name"):
        SampleRequest(headers={"x-a\n": "1"})


@pytest.mark.parametrize(
    ("chains", "message"),
    [
        ("api", "must be a list of"),
        (["api"], r"chains\[0\] must be a \(chain_name"),
        ([("api", "request.path == '/'")], "give the expressions as a list"),
        ([(1, None)], "chain name must be a str"),
    ],
)
def test_malformed_chains_are_rejected_clearly(chains: Any, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        first_matching_chain(chains, SampleRequest())
