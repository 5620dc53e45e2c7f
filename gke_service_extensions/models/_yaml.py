"""Reading YAML text into plain data, refusing what Kubernetes would not accept.

PyYAML's C parser builds the node graph; the documents are then built here rather than by
PyYAML's constructor, so that:

- aliases are expanded with a bound (:data:`~._limits.MAX_VALUES` values per document) and
  a recursive alias is refused, instead of an alias bomb or a self-referencing list;
- duplicate keys are an error naming both lines (PyYAML keeps the last one silently);
- only JSON-shaped values come out: string keys, strings, integers, floats, booleans, null,
  lists and mappings. ``!!binary``, ``!!set`` and other tags are refused; timestamps stay
  the strings they were written as (as ``kubectl`` sends them).

Every refusal is a :class:`~gke_service_extensions.ManifestParseError` with a line number.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from .._errors import ManifestParseError
from ._limits import MAX_DEPTH, MAX_VALUES, clip

__all__ = ["load_documents", "yaml_modules"]

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP, _MERGE, _VALUE = _TAG + "timestamp", _TAG + "merge", _TAG + "value"
_SEQ, _MAP = _TAG + "seq", _TAG + "map"


def yaml_modules() -> tuple[Any, type[Any], type[Any]]:
    """PyYAML with its safe loader and dumper (C versions when built); imported on first use."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml, loader, dumper


@cache
def _scalar_constructor() -> Any:
    from yaml.constructor import SafeConstructor

    return SafeConstructor()


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _fail(node: Any, message: str, index: int) -> ManifestParseError:
    line = _line(node)
    return ManifestParseError(f"document {index}, line {line}: {message}", document_index=index,
                              line=line)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


class _Builder:
    """Builds one document from its node graph; see the module docstring."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.budget = MAX_VALUES
        self.active: set[int] = set()
        self.scalars = _scalar_constructor()

    def build(self, node: Any, depth: int) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _fail(node, f"the document has more than {MAX_VALUES:,} values (aliases "
                              "count once per use)", self.index)
        node_id = node.id
        if node_id == "scalar":
            return self.scalar(node)
        if depth >= MAX_DEPTH:
            raise _fail(node, f"nested deeper than {MAX_DEPTH} levels", self.index)
        key = id(node)
        if key in self.active:
            raise _fail(node, "a recursive alias (an alias used inside its own anchor)",
                        self.index)
        self.active.add(key)
        try:
            if node_id == "sequence":
                if node.tag != _SEQ:
                    raise _fail(node, f"unsupported YAML tag {_short_tag(node.tag)}",
                                self.index)
                return [self.build(child, depth + 1) for child in node.value]
            if node.tag != _MAP:
                raise _fail(node, f"unsupported YAML tag {_short_tag(node.tag)}", self.index)
            return self.mapping(node, depth)
        finally:
            self.active.discard(key)

    def scalar(self, node: Any) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        try:
            if tag == _INT:
                return self.scalars.construct_yaml_int(node)
            if tag == _NULL:
                return None
            if tag == _BOOL:
                return self.scalars.construct_yaml_bool(node)
            if tag == _FLOAT:
                return self.scalars.construct_yaml_float(node)
        except (ValueError, KeyError, IndexError):
            what = {_INT: "an integer", _FLOAT: "a number", _BOOL: "a boolean"}.get(tag, "null")
            raise _fail(node, f"{clip(node.value)!r} is not {what} (or is too long to be one)",
                        self.index) from None
        if tag in (_TIMESTAMP, _VALUE):
            return node.value  # kept as written, as kubectl sends it
        if tag == _TAG + "binary":
            raise _fail(node, "binary (!!binary) values are not supported; give the text, "
                              "base64-encoded, as a string", self.index)
        raise _fail(node, f"unsupported YAML tag {_short_tag(tag)}", self.index)

    def mapping(self, node: Any, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        lines: dict[str, int] = {}
        merged: list[Any] = []
        for key_node, value_node in node.value:
            if key_node.id == "scalar" and key_node.tag == _MERGE:
                merged.append(value_node)
                continue
            key = self.build(key_node, depth + 1) if key_node.id == "scalar" else None
            if not isinstance(key, str):
                shown = repr(clip(key_node.value)) if key_node.id == "scalar" else (
                    f"a {key_node.id}")
                raise _fail(key_node, f"mapping keys must be strings, got {shown} (quote it)",
                            self.index)
            if key in lines:
                raise _fail(key_node, f"duplicate key {clip(key)!r} (first at line "
                                      f"{lines[key]})", self.index)
            lines[key] = _line(key_node)
            out[key] = self.build(value_node, depth + 1)
        if not merged:
            return out
        # "<<: *base" merge keys: explicit keys win, then earlier merged mappings
        base: dict[str, Any] = {}
        for value_node in merged:
            sources = value_node.value if value_node.id == "sequence" else [value_node]
            for source in sources:
                value = self.build(source, depth + 1)
                if not isinstance(value, dict):
                    raise _fail(source, "a merge key (<<) takes a mapping or a list of "
                                        "mappings", self.index)
                for k, v in value.items():
                    base.setdefault(k, v)
        base.update(out)
        return base


def load_documents(text: str) -> list[Any]:
    """The documents of ``text``, built as described in the module docstring."""
    yaml, loader, _ = yaml_modules()
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as err:
            bad_line = text.count("\n", 0, err.start) + 1
            raise ManifestParseError(f"manifest is not valid Unicode text at line {bad_line}: "
                                     "it has a lone surrogate", line=bad_line) from None
    documents: list[Any] = []
    try:
        for index, node in enumerate(yaml.compose_all(text, Loader=loader)):
            documents.append(None if node is None else _Builder(index).build(node, 0))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = int(mark.line) + 1 if mark else None
        where = f" at line {line}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ManifestParseError(f"manifest is not valid YAML{where}: {problem}",
                                 line=line) from None
    except UnicodeError:
        raise ManifestParseError("manifest is not valid Unicode text (an escape gives a lone "
                                 "surrogate)") from None
    return documents
