"""Enum encoding of REST JSON bodies, driven by the real protobuf descriptors.

The state keeps enums by *name* (``REQUEST_HEADERS``), as Google's REST APIs return them by
default. The ``google-cloud-*`` REST clients ask for ``$alt=json;enum-encoding=int`` and send
enums as integers in request bodies, so the server converts both ways. The descriptors of the
installed ``google-cloud-network-services`` package say which fields are enums, so every
message (nested, repeated and map fields included) is handled without a hand-kept table.
"""

from __future__ import annotations

import functools
from typing import Any

from ..._gke import GCPCollection

__all__ = ["encode_enums", "enum_number", "message_descriptor", "requested_view",
           "shape_problem"]

# Simulator kind -> fully-qualified proto message name (networkservices v1).
_MESSAGES: dict[str, str] = {
    GCPCollection.LB_TRAFFIC_EXTENSIONS: "google.cloud.networkservices.v1.LbTrafficExtension",
    GCPCollection.LB_ROUTE_EXTENSIONS: "google.cloud.networkservices.v1.LbRouteExtension",
    GCPCollection.WASM_PLUGINS: "google.cloud.networkservices.v1.WasmPlugin",
    GCPCollection.VERSIONS: "google.cloud.networkservices.v1.WasmPluginVersion",
}


@functools.cache
def _pool() -> Any:
    # Importing the types registers their descriptors in the default pool.
    from google.cloud.artifactregistry_v1 import types as _ar  # noqa: F401
    from google.cloud.network_services_v1 import types as _ns  # noqa: F401
    from google.protobuf import descriptor_pool

    return descriptor_pool.Default()


def message_descriptor(kind_or_full_name: str) -> Any | None:
    """The protobuf descriptor for a collection name or full message name, or None."""
    full = _MESSAGES.get(kind_or_full_name, kind_or_full_name)
    try:
        return _pool().FindMessageTypeByName(full)
    except KeyError:
        return None


def enum_number(enum_full_name: str, value: str) -> int | None:
    """The number of enum value ``value`` (a name or a number as text), or None."""
    enum = _pool().FindEnumTypeByName(enum_full_name)
    if value.lstrip("-").isdigit():
        n = int(value)
        return n if n in enum.values_by_number else None
    found = enum.values_by_name.get(value)
    return found.number if found is not None else None


def encode_enums(descriptor: Any, data: Any, *, as_int: bool) -> Any:
    """Return ``data`` (REST JSON of ``descriptor``'s message) with enums as ints or names.

    Unknown fields and unknown enum values are left as they are.
    """
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        field = (descriptor.fields_by_camelcase_name.get(key)
                 or descriptor.fields_by_name.get(key))
        out[key] = value if field is None else _encode_field(field, value, as_int)
    return out


def _encode_field(field: Any, value: Any, as_int: bool) -> Any:
    msg = field.message_type
    if msg is not None and msg.GetOptions().map_entry:
        if not isinstance(value, dict):
            return value
        inner = msg.fields_by_name["value"]
        return {k: _encode_single(inner, v, as_int) for k, v in value.items()}
    if field.is_repeated and isinstance(value, list):
        return [_encode_single(field, v, as_int) for v in value]
    return _encode_single(field, value, as_int)


def _encode_single(field: Any, value: Any, as_int: bool) -> Any:
    if field.enum_type is not None:
        enum = field.enum_type
        if as_int and isinstance(value, str) and value in enum.values_by_name:
            return enum.values_by_name[value].number
        if not as_int and isinstance(value, int) and value in enum.values_by_number:
            return enum.values_by_number[value].name
        return value
    if field.message_type is not None and isinstance(value, dict):
        if field.message_type.full_name.startswith("google.protobuf."):
            return value  # Struct, Timestamp, Duration...: no enums of ours inside
        return encode_enums(field.message_type, value, as_int=as_int)
    return value


def requested_view(request_view: str | None, enum_full_name: str, full: int) -> bool:
    """Whether a ``view`` query parameter (name or number) asks for the ``full`` view.

    Raises ``ApiError`` 400 for a value the enum does not know.
    """
    if request_view is None:
        return False
    number = enum_number(enum_full_name, request_view)
    if number is None:
        from ._api import ApiError

        raise ApiError.invalid(f"Invalid value for view: {request_view!r}")
    return number == full


# --------------------------------------------------------------------------- shape checks

# google.protobuf.descriptor.FieldDescriptor.TYPE_* (numbers fixed by descriptor.proto)
_TYPE_DOUBLE, _TYPE_FLOAT, _TYPE_BOOL, _TYPE_STRING, _TYPE_BYTES = 1, 2, 8, 9, 12
_INT_TYPES = frozenset((3, 4, 5, 6, 7, 13, 15, 16, 17, 18))  # (s|u)int32/64, (s)fixed32/64
_FLOAT_TYPES = frozenset((_TYPE_DOUBLE, _TYPE_FLOAT))
_WELL_KNOWN_STR = frozenset(("google.protobuf.Timestamp", "google.protobuf.Duration",
                             "google.protobuf.FieldMask"))
_WELL_KNOWN_OBJECT = frozenset(("google.protobuf.Struct", "google.protobuf.Empty",
                                "google.protobuf.Any"))
_MAX_DEPTH = 32


def shape_problem(descriptor: Any, data: Any, path: str, depth: int = 0) -> str | None:
    """Why ``data`` is not the REST JSON of ``descriptor``'s message, or None if it is.

    Checks what Google's JSON parser checks: known field names (camelCase or snake_case),
    objects where messages and maps go, lists for repeated fields, and scalar types
    (64-bit integers may be strings; enums names or numbers; null is the default value).
    """
    if not isinstance(data, dict):
        return f"Invalid value at '{path}' ({_type_url(descriptor)}), {_show(data)}"
    if depth > _MAX_DEPTH:
        return f"Invalid value at '{path}': nested too deeply"
    for key, value in data.items():
        field = (descriptor.fields_by_camelcase_name.get(key)
                 or descriptor.fields_by_name.get(key))
        if field is None:
            return (f"Invalid JSON payload received. Unknown name {_show(key)} at '{path}': "
                    "Cannot find field.")
        if value is None:
            continue
        fpath = f"{path}.{field.name}" if path else field.name
        msg = field.message_type
        if msg is not None and msg.GetOptions().map_entry:
            if not isinstance(value, dict):
                return f"Invalid value at '{fpath}' (map), {_show(value)}"
            inner = msg.fields_by_name["value"]
            for k, v in value.items():
                problem = _single_problem(inner, v, f"{fpath}[{_show(k)}]", depth)
                if problem:
                    return problem
        elif field.is_repeated:
            if not isinstance(value, list):
                return f"Invalid value at '{fpath}' (repeated), {_show(value)}"
            for i, item in enumerate(value):
                problem = _single_problem(field, item, f"{fpath}[{i}]", depth)
                if problem:
                    return problem
        else:
            problem = _single_problem(field, value, fpath, depth)
            if problem:
                return problem
    return None


def _single_problem(field: Any, value: Any, path: str, depth: int) -> str | None:
    msg = field.message_type
    if msg is not None:
        name = msg.full_name
        if name in _WELL_KNOWN_STR:
            ok = isinstance(value, str)
        elif name in _WELL_KNOWN_OBJECT:
            ok = isinstance(value, dict)
        elif name == "google.protobuf.ListValue":
            ok = isinstance(value, list)
        elif name.startswith("google.protobuf."):
            ok = True  # Value, wrappers: any JSON value
        else:
            return shape_problem(msg, value, path, depth + 1)
    elif field.enum_type is not None:
        ok = (isinstance(value, str) or type(value) is int)
    elif field.type == _TYPE_BOOL:
        ok = isinstance(value, bool)
    elif field.type in (_TYPE_STRING, _TYPE_BYTES):
        ok = isinstance(value, str)
    elif field.type in _INT_TYPES:
        ok = (type(value) is int or (isinstance(value, float) and value.is_integer())
              or (isinstance(value, str) and value.lstrip("-").isdigit()))
    elif field.type in _FLOAT_TYPES:
        ok = (type(value) in (int, float) or value in ("NaN", "Infinity", "-Infinity"))
    else:
        ok = True
    if ok:
        return None
    kind = {_TYPE_BOOL: "TYPE_BOOL", _TYPE_STRING: "TYPE_STRING",
            _TYPE_BYTES: "TYPE_BYTES"}.get(field.type, "")
    if field.enum_type is not None:
        kind = f"TYPE_ENUM {field.enum_type.full_name}"
    elif field.type in _INT_TYPES:
        kind = "TYPE_INT"
    elif field.type in _FLOAT_TYPES:
        kind = "TYPE_DOUBLE"
    elif msg is not None:
        kind = msg.full_name
    return f"Invalid value at '{path}' ({kind}), {_show(value)}"


def _type_url(descriptor: Any) -> str:
    return f"type.googleapis.com/{descriptor.full_name}"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return '"' + (value if len(value) <= 80 else value[:77] + "...") + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = repr(value) if abs(value) < 10**30 else "a very long number"
        return text
    if value is None:
        return "null"
    return "an object" if isinstance(value, dict) else "a list"
