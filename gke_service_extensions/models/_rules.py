"""Field constraints attached to model fields, read by the validator.

A model field carries its CRD constraints as ``Annotated`` metadata::

    name: Annotated[str, Text(max_len=63, pattern=DNS_LABEL)]

Pydantic ignores these objects; :mod:`._validation` reads them to check the wire form with
YAML paths and plain-English messages. Constraints that differ between CRD generations take a
callable that reads the active :class:`~._profiles.KindRules`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._profiles import KindRules

__all__ = ["Choice", "Items", "MapOf", "Number", "PatternSpec", "Text", "search"]


def _go_anchors(regex: str) -> str:
    """``regex`` with each ``$`` outside a character class made ``\\Z``.

    In Go's regexp (the API server's) ``$`` matches only at the end of the text; in
    Python's it also matches before a final newline, which would let ``"name\\n"`` pass.
    """
    out: list[str] = []
    in_class = escaped = False
    for i, ch in enumerate(regex):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            # "]" right after "[" or "[^" is a literal, not the end of the class
            if ch == "]" and regex[i - 1] != "[" and regex[i - 2: i] != "[^":
                in_class = False
        elif ch == "[":
            in_class = True
        elif ch == "$":
            out.append("\\Z")
            continue
        out.append(ch)
    return "".join(out)


@cache
def _compile(regex: str) -> re.Pattern[str]:
    # ASCII: in Go, \s, \d and \w match ASCII characters only
    return re.compile(_go_anchors(regex), re.ASCII)


def search(regex: str) -> Callable[[str], re.Match[str] | None]:
    """The ``search`` of a CRD pattern, compiled once as the API server reads it."""
    return _compile(regex).search


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """A regular expression plus the words used to explain it to a user."""

    regex: str
    means: str

    def matches(self, value: str) -> bool:
        # Go's regexp (used by the API server) matches anywhere unless anchored; our
        # patterns come from the CRDs, which anchor them. Compiled once, on first use.
        return _compile(self.regex).search(value) is not None


PatternSource = PatternSpec | Callable[["KindRules"], PatternSpec]


@dataclass(frozen=True, slots=True)
class Text:
    """A string with optional length bounds and pattern."""

    min_len: int | None = None
    max_len: int | None = None
    pattern: PatternSource | None = None


@dataclass(frozen=True, slots=True)
class Number:
    """An integer within ``[minimum, maximum]`` (either bound optional)."""

    minimum: int | None = None
    maximum: int | None = None
    #: Apply the bounds only when this returns True for the active rules (None: always).
    when: Callable[[KindRules], bool] | None = None


@dataclass(frozen=True, slots=True)
class Items:
    """A list with optional item-count bounds."""

    min_items: int | None = None
    #: A bound, or a callable reading it from the active rules (None there: unbounded).
    max_items: int | Callable[[KindRules], int | None] | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """A string that must be one of a fixed (or profile-dependent) set of values."""

    values: tuple[str, ...] | Callable[[KindRules], tuple[str, ...]]
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class MapOf:
    """A string-to-string map with bounds on entries, keys and values."""

    max_props: int | None = None
    key: Text | None = None
    value: Text | None = None
