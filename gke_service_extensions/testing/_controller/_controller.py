"""The simulated GKE gateway controller: watches the store, writes status, programs GCP.

One worker thread runs level-triggered reconcile passes: every pass reads the whole world
from the store, computes verdicts with the pure :func:`~._reconcile.evaluate`, advances the
programming timers and writes only what differs (extension/plugin status, Events, Gateway
annotations and status, Google Cloud resources). Store callbacks only mark the world dirty.
Tests can skip the thread and drive :meth:`GatewayController.reconcile_once` with a fake
clock.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from ..._errors import ConflictError, NotFoundError
from ..._gke import (
    ENDPOINT_SLICE,
    ENDPOINTS,
    EVENT,
    GATEWAY,
    GATEWAY_CLASS,
    HTTP_ROUTE,
    ROUTING_EXTENSION,
    SERVICE,
    TRAFFIC_EXTENSION,
    WASM_PLUGIN,
    GatewayAnnotation,
    ResourceInfo,
)
from . import _events, _gcp_model
from ._reconcile import (
    ACCEPTED,
    PROGRAMMED,
    RESOLVED_REFS,
    AncestorVerdict,
    Failure,
    ObjectVerdict,
    evaluate,
    gateway_profile,
)
from ._settings import ControllerSettings
from ._status import desired_conditions, merge_ancestors, merge_conditions
from ._world import ROUTING, TRAFFIC, WASM, NsName, ObjectKey, World

__all__ = ["GatewayController"]

_log = logging.getLogger(__name__)

#: The finalizer GKE's gateway controller puts on the Gateways it manages.
GATEWAY_FINALIZER = "gateway.finalizer.networking.gke.io"


def json_key(value: Any) -> str:
    """A hashable, order-independent key of a JSON value."""
    return json.dumps(value, sort_keys=True)

_WATCHED = (GATEWAY, GATEWAY_CLASS, SERVICE, ENDPOINTS, ENDPOINT_SLICE, HTTP_ROUTE,
            TRAFFIC_EXTENSION, ROUTING_EXTENSION, WASM_PLUGIN)
_WATCHED_KINDS = frozenset(info.kind for info in _WATCHED)
_INFO_BY_KIND = {TRAFFIC: TRAFFIC_EXTENSION, ROUTING: ROUTING_EXTENSION, WASM: WASM_PLUGIN}
_RETRIES = 5
_FAULT_CONDITIONS = (ACCEPTED, RESOLVED_REFS, PROGRAMMED)


class Store(Protocol):
    """The object store calls the controller uses (``testing/_kube/_store.py``)."""

    def get(self, info: ResourceInfo, namespace: str | None,
            name: str) -> dict[str, Any] | None: ...
    def list(self, info: ResourceInfo,
             namespace: str | None = None) -> tuple[list[dict[str, Any]], str]: ...
    def create(self, info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]: ...
    def update(self, info: ResourceInfo, obj: dict[str, Any], *,
               subresource: str | None = None) -> dict[str, Any]: ...
    def subscribe(self, fn: Callable[[Any], None]) -> Callable[[], None]: ...


class GCPStateLike(Protocol):
    """The Google Cloud state calls the controller uses (``testing/_gcp/_state.py``)."""

    project_number: str

    def put_lb_traffic_extension(self, location: str, name: str,
                                 body: Mapping[str, Any]) -> dict[str, Any]: ...
    def delete_lb_traffic_extension(self, location: str,
                                    name: str) -> dict[str, Any] | None: ...
    def put_lb_route_extension(self, location: str, name: str,
                               body: Mapping[str, Any]) -> dict[str, Any]: ...
    def delete_lb_route_extension(self, location: str,
                                  name: str) -> dict[str, Any] | None: ...
    def put_wasm_plugin(self, location: str, name: str, body: Mapping[str, Any],
                        versions: Mapping[str, Mapping[str, Any]] | None = None
                        ) -> dict[str, Any]: ...
    def delete_wasm_plugin(self, location: str, name: str) -> dict[str, Any] | None: ...
    def resolve_image(self, image_uri: str) -> str | None: ...


@dataclass(slots=True)
class _Timer:
    uid: str
    generation: int
    started: float


@dataclass(frozen=True, slots=True)
class _Record:
    """What was programmed for an object (and ancestor): generation and GCP resource."""

    generation: int
    resource: _gcp_model.GcpResource


def _kind_name(kind: str | ResourceInfo | type) -> str:
    if isinstance(kind, ResourceInfo):
        name = kind.kind
    elif isinstance(kind, str):
        name = kind
    else:
        info = getattr(kind, "__resource__", None)
        if not isinstance(info, ResourceInfo):
            raise TypeError(f"not a kind: {kind!r}")
        name = info.kind
    if name not in _INFO_BY_KIND:
        raise ValueError(f"the controller reconciles {', '.join(_INFO_BY_KIND)}; got {name!r}")
    return name


def _rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GatewayController:
    """The simulator's stand-in for GKE's gateway controller.

    ``store`` is the simulator's object store, ``gcp_state`` its Google Cloud state (None:
    no Google Cloud side, nothing is programmed there and every image counts as found).
    ``clock`` (epoch seconds) drives programming delays and timestamps; inject a fake one
    to step :meth:`reconcile_once` by hand. ``resync_period`` bounds how long a change
    the store does not announce (an image registered in ``gcp_state``) waits to be seen;
    the periodic resync runs only while some object is failing (:meth:`kick` forces one).
    """

    def __init__(self, store: Store, gcp_state: GCPStateLike | None,
                 settings: ControllerSettings | None = None, *,
                 clock: Callable[[], float] = time.time,
                 resync_period: float = 1.0) -> None:
        self.store = store
        self.gcp = gcp_state
        self.settings = settings or ControllerSettings()
        self._clock = clock
        self._resync = resync_period
        self._pass_lock = threading.RLock()
        self._cv = threading.Condition()
        self._dirty = True
        self._stopping = False
        self._paused = False
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._faults: dict[ObjectKey, Failure] = {}
        self._held: set[ObjectKey] = set()
        self._timers: dict[tuple[ObjectKey, NsName | None], _Timer] = {}
        self._plugin_records: dict[ObjectKey, _Record] = {}
        self._ext_records: dict[tuple[ObjectKey, NsName], _Record] = {}
        self._applied: dict[tuple[str, str, str], _gcp_model.GcpResource] = {}
        self._seen: dict[ObjectKey, dict[str, Any]] = {}
        self._outcomes: dict[tuple[ObjectKey, NsName | None], tuple[Any, ...]] = {}
        self._event_names: dict[tuple[str, str, str, str], tuple[str, str]] = {}
        self._next_deadline: float | None = None
        self._failing = False
        self.errors: list[BaseException] = []
        """Exceptions raised inside reconcile passes (also logged); empty when healthy."""

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Subscribe to the store and start the worker thread (idempotent)."""
        if self._thread is not None:
            return
        with self._cv:
            self._stopping = False
            self._dirty = True
        self._unsubscribe = self.store.subscribe(self._on_event)
        self._thread = threading.Thread(target=self._run, name="gke-sim-gateway-controller",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Unsubscribe and stop the worker thread, waiting for its current pass."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        thread, self._thread = self._thread, None
        if thread is None:
            return
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        thread.join(timeout)
        if thread.is_alive():  # pragma: no cover - only if a pass hangs
            raise RuntimeError("the gateway controller thread did not stop")

    def __enter__(self) -> GatewayController:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the worker thread is running."""
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------------ fault hooks

    def fail(self, kind: str | ResourceInfo | type, namespace: str, name: str, *,
             condition: str = ACCEPTED, reason: str = "Invalid",
             message: str = "failure injected by the simulator") -> None:
        """Make an extension or plugin fail on every ancestor with this condition False.

        Wins over what the checks find, until :meth:`release`. ``condition`` is
        ``Accepted``, ``ResolvedRefs`` or ``Programmed``.
        """
        if condition not in _FAULT_CONDITIONS:
            raise ValueError(f"condition must be one of {', '.join(_FAULT_CONDITIONS)}, "
                             f"got {condition!r}")
        if not reason:
            raise ValueError("reason must be a non-empty CamelCase word, e.g. 'Invalid'")
        key = ObjectKey(_kind_name(kind), namespace, name)
        with self._pass_lock:
            self._faults[key] = Failure(condition, reason, message)
        self.kick()

    def hold_pending(self, kind: str | ResourceInfo | type, namespace: str, name: str) -> None:
        """Never finish programming this object's next generation (until :meth:`release`)."""
        key = ObjectKey(_kind_name(kind), namespace, name)
        with self._pass_lock:
            self._held.add(key)
        self.kick()

    def release(self, kind: str | ResourceInfo | type, namespace: str, name: str) -> None:
        """Drop the faults and holds set on an object; it reconciles normally again."""
        key = ObjectKey(_kind_name(kind), namespace, name)
        with self._pass_lock:
            self._faults.pop(key, None)
            self._held.discard(key)
        self.kick()

    def pause(self) -> None:
        """Stop reconciling (after the running pass) until :meth:`resume`."""
        with self._pass_lock:
            self._paused = True

    def resume(self) -> None:
        """Reconcile again after :meth:`pause`."""
        with self._pass_lock:
            self._paused = False
        self.kick()

    def kick(self) -> None:
        """Ask the worker for a pass now (e.g. after registering an image)."""
        with self._cv:
            self._dirty = True
            self._cv.notify_all()

    # ------------------------------------------------------------------ worker

    def _on_event(self, event: Any) -> None:
        # Called by the store after each write: never do work here, just wake the worker.
        info = getattr(event, "info", None)
        if info is None or info.kind in _WATCHED_KINDS:
            self.kick()

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._stopping:
                    now = self._clock()
                    due = self._next_deadline is not None and now >= self._next_deadline
                    if (self._dirty or due) and not self._paused:
                        break
                    timeout = self._resync if self._failing else None
                    if self._next_deadline is not None and not self._paused:
                        wait = max(0.0, self._next_deadline - now)
                        timeout = wait if timeout is None else min(timeout, wait)
                    if not self._cv.wait(timeout) and not self._paused and self._failing:
                        self._dirty = True  # periodic resync
                if self._stopping:
                    return
                self._dirty = False
            try:
                self.reconcile_once()
            except Exception as exc:  # keep the simulator alive; tests read .errors
                _log.exception("gateway controller pass failed")
                self.errors.append(exc)
                with self._cv:  # retry later, never in a tight loop
                    self._next_deadline = self._clock() + self._resync

    # ------------------------------------------------------------------ one pass

    def reconcile_once(self) -> float | None:
        """Run one reconcile pass now; return when the next timed step is due (or None).

        Does nothing while paused.
        """
        with self._pass_lock:
            if self._paused:
                return self._next_deadline
            now = self._clock()
            world = self._snapshot()
            verdicts = evaluate(world, self._resolve_image, self._faults)
            deadlines: list[float] = []
            self._lifecycle_events(world, verdicts, now)
            pending = self._advance(world, verdicts, now, deadlines)
            # Google Cloud and the Gateway annotations first: a client that sees
            # Programmed=True can read what was programmed and where.
            self._apply_gcp()
            self._write_gateways(world, verdicts, now)
            for verdict in verdicts.values():
                self._write_object_status(world, verdict, pending, now)
                self._record_outcomes(world, verdict, now)
            self._write_routes(world, now)
            self._finalize_gateways()
            self._next_deadline = min(deadlines) if deadlines else None
            # Only failures can be cured by what the store does not announce (an image
            # registered in the GCP state): resync periodically only while one exists.
            self._failing = any(not v.ok for v in verdicts.values())
            return self._next_deadline

    @property
    def _project(self) -> str:
        return self.gcp.project_number if self.gcp is not None else "000000000000"

    def _resolve_image(self, image_uri: str) -> str | None:
        if self.gcp is None:
            return "sha256:" + "0" * 64
        return self.gcp.resolve_image(image_uri)

    def _snapshot(self) -> World:
        objects: list[dict[str, Any]] = []
        for info in _WATCHED:
            items, _ = self.store.list(info)
            for item in items:
                item.setdefault("kind", info.kind)
                objects.append(item)
        return World.from_objects(objects)

    # ------------------------------------------------------------------ programming

    def _progress(self, timer_key: tuple[ObjectKey, NsName | None], verdict: ObjectVerdict,
                  now: float, deadlines: list[float], *, gate: bool = True) -> str | None:
        """Advance one programming timer; None when done, else the pending reason."""
        timer = self._timers.get(timer_key)
        if timer is None or timer.generation != verdict.generation or timer.uid != verdict.uid:
            timer = _Timer(verdict.uid, verdict.generation, now)
            self._timers[timer_key] = timer
        delay = self.settings.programming_delay
        elapsed = now - timer.started
        states = self.settings.transient_states
        if elapsed >= delay and gate and verdict.key not in self._held:
            return None
        if elapsed < delay:
            step = delay / len(states) if states else delay
            index = min(int(elapsed / step), len(states) - 1) if states and step > 0 else 0
            deadlines.append(min(timer.started + step * (index + 1), timer.started + delay))
        else:
            index = len(states) - 1
        return states[index] if states else ""

    def _advance(self, world: World, verdicts: Mapping[ObjectKey, ObjectVerdict], now: float,
                 deadlines: list[float]) -> dict[tuple[ObjectKey, NsName | None], str]:
        """Update timers and records; return the pending reason of what is not done."""
        pending: dict[tuple[ObjectKey, NsName | None], str] = {}
        project = self._project
        live_timers: set[tuple[ObjectKey, NsName | None]] = set()
        for key, verdict in verdicts.items():
            if key.kind != WASM:
                continue
            if verdict.failure is not None:
                self._plugin_records.pop(key, None)
                continue
            live_timers.add((key, None))
            reason = self._progress((key, None), verdict, now, deadlines)
            if reason is None:
                resource = _gcp_model.plugin_resource(self.settings, project, key,
                                                      world.extensions[key],
                                                      self._resolve_image)
                self._plugin_records[key] = _Record(verdict.generation, resource)
            else:
                pending[(key, None)] = reason
        for key in [k for k in self._plugin_records if k not in verdicts]:
            del self._plugin_records[key]

        live_records: set[tuple[ObjectKey, NsName]] = set()
        for key, verdict in verdicts.items():
            if key.kind == WASM:
                continue
            for ancestor in verdict.ancestors:
                rk = (key, ancestor.gateway)
                if ancestor.failure is not None or ancestor.profile is None:
                    continue
                live_timers.add(rk)
                live_records.add(rk)
                gate = all(p in self._plugin_records for p in verdict.plugins)
                reason = self._progress(rk, verdict, now, deadlines, gate=gate)
                if reason is None:
                    lb = _gcp_model.gateway_resources(
                        self.settings, project, world, ancestor.gateway,
                        world.gateways[ancestor.gateway], ancestor.profile)
                    resource = _gcp_model.extension_resource(self.settings, project, key,
                                                             world.extensions[key], lb)
                    self._ext_records[rk] = _Record(verdict.generation, resource)
                else:
                    pending[rk] = reason
        for rk in [k for k in self._ext_records if k not in live_records]:
            del self._ext_records[rk]
        for tk in [k for k in self._timers if k not in live_timers]:
            del self._timers[tk]
        return pending

    def _programmed(self, key: ObjectKey, gateway: NsName | None, generation: int) -> bool:
        if key.kind == WASM:
            record = self._plugin_records.get(key)
        else:
            record = self._ext_records.get((key, gateway)) if gateway is not None else None
        return record is not None and record.generation == generation

    # ------------------------------------------------------------------ status

    def _desired_ancestors(self, verdict: ObjectVerdict,
                           pending: Mapping[tuple[ObjectKey, NsName | None], str]
                           ) -> dict[NsName, list[dict[str, Any]] | None]:
        ours: dict[NsName, list[dict[str, Any]] | None] = {}
        states = self.settings.transient_states
        for ancestor in verdict.ancestors:
            gw = ancestor.gateway
            timer_key = (verdict.key, None if verdict.key.kind == WASM else gw)
            if ancestor.failure is not None:
                ours[gw] = desired_conditions(ancestor.failure, programmed=False,
                                              pending_reason="", generation=verdict.generation,
                                              gateway=gw)
            elif self._programmed(verdict.key, gw, verdict.generation):
                ours[gw] = desired_conditions(None, programmed=True, pending_reason="",
                                              generation=verdict.generation, gateway=gw)
            elif states:
                reason = pending.get(timer_key) or states[-1]
                ours[gw] = desired_conditions(None, programmed=False, pending_reason=reason,
                                              generation=verdict.generation, gateway=gw)
            else:
                ours[gw] = None  # no transient status: keep what is there
        return ours

    def _write_object_status(self, world: World, verdict: ObjectVerdict,
                             pending: Mapping[tuple[ObjectKey, NsName | None], str],
                             now: float) -> None:
        key = verdict.key
        info = _INFO_BY_KIND[key.kind]
        ours = self._desired_ancestors(verdict, pending)
        stamp = _rfc3339(now)

        def with_status(obj: dict[str, Any]) -> dict[str, Any] | None:
            new_status = merge_ancestors(obj.get("status"), ours,
                                         controller_name=self.settings.controller_name,
                                         namespace=key.namespace, now=stamp)
            if new_status == (obj.get("status") or {}):
                return None
            return {**copy.deepcopy(obj), "status": new_status}

        self._update_retrying(info, (key.namespace, key.name), world.extensions[key],
                              with_status, subresource="status")

    def _update_retrying(self, info: ResourceInfo, where: NsName, obj: dict[str, Any] | None,
                         change: Callable[[dict[str, Any]], dict[str, Any] | None], *,
                         subresource: str | None = None) -> dict[str, Any] | None:
        """Store ``change(obj)`` (``None``: nothing to change), re-reading the object and
        computing the change again on a conflict. Returns the object as stored, or ``None``
        once it is gone."""
        for _ in range(_RETRIES):
            if obj is None:
                return None
            body = change(obj)
            if body is None:
                return obj
            try:
                return self.store.update(info, body, subresource=subresource)
            except ConflictError:
                obj = self.store.get(info, *where)
            except NotFoundError:
                return None
        _log.warning("gave up writing %s %s/%s after %d conflicts", info.kind, *where, _RETRIES)
        return None

    # ------------------------------------------------------------------ events

    def _lifecycle_events(self, world: World, verdicts: Mapping[ObjectKey, ObjectVerdict],
                          now: float) -> None:
        for key in [k for k in self._seen if k not in verdicts
                    or verdicts[k].uid != self._seen[k]["metadata"].get("uid")]:
            gone = self._seen.pop(key)
            self._emit(gone, "Normal", "DELETE", key.path, now)
            for ok in [o for o in self._outcomes if o[0] == key]:
                del self._outcomes[ok]
        for key, verdict in verdicts.items():
            obj = world.extensions[key]
            seen = self._seen.get(key)
            if seen is None:
                self._emit(obj, "Normal", "ADD", key.path, now)
            elif int(seen["metadata"].get("generation") or 1) != verdict.generation:
                self._emit(obj, "Normal", "UPDATE", key.path, now)
            self._seen[key] = {"apiVersion": obj.get("apiVersion"), "kind": key.kind,
                               "metadata": {"name": key.name, "namespace": key.namespace,
                                            "uid": verdict.uid,
                                            "generation": verdict.generation}}

    def _record_outcomes(self, world: World, verdict: ObjectVerdict, now: float) -> None:
        key = verdict.key
        obj = world.extensions[key]
        targets: list[tuple[NsName | None, AncestorVerdict | None]] = [
            (a.gateway, a) for a in verdict.ancestors]
        if not verdict.ancestors:
            targets = [(None, None)]
        live = set()
        for gw, ancestor in targets:
            live.add((key, gw))
            failure = ancestor.failure if ancestor is not None else verdict.failure
            if failure is not None:
                outcome: tuple[Any, ...] = ("failed", failure.reason, failure.message)
                if self._outcomes.get((key, gw)) != outcome:
                    self._emit(obj, "Warning", "SYNC", _events.failure_message(
                        key.kind, key.path, gw, failure.reason, failure.message), now)
            elif gw is not None and self._programmed(key, gw, verdict.generation):
                outcome = ("ok", verdict.generation)
                if self._outcomes.get((key, gw)) != outcome:
                    for message in _events.success_messages(key.kind, key.path, gw):
                        self._emit(obj, "Normal", "SYNC", message, now)
            else:
                outcome = ("pending",)
            self._outcomes[(key, gw)] = outcome
        for ok in [o for o in self._outcomes if o[0] == key and o not in live]:
            del self._outcomes[ok]

    def _emit(self, involved: Mapping[str, Any], type_: str, reason: str, message: str,
              now: float) -> None:
        meta = involved.get("metadata") or {}
        dedup = (str(meta.get("uid")), type_, reason, message)
        stamp = _rfc3339(now)
        known = self._event_names.get(dedup)
        try:
            if known is not None:
                existing = self.store.get(EVENT, known[0], known[1])
                if existing is not None:
                    existing["count"] = int(existing.get("count") or 1) + 1
                    existing["lastTimestamp"] = stamp
                    self.store.update(EVENT, existing)
                    return
            event = _events.event_object(involved, type_=type_, reason=reason,
                                         message=message,
                                         component=self.settings.event_component, now=stamp)
            created = self.store.create(EVENT, event)
            self._event_names[dedup] = (created["metadata"]["namespace"],
                                        created["metadata"]["name"])
        except (ConflictError, NotFoundError) as exc:  # namespace gone, racing writer
            _log.debug("could not record event %s on %s: %s", reason, dedup[0], exc)

    # ------------------------------------------------------------------ google cloud

    def _desired_gcp(self) -> dict[tuple[str, str, str], _gcp_model.GcpResource]:
        project = self._project
        desired: dict[tuple[str, str, str], _gcp_model.GcpResource] = {}
        used_by: dict[ObjectKey, list[str]] = {}
        for (key, _gw), record in self._ext_records.items():
            res = record.resource
            desired[(res.collection, res.location, res.name)] = res
            if key.kind != TRAFFIC:
                continue
            for chain in res.body.get("extensionChains") or []:
                for ext in chain.get("extensions") or []:
                    service = str(ext.get("service", ""))
                    for pk, prec in self._plugin_records.items():
                        if service == prec.resource.path(project):
                            used_by.setdefault(pk, []).append(res.path(project))
        for pk, prec in self._plugin_records.items():
            res = prec.resource
            if used_by.get(pk):
                body = dict(res.body, usedBy=[{"name": u} for u in sorted(set(used_by[pk]))])
                res = _gcp_model.GcpResource(res.collection, res.location, res.name, body,
                                             res.versions)
            desired[(res.collection, res.location, res.name)] = res
        return desired

    def _apply_gcp(self) -> None:
        if self.gcp is None:
            return
        desired = self._desired_gcp()
        order = {_gcp_model.WASM_PLUGINS: 0}
        for k in sorted(desired, key=lambda k: order.get(k[0], 1)):
            res = desired[k]
            if self._applied.get(k) == res:
                continue
            try:
                if res.collection == _gcp_model.WASM_PLUGINS:
                    self.gcp.put_wasm_plugin(res.location, res.name, res.body, res.versions)
                elif res.collection == _gcp_model.LB_TRAFFIC_EXTENSIONS:
                    self.gcp.put_lb_traffic_extension(res.location, res.name, res.body)
                else:
                    self.gcp.put_lb_route_extension(res.location, res.name, res.body)
            except Exception as exc:  # retried on the next pass
                _log.exception("programming %s/%s failed", res.collection, res.name)
                self.errors.append(exc)
                continue
            self._applied[k] = res
        for k in sorted((k for k in self._applied if k not in desired),
                        key=lambda k: -order.get(k[0], 1)):
            collection, location, name = k
            try:
                if collection == _gcp_model.WASM_PLUGINS:
                    self.gcp.delete_wasm_plugin(location, name)
                elif collection == _gcp_model.LB_TRAFFIC_EXTENSIONS:
                    self.gcp.delete_lb_traffic_extension(location, name)
                else:
                    self.gcp.delete_lb_route_extension(location, name)
            except Exception as exc:  # retried on the next pass
                _log.exception("deleting %s/%s failed", collection, name)
                self.errors.append(exc)
                continue
            del self._applied[k]

    # ------------------------------------------------------------------ gateways

    def _gateway_annotations(self, records: list[tuple[ObjectKey, _Record]],
                             lb: _gcp_model.GatewayResources,
                             verdicts: Mapping[ObjectKey, ObjectVerdict]) -> dict[str, str]:
        project = self._project
        traffic: list[str] = []
        route: list[str] = []
        plugins: list[str] = []
        versions: list[str] = []
        backends = list(lb.backend_services)
        for key, record in records:
            res = record.resource
            (traffic if key.kind == TRAFFIC else route).append(
                _gcp_model.annotation_path(res.path(project), res.location))
            for chain in res.body.get("extensionChains") or []:
                for ext in chain.get("extensions") or []:
                    service = str(ext.get("service", ""))
                    if "/backendServices/" in service and service not in backends:
                        backends.append(service)
            for pk in verdicts[key].plugins:
                prec = self._plugin_records.get(pk)
                if prec is None:
                    continue
                path = prec.resource.path(project)
                if path not in plugins:
                    plugins.append(path)
                    versions.extend(f"{path}/versions/{v}" for v in prec.resource.versions or {})
        a = GatewayAnnotation
        values = {
            a.ADDRESSES: "/" + lb.address_path,
            a.FIREWALLS: _gcp_model.annotation_value("/" + f for f in lb.firewalls),
            a.FORWARDING_RULES: "/" + lb.forwarding_rule,
            a.HEALTH_CHECKS: _gcp_model.annotation_value(
                "/" + _gcp_model.health_check_path(b) for b in backends),
            a.SSL_CERTIFICATES: _gcp_model.annotation_value("/" + c for c in lb.ssl_certificates),
            a.URL_MAPS: "/" + lb.url_map,
            a.TARGET_HTTP_PROXIES: "" if lb.https else "/" + lb.target_proxy,
            a.TARGET_HTTPS_PROXIES: "/" + lb.target_proxy if lb.https else "",
            a.BACKEND_SERVICES: _gcp_model.annotation_value("/" + b for b in backends),
            a.LB_TRAFFIC_EXTENSIONS: _gcp_model.annotation_value(traffic),
            a.LB_ROUTE_EXTENSIONS: _gcp_model.annotation_value(route),
            a.WASM_PLUGINS: _gcp_model.annotation_value(plugins),
            a.WASM_PLUGIN_VERSIONS: _gcp_model.annotation_value(versions),
        }
        return {k.value: v for k, v in values.items()}

    def _write_gateways(self, world: World, verdicts: Mapping[ObjectKey, ObjectVerdict],
                        now: float) -> None:
        project = self._project
        stamp = _rfc3339(now)
        by_gateway: dict[NsName, list[tuple[ObjectKey, _Record]]] = {}
        for (key, gw), record in sorted(self._ext_records.items()):
            by_gateway.setdefault(gw, []).append((key, record))
        for gw, gateway in sorted(world.gateways.items()):
            profile, _why = gateway_profile(world, gateway)
            if profile is None:
                continue  # not a GKE class: another controller's Gateway
            lb = _gcp_model.gateway_resources(self.settings, project, world, gw, gateway,
                                              profile)
            wanted = self._gateway_annotations(by_gateway.get(gw, []), lb, verdicts)
            self._update_gateway(gw, gateway, wanted, lb, stamp)

    def _update_gateway(self, gw: NsName, gateway: dict[str, Any], wanted: Mapping[str, str],
                        lb: _gcp_model.GatewayResources, stamp: str) -> None:
        last = GatewayAnnotation.LAST_RECONCILE_TIME.value

        def annotated(obj: dict[str, Any]) -> dict[str, Any] | None:
            annotations = dict((obj.get("metadata") or {}).get("annotations") or {})
            finalizers = list((obj.get("metadata") or {}).get("finalizers") or [])
            if (all(annotations.get(k) == v for k, v in wanted.items()) and last in annotations
                    and GATEWAY_FINALIZER in finalizers):
                return None
            body = copy.deepcopy(obj)
            body["metadata"]["annotations"] = {**annotations, **wanted, last: stamp}
            if GATEWAY_FINALIZER not in finalizers:
                body["metadata"]["finalizers"] = [*finalizers, GATEWAY_FINALIZER]
            return body

        def with_status(obj: dict[str, Any]) -> dict[str, Any] | None:
            status = self._gateway_status(obj, lb, stamp)
            if status == (obj.get("status") or {}):
                return None
            return {**copy.deepcopy(obj), "status": status}

        stored = self._update_retrying(GATEWAY, gw, gateway, annotated)
        self._update_retrying(GATEWAY, gw, stored, with_status, subresource="status")

    def _finalize_gateways(self) -> None:
        """Release Gateways being deleted: their load balancer is gone with them."""
        items, _ = self.store.list(GATEWAY)
        for gateway in items:
            meta = gateway.get("metadata") or {}
            if not meta.get("deletionTimestamp") or GATEWAY_FINALIZER not in (
                    meta.get("finalizers") or []):
                continue

            def released(obj: dict[str, Any]) -> dict[str, Any] | None:
                finalizers = list((obj.get("metadata") or {}).get("finalizers") or [])
                if GATEWAY_FINALIZER not in finalizers:
                    return None
                body = copy.deepcopy(obj)
                body["metadata"]["finalizers"] = [f for f in finalizers
                                                  if f != GATEWAY_FINALIZER]
                return body

            where = (str(meta.get("namespace") or "default"), str(meta.get("name")))
            self._update_retrying(GATEWAY, where, gateway, released)

    def _write_routes(self, world: World, now: float) -> None:
        """``status.parents`` of HTTPRoutes attached to Gateways of a GKE class."""
        stamp = _rfc3339(now)
        controller = self.settings.controller_name
        for route in world.http_routes:
            meta = route.get("metadata") or {}
            ns = str(meta.get("namespace") or "default")
            generation = int(meta.get("generation") or 1)
            raw_spec = route.get("spec")
            spec: dict[str, Any] = raw_spec if isinstance(raw_spec, dict) else {}
            missing = [str(ref.get("name")) for rule in spec.get("rules") or []
                       if isinstance(rule, dict) for ref in rule.get("backendRefs") or []
                       if isinstance(ref, dict) and ref.get("kind", "Service") == "Service"
                       and (ref.get("namespace") or ns, str(ref.get("name"))) not in
                       world.services]
            ours = []
            for ref in spec.get("parentRefs") or []:
                if not isinstance(ref, dict) or ref.get("kind", "Gateway") != "Gateway":
                    continue
                gateway = world.gateways.get((str(ref.get("namespace") or ns),
                                              str(ref.get("name"))))
                if gateway is None or gateway_profile(world, gateway)[0] is None:
                    continue
                resolved = {"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs",
                            "message": "", "observedGeneration": generation}
                if missing:
                    resolved.update(status="False", reason="BackendNotFound",
                                    message=f'Service "{missing[0]}" not found')
                ours.append({"parentRef": copy.deepcopy(ref), "controllerName": controller,
                             "conditions": [{"type": "Accepted", "status": "True",
                                             "reason": "Accepted", "message": "",
                                             "observedGeneration": generation}, resolved]})

            def with_status(obj: dict[str, Any], ours: list[dict[str, Any]] = ours
                            ) -> dict[str, Any] | None:
                status = copy.deepcopy(dict(obj.get("status") or {}))
                old = [p for p in status.get("parents") or [] if isinstance(p, dict)]
                mine = {json_key(p.get("parentRef")): p for p in old
                        if p.get("controllerName") == controller}
                parents = [p for p in old if p.get("controllerName") != controller]
                for entry in ours:
                    before = mine.get(json_key(entry["parentRef"]), {}).get("conditions") or []
                    entry = {**entry, "conditions": merge_conditions(
                        [c for c in before if isinstance(c, Mapping)], entry["conditions"],
                        stamp)}
                    parents.append(entry)
                if not parents and "parents" not in status:
                    return None
                status["parents"] = parents
                if status == (obj.get("status") or {}):
                    return None
                return {**copy.deepcopy(obj), "status": status}

            self._update_retrying(HTTP_ROUTE, (ns, str(meta.get("name"))), route, with_status,
                                  subresource="status")

    @staticmethod
    def _gateway_status(obj: Mapping[str, Any], lb: _gcp_model.GatewayResources,
                        stamp: str) -> dict[str, Any]:
        status = copy.deepcopy(dict(obj.get("status") or {}))
        generation = int((obj.get("metadata") or {}).get("generation") or 1)
        status["addresses"] = [{"type": "IPAddress", "value": lb.address}]
        ours = {"Accepted": "Accepted", "Programmed": "Programmed"}
        old = [c for c in status.get("conditions") or [] if isinstance(c, Mapping)]
        desired = [{"type": t, "status": "True", "reason": r, "message": "",
                    "observedGeneration": generation} for t, r in ours.items()]
        merged = merge_conditions(old, desired, stamp)
        status["conditions"] = [c for c in old if c.get("type") not in ours] + merged
        return status
