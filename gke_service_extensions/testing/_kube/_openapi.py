"""OpenAPI v3 documents, enough for ``kubectl`` (v2: ``_openapi_v2``).

kubectl reads ``/openapi/v3`` to learn whether the server validates fields itself (the
``fieldValidation`` query parameter on a kind's PATCH operation); when it does, kubectl
skips client-side schema validation. ``kubectl explain`` (1.27+) reads the schemas.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Any

from ._openapi_v2 import definition_name, openapi_v2_document, v2_definitions
from ._resources import SERVED, ServedKind

__all__ = ["OPENAPI_V2_MEDIA_TYPE", "openapi_v2_document", "openapi_v3_document",
           "openapi_v3_index"]

OPENAPI_V2_MEDIA_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"


_QUERY_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")
# Strategic merge patch is accepted for core kinds but not advertised: kubectl would then
# compute it from these schemas (which lack most patch merge keys) instead of its built-in
# types.
_PATCH_TYPES = ("application/apply-patch+yaml", "application/json-patch+json",
                "application/merge-patch+json")


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _group_versions() -> list[tuple[str, str]]:
    return list(dict.fromkeys((k.info.group, k.info.version) for k in SERVED))


@functools.cache
def openapi_v3_document(group: str, version: str) -> dict[str, Any] | None:
    """The OpenAPI v3 document of one group/version, or None if not served.

    Its schemas are the v2 document's definitions (``_openapi_v2``: the CRD schemas of the
    networking.gke.io kinds, the ``kubernetes`` client's models for the core kinds) with
    every definition they refer to, so ``kubectl explain`` (1.27+) walks any field.
    """
    kinds = [k for k in SERVED if (k.info.group, k.info.version) == (group, version)]
    if not kinds:
        return None
    paths: dict[str, Any] = {}
    definitions = v2_definitions()
    schemas: dict[str, Any] = {}

    def collect(name: str) -> None:
        if name in schemas or name not in definitions:
            return
        schemas[name] = _v3_refs(definitions[name])
        for ref in _REF.findall(json.dumps(definitions[name])):
            collect(ref)

    for kind in kinds:
        paths.update(_paths(kind))
        collect(definition_name(kind))
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.4"},
            "paths": paths, "components": {"schemas": schemas}}


_REF = re.compile(r'"#/definitions/([^"]+)"')


def _v3_refs(schema: Any) -> Any:
    """``schema`` with its ``#/definitions/X`` references as ``#/components/schemas/X``."""
    if isinstance(schema, dict):
        return {k: (f"#/components/schemas/{v.rsplit('/', 1)[1]}" if k == "$ref"
                    and isinstance(v, str) else _v3_refs(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_v3_refs(v) for v in schema]
    return schema


@functools.cache
def openapi_v3_index() -> dict[str, Any]:
    """``/openapi/v3``: where each group/version's document is."""
    out: dict[str, Any] = {}
    for group, version in _group_versions():
        doc = openapi_v3_document(group, version)
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]
        path = _gv_path(group, version)
        out[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest.upper()}"}
    return {"paths": out}


def _gvk(kind: ServedKind) -> dict[str, str]:
    return {"group": kind.info.group, "version": kind.info.version, "kind": kind.info.kind}


def _paths(kind: ServedKind) -> dict[str, Any]:
    info = kind.info
    base = "/" + _gv_path(info.group, info.version)
    scope = f"{base}/namespaces/{{namespace}}" if info.namespaced else base
    ref = {"$ref": f"#/components/schemas/{definition_name(kind)}"}
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
