"""CEL matchers of extension chains: checking and local evaluation.

``matchCondition.celExpressions[].celMatcher`` holds a CEL expression over a fixed set of
request/response/connection attributes. :func:`check_matcher` lists every reason GKE (or the
API server, through the CRD's ``pattern``) would reject one; :func:`evaluate_matcher` and
:func:`first_matching_chain` tell which chain a sample request would hit, without a cluster.

Parsing and evaluation use ``cel-python`` (module ``celpy``), imported lazily on first use so
that ``import gke_service_extensions`` stays fast. Everything untyped from it stays in the
``_cel_*`` helpers at the bottom of this module.
"""

from __future__ import annotations

import functools
import hashlib
import operator
import os
import re
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from gke_service_extensions._errors import ManifestError, ManifestValidationError, Problem

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_FUNCTIONS",
    "BACKEND_SERVICE_NUM_ENDPOINTS",
    "MAX_MATCHER_DEPTH",
    "MAX_MATCHER_LENGTH",
    "SampleRequest",
    "check_matcher",
    "evaluate_matcher",
    "first_matching_chain",
]

MAX_MATCHER_LENGTH: Final = 512
"""The CRD's ``maxLength`` of ``celMatcher`` (in characters)."""

MAX_MATCHER_DEPTH: Final = 160
"""Deepest parse tree accepted (about 15 levels of parentheses). Our own limit, so that
evaluation never runs out of Python stack; GKE's limit is not documented."""

# Attribute -> CEL type. "map" is map(string, string).
_ATTRIBUTE_TYPES: Final[Mapping[str, str]] = MappingProxyType({
    "request.headers": "map",
    "request.method": "string",
    "request.host": "string",
    "request.path": "string",
    "request.query": "string",
    "request.scheme": "string",
    "response.code": "int",
    "response.grpc_status": "int",
    "response.headers": "map",
    "source.address": "string",
    "source.port": "int",
    "connection.requested_server_name": "string",
    "connection.tls_version": "string",
    "connection.sha256_peer_certificate_digest": "string",
    "request.backend_service_num_endpoints": "int",
})

BACKEND_SERVICE_NUM_ENDPOINTS: Final = "request.backend_service_num_endpoints"
"""Attribute admitted only by the newest GCPTrafficExtension CRD (pass it in
``extra_attributes``)."""

ALLOWED_ATTRIBUTES: Final[frozenset[str]] = frozenset(_ATTRIBUTE_TYPES) - {
    BACKEND_SERVICE_NUM_ENDPOINTS
}
"""Attributes every CRD generation allows in ``celMatcher``."""

ALLOWED_FUNCTIONS: Final[frozenset[str]] = frozenset(
    {"startsWith", "endsWith", "matches", "contains", "lowerAscii", "upperAscii", "int"}
)
"""Functions GKE allows in ``celMatcher``."""

_ROOTS: Final = ("request", "response", "source", "connection")

# name -> (receiver type or None for a global call, argument types, result type)
_SIGNATURES: Final[Mapping[tuple[str, bool], tuple[tuple[str, ...], str]]] = MappingProxyType({
    ("startsWith", True): (("string",), "bool"),
    ("endsWith", True): (("string",), "bool"),
    ("contains", True): (("string",), "bool"),
    ("matches", True): (("string",), "bool"),
    ("matches", False): (("string", "string"), "bool"),
    ("lowerAscii", True): ((), "string"),
    ("upperAscii", True): ((), "string"),
    ("int", False): (("dyn",), "int"),
})

# --------------------------------------------------------------------------- CRD pattern

# The celMatcher ``pattern`` of the CRDs is a sequence of these tokens (plus the attribute
# names and the allowed function names). Matched here with a small dynamic programme rather
# than the regex itself: the regex backtracks exponentially on some inputs in Python's ``re``
# and cannot say where a string stops matching.
_CRD_SYMBOLS: Final = (
    " ", "==", "!=", "&&", ">=", "<=", ">", "<", "||", "!", "+", ".", "/", "(", ")", "[", "]",
    *"0123456789",
)
_CRD_STRING_CHARS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-._~%!$&'()*+,;=:\"\\"
)
_CRD_RAW_STRING_CHARS: Final = _CRD_STRING_CHARS - {'"'}


@functools.lru_cache(maxsize=8)
def _tokens_by_first_char(names: tuple[str, ...]) -> Mapping[str, tuple[str, ...]]:
    """The CRD's fixed tokens (symbols and ``names``) grouped by their first character."""
    grouped: dict[str, list[str]] = {}
    for tok in (*_CRD_SYMBOLS, *names):
        grouped.setdefault(tok[0], []).append(tok)
    return MappingProxyType({first: tuple(toks) for first, toks in grouped.items()})


def _crd_pattern_problem(expr: str, names: Iterable[str]) -> str | None:
    """Why ``expr`` does not match the CRD's celMatcher ``pattern``, or None if it does."""
    n = len(expr)
    if n == 0:
        return "is empty"
    by_first = _tokens_by_first_char(tuple(names))
    reach = bytearray(n + 1)
    reach[0] = 1
    for i in range(n):
        if not reach[i]:
            continue
        first = expr[i]
        for tok in by_first.get(first, ()):
            if expr.startswith(tok, i):
                reach[i + len(tok)] = 1
        if first in "'\"":
            # '...' and "..." may contain both quote characters: every later quote closes.
            j = i + 1
            while j < n and expr[j] in _CRD_STRING_CHARS:
                if expr[j] == first:
                    reach[j + 1] = 1
                j += 1
        elif first == "\u201c":  # “...”
            j = i + 1
            while j < n and expr[j] in _CRD_STRING_CHARS:
                j += 1
            if j < n and expr[j] == "\u201d":
                reach[j + 1] = 1
        elif first == "R" and expr.startswith('R"', i):
            j = i + 2
            while j < n and expr[j] in _CRD_RAW_STRING_CHARS:
                j += 1
            if j < n and expr[j] == '"':
                reach[j + 1] = 1
    if reach[n]:
        return None
    stop = max(i for i in range(n + 1) if reach[i])
    char = expr[stop]
    if char in "'\"\u201c" or expr.startswith('R"', stop):
        j = stop + (2 if char == "R" else 1)
        allowed = _CRD_RAW_STRING_CHARS if char == "R" else _CRD_STRING_CHARS
        while j < n and expr[j] in allowed:
            j += 1
        if j < n:
            return (f"character {expr[j]!r} at column {j + 1} is not allowed inside a string "
                    f"literal by the CRD's celMatcher pattern (the API server rejects it)")
        return (f"the string literal starting at column {stop + 1} is not closed as the CRD's "
                f"celMatcher pattern requires (the API server rejects it)")
    return (f"character {char!r} at column {stop + 1} does not start any token the CRD's "
            f"celMatcher pattern allows (the API server rejects it)")


# --------------------------------------------------------------------------- checking


def check_matcher(expr: str, extra_attributes: frozenset[str] = frozenset()) -> list[str]:
    """Every problem with the CEL matcher ``expr``, as plain messages; ``[]`` means valid.

    Checks the CRD's length limit and token ``pattern``, that the expression parses as CEL,
    uses only the allowed attributes (plus ``extra_attributes``, e.g.
    :data:`BACKEND_SERVICE_NUM_ENDPOINTS` for the newest traffic CRD), only the allowed
    functions (``has()`` is not allowed), no identifiers but ``request``, ``response``,
    ``source`` and ``connection``, that types fit (a bool result, strings for string
    functions, like types on both sides of a comparison) and that ``matches()`` patterns are
    valid RE2. Messages carry no YAML path: callers add it. Results are cached per expression.
    """
    if not isinstance(expr, str):
        return [f"must be a string, not {type(expr).__name__}"]
    return list(_analyse(expr, frozenset(extra_attributes)))


@functools.lru_cache(maxsize=4096)
def _analyse(expr: str, extra_attributes: frozenset[str]) -> tuple[str, ...]:
    # Imported here: _cel_fast reads this module's tables at its import.
    from gke_service_extensions.models._cel_fast import fast_valid

    allowed = ALLOWED_ATTRIBUTES | extra_attributes if extra_attributes else ALLOWED_ATTRIBUTES
    if fast_valid(expr, allowed):  # most valid matchers: no parser library at all
        return ()
    return _full_analysis(expr, allowed)


def _full_analysis(expr: str, allowed: frozenset[str]) -> tuple[str, ...]:
    """Every problem of ``expr``, found with celpy's parser (the fast path's reference)."""
    problems: list[str] = []
    if len(expr) > MAX_MATCHER_LENGTH:
        problems.append(f"is {len(expr)} characters long; at most {MAX_MATCHER_LENGTH} allowed")
    if not expr.strip():
        problems.append("does not parse as CEL: the expression is empty")
    else:
        tree, parse_problem = _cel_parse(expr)
        if parse_problem is not None:
            problems.append(parse_problem)
        else:
            depth = _tree_depth(tree)
            if depth > MAX_MATCHER_DEPTH:
                problems.append(f"is nested too deeply (parse tree depth {depth}, at most "
                                f"{MAX_MATCHER_DEPTH}); simplify it")
            else:
                checker = _Checker(allowed)
                checker.check(tree)
                problems.extend(checker.problems)
    crd = _crd_pattern_problem(expr, sorted(allowed | ALLOWED_FUNCTIONS, key=len, reverse=True))
    if crd is not None and expr:
        problems.append(crd)
    return tuple(problems)


def _tree_depth(tree: Any) -> int:
    """Depth of a lark tree, computed without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((c, depth + 1) for c in getattr(node, "children", ()) if _is_tree(c))
    return deepest


def _a(kind: str) -> str:
    """``kind`` with its indefinite article: ``a string``, ``an int``."""
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def _short(text: str, limit: int = 40) -> str:
    """``text`` quoted, cut to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _is_tree(node: Any) -> bool:
    return hasattr(node, "data")


def _where(node: Any) -> str:
    """``column N`` (or ``line L column N``) of a tree or token (its first positioned part)."""
    stack = [node]
    while stack:
        item = stack.pop()
        meta = getattr(item, "meta", item)
        column = getattr(meta, "column", None)
        if column is not None:
            line = getattr(meta, "line", None)
            return f"line {line} column {column}" if line not in (None, 1) else f"column {column}"
        stack.extend(reversed(getattr(item, "children", ())))
    return "somewhere"


# Type tags used by the checker: CEL type names, "dyn" (unknown), and "root:<name>" for a
# bare root identifier that still needs ``.attribute``.
_COMPARABLE: Final = frozenset({"string", "int", "uint", "double", "bool", "bytes"})
_NUMBERS: Final = frozenset({"int", "uint", "double"})  # CEL orders these across types
_ARITHMETIC: Final = {"addition_add": "+", "addition_sub": "-", "multiplication_mul": "*",
                      "multiplication_div": "/", "multiplication_mod": "%"}
_RELATIONS: Final = {"relation_lt": "<", "relation_le": "<=", "relation_gt": ">",
                     "relation_ge": ">=", "relation_eq": "==", "relation_ne": "!=",
                     "relation_in": "in"}
_LITERAL_TYPES: Final = {"INT_LIT": "int", "UINT_LIT": "uint", "FLOAT_LIT": "double",
                         "STRING_LIT": "string", "MLSTRING_LIT": "string", "BYTES_LIT": "bytes",
                         "BOOL_LIT": "bool", "NULL_LIT": "null"}


class _Checker:
    """Walks a celpy parse tree: allow-lists names and infers types (``dyn`` when unsure)."""

    def __init__(self, allowed_attributes: frozenset[str]) -> None:
        self.allowed = allowed_attributes
        self.problems: list[str] = []

    def check(self, tree: Any) -> None:
        result = self._value(self._walk(tree), tree)
        if result not in ("bool", "dyn"):
            self.problems.append(f"evaluates to {_a(result)}, but a matcher must evaluate to bool")

    def _problem(self, node: Any, message: str) -> None:
        self.problems.append(f"{message} ({_where(node)})")

    def _value(self, kind: str, node: Any) -> str:
        """``kind`` used as a value: a bare root is an error there."""
        if kind.startswith("root:"):
            root = kind[5:]
            self._problem(node, f"{root!r} is not a value on its own; use one of its "
                                f"attributes, e.g. {root}.{self._example(root)}")
            return "dyn"
        return kind

    def _example(self, root: str) -> str:
        return sorted(a for a in self.allowed if a.startswith(root + "."))[0].split(".", 1)[1]

    def _walk(self, node: Any) -> str:
        rule = str(node.data)
        kids = node.children
        if rule in ("expr", "conditionalor", "conditionaland"):
            if len(kids) == 1:
                return self._walk(kids[0])
            if rule == "expr":  # c ? a : b
                self._expect(kids[0], "bool", "the condition of ?:")
                return self._same(node, "?:", self._val(kids[1]), self._val(kids[2]))
            op = "||" if rule == "conditionalor" else "&&"
            self._expect(kids[0], "bool", f"the left side of {op}")
            self._expect(kids[1], "bool", f"the right side of {op}")
            return "bool"
        if rule in ("relation", "addition", "multiplication"):
            if len(kids) == 1:
                return self._walk(kids[0])
            op_node, right = kids
            op_rule = str(op_node.data)
            left_t = self._val(op_node.children[0])
            right_t = self._val(right)
            if op_rule in _RELATIONS:
                return self._relation(op_node, _RELATIONS[op_rule], left_t, right_t)
            return self._arithmetic(op_node, _ARITHMETIC[op_rule], left_t, right_t)
        if rule == "unary":
            if len(kids) == 1:
                return self._walk(kids[0])
            if str(kids[0].data) == "unary_not":
                self._expect(kids[1], "bool", "the operand of !")
                return "bool"
            operand = self._val(kids[1])
            if operand not in ("int", "double", "dyn"):
                self._problem(kids[0], f"cannot negate {_a(operand)}")
            return operand
        if rule in ("member", "primary"):
            return self._walk(kids[0])
        if rule == "paren_expr":
            return self._value(self._walk(kids[0]), kids[0])
        if rule in ("ident", "dot_ident"):
            return self._ident(node, str(kids[0]))
        if rule == "member_dot":
            return self._select(node, self._walk(kids[0]), str(kids[1]))
        if rule == "member_index":
            return self._index(node, self._walk(kids[0]), self._val(kids[1]))
        if rule in ("ident_arg", "dot_ident_arg"):
            return self._call(node, kids[0], None, kids[1:])
        if rule == "member_dot_arg":
            return self._call(kids[1], kids[1], self._walk(kids[0]), kids[2:])
        if rule == "literal":
            return _LITERAL_TYPES.get(kids[0].type, "dyn")
        if rule == "list_lit":
            for item in self._args(kids):
                self._val(item)
            return "list"
        if rule == "map_lit":
            for item in kids[0].children if kids else ():
                self._val(item)
            return "dyn"  # not a header map: keys and values of any type
        if rule == "member_object":
            self._problem(node, "message construction (Type{...}) is not allowed")
            return "dyn"
        self._problem(node, f"unsupported construct {rule!r}")  # pragma: no cover - grammar
        return "dyn"  # pragma: no cover

    def _val(self, node: Any) -> str:
        return self._value(self._walk(node), node)

    def _expect(self, node: Any, wanted: str, what: str) -> None:
        got = self._val(node)
        if got not in (wanted, "dyn"):
            self._problem(node, f"{what} must be {_a(wanted)}, not {_a(got)}")

    def _same(self, node: Any, op: str, left: str, right: str) -> str:
        """The common type of both sides of ``op`` (``dyn`` when unknown or mismatched)."""
        if left == "dyn" or left == right:
            return right
        if right == "dyn":
            return left
        self._problem(node, f"{op} has {_a(left)} on one side and {_a(right)} on the other; "
                            f"CEL has no such overload")
        return "dyn"

    def _relation(self, node: Any, op: str, left: str, right: str) -> str:
        if op == "in":
            if right not in ("list", "map", "dyn"):
                self._problem(node, f"'in' needs a list or map on the right, not {_a(right)}")
            return "bool"
        if op in ("==", "!="):
            self._same(node, op, left, right)
            return "bool"
        for side in (left, right):
            if side not in _COMPARABLE and side != "dyn":
                self._problem(node, f"{op} cannot order {_a(side)}")
                return "bool"
        if left in _NUMBERS and right in _NUMBERS:
            return "bool"
        self._same(node, op, left, right)
        return "bool"

    def _arithmetic(self, node: Any, op: str, left: str, right: str) -> str:
        ok = {"+": {"int", "uint", "double", "string", "bytes", "list"},
              "-": {"int", "uint", "double"}, "*": {"int", "uint", "double"},
              "/": {"int", "uint", "double"}, "%": {"int", "uint"}}[op]
        for side in (left, right):
            if side not in ok and side != "dyn":
                self._problem(node, f"{op} is not defined for {_a(side)}")
                return "dyn"
        return self._same(node, op, left, right)

    def _ident(self, node: Any, name: str) -> str:
        if name in _ROOTS:
            return f"root:{name}"
        if name in ("true", "false"):  # pragma: no cover - the lexer makes these literals
            return "bool"
        self._problem(node, f"unknown identifier {_short(name)}; a matcher can only read "
                            f"request, response, source and connection")
        return "dyn"

    def _select(self, node: Any, base: str, name: str) -> str:
        if base.startswith("root:"):
            attribute = f"{base[5:]}.{name}"
            if attribute not in self.allowed:
                same_root = sorted(a for a in self.allowed if a.startswith(base[5:] + "."))
                self._problem(node, f"unknown attribute {_short(attribute, 60)}; allowed "
                                    f"{base[5:]} attributes: {', '.join(same_root)}")
                return "dyn"
            return _ATTRIBUTE_TYPES.get(attribute, "dyn")
        if base in ("map", "dyn"):
            return "string" if base == "map" else "dyn"
        self._problem(node, f"field {_short(name)} cannot be selected from {_a(base)}")
        return "dyn"

    def _index(self, node: Any, base: str, key: str) -> str:
        base = self._value(base, node)
        if base == "map":
            if key not in ("string", "dyn"):
                self._problem(node, f"header maps are indexed by string, not by {key}")
            return "string"
        if base == "list":
            if key not in ("int", "uint", "dyn"):
                self._problem(node, f"lists are indexed by int, not by {key}")
            return "dyn"
        if base != "dyn":
            self._problem(node, f"cannot index {_a(base)} with [...]")
        return "dyn"

    @staticmethod
    def _args(kids: Sequence[Any]) -> list[Any]:
        return list(kids[0].children) if kids else []

    def _call(self, node: Any, name_token: Any, receiver: str | None,
              rest: Sequence[Any]) -> str:
        """A call; ``node`` locates it, ``receiver`` is None for a global call."""
        name = str(name_token)
        args = self._args(rest)
        if receiver is not None:
            receiver = self._value(receiver, node)
        if name == "has":
            self._problem(node, "has() is not allowed in GKE CEL matchers")
            return "bool"
        arg_types = [self._val(a) for a in args]
        if name not in ALLOWED_FUNCTIONS:
            self._problem(node, f"function {_short(name)} is not allowed; allowed: "
                                f"{', '.join(sorted(ALLOWED_FUNCTIONS))}")
            return "dyn"
        signature = _SIGNATURES.get((name, receiver is not None))
        if signature is None:
            how = (f"as a method, e.g. request.path.{name}(...)" if receiver is None
                   else f"as a function, e.g. {name}(request.headers['x'])")
            self._problem(node, f"{name}() must be called {how}")
            return "dyn"
        params, result = signature
        if len(args) != len(params):
            self._problem(node, f"{name}() takes {len(params)} argument"
                                f"{'s' if len(params) != 1 else ''}, got {len(args)}")
            return result
        if receiver not in (None, "string", "dyn"):
            self._problem(node, f"{name}() needs a string receiver, not {_a(receiver)}")
        for param, got in zip(params, arg_types, strict=True):
            if param != "dyn" and got not in (param, "dyn"):
                self._problem(node, f"{name}() needs {_a(param)} argument, not {_a(got)}")
        if name == "int" and arg_types[0] not in ("string", "int", "uint", "double", "dyn"):
            self._problem(node, f"int() cannot convert {_a(arg_types[0])}")
        if name == "matches":
            pattern_node = args[-1]
            regex = _string_literal_value(pattern_node)
            if regex is not None:
                error = _re2_error(regex)
                if error is not None:
                    self._problem(pattern_node, f"matches() pattern {regex!r} is not valid RE2: "
                                                f"{error}")
        return result


def _string_literal_value(node: Any) -> str | None:
    """The value of a plain string literal argument, or None when it is anything else."""
    while _is_tree(node) and len(node.children) == 1 and str(node.data) != "literal":
        node = node.children[0]
    if not _is_tree(node) or str(node.data) != "literal":
        return None
    token = node.children[0]
    if token.type != "STRING_LIT":
        return None
    try:
        return _cel_string_value(token)
    except Exception:  # a malformed escape: leave it to the evaluator
        return None


# --------------------------------------------------------------------------- evaluation


_HEADER_KEY = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token


@dataclass(frozen=True, slots=True)
class SampleRequest:
    """A request (and optionally its response) to evaluate matchers against.

    ``headers`` keys are lower-cased; give a header with several values as one
    comma-separated string, as GKE shows it. ``host`` and ``headers['host']`` mirror each
    other when only one is given. ``path`` excludes the query string: a ``?query`` in
    ``path`` is moved to ``query`` when ``query`` is empty. A field left as ``None`` is an
    absent attribute (no response yet, plain-text connection, ...).
    """

    path: str = "/"
    method: str = "GET"
    host: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    query: str = ""
    scheme: str = "https"
    response_code: int | None = None
    response_grpc_status: int | None = None
    response_headers: Mapping[str, str] | None = None
    source_address: str | None = None
    source_port: int | None = None
    requested_server_name: str | None = None
    tls_version: str | None = None
    sha256_peer_certificate_digest: str | None = None
    backend_service_num_endpoints: int | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("headers", "response_headers"):
                if value is None and f.name == "response_headers":
                    continue
                object.__setattr__(self, f.name, _headers(f.name, value))
                continue
            want: type = int if f.name in _INT_FIELDS else str
            if value is None and f.default is None:
                continue
            if not isinstance(value, want) or isinstance(value, bool):
                raise ManifestError(f"SampleRequest.{f.name} must be {want.__name__}"
                                    f"{' or None' if f.default is None else ''}, "
                                    f"not {type(value).__name__}")
        if "?" in self.path and not self.query:
            path, _, query = self.path.partition("?")
            object.__setattr__(self, "path", path)
            object.__setattr__(self, "query", query)
        object.__setattr__(self, "scheme", self.scheme.lower())
        headers = dict(self.headers)
        if self.host and "host" not in headers:
            headers["host"] = self.host
        elif not self.host and "host" in headers:
            object.__setattr__(self, "host", headers["host"])
        object.__setattr__(self, "headers", MappingProxyType(headers))

    def __hash__(self) -> int:
        return hash(tuple(
            tuple(sorted(v.items())) if isinstance(v, Mapping) else v
            for v in (getattr(self, f.name) for f in fields(self))
        ))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SampleRequest:
        """Build from a mapping of field names (``{"path": "/x", "headers": {...}}``)."""
        if not isinstance(data, Mapping):
            raise ManifestError(f"a sample request must be a SampleRequest or a mapping, "
                                f"not {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            raise ManifestError(f"unknown sample request field(s) {', '.join(unknown)}; "
                                f"known: {', '.join(sorted(known))}")
        return cls(**data)


_INT_FIELDS: Final = frozenset({"response_code", "response_grpc_status", "source_port",
                                "backend_service_num_endpoints"})


def _headers(name: str, value: Any) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise ManifestError(f"SampleRequest.{name} must be a mapping of header name to value, "
                            f"not {type(value).__name__}")
    out: dict[str, str] = {}
    for key, val in value.items():
        if not isinstance(key, str) or not _HEADER_KEY.fullmatch(key):
            raise ManifestError(f"SampleRequest.{name}: {key!r} is not a valid header name")
        if not isinstance(val, str):
            raise ManifestError(f"SampleRequest.{name}[{key!r}] must be a str (join several "
                                f"values with ','), not {type(val).__name__}")
        out[key.lower()] = val
    return MappingProxyType(out)


def evaluate_matcher(
    expr: str,
    request: SampleRequest | Mapping[str, Any],
    *,
    extra_attributes: frozenset[str] = frozenset(),
) -> bool:
    """Whether the CEL matcher ``expr`` matches ``request``, evaluated locally.

    Raises :class:`ManifestValidationError` listing every problem when ``expr`` is not a
    valid matcher (see :func:`check_matcher`) and :class:`ManifestError` for a bad
    ``request``. An expression whose evaluation fails on this request (a missing header, an
    absent attribute such as ``response.code`` before a response exists, ``int()`` of a
    non-number, an invalid regex) does not match, as in Envoy: CEL's ``||`` and ``&&``
    still absorb such errors (``request.headers['x'] == 'a' || true`` is true), but ``!``
    does not (``!(request.headers['missing'] == 'a')`` does not match).
    """
    sample = request if isinstance(request, SampleRequest) else SampleRequest.from_mapping(
        request)
    problems = check_matcher(expr, frozenset(extra_attributes))
    if problems:
        raise ManifestValidationError([Problem("celMatcher", p) for p in problems])
    return _cel_evaluate(expr, sample)


def first_matching_chain(
    chains: Iterable[tuple[str, Sequence[str] | None]],
    request: SampleRequest | Mapping[str, Any],
    *,
    extra_attributes: frozenset[str] = frozenset(),
) -> str | None:
    """The name of the first chain ``request`` hits, or None when no chain matches.

    ``chains`` are ``(chain_name, [celMatcher, ...])`` pairs in spec order; a chain's
    expressions are ORed, and a chain with no expressions (no ``matchCondition``) always
    matches. Invalid expressions raise :class:`ManifestValidationError` naming the chain.
    """
    sample = request if isinstance(request, SampleRequest) else SampleRequest.from_mapping(
        request)
    chains = _chain_pairs(chains)
    problems = [
        Problem(f"{name}.celExpressions[{i}].celMatcher", p)
        for name, exprs in chains
        for i, expr in enumerate(exprs or ())
        for p in check_matcher(expr, frozenset(extra_attributes))
    ]
    if problems:
        raise ManifestValidationError(problems)
    for name, exprs in chains:
        if not exprs or any(
            evaluate_matcher(e, sample, extra_attributes=extra_attributes) for e in exprs
        ):
            return name
    return None


def _chain_pairs(chains: Any) -> list[tuple[str, Sequence[str] | None]]:
    """``chains`` as a list of ``(name, expressions)``, or a clear :class:`ManifestError`."""
    if isinstance(chains, (str, bytes, Mapping)) or not isinstance(chains, Iterable):
        raise ManifestError("chains must be a list of (chain_name, [celMatcher, ...]) pairs, "
                            f"not {type(chains).__name__}")
    pairs: list[tuple[str, Sequence[str] | None]] = []
    for i, item in enumerate(chains):
        if not (isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2):
            raise ManifestError(f"chains[{i}] must be a (chain_name, [celMatcher, ...]) pair, "
                                f"not {item!r:.80}")
        name, exprs = item
        if not isinstance(name, str):
            raise ManifestError(f"chains[{i}]: the chain name must be a str, not "
                                f"{type(name).__name__}")
        if exprs is not None and (isinstance(exprs, str) or not isinstance(exprs, Sequence)):
            raise ManifestError(f"chains[{i}] ({name}): give the expressions as a list of "
                                f"strings (or None for no matchCondition), not "
                                f"{type(exprs).__name__}")
        pairs.append((name, exprs))
    return pairs


# --------------------------------------------------------------------------- celpy seam
# Everything below touches the untyped-in-practice celpy/lark objects; they stay ``Any``.

_CEL_LOCK = threading.RLock()
_TOKEN_NAMES: Final = {
    "IDENT": "a name", "INT_LIT": "a number", "UINT_LIT": "a number", "FLOAT_LIT": "a number",
    "STRING_LIT": "a string", "MLSTRING_LIT": "a string", "BYTES_LIT": "a bytes literal",
    "BOOL_LIT": "true/false", "NULL_LIT": "null", "$END": "the end of the expression",
}


@functools.lru_cache(maxsize=1)
def _cel_environment() -> Any:
    """The one celpy Environment, sharing the parser of :func:`_cel_parser`."""
    parser = _cel_parser()
    import celpy  # lazy: keeps `import gke_service_extensions` fast
    from celpy.celparser import CELParser

    with _CEL_LOCK:
        limit = sys.getrecursionlimit()
        try:
            if CELParser.CEL_PARSER is None:  # Environment() builds its own only when unset
                CELParser.CEL_PARSER = parser
            return celpy.Environment()
        finally:
            sys.setrecursionlimit(limit)  # celpy raises it process-wide; we bound depth instead


@functools.lru_cache(maxsize=1)
def _cel_parser() -> Any:
    """celpy's Lark parser (built as celpy builds it), without importing celpy itself."""
    with _CEL_LOCK:
        return _build_cel_parser(_parser_cache_file())


_PARSER_CACHE_FORMAT: Final = "1"  # bump when the options in _build_cel_parser change


def _celpy_file(name: str) -> Path:
    """A file of the celpy package, found without importing it (its import is slow)."""
    import importlib.util

    spec = importlib.util.find_spec("celpy")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency
        raise ImportError("cel-python (module celpy) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / name


def _user_cache_dir() -> Path | None:
    """This package's folder in the user's cache directory (not created), or None."""
    try:
        if sys.platform == "win32":
            base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        elif sys.platform == "darwin":
            base = str(Path.home() / "Library" / "Caches")
        else:
            xdg = os.environ.get("XDG_CACHE_HOME", "")
            base = xdg if os.path.isabs(xdg) else str(Path.home() / ".cache")
    except (RuntimeError, KeyError, OSError):  # no home directory
        return None
    return Path(base) / "gke-service-extensions"


def _parser_cache_file() -> Path | None:
    """Where the CEL parser tables are cached: keyed by celpy's grammar and parser module,
    the lark and Python versions."""
    import lark

    folder = _user_cache_dir()
    if folder is None:
        return None
    key = hashlib.sha256(b"\0".join([
        _celpy_file("cel.lark").read_bytes(), _celpy_file("celparser.py").read_bytes(),
        lark.__version__.encode(), _PARSER_CACHE_FORMAT.encode(),
        ".".join(map(str, sys.version_info[:2])).encode(),
    ])).hexdigest()[:24]
    return folder / f"cel-parser-{key}.lark"


def _ambiguous_literals(token: Any) -> Any:
    """``celpy.celparser.CELParser.ambiguous_literals``: ``true``/``false`` are BOOL_LIT."""
    from lark import Token

    if token.value in ("true", "false"):
        return Token("BOOL_LIT", token.value)
    return token


def _build_cel_parser(cache_file: Path | None) -> Any:
    """celpy's Lark parser: celpy's grammar with the options ``CELParser.__init__`` uses.

    Building the LALR tables costs ~150-250 ms; with ``cache_file`` they are loaded from
    there (Lark's ``cache=``, which checks a hash of grammar and options and rebuilds when
    the file is stale or unreadable) and saved there after a build. A cache that cannot be
    created, read or written only costs the build.
    """
    import lark

    grammar = _celpy_file("cel.lark").read_text(encoding="utf-8")
    options: dict[str, Any] = {
        "parser": "lalr", "start": "expr", "debug": True, "g_regex_flags": re.M,
        "lexer_callbacks": {"IDENT": _ambiguous_literals},
        "propagate_positions": True, "maybe_placeholders": False, "priority": "invert",
        "tree_class": lark.Tree,  # celpy.InterpretedRunner.tree_node_class
    }
    if cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            cache_file = None
    if cache_file is None:
        return lark.Lark(grammar, **options)
    # Lark hashes its options, the cache path included, into the file: the path must stay
    # the same from save to load (so no write-aside-and-rename). A reader racing a writer
    # reads a truncated file, which Lark treats as stale: it rebuilds and saves again.
    return lark.Lark(grammar, cache=str(cache_file), **options)


def _token_text(name: str) -> str:
    if name in _TOKEN_NAMES:
        return _TOKEN_NAMES[name]
    try:
        pattern = _cel_parser().get_terminal(name).pattern
    except Exception:
        return name
    return repr(pattern.value) if pattern.type == "str" else name


def _cel_parse(expr: str) -> tuple[Any, str | None]:
    """(tree, None) or (None, message)."""
    from lark.exceptions import (
        LarkError,
        UnexpectedCharacters,
        UnexpectedEOF,
        UnexpectedToken,
    )

    parser = _cel_parser()
    try:
        return parser.parse(expr), None
    except UnexpectedToken as ex:
        token = ex.token
        expected = sorted({_token_text(t) for t in ex.expected})
        hint = f"; expected {' or '.join(expected)}" if 0 < len(expected) <= 4 else ""
        if token.type == "$END":
            return None, (f"does not parse as CEL: the expression ends too early "
                          f"(column {len(expr) + 1}){hint}")
        return None, (f"does not parse as CEL: unexpected {str(token)!r} at "
                      f"{_where(token)}{hint}")
    except UnexpectedCharacters as ex:
        pos = ex.pos_in_stream
        char = expr[pos] if pos is not None and 0 <= pos < len(expr) else ex.char
        what = "unterminated string" if char in "'\"" else f"unexpected character {char!r}"
        return None, f"does not parse as CEL: {what} at {_where(ex)}"
    except UnexpectedEOF:
        return None, "does not parse as CEL: the expression ends too early"
    except LarkError as ex:  # pragma: no cover - other grammar errors
        return None, f"does not parse as CEL: {str(ex).splitlines()[0]}"


def _cel_string_value(token: Any) -> str:
    """The value of a CEL string literal token (with escapes applied)."""
    from celpy.evaluation import celstr

    return str(celstr(token))


_RE2_OPTIONS: Any = None


def _re2_error(pattern: str) -> str | None:
    """Why ``pattern`` is not valid RE2, or None."""
    import re2  # type: ignore[import-untyped]  # google-re2, a celpy dependency

    global _RE2_OPTIONS
    if _RE2_OPTIONS is None:
        options = re2.Options()
        options.log_errors = False  # re2 prints parse errors to stderr otherwise
        _RE2_OPTIONS = options
    try:
        re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as ex:
        detail = ex.args[0] if ex.args else ex
        return detail.decode() if isinstance(detail, bytes) else str(detail)
    return None


@functools.lru_cache(maxsize=1024)
def _cel_program(expr: str) -> Any:
    """A celpy runner for an already checked expression (cached; runners are reusable)."""
    env = _cel_environment()
    tree = _cel_parser().parse(expr)
    with _CEL_LOCK:  # Environment.program stores the runner on the environment
        return env.program(tree, functions=_cel_functions())


@functools.lru_cache(maxsize=1)
def _cel_functions() -> dict[str, Any]:
    from celpy import celtypes, evaluation
    from celpy.evaluation import CELEvalError

    lower = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    upper = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    int_text = re.compile(r"[+-]?[0-9]+")

    def lower_ascii(s: Any) -> Any:
        if not isinstance(s, str):
            return CELEvalError("no such overload", TypeError, (s,))
        return celtypes.StringType(str(s).translate(lower))

    def upper_ascii(s: Any) -> Any:
        if not isinstance(s, str):
            return CELEvalError("no such overload", TypeError, (s,))
        return celtypes.StringType(str(s).translate(upper))

    def to_int(v: Any) -> Any:
        # CEL int(): base-10 strings only (Python's int() also takes "1_0", " 1"), int64 range.
        if isinstance(v, celtypes.BoolType):
            return CELEvalError("no such overload", TypeError, (v,))
        if isinstance(v, str):
            if not int_text.fullmatch(v):
                return CELEvalError("invalid int", ValueError, (v,))
            n = int(v)
        elif isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                return CELEvalError("invalid int", ValueError, (v,))
            n = int(v)
        elif isinstance(v, int):
            n = int(v)
        else:
            return CELEvalError("no such overload", TypeError, (v,))
        if not -(2**63) <= n < 2**63:
            return CELEvalError("int overflow", ValueError, (v,))
        return celtypes.IntType(n)

    def number(v: Any) -> int | float | None:
        if isinstance(v, celtypes.BoolType):
            return None
        if isinstance(v, (celtypes.IntType, celtypes.UintType)):
            return int(v)
        return float(v) if isinstance(v, celtypes.DoubleType) else None

    def ordering(op: Any, same_type: Any) -> Any:
        # CEL orders int, uint and double against each other; celpy only within one type.
        def compare(a: Any, b: Any) -> Any:
            x, y = number(a), number(b)
            if x is not None and y is not None and type(a) is not type(b):
                return celtypes.BoolType(op(x, y))
            return same_type(a, b)

        return compare

    return {
        "lowerAscii": lower_ascii,
        "upperAscii": upper_ascii,
        "int": to_int,
        "_<_": ordering(operator.lt, evaluation.bool_lt),
        "_<=_": ordering(operator.le, evaluation.bool_le),
        "_>_": ordering(operator.gt, evaluation.bool_gt),
        "_>=_": ordering(operator.ge, evaluation.bool_ge),
    }


def _cel_activation(sample: SampleRequest) -> dict[str, Any]:
    from celpy import celtypes

    def s(v: str) -> Any:
        return celtypes.StringType(v)

    def m(values: Mapping[str, Any]) -> Any:
        return celtypes.MapType({s(k): v for k, v in values.items() if v is not None})

    def headers(h: Mapping[str, str]) -> Any:
        return celtypes.MapType({s(k): s(v) for k, v in h.items()})

    def opt(v: Any, conv: Any) -> Any:
        return None if v is None else conv(v)

    return {
        "request": m({
            "headers": headers(sample.headers),
            "method": s(sample.method),
            "host": s(sample.host),
            "path": s(sample.path),
            "query": s(sample.query),
            "scheme": s(sample.scheme),
            "backend_service_num_endpoints": opt(sample.backend_service_num_endpoints,
                                                 celtypes.IntType),
        }),
        "response": m({
            "code": opt(sample.response_code, celtypes.IntType),
            "grpc_status": opt(sample.response_grpc_status, celtypes.IntType),
            "headers": opt(sample.response_headers, headers),
        }),
        "source": m({
            "address": opt(sample.source_address, s),
            "port": opt(sample.source_port, celtypes.IntType),
        }),
        "connection": m({
            "requested_server_name": opt(sample.requested_server_name, s),
            "tls_version": opt(sample.tls_version, s),
            "sha256_peer_certificate_digest": opt(sample.sha256_peer_certificate_digest, s),
        }),
    }


def _cel_evaluate(expr: str, sample: SampleRequest) -> bool:
    from celpy import celtypes

    runner = _cel_program(expr)
    try:
        result = runner.evaluate(_cel_activation(sample))
    except Exception:  # any evaluation failure means "no match", as in Envoy
        return False
    return isinstance(result, celtypes.BoolType) and bool(result)
