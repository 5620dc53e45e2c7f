"""``/openapi/v2``: the Swagger 2.0 document kubectl 1.27 reads, in gnostic's protobuf form.

kubectl up to 1.27 takes its schemas from ``/openapi/v2`` (``explain``, client-side
validation, strategic merge patches computed from the schema, and whether the server
validates fields itself: the ``fieldValidation`` parameter of a kind's PATCH operation).
It accepts only the protobuf encoding (``openapi_v2.Document`` of google/gnostic's
``OpenAPIv2.proto``); one definition it cannot parse makes every command fail, so each
schema here is reduced to what that parser reads (types, properties, items,
additionalProperties, required, enum, description, ``$ref`` and the ``x-kubernetes-*``
extensions).

Definitions: the networking.gke.io kinds from their CRD schemas (as the API server
publishes a CRD's schema: ``metadata`` a reference to ObjectMeta, CEL rules and
``nullable`` dropped), the Gateway API kinds as open objects, the core kinds from the
``kubernetes`` client's models (field names, types and descriptions; the patch merge keys
of Kubernetes' own types for the lists the simulator merges by key). Every kind carries
``x-kubernetes-group-version-kind``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any

import yaml

from ..._gke import GKE_NETWORKING_GROUP
from ._resources import SERVED, ServedKind

__all__ = ["definition_name", "openapi_v2_document", "v2_definitions"]

_VERSION = "v1.33.5"
_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

# --------------------------------------------------------------------------- protobuf


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _bytes(field: int, value: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(value)) + value


def _str(field: int, value: str) -> bytes:
    return _bytes(field, value.encode()) if value else b""


def _bool(field: int, value: bool) -> bytes:
    return _varint(field << 3) + b"\x01" if value else b""


def _any(value: Any) -> bytes:
    """gnostic ``Any``: the value as YAML (field 2)."""
    plain = json.loads(json.dumps(value))  # str enums and the like as plain JSON
    return _str(2, yaml.safe_dump(plain, default_flow_style=False, sort_keys=True))


def _named_any(field: int, extensions: dict[str, Any]) -> bytes:
    return b"".join(_bytes(field, _str(1, k) + _bytes(2, _any(v)))
                    for k, v in sorted(extensions.items()))


def _schema(s: dict[str, Any]) -> bytes:
    """gnostic ``Schema`` (field numbers of OpenAPIv2.proto)."""
    out = _str(1, s.get("$ref", "")) + _str(2, s.get("format", "")) + _str(
        4, s.get("description", ""))
    if "default" in s:
        out += _bytes(5, _any(s["default"]))
    out += b"".join(_str(19, r) for r in s.get("required", ()))
    out += b"".join(_bytes(20, _any(v)) for v in s.get("enum", ()))
    extra = s.get("additionalProperties")
    if isinstance(extra, dict):
        out += _bytes(21, _bytes(1, _schema(extra)))
    elif isinstance(extra, bool):
        out += _bytes(21, _bool(2, extra) or b"\x10\x00")
    if "type" in s:
        out += _bytes(22, _str(1, s["type"]))
    if "items" in s:
        out += _bytes(23, _bytes(1, _schema(s["items"])))
    if "properties" in s:
        out += _bytes(25, b"".join(_bytes(1, _str(1, k) + _bytes(2, _schema(v)))
                                   for k, v in s["properties"].items()))
    return out + _named_any(31, {k: v for k, v in s.items() if k.startswith("x-")})


def _operation(kind: ServedKind, action: str, verb: str, params: Iterable[str]) -> bytes:
    out = _str(5, f"{verb}{kind.info.kind}")
    for name in params:  # ParametersItem.parameter.non_body_parameter.query_parameter_sub_schema
        query = _str(2, "query") + _str(4, name) + _str(6, "string")
        out += _bytes(8, _bytes(1, _bytes(2, _bytes(3, query))))
    return out + _named_any(13, {"x-kubernetes-action": action,
                                 "x-kubernetes-group-version-kind": _gvk(kind)})


_QUERY_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")


def _paths(kind: ServedKind) -> bytes:
    """The collection and item paths of a kind; PATCH lists ``fieldValidation``, which
    tells kubectl the server validates fields (no client-side validation then)."""
    info = kind.info
    base = f"/apis/{info.group}/{info.version}" if info.group else f"/api/{info.version}"
    scope = f"{base}/namespaces/{{namespace}}" if info.namespaced else base
    if kind.create_only:
        return _bytes(2, _str(1, f"{base}/{info.plural}") + _bytes(
            4, _operation(kind, "post", "create", _QUERY_PARAMS)))
    collection = (_bytes(2, _operation(kind, "list", "list", ()))
                  + _bytes(4, _operation(kind, "post", "create", _QUERY_PARAMS)))
    item = (_bytes(2, _operation(kind, "get", "read", ()))
            + _bytes(3, _operation(kind, "put", "replace", _QUERY_PARAMS))
            + _bytes(5, _operation(kind, "delete", "delete", ()))
            + _bytes(8, _operation(kind, "patch", "patch", _QUERY_PARAMS)))
    return (_bytes(2, _str(1, f"{scope}/{info.plural}") + _bytes(2, collection))
            + _bytes(2, _str(1, f"{scope}/{info.plural}/{{name}}") + _bytes(2, item)))


@functools.cache
def openapi_v2_document() -> bytes:
    """The whole ``/openapi/v2`` document, protobuf-encoded (built once, on first use)."""
    info = _str(1, "Kubernetes") + _str(2, _VERSION)
    paths = b"".join(_paths(k) for k in SERVED)
    definitions = b"".join(_bytes(1, _str(1, name) + _bytes(2, _schema(schema)))
                           for name, schema in v2_definitions().items())
    return _str(1, "2.0") + _bytes(2, info) + _bytes(8, paths) + _bytes(9, definitions)


# --------------------------------------------------------------------------- definitions


def _gvk(kind: ServedKind) -> dict[str, str]:
    return {"group": kind.info.group, "kind": kind.info.kind, "version": kind.info.version}


def definition_name(kind: ServedKind) -> str:
    """A kind's definition name, as Kubernetes names it (``io.k8s.api.core.v1.Service``,
    ``io.gke.networking.v1.GCPTrafficExtension``)."""
    info = kind.info
    if info.group in _CORE_PACKAGES:
        return f"{_CORE_PACKAGES[info.group]}.{info.version}.{info.kind}"
    return ".".join((*reversed(info.group.split(".")), info.version, info.kind))


_CORE_PACKAGES = {
    "": "io.k8s.api.core", "apps": "io.k8s.api.apps", "batch": "io.k8s.api.batch",
    "discovery.k8s.io": "io.k8s.api.discovery", "networking.k8s.io": "io.k8s.api.networking",
    "authentication.k8s.io": "io.k8s.api.authentication",
    "authorization.k8s.io": "io.k8s.api.authorization",
    "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
}

# Patch merge keys of Kubernetes' types (``patchMergeKey`` / ``patchStrategy`` tags), per
# (python model, field): kubectl computes strategic merge patches from them.
_MERGE_KEYS: dict[tuple[str, str], str | None] = {
    ("V1PodSpec", "containers"): "name", ("V1PodSpec", "initContainers"): "name",
    ("V1PodSpec", "volumes"): "name", ("V1PodSpec", "imagePullSecrets"): "name",
    ("V1Container", "env"): "name", ("V1Container", "volumeMounts"): "mountPath",
    ("V1Container", "ports"): "containerPort", ("V1ServiceSpec", "ports"): "port",
    ("V1ObjectMeta", "ownerReferences"): "uid", ("V1ObjectMeta", "finalizers"): None,
    ("V1PodStatus", "conditions"): "type", ("V1DeploymentStatus", "conditions"): "type",
    ("V1ReplicaSetStatus", "conditions"): "type",
}

_PY_KIND = {"Event": "CoreV1Event"}
_LIST = re.compile(r"^List\[(.+)\]$")
_DICT = re.compile(r"^Dict\[str, (.+)\]$")
_PRIMITIVES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"}, "int": {"type": "integer", "format": "int32"},
    "float": {"type": "number", "format": "double"}, "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"}, "object": {},
    "bytearray": {"type": "string", "format": "byte"},
}


def _model_name(py_name: str) -> str:
    return f"io.k8s.simulator.{py_name}" if py_name != "V1ObjectMeta" else _OBJECT_META


def _doc(cls: type) -> str:
    text = (cls.__doc__ or "").split("Attributes:", 1)[0].split("NOTE:", 1)[0]
    return " ".join(text.split())


class _Models:
    """Definitions built from the ``kubernetes`` client's models, following references."""

    def __init__(self) -> None:
        import kubernetes.client.models as models

        self._models = models
        self.definitions: dict[str, dict[str, Any]] = {}

    def type_schema(self, py_type: str) -> dict[str, Any]:
        if py_type in _PRIMITIVES:
            return dict(_PRIMITIVES[py_type])
        if m := _LIST.match(py_type):
            return {"type": "array", "items": self.type_schema(m.group(1))}
        if m := _DICT.match(py_type):
            return {"type": "object", "additionalProperties": self.type_schema(m.group(1))}
        if getattr(self._models, py_type, None) is None:
            return {}
        return {"$ref": f"#/definitions/{self.add(py_type)}"}

    def add(self, py_name: str, name: str | None = None) -> str:
        name = name or _model_name(py_name)
        if name in self.definitions:
            return name
        cls = getattr(self._models, py_name)
        schema: dict[str, Any] = {"type": "object", "description": _doc(cls)}
        self.definitions[name] = schema  # before the fields: models refer to themselves
        fields = getattr(cls, "model_fields", {})
        properties: dict[str, Any] = {}
        required: list[str] = []
        for attr, py_type in cls.openapi_types.items():
            json_name = cls.attribute_map[attr]
            prop = self.type_schema(py_type)
            field = fields.get(attr)
            if field is not None and field.description:
                prop["description"] = " ".join(field.description.split())
                if field.is_required():
                    required.append(json_name)
            if (py_name, json_name) in _MERGE_KEYS:
                key = _MERGE_KEYS[py_name, json_name]
                prop["x-kubernetes-patch-strategy"] = "merge"
                if key is not None:
                    prop["x-kubernetes-patch-merge-key"] = key
            properties[json_name] = prop
        schema["properties"] = properties
        if required:
            schema["required"] = required
        return name


# What a CRD schema carries that the v2 parser does not read (the API server drops it too).
_DROPPED = ("x-kubernetes-validations", "nullable", "oneOf", "anyOf", "allOf", "not",
            "x-kubernetes-embedded-resource")


def _v2(schema: Any) -> dict[str, Any]:
    """A CRD's OpenAPI v3 schema reduced to what kubectl's v2 parser accepts."""
    if not isinstance(schema, dict):
        return {}
    out = {k: v for k, v in schema.items() if k not in _DROPPED}
    kind = out.get("type")
    if isinstance(kind, list):  # several types: the parser takes one or none
        out.pop("type")
    if "properties" in out:
        out["properties"] = {k: _v2(v) for k, v in out["properties"].items()}
        out.setdefault("type", "object")
    if kind == "array" or "items" in out:
        out["items"] = _v2(out.get("items"))
    extra = out.get("additionalProperties")
    if isinstance(extra, dict):
        out["additionalProperties"] = _v2(extra)
    if out.get("type") not in (None, "object", "array", "string", "integer", "number",
                               "boolean"):
        out.pop("type")
    return out


def _crd_definition(kind: ServedKind) -> dict[str, Any] | None:
    from ...models._crd import to_crd
    from ...models._registry import model_for

    model = model_for(kind.info.api_version, kind.info.kind)
    if model is None:
        return None
    version = to_crd(model)["spec"]["versions"][0]
    schema = _v2(version["schema"]["openAPIV3Schema"])
    schema.setdefault("properties", {})["metadata"] = {
        "$ref": f"#/definitions/{_OBJECT_META}",
        "description": "Standard object's metadata. More info: https://git.k8s.io/"
                       "community/contributors/devel/sig-architecture/api-conventions.md"
                       "#metadata"}
    return schema


def _open_definition(kind: ServedKind) -> dict[str, Any]:
    return {"type": "object", "description": f"{kind.info.kind} ({kind.info.api_version}).",
            "x-kubernetes-preserve-unknown-fields": True,
            "properties": {
                "apiVersion": {"type": "string"}, "kind": {"type": "string"},
                "metadata": {"$ref": f"#/definitions/{_OBJECT_META}"},
                "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}


@functools.cache
def v2_definitions() -> dict[str, dict[str, Any]]:
    """Every definition of the v2 document, by name (JSON Schema form)."""
    models = _Models()
    models.add("V1ObjectMeta")
    kinds: dict[str, dict[str, Any]] = {}
    for kind in SERVED:
        name = definition_name(kind)
        schema: dict[str, Any] | None = None
        if kind.info.group == GKE_NETWORKING_GROUP:
            schema = _crd_definition(kind)
        elif kind.info.group in _CORE_PACKAGES:
            py_name = _PY_KIND.get(kind.info.kind, f"{kind.info.version.upper()[:1]}"
                                                   f"{kind.info.version[1:]}{kind.info.kind}")
            if getattr(models._models, py_name, None) is not None:
                schema = models.definitions[models.add(py_name, name)]
        if schema is None:
            schema = _open_definition(kind)
        schema["x-kubernetes-group-version-kind"] = [_gvk(kind)]
        kinds[name] = schema
    return {**models.definitions, **kinds}
