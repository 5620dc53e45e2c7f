"""Wait until extensions are programmed: generation-aware, per ancestor, by watch.

How it works (like a client-go informer): for each (kind, namespace) one background thread
lists the objects, hands the snapshot to the waiting thread, then watches from the list's
resourceVersion (``allowWatchBookmarks``, server-side ``timeoutSeconds`` bounded by the time
left). When the watch ends, expires (410 Gone) or breaks, it re-lists and watches again, with a
bounded, jittered backoff when that happens quickly. The waiting thread evaluates every update
with the pure :func:`~gke_service_extensions.kube._status.evaluate` and decides; it alone keeps
the deadline, so a stalled connection cannot hold the wait past ``timeout`` (the stalled stream
is shut down from the waiting thread).

Two mechanisms stay apart (as in google-api-core): *polling* is the watch loop above, bounded
by ``timeout``; *retry* covers one failed list call (5xx, 429, timeouts, refused connections)
with its own :class:`ListRetry` policy.
"""

from __future__ import annotations

import asyncio
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tenacity import Retrying, retry_if_exception, wait_random_exponential

from .._errors import (
    KubernetesError,
    ManifestError,
    NotFoundError,
    ObjectDeletedError,
    ObjectRef,
    ProgrammingFailed,
    UnknownKindError,
    WaitTimeoutError,
)
from .._gke import (
    GATEWAY,
    KIND_BINDINGS,
    ROUTING_EXTENSION,
    TRAFFIC_EXTENSION,
    WASM_PLUGIN,
    ResourceInfo,
    annotation_paths,
)
from ._status import (
    DEFAULT_CONDITION,
    GKE_CONTROLLER_NAME,
    AncestorStatus,
    GatewayRef,
    Outcome,
    ProgrammingState,
    WaitMode,
    evaluate,
)
from ._watch import (
    RawEvent,
    WatchExpired,
    WatchStream,
    is_transient,
    list_objects,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "BindingAnnotation",
    "ListRetry",
    "WaitResult",
    "WatchBackoff",
    "async_wait_until_programmed",
    "binding_annotation",
    "parse_resource_annotation",
    "wait_all_programmed",
    "wait_for_gateway_binding",
    "wait_until_programmed",
    "wait_with_kubeconfig",
]

DEFAULT_TIMEOUT = 300.0
_DEFAULT_REQUEST_TIMEOUT = 30.0

OnChange = Callable[[ProgrammingState], object]  # return value ignored
ObjOrRef = Any  # a model instance, or (kind, name[, namespace]); kind a str or a model class


class WaitClient(Protocol):
    """What the wait needs from ``ExtensionsClient``."""

    @property
    def api_client(self) -> Any: ...  # kubernetes.client.ApiClient

    @property
    def default_namespace(self) -> str: ...

    @property
    def request_timeout(self) -> Any: ...  # float | (connect, read) | None


# --------------------------------------------------------------------------- policies


@dataclass(frozen=True, slots=True)
class ListRetry:
    """Retry of one list call on transient failures (5xx, 429, timeouts, connection errors).

    Waits are random-exponential (``initial`` x 2^n, capped at ``maximum``); retries stop at
    the wait's deadline. Separate from the watch loop's :class:`WatchBackoff`.
    """

    initial: float = 0.05
    maximum: float = 2.0


@dataclass(frozen=True, slots=True)
class WatchBackoff:
    """Pause before re-listing when a watch ended within ``healthy_after`` seconds of starting.

    Full jitter over ``initial`` x 2^n, capped at ``maximum``; reset by a watch that lived
    ``healthy_after`` seconds. Keeps a server that closes every watch at once from being
    hammered, without slowing the normal re-list after a long watch.
    """

    initial: float = 0.05
    maximum: float = 2.0
    healthy_after: float = 1.0

    def delay(self, attempt: int) -> float:
        """The jittered pause before re-list number ``attempt`` (0-based) of a run of quick ends."""
        cap = min(self.maximum, self.initial * (2 ** min(attempt, 20)))
        return random.uniform(cap / 2, cap)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class WaitResult:
    """A programmed object: its wire form as last seen, and the per-ancestor detail."""

    manifest: dict[str, Any]
    state: ProgrammingState
    elapsed: float
    model_class: Any = field(default=None, repr=False)

    @property
    def ancestors(self) -> tuple[AncestorStatus, ...]:
        """Per-ancestor detail (condition status, reason, observedGeneration, freshness)."""
        return self.state.ancestors

    @property
    def obj(self) -> Any:
        """The programmed object as a model (lenient: unknown fields kept)."""
        from ..models import UnknownFields

        return self.model_class.from_manifest(self.manifest,
                                              unknown_fields=UnknownFields.PRESERVE)


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True, slots=True)
class _Target:
    info: ResourceInfo
    namespace: str
    name: str
    model_class: Any

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.info.kind, self.name, self.namespace)

    @property
    def key(self) -> tuple[ResourceInfo, str, str]:
        return (self.info, self.namespace, self.name)


_KINDS: dict[str, ResourceInfo] = {
    i.kind: i for i in (TRAFFIC_EXTENSION, ROUTING_EXTENSION, WASM_PLUGIN)
}


def _model_class(kind: str) -> Any:
    from .. import models

    return getattr(models, kind)


def _resolve(client: WaitClient, obj_or_ref: ObjOrRef) -> _Target:
    """A model instance or ``(kind, name[, namespace])`` -> what to watch; bad input -> error."""
    if isinstance(obj_or_ref, tuple):
        if len(obj_or_ref) not in (2, 3):
            raise ManifestError(f"expected (kind, name, namespace), got {obj_or_ref!r}")
        kind, name, *rest = obj_or_ref
        namespace = rest[0] if rest else None
        info = getattr(kind, "__resource__", None)
        if info is None:
            info = _KINDS.get(kind) if isinstance(kind, str) else None
        if not isinstance(info, ResourceInfo) or info.kind not in _KINDS:
            raise UnknownKindError(
                f"cannot wait for kind {kind!r}: expected one of {', '.join(sorted(_KINDS))}",
                api_version=None, kind=str(kind))
    else:
        info = getattr(type(obj_or_ref), "__resource__", None)
        metadata = getattr(obj_or_ref, "metadata", None)
        if not isinstance(info, ResourceInfo) or info.kind not in _KINDS or metadata is None:
            raise ManifestError(
                "wait_until_programmed takes a GCPTrafficExtension, GCPRoutingExtension or "
                f"GCPWasmPlugin model, or (kind, name, namespace); got {type(obj_or_ref).__name__}")
        name, namespace = getattr(metadata, "name", None), getattr(metadata, "namespace", None)
    if not isinstance(name, str) or not name:
        raise ManifestError(f"cannot wait for {info.kind}: it has no metadata.name")
    if namespace is not None and not isinstance(namespace, str):
        raise ManifestError(f"namespace must be a string, got {namespace!r}")
    return _Target(info, namespace or client.default_namespace, name, _model_class(info.kind))


def _check_timeout(timeout: float) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0 or \
            timeout == float("inf"):
        raise ManifestError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


def _gateway_refs(gateways: Sequence[GatewayRef | str] | None) -> list[GatewayRef] | None:
    """``GatewayRef``s, ``"name"`` or ``"namespace/name"`` -> GatewayRefs; else an error."""
    if gateways is None:
        return None
    if isinstance(gateways, str | GatewayRef):
        gateways = [gateways]
    refs = []
    for g in gateways:
        if isinstance(g, GatewayRef) and g.name:
            refs.append(g)
        elif isinstance(g, str) and g and g.count("/") <= 1 and all(g.split("/")):
            ns, _, name = g.rpartition("/")
            refs.append(GatewayRef(name, ns or None))
        else:
            raise ManifestError(
                f"gateways: expected GatewayRef, 'name' or 'namespace/name', got {g!r}")
    return refs


def _check_options(mode: WaitMode | str, condition: str, controller_name: str) -> WaitMode:
    if not isinstance(condition, str) or not condition:
        raise ManifestError(f"condition must be a condition type such as 'Programmed', "
                            f"got {condition!r}")
    if not isinstance(controller_name, str) or not controller_name:
        raise ManifestError(f"controller_name must be a non-empty string, got "
                            f"{controller_name!r}")
    try:
        return WaitMode(mode)
    except ValueError:
        raise ManifestError(f"mode must be WaitMode.ALL or WaitMode.ANY, got {mode!r}") from None


def _request_timeout(client: WaitClient) -> float:
    t = getattr(client, "request_timeout", None)
    if isinstance(t, tuple) and t:
        t = t[-1]
    return float(t) if isinstance(t, int | float) and t > 0 else _DEFAULT_REQUEST_TIMEOUT


# --------------------------------------------------------------------------- informers


@dataclass(frozen=True, slots=True)
class _Update:
    """An object's new state; ``None``: absent or deleted."""

    key: tuple[ResourceInfo, str, str]
    obj: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """What a (re-)list found for every watched name, and the list's resourceVersion."""

    updates: tuple[_Update, ...]
    resource_version: str


class _Cancelled(Exception):
    pass


class _DeadlinePassed(Exception):
    pass


class _Informer:
    """List+watch of one (kind, namespace) in a daemon thread; pushes messages to ``out``."""

    def __init__(self, api: Any, info: ResourceInfo, namespace: str, names: frozenset[str],
                 out: queue.SimpleQueue[object], deadline: float, request_timeout: float,
                 retry: ListRetry, backoff: WatchBackoff) -> None:
        self.info, self.namespace, self.names = info, namespace, names
        self._api, self._out, self._deadline = api, out, deadline
        self._request_timeout, self._retry, self._backoff = request_timeout, retry, backoff
        self._stop = threading.Event()
        self._stream: WatchStream | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._run, daemon=True, name=f"wait-{info.plural}-{namespace}")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end and close its open watch (from any thread)."""
        self._stop.set()
        with self._lock:
            stream = self._stream
        if stream is not None:
            stream.close()

    def _remaining(self) -> float:
        return self._deadline - time.monotonic()

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # handed to the waiting thread, which raises it
            if self._stop.is_set():
                return
            # A transient failure that outlived the deadline is a note for the timeout message.
            self._out.put(_Note(exc) if is_transient(exc) else exc)

    def _loop(self) -> None:
        quick_ends = 0
        while not self._stop.is_set() and self._remaining() > 0:
            listed = self._list()
            if self._stop.is_set():
                return
            self._out.put(listed)
            started = time.monotonic()
            try:
                self._watch(listed.resource_version)
            except WatchExpired:
                pass
            except KubernetesError as exc:
                if not is_transient(exc):
                    raise
                self._out.put(_Note(exc))
            if time.monotonic() - started >= self._backoff.healthy_after:
                quick_ends = 0
            else:
                self._stop.wait(min(self._backoff.delay(quick_ends), max(0, self._remaining())))
                quick_ends += 1

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(min(seconds, max(0.0, self._remaining())))

    def _list(self) -> _Snapshot:
        """List, retrying transient failures (``ListRetry``) until the deadline."""
        def note(state: Any) -> None:
            exc = state.outcome.exception() if state.outcome else None
            if exc is not None:
                self._out.put(_Note(exc))

        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            wait=wait_random_exponential(multiplier=self._retry.initial, max=self._retry.maximum),
            stop=lambda _state: self._stop.is_set() or self._remaining() <= 0,
            sleep=self._sleep,
            before_sleep=note, reraise=True,
        )
        result = retrying(lambda: list_objects(
            self._api, self.info, self.namespace,
            timeout=max(0.05, min(self._request_timeout, self._remaining()))))
        by_name = {
            (i.get("metadata") or {}).get("name"): i for i in result.items
        }
        return _Snapshot(tuple(_Update((self.info, self.namespace, n), by_name.get(n))
                               for n in sorted(self.names)), result.resource_version)

    def _watch(self, resource_version: str) -> None:
        stream = WatchStream(self._api, self.info, self.namespace, resource_version,
                             seconds=max(1.0, self._remaining()),
                             header_timeout=min(self._request_timeout, self._remaining()))
        with self._lock:
            if self._stop.is_set():
                return
            self._stream = stream
        try:
            for event in stream:
                self._handle(event)
                if self._stop.is_set():
                    return
        finally:
            with self._lock:
                self._stream = None
            stream.close()

    def _handle(self, event: RawEvent) -> None:
        if event.type not in ("ADDED", "MODIFIED", "DELETED"):
            return  # BOOKMARK: nothing changed for us
        name = (event.object.get("metadata") or {}).get("name")
        if name in self.names:
            obj = None if event.type == "DELETED" else event.object
            self._out.put(_Update((self.info, self.namespace, name), obj))


@dataclass(frozen=True, slots=True)
class _Note:
    """A transient failure the informer recovered from (kept for the timeout message)."""

    error: BaseException


class _Session:
    """The informers of one wait and the queue they feed; yields updates until the deadline."""

    def __init__(self, client: WaitClient, keys: Sequence[tuple[ResourceInfo, str, str]],
                 deadline: float, retry: ListRetry, backoff: WatchBackoff) -> None:
        from kubernetes import client as k8s

        api = k8s.CustomObjectsApi(client.api_client)
        self.deadline = deadline
        self.last_error: BaseException | None = None
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        groups: dict[tuple[ResourceInfo, str], set[str]] = {}
        for info, namespace, name in keys:
            groups.setdefault((info, namespace), set()).add(name)
        self._informers = [
            _Informer(api, info, ns, frozenset(names), self._queue, deadline,
                      _request_timeout(client), retry, backoff)
            for (info, ns), names in groups.items()
        ]

    def cancel(self) -> None:
        """Make :meth:`updates` raise ``_Cancelled`` promptly (from any thread)."""
        self._queue.put(_Cancelled())

    def updates(self) -> Iterator[_Update]:
        for informer in self._informers:
            informer.start()
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise _DeadlinePassed
            try:
                msg = self._queue.get(timeout=remaining)
            except queue.Empty:
                raise _DeadlinePassed from None
            if isinstance(msg, _Snapshot):
                yield from msg.updates
            elif isinstance(msg, _Update):
                yield msg
            elif isinstance(msg, _Note):
                self.last_error = msg.error
            elif isinstance(msg, BaseException):
                raise msg

    def close(self) -> None:
        for informer in self._informers:
            informer.stop()


# --------------------------------------------------------------------------- the wait


class _Canceller:
    """Lets the async wrapper stop a wait running in a worker thread."""

    def __init__(self) -> None:
        self._session: _Session | None = None
        self._cancelled = False
        self._lock = threading.Lock()

    def attach(self, session: _Session) -> None:
        with self._lock:
            self._session = session
            if self._cancelled:
                session.cancel()

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._session is not None:
                self._session.cancel()


@dataclass(slots=True)
class _Tracked:
    target: _Target
    seen: dict[str, Any] | None = None
    uid: str | None = None
    state: ProgrammingState | None = None
    result: WaitResult | None = None


def wait_until_programmed(
    client: WaitClient,
    obj_or_ref: ObjOrRef,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    gateways: Sequence[GatewayRef | str] | None = None,
    condition: str = DEFAULT_CONDITION,
    mode: WaitMode | str = WaitMode.ALL,
    controller_name: str = GKE_CONTROLLER_NAME,
    on_change: OnChange | None = None,
    list_retry: ListRetry = ListRetry(),
    watch_backoff: WatchBackoff = WatchBackoff(),
    _canceller: _Canceller | None = None,
) -> WaitResult:
    """Block until ``obj_or_ref`` is programmed on every expected ancestor Gateway.

    ``obj_or_ref`` is a model instance or ``(kind, name, namespace)`` (``namespace=None``: the
    client's default). Expected ancestors are the Gateways in ``spec.targetRefs``, or
    ``gateways`` (``GatewayRef``, ``"name"`` or ``"namespace/name"``; the namespace defaults to
    the object's); ``mode=WaitMode.ANY`` is satisfied by one. ``on_change(state)`` is called
    from the calling thread whenever any ancestor's state changes.

    Raises :class:`~gke_service_extensions.ProgrammingFailed` at once on a terminal failure,
    :class:`~gke_service_extensions.ObjectDeletedError` if the object is deleted or being
    deleted, :class:`~gke_service_extensions.NotFoundError` if it does not exist when the wait
    starts, :class:`~gke_service_extensions.WaitTimeoutError` (listing every expected
    ancestor's last state) when ``timeout`` seconds pass.
    """
    return _wait(client, [obj_or_ref], timeout=timeout, gateways=gateways, condition=condition,
                 mode=mode, controller_name=controller_name, on_change=on_change,
                 list_retry=list_retry, watch_backoff=watch_backoff, canceller=_canceller)[0]


def wait_all_programmed(
    client: WaitClient,
    objs: Sequence[ObjOrRef],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    gateways: Sequence[GatewayRef | str] | None = None,
    condition: str = DEFAULT_CONDITION,
    mode: WaitMode | str = WaitMode.ALL,
    controller_name: str = GKE_CONTROLLER_NAME,
    on_change: OnChange | None = None,
    list_retry: ListRetry = ListRetry(),
    watch_backoff: WatchBackoff = WatchBackoff(),
) -> list[WaitResult]:
    """Wait for many objects at once: one list+watch per (kind, namespace), not per object.

    Returns one :class:`WaitResult` per object, in the order given. Fails fast on the first
    terminal failure or deletion (the error names the object); on timeout the
    :class:`~gke_service_extensions.WaitTimeoutError` lists every object still pending.
    """
    if isinstance(objs, tuple) and objs and isinstance(objs[0], str):
        raise ManifestError("wait_all_programmed takes a list of objects or refs, not one ref")
    return _wait(client, list(objs), timeout=timeout, gateways=gateways, condition=condition,
                 mode=mode, controller_name=controller_name, on_change=on_change,
                 list_retry=list_retry, watch_backoff=watch_backoff, canceller=None)


async def async_wait_until_programmed(
    client: WaitClient, obj_or_ref: ObjOrRef, **kwargs: Any,
) -> WaitResult:
    """``await``-able :func:`wait_until_programmed` (runs in a worker thread).

    Cancelling the awaiting task stops the wait and closes its watch connection.
    """
    canceller = _Canceller()
    try:
        return await asyncio.to_thread(
            wait_until_programmed, client, obj_or_ref, _canceller=canceller, **kwargs)
    except asyncio.CancelledError:
        canceller.cancel()
        raise


def wait_with_kubeconfig(
    obj_or_ref: ObjOrRef,
    *,
    kubeconfig: str | None = None,
    context: str | None = None,
    namespace: str | None = None,
    **kwargs: Any,
) -> WaitResult:
    """Module-level convenience: connect with a kubeconfig, wait, disconnect.

    ``kubeconfig`` defaults to ``$KUBECONFIG`` or ``~/.kube/config``; ``namespace`` is the
    default namespace for refs without one. Other keyword arguments are those of
    :func:`wait_until_programmed`.
    """
    from ._client import ExtensionsClient

    with ExtensionsClient.from_kubeconfig(kubeconfig, context, namespace=namespace) as client:
        return wait_until_programmed(client, obj_or_ref, **kwargs)


def _wait(
    client: WaitClient, objs: Sequence[ObjOrRef], *, timeout: float,
    gateways: Sequence[GatewayRef | str] | None, condition: str, mode: WaitMode | str,
    controller_name: str,
    on_change: OnChange | None, list_retry: ListRetry, watch_backoff: WatchBackoff,
    canceller: _Canceller | None,
) -> list[WaitResult]:
    timeout = _check_timeout(timeout)
    mode = _check_options(mode, condition, controller_name)
    expected = _gateway_refs(gateways)
    targets = [_resolve(client, o) for o in objs]
    if not targets:
        return []
    tracked = {t.key: _Tracked(t) for t in targets}
    started = time.monotonic()
    session = _Session(client, list(tracked), started + timeout, list_retry, watch_backoff)
    if canceller is not None:
        canceller.attach(session)
    pending = set(tracked)
    try:
        for update in session.updates():
            item = tracked[update.key]
            if item.result is not None:
                continue  # already programmed; later changes do not undo the result
            _observe(item, update)
            assert item.seen is not None
            state = evaluate(item.seen, gateways=expected, condition=condition,
                             controller_name=controller_name, mode=mode)
            if item.state is None or (state.outcome, state.ancestors) != \
                    (item.state.outcome, item.state.ancestors):
                item.state = state
                if on_change is not None:
                    on_change(state)
            _judge(item, state, started)
            if item.result is not None:
                pending.discard(update.key)
                if not pending:
                    return [r for t in targets if (r := tracked[t.key].result) is not None]
    except _DeadlinePassed:
        raise _timeout_error([tracked[k] for k in tracked if k in pending], timeout,
                             session.last_error) from None
    except _Cancelled:
        raise asyncio.CancelledError from None
    finally:
        session.close()
    raise AssertionError("unreachable: updates() ends only by raising")


def _observe(item: _Tracked, update: _Update) -> None:
    """Record an update; raise if the object is missing, deleted or replaced."""
    ref = item.target.ref
    if update.obj is None:
        if item.seen is None:
            raise NotFoundError(f"{ref} not found: nothing to wait for", obj=ref, status=404,
                                reason="NotFound")
        raise ObjectDeletedError(f"{ref} was deleted while waiting for it to be programmed",
                                 obj=ref, last_status=item.seen.get("status"))
    uid = (update.obj.get("metadata") or {}).get("uid")
    if item.uid is not None and uid is not None and uid != item.uid:
        raise ObjectDeletedError(f"{ref} was deleted and re-created while waiting",
                                 obj=ref, last_status=item.seen and item.seen.get("status"))
    item.uid = uid if isinstance(uid, str) else item.uid
    item.seen = update.obj


def _judge(item: _Tracked, state: ProgrammingState, started: float) -> None:
    ref = item.target.ref
    status = (item.seen or {}).get("status")
    if state.outcome is Outcome.PROGRAMMED:
        item.result = WaitResult(dict(item.seen or {}), state, time.monotonic() - started,
                                 item.target.model_class)
    elif state.outcome is Outcome.DELETED:
        raise ObjectDeletedError(f"{ref} is being deleted (deletionTimestamp set)", obj=ref,
                                 last_status=status)
    elif state.outcome is Outcome.FAILED:
        failure = state.failure
        assert failure is not None
        detail = f"{failure.condition}={failure.status}"
        if failure.reason:
            detail += f" reason={failure.reason}"
        if failure.message:
            detail += f": {failure.message}"
        raise ProgrammingFailed(
            f"{ref} failed on {failure.ancestor}: {detail}", obj=ref,
            ancestor=str(failure.ancestor), condition=failure.condition, reason=failure.reason,
            condition_message=failure.message, last_status=status)


def _timeout_error(pending: Sequence[_Tracked], timeout: float,
                   last_error: BaseException | None) -> WaitTimeoutError:
    lines = []
    for item in pending:
        if item.state is None:
            lines.append(f"{item.target.ref}: not seen yet (no successful list)")
        else:
            lines.append(item.state.summary())
    what = str(pending[0].target.ref) if len(pending) == 1 else f"{len(pending)} objects"
    message = f"timed out after {timeout:g}s waiting for {what} to be programmed; last seen:\n"
    message += "\n".join(lines)
    if last_error is not None:
        message += f"\nlast API error: {last_error}"
    first = pending[0]
    return WaitTimeoutError(message, obj=first.target.ref,
                            last_status=(first.seen or {}).get("status"))


# --------------------------------------------------------------------------- gateway binding


@dataclass(frozen=True, slots=True)
class BindingAnnotation:
    """The Gateway annotation that names the GCP resources GKE made for an extension kind."""

    kind: str
    key: str


_BINDINGS = {kind: str(b.annotation) for kind, b in KIND_BINDINGS.items()}


def binding_annotation(kind: str) -> BindingAnnotation:
    """The Gateway annotation for extensions of ``kind`` (SPEC §5)."""
    try:
        return BindingAnnotation(kind, _BINDINGS[kind])
    except KeyError:
        raise UnknownKindError(
            f"no Gateway binding annotation for kind {kind!r}: expected one of "
            f"{', '.join(sorted(_BINDINGS))}", api_version=None, kind=kind) from None


def parse_resource_annotation(value: str | None) -> tuple[str, ...]:
    """Split a ``networking.gke.io/*`` Gateway annotation into resource paths (SPEC §5).

    Comma or comma-space separated; the leading ``/`` of ``/projects/...`` is dropped so both
    forms compare equal; bare names (older controllers) are kept as they are; empty -> ``()``.
    """
    return annotation_paths(value)


def wait_for_gateway_binding(
    client: WaitClient,
    gateway_name: str,
    ext: ObjOrRef,
    *,
    namespace: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    list_retry: ListRetry = ListRetry(),
    watch_backoff: WatchBackoff = WatchBackoff(),
) -> tuple[str, ...]:
    """Wait until Gateway ``gateway_name`` names a GCP resource for ``ext``'s kind.

    ``ext`` is an extension model, ``(kind, name, namespace)``, or a kind name/model class.
    Returns the parsed resource paths of the kind's annotation (``lb-traffic-extensions``,
    ``lb-route-extensions`` or ``wasm-plugins``) once it is non-empty.
    """
    timeout = _check_timeout(timeout)
    kind = _kind_of(ext)
    key = binding_annotation(kind).key
    if not isinstance(gateway_name, str) or not gateway_name:
        raise ManifestError(f"gateway_name must be a non-empty string, got {gateway_name!r}")
    ns = namespace or _namespace_of(ext) or client.default_namespace
    ref = ObjectRef(GATEWAY.kind, gateway_name, ns)
    started = time.monotonic()
    session = _Session(client, [(GATEWAY, ns, gateway_name)], started + timeout, list_retry,
                       watch_backoff)
    seen: dict[str, Any] | None = None
    try:
        for update in session.updates():
            if update.obj is None:
                if seen is None:
                    raise NotFoundError(f"{ref} not found", obj=ref, status=404,
                                        reason="NotFound")
                raise ObjectDeletedError(f"{ref} was deleted while waiting for its {key}",
                                         obj=ref)
            seen = update.obj
            annotations = (seen.get("metadata") or {}).get("annotations") or {}
            paths = parse_resource_annotation(annotations.get(key))
            if paths:
                return paths
    except _DeadlinePassed:
        found = "not found yet" if seen is None else "annotation absent or empty"
        msg = f"timed out after {timeout:g}s waiting for {ref} to carry {key} ({found})"
        if session.last_error is not None:
            msg += f"; last API error: {session.last_error}"
        raise WaitTimeoutError(msg, obj=ref) from None
    finally:
        session.close()
    raise AssertionError("unreachable: updates() ends only by raising")


def _kind_of(ext: ObjOrRef) -> str:
    if isinstance(ext, str):
        return ext
    if isinstance(ext, tuple) and ext:
        ext = ext[0]
        if isinstance(ext, str):
            return ext
    info = getattr(ext, "__resource__", None) or getattr(type(ext), "__resource__", None)
    if isinstance(info, ResourceInfo):
        return info.kind
    raise ManifestError(f"cannot tell the extension kind of {ext!r}")


def _namespace_of(ext: ObjOrRef) -> str | None:
    if isinstance(ext, tuple) and len(ext) == 3 and isinstance(ext[2], str):
        return ext[2]
    ns = getattr(getattr(ext, "metadata", None), "namespace", None)
    return ns if isinstance(ns, str) else None

