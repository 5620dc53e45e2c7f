"""Limits on what the models accept, and the one walk that enforces them on plain data.

Every manifest (read from YAML by :func:`load_manifests` or given as a mapping to
``from_manifest``) is checked against these before anything else looks at it, so that no
later step (validation, pydantic, ``repr``, ``to_manifest``, YAML dumping) meets a value it
cannot handle. The figures are documented in ``docs/models.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MAX_ECHO",
    "MAX_INT",
    "MAX_PROBLEMS",
    "MAX_VALUES",
    "MIN_INT",
    "LimitError",
    "bad_text",
    "describe",
    "path_of",
    "scan",
    "scan_ok",
]

#: Nesting levels of mappings and lists in one document (the document itself is level 0).
MAX_DEPTH = 100
#: Values (mappings, lists, scalars and keys) in one document, after expanding YAML aliases.
MAX_VALUES = 100_000
#: Integers are 64-bit on the wire (JSON numbers the API server reads as int64).
MIN_INT, MAX_INT = -(2**63), 2**63 - 1
#: Problems listed by one ManifestValidationError (a last one says how many more there were).
MAX_PROBLEMS = 100
#: Characters of a value (or key) echoed in a message.
MAX_ECHO = 80


class LimitError(Exception):
    """Raised inside :func:`scan`; ``parts`` is the path to the bad value, innermost first."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.parts: list[str | int] = []


def clip(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` cut to ``limit`` characters (with ``...``)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(value: Any) -> str:
    """A short, bounded rendering of a value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(clip(value))
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)}"
    if isinstance(value, int):
        if MIN_INT <= value <= MAX_INT:
            return str(int(value))
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    if isinstance(value, float):
        return repr(value)
    return f"a {type(value).__name__}"


def path_of(parts: list[str | int]) -> str:
    """The YAML path of ``parts`` (outermost first), keys clipped to :data:`MAX_ECHO`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = clip(part)
            out = f"{out}.{key}" if out else key
    return out


def bad_text(value: str) -> bool:
    """True if ``value`` cannot be encoded as UTF-8 (it has a lone surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def scan_ok(value: Any, depth: int, budget: list[int]) -> bool:
    """:func:`scan` as a yes/no answer (for the compiled checkers)."""
    try:
        scan(value, depth, budget)
    except LimitError:
        return False
    return True


def scan(value: Any, depth: int = 0, budget: list[int] | None = None) -> None:
    """Raise :class:`LimitError` if ``value`` is not plain JSON-shaped data within the limits.

    Plain means: mappings with string keys, lists, strings of valid Unicode, 64-bit
    integers, finite floats, booleans and null, nested at most :data:`MAX_DEPTH` levels and
    at most :data:`MAX_VALUES` values in all (a value reached twice counts twice).
    """
    if budget is None:
        budget = [MAX_VALUES]
    t = type(value)
    if t is str:
        if not value.isascii() and bad_text(value):
            raise LimitError("must be valid Unicode text (it has a lone surrogate)")
        return
    if t is bool or value is None:
        return
    if t is int:
        if MIN_INT <= value <= MAX_INT:
            return
        raise LimitError(f"must be a 64-bit integer, got {describe(value)}")
    if t is dict or (t is not list and isinstance(value, Mapping)):
        if depth >= MAX_DEPTH:
            raise LimitError(f"nests deeper than {MAX_DEPTH} levels")
        budget[0] -= 2 * len(value)
        if budget[0] < 0:
            raise LimitError(f"has more than {MAX_VALUES:,} values")
        for key, item in value.items():
            if type(key) is not str and not isinstance(key, str):
                err = LimitError(f"keys must be strings, got {describe(key)}")
                err.parts.append(describe(key))
                raise err
            if not key.isascii() and bad_text(key):
                err = LimitError("keys must be valid Unicode text (this one has a lone surrogate)")
                err.parts.append(repr(key))
                raise err
            try:
                scan(item, depth + 1, budget)
            except LimitError as err:
                err.parts.append(key)
                raise
        return
    if t is list or t is tuple:
        if depth >= MAX_DEPTH:
            raise LimitError(f"nests deeper than {MAX_DEPTH} levels")
        budget[0] -= len(value)
        if budget[0] < 0:
            raise LimitError(f"has more than {MAX_VALUES:,} values")
        for i, item in enumerate(value):
            try:
                scan(item, depth + 1, budget)
            except LimitError as err:
                err.parts.append(i)
                raise
        return
    if t is float:
        if math.isfinite(value):
            return
        raise LimitError(f"must be a finite number, got {value!r}")
    # subclasses of the plain types (str and int enums, for example)
    if isinstance(value, bool):
        return
    if isinstance(value, str):
        scan(str(value), depth, budget)
        return
    if isinstance(value, int):
        scan(int(value), depth, budget)
        return
    if isinstance(value, float):
        scan(float(value), depth, budget)
        return
    if isinstance(value, bytes | bytearray):
        raise LimitError("binary values are not supported (give text, base64-encoded if need be)")
    raise LimitError("must be a string, number, boolean, null, list or mapping, got "
                     f"a {type(value).__name__}")
