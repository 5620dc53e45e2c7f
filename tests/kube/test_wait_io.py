"""The wait on the client's own I/O path: one transport, one retry policy, one redaction.

Each test runs the wait against the simulator's API server (no controller: the test sets
status itself) or a MockTransport, and checks what went over the wire and what is left
running afterwards.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from samples import traffic_extension, wasm_plugin, wasm_traffic_extension
from tenacity.stop import stop_after_attempt

from gke_service_extensions import (
    ExtensionsClient,
    ForbiddenError,
    GCPTrafficExtension,
    GCPWasmPlugin,
    KubernetesError,
    NotFoundError,
    ObjectDeletedError,
    PluginNotReferencedError,
    ProgrammingFailed,
    ServerError,
    UnknownKindError,
    WaitTimeoutError,
)
from gke_service_extensions.kube import (
    NO_RETRY,
    ApiClientTransport,
    MockTransport,
    RawResponse,
    Request,
    RetryPolicy,
    StreamResponse,
)
from gke_service_extensions.models._meta import TRAFFIC_EXTENSION, WASM_PLUGIN
from gke_service_extensions.testing import GKESimulator

CONTROLLER = "networking.gke.io/gateway"
SECRET = "tok-SECRET-0123456789"


def conditions(gen: int, programmed: str = "True", reason: str = "ProgrammingSucceeded",
               accepted: tuple[str, str] = ("True", "Accepted"), message: str = "",
               ) -> list[dict[str, Any]]:
    at = "2026-01-01T00:00:00Z"
    return [
        {"type": "Accepted", "status": accepted[0], "reason": accepted[1], "message": message,
         "observedGeneration": gen, "lastTransitionTime": at},
        {"type": "Programmed", "status": programmed, "reason": reason, "message": message,
         "observedGeneration": gen, "lastTransitionTime": at},
    ]


def ancestor(gw: str, conds: list[dict[str, Any]]) -> dict[str, Any]:
    return {"ancestorRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                            "name": gw, "namespace": "default"},
            "controllerName": CONTROLLER, "conditions": conds}


class Recorder:
    """A transport in front of the simulator that records every request."""

    def __init__(self, sim: GKESimulator) -> None:
        self.inner = ApiClientTransport(sim.api_client(), owns=True)
        self.host = self.inner.host
        self.requests: list[Request] = []

    def request(self, request: Request) -> RawResponse:
        self.requests.append(request)
        return self.inner.request(request)

    def stream(self, request: Request) -> StreamResponse:
        self.requests.append(request)
        return self.inner.stream(request)

    def close(self) -> None:
        self.inner.close()

    def watches(self) -> list[Request]:
        return [r for r in self.requests if r.param("watch") == "true"]

    def lists(self) -> list[Request]:
        return [r for r in self.requests if r.method == "GET" and r.param("watch") is None]


class World:
    def __init__(self, sim: GKESimulator) -> None:
        self.sim = sim

    def create(self, name: str, manifest: Callable[[], dict[str, Any]] = traffic_extension,
               ) -> dict[str, Any]:
        m = manifest()
        m["metadata"]["name"] = name
        info = WASM_PLUGIN if m["kind"] == "GCPWasmPlugin" else TRAFFIC_EXTENSION
        return self.sim.store.create(info, m)

    def set_status(self, name: str, ancestors: list[dict[str, Any]],
                   info: Any = TRAFFIC_EXTENSION) -> None:
        obj = self.sim.store.get(info, "default", name)
        assert obj is not None
        obj["status"] = {"ancestors": ancestors}
        obj["metadata"].pop("resourceVersion", None)
        self.sim.store.update(info, obj, subresource="status")

    def program(self, name: str, **kw: Any) -> None:
        self.set_status(name, [ancestor("external-http", conditions(1, **kw))])

    def later(self, delay: float, fn: Callable[[], object]) -> None:
        t = threading.Timer(delay, fn)
        t.daemon = True
        t.start()


@pytest.fixture
def sim() -> Iterator[GKESimulator]:
    with GKESimulator(controller=False, gcp=False) as s:
        yield s


@pytest.fixture
def world(sim: GKESimulator) -> World:
    return World(sim)


@pytest.fixture
def recorder(sim: GKESimulator) -> Recorder:
    return Recorder(sim)


@pytest.fixture
def client(recorder: Recorder) -> Iterator[ExtensionsClient]:
    with ExtensionsClient(transport=recorder, request_timeout=5.0) as c:
        yield c


def wait_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("wait-")]


@pytest.fixture(autouse=True)
def no_thread_outlives_the_test() -> Iterator[None]:
    yield
    assert wait_threads() == []


# --------------------------------------------------------------------------- requests


def test_one_object_is_listed_and_watched_by_name(
        world: World, client: ExtensionsClient, recorder: Recorder) -> None:
    world.create("ext")
    world.later(0.3, lambda: world.program("ext"))
    client.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=10)
    assert [r.param("fieldSelector") for r in recorder.lists()] == ["metadata.name=ext"]
    assert [r.param("fieldSelector") for r in recorder.watches()] == ["metadata.name=ext"]
    assert recorder.watches()[0].param("allowWatchBookmarks") == "true"


def test_many_objects_share_one_list_and_one_watch(
        world: World, client: ExtensionsClient, recorder: Recorder) -> None:
    names = [f"ext-{i}" for i in range(20)]
    for n in names:
        world.create(n)

    def program_all() -> None:
        for n in names:
            world.program(n)

    world.later(0.3, program_all)
    results = client.wait_all_programmed([(GCPTrafficExtension, n) for n in names], timeout=10)
    assert [r.obj.metadata.name for r in results] == names
    assert len(recorder.lists()) == 1
    assert len(recorder.watches()) == 1
    assert recorder.watches()[0].param("fieldSelector") is None


def test_already_programmed_object_returns_without_a_watch(
        world: World, client: ExtensionsClient, recorder: Recorder) -> None:
    world.create("ext")
    world.program("ext")
    for _ in range(5):
        result = client.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=10)
        assert result.state.done
    assert recorder.watches() == []
    assert len(recorder.lists()) == 5


def test_already_failed_object_raises_without_a_watch(
        world: World, client: ExtensionsClient, recorder: Recorder) -> None:
    world.create("ext")
    world.program("ext", accepted=("False", "NoMatchingTarget"), programmed="False",
                  reason="NoMatchingTarget")
    with pytest.raises(ProgrammingFailed, match="NoMatchingTarget"):
        client.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=10)
    assert recorder.watches() == []


def test_a_silent_watch_is_replaced_within_the_silence_bound(
        world: World, sim: GKESimulator, client: ExtensionsClient, recorder: Recorder) -> None:
    world.create("ext")
    sim.faults.silence_next_watch()
    world.later(0.3, lambda: world.program("ext"))  # happens while the watch says nothing
    started = time.monotonic()
    client.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=20, silence_timeout=1.0)
    took = time.monotonic() - started
    assert 0.9 < took < 5.0  # seen after the silence bound, long before the deadline
    assert len(recorder.watches()) >= 1
    assert len(recorder.lists()) == 2  # the first list, and the re-list after the silence


# --------------------------------------------------------------------------- retry policy


def test_no_retry_means_the_wait_lists_once(
        world: World, sim: GKESimulator, recorder: Recorder) -> None:
    world.create("ext")
    sim.faults.fail(503, times=None, verb="list")
    with ExtensionsClient(transport=recorder, retry=NO_RETRY) as client, \
            pytest.raises(ServerError, match="503"):
        client.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=10)
    assert len(recorder.lists()) == 1


def test_the_wait_list_honours_retry_after(world: World, sim: GKESimulator,
                                           recorder: Recorder) -> None:
    world.create("ext")
    world.program("ext")
    sim.faults.throttle(times=2, retry_after=2, verb="list")
    sleeps: list[float] = []
    with ExtensionsClient(transport=recorder, retry=RetryPolicy(sleep=sleeps.append)) as c:
        c.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=30)
    assert sleeps == [2.0, 2.0]
    assert len(recorder.lists()) == 3


def test_from_kubeconfig_clients_honour_retry_after_in_the_wait(
        world: World, sim: GKESimulator) -> None:
    world.create("ext")
    world.program("ext")
    sim.faults.throttle(times=1, retry_after=3, verb="list")
    sleeps: list[float] = []
    with ExtensionsClient.from_kubeconfig(
            sim.kubeconfig_path, retry=RetryPolicy(sleep=sleeps.append)) as c:
        c.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=30)
    assert sleeps == [3.0]


def test_retries_stop_at_the_wait_deadline(world: World, sim: GKESimulator,
                                           recorder: Recorder) -> None:
    world.create("ext")
    sim.faults.fail(503, times=None, verb="list")
    policy = RetryPolicy(stop=stop_after_attempt(1000))
    started = time.monotonic()
    with ExtensionsClient(transport=recorder, retry=policy) as c, \
            pytest.raises(WaitTimeoutError, match="503"):
        c.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=1.5)
    assert time.monotonic() - started < 3.0


# --------------------------------------------------------------------------- redaction


def _secret_client(sim: GKESimulator) -> ExtensionsClient:
    api = sim.api_client()
    api.configuration.api_key = {"authorization": f"Bearer {SECRET}"}
    return ExtensionsClient(api, retry=NO_RETRY)


def _text_of(exc: BaseException) -> str:
    parts = []
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        parts += [str(cur), repr(cur), repr(vars(cur)) if hasattr(cur, "__dict__") else ""]
        parts += traceback.format_exception(cur)
        cur = cur.__cause__ or cur.__context__
    return "\n".join(parts)


@pytest.mark.parametrize("call", ["wait", "wait_all", "binding", "async"])
@pytest.mark.parametrize("status", [401, 403])
def test_wait_errors_never_show_the_token(world: World, sim: GKESimulator, call: str,
                                          status: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    world.create("ext")
    sim.faults.fail(status, times=None, verb="list", message=f"token {SECRET} lacks permission")
    ref = (GCPTrafficExtension, "ext")
    calls: dict[str, Callable[[ExtensionsClient], object]] = {
        "wait": lambda c: c.wait_until_programmed(ref, timeout=3),
        "wait_all": lambda c: c.wait_all_programmed([ref], timeout=3),
        "binding": lambda c: c.wait_for_gateway_binding("external-http", ref, timeout=3),
        "async": lambda c: asyncio.run(c.async_wait_until_programmed(ref, timeout=3)),
    }
    with _secret_client(sim) as client, pytest.raises(KubernetesError) as info:
        calls[call](client)
    assert info.value.status == status
    if status == 403:  # the server's message is shown, with the token scrubbed
        assert "token <redacted> lacks permission" in str(info.value)
    assert SECRET not in _text_of(info.value)
    assert SECRET not in caplog.text


def test_timeout_message_redacts_the_last_api_error(world: World, sim: GKESimulator) -> None:
    world.create("ext")
    sim.faults.fail(503, times=None, verb="list", message=f"backend says {SECRET}")
    api = sim.api_client()
    api.configuration.api_key = {"authorization": f"Bearer {SECRET}"}
    with ExtensionsClient(api) as client, pytest.raises(WaitTimeoutError) as info:
        client.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=1)
    assert "last API error" in str(info.value)
    assert SECRET not in _text_of(info.value)


def test_forbidden_watch_is_redacted_too(world: World, sim: GKESimulator) -> None:
    world.create("ext")
    sim.faults.fail(403, times=None, verb="watch", message=f"token {SECRET} may not watch")
    with _secret_client(sim) as client, pytest.raises(ForbiddenError) as info:
        client.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=3)
    assert SECRET not in _text_of(info.value)


# --------------------------------------------------------------------------- lifecycle


@pytest.mark.parametrize("outcome", ["programmed", "failed", "timeout", "missing", "deleted"])
def test_no_thread_or_watch_outlives_the_wait(world: World, sim: GKESimulator,
                                              client: ExtensionsClient, outcome: str) -> None:
    if outcome != "missing":
        world.create("ext")
    if outcome == "programmed":
        world.later(0.3, lambda: world.program("ext"))
    elif outcome == "failed":
        world.later(0.3, lambda: world.program("ext", accepted=("False", "Invalid"),
                                               programmed="False", reason="Invalid"))
    elif outcome == "deleted":
        world.later(0.3, lambda: sim.store.delete(TRAFFIC_EXTENSION, "default", "ext"))
    expected: dict[str, type[Exception]] = {
        "failed": ProgrammingFailed, "timeout": WaitTimeoutError, "missing": NotFoundError,
        "deleted": ObjectDeletedError}
    if outcome == "programmed":
        client.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=5)
    else:
        with pytest.raises(expected[outcome]):
            client.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=1.5)
    assert wait_threads() == []  # joined before the call returned
    deadline = time.monotonic() + 2
    while sim.kube_server.active_watches and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sim.kube_server.active_watches == 0


def test_async_cancellation_stops_the_watch_before_it_propagates(
        world: World, client: ExtensionsClient) -> None:
    world.create("ext")

    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(
                client.async_wait_until_programmed((GCPTrafficExtension, "ext"), timeout=30),
                timeout=0.5)
        assert wait_threads() == []

    started = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - started < 5


# --------------------------------------------------------------------------- failure grace


def test_failure_grace_sees_a_failure_fixed_outside_the_object(
        world: World, client: ExtensionsClient) -> None:
    world.create("ext")
    world.program("ext", accepted=("True", "Accepted"), programmed="False",
                  reason="InvalidExtensionService", message="service not found")
    world.later(0.5, lambda: world.program("ext"))
    result = client.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=10,
                                          failure_grace=5)
    assert result.state.done
    world.program("ext", programmed="False", reason="InvalidExtensionService")
    with pytest.raises(ProgrammingFailed):  # without the grace: at once, from the old status
        client.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=10)


def test_failure_lasting_past_the_grace_is_raised(world: World, client: ExtensionsClient
                                                 ) -> None:
    world.create("ext")
    world.program("ext", programmed="False", reason="InvalidExtensionService")
    started = time.monotonic()
    with pytest.raises(ProgrammingFailed, match="still failing after") as info:
        client.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=10,
                                     failure_grace=0.5)
    assert 0.5 <= time.monotonic() - started < 3
    assert info.value.reason == "InvalidExtensionService"


# --------------------------------------------------------------------------- wasm plugins


def test_unreferenced_plugin_is_an_error_after_the_grace(world: World,
                                                         client: ExtensionsClient) -> None:
    world.create("gcp-wasm-plugin", wasm_plugin)
    started = time.monotonic()
    with pytest.raises(PluginNotReferencedError, match="no GCPTrafficExtension") as info:
        client.wait_until_programmed((GCPWasmPlugin, "gcp-wasm-plugin"), timeout=30,
                                     plugin_reference_grace=0.5)
    assert time.monotonic() - started < 5
    assert str(info.value.obj) == "GCPWasmPlugin default/gcp-wasm-plugin"


def test_referenced_plugin_keeps_waiting(world: World, client: ExtensionsClient) -> None:
    world.create("gcp-wasm-plugin", wasm_plugin)
    world.create("uses-it", wasm_traffic_extension)
    with pytest.raises(WaitTimeoutError):
        client.wait_until_programmed((GCPWasmPlugin, "gcp-wasm-plugin"), timeout=1.5,
                                     plugin_reference_grace=0.3)


def test_programmed_plugin_is_not_checked_for_references(
        world: World, client: ExtensionsClient) -> None:
    world.create("gcp-wasm-plugin", wasm_plugin)
    world.set_status("gcp-wasm-plugin", [ancestor("external-http", conditions(1))], WASM_PLUGIN)
    result = client.wait_until_programmed((GCPWasmPlugin, "gcp-wasm-plugin"), timeout=5,
                                          plugin_reference_grace=0)
    assert isinstance(result.obj, GCPWasmPlugin)


# --------------------------------------------------------------------------- kinds by name


@pytest.mark.parametrize("kind", ["GCPTrafficExtension", "gcptrafficextensions",
                                  "gcptrafficextension", "GCPTRAFFICEXTENSION"])
def test_get_and_list_take_kind_names(world: World, client: ExtensionsClient, kind: str) -> None:
    world.create("ext")
    got = client.get(kind, "ext")
    assert isinstance(got, GCPTrafficExtension)
    assert [o.metadata.name for o in client.list(kind)] == ["ext"]


def test_unknown_kind_name_is_a_clear_error(client: ExtensionsClient,
                                            recorder: Recorder) -> None:
    with pytest.raises(UnknownKindError, match="unknown kind 'Nope'"):
        client.get("Nope", "ext")
    assert recorder.requests == []


# --------------------------------------------------------------------------- mock transport


def _list_body(items: list[dict[str, Any]]) -> bytes:
    return json.dumps({"kind": "GCPTrafficExtensionList", "items": items,
                       "metadata": {"resourceVersion": "7"}}).encode()


def test_mock_transport_drives_the_wait_without_a_server() -> None:
    obj = traffic_extension()
    obj["metadata"].update(name="ext", generation=1, uid="u1", resourceVersion="7")
    pending = json.loads(json.dumps(obj))
    done = json.loads(json.dumps(obj))
    done["status"] = {"ancestors": [ancestor("external-http", conditions(1))]}

    def handler(request: Request) -> RawResponse | StreamResponse:
        if request.param("watch"):
            event = json.dumps({"type": "MODIFIED", "object": done})
            return MockTransport.stream_of([event], hold_open=True)
        return RawResponse(200, {}, _list_body([pending]))

    transport = MockTransport(handler)
    with ExtensionsClient(transport=transport) as client:
        result = client.wait_until_programmed((GCPTrafficExtension, "ext"), timeout=5)
    assert result.obj.metadata.name == "ext"
    assert [r.param("watch") for r in transport.requests] == [None, "true"]
    assert transport.requests[1].param("resourceVersion") == "7"
    assert transport.closed


def test_mock_transport_404_is_not_found() -> None:
    def handler(request: Request) -> RawResponse:
        return RawResponse(404, {}, b'{"kind":"Status","code":404,"reason":"NotFound",'
                                    b'"message":"the server could not find it"}')

    with ExtensionsClient(transport=MockTransport(handler)) as client, \
            pytest.raises(NotFoundError):
        client.get(GCPTrafficExtension, "ext")


def test_client_needs_exactly_one_of_api_client_and_transport(sim: GKESimulator) -> None:
    with pytest.raises(TypeError, match="one of them"):
        ExtensionsClient()
    with pytest.raises(TypeError, match="one of them"):
        ExtensionsClient(sim.api_client(), transport=MockTransport(lambda r: RawResponse(
            200, {}, b"{}")))
    with pytest.raises(TypeError, match="must implement Transport"):
        ExtensionsClient(transport=object())  # type: ignore[arg-type]
