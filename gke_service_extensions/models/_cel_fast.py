"""A fast, dependency-free recognizer of valid CEL matchers: the fast path of ``check_matcher``.

:func:`fast_valid` answers one question: is this matcher *certainly* valid? ``True`` means
exactly that the full check (``_cel._analyse``: the CRD length and ``pattern``, cel-python's
Lark parser, the tree-depth bound and ``_cel._Checker``'s type and allow-list rules) finds no
problem at all. ``False`` means "not sure": the caller then runs the full check, which also
writes the messages. Nothing here imports celpy or lark; ``re2`` is imported only for a
``matches()`` pattern outside the small regex subset recognized below.

Why this can be small and still exact: the CRD's celMatcher ``pattern`` admits only a tiny
alphabet (the attribute names, the allowed function names, ``== != && >= <= > < || ! + . / ( )
[ ]``, digits, spaces and four string-literal forms). Every lexeme of :data:`_TOKEN_RE` that is
accepted is itself a sequence of CRD tokens, so a fully tokenized expression matches the CRD
pattern; every accepted lexeme is lexed by Lark into the same terminal (no identifier/number
adjacency, no ``1.`` floats, no ``//`` comments, escapes decoded exactly as ``celpy``'s
``celstr`` decodes them), so the expression parses; and the parser below builds the same
left-associative tree as the CEL grammar over this subset, computing Lark's tree depth and the
type ``_Checker`` infers. Anything unusual gives up with ``False``.
"""

from __future__ import annotations

import functools
import re
from typing import Final

from gke_service_extensions.models._cel import (
    _ATTRIBUTE_TYPES,
    _CRD_RAW_STRING_CHARS,
    _CRD_STRING_CHARS,
    _SIGNATURES,
    ALLOWED_FUNCTIONS,
    MAX_MATCHER_DEPTH,
    MAX_MATCHER_LENGTH,
    _re2_error,
)

__all__ = ["fast_valid"]

_MAX_NESTING: Final = 12
"""Deepest ``(...)``, call or index nesting tried here (recursion stays tiny); deeper: give up."""

_DEPTH_LIMIT: Final = MAX_MATCHER_DEPTH - 8
"""Accepted Lark tree depth: a margin below the real bound, so it can never be crossed."""


def _char_class(chars: frozenset[str] | set[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


# --------------------------------------------------------------------------- tokens

# Cooked strings: plain characters of the CRD's string class except the quote and backslash,
# or a backslash pair. The pair's second character is never x/u/U/a digit (hex, unicode and
# octal escapes are left to the full check), so Lark's STRING_LIT regex, celpy's celstr and
# this pattern all split the literal into the same pieces.
_ESCAPABLE: Final = _CRD_STRING_CHARS - set("xuU0123456789")
_SINGLE: Final = (f"'(?:{_char_class(_CRD_STRING_CHARS - {chr(39), chr(92)})}"
                  f"|\\\\{_char_class(_ESCAPABLE)})*'")
_DOUBLE: Final = (f'"(?:{_char_class(_CRD_STRING_CHARS - {chr(34), chr(92)})}'
                  f'|\\\\{_char_class(_ESCAPABLE)})*"')
# Raw strings: the CRD allows R"..." without '"' inside; a last backslash would make Lark's
# regex read \" as an escape and run past the closing quote, so it is left to the full check.
_RAW: Final = (f'R"(?:{_char_class(_CRD_RAW_STRING_CHARS)}*'
               f'{_char_class(_CRD_RAW_STRING_CHARS - {chr(92)})})?"')
_STRING_FUNCTIONS: Final[dict[str, str]] = {
    name: result
    for (name, method), (params, result) in _SIGNATURES.items()
    if method and params == ("string",) and name in ALLOWED_FUNCTIONS
}
"""Methods of a string taking one string: startsWith, endsWith, contains, matches."""
_NULLARY_FUNCTIONS: Final[dict[str, str]] = {
    name: result
    for (name, method), (params, result) in _SIGNATURES.items()
    if method and params == () and name in ALLOWED_FUNCTIONS
}
"""Methods of a string taking nothing: lowerAscii, upperAscii."""
_FUSED_CALLS: Final[dict[str, tuple[str, bool]]] = {
    **{f".{name}(": (name, False) for name in _STRING_FUNCTIONS},
    **{f".{name}()": (name, True) for name in _NULLARY_FUNCTIONS},
}
"""Lexemes for the usual unspaced ``.name(`` and ``.name()``: (name, takes no argument)."""

# A whole identifier run (so "request.pathX" or "int2" is one unknown lexeme, never a prefix),
# a whole digit run with any letter, '_' or '.' glued to it (so "1.5", "0x1", "1u" are unknown),
# the operators ("//" is a comment for Lark: its own, unknown, lexeme), or one stray character.
# For speed, three common runs of CRD tokens are one lexeme each: ".name(" and ".name()" of the
# string methods and "['key']" (an index by a string literal); spaced, they come apart.
_TOKEN_RE: Final = re.compile(
    f" *({_RAW}|{_SINGLE}|{_DOUBLE}"
    r"|(?:request|response|source|connection)\.[A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_]*"
    r"|[0-9][0-9A-Za-z_.]*"
    f"|{'|'.join(re.escape(call) for call in sorted(_FUSED_CALLS, reverse=True))}"
    f"|\\[(?:{_RAW}|{_SINGLE}|{_DOUBLE})\\]"
    r"|==|!=|&&|\|\||>=|<=|//|[<>!+./()\[\]]"
    r"|[^ ])"
)

_BINARY: Final[dict[str, int]] = {
    "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3, "+": 4, "/": 5,
}
"""Binary operators and their CEL grammar level (or 1, and 2, relation 3, addition 4,
multiplication 5); unary is level 6, member 7, primary 8."""

_ESCAPES: Final[dict[str, str]] = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    '"': '"', "'": "'", "\\": "\\",
}
"""celpy's CEL_ESCAPES; any other backslash pair stays as written, as in celstr."""
_PAIR_RE: Final = re.compile(r"\\(.)")


class _NotSure(Exception):
    """Raised anywhere in the parser to give up (the full check decides)."""


# A parsed subexpression is the tuple (type, level, height, literal, next position): its CEL
# type as ``_Checker`` infers it ("bool", "int", "string" or "map"), its grammar level, the
# depth of its Lark subtree counted from the node of that level, and its lexeme when it is a
# (parenthesized) string literal (``_Checker`` checks such a ``matches()`` argument). Seen
# from a lower level L, the subtree gains one wrapper node per level in between: its depth
# there is ``height + level - L``; as a whole ``expr`` it is ``height + level``.
_Parsed = tuple[str, int, int, str | None, int]

_TYPES: Final[dict[str, str]] = dict(_ATTRIBUTE_TYPES)


# --------------------------------------------------------------------------- entry point


def fast_valid(expr: str, allowed_attributes: frozenset[str]) -> bool:
    """True only if ``expr`` is a matcher the full check accepts without any problem.

    ``allowed_attributes`` is the full set of attributes allowed (``ALLOWED_ATTRIBUTES`` plus
    the extra ones). False means "not sure": run the full check.
    """
    if len(expr) > MAX_MATCHER_LENGTH:
        return False
    tokens = _TOKEN_RE.findall(expr)
    if not tokens:
        return False
    end = len(tokens)
    tokens += ("", "", "")  # end sentinels: lookahead never runs off the list
    try:
        kind, level, height, _, pos = _expr(tokens, 0, 1, allowed_attributes, 0)
    except _NotSure:
        return False
    return pos == end and kind == "bool" and height + level <= _DEPTH_LIMIT


def parse_for_tests(expr: str) -> tuple[str, int] | None:
    """(type, Lark tree depth) of ``expr`` as this parser sees it, or None when it gives up.

    For the differential tests only: the depth must equal the depth of celpy's tree.
    """
    tokens = _TOKEN_RE.findall(expr)
    end = len(tokens)
    tokens += ("", "", "")
    try:
        kind, level, height, _, pos = _expr(tokens, 0, 1, frozenset(_ATTRIBUTE_TYPES), 0)
    except _NotSure:
        return None
    return (kind, height + level) if pos == end else None


# --------------------------------------------------------------------------- parser
# Precedence climbing over the lexeme list, typing as ``_Checker`` does. Flat functions and
# tuples rather than objects: this is the hot path of validating manifests.


def _expr(tokens: list[str], pos: int, min_level: int, allowed: frozenset[str],
          nesting: int) -> _Parsed:
    """The expression at ``pos`` whose binary operators are all of ``min_level`` or above."""
    return _climb(_unary(tokens, pos, allowed, nesting), tokens, min_level, allowed, nesting)


def _climb(left: _Parsed, tokens: list[str], min_level: int, allowed: frozenset[str],
           nesting: int) -> _Parsed:
    """``left`` extended by the binary operators of ``min_level`` or above that follow it."""
    kind, level, height, literal, pos = left
    op = tokens[pos]
    op_level = _BINARY.get(op)
    while op_level is not None and op_level >= min_level:
        right_operand = _unary(tokens, pos + 1, allowed, nesting)
        next_level = _BINARY.get(tokens[right_operand[4]])
        if next_level is not None and next_level > op_level:  # it binds the right operand
            right_operand = _climb(right_operand, tokens, op_level + 1, allowed, nesting)
        right, r_level, r_height, _, pos = right_operand
        left_depth = height + level - op_level
        right_depth = r_height + r_level - op_level - 1
        if op_level <= 2:  # || and &&: conditionalor(conditionalor, conditionaland)
            if kind != "bool" or right != "bool":
                raise _NotSure
        else:  # relation(relation_op(relation), addition); + and / have the same shape
            left_depth += 1
            if kind != right:
                raise _NotSure
            if op_level == 3:
                if kind == "map" and op != "==" and op != "!=":  # maps are not ordered
                    raise _NotSure
                kind = "bool"
            elif kind != "int" and not (kind == "string" and op == "+"):
                raise _NotSure
        height = 1 + (left_depth if left_depth > right_depth else right_depth)
        level = op_level
        literal = None
        op = tokens[pos]
        op_level = _BINARY.get(op)
    return kind, level, height, literal, pos


def _unary(tokens: list[str], pos: int, allowed: frozenset[str], nesting: int) -> _Parsed:
    """``!``* then a primary and its member suffixes (calls, indexing)."""
    lexeme = tokens[pos]
    pos += 1
    nots = 0
    while lexeme == "!":
        nots += 1
        lexeme = tokens[pos]
        pos += 1
    literal: str | None = None
    first = lexeme[:1]
    kind: str | None
    if (kind := _TYPES.get(lexeme)) is not None:
        if lexeme not in allowed:
            raise _NotSure
        level, height = 7, 5  # member(member_dot(member(primary(ident)), IDENT))
    elif ((first == "'" or first == '"') and len(lexeme) > 1) or lexeme[:2] == 'R"':
        kind, level, height, literal = "string", 8, 2, lexeme  # primary(literal)
    elif lexeme.isdigit():
        kind, level, height = "int", 8, 2
    elif lexeme == "(":
        if nesting >= _MAX_NESTING:
            raise _NotSure
        kind, level, height, literal, pos = _expr(tokens, pos, 1, allowed, nesting + 1)
        if tokens[pos] != ")":
            raise _NotSure
        pos += 1
        level, height = 8, 2 + height + level  # primary(paren_expr(expr))
    elif lexeme == "int" and tokens[pos] == "(":  # the one usable global function
        if nesting >= _MAX_NESTING:
            raise _NotSure
        kind, level, height, _, pos = _expr(tokens, pos + 1, 1, allowed, nesting + 1)
        if tokens[pos] != ")" or (kind != "string" and kind != "int"):
            raise _NotSure
        pos += 1
        kind, level, height = "int", 8, 3 + height + level  # primary(ident_arg(exprlist))
    else:
        raise _NotSure
    lexeme = tokens[pos]
    first = lexeme[:1]
    while first == "." or first == "[":
        literal = None
        receiver_depth = height + level - 7
        level = 7
        if first == "[":  # member(member_index(member, expr))
            if kind != "map" or nesting >= _MAX_NESTING:
                raise _NotSure
            if len(lexeme) > 1:  # "['key']": the key is a string literal (expr depth 10)
                pos += 1
                kind, height = "string", 2 + (receiver_depth if receiver_depth > 10 else 10)
            else:
                key, k_level, k_height, _, pos = _expr(tokens, pos + 1, 1, allowed,
                                                       nesting + 1)
                if key != "string" or tokens[pos] != "]":
                    raise _NotSure
                pos += 1
                kind, height = "string", 2 + max(receiver_depth, k_height + k_level)
        else:  # member(member_dot_arg(member, IDENT, exprlist?))
            if kind != "string":
                raise _NotSure
            fused = _FUSED_CALLS.get(lexeme)
            if fused is not None:
                name, nullary = fused
                pos += 1
            else:
                name = tokens[pos + 1]
                if tokens[pos + 2] != "(":
                    raise _NotSure
                nullary = tokens[pos + 3] == ")"
                pos += 4 if nullary else 3
            if nullary:
                result = _NULLARY_FUNCTIONS.get(name)
                if result is None:
                    raise _NotSure
                kind, height = result, 2 + receiver_depth
            else:
                result = _STRING_FUNCTIONS.get(name)
                if result is None or nesting >= _MAX_NESTING:
                    raise _NotSure
                arg, a_level, a_height, a_literal, pos = _expr(tokens, pos, 1, allowed,
                                                              nesting + 1)
                if arg != "string" or tokens[pos] != ")":
                    raise _NotSure
                if name == "matches" and a_literal is not None and not _regex_ok(a_literal):
                    raise _NotSure
                pos += 1
                kind, height = result, 2 + max(receiver_depth, 1 + a_height + a_level)
        lexeme = tokens[pos]
        first = lexeme[:1]
    if nots:
        if kind != "bool":
            raise _NotSure
        for _ in range(nots):  # unary(unary_not, unary(...))
            depth = height + level - 6
            height = 1 + (depth if depth > 1 else 1)
            level = 6
            literal = None
    return kind, level, height, literal, pos


# --------------------------------------------------------------------------- matches()


def _string_value(lexeme: str) -> str:
    """The value of a string literal lexeme accepted by :data:`_TOKEN_RE`, as celstr gives it."""
    if lexeme.startswith("R"):
        return lexeme[2:-1]
    content = lexeme[1:-1]
    if "\\" not in content:
        return content
    if "\\" not in content.replace("\\\\", ""):  # only \\ pairs, the usual regex case
        return content.replace("\\\\", "\\")
    return _PAIR_RE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), content)


# Regexes surely valid in RE2: literals, '.', escaped punctuation and \d \s \w (and their
# negations), '*' or '+' after an atom or a ')', '$', and balanced groups. Anything else goes
# to re2 itself (which, unlike this, costs ~20 us per distinct pattern).
_SIMPLE_RE2: Final = re.compile(
    r"(?:(?:[A-Za-z0-9/_~%!&',;=:\"\-.]|\\[.$()*+/\\\-dDsSwW]|\))[*+]?|\(|\$)*"
)
_PARENS: Final = re.compile(r"\\.|[()]")


def _simple_re2(pattern: str) -> bool:
    if _SIMPLE_RE2.fullmatch(pattern) is None:
        return False
    open_groups = 0
    for match in _PARENS.finditer(pattern):
        lexeme = match.group()
        if lexeme == "(":
            open_groups += 1
        elif lexeme == ")":
            open_groups -= 1
            if open_groups < 0:
                return False
    return open_groups == 0


@functools.lru_cache(maxsize=1024)
def _regex_ok(lexeme: str) -> bool:
    """Whether the ``matches()`` pattern literal ``lexeme`` compiles in RE2."""
    pattern = _string_value(lexeme)
    return _simple_re2(pattern) or _re2_error(pattern) is None
