"""Field ownership (``metadata.managedFields``) and server-side apply.

Ownership is tracked per manager at field granularity: a field is a path of map keys;
lists of maps whose items all carry a ``name`` (or ``type`` for conditions, ``port`` for
ports) are keyed by it; every other list is atomic (one field). That is coarser than the
real structured-merge-diff but gives the same answers for the objects the SDK writes: a
second manager applying a different value to a field another manager owns gets a
conflict, ``force`` takes ownership, equal values are shared.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["ApplyConflict", "apply_config", "path_string", "record_update"]

Path = tuple[str, ...]
_LIST_KEYS = ("name", "type", "port")
# Metadata fields the server owns; nobody manages them.
_SERVER_FIELDS = {"name", "namespace", "uid", "resourceVersion", "generation",
                  "creationTimestamp", "deletionTimestamp", "managedFields",
                  "deletionGracePeriodSeconds", "selfLink"}


class ApplyConflict(Exception):
    """An apply would change fields other managers own; ``causes`` are (path, message)."""

    def __init__(self, conflicts: list[tuple[Path, str, str]]) -> None:
        # conflicts: (path, printed manager, raw manager name)
        self.causes = [(path_string(p), f"conflict with {who}") for p, who, _ in conflicts]
        if len(conflicts) == 1:
            p, who, _ = conflicts[0]
            message = f"Apply failed with 1 conflict: conflict with {who}: {path_string(p)}"
        else:
            lines: list[str] = []
            for who in dict.fromkeys(c[1] for c in conflicts):
                lines.append(f"conflicts with {who}:")
                lines.extend(f"- {path_string(p)}" for p, w, _ in conflicts if w == who)
            message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
        super().__init__(message)


def path_string(path: Path) -> str:
    """``.spec.extensionChains[name="c1"].extensions`` style, as the API server prints."""
    out = []
    for token in path:
        if token.startswith("f:"):
            out.append("." + token[2:])
        else:
            key = json.loads(token[2:])
            out.append("[" + ",".join(f"{k}={json.dumps(v)}" for k, v in key.items()) + "]")
    return "".join(out)


def _list_key(items: list[Any]) -> str | None:
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in _LIST_KEYS:
        if all(key in i for i in items) and len({json.dumps(i[key]) for i in items}) == len(
                items):
            return key
    return None


def _leaves(value: Any, prefix: Path) -> Iterable[Path]:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from _leaves(v, (*prefix, f"f:{k}"))
    elif isinstance(value, list) and (key := _list_key(value)):
        for item in value:
            item_path = (*prefix, "k:" + json.dumps({key: item[key]}, separators=(",", ":")))
            rest = {k: v for k, v in item.items() if k != key}
            if rest:
                yield from _leaves(rest, item_path)
            else:
                yield item_path
    else:
        yield prefix


def fields_of(obj: Mapping[str, Any], subresource: str | None) -> set[Path]:
    """The paths a write of ``obj`` manages (status only for the status subresource)."""
    paths: set[Path] = set()
    for top, value in obj.items():
        if top in ("apiVersion", "kind"):
            continue
        if (top == "status") != (subresource == "status"):
            continue
        if top == "metadata" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in _SERVER_FIELDS}
            if not value:
                continue
        paths.update(_leaves(value, (f"f:{top}",)))
    return paths


def _get(obj: Any, path: Path) -> Any:
    node = obj
    for token in path:
        if token.startswith("f:"):
            if not isinstance(node, dict) or token[2:] not in node:
                return _MISSING
            node = node[token[2:]]
        else:
            key = json.loads(token[2:])
            if not isinstance(node, list):
                return _MISSING
            match = [i for i in node if isinstance(i, dict)
                     and all(i.get(k) == v for k, v in key.items())]
            if not match:
                return _MISSING
            node = match[0]
    return node


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _to_fieldsv1(paths: Iterable[Path]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for token in path:
            node = node.setdefault(token, {})
    return tree


def _from_fieldsv1(tree: Mapping[str, Any], prefix: Path = ()) -> set[Path]:
    paths: set[Path] = set()
    for token, sub in tree.items():
        if token == ".":  # noqa: S105 - the fieldsV1 "this node" marker
            continue
        if isinstance(sub, dict) and any(k != "." for k in sub):
            paths |= _from_fieldsv1(sub, (*prefix, token))
        else:
            paths.add((*prefix, token))
    return paths


def _overlaps(a: Path, b: Path) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entries(obj: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if not obj:
        return []
    return copy.deepcopy(list((obj.get("metadata") or {}).get("managedFields") or []))


def _entry(manager: str, operation: str, api_version: str, subresource: str | None,
           paths: set[Path]) -> dict[str, Any]:
    entry: dict[str, Any] = {"manager": manager, "operation": operation,
                             "apiVersion": api_version, "time": _now(),
                             "fieldsType": "FieldsV1", "fieldsV1": _to_fieldsv1(paths)}
    if subresource:
        entry["subresource"] = subresource
    return entry


def _same_entry(e: Mapping[str, Any], manager: str, operation: str,
                subresource: str | None) -> bool:
    return (e.get("manager") == manager and e.get("operation") == operation
            and (e.get("subresource") or None) == subresource)


def _printed(entry: Mapping[str, Any]) -> str:
    who = json.dumps(entry.get("manager", ""))
    if entry.get("subresource"):
        who += f' with subresource "{entry["subresource"]}"'
    if entry.get("operation") == "Update":
        who += f" using {entry.get('apiVersion')}"
        if entry.get("time"):
            who += f" at {entry['time']}"
    return who


def record_update(old: Mapping[str, Any] | None, new: Mapping[str, Any], manager: str,
                  api_version: str, subresource: str | None) -> list[dict[str, Any]]:
    """managedFields after a create/update/patch by ``manager`` (operation ``Update``).

    The manager takes every field whose value it changed (all fields on create); other
    managers lose those fields and any the write removed.
    """
    new_paths = fields_of(new, subresource)
    if old is None:
        return [_entry(manager, "Update", api_version, subresource, new_paths)]
    old_paths = fields_of(old, subresource)
    changed = {p for p in new_paths if _get(old, p) != _get(new, p)}
    removed = old_paths - new_paths
    result: list[dict[str, Any]] = []
    mine: set[Path] = set()
    for e in _entries(old):
        paths = _from_fieldsv1(e.get("fieldsV1") or {})
        if _same_entry(e, manager, "Update", subresource):
            mine = paths
            continue
        paths = {p for p in paths
                 if not any(_overlaps(p, c) for c in changed) and p not in removed}
        if paths:
            e["fieldsV1"] = _to_fieldsv1(paths)
            result.append(e)
    mine = (mine - removed) | changed
    if mine:
        result.append(_entry(manager, "Update", api_version, subresource, mine))
    return result


def _apply_merge(live: Any, config: Any) -> Any:
    if isinstance(live, dict) and isinstance(config, dict):
        out = copy.deepcopy(live)
        for k, v in config.items():
            out[k] = _apply_merge(live.get(k), v)
        return out
    if isinstance(live, list) and isinstance(config, list):
        key = _list_key(config)
        if key and _list_key(live) == key:
            # keyed lists merge item by item; items only in the live list stay
            wanted = {json.dumps(i[key]): i for i in config}
            merged = [_apply_merge(i, wanted.pop(json.dumps(i[key])))
                      if json.dumps(i[key]) in wanted else copy.deepcopy(i) for i in live]
            return merged + [copy.deepcopy(i) for i in wanted.values()]
    return copy.deepcopy(config)


def _remove(obj: Any, path: Path) -> None:
    parent = _get(obj, path[:-1]) if len(path) > 1 else obj
    token = path[-1]
    if token.startswith("f:") and isinstance(parent, dict):
        parent.pop(token[2:], None)
    elif isinstance(parent, list):
        key = json.loads(token[2:])
        parent[:] = [i for i in parent if not (isinstance(i, dict) and all(
            i.get(k) == v for k, v in key.items()))]


def apply_config(live: Mapping[str, Any] | None, config: Mapping[str, Any], manager: str,
                 api_version: str, *, force: bool = False,
                 subresource: str | None = None) -> dict[str, Any]:
    """The object after ``manager`` server-side-applies ``config`` to ``live``.

    Raises :class:`ApplyConflict` when the config sets, to a different value, a field that
    another manager owns (unless ``force``, which takes ownership). Fields this manager
    applied before and no longer specifies are removed unless someone else owns them.
    """
    cfg: dict[str, Any] = copy.deepcopy(dict(config))
    meta_in = cfg.get("metadata") or {}
    cfg["metadata"] = {k: v for k, v in meta_in.items() if k != "managedFields"}
    config = cfg
    applied = fields_of(config, subresource)
    if subresource == "status":
        cfg = {k: v for k, v in cfg.items() if k in ("apiVersion", "kind", "metadata", "status")}
    else:
        cfg.pop("status", None)
    config = cfg
    if live is None:
        new: dict[str, Any] = copy.deepcopy(cfg)
        new["metadata"]["managedFields"] = [
            _entry(manager, "Apply", api_version, subresource, applied)]
        return new

    entries = _entries(live)
    conflicts: list[tuple[Path, str, str]] = []
    previous: set[Path] = set()
    for e in entries:
        paths = _from_fieldsv1(e.get("fieldsV1") or {})
        if _same_entry(e, manager, "Apply", subresource):
            previous = paths
            continue
        if (e.get("subresource") or None) != subresource:
            continue
        for p in applied:
            for q in paths:
                if _overlaps(p, q):
                    shorter = p if len(p) <= len(q) else q
                    if _get(live, shorter) != _get(config, shorter):
                        conflicts.append((p, _printed(e), str(e.get("manager"))))
                        break
    if conflicts and not force:
        raise ApplyConflict(sorted(set(conflicts)))

    new = _apply_merge({k: v for k, v in live.items()}, cfg)
    others: set[Path] = set()
    result: list[dict[str, Any]] = []
    for e in entries:
        if _same_entry(e, manager, "Apply", subresource):
            continue
        paths = _from_fieldsv1(e.get("fieldsV1") or {})
        if force and (e.get("subresource") or None) == subresource:
            paths = {q for q in paths if not any(
                _overlaps(p, q) and _get(live, p if len(p) <= len(q) else q)
                != _get(config, p if len(p) <= len(q) else q) for p in applied)}
        if paths:
            e["fieldsV1"] = _to_fieldsv1(paths)
            result.append(e)
            others |= paths
    for p in sorted(previous - applied, key=len, reverse=True):
        if p in others or any(_overlaps(p, a) for a in applied):
            continue
        # a keyed list item nobody else owns and the config no longer names goes entirely
        for i, token in enumerate(p):
            item = p[:i + 1]
            if token.startswith("k:") and not any(
                    q[:i + 1] == item for q in others | applied):
                _remove(new, item)
                break
        else:
            _remove(new, p)
    result.append(_entry(manager, "Apply", api_version, subresource, applied))
    new["metadata"]["managedFields"] = result
    return new
