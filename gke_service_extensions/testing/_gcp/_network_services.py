"""The simulated Network Services REST API (``networkservices.googleapis.com``).

Served under ``/v1``, ``/v1beta1`` and ``/v1alpha1`` (gcloud's beta track uses v1beta1 for
Wasm plugins) over the same state:

- ``lbTrafficExtensions``, ``lbRouteExtensions``: get, list, create, patch, delete
- ``wasmPlugins``: get (``view`` BASIC/FULL, by name or number), list, create, patch, delete
- ``wasmPlugins/*/versions``: get, list, create, delete (versions are immutable)
- ``operations``: get, list, delete, ``:cancel``

Writes answer with a long-running Operation that is already ``done`` and carries the
resource as ``response`` (with its ``@type``), so ``operation.result()`` returns at once.
``filter`` and ``orderBy`` are ignored. Names under the project number are accepted.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from gke_service_extensions.testing._gcp._api import ApiError, ApiRequest, paginate
from gke_service_extensions.testing._gcp._enums import (
    encode_enums,
    message_descriptor,
    requested_view,
    shape_problem,
)
from gke_service_extensions.testing._gcp._state import (
    LB_ROUTE_EXTENSIONS,
    LB_TRAFFIC_EXTENSIONS,
    OPERATIONS,
    VERSIONS,
    WASM_PLUGINS,
    GCPState,
)

__all__ = ["NetworkServicesApi"]

_ID_RE = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
_TOP_LEVEL = (LB_TRAFFIC_EXTENSIONS, LB_ROUTE_EXTENSIONS, WASM_PLUGINS)
_TYPE_NAMES = {
    LB_TRAFFIC_EXTENSIONS: "LbTrafficExtension",
    LB_ROUTE_EXTENSIONS: "LbRouteExtension",
    WASM_PLUGINS: "WasmPlugin",
    VERSIONS: "WasmPluginVersion",
}
_ID_PARAMS = {
    LB_TRAFFIC_EXTENSIONS: "lbTrafficExtensionId",
    LB_ROUTE_EXTENSIONS: "lbRouteExtensionId",
    WASM_PLUGINS: "wasmPluginId",
    VERSIONS: "wasmPluginVersionId",
}
# How Google names the request body in messages about it
_FIELD_NAMES = {
    LB_TRAFFIC_EXTENSIONS: "lb_traffic_extension",
    LB_ROUTE_EXTENSIONS: "lb_route_extension",
    WASM_PLUGINS: "wasm_plugin",
    VERSIONS: "wasm_plugin_version",
}
# Output-only fields a client may send back; the server owns them.
_OUTPUT_ONLY = ("name", "createTime", "updateTime", "usedBy")
_VIEW_ENUM = "google.cloud.networkservices.v1.WasmPluginView"
_VIEW_FULL = 2

Handler = Callable[[ApiRequest], dict[str, Any]]


class NetworkServicesApi:
    """Answers Network Services REST calls from a :class:`GCPState`."""

    collections = frozenset((*_TOP_LEVEL, OPERATIONS))

    def __init__(self, state: GCPState) -> None:
        self.state = state

    # ------------------------------------------------------------------ dispatch

    def handle(self, request: ApiRequest) -> dict[str, Any]:
        """Answer ``request`` (segments start with ``projects``); raise :class:`ApiError`."""
        seg = list(request.segments)
        if len(seg) < 5 or seg[0] != "projects" or seg[2] != "locations":
            raise ApiError(404, f"Method not found: {request.method} /{'/'.join(seg)}",
                           "NOT_FOUND")
        if not self.state.is_own_project(seg[1]):
            raise ApiError(403, f"Permission denied on resource project {seg[1]}.",
                           "PERMISSION_DENIED")
        location, rest = seg[3], seg[4:]
        coll = rest[0]
        method = request.method
        if coll == OPERATIONS:
            return self._operations(request, location, rest[1:])
        if coll not in _TOP_LEVEL:
            raise ApiError(404, f"Collection {coll!r} is not served by the simulator",
                           "NOT_FOUND")
        if len(rest) == 1:
            if method == "GET":
                return self._list(request, location, coll)
            if method == "POST":
                return self._create(request, location, coll)
        elif len(rest) == 2:
            name = self.state.resource_name(coll, location, rest[1])
            if method == "GET":
                return self._get(request, coll, name)
            if method == "PATCH":
                return self._patch(request, location, coll, name)
            if method == "DELETE":
                return self._delete(location, coll, name)
        elif coll == WASM_PLUGINS and len(rest) >= 3 and rest[2] == VERSIONS:
            return self._versions(request, location, rest[1], rest[3:])
        raise _unsupported(request)

    # ------------------------------------------------------------------ top-level kinds

    def _get(self, request: ApiRequest, coll: str, name: str) -> dict[str, Any]:
        found = self.state.get(name)
        if found is None:
            raise ApiError.not_found(name)
        if coll == WASM_PLUGINS and self._full_view(request):
            found = self.state.with_versions(found)
        return self._out(request, coll, found)

    def _list(self, request: ApiRequest, location: str, coll: str) -> dict[str, Any]:
        items = self.state.list_children(self.state.parent(location), coll)
        page = paginate(request, items, coll)
        if coll in page:
            page[coll] = [self._out(request, coll, item) for item in page[coll]]
        return page

    def _create(self, request: ApiRequest, location: str, coll: str) -> dict[str, Any]:
        rid = _resource_id(request, _ID_PARAMS[coll])
        name = self.state.resource_name(coll, location, rid)
        body = _strip_output_only(self._in(coll, request.json_body()))
        if self.state.get(name) is not None:
            raise ApiError(409, f"Resource '{name}' already exists", "ALREADY_EXISTS")
        if coll == WASM_PLUGINS:
            versions = body.pop("versions", None) or {}
            if not isinstance(versions, dict):
                raise ApiError.invalid("versions must be a map of version id to version")
            versions = {vid: _strip_output_only(self._in(VERSIONS, v))
                        for vid, v in versions.items()}
            for vid in versions:
                _check_id(vid, "version id")
            try:
                stored = self.state.put_wasm_plugin(location, rid, body, versions)
            except ValueError as exc:
                raise ApiError.invalid(str(exc)) from None
        else:
            stored = self.state.put(name, body)
        return self._operation(request, location, "create", coll, stored)

    def _patch(
        self, request: ApiRequest, location: str, coll: str, name: str
    ) -> dict[str, Any]:
        current = self.state.get(name)
        if current is None:
            raise ApiError.not_found(name)
        patch = self._in(coll, request.json_body())
        patch.pop("versions", None)  # versions change through .../versions only
        mask = request.param("updateMask")
        updated = _apply_mask(current, patch, mask)
        if coll == WASM_PLUGINS:
            rid = name.rsplit("/", 1)[1]
            try:
                stored = self.state.put_wasm_plugin(location, rid, updated)
            except ValueError as exc:
                raise ApiError.invalid(str(exc)) from None
        else:
            stored = self.state.put(name, updated)
        return self._operation(request, location, "update", coll, stored)

    def _delete(self, location: str, coll: str, name: str) -> dict[str, Any]:
        if self.state.delete(name) is None:
            raise ApiError.not_found(name)
        return self.state.record_operation(location, "delete", name)

    # ------------------------------------------------------------------ wasm plugin versions

    def _versions(
        self, request: ApiRequest, location: str, plugin: str, rest: list[str]
    ) -> dict[str, Any]:
        plugin_name = self.state.resource_name(WASM_PLUGINS, location, plugin)
        method = request.method
        if not rest and method == "GET":
            if self.state.get(plugin_name) is None:
                raise ApiError.not_found(plugin_name)
            items = self.state.list_children(plugin_name, VERSIONS)
            page = paginate(request, items, "wasmPluginVersions")
            if "wasmPluginVersions" in page:
                page["wasmPluginVersions"] = [self._out(request, VERSIONS, v)
                                              for v in page["wasmPluginVersions"]]
            return page
        if not rest and method == "POST":
            vid = _resource_id(request, _ID_PARAMS[VERSIONS])
            body = _strip_output_only(self._in(VERSIONS, request.json_body()))
            if self.state.get(f"{plugin_name}/{VERSIONS}/{vid}") is not None:
                raise ApiError(409, f"Resource '{plugin_name}/{VERSIONS}/{vid}' already exists",
                               "ALREADY_EXISTS")
            try:
                stored = self.state.put_wasm_plugin_version(location, plugin, vid, body)
            except KeyError:
                raise ApiError.not_found(plugin_name) from None
            return self._operation(request, location, "create", VERSIONS, stored)
        if len(rest) == 1:
            name = f"{plugin_name}/{VERSIONS}/{rest[0]}"
            if method == "GET":
                found = self.state.get(name)
                if found is None:
                    raise ApiError.not_found(name)
                return self._out(request, VERSIONS, found)
            if method == "DELETE":
                owner = self.state.get(plugin_name)
                if owner is not None and owner.get("mainVersionId") == rest[0]:
                    raise ApiError(400, f"Cannot delete the main version {rest[0]!r} of "
                                   f"'{plugin_name}'", "FAILED_PRECONDITION")
                return self._delete(location, VERSIONS, name)
        raise _unsupported(request)

    # ------------------------------------------------------------------ operations

    def _operations(
        self, request: ApiRequest, location: str, rest: list[str]
    ) -> dict[str, Any]:
        parent = self.state.parent(location)
        if not rest and request.method == "GET":
            return paginate(request, self.state.list_children(parent, OPERATIONS), "operations")
        if len(rest) == 1:
            name = f"{parent}/{OPERATIONS}/{rest[0]}"
            found = self.state.get(name)
            if found is None:
                raise ApiError.not_found(name)
            if request.verb == "cancel" and request.method == "POST":
                return {}  # already done: nothing to cancel
            if request.verb is None and request.method == "GET":
                return self._out_operation(request, found)
            if request.verb is None and request.method == "DELETE":
                self.state.delete(name)
                return {}
        raise _unsupported(request)

    def _operation(
        self, request: ApiRequest, location: str, verb: str, coll: str, stored: dict[str, Any]
    ) -> dict[str, Any]:
        response = {"@type": _type_url(request.version, coll), **stored}
        op = self.state.record_operation(
            location, verb, str(stored["name"]), response,
            metadata_type=_type_url(request.version, "OperationMetadata"),
        )
        return self._out_operation(request, op)

    def _out_operation(self, request: ApiRequest, op: dict[str, Any]) -> dict[str, Any]:
        response = op.get("response")
        if isinstance(response, dict):
            kind = _kind_of_type_url(str(response.get("@type", "")))
            if kind is not None:
                op = {**op, "response": self._out(request, kind, response)}
        return op

    # ------------------------------------------------------------------ encoding

    def _out(self, request: ApiRequest, coll: str, body: dict[str, Any]) -> dict[str, Any]:
        if not request.enum_int:
            return body
        desc = message_descriptor(coll)
        return body if desc is None else dict(encode_enums(desc, body, as_int=True))

    def _in(self, coll: str, body: dict[str, Any]) -> dict[str, Any]:
        desc = message_descriptor(coll)
        if desc is not None:
            problem = shape_problem(desc, body, _FIELD_NAMES.get(coll, coll))
            if problem is not None:
                raise ApiError.invalid(problem)
        out = body if desc is None else encode_enums(desc, body, as_int=False)
        return copy.deepcopy(dict(out))

    def _full_view(self, request: ApiRequest) -> bool:
        return requested_view(request.param("view"), _VIEW_ENUM, _VIEW_FULL)


def _type_url(version: str, coll_or_type: str) -> str:
    type_name = _TYPE_NAMES.get(coll_or_type, coll_or_type)
    return f"type.googleapis.com/google.cloud.networkservices.{version}.{type_name}"


def _kind_of_type_url(type_url: str) -> str | None:
    short = type_url.rsplit(".", 1)[-1]
    for coll, type_name in _TYPE_NAMES.items():
        if type_name == short:
            return coll
    return None


def _resource_id(request: ApiRequest, param: str) -> str:
    rid = request.param(param)
    if not rid:
        raise ApiError.invalid(f"Field {param} is required")
    _check_id(rid, param)
    return rid


def _check_id(rid: str, what: str) -> None:
    if not _ID_RE.match(rid):
        raise ApiError.invalid(
            f"Invalid {what} {rid!r}: must match {_ID_RE.pattern} (1-63 characters)")


def _strip_output_only(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in _OUTPUT_ONLY}


def _apply_mask(current: dict[str, Any], patch: dict[str, Any], mask: str | None) -> dict[str, Any]:
    """``current`` updated from ``patch``: the ``mask`` paths, or every field if no mask."""
    kept: dict[str, Any] = {k: current[k] for k in ("name", "createTime", "usedBy")
                            if k in current}
    if not mask or mask.strip() == "*":
        return {**kept, **_strip_output_only(patch)}
    out = copy.deepcopy(current)
    for raw in mask.split(","):
        path = [_camel(p) for p in raw.strip().split(".") if p]
        if not path or path[0] in _OUTPUT_ONLY:
            continue
        src: Any = patch
        dst = out
        for part in path[:-1]:
            src = src.get(part, {}) if isinstance(src, dict) else {}
            dst = dst.setdefault(part, {})
        last = path[-1]
        if isinstance(src, dict) and last in src:
            dst[last] = copy.deepcopy(src[last])
        else:
            dst.pop(last, None)
    return out


def _camel(snake: str) -> str:
    head, *tail = snake.split("_")
    return head + "".join(t[:1].upper() + t[1:] for t in tail)


def _unsupported(request: ApiRequest) -> ApiError:
    return ApiError(404, f"Method not found: {request.method} "
                    f"/{request.version}/{'/'.join(request.segments)}", "NOT_FOUND")
