"""Minimal OpenAPI v3 documents, enough for ``kubectl``.

kubectl reads ``/openapi/v3`` to learn whether the server validates fields itself (the
``fieldValidation`` query parameter on a kind's PATCH operation); when it does, kubectl
skips client-side schema validation. Schemas are open objects: validation happens
server-side.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..._gke import GKE_NETWORKING_GROUP
from ._resources import SERVED, ServedKind

__all__ = ["OPENAPI_V2_MEDIA_TYPE", "openapi_v2_document", "openapi_v3_document",
           "openapi_v3_index"]

OPENAPI_V2_MEDIA_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"


def _pb_string(field: int, value: bytes) -> bytes:
    """One length-delimited protobuf field (lengths here stay below 128)."""
    return bytes([field << 3 | 2, len(value)]) + value


def openapi_v2_document() -> bytes:
    """``/openapi/v2``: a gnostic ``openapi_v2.Document`` in protobuf, with no definitions.

    kubectl 1.27 fetches it before ``apply``, ``create``, ``diff`` and ``edit`` and fails
    without it; with no definitions it falls back to its built-in types for core kinds and
    JSON merge patch for the rest, and leaves validation to the server.
    """
    info = _pb_string(1, b"Kubernetes") + _pb_string(2, b"v1.32.4")
    return _pb_string(1, b"2.0") + _pb_string(2, info)

_QUERY_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")
# Strategic merge patch is accepted for core kinds but not advertised: kubectl would then
# compute it from these (open) schemas instead of its built-in types.
_PATCH_TYPES = ("application/apply-patch+yaml", "application/json-patch+json",
                "application/merge-patch+json")


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _group_versions() -> list[tuple[str, str]]:
    return list(dict.fromkeys((k.info.group, k.info.version) for k in SERVED))


def openapi_v3_document(group: str, version: str) -> dict[str, Any] | None:
    """The OpenAPI v3 document of one group/version, or None if not served."""
    kinds = [k for k in SERVED if (k.info.group, k.info.version) == (group, version)]
    if not kinds:
        return None
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for kind in kinds:
        paths.update(_paths(kind))
        schemas[_schema_name(kind)] = _crd_schema(kind) or {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": True,
            "x-kubernetes-group-version-kind": [_gvk(kind)],
            "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                           "metadata": {"type": "object"}},
        }
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.4"},
            "paths": paths, "components": {"schemas": schemas}}


def openapi_v3_index() -> dict[str, Any]:
    """``/openapi/v3``: where each group/version's document is."""
    out: dict[str, Any] = {}
    for group, version in _group_versions():
        doc = openapi_v3_document(group, version)
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]
        path = _gv_path(group, version)
        out[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest.upper()}"}
    return {"paths": out}


def _crd_schema(kind: ServedKind) -> dict[str, Any] | None:
    """The CRD's structural schema of a networking.gke.io kind (``kubectl explain`` reads
    its fields), None for other kinds."""
    from ...models._crd import to_crd
    from ...models._registry import model_for

    model = (model_for(kind.info.api_version, kind.info.kind)
             if kind.info.group == GKE_NETWORKING_GROUP else None)
    if model is None:
        return None
    version = to_crd(model)["spec"]["versions"][0]
    schema: dict[str, Any] = dict(version["schema"]["openAPIV3Schema"])
    schema["x-kubernetes-group-version-kind"] = [_gvk(kind)]
    return schema


def _gvk(kind: ServedKind) -> dict[str, str]:
    return {"group": kind.info.group, "version": kind.info.version, "kind": kind.info.kind}


def _schema_name(kind: ServedKind) -> str:
    group = ".".join(reversed(kind.info.group.split("."))) if kind.info.group else "io.k8s.api.core"
    return f"{group}.{kind.info.version}.{kind.info.kind}"


def _paths(kind: ServedKind) -> dict[str, Any]:
    info = kind.info
    base = "/" + _gv_path(info.group, info.version)
    scope = f"{base}/namespaces/{{namespace}}" if info.namespaced else base
    ref = {"$ref": f"#/components/schemas/{_schema_name(kind)}"}
    content = {"application/json": {"schema": ref}}
    params = [{"name": p, "in": "query", "schema": {"type": "string"}} for p in _QUERY_PARAMS]

    def op(action: str, verb: str, body: bool) -> dict[str, Any]:
        o: dict[str, Any] = {
            "operationId": f"{verb}{info.kind}", "parameters": params,
            "responses": {"200": {"description": "OK", "content": content}},
            "x-kubernetes-action": action, "x-kubernetes-group-version-kind": _gvk(kind)}
        if body:
            types = _PATCH_TYPES if action == "patch" else ("application/json",)
            o["requestBody"] = {"content": {t: {"schema": {"type": "object"}} for t in types}}
        return o

    item = {"get": op("get", "read", False), "put": op("put", "replace", True),
            "patch": op("patch", "patch", True), "delete": op("delete", "delete", False)}
    collection = {"get": op("list", "list", False), "post": op("post", "create", True)}
    paths = {f"{scope}/{info.plural}": collection, f"{scope}/{info.plural}/{{name}}": item}
    if kind.has_status:
        paths[f"{scope}/{info.plural}/{{name}}/status"] = {
            "get": op("get", "read", False), "put": op("put", "replace", True),
            "patch": op("patch", "patch", True)}
    return paths
