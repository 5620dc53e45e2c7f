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

__all__ = ["encode_enums", "enum_number", "message_descriptor", "requested_view"]

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
