"""The simulator's in-memory Kubernetes object store.

Thread-safe; objects are wire-form dicts and every call returns deep copies. This module
implements the contract in ``docs/architecture.md`` ("Simulator: object store")::

    store.get(info, namespace, name) -> dict | None
    store.list(info, namespace=None) -> tuple[list[dict], str]
    store.create(info, obj) -> dict
    store.update(info, obj, *, subresource=None) -> dict
    store.delete(info, namespace, name) -> dict | None
    store.subscribe(fn) -> unsubscribe

plus what the API server needs on top: ``dry_run`` on writes, a global resourceVersion,
and a bounded history of events for watch resume (:meth:`ObjectStore.events_since`).

Errors are the simulator's flavours of the library's Kubernetes errors
(:class:`StoreConflict` is a :class:`~gke_service_extensions.ConflictError`, and so on), so
code that catches the library's tree catches them too.
"""

from __future__ import annotations

import builtins
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar, cast

from ..._errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidError,
    KubernetesError,
    NotFoundError,
    ObjectRef,
)
from ...models._meta import ResourceInfo
from ._resources import NAMESPACE, served_kind

__all__ = [
    "DEFAULT_NAMESPACES",
    "ObjectStore",
    "StoreAlreadyExists",
    "StoreConflict",
    "StoreError",
    "StoreGone",
    "StoreInvalid",
    "StoreNotFound",
    "WatchEvent",
    "resource_name",
]

_log = logging.getLogger(__name__)

_T = TypeVar("_T")
EventType = Literal["ADDED", "MODIFIED", "DELETED"]
DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def resource_name(info: ResourceInfo) -> str:
    """How the API server names a kind in messages: ``gcptrafficextensions.networking.gke.io``."""
    return f"{info.plural}.{info.group}" if info.group else info.plural


def _copy_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return value


def _copy(value: _T) -> _T:
    """A deep copy of JSON-shaped data (dicts, lists, immutable scalars); much faster than
    ``copy.deepcopy``, which dominates list latency otherwise."""
    return cast(_T, _copy_json(value))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StoreError(KubernetesError):
    """Base of the store's errors; ``info`` and ``name`` say which object."""

    code = 500
    status_reason = "InternalError"

    def __init__(self, message: str, *, info: ResourceInfo | None = None,
                 name: str | None = None, namespace: str | None = None) -> None:
        ref = ObjectRef(info.kind, name, namespace) if info is not None else None
        super().__init__(message, obj=ref, status=self.code, reason=self.status_reason,
                         server_message=message)
        self.info = info
        self.name = name


class StoreNotFound(StoreError, NotFoundError):
    """No such object (or no such namespace to create it in)."""

    code = 404
    status_reason = "NotFound"


class StoreAlreadyExists(StoreError, AlreadyExistsError):
    """An object of that name already exists."""

    code = 409
    status_reason = "AlreadyExists"


class StoreConflict(StoreError, ConflictError):
    """The write carried a resourceVersion that is not the current one."""

    code = 409
    status_reason = "Conflict"


class StoreInvalid(StoreError, InvalidError):
    """The object cannot be stored (no name, wrong namespace, ...)."""

    code = 422
    status_reason = "Invalid"


class StoreGone(StoreError):
    """A watch asked to resume from a resourceVersion older than the kept history."""

    code = 410
    status_reason = "Expired"


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One committed change: ``type``, the kind's ``info`` and the object after the change.

    For ``DELETED`` the object is the last state, with the deletion's resourceVersion.
    """

    type: EventType
    info: ResourceInfo
    object: dict[str, Any]

    @property
    def resource_version(self) -> int:
        return int(self.object["metadata"]["resourceVersion"])


_Key = tuple[str, str]  # (namespace or "", name)


class ObjectStore:
    """In-memory objects of every served kind, with a global resourceVersion.

    ``history_window`` is how many past events are kept for watches resuming from an older
    resourceVersion; older ones get :class:`StoreGone` (410 Expired on the wire).
    """

    def __init__(self, *, history_window: int = 1000,
                 namespaces: tuple[str, ...] = DEFAULT_NAMESPACES) -> None:
        self._lock = threading.RLock()
        self._objects: dict[tuple[str, str], dict[_Key, dict[str, Any]]] = {}
        self._rv = 0
        self._history: deque[WatchEvent] = deque(maxlen=max(1, history_window))
        self._subscribers: list[Callable[[WatchEvent], None]] = []
        self._pending: deque[WatchEvent] = deque()
        self._dispatch_lock = threading.Lock()
        for ns in namespaces:
            self.create(NAMESPACE, {"metadata": {"name": ns}})

    # ------------------------------------------------------------------ reads

    @property
    def resource_version(self) -> str:
        """The current (latest committed) resourceVersion."""
        with self._lock:
            return str(self._rv)

    def get(self, info: ResourceInfo, namespace: str | None, name: str) -> dict[str, Any] | None:
        """A copy of the object, or None."""
        with self._lock:
            obj = self._bucket(info).get(self._key(info, namespace, name))
            return _copy(obj) if obj is not None else None

    def list(self, info: ResourceInfo,
             namespace: str | None = None) -> tuple[list[dict[str, Any]], str]:
        """Copies of every object of a kind (in one namespace if given), and the list RV."""
        with self._lock:
            bucket = self._bucket(info)
            keys = sorted(bucket)
            if namespace is not None and info.namespaced:
                keys = [k for k in keys if k[0] == namespace]
            return [_copy(bucket[k]) for k in keys], str(self._rv)

    def events_since(self, resource_version: int) -> builtins.list[WatchEvent]:
        """Every kept event after ``resource_version`` (copies), oldest first.

        Raises :class:`StoreGone` when events after it have already left the history.
        """
        with self._lock:
            if resource_version >= self._rv:
                return []
            oldest = self._history[0].resource_version if self._history else self._rv + 1
            if resource_version < oldest - 1:
                raise StoreGone(
                    f"too old resource version: {resource_version} ({oldest - 1})")
            return [WatchEvent(e.type, e.info, _copy(e.object))
                    for e in self._history if e.resource_version > resource_version]

    # ------------------------------------------------------------------ writes

    def create(self, info: ResourceInfo, obj: dict[str, Any], *,
               dry_run: bool = False) -> dict[str, Any]:
        """Store a new object; fills uid, resourceVersion, generation=1, creationTimestamp."""
        new = {"apiVersion": info.api_version, "kind": info.kind,
               **{k: v for k, v in _copy(obj).items() if k not in ("apiVersion", "kind")}}
        meta = new.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise StoreInvalid(f"{info.kind} is invalid: metadata: must be an object",
                               info=info)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = f"{meta['generateName']}{uuid.uuid4().hex[:5]}"
        name = meta.get("name")
        if not isinstance(name, str) or not name:
            raise StoreInvalid(
                f"{info.kind}.{info.group or 'core'} \"\" is invalid: metadata.name: "
                "Required value: name or generateName is required", info=info)
        if info.namespaced:
            meta["namespace"] = meta.get("namespace") or "default"
        else:
            meta.pop("namespace", None)
        with self._lock:
            ns = meta.get("namespace")
            if info.namespaced and self._bucket(NAMESPACE).get(("", str(ns))) is None:
                raise StoreNotFound(f'namespaces "{ns}" not found', info=NAMESPACE, name=ns)
            key = self._key(info, ns, name)
            if key in self._bucket(info):
                raise StoreAlreadyExists(f'{resource_name(info)} "{name}" already exists',
                                         info=info, name=name, namespace=ns)
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = _now()
            meta["generation"] = 1
            meta.pop("deletionTimestamp", None)
            meta["resourceVersion"] = str(self._rv + 1)
            if dry_run:
                return new
            self._rv += 1
            self._bucket(info)[key] = new
            self._record("ADDED", info, new)
        self._dispatch()
        return _copy(new)

    def update(self, info: ResourceInfo, obj: dict[str, Any], *,
               subresource: str | None = None, dry_run: bool = False) -> dict[str, Any]:
        """Replace an object (or only its status with ``subresource="status"``).

        A ``metadata.resourceVersion`` that is not current raises :class:`StoreConflict`.
        Writes to the main resource keep the stored status (kinds with a status
        subresource); generation increases only when ``spec`` changes. An update that
        changes nothing is a no-op (same resourceVersion, no event). Clearing the last
        finalizer of an object being deleted deletes it.
        """
        if subresource not in (None, "status"):
            raise StoreNotFound(f"no subresource {subresource!r}", info=info)
        meta_in = obj.get("metadata") or {}
        name = meta_in.get("name")
        if not isinstance(name, str) or not name:
            raise StoreInvalid(f'{info.kind} "" is invalid: metadata.name: Required value',
                               info=info)
        ns = (meta_in.get("namespace") or "default") if info.namespaced else None
        with self._lock:
            key = self._key(info, ns, name)
            old = self._bucket(info).get(key)
            if old is None:
                raise StoreNotFound(f'{resource_name(info)} "{name}" not found',
                                    info=info, name=name, namespace=ns)
            want_rv = meta_in.get("resourceVersion")
            if want_rv and str(want_rv) != old["metadata"]["resourceVersion"]:
                raise StoreConflict(
                    f'Operation cannot be fulfilled on {resource_name(info)} "{name}": the '
                    "object has been modified; please apply your changes to the latest "
                    "version and try again", info=info, name=name, namespace=ns)
            new = self._merged_update(info, old, obj, subresource)
            if _same_object(old, new):
                return _copy(old)
            if dry_run:  # nothing is committed: the current resourceVersion, as on a server
                new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
                return new
            new["metadata"]["resourceVersion"] = str(self._rv + 1)
            finishing = (new["metadata"].get("deletionTimestamp")
                         and not new["metadata"].get("finalizers"))
            self._rv += 1
            if finishing:
                del self._bucket(info)[key]
                self._record("DELETED", info, new)
            else:
                self._bucket(info)[key] = new
                self._record("MODIFIED", info, new)
        self._dispatch()
        return _copy(new)

    def delete(self, info: ResourceInfo, namespace: str | None, name: str, *,
               dry_run: bool = False) -> dict[str, Any] | None:
        """Delete an object; None if there is none.

        With finalizers the object only gets a ``deletionTimestamp`` (MODIFIED) and stays
        until an update clears them. Deleting a namespace deletes what is in it.
        """
        with self._lock:
            key = self._key(info, namespace, name)
            old = self._bucket(info).get(key)
            if old is None:
                return None
            new = _copy(old)
            meta = new["metadata"]
            if meta.get("finalizers"):
                if meta.get("deletionTimestamp"):
                    return new
                meta["deletionTimestamp"] = _now()
                if dry_run:
                    return new
                meta["resourceVersion"] = str(self._rv + 1)
                self._rv += 1
                self._bucket(info)[key] = new
                self._record("MODIFIED", info, new)
            else:
                if dry_run:
                    return new
                meta["resourceVersion"] = str(self._rv + 1)
                if info == NAMESPACE:
                    self._delete_namespace_contents(name)
                    meta["resourceVersion"] = str(self._rv + 1)
                self._rv += 1
                del self._bucket(info)[key]
                self._record("DELETED", info, new)
        self._dispatch()
        return _copy(new)

    # ------------------------------------------------------------------ watch

    def subscribe(self, fn: Callable[[WatchEvent], None]) -> Callable[[], None]:
        """Call ``fn`` with every committed change, in write order; returns unsubscribe.

        Calls happen after the write is committed, outside the store lock, and each call
        gets its own copy of the object. Exceptions from ``fn`` are logged and ignored.
        """
        with self._lock:
            self._subscribers.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subscribers:
                    self._subscribers.remove(fn)

        return unsubscribe

    # ------------------------------------------------------------------ internals

    def _bucket(self, info: ResourceInfo) -> dict[_Key, dict[str, Any]]:
        return self._objects.setdefault((info.group, info.plural), {})

    @staticmethod
    def _key(info: ResourceInfo, namespace: str | None, name: str) -> _Key:
        return ((namespace or "default") if info.namespaced else "", name)

    def _merged_update(self, info: ResourceInfo, old: dict[str, Any], obj: dict[str, Any],
                       subresource: str | None) -> dict[str, Any]:
        has_status = served_kind(info).has_status
        if subresource == "status":
            new = _copy(old)
            if "status" in obj:
                new["status"] = _copy(obj["status"])
            else:
                new.pop("status", None)
            return new
        new = {"apiVersion": info.api_version, "kind": info.kind,
               **{k: v for k, v in _copy(obj).items() if k not in ("apiVersion", "kind")}}
        if has_status:
            if "status" in old:
                new["status"] = _copy(old["status"])
            else:
                new.pop("status", None)
        meta = new.setdefault("metadata", {})
        old_meta = old["metadata"]
        for field in ("uid", "creationTimestamp", "namespace", "deletionTimestamp"):
            if field in old_meta:
                meta[field] = old_meta[field]
            else:
                meta.pop(field, None)
        generation = int(old_meta.get("generation", 1))
        if old.get("spec") != new.get("spec"):
            generation += 1
        meta["generation"] = generation
        if old_meta.get("deletionTimestamp") and "finalizers" not in meta:
            meta.pop("finalizers", None)
        return new

    def _delete_namespace_contents(self, namespace: str) -> None:
        for (group, plural), bucket in self._objects.items():
            for key in [k for k in bucket if k[0] == namespace]:
                gone = bucket.pop(key)
                self._rv += 1
                gone["metadata"]["resourceVersion"] = str(self._rv)
                info = ResourceInfo(group, gone["apiVersion"].rpartition("/")[2],
                                    gone["kind"], plural)
                self._record("DELETED", info, gone)

    def _record(self, type_: EventType, info: ResourceInfo, obj: dict[str, Any]) -> None:
        event = WatchEvent(type_, info, _copy(obj))
        self._history.append(event)
        self._pending.append(event)

    def _dispatch(self) -> None:
        # Deliver pending events in commit order. Only one thread delivers at a time; a
        # write made from inside a subscriber (or by another thread meanwhile) is picked up
        # by the loop of the thread already delivering.
        while True:
            if not self._dispatch_lock.acquire(blocking=False):
                return
            try:
                while True:
                    with self._lock:
                        if not self._pending:
                            break
                        event = self._pending.popleft()
                        subscribers = list(self._subscribers)
                    for fn in subscribers:
                        try:
                            fn(WatchEvent(event.type, event.info, _copy(event.object)))
                        except Exception:
                            _log.exception("store subscriber %r failed", fn)
            finally:
                self._dispatch_lock.release()
            with self._lock:
                if not self._pending:
                    return


def _same_object(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when an update changes nothing but bookkeeping (RV, managedFields)."""

    def strip(o: dict[str, Any]) -> dict[str, Any]:
        o = dict(o)
        meta = dict(o.get("metadata") or {})
        meta.pop("resourceVersion", None)
        meta.pop("managedFields", None)
        o["metadata"] = meta
        return o

    return strip(old) == strip(new)
