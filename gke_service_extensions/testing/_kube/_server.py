"""A real Kubernetes API server over HTTP on 127.0.0.1, backed by an :class:`ObjectStore`.

It speaks enough of the API server's protocol for the official ``kubernetes`` Python client
and ``kubectl``: discovery, CRUD with the real ``Status`` error shapes, the ``/status``
subresource, merge / JSON / strategic merge patches, server-side apply with field
ownership, ``dryRun``, label and field selectors, pagination, and watches with resume,
bookmarks and 410 Expired. Requests pass through :class:`~._faults.Faults` first.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..._errors import ManifestParseError, Problem
from ...models import CRDProfile
from ...models._limits import LimitError, clip, describe, path_of, scan
from ...models._meta import GKE_NETWORKING_GROUP, ResourceInfo
from ...models._yaml import load_documents
from . import _admission, _auth, _discovery, _protobuf
from ._apply import ApplyConflict, apply_config, record_update
from ._faults import Faults, RequestInfo
from ._http import Handler, HTTPServer, Request, Response
from ._openapi import (
    OPENAPI_V2_MEDIA_TYPE,
    openapi_v2_document,
    openapi_v3_document,
    openapi_v3_index,
)
from ._patch import PatchError, json_patch, merge_patch, strategic_merge_patch
from ._resources import NAMESPACE, SERVICE, ServedKind, find_by_plural
from ._scale import replicas_of, to_scale
from ._selectors import (
    SelectorError,
    matches_fields,
    matches_labels,
    parse_field_selector,
    parse_label_selector,
)
from ._status import ApiError, details_for, from_store_error
from ._store import ObjectStore, StoreConflict, StoreError, resource_name
from ._table import table, wants_table
from ._watch import WatchStream

__all__ = ["ApiError", "KubeAPIServer", "UnknownFieldFinder", "Validator",
           "default_unknown_fields", "default_validator", "profile_validator"]

_log = logging.getLogger(__name__)

Validator = Callable[[ResourceInfo, Mapping[str, Any]], list[Problem]]
UnknownFieldFinder = Callable[[ResourceInfo, Mapping[str, Any]], list[str]]

_DNS_SUBDOMAIN = re.compile(r"(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?"
                           r"(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")

# how often a patch or apply without a resourceVersion is retried on a conflict with a
# writer that bypasses the API server (the simulated controller writes to the store)
_RETRIES = 20

_PROTECTED_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})

# groups served as CustomResourceDefinitions on GKE
_CUSTOM_GROUPS = frozenset({GKE_NETWORKING_GROUP, "gateway.networking.k8s.io"})

_PATCH_TYPES = {
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+json": "apply",
}


def profile_validator(profile: str | CRDProfile | None) -> Validator:
    """A validator of the three networking.gke.io kinds under a CRD profile (None: newest).

    The simulator is a cluster: ``GKE_SE_CRD_PROFILE`` (a client-side setting) does not
    change what it enforces.
    """
    from ...models import DEFAULT_PROFILE

    chosen = profile if profile is not None else DEFAULT_PROFILE

    def validate(info: ResourceInfo, obj: Mapping[str, Any]) -> list[Problem]:
        if info.group != GKE_NETWORKING_GROUP:
            return []
        from ...models import UnknownFields, validate_manifest

        return list(validate_manifest(obj, profile=chosen,
                                      unknown_fields=UnknownFields.PRESERVE))

    return validate


#: Validate the three networking.gke.io kinds with ``models.validate_manifest`` (newest CRDs).
default_validator: Validator = profile_validator(None)


def default_unknown_fields(info: ResourceInfo, obj: Mapping[str, Any]) -> list[str]:
    """Paths of fields the schema does not declare, for the networking.gke.io kinds."""
    if info.group != GKE_NETWORKING_GROUP:
        return []
    from ...models import DEFAULT_PROFILE, UnknownFields, validate_manifest

    return [p.path for p in validate_manifest(obj, profile=DEFAULT_PROFILE,
                                              unknown_fields=UnknownFields.REJECT)
            if p.message.startswith("unknown field")]


@dataclass(slots=True)
class _Target:
    """A resource request: which kind, where, which object and subresource."""

    kind: ServedKind
    namespace: str | None
    name: str | None
    subresource: str | None

    @property
    def info(self) -> ResourceInfo:
        return self.kind.info


class KubeAPIServer:
    """The simulator's Kubernetes API server. Start it, point clients at :attr:`url`.

    ``validator`` answers 422 for invalid objects (default: ``models.validate_manifest``
    for the networking.gke.io kinds); ``bookmark_interval`` is how often watches that allow
    bookmarks get one (seconds); ``sleep`` is how injected latency and stalls wait
    (default: a wait that :meth:`stop` interrupts; it returns True when interrupted);
    ``unknown_fields`` finds undeclared fields for ``fieldValidation`` (Strict: 400,
    Warn: ``Warning`` headers and kept, Ignore: pruned, as from a structural CRD).
    ``allow_unconditional_update=False`` answers a PUT without ``metadata.resourceVersion``
    on the networking.gke.io / Gateway API kinds with 422, as GKE does (they are custom
    resources there); the default (True) accepts it like a core kind.

    Against hostile clients: request bodies are capped at 3 MiB (413), a connection idle for
    ``idle_timeout`` seconds is closed, and at most ``max_connections`` connections (one
    thread each) are served at once; more are answered 429.
    """

    #: GKE's admission of new extensions (missing Gateway / Service / endpoints: 422). Off
    #: on a bare API server; ``GKESimulator`` turns it on unless ``admission=False``.
    admission: bool = False

    def __init__(self, store: ObjectStore, *, faults: Faults | None = None,
                 validator: Validator | None = None, bookmark_interval: float = 1.0,
                 host: str = "127.0.0.1", port: int = 0,
                 sleep: Callable[[float], bool] | None = None,
                 unknown_fields: UnknownFieldFinder | None = None,
                 allow_unconditional_update: bool = True,
                 kubernetes_version: str = _discovery.KUBERNETES_VERSION,
                 idle_timeout: float | None = 60.0, max_connections: int = 256) -> None:
        self.store = store
        #: the ``gitVersion`` ``/version`` answers
        self.kubernetes_version = kubernetes_version
        self.faults = faults or Faults()
        self.validator: Validator = validator or default_validator
        self.unknown_fields: UnknownFieldFinder = unknown_fields or default_unknown_fields
        self.allow_unconditional_update = allow_unconditional_update
        self.bookmark_interval = bookmark_interval
        self._host, self._port = host, port
        self._httpd: HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.sleep: Callable[[float], bool] = sleep or self._stopping.wait
        #: seconds between checks that the client of an idle watch is still connected
        self.idle_check_interval = 1.0
        self._watches: set[WatchStream] = set()
        self._lock = threading.Lock()
        self._next_ip = 9  # Service cluster IPs handed out: 10.96.0.10, 10.96.0.11, ...
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        # read-modify-write of one object (patch, apply) holds its stripe: concurrent
        # writers without a resourceVersion never see a conflict from each other
        self._write_locks = tuple(threading.Lock() for _ in range(64))

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._httpd is None:
            raise RuntimeError("the Kubernetes API server is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the Kubernetes API server is not started")
        return int(self._httpd.server_address[1])

    @property
    def active_watches(self) -> int:
        """How many watch streams are open."""
        with self._lock:
            return len(self._watches)

    def start(self) -> None:
        """Bind an ephemeral port and serve in a background thread."""
        self._stopping.clear()
        self._httpd = HTTPServer((self._host, self._port), Handler, self,
                                 idle_timeout=self.idle_timeout,
                                 max_connections=self.max_connections)
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.01},
                                        name="kube-api-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, end watches and close every open connection."""
        if self._httpd is None:
            return
        self._stopping.set()
        with self._lock:
            for stream in self._watches:
                stream.close()
        self._httpd.shutdown()
        self._httpd.close_all_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    # ------------------------------------------------------------------ routing

    def handle(self, req: Request) -> Response | Iterator[bytes]:
        """Answer one request: a response, or for watches an iterator of JSON lines."""
        path = req.path.rstrip("/") or "/"
        parts = [p for p in path.split("/") if p]
        try:
            if req.method == "GET" and parts == ["openapi", "v2"]:
                return Response(200, openapi_v2_document(),
                                {"Content-Type": OPENAPI_V2_MEDIA_TYPE})
            if req.method == "GET":
                doc = self._non_resource(parts)
                if doc is not None:
                    return Response(200, doc)
            if req.method == "POST" and parts[:1] == ["apis"] and len(parts) == 4:
                binary = "protobuf" in req.headers.get("Content-Type", "")
                answer = _auth.review(parts, {} if binary or not req.body else self._body(req))
                if answer is not None:
                    return Response(201, answer)
            target = self._resolve(parts)
            if target is None:
                raise ApiError(404, "NotFound",
                               "the server could not find the requested resource",
                               details={})
            return self._resource(req, target)
        except ApiError as err:
            return Response(err.code, err.status(), err.headers)

    def request_info(self, req: Request) -> RequestInfo:
        """Verb and resource of a request, for fault rules and counters."""
        parts = [p for p in req.path.split("/") if p]
        target = self._resolve(parts)
        if target is None:
            return RequestInfo(req.method.lower(), "", req.path)
        resource = target.info.plural
        if target.subresource:
            resource += f"/{target.subresource}"
        verb = {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(req.method)
        if verb is None and req.method == "DELETE":
            verb = "delete" if target.name else "deletecollection"
        if verb is None:
            verb = "get" if target.name else "watch" if req.flag("watch") else "list"
        return RequestInfo(verb, resource, req.path)

    def _non_resource(self, parts: list[str]) -> dict[str, Any] | None:
        if parts == ["version"]:
            return _discovery.version_info(self.kubernetes_version)
        if parts in (["healthz"], ["readyz"], ["livez"]):
            return {"status": "ok"}
        if parts == ["api"]:
            return _discovery.api_versions(f"{self._host}:{self.port}")
        if parts == ["apis"]:
            return _discovery.api_group_list()
        if parts[:2] == ["openapi", "v3"]:
            if len(parts) == 2:
                return openapi_v3_index()
            rest = parts[2:]
            if rest[:1] == ["api"] and len(rest) == 2:
                return openapi_v3_document("", rest[1])
            if rest[:1] == ["apis"] and len(rest) == 3:
                return openapi_v3_document(rest[1], rest[2])
            return None
        if len(parts) == 2 and parts[0] == "api":
            return _discovery.api_resource_list("", parts[1])
        if len(parts) == 2 and parts[0] == "apis":
            return _discovery.api_group(parts[1])
        if len(parts) == 3 and parts[0] == "apis":
            return _discovery.api_resource_list(parts[1], parts[2])
        return None

    def _resolve(self, parts: list[str]) -> _Target | None:
        if len(parts) >= 3 and parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        elif len(parts) >= 4 and parts[0] == "apis":
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        namespace: str | None = None
        if rest[0] == "namespaces" and len(rest) >= 3 and find_by_plural(group, version, rest[2]):
            namespace, rest = rest[1], rest[2:]
        kind = find_by_plural(group, version, rest[0])
        if kind is None or len(rest) > 3:
            return None
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) == 3 else None
        if sub is not None and not ((sub == "status" and kind.has_status)
                                    or (sub == "scale" and kind.has_scale)):
            return None
        if kind.info.namespaced is False and namespace is not None:
            return None
        if kind.info.namespaced and name is not None and namespace is None:
            return None
        return _Target(kind, namespace, name, sub)

    def _resource(self, req: Request, t: _Target) -> Response | Iterator[bytes]:
        m = req.method
        if t.subresource == "scale" and m in ("GET", "PUT", "PATCH"):
            with self._write_lock(t):
                return self._scale(req, t)
        if t.name is None:
            if m == "GET":
                return self._watch(req, t) if req.flag("watch") else self._list(req, t)
            if m == "POST":
                return self._create(req, t)
            if m == "DELETE":
                return self._delete_collection(req, t)
        else:
            if m == "GET":
                return Response(200, self._get_maybe_table(req, t))
            if m == "PUT":
                return self._update(req, t)
            if m == "PATCH":
                with self._write_lock(t):
                    return self._patch(req, t)
            if m == "DELETE":
                return self._delete(req, t)
        raise ApiError(405, "MethodNotAllowed",
                       "the server does not allow this method on the requested resource",
                       details={})

    def _write_lock(self, t: _Target) -> threading.Lock:
        return self._write_locks[hash((t.info.plural, t.namespace, t.name)) % 64]

    # ------------------------------------------------------------------ reads

    def _get(self, t: _Target) -> dict[str, Any]:
        assert t.name is not None
        obj = self.store.get(t.info, t.namespace, t.name)
        if obj is None:
            raise ApiError(404, "NotFound", f'{resource_name(t.info)} "{t.name}" not found',
                           details=details_for(t.info, t.name))
        return obj

    def _get_maybe_table(self, req: Request, t: _Target) -> dict[str, Any]:
        """A GET by name, as a one-row Table when the client asks for one (kubectl get)."""
        obj = self._get(t)
        if t.subresource is None and wants_table(req.headers.get("Accept", "")):
            meta = {"resourceVersion": (obj.get("metadata") or {}).get("resourceVersion")}
            return table(t.info, [obj], meta, req.param("includeObject"))
        return obj

    def _selectors(self, req: Request, t: _Target) -> Callable[[Mapping[str, Any]], bool]:
        try:
            labels = parse_label_selector(req.param("labelSelector"))
            fields = parse_field_selector(req.param("fieldSelector"), t.info.kind)
        except SelectorError as err:
            raise ApiError(400, "BadRequest", str(err)) from err

        def match(obj: Mapping[str, Any]) -> bool:
            if t.namespace is not None and (obj.get("metadata") or {}).get(
                    "namespace") != t.namespace:
                return False
            return matches_labels(labels, obj) and matches_fields(fields, obj)

        return match

    def _list(self, req: Request, t: _Target) -> Response:
        match = self._selectors(req, t)
        items, rv = self.store.list(t.info, t.namespace)
        items = [o for o in items if match(o)]
        meta: dict[str, Any] = {"resourceVersion": rv}
        token = req.param("continue")
        if token:
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()))
                after = (str(state["ns"]), str(state["name"]))
            except (ValueError, KeyError, TypeError) as err:
                raise ApiError(400, "BadRequest", "continue key is not valid") from err
            items = [o for o in items if _key(o) > after]
        limit_s = req.param("limit")
        if limit_s:
            try:
                limit = int(limit_s)
            except ValueError as err:
                raise ApiError(400, "BadRequest", f"invalid limit: {limit_s!r}") from err
            if 0 < limit < len(items):
                last = _key(items[limit - 1])
                meta["continue"] = base64.urlsafe_b64encode(
                    json.dumps({"ns": last[0], "name": last[1], "rv": rv}).encode()).decode()
                meta["remainingItemCount"] = len(items) - limit
                items = items[:limit]
        if wants_table(req.headers.get("Accept", "")):
            return Response(200, table(t.info, items, meta, req.param("includeObject")))
        body = {"apiVersion": t.info.api_version, "kind": t.info.list_kind, "metadata": meta,
                "items": items}
        return Response(200, body)

    def _watch(self, req: Request, t: _Target) -> Iterator[bytes]:
        match = self._selectors(req, t)
        timeout_s = req.param("timeoutSeconds")
        try:
            timeout = float(timeout_s) if timeout_s else None
        except ValueError as err:
            raise ApiError(400, "BadRequest", f"invalid timeoutSeconds: {timeout_s!r}") from err
        bookmarks = req.flag("allowWatchBookmarks")
        rv_param = req.param("resourceVersion") or ""
        if rv_param and rv_param != "0" and not rv_param.isdigit():
            raise ApiError(400, "BadRequest", f"invalid resource version: {rv_param!r}")
        expire, close_after, silent = self.faults.watch_faults(self.request_info(req))
        stream = WatchStream(self.store, t.info, t.namespace, match, resource_version=rv_param,
                             bookmarks=bookmarks, bookmark_interval=self.bookmark_interval,
                             idle_check_interval=self.idle_check_interval,
                             deadline=_deadline(timeout, close_after), expire=expire,
                             silent=silent,
                             stopping=self._stopping, on_done=self._watch_done,
                             render=(lambda obj: table(t.info, [obj], {}))
                             if wants_table(req.headers.get("Accept", "")) else None)
        with self._lock:
            self._watches.add(stream)
        return iter(stream)

    def _watch_done(self, stream: WatchStream) -> None:
        with self._lock:
            self._watches.discard(stream)

    # ------------------------------------------------------------------ writes

    def _dry_run(self, req: Request, body: Mapping[str, Any] | None = None) -> bool:
        values = list(req.query.get("dryRun", []))
        if body is not None and isinstance(body.get("dryRun"), list):
            values.extend(str(v) for v in body["dryRun"])
        for v in values:
            if v != "All":
                raise ApiError(400, "BadRequest",
                               f'Invalid dry run value: "{v}" (supported value: "All")')
        return bool(values)

    def _manager(self, req: Request, *, required: bool = False) -> str:
        manager = req.param("fieldManager")
        if manager:
            if len(manager) > 128:
                raise ApiError(422, "Invalid", "fieldManager: Too long: may not be longer "
                               "than 128")
            return manager
        if required:
            raise ApiError(400, "BadRequest",
                           "PATCH requests with apply-patch content type require a "
                           "fieldManager query parameter", details={})
        return (req.user_agent.split("/", 1)[0] or "unknown") if req.user_agent else "unknown"

    def _body(self, req: Request, *, yaml_ok: bool = False) -> Any:
        if not req.body:
            raise ApiError(400, "BadRequest", "the body of the request was empty")
        decoded = _binary_body(req)
        if decoded is not None:
            return decoded
        try:
            if yaml_ok or "yaml" in req.headers.get("Content-Type", ""):
                body = _yaml_body(req.body)
            else:
                body = json.loads(req.body, parse_constant=_no_constant)
            scan(body)
        except LimitError as err:
            where = path_of(err.parts[::-1])
            raise ApiError(400, "BadRequest", "the body of the request could not be decoded: "
                           f"{where + ': ' if where else ''}{err.message}") from None
        except (ValueError, RecursionError) as err:
            text = "nested too deeply" if isinstance(err, RecursionError) else str(err)
            raise ApiError(400, "BadRequest",
                           f"the body of the request could not be decoded: {text[:300]}"
                           ) from None
        return body

    def _check_object(self, t: _Target, obj: Any, *, name: str | None = None) -> dict[str, Any]:
        if not isinstance(obj, dict):
            raise ApiError(400, "BadRequest", "the body must be a JSON object")
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if (api_version and api_version != t.info.api_version) or (kind and kind != t.info.kind):
            raise ApiError(400, "BadRequest",
                           f"the API version in the data ({api_version}) does not match the "
                           f"expected API version ({t.info.api_version})"
                           if api_version != t.info.api_version else
                           f"the kind in the data ({kind}) does not match the expected kind "
                           f"({t.info.kind})")
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise ApiError(400, "BadRequest", "metadata must be an object")
        if t.info.namespaced:
            body_ns = meta.get("namespace")
            if body_ns and t.namespace and body_ns != t.namespace:
                raise ApiError(400, "BadRequest", "the namespace of the provided object does "
                               "not match the namespace sent on the request")
            meta["namespace"] = t.namespace or body_ns or "default"
        if name is not None:
            if meta.get("name") and meta["name"] != name:
                raise ApiError(400, "BadRequest", f"the name of the object ({meta['name']}) "
                               f"does not match the name on the URL ({name})")
            meta["name"] = name
        obj["apiVersion"], obj["kind"] = t.info.api_version, t.info.kind
        return obj

    def _validate(self, req: Request, t: _Target, obj: Mapping[str, Any]) -> dict[str, str]:
        """Raise 422 for invalid objects; apply ``fieldValidation``; the warning headers."""
        self._check_valid(t, obj)
        directive = req.param("fieldValidation") or "Warn"
        if directive not in ("Strict", "Warn", "Ignore"):
            raise ApiError(400, "BadRequest", f"fieldValidation must be one of Strict, Warn, "
                           f"Ignore; got {directive!r}")
        if t.subresource is not None:
            return {}
        unknown = self.unknown_fields(t.info, obj)
        if not unknown:
            return {}
        listed = ", ".join(f'unknown field "{path}"' for path in unknown)
        if directive == "Ignore":
            if isinstance(obj, dict):  # validation off: dropped, as from a structural CRD
                _admission.prune(obj, unknown)
            return {}
        if directive == "Strict":
            raise ApiError(400, "BadRequest",
                           f'{t.info.kind} in version "{t.info.version}" cannot be handled as '
                           f"a {t.info.kind}: strict decoding error: {listed}")
        return {"Warning": ", ".join(
            f'299 - "unknown field \\"{path}\\""' for path in unknown)}

    def _check_valid(self, t: _Target, obj: Mapping[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        name = meta.get("name") or "" if isinstance(meta, Mapping) else ""
        try:
            problems = list(self.validator(t.info, obj))
        except Exception as err:
            _log.exception("kube-api: validator failed on %s %r", t.info.kind, name)
            raise ApiError(500, "InternalError", f"Internal error occurred: validating "
                           f'{t.info.kind} "{name}" failed: {err!r}') from err
        seen = {p.path for p in problems}
        problems[:0] = [p for p in _meta_problems(t.info, meta) if p.path not in seen]
        if not problems:
            return
        name = clip(name, 253) if isinstance(name, str) else ""
        what = f'{t.info.kind}.{t.info.group or "core"} "{name}"'
        listed = [str(p) for p in problems]
        text = listed[0] if len(listed) == 1 else "[" + ", ".join(listed) + "]"
        causes = [{"reason": "FieldValueInvalid", "message": p.message, "field": p.path}
                  for p in problems]
        details: dict[str, Any] = {"name": name, "kind": t.info.kind, "causes": causes}
        if t.info.group:
            details["group"] = t.info.group
        raise ApiError(422, "Invalid", f"{what} is invalid: {text}", details=details)

    def _store_call(self, t: _Target, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        try:
            return fn()
        except StoreError as err:
            raise from_store_error(err, t.info) from err

    def _create(self, req: Request, t: _Target) -> Response:
        obj = self._check_object(t, self._body(req))
        dry = self._dry_run(req)
        if t.kind.has_status:
            obj.pop("status", None)
        self._defaults(t, obj)
        warnings = self._validate(req, t, obj)
        self._admit(t, obj)
        obj["metadata"].pop("resourceVersion", None)
        obj["metadata"]["managedFields"] = record_update(
            None, obj, self._manager(req), t.info.api_version, None)
        created = self._store_call(t, lambda: self.store.create(t.info, obj, dry_run=dry))
        return Response(201, created, warnings)

    def _defaults(self, t: _Target, obj: dict[str, Any]) -> None:
        """What the real API server fills in on a write (``_admission``)."""
        if t.subresource is not None:
            return
        if t.info == SERVICE:
            _admission.default_service(obj, self._next_cluster_ip)
        _admission.apply_defaults(t.info, obj)

    def _next_cluster_ip(self) -> str:
        with self._lock:
            self._next_ip += 1
            n = self._next_ip
        return f"10.96.{n // 250 % 250}.{n % 250 + 1}"

    def _admit(self, t: _Target, obj: Mapping[str, Any]) -> None:
        """GKE's admission of a new extension: 422 as the guide shows it."""
        if not self.admission:
            return
        problem = _admission.admission_problem(t.info, obj, self.store)
        if problem is None:
            return
        name = (obj.get("metadata") or {}).get("name") or ""
        # No details: kubectl then prints the message as GKE's (the guide's) output shows it.
        raise ApiError(422, "Invalid", f'{t.info.kind}.{t.info.group} "{name}" is invalid: '
                       f"{problem}", details={})

    def _update(self, req: Request, t: _Target) -> Response:
        assert t.name is not None
        obj = self._check_object(t, self._body(req), name=t.name)
        dry = self._dry_run(req)
        current = self._get(t)
        if (not obj["metadata"].get("resourceVersion") and t.info.group in _CUSTOM_GROUPS
                and not self.allow_unconditional_update):
            # GKE serves these as custom resources, which allow no unconditional update
            raise ApiError(422, "Invalid", f'{t.info.kind}.{t.info.group} "{t.name}" is '
                           "invalid: metadata.resourceVersion: Invalid value: 0x0: must be "
                           "specified for an update", details={
                               "name": t.name, "group": t.info.group, "kind": t.info.kind,
                               "causes": [{"reason": "FieldValueInvalid",
                                           "message": "Invalid value: 0x0: must be specified "
                                                      "for an update",
                                           "field": "metadata.resourceVersion"}]})
        warnings = self._validate(req, t, _effective(t, current, obj))
        obj["metadata"]["managedFields"] = record_update(
            current, obj, self._manager(req), t.info.api_version, t.subresource)
        updated = self._store_call(t, lambda: self.store.update(
            t.info, obj, subresource=t.subresource, dry_run=dry))
        return Response(200, updated, warnings)

    def _patch(self, req: Request, t: _Target) -> Response:
        assert t.name is not None
        ctype = req.headers.get("Content-Type", "").split(";")[0].strip()
        kind = _PATCH_TYPES.get(ctype)
        if kind is None:
            raise ApiError(415, "UnsupportedMediaType",
                           f"the body of the request was in an unknown format - accepted "
                           f"media types include: {', '.join(_PATCH_TYPES)}", details={})
        if kind == "strategic" and t.info.group in _CUSTOM_GROUPS:
            raise ApiError(415, "UnsupportedMediaType",  # custom resources: no SMP
                           "the body of the request was in an unknown format - accepted "
                           "media types include: application/json-patch+json, "
                           "application/merge-patch+json, application/apply-patch+yaml",
                           details={})
        patch = self._body(req, yaml_ok=kind == "apply")
        dry = self._dry_run(req)
        if kind == "apply":
            return self._apply(req, t, patch, dry)
        for attempt in range(_RETRIES):
            current = self._get(t)
            try:
                if kind == "json":
                    patched = json_patch(current, patch)
                elif not isinstance(patch, dict):
                    raise PatchError("patch must be a JSON object")
                elif kind == "merge":
                    patched = merge_patch(current, patch)
                else:
                    patched = strategic_merge_patch(current, patch)
            except PatchError as err:
                if err.invalid:
                    raise ApiError(422, "Invalid", str(err)) from err
                raise ApiError(400, "BadRequest", str(err)) from err
            patched = self._check_object(t, patched, name=t.name)
            warnings = self._validate(req, t, _effective(t, current, patched))
            patched["metadata"]["managedFields"] = record_update(
                current, patched, self._manager(req), t.info.api_version, t.subresource)
            explicit_rv = _patch_sets_rv(patch)
            try:
                updated = self.store.update(t.info, patched, subresource=t.subresource,
                                            dry_run=dry)
            except StoreConflict as err:
                if explicit_rv or attempt == _RETRIES - 1:
                    raise from_store_error(err, t.info) from err
                continue
            except StoreError as err:
                raise from_store_error(err, t.info) from err
            return Response(200, updated, warnings)
        raise AssertionError("unreachable")

    def _scale(self, req: Request, t: _Target) -> Response:
        """``/scale``: read or write ``spec.replicas`` through an ``autoscaling/v1`` Scale."""
        if req.method == "GET":
            return Response(200, to_scale(self._get(t)))
        ctype = req.headers.get("Content-Type", "").split(";")[0].strip()
        kind = "put" if req.method == "PUT" else _PATCH_TYPES.get(ctype)
        if kind is None or kind == "apply":
            raise ApiError(415, "UnsupportedMediaType",
                           f"the body of the request was in an unknown format - accepted "
                           f"media types include: {', '.join(_PATCH_TYPES)}", details={})
        body = self._body(req)
        dry = self._dry_run(req)
        for attempt in range(_RETRIES):
            current = self._get(t)
            scale = to_scale(current)
            try:
                if kind == "put":
                    scale = body
                elif kind == "json":
                    scale = json_patch(scale, body)
                elif not isinstance(body, dict):
                    raise PatchError("patch must be a JSON object")
                else:
                    scale = (merge_patch if kind == "merge" else strategic_merge_patch)(
                        scale, body)
                replicas = replicas_of(scale)
            except PatchError as err:
                raise ApiError(422 if err.invalid else 400,
                               "Invalid" if err.invalid else "BadRequest", str(err)) from err
            except ValueError as err:
                raise ApiError(422, "Invalid", f'Scale.autoscaling "{t.name}" is invalid: '
                               f"{err}") from err
            want_rv = ((scale.get("metadata") or {}).get("resourceVersion")
                       if isinstance(scale, dict) else None)
            new = json.loads(json.dumps(current))
            new["spec"]["replicas"] = replicas
            if want_rv:
                new["metadata"]["resourceVersion"] = want_rv
            new["metadata"]["managedFields"] = record_update(
                current, new, self._manager(req), t.info.api_version, None)
            try:
                updated = self.store.update(t.info, new, dry_run=dry)
            except StoreConflict as err:
                if (want_rv and kind == "put") or attempt == _RETRIES - 1:
                    raise from_store_error(err, t.info) from err
                continue
            except StoreError as err:
                raise from_store_error(err, t.info) from err
            return Response(200, to_scale(updated))
        raise AssertionError("unreachable")

    def _apply(self, req: Request, t: _Target, config: Any, dry: bool) -> Response:
        assert t.name is not None
        manager = self._manager(req, required=True)
        force = req.flag("force")
        if not isinstance(config, dict):
            raise ApiError(400, "BadRequest", "apply patch must be an object")
        config = self._check_object(t, dict(config), name=t.name)
        for attempt in range(_RETRIES):
            current = self.store.get(t.info, t.namespace, t.name)
            try:
                new = apply_config(current, config, manager, t.info.api_version,
                                   force=force, subresource=t.subresource)
            except ApplyConflict as err:
                causes = [{"reason": "FieldManagerConflict", "message": msg, "field": path}
                          for path, msg in err.causes]
                raise ApiError(409, "Conflict", str(err),
                               details={**details_for(t.info, t.name), "causes": causes}) from err
            self._defaults(t, new)
            warnings = self._validate(req, t, _effective(t, current, new))
            try:
                if current is None:
                    if t.subresource is not None:
                        raise ApiError(404, "NotFound",
                                       f'{resource_name(t.info)} "{t.name}" not found',
                                       details=details_for(t.info, t.name))
                    self._admit(t, new)
                    new["metadata"].pop("resourceVersion", None)
                    return Response(201, self.store.create(t.info, new, dry_run=dry),
                                    warnings)
                return Response(200, self.store.update(t.info, new, subresource=t.subresource,
                                                        dry_run=dry), warnings)
            except StoreConflict as err:
                if attempt == _RETRIES - 1 or "resourceVersion" in (config.get("metadata")
                                                                   or {}):
                    raise from_store_error(err, t.info) from err
            except StoreError as err:
                if attempt == _RETRIES - 1 or err.code != 409:
                    raise from_store_error(err, t.info) from err
        raise AssertionError("unreachable")

    def _delete(self, req: Request, t: _Target) -> Response:
        assert t.name is not None
        options: dict[str, Any] = {}
        if req.body:
            body = self._body(req)
            options = body if isinstance(body, dict) else {}
        dry = self._dry_run(req, options)
        current = self._get(t)
        if t.info == NAMESPACE and t.name in _PROTECTED_NAMESPACES:
            raise ApiError(403, "Forbidden", f'namespaces "{t.name}" is forbidden: this '
                           "namespace may not be deleted", details=details_for(t.info, t.name))
        pre = options.get("preconditions") or {}
        meta = current["metadata"]
        if (pre.get("uid") and pre["uid"] != meta.get("uid")) or (
                pre.get("resourceVersion") and pre["resourceVersion"] != meta.get(
                    "resourceVersion")):
            which = "UID" if pre.get("uid") and pre["uid"] != meta.get("uid") else (
                "ResourceVersion")
            want = pre.get("uid") if which == "UID" else pre.get("resourceVersion")
            have = meta.get("uid") if which == "UID" else meta.get("resourceVersion")
            raise ApiError(409, "Conflict",
                           f"Operation cannot be fulfilled on {resource_name(t.info)} "
                           f'"{t.name}": Precondition failed: {which} in precondition: '
                           f"{want}, {which} in object meta: {have}",
                           details=details_for(t.info, t.name))
        deleted = self.store.delete(t.info, t.namespace, t.name, dry_run=dry)
        if deleted is None:
            raise ApiError(404, "NotFound", f'{resource_name(t.info)} "{t.name}" not found',
                           details=details_for(t.info, t.name))
        still_there = bool(deleted["metadata"].get("finalizers"))
        return Response(202 if still_there else 200, deleted)

    def _delete_collection(self, req: Request, t: _Target) -> Response:
        match = self._selectors(req, t)
        dry = self._dry_run(req)
        items, _ = self.store.list(t.info, t.namespace)
        deleted = []
        for obj in items:
            if match(obj):
                meta = obj["metadata"]
                gone = self.store.delete(t.info, meta.get("namespace"), meta["name"], dry_run=dry)
                if gone is not None:
                    deleted.append(gone)
        return Response(200, {"apiVersion": t.info.api_version, "kind": t.info.list_kind,
                               "metadata": {"resourceVersion": self.store.resource_version},
                               "items": deleted})


# ---------------------------------------------------------------------- helpers


def _binary_body(req: Request) -> dict[str, Any] | None:
    """A protobuf body decoded (``_protobuf``: what kubectl sends as protobuf), None for a
    text body; 415 for protobuf of other kinds and for CBOR, as a server without the codec
    answers."""
    ctype = req.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not ctype.endswith(("protobuf", "cbor")):
        return None
    try:
        decoded = _protobuf.decode(req.body) if ctype.endswith("protobuf") else None
    except ValueError as err:
        raise ApiError(400, "BadRequest",
                       f"the body of the request could not be decoded: {err}") from err
    if decoded is None:
        raise ApiError(415, "UnsupportedMediaType",
                       "the body of the request was in an unknown format - accepted media "
                       "types include: application/json, application/yaml", details={})
    return decoded


_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def _meta_problems(info: ResourceInfo, meta: Any) -> list[Problem]:
    """What the API server checks in ``metadata`` of every kind: the name's format (a DNS
    label for Namespaces and Services, a DNS subdomain otherwise), and that labels and
    annotations are maps of strings (labels with valid keys and values)."""
    from ...models._common import LABEL_KEY, LABEL_VALUE

    if not isinstance(meta, Mapping):
        return []
    out: list[Problem] = []
    name = meta.get("name")
    if isinstance(name, str) and name:
        shown = clip(name, 253)
        if info in (NAMESPACE, SERVICE):
            label = _DNS1123_LABEL if info == NAMESPACE else _DNS1035_LABEL
            what = "RFC 1123 label" if info == NAMESPACE else "DNS-1035 label"
            if len(name) > 63:
                out.append(Problem("metadata.name", f'Invalid value: "{shown}": must be no '
                                                    "more than 63 characters"))
            elif not label.fullmatch(name):
                out.append(Problem("metadata.name", f'Invalid value: "{shown}": a lowercase '
                                   f"{what} must consist of lower case alphanumeric "
                                   "characters or '-', and must start and end with an "
                                   "alphanumeric character (regex used for validation is "
                                   f"'{label.pattern}')"))
        elif not _DNS_SUBDOMAIN.fullmatch(name):
            out.append(Problem("metadata.name", f'Invalid value: "{shown}": a lowercase RFC '
                               "1123 subdomain must consist of lower case alphanumeric "
                               "characters, '-' or '.', and must start and end with an "
                               "alphanumeric character"))
    for field in ("labels", "annotations"):
        value = meta.get(field)
        if value is None:
            continue
        path = f"metadata.{field}"
        if not isinstance(value, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            out.append(Problem(path, f"Invalid value: {describe(value)}: must be a map of "
                                     "string keys to string values"))
            continue
        if field == "labels":
            for k, v in list(value.items())[:100]:
                if len(k) > 316 or not LABEL_KEY.matches(k):
                    out.append(Problem(f"{path}", f'Invalid value: "{clip(k)}": name part '
                                       "must consist of alphanumeric characters, '-', '_' or "
                                       "'.', and must start and end with an alphanumeric "
                                       "character"))
                elif len(v) > 63 or not LABEL_VALUE.matches(v):
                    out.append(Problem(f"{path}", f'Invalid value: "{clip(v)}": a valid label '
                                       "must be an empty string or consist of alphanumeric "
                                       "characters, '-', '_' or '.', and must start and end "
                                       "with an alphanumeric character"))
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _yaml_body(raw: bytes) -> Any:
    """A YAML (or JSON) request body: one document, aliases bounded, no duplicate keys."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError("the body is not UTF-8 text") from err
    try:
        docs = load_documents(text)
    except ManifestParseError as err:
        raise ValueError(str(err)) from None
    if len(docs) != 1:
        raise ValueError(f"expected one YAML document, got {len(docs)}")
    return docs[0]


def _key(obj: Mapping[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


def _effective(t: _Target, current: Mapping[str, Any] | None,
               written: Mapping[str, Any]) -> dict[str, Any]:
    """What would be stored: a write to the main resource keeps the current status, a
    write to ``/status`` keeps everything else."""
    if not t.kind.has_status:
        return dict(written)
    if t.subresource == "status":
        out = dict(current or written)
        if "status" in written:
            out["status"] = written["status"]
        return out
    out = {k: v for k, v in written.items() if k != "status"}
    if current is not None and "status" in current:
        out["status"] = current["status"]
    return out


def _deadline(timeout: float | None, close_after: float | None) -> float | None:
    limits = [x for x in (timeout, close_after) if x is not None]
    return time.monotonic() + min(limits) if limits else None


def _patch_sets_rv(patch: Any) -> bool:
    if isinstance(patch, dict):
        return "resourceVersion" in (patch.get("metadata") or {})
    if isinstance(patch, list):
        return any(isinstance(op, dict) and str(op.get("path", "")).startswith(
            "/metadata/resourceVersion") for op in patch)
    return False
