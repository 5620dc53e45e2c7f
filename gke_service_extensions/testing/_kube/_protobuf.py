"""Kubernetes protobuf request bodies (``application/vnd.kubernetes.protobuf``), decoded.

kubectl 1.32+ sends some built-in kinds as protobuf (``kubectl create namespace``,
``kubectl create service clusterip``). The envelope is ``k8s\\x00`` + a
``runtime.Unknown{typeMeta{apiVersion, kind}, raw}``; ``raw`` is the kind's message from
``k8s.io/api``'s ``generated.proto``. Only the kinds and fields those commands send are
mapped (Namespace, Service: metadata, spec); :func:`decode` returns None for anything else,
and the server answers 415 as a server without that codec would.
"""

from __future__ import annotations

from typing import Any

__all__ = ["decode"]

_MAGIC = b"k8s\x00"

# field number -> (json name, type); type: "s" string, "i" varint, "b" bool,
# "m:<name>" message, "map" map<string,string>, "ios" IntOrString; a "*" prefix: repeated.
_Schema = dict[int, tuple[str, str]]
_SCHEMAS: dict[str, _Schema] = {
    "ObjectMeta": {1: ("name", "s"), 2: ("generateName", "s"), 3: ("namespace", "s"),
                   6: ("resourceVersion", "s"), 11: ("labels", "*map"),
                   12: ("annotations", "*map"), 14: ("finalizers", "*s")},
    "NamespaceSpec": {1: ("finalizers", "*s")},
    "Namespace": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:NamespaceSpec")},
    "ServicePort": {1: ("name", "s"), 2: ("protocol", "s"), 3: ("port", "i"),
                    4: ("targetPort", "ios"), 5: ("nodePort", "i"), 6: ("appProtocol", "s")},
    "ServiceSpec": {1: ("ports", "*m:ServicePort"), 2: ("selector", "*map"),
                    3: ("clusterIP", "s"), 4: ("type", "s"), 5: ("externalIPs", "*s"),
                    7: ("sessionAffinity", "s"), 10: ("externalName", "s"),
                    18: ("clusterIPs", "*s"), 19: ("ipFamilies", "*s"),
                    17: ("ipFamilyPolicy", "s")},
    "Service": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:ServiceSpec")},
}


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if i >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) of a message: ints for varints, bytes otherwise."""
    out: list[tuple[int, int, Any]] = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            length, i = _varint(data, i)
            if i + length > len(data):
                raise ValueError("truncated field")
            value, i = data[i:i + length], i + length
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        out.append((number, wire, value))
    return out


def _int_or_string(data: bytes) -> int | str:
    kind, number, text = 0, 0, ""
    for n, _, v in _fields(data):
        if n == 1:
            kind = int(v)
        elif n == 2:
            number = int(v)
        elif n == 3:
            text = bytes(v).decode()
    return text if kind == 1 else number


def _message(data: bytes, schema_name: str) -> dict[str, Any]:
    schema = _SCHEMAS[schema_name]
    out: dict[str, Any] = {}
    for number, _wire, value in _fields(data):
        if number not in schema:
            continue
        name, type_ = schema[number]
        repeated = type_.startswith("*")
        type_ = type_.lstrip("*")
        if type_ == "map":
            entry = {n: bytes(v).decode() for n, _, v in _fields(value)}
            out.setdefault(name, {})[entry.get(1, "")] = entry.get(2, "")
            continue
        if type_ == "s":
            item: Any = bytes(value).decode()
        elif type_ == "i":
            item = int(value)
        elif type_ == "b":
            item = bool(value)
        elif type_ == "ios":
            item = _int_or_string(value)
        else:
            item = _message(value, type_.split(":", 1)[1])
        if repeated:
            out.setdefault(name, []).append(item)
        elif item in ("", 0) and type_ in ("s", "i"):
            continue  # proto3 zero values: what Go's JSON leaves out (omitempty)
        else:
            out[name] = item
    return out


def decode(body: bytes) -> dict[str, Any] | None:
    """The JSON form of a protobuf-encoded Namespace or Service; None if not one of those
    (or not a Kubernetes protobuf envelope). Raises ``ValueError`` for a corrupt body."""
    if not body.startswith(_MAGIC):
        return None
    type_meta: dict[int, str] = {}
    raw = b""
    for number, _, value in _fields(body[len(_MAGIC):]):
        if number == 1:
            type_meta = {n: bytes(v).decode() for n, _, v in _fields(value)}
        elif number == 2:
            raw = bytes(value)
    api_version, kind = type_meta.get(1, ""), type_meta.get(2, "")
    if api_version != "v1" or kind not in ("Namespace", "Service"):
        return None
    return {"apiVersion": api_version, "kind": kind, **_message(raw, kind)}
