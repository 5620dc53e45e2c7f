"""Wait until extensions are programmed: generation-aware, per ancestor, by watch.

How it works (like a client-go informer, on the client's own request path):

1. The calling thread lists each (kind, namespace) once, with
   ``fieldSelector=metadata.name=NAME`` when it waits for one object there. If every object
   is already decided (programmed, failed, missing), the wait returns or raises at once:
   no watch is opened.
2. Otherwise one thread per (kind, namespace) watches from the list's resourceVersion
   (``allowWatchBookmarks``, ``timeoutSeconds`` bounded by the time left). When the watch
   ends, expires (410 Gone), breaks, or stays silent for ``silence_timeout`` seconds (no
   event, no bookmark), the thread re-lists and watches again, with a bounded, jittered
   pause (:class:`WatchBackoff`) when that happens quickly.
3. The calling thread evaluates every update with the pure
   :func:`~gke_service_extensions.kube.evaluate` and decides. It alone keeps the deadline.
   Before the wait returns or raises (success, failure, timeout, Ctrl-C, cancellation) every
   watch is closed and every thread joined, so nothing outlives the call.

Two mechanisms stay apart (as in google-api-core): *polling* is the watch loop above, bounded
by ``timeout``; *retry* covers one failed list call, by the client's
:class:`~gke_service_extensions.RetryPolicy` (also bounded by the deadline): ``NO_RETRY``
means a failed list ends the wait with that error.
"""

from __future__ import annotations

import asyncio
import dataclasses
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar, overload

import tenacity

from .._errors import (
    KubernetesError,
    ManifestError,
    NotFoundError,
    ObjectDeletedError,
    ObjectRef,
    PluginNotReferencedError,
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
from ._retry import RetryPolicy
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
from ._watch import WatchExpired, WatchSilent, WatchStream, is_transient, list_objects

if TYPE_CHECKING:
    from ..models import GCPRoutingExtension, GCPTrafficExtension, GCPWasmPlugin
    from ._client import ExtensionsClient

__all__ = [
    "DEFAULT_PLUGIN_REFERENCE_GRACE",
    "DEFAULT_SILENCE_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "BindingAnnotation",
    "WaitResult",
    "WatchBackoff",
    "binding_annotation",
    "parse_resource_annotation",
    "wait_for_gateway_binding",
    "wait_with_kubeconfig",
]

#: Seconds a wait lasts unless told otherwise.
DEFAULT_TIMEOUT = 300.0
#: Seconds a watch may stay completely silent (no event, no bookmark) before a re-list.
DEFAULT_SILENCE_TIMEOUT = 45.0
#: Seconds a GCPWasmPlugin with no ancestor may wait before its references are checked.
DEFAULT_PLUGIN_REFERENCE_GRACE = 30.0
# Longest time close() waits for a watch thread to end (it is unblocked at once normally).
_JOIN_TIMEOUT = 5.0

M = TypeVar("M", "GCPTrafficExtension", "GCPRoutingExtension", "GCPWasmPlugin")
OnChange = Callable[[ProgrammingState], object]  # return value ignored
#: Which ancestor Gateways to wait for: ``GatewayRef``s, ``"name"`` or ``"namespace/name"``.
Gateways = Sequence[GatewayRef | str] | GatewayRef | str | None
#: ``(kind, name)`` or ``(kind, name, namespace)``; kind a model class or a kind name.
Ref = tuple[Any, str] | tuple[Any, str, str | None]


# --------------------------------------------------------------------------- policies


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
class WaitResult(Generic[M]):
    """A programmed object: its wire form as last seen, and the per-ancestor detail.

    ``obj`` is the object as its model class (``WaitResult[GCPTrafficExtension]`` for a
    traffic extension).
    """

    manifest: dict[str, Any] = field(repr=False)
    state: ProgrammingState
    elapsed: float
    model_class: type[M] = field(repr=False)

    @property
    def ancestors(self) -> tuple[AncestorStatus, ...]:
        """Per-ancestor detail (condition status, reason, observedGeneration, freshness)."""
        return self.state.ancestors

    @property
    def obj(self) -> M:
        """The programmed object as a model (lenient: unknown fields kept)."""
        from ..models import UnknownFields

        return self.model_class.from_manifest(self.manifest,
                                              unknown_fields=UnknownFields.PRESERVE)

    def __repr__(self) -> str:
        # Concise: the object, the verdict and one entry per ancestor (no manifest).
        lines = "; ".join(a.summary() for a in self.state.ancestors)
        return (f"WaitResult({self.state.obj}: {self.state.outcome.value} after "
                f"{self.elapsed:.2f}s; {lines or 'no ancestor'})")

    def _repr_html_(self) -> str:
        """Jupyter: the verdict and a table of ancestors."""
        from ._notebook import state_html

        return state_html(self.state, f"after {self.elapsed:.2f}s")


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


def _resolve(client: ExtensionsClient, obj_or_ref: Any) -> _Target:
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


def _seconds(value: float, what: str, *, allow_zero: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and \
        value != float("inf") and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = "a number of seconds >= 0" if allow_zero else "a positive number of seconds"
        raise ManifestError(f"{what} must be {bound}, got {value!r}")
    return float(value)


def _gateway_refs(gateways: Gateways
                  ) -> list[GatewayRef] | None:
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


# --------------------------------------------------------------------------- informers


@dataclass(frozen=True, slots=True)
class _Update:
    """An object's new state; ``None``: absent or deleted."""

    key: tuple[ResourceInfo, str, str]
    obj: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class _Note:
    """A transient failure the informer recovered from (kept for the timeout message)."""

    error: BaseException


class _Cancelled(Exception):
    pass


class _DeadlinePassed(Exception):
    pass


class _Stopped(Exception):
    pass


class _Group:
    """List+watch of one (kind, namespace) for a set of names."""

    def __init__(self, session: _Session, info: ResourceInfo, namespace: str,
                 names: frozenset[str]) -> None:
        self.session, self.info, self.namespace, self.names = session, info, namespace, names
        only = next(iter(names)) if len(names) == 1 else None
        self.field_selector = f"metadata.name={only}" if only else None
        self.resource_version = ""
        self._stream: WatchStream | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- calling thread

    def list(self) -> list[_Update]:
        """List once (retried by the session's policy); remember the resourceVersion."""
        s = self.session
        try:
            result = list_objects(s.client, self.info, self.namespace,
                                  field_selector=self.field_selector, retry=s.retry,
                                  read_timeout=max(0.05, min(s.read_timeout, s.remaining())))
        except KubernetesError as exc:
            if is_transient(exc) and s.deadline_stop.fired:
                s.last_error = exc  # retrying was cut short by the wait's deadline
                raise _DeadlinePassed from None
            raise
        self.resource_version = result.resource_version
        by_name = {(i.get("metadata") or {}).get("name"): i for i in result.items}
        return [_Update((self.info, self.namespace, n), by_name.get(n))
                for n in sorted(self.names)]

    def start(self) -> None:
        # Not a daemon: joined by close(); were it ever stuck, exit waits for it (bounded by
        # the request timeout) instead of killing it mid-call, which aborts the interpreter.
        self._thread = threading.Thread(target=self._run, daemon=False,
                                        name=f"wait-{self.info.plural}-{self.namespace}")
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            stream = self._stream
        if stream is not None:
            stream.close()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    # -- watch thread

    def _run(self) -> None:
        s = self.session
        try:
            self._loop()
        except _Stopped:
            return
        except BaseException as exc:  # handed to the calling thread, which raises it
            if not s.stopping.is_set():
                s.put(exc)

    def _loop(self) -> None:
        s = self.session
        quick_ends = 0
        while not s.stopping.is_set() and s.remaining() > 0:
            started = time.monotonic()
            try:
                self._watch()
            except (WatchExpired, WatchSilent):
                pass
            except KubernetesError as exc:
                if not is_transient(exc):
                    raise
                s.put(_Note(exc))
            if time.monotonic() - started >= s.backoff.healthy_after:
                quick_ends = 0
            else:
                s.sleep(s.backoff.delay(quick_ends))
                quick_ends += 1
            if s.stopping.is_set() or s.remaining() <= 0:
                return
            s.put(self.list())

    def _watch(self) -> None:
        s = self.session
        stream = WatchStream(s.client, self.info, self.namespace, self.resource_version,
                             field_selector=self.field_selector,
                             seconds=max(1.0, s.remaining()),
                             header_timeout=min(s.read_timeout, s.remaining()),
                             silence=s.silence)
        with self._lock:
            if s.stopping.is_set():
                return
            self._stream = stream
        try:
            for event in stream:
                rv = (event.object.get("metadata") or {}).get("resourceVersion")
                if isinstance(rv, str) and rv:
                    self.resource_version = rv
                if event.type in ("ADDED", "MODIFIED", "DELETED"):
                    name = (event.object.get("metadata") or {}).get("name")
                    if name in self.names:
                        obj = None if event.type == "DELETED" else event.object
                        s.put(_Update((self.info, self.namespace, name), obj))
                if s.stopping.is_set():
                    return
        finally:
            with self._lock:
                self._stream = None
            stream.close()


class _Session:
    """The list+watch groups of one wait and the queue they feed."""

    def __init__(self, client: ExtensionsClient, keys: Iterable[tuple[ResourceInfo, str, str]],
                 deadline: float, *, silence: float, backoff: WatchBackoff) -> None:
        self.client = client
        self.deadline = deadline
        self.silence = silence
        self.backoff = backoff
        self.read_timeout = client.request_timeout[1]
        self.stopping = threading.Event()
        self.last_error: BaseException | None = None
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.deadline_stop = _stop_at(deadline)
        self.retry = self._bounded(client.retry_policy)
        names: dict[tuple[ResourceInfo, str], set[str]] = {}
        for info, namespace, name in keys:
            names.setdefault((info, namespace), set()).add(name)
        self._groups = [_Group(self, info, ns, frozenset(n)) for (info, ns), n in names.items()]
        self._started = False

    def _bounded(self, policy: RetryPolicy) -> RetryPolicy:
        """The client's policy, stopped by the deadline; real sleeps end early on close."""
        sleep = policy.sleep
        if sleep is time.sleep:
            sleep = self.sleep
        stop = policy.stop | self.deadline_stop | _stop_when(self.stopping)
        return dataclasses.replace(policy, stop=stop, sleep=sleep)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep up to ``seconds`` (not past the deadline); raise _Stopped if closed."""
        if self.stopping.wait(max(0.0, min(seconds, self.remaining()))):
            raise _Stopped

    def put(self, message: object) -> None:
        self._queue.put(message)

    def cancel(self) -> None:
        """Make :meth:`next` raise ``_Cancelled`` promptly (from any thread)."""
        self._queue.put(_Cancelled())

    def initial(self) -> list[_Update]:
        """Every watched object as listed now, in the calling thread."""
        updates: list[_Update] = []
        for group in self._groups:
            updates += group.list()
        return updates

    def start(self) -> None:
        """Start watching from the lists' resourceVersions (once)."""
        if not self._started:
            self._started = True
            for group in self._groups:
                group.start()

    def next(self, timeout: float) -> list[_Update]:
        """The next updates; ``[]`` when ``timeout`` passes; raises at the deadline."""
        remaining = self.remaining()
        if remaining <= 0:
            raise _DeadlinePassed
        try:
            msg = self._queue.get(timeout=max(0.0, min(timeout, remaining)))
        except queue.Empty:
            if self.remaining() <= 0:
                raise _DeadlinePassed from None
            return []
        if isinstance(msg, list):
            return msg
        if isinstance(msg, _Update):
            return [msg]
        if isinstance(msg, _Note):
            self.last_error = msg.error
            return []
        if isinstance(msg, BaseException):
            raise msg
        raise AssertionError(f"unexpected message {msg!r}")

    def close(self) -> None:
        """Stop every watch and join every thread (bounded): nothing outlives the wait."""
        self.stopping.set()
        for group in self._groups:
            group.stop()
        end = time.monotonic() + _JOIN_TIMEOUT
        for group in self._groups:
            group.join(max(0.0, end - time.monotonic()))


class _stop_at(tenacity.stop.stop_base):
    """Stop retrying when the next sleep would end past ``deadline`` (monotonic)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        if time.monotonic() + retry_state.upcoming_sleep >= self.deadline:
            self.fired = True
        return self.fired


class _stop_when(tenacity.stop.stop_base):
    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.event.is_set()


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


@dataclass(frozen=True, slots=True)
class _Options:
    timeout: float
    gateways: list[GatewayRef] | None
    condition: str
    mode: WaitMode
    controller_name: str
    on_change: OnChange | None
    failure_grace: float
    plugin_reference_grace: float
    silence_timeout: float
    watch_backoff: WatchBackoff


def _options(timeout: float, gateways: Gateways,
             condition: str, mode: WaitMode | str, controller_name: str,
             on_change: OnChange | None, failure_grace: float, plugin_reference_grace: float,
             silence_timeout: float, watch_backoff: WatchBackoff) -> _Options:
    if on_change is not None and not callable(on_change):
        raise ManifestError(f"on_change must be callable, got {on_change!r}")
    if not isinstance(watch_backoff, WatchBackoff):
        raise ManifestError(f"watch_backoff must be a WatchBackoff, got {watch_backoff!r}")
    if on_change is None:  # in a Jupyter kernel: progress in one display, no callback needed
        from ._notebook import notebook_progress

        on_change = notebook_progress()
    return _Options(
        timeout=_seconds(timeout, "timeout"), gateways=_gateway_refs(gateways),
        condition=condition, mode=_check_options(mode, condition, controller_name),
        controller_name=controller_name, on_change=on_change,
        failure_grace=_seconds(failure_grace, "failure_grace", allow_zero=True),
        plugin_reference_grace=_seconds(plugin_reference_grace, "plugin_reference_grace",
                                        allow_zero=True),
        silence_timeout=_seconds(silence_timeout, "silence_timeout"),
        watch_backoff=watch_backoff)


@dataclass(slots=True)
class _Tracked:
    target: _Target
    seen: dict[str, Any] | None = None
    uid: str | None = None
    state: ProgrammingState | None = None
    result: WaitResult[Any] | None = None
    failing_since: float | None = None
    references_checked: bool = False


async def _async_wait(client: ExtensionsClient, obj_or_ref: Any, options: _Options,
                      ) -> WaitResult[Any]:
    """One wait, awaited: it runs in a worker thread. Cancelling the awaiting task stops the
    wait, closes its watches and joins its threads before the cancellation propagates."""
    canceller = _Canceller()
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(None, lambda: _wait(client, [obj_or_ref], options,
                                                      canceller=canceller)[0])
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        canceller.cancel()
        # The worker closes its watches and joins its threads before it ends.
        await asyncio.wait([future], timeout=_JOIN_TIMEOUT + 1.0)
        if future.done() and not future.cancelled():
            future.exception()  # retrieved: it is the cancellation we asked for
        raise


@overload
def wait_with_kubeconfig(
    obj_or_ref: M | tuple[type[M], str] | tuple[type[M], str, str | None], *,
    kubeconfig: str | None = ..., context: str | None = ..., namespace: str | None = ...,
    timeout: float = ..., gateways: Gateways = ...,
    mode: WaitMode | str = ..., on_change: OnChange | None = ..., failure_grace: float = ...,
    plugin_reference_grace: float = ..., condition: str = ..., controller_name: str = ...,
    silence_timeout: float = ..., watch_backoff: WatchBackoff = ...,
) -> WaitResult[M]: ...


@overload
def wait_with_kubeconfig(
    obj_or_ref: tuple[str, str] | tuple[str, str, str | None], *,
    kubeconfig: str | None = ..., context: str | None = ..., namespace: str | None = ...,
    timeout: float = ..., gateways: Gateways = ...,
    mode: WaitMode | str = ..., on_change: OnChange | None = ..., failure_grace: float = ...,
    plugin_reference_grace: float = ..., condition: str = ..., controller_name: str = ...,
    silence_timeout: float = ..., watch_backoff: WatchBackoff = ...,
) -> WaitResult[Any]: ...


def wait_with_kubeconfig(
    obj_or_ref: Any,
    *,
    kubeconfig: str | None = None,
    context: str | None = None,
    namespace: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    gateways: Gateways = None,
    mode: WaitMode | str = WaitMode.ALL,
    on_change: OnChange | None = None,
    failure_grace: float = 0.0,
    plugin_reference_grace: float = DEFAULT_PLUGIN_REFERENCE_GRACE,
    condition: str = DEFAULT_CONDITION,
    controller_name: str = GKE_CONTROLLER_NAME,
    silence_timeout: float = DEFAULT_SILENCE_TIMEOUT,
    watch_backoff: WatchBackoff = WatchBackoff(),
) -> WaitResult[Any]:
    """Connect with a kubeconfig, wait, disconnect (the package's ``wait_until_programmed``).

    ``kubeconfig`` defaults to ``$KUBECONFIG`` or ``~/.kube/config``, ``context`` to its
    current context; ``namespace`` is the default namespace for refs without one. The other
    options are those of :meth:`ExtensionsClient.wait_until_programmed
    <gke_service_extensions.ExtensionsClient.wait_until_programmed>`.
    """
    from ._client import ExtensionsClient

    options = _options(timeout, gateways, condition, mode, controller_name, on_change,
                       failure_grace, plugin_reference_grace, silence_timeout, watch_backoff)
    with ExtensionsClient.from_kubeconfig(kubeconfig, context, namespace=namespace) as client:
        return _wait(client, [obj_or_ref], options, canceller=None)[0]


def _wait(client: ExtensionsClient, objs: Sequence[Any], options: _Options, *,
          canceller: _Canceller | None) -> list[WaitResult[Any]]:
    targets = [_resolve(client, o) for o in objs]
    if not targets:
        return []
    tracked = {t.key: _Tracked(t) for t in targets}
    started = time.monotonic()
    session = _Session(client, tracked, started + options.timeout,
                       silence=options.silence_timeout, backoff=options.watch_backoff)
    if canceller is not None:
        canceller.attach(session)
    pending = set(tracked)

    def handle(updates: Iterable[_Update]) -> None:
        for update in updates:
            item = tracked[update.key]
            if item.result is not None:
                continue  # already programmed; later changes do not undo the result
            _observe(item, update)
            assert item.seen is not None
            state = evaluate(item.seen, gateways=options.gateways, condition=options.condition,
                             controller_name=options.controller_name, mode=options.mode)
            if item.state is None or (state.outcome, state.ancestors) != \
                    (item.state.outcome, item.state.ancestors):
                item.state = state
                if options.on_change is not None:
                    options.on_change(state)
            _judge(item, state, started, options.failure_grace)
            if item.result is not None:
                pending.discard(update.key)

    try:
        handle(session.initial())
        while pending:
            session.start()
            now = time.monotonic()
            wake = min((_next_check(tracked[k], started, options) for k in pending),
                       default=float("inf"))
            handle(session.next(wake - now))
            now = time.monotonic()
            for key in list(pending):
                _check_timers(client, session, tracked[key], now, started, options)
        return [r for t in targets if (r := tracked[t.key].result) is not None]
    except _DeadlinePassed:
        raise _timeout_error([tracked[k] for k in tracked if k in pending], options.timeout,
                             session.last_error) from None
    except _Cancelled:
        raise asyncio.CancelledError from None
    finally:
        session.close()


def _next_check(item: _Tracked, started: float, options: _Options) -> float:
    """When the timers of ``item`` next need a look (monotonic), or infinity."""
    when = float("inf")
    if item.failing_since is not None:
        when = item.failing_since + options.failure_grace
    if _may_be_unreferenced(item, options):
        when = min(when, started + options.plugin_reference_grace)
    return when


def _may_be_unreferenced(item: _Tracked, options: _Options) -> bool:
    return (item.target.info is WASM_PLUGIN and options.gateways is None
            and not item.references_checked and item.state is not None
            and not item.state.ancestors)


def _check_timers(client: ExtensionsClient, session: _Session, item: _Tracked, now: float,
                  started: float, options: _Options) -> None:
    if item.failing_since is not None and now >= item.failing_since + options.failure_grace:
        assert item.state is not None
        _raise_failure(item, item.state, now - item.failing_since)
    if _may_be_unreferenced(item, options) and now >= started + options.plugin_reference_grace:
        item.references_checked = True
        if not _plugin_referenced(client, session, item.target):
            ref = item.target.ref
            raise PluginNotReferencedError(
                f"{ref} cannot be programmed: no GCPTrafficExtension in namespace "
                f"{ref.namespace} references it (a plugin is programmed only through a "
                f"traffic extension whose backendRef names it); checked after "
                f"{options.plugin_reference_grace:g}s without any ancestor Gateway",
                obj=ref, last_status=(item.seen or {}).get("status"))


def _plugin_referenced(client: ExtensionsClient, session: _Session, target: _Target) -> bool:
    """Whether any GCPTrafficExtension in the plugin's namespace has it as a backendRef."""
    listed = list_objects(client, TRAFFIC_EXTENSION, target.namespace, field_selector=None,
                          retry=session.retry,
                          read_timeout=max(0.05, min(session.read_timeout, session.remaining())))
    for ext in listed.items:
        for chain in (ext.get("spec") or {}).get("extensionChains") or []:
            for e in (chain or {}).get("extensions") or []:
                backend = (e or {}).get("backendRef") or {}
                if backend.get("kind") == WASM_PLUGIN.kind and backend.get("name") == target.name:
                    return True
    return False


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


def _judge(item: _Tracked, state: ProgrammingState, started: float, grace: float) -> None:
    ref = item.target.ref
    status = (item.seen or {}).get("status")
    if state.outcome is not Outcome.FAILED:
        item.failing_since = None
    if state.outcome is Outcome.PROGRAMMED:
        item.result = WaitResult(dict(item.seen or {}), state, time.monotonic() - started,
                                 item.target.model_class)
    elif state.outcome is Outcome.DELETED:
        raise ObjectDeletedError(f"{ref} is being deleted (deletionTimestamp set)", obj=ref,
                                 last_status=status)
    elif state.outcome is Outcome.FAILED:
        if grace <= 0:
            _raise_failure(item, state, None)
        if item.failing_since is None:
            item.failing_since = time.monotonic()


#: The last line of ProgrammingFailed and WaitTimeoutError messages.
DIAGNOSE_HINT = ("hint: gke_service_extensions.diagnose(client, obj) says why and what to "
                 "do about it")


def _raise_failure(item: _Tracked, state: ProgrammingState, lasted: float | None) -> NoReturn:
    ref = item.target.ref
    failure = state.failure
    assert failure is not None
    detail = f"{failure.condition}={failure.status}"
    if failure.reason:
        detail += f" reason={failure.reason}"
    if failure.message:
        detail += f": {failure.message}"
    if lasted is not None:
        detail += f" (still failing after {lasted:.1f}s of failure_grace)"
    raise ProgrammingFailed(
        f"{ref} failed on {failure.ancestor}: {detail}\n{DIAGNOSE_HINT}", obj=ref,
        ancestor=str(failure.ancestor), condition=failure.condition, reason=failure.reason,
        condition_message=failure.message, last_status=(item.seen or {}).get("status"))


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
    message += f"\n{DIAGNOSE_HINT}"
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
    client: ExtensionsClient,
    gateway_name: str,
    ext: Any,
    *,
    namespace: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    silence_timeout: float = DEFAULT_SILENCE_TIMEOUT,
    watch_backoff: WatchBackoff = WatchBackoff(),
) -> tuple[str, ...]:
    """Wait until Gateway ``gateway_name`` names a GCP resource for ``ext``'s kind.

    ``ext`` is an extension model, ``(kind, name, namespace)``, or a kind name/model class.
    Returns the parsed resource paths of the kind's annotation (``lb-traffic-extensions``,
    ``lb-route-extensions`` or ``wasm-plugins``) once it is non-empty.
    """
    timeout = _seconds(timeout, "timeout")
    kind = _kind_of(ext)
    key = binding_annotation(kind).key
    if not isinstance(gateway_name, str) or not gateway_name:
        raise ManifestError(f"gateway_name must be a non-empty string, got {gateway_name!r}")
    ns = namespace or _namespace_of(ext) or client.default_namespace
    ref = ObjectRef(GATEWAY.kind, gateway_name, ns)
    session = _Session(client, [(GATEWAY, ns, gateway_name)], time.monotonic() + timeout,
                       silence=_seconds(silence_timeout, "silence_timeout"),
                       backoff=watch_backoff)
    seen: dict[str, Any] | None = None
    try:
        updates = session.initial()
        while True:
            for update in updates:
                if update.obj is None:
                    if seen is None:
                        raise NotFoundError(f"{ref} not found", obj=ref, status=404,
                                            reason="NotFound")
                    raise ObjectDeletedError(
                        f"{ref} was deleted while waiting for its {key}", obj=ref)
                seen = update.obj
                annotations = (seen.get("metadata") or {}).get("annotations") or {}
                paths = parse_resource_annotation(annotations.get(key))
                if paths:
                    return paths
            session.start()
            updates = session.next(float("inf"))
    except _DeadlinePassed:
        found = "not found yet" if seen is None else "annotation absent or empty"
        msg = f"timed out after {timeout:g}s waiting for {ref} to carry {key} ({found})"
        if session.last_error is not None:
            msg += f"; last API error: {session.last_error}"
        raise WaitTimeoutError(msg, obj=ref) from None
    finally:
        session.close()


def _kind_of(ext: Any) -> str:
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


def _namespace_of(ext: Any) -> str | None:
    if isinstance(ext, tuple) and len(ext) == 3 and isinstance(ext[2], str):
        return ext[2]
    ns = getattr(getattr(ext, "metadata", None), "namespace", None)
    return ns if isinstance(ns, str) else None

