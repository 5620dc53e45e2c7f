"""The watch-based wait against the simulator's real HTTP Kubernetes API server.

Status is written straight into the simulator's object store, so each test controls exactly
what the "controller" reports and when. Controller-driven end-to-end tests live in
``test_wait_simulator.py``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from kubernetes import client as k8s

from gke_service_extensions import (
    ExtensionsClient,
    ManifestError,
    NotFoundError,
    ObjectDeletedError,
    ProgrammingFailed,
    UnknownKindError,
    WaitTimeoutError,
)
from gke_service_extensions.kube._status import (
    GKE_CONTROLLER_NAME,
    AncestorState,
    GatewayRef,
    Outcome,
    ProgrammingState,
    WaitMode,
)
from gke_service_extensions.kube._wait import wait_for_gateway_binding
from gke_service_extensions.models import GCPTrafficExtension
from gke_service_extensions.models._meta import GATEWAY, TRAFFIC_EXTENSION
from gke_service_extensions.testing._kube._resources import NAMESPACE
from gke_service_extensions.testing._kube._server import KubeAPIServer
from gke_service_extensions.testing._kube._store import ObjectStore

# A generous bound for "returned promptly"; correctness is what the tests check.
SLACK = 3.0


@dataclass
class Env:
    store: ObjectStore
    server: KubeAPIServer
    client: ExtensionsClient

    def create(self, name: str, targets: tuple[str, ...] = ("gw",), ns: str = "default",
               ) -> dict[str, Any]:
        return self.store.create(TRAFFIC_EXTENSION, manifest(name, targets, ns))

    def get(self, name: str, ns: str = "default") -> dict[str, Any]:
        obj = self.store.get(TRAFFIC_EXTENSION, ns, name)
        assert obj is not None
        return obj

    def set_status(self, name: str, ancestors: list[dict[str, Any]], ns: str = "default",
                   ) -> None:
        obj = self.get(name, ns)
        obj["status"] = {"ancestors": ancestors}
        obj["metadata"].pop("resourceVersion", None)
        self.store.update(TRAFFIC_EXTENSION, obj, subresource="status")

    def program(self, name: str, gws: tuple[str, ...] = ("gw",), ns: str = "default",
                gen: int | None = None) -> None:
        g = self.get(name, ns)["metadata"]["generation"] if gen is None else gen
        self.set_status(name, [entry(gw, programmed(g), ns) for gw in gws], ns)

    def bump_spec(self, name: str, ns: str = "default") -> None:
        obj = self.get(name, ns)
        obj["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "2s"
        obj["metadata"].pop("resourceVersion", None)
        self.store.update(TRAFFIC_EXTENSION, obj)

    def once_seen(self, delay: float, fn: Callable[[], object],
                  ) -> Callable[[ProgrammingState], None]:
        """An on_change that runs ``fn`` ``delay`` s after the wait first saw the object."""
        fired: list[bool] = []

        def on_change(_state: ProgrammingState) -> None:
            if not fired:
                fired.append(True)
                self.later(delay, fn)

        return on_change

    def later(self, delay: float, fn: Callable[[], object]) -> threading.Timer:
        t = threading.Timer(delay, fn)
        t.daemon = True
        t.start()
        return t


def manifest(name: str, targets: tuple[str, ...] = ("gw",), ns: str = "default",
             ) -> dict[str, Any]:
    return {
        "apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": t}
                           for t in targets],
            "extensionChains": [{
                "name": "chain1",
                "matchCondition": {"celExpressions": [
                    {"celMatcher": 'request.path.startsWith("/")'}]},
                "extensions": [{
                    "name": "ext1", "authority": "myext.com", "timeout": "1s",
                    "supportedEvents": ["RequestHeaders"],
                    "backendRef": {"group": "", "kind": "Service", "name": "callout",
                                   "port": 443},
                }],
            }],
        },
    }


def cond(ctype: str, status: str, reason: str, gen: int, message: str = "") -> dict[str, Any]:
    return {"type": ctype, "status": status, "reason": reason, "message": message,
            "observedGeneration": gen, "lastTransitionTime": "2026-01-01T00:00:00Z"}


def programmed(gen: int = 1) -> list[dict[str, Any]]:
    return [cond("Accepted", "True", "Accepted", gen),
            cond("ResolvedRefs", "True", "ResolvedRefs", gen),
            cond("Programmed", "True", "ProgrammingSucceeded", gen)]


def entry(gw: str, conditions: list[dict[str, Any]], ns: str = "default") -> dict[str, Any]:
    return {"ancestorRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                            "name": gw, "namespace": ns},
            "controllerName": GKE_CONTROLLER_NAME, "conditions": conditions}


@pytest.fixture
def env() -> Iterator[Env]:
    store = ObjectStore()
    server = KubeAPIServer(store, bookmark_interval=0.2)
    server.start()
    cfg = k8s.Configuration()
    cfg.host = server.url
    api_client = k8s.ApiClient(cfg)
    try:
        yield Env(store, server, ExtensionsClient(api_client, request_timeout=5.0))
    finally:
        server.stop()
        api_client.close()  # type: ignore[no-untyped-call]


# --------------------------------------------------------------------------- outcomes


def test_returns_when_status_becomes_programmed(env: Env) -> None:
    env.create("ext")
    env.later(0.2, lambda: env.program("ext"))
    result = env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                                   timeout=10)
    assert result.state.outcome is Outcome.PROGRAMMED
    assert [a.ancestor for a in result.ancestors] == [GatewayRef("gw", "default")]
    assert result.ancestors[0].reason == "ProgrammingSucceeded"
    model = result.obj
    assert isinstance(model, GCPTrafficExtension)
    assert model.metadata.name == "ext"


def test_already_programmed_object_returns_from_the_first_list(env: Env) -> None:
    env.create("ext")
    env.program("ext")
    env.server.faults.reset_counts()
    result = env.client.wait_until_programmed(("GCPTrafficExtension", "ext", None), timeout=5)
    assert result.state.outcome is Outcome.PROGRAMMED
    assert env.server.faults.count(verb="list") == 1


def test_model_instance_is_accepted(env: Env) -> None:
    created = env.create("ext")
    env.program("ext")
    model = GCPTrafficExtension.from_manifest(manifest("ext"))
    result = env.client.wait_until_programmed(model, timeout=5)
    assert result.manifest["metadata"]["uid"] == created["metadata"]["uid"]


def test_stale_programmed_from_old_generation_does_not_end_the_wait(env: Env) -> None:
    env.create("ext")
    env.program("ext")  # Programmed=True for generation 1
    env.bump_spec("ext")  # generation 2: the old status is now stale
    with pytest.raises(WaitTimeoutError) as info:
        env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                              timeout=0.5)
    assert "stale: observedGeneration 1" in str(info.value)
    env.later(0.2, lambda: env.program("ext"))
    result = env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                                   timeout=10)
    assert result.ancestors[0].observed_generation == 2
    assert result.state.generation == 2


def test_one_of_two_targets_programmed_times_out_listing_every_ancestor(env: Env) -> None:
    env.create("ext", targets=("a", "b"))
    env.program("ext", gws=("a",))
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError) as info:
        env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                              timeout=0.5)
    assert time.monotonic() - started < 0.5 + SLACK
    message = str(info.value)
    assert message.startswith("timed out after 0.5s waiting for GCPTrafficExtension default/ext")
    assert "Gateway default/a: Programmed" in message
    assert "Gateway default/b: Pending (not reported by the controller yet)" in message
    last = info.value.last_status
    assert last is not None
    assert [a["ancestorRef"]["name"] for a in last["ancestors"]] == ["a"]
    assert isinstance(info.value, TimeoutError)


def test_any_mode_is_satisfied_by_one_target(env: Env) -> None:
    env.create("ext", targets=("a", "b"))
    env.program("ext", gws=("a",))
    result = env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                                   timeout=5, mode=WaitMode.ANY)
    assert result.state.outcome is Outcome.PROGRAMMED


def test_terminal_failure_raises_programming_failed_at_once(env: Env) -> None:
    env.create("ext")
    bad = [cond("Accepted", "False", "InvalidCELExpression", 1, "bad CEL: has() not allowed")]
    env.later(0.2, lambda: env.set_status("ext", [entry("gw", bad)]))
    started = time.monotonic()
    with pytest.raises(ProgrammingFailed) as info:
        env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                              timeout=30)
    assert time.monotonic() - started < SLACK  # not the 30 s timeout
    err = info.value
    assert (err.ancestor, err.condition, err.reason) == (
        "Gateway default/gw", "Accepted", "InvalidCELExpression")
    assert err.condition_message == "bad CEL: has() not allowed"
    assert str(err).startswith("GCPTrafficExtension default/ext failed on Gateway default/gw")


def test_object_deleted_mid_wait_raises_object_deleted(env: Env) -> None:
    env.create("ext")
    # Delete once the wait has seen the object, so it cannot be "not found" instead.
    with pytest.raises(ObjectDeletedError) as info:
        env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"), timeout=30,
            on_change=lambda _: env.later(
                0.1, lambda: env.store.delete(TRAFFIC_EXTENSION, "default", "ext")))
    assert "default/ext was deleted" in str(info.value)


def test_object_being_deleted_raises_object_deleted(env: Env) -> None:
    obj = manifest("ext")
    obj["metadata"]["finalizers"] = ["example.com/hold"]
    env.store.create(TRAFFIC_EXTENSION, obj)
    env.later(0.2, lambda: env.store.delete(TRAFFIC_EXTENSION, "default", "ext"))
    with pytest.raises(ObjectDeletedError, match="being deleted"):
        env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                              timeout=30)


def test_missing_object_raises_not_found(env: Env) -> None:
    with pytest.raises(NotFoundError, match="GCPTrafficExtension default/nope not found"):
        env.client.wait_until_programmed(("GCPTrafficExtension", "nope", "default"),
                              timeout=5)


def test_on_change_sees_each_ancestor_state_change(env: Env) -> None:
    env.create("ext")
    seen: list[ProgrammingState] = []

    def on_change(state: ProgrammingState) -> None:  # drives the "controller" step by step
        seen.append(state)
        status = state.ancestors[0].status
        if status is None:
            env.set_status("ext", [entry("gw", [cond("Programmed", "Unknown", "Pending", 1)])])
        elif status == "Unknown":
            env.program("ext")

    env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"), timeout=10,
                          on_change=on_change)
    first = seen[0].ancestors[0]
    assert first.state is AncestorState.PENDING
    assert not first.reported
    assert seen[-1].outcome is Outcome.PROGRAMMED
    statuses = [s.ancestors[0].status for s in seen]
    assert statuses == [None, "Unknown", "True"]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("ref", [
    ("Deployment", "x", "default"), ("GCPTrafficExtension",), "GCPTrafficExtension/x", 42,
    ("GCPTrafficExtension", "", "default"), ("GCPTrafficExtension", "x", 3),
])
def test_bad_refs_raise_our_errors_before_any_request(env: Env, ref: Any) -> None:
    env.server.faults.reset_counts()
    with pytest.raises(ManifestError):
        env.client.wait_until_programmed(ref, timeout=1)
    assert env.server.faults.count() == 0


def test_unknown_kind_is_an_unknown_kind_error(env: Env) -> None:
    with pytest.raises(UnknownKindError, match="Deployment"):
        env.client.wait_until_programmed(("Deployment", "x", "default"), timeout=1)


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), "10", True])
def test_bad_timeout_is_rejected(env: Env, timeout: Any) -> None:
    with pytest.raises(ManifestError, match="timeout"):
        env.client.wait_until_programmed(("GCPTrafficExtension", "x", "default"),
                              timeout=timeout)


@pytest.mark.parametrize("gateways", [[3], ["a/b/c"], ["/gw"], [""], [GatewayRef("")]])
def test_bad_gateways_are_rejected(env: Env, gateways: Any) -> None:
    with pytest.raises(ManifestError, match="gateways"):
        env.client.wait_until_programmed(("GCPTrafficExtension", "x", "default"), timeout=1,
                              gateways=gateways)


@pytest.mark.parametrize(("option", "value"), [
    ("mode", "most"), ("condition", ""), ("controller_name", None)])
def test_bad_options_are_rejected(env: Env, option: str, value: Any) -> None:
    with pytest.raises(ManifestError, match=option):
        env.client.wait_until_programmed(("GCPTrafficExtension", "x", "default"), timeout=1,
                              **{option: value})


def test_gateways_and_mode_may_be_given_as_strings(env: Env) -> None:
    env.create("ext", targets=("a", "b"))
    env.program("ext", gws=("b",))
    result = env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                                   timeout=5, gateways=["default/a", "b"], mode="any")
    assert [a.ancestor for a in result.ancestors] == [GatewayRef("a", "default"),
                                                      GatewayRef("b", "default")]
    assert result.state.mode is WaitMode.ANY


# --------------------------------------------------------------------------- many objects


def test_wait_all_uses_one_watch_per_kind_and_namespace(env: Env) -> None:
    env.store.create(NAMESPACE, {"metadata": {"name": "other"}})
    names = [f"ext{i}" for i in range(6)]
    for n in names:
        env.create(n)
    env.create("far", ns="other")
    env.server.faults.reset_counts()

    def program_all() -> None:
        for n in names:
            env.program(n)
        env.program("far", ns="other")

    env.later(0.3, program_all)
    refs = [("GCPTrafficExtension", n, "default") for n in names]
    results = env.client.wait_all_programmed([*refs, ("GCPTrafficExtension", "far", "other")],
                                  timeout=10)
    assert [r.manifest["metadata"]["name"] for r in results] == [*names, "far"]
    assert env.server.faults.count(verb="list") == 2
    assert env.server.faults.count(verb="watch") <= 2  # none at all if the lists saw it


def test_wait_all_fails_fast_naming_the_failed_object(env: Env) -> None:
    for n in ("good", "bad", "slow"):
        env.create(n)
    env.program("good")
    bad = [cond("ResolvedRefs", "False", "ExtensionServiceNotFound", 1, "no callout")]
    env.later(0.2, lambda: env.set_status("bad", [entry("gw", bad)]))
    with pytest.raises(ProgrammingFailed, match="GCPTrafficExtension default/bad failed"):
        env.client.wait_all_programmed([("GCPTrafficExtension", n, "default")
                                         for n in ("good", "bad", "slow")], timeout=30)


def test_wait_all_timeout_lists_every_pending_object(env: Env) -> None:
    for n in ("a", "b", "c"):
        env.create(n)
    env.program("a")
    with pytest.raises(WaitTimeoutError) as info:
        env.client.wait_all_programmed([("GCPTrafficExtension", n, "default")
                                         for n in ("a", "b", "c")], timeout=0.5)
    message = str(info.value)
    assert "2 objects" in message
    assert "default/b: Pending" in message
    assert "default/c: Pending" in message
    assert "default/a" not in message


def test_wait_all_of_nothing_returns_nothing(env: Env) -> None:
    assert env.client.wait_all_programmed([], timeout=1) == []


# --------------------------------------------------------------------------- faults


def test_watch_closed_every_100ms_still_sees_programmed(env: Env) -> None:
    env.create("ext")
    env.server.faults.close_watches_after(0.1)
    started = time.monotonic()
    result = env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                                   timeout=10,
                                   on_change=env.once_seen(0.7, lambda: env.program("ext")))
    assert result.state.outcome is Outcome.PROGRAMMED
    assert time.monotonic() - started < 10 + 1
    assert env.server.faults.count(verb="watch") >= 2


def test_watches_closed_at_once_are_not_reopened_in_a_busy_loop(env: Env) -> None:
    env.create("ext")
    env.server.faults.close_watches_after(0.0)
    env.server.faults.reset_counts()
    with pytest.raises(WaitTimeoutError):
        env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                              timeout=2)
    # Backoff 50 ms doubling to 2 s: about 6 re-lists in 2 s; a busy loop would make hundreds.
    assert 2 <= env.server.faults.count(verb="watch") <= 20


def test_410_mid_wait_relists_and_sees_programmed(env: Env) -> None:
    env.create("ext")
    env.server.faults.expire_next_watch(times=3)
    result = env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                                   timeout=10,
                                   on_change=env.once_seen(0.3, lambda: env.program("ext")))
    assert result.state.outcome is Outcome.PROGRAMMED
    assert env.server.faults.count(verb="list") >= 2


def test_503_burst_on_list_is_retried(env: Env) -> None:
    env.create("ext")
    env.program("ext")
    env.server.faults.fail(503, times=4, verb="list")
    result = env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                                   timeout=10)
    assert result.state.outcome is Outcome.PROGRAMMED
    assert env.server.faults.count(verb="list") == 5


def test_429_on_list_is_retried(env: Env) -> None:
    env.create("ext")
    env.program("ext")
    env.server.faults.throttle(times=2, verb="list", retry_after=1)
    result = env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                                   timeout=10)
    assert result.state.outcome is Outcome.PROGRAMMED


def test_list_failing_until_deadline_times_out_naming_the_api_error(env: Env) -> None:
    env.create("ext")
    env.server.faults.fail(503, times=None, verb="list")
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError) as info:
        env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                              timeout=1)
    assert time.monotonic() - started < 1 + 1
    assert "not seen yet" in str(info.value)
    assert "last API error" in str(info.value)
    assert "503" in str(info.value)


def test_forbidden_list_is_raised_not_retried(env: Env) -> None:
    env.create("ext")
    env.server.faults.fail(403, times=None, verb="list")
    from gke_service_extensions import ForbiddenError

    with pytest.raises(ForbiddenError):
        env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                              timeout=10)
    assert env.server.faults.count(verb="list") == 1


def test_stalled_watch_cannot_hold_the_wait_past_its_timeout(env: Env) -> None:
    env.create("ext")
    env.server.faults.stall(30, verb="watch", times=None)
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError):
        env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                              timeout=1)
    assert time.monotonic() - started < 1 + 1


def test_stalled_watch_is_abandoned_and_the_wait_still_sees_programmed(env: Env) -> None:
    env.create("ext")
    env.client = ExtensionsClient(env.client.api_client, request_timeout=0.3)
    env.server.faults.stall(30, verb="watch", times=1)
    started = time.monotonic()
    result = env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                                   timeout=10,
                                   on_change=env.once_seen(0.2, lambda: env.program("ext")))
    assert result.state.outcome is Outcome.PROGRAMMED
    assert time.monotonic() - started < 10  # not rescued by the deadline
    assert env.server.faults.count(verb="watch") >= 2  # the stalled one was given up


def test_long_watch_outlives_the_header_timeout(env: Env) -> None:
    # request_timeout bounds only the wait for the watch's headers, not the stream.
    env.create("ext")
    env.client = ExtensionsClient(env.client.api_client, request_timeout=0.2)
    env.server.faults.reset_counts()
    env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"), timeout=10,
                          on_change=env.once_seen(0.8, lambda: env.program("ext")))
    assert env.server.faults.count(verb="watch") == 1
    assert env.server.faults.count(verb="list") == 1


def test_stalled_list_is_timed_out_and_retried(env: Env) -> None:
    env.create("ext")
    env.program("ext")
    env.client = ExtensionsClient(env.client.api_client, request_timeout=0.3)
    env.server.faults.stall(30, verb="list", times=1)
    started = time.monotonic()
    result = env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                                   timeout=5)
    assert result.state.outcome is Outcome.PROGRAMMED
    assert time.monotonic() - started < 5 + 1


def test_stalled_list_until_deadline_times_out_within_a_second(env: Env) -> None:
    env.create("ext")
    env.server.faults.stall(30, verb="list", times=None)
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError):
        env.client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                              timeout=1)
    assert time.monotonic() - started < 1 + 1


# --------------------------------------------------------------------------- async


def _wait_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("wait-gcptrafficextensions")]


def test_async_wait_returns_the_result(env: Env) -> None:
    env.create("ext")
    env.later(0.2, lambda: env.program("ext"))
    result = asyncio.run(env.client.async_wait_until_programmed(
        ("GCPTrafficExtension", "ext", "default"), timeout=10))
    assert result.state.outcome is Outcome.PROGRAMMED


def test_cancelling_the_async_wait_stops_its_watch(env: Env) -> None:
    env.create("ext")
    before = set(_wait_threads())

    async def main() -> None:
        task = asyncio.create_task(env.client.async_wait_until_programmed(
            ("GCPTrafficExtension", "ext", "default"), timeout=60))
        await asyncio.sleep(0.3)
        assert set(_wait_threads()) - before  # the watch is running
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    started = time.monotonic()
    asyncio.run(main())  # asyncio.run waits for the worker thread to return...
    assert time.monotonic() - started < 30  # ...which it did long before its 60 s timeout
    for _ in range(50):
        if not set(_wait_threads()) - before:
            break
        time.sleep(0.05)
    assert not set(_wait_threads()) - before


# --------------------------------------------------------------------------- gateway binding


def _gateway(annotations: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
            "metadata": {"name": "gw", "namespace": "default", "annotations": annotations},
            "spec": {"gatewayClassName": "gke-l7-regional-external-managed",
                     "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}]}}


def test_gateway_binding_waits_for_the_kinds_annotation(env: Env) -> None:
    env.store.create(GATEWAY, _gateway({"networking.gke.io/lb-traffic-extensions": ""}))
    path = "/projects/123/locations/us-central1/lbTrafficExtensions/gkegw1-x"

    def annotate() -> None:
        gw = env.store.get(GATEWAY, "default", "gw")
        assert gw is not None
        gw["metadata"]["annotations"]["networking.gke.io/lb-traffic-extensions"] = path
        gw["metadata"].pop("resourceVersion")
        env.store.update(GATEWAY, gw)

    env.later(0.2, annotate)
    paths = wait_for_gateway_binding(env.client, "gw", ("GCPTrafficExtension", "ext", "default"),
                                     timeout=10)
    assert paths == ("projects/123/locations/us-central1/lbTrafficExtensions/gkegw1-x",)


def test_gateway_binding_times_out_when_only_other_kinds_are_bound(env: Env) -> None:
    env.store.create(GATEWAY, _gateway(
        {"networking.gke.io/lb-route-extensions": "projects/1/locations/r/lbRouteExtensions/x"}))
    with pytest.raises(WaitTimeoutError, match="lb-traffic-extensions"):
        wait_for_gateway_binding(env.client, "gw", GCPTrafficExtension, namespace="default",
                                 timeout=0.5)


def test_gateway_binding_of_missing_gateway_is_not_found(env: Env) -> None:
    with pytest.raises(NotFoundError, match="Gateway default/gw"):
        wait_for_gateway_binding(env.client, "gw", "GCPWasmPlugin", timeout=5)

