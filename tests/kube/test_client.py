"""ExtensionsClient against the simulator's Kubernetes API server, over real HTTP."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gke_service_extensions import (
    AlreadyExistsError,
    ConflictError,
    ForbiddenError,
    InvalidError,
    ManifestError,
    ManifestValidationError,
    NotFoundError,
    ObjectRef,
    ServerError,
    UnauthorizedError,
    WaitTimeoutError,
)
from gke_service_extensions.kube import (
    ALL_NAMESPACES,
    NO_RETRY,
    DryRun,
    ExtensionsClient,
    KubeConfigError,
    KubeEvent,
    PatchType,
    RetryPolicy,
    Validation,
)
from gke_service_extensions.models import (
    TRAFFIC_EXTENSION,
    Gateway,
    GCPRoutingExtension,
    GCPTrafficExtension,
    GCPWasmPlugin,
    HTTPRoute,
    Service,
    UnknownFields,
)
from gke_service_extensions.models._meta import ResourceInfo
from gke_service_extensions.testing import GKESimulator

EVENT = ResourceInfo("", "v1", "Event", "events")
NAMESPACE = ResourceInfo("", "v1", "Namespace", "namespaces", namespaced=False)


def add_namespace(sim: GKESimulator, name: str) -> None:
    sim.store.create(NAMESPACE, {"apiVersion": "v1", "kind": "Namespace",
                                 "metadata": {"name": name}})


def traffic(name: str = "my-ext", namespace: str | None = "default",
            labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    return {
        "apiVersion": "networking.gke.io/v1",
        "kind": "GCPTrafficExtension",
        "metadata": meta,
        "spec": {
            "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                            "name": "gw"}],
            "extensionChains": [{
                "name": "chain1",
                "extensions": [{
                    "name": "ext1",
                    "authority": "myext.com",
                    "timeout": "1s",
                    "supportedEvents": ["RequestHeaders", "ResponseHeaders"],
                    "backendRef": {"group": "", "kind": "Service", "name": "callout",
                                   "port": 443},
                }],
            }],
        },
    }


def routing(name: str = "my-route-ext") -> dict[str, Any]:
    d = traffic(name)
    d["kind"] = "GCPRoutingExtension"
    d["spec"]["extensionChains"][0]["extensions"][0]["supportedEvents"] = ["RequestHeaders"]
    return d


def wasm(name: str = "my-plugin") -> dict[str, Any]:
    return {
        "apiVersion": "networking.gke.io/v1",
        "kind": "GCPWasmPlugin",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"versions": [{
            "name": "v1",
            "image": "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main",
            "weight": 1000000,
        }]},
    }


def ext(name: str = "my-ext", **kw: Any) -> GCPTrafficExtension:
    return GCPTrafficExtension.from_manifest(traffic(name, **kw))


@pytest.fixture
def sim() -> Iterator[GKESimulator]:
    """A simulator without the gateway controller: nothing writes objects behind our back."""
    with GKESimulator(controller=False, gcp=False, admission=False) as s:
        yield s


@pytest.fixture
def client(sim: GKESimulator) -> Iterator[ExtensionsClient]:
    with ExtensionsClient.from_kubeconfig(str(sim.kubeconfig_path)) as c:
        yield c


# --------------------------------------------------------------------------- construction


def test_from_kubeconfig_takes_namespace_from_context(sim: GKESimulator, tmp_path: Path) -> None:
    config = sim.kubeconfig()
    config["contexts"][0]["context"]["namespace"] = "team-a"
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    add_namespace(sim, "team-a")
    with ExtensionsClient.from_kubeconfig(str(path)) as c:
        assert c.default_namespace == "team-a"
        created = c.create(ext(namespace=None))
    assert created.metadata.namespace == "team-a"


def test_namespace_defaults_to_default_without_context_namespace(sim: GKESimulator,
                                                                 tmp_path: Path) -> None:
    config = sim.kubeconfig()
    config["contexts"][0]["context"].pop("namespace", None)
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    with ExtensionsClient.from_kubeconfig(str(path)) as c:
        assert c.default_namespace == "default"


def test_wraps_an_existing_api_client_without_closing_it(sim: GKESimulator) -> None:
    api = sim.api_client()
    add_namespace(sim, "ns1")
    with ExtensionsClient(api, namespace="ns1") as c:
        assert c.api_client is api
        assert c.default_namespace == "ns1"
        c.create(ext(namespace=None))
    # still usable after the facade closed: the caller owns it
    assert ExtensionsClient(api).get(GCPTrafficExtension, "my-ext", namespace="ns1")


def test_rejects_something_that_is_not_an_api_client() -> None:
    with pytest.raises(TypeError, match="ApiClient"):
        ExtensionsClient(object())


def test_does_not_touch_the_global_kubernetes_configuration(sim: GKESimulator) -> None:
    from kubernetes.client import Configuration

    before = Configuration.get_default_copy().host
    with ExtensionsClient.from_kubeconfig(str(sim.kubeconfig_path)):
        pass
    assert Configuration.get_default_copy().host == before


def test_unknown_context_is_a_kubeconfig_error(sim: GKESimulator) -> None:
    with pytest.raises(KubeConfigError, match="nope"):
        ExtensionsClient.from_kubeconfig(str(sim.kubeconfig_path), context="nope")


def test_missing_kubeconfig_file_is_a_kubeconfig_error(tmp_path: Path) -> None:
    with pytest.raises(KubeConfigError, match="no such file"):
        ExtensionsClient.from_kubeconfig(str(tmp_path / "absent"))


def test_in_cluster_outside_a_cluster_is_a_kubeconfig_error(tmp_path: Path) -> None:
    from gke_service_extensions.kube._config import load_in_cluster

    with pytest.raises(KubeConfigError, match="in-cluster"):
        load_in_cluster(account_dir=tmp_path, environ={})


def test_in_cluster_client_uses_the_pod_namespace(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from gke_service_extensions.kube import _config

    (tmp_path / "token").write_text("sa-token-value")
    (tmp_path / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\nx\n")
    (tmp_path / "namespace").write_text("team-c")
    monkeypatch.setattr(_config, "SERVICE_ACCOUNT_DIR", tmp_path)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.2")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "6443")
    with ExtensionsClient.in_cluster() as c:
        assert c.default_namespace == "team-c"
        assert c.host == "https://10.0.0.2:6443"
        assert c.verify_tls is True
        assert "sa-token-value" not in repr(c)


def test_in_cluster_reads_service_account(tmp_path: Path) -> None:
    from gke_service_extensions.kube._config import load_in_cluster

    (tmp_path / "token").write_text("sa-token-value")
    (tmp_path / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\nx\n")
    (tmp_path / "namespace").write_text("team-b\n")
    env = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    loaded = load_in_cluster(account_dir=tmp_path, environ=env)
    assert loaded.namespace == "team-b"
    assert loaded.api_client.configuration.host == "https://10.0.0.1:443"
    assert loaded.api_client.configuration.verify_ssl is True


# --------------------------------------------------------------------------- CRUD


@pytest.mark.parametrize(
    ("model", "manifest"),
    [(GCPTrafficExtension, traffic), (GCPRoutingExtension, routing), (GCPWasmPlugin, wasm)],
    ids=["traffic", "routing", "wasm"],
)
def test_crud_round_trip_for_each_kind(client: ExtensionsClient, model: Any, manifest: Any
                                       ) -> None:
    obj = model.from_manifest(manifest())
    name = obj.metadata.name
    created = client.create(obj)
    assert type(created) is model
    assert created.metadata.uid
    assert created.metadata.resource_version
    assert created.metadata.generation == 1

    fetched = client.get(model, name)
    assert fetched.to_manifest()["spec"] == obj.to_manifest()["spec"]

    assert [o.metadata.name for o in client.list(model)] == [name]

    changed = fetched.to_manifest()
    changed["metadata"]["labels"] = {"tier": "gold"}
    replaced = client.replace(model.from_manifest(changed, unknown_fields=UnknownFields.PRESERVE))
    assert replaced.metadata.labels == {"tier": "gold"}

    deleted = client.delete(model, name)
    assert deleted is not None
    assert deleted.metadata.name == name
    with pytest.raises(NotFoundError):
        client.get(model, name)


def test_replace_with_new_spec_bumps_generation(client: ExtensionsClient) -> None:
    created = client.create(ext())
    m = created.to_manifest()
    m["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "2s"
    replaced = client.replace(GCPTrafficExtension.from_manifest(
        m, unknown_fields=UnknownFields.PRESERVE))
    assert replaced.metadata.generation == 2


def test_kubeconfig_env_var_is_read_when_connecting(sim: GKESimulator,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from kubernetes.config import kube_config

    # The library froze $KUBECONFIG at its import; make that frozen default a missing file.
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", "/nonexistent/kubeconfig")
    monkeypatch.setenv("KUBECONFIG", str(sim.kubeconfig_path))
    with ExtensionsClient.from_kubeconfig() as c:
        assert c.host == sim.kube_url


def test_replace_without_resource_version_is_refused_before_sending(
        client: ExtensionsClient, sim: GKESimulator) -> None:
    client.create(ext())
    sim.faults.reset_counts()
    with pytest.raises(ManifestError, match=r"replace needs metadata\.resourceVersion"):
        client.replace(ext())
    assert sim.faults.count(verb="update") == 0


def test_list_follows_continue_tokens_across_pages(client: ExtensionsClient,
                                                   sim: GKESimulator) -> None:
    names = [f"ext-{i}" for i in range(5)]
    for n in names:
        client.create(ext(n))
    sim.faults.reset_counts()
    got = client.list(GCPTrafficExtension, page_size=2)
    assert sorted(str(o.metadata.name) for o in got) == names
    assert sim.faults.count(verb="list", resource="gcptrafficextensions") == 3


def test_list_by_label_selector_string_and_mapping(client: ExtensionsClient) -> None:
    client.create(ext("a", labels={"team": "x", "env": "prod"}))
    client.create(ext("b", labels={"team": "x", "env": "dev"}))
    client.create(ext("c", labels={"team": "y"}))
    by_str = client.list(GCPTrafficExtension, label_selector="team=x")
    by_map = client.list(GCPTrafficExtension, label_selector={"team": "x", "env": "dev"})
    assert sorted(str(o.metadata.name) for o in by_str) == ["a", "b"]
    assert [o.metadata.name for o in by_map] == ["b"]


def test_list_in_one_namespace_or_all(client: ExtensionsClient, sim: GKESimulator) -> None:
    add_namespace(sim, "other")
    client.create(ext("a", namespace="default"))
    client.create(ext("b", namespace="other"))
    assert [o.metadata.name for o in client.list(GCPTrafficExtension)] == ["a"]
    assert [o.metadata.name for o in client.list(GCPTrafficExtension, namespace="other")] == ["b"]
    everywhere = client.list(GCPTrafficExtension, namespace=ALL_NAMESPACES)
    assert sorted((o.metadata.namespace, o.metadata.name) for o in everywhere) == [
        ("default", "a"), ("other", "b")]


def test_replace_with_stale_resource_version_is_a_conflict(client: ExtensionsClient) -> None:
    first = client.create(ext())
    client.patch(GCPTrafficExtension, "my-ext", {"metadata": {"labels": {"x": "1"}}})
    with pytest.raises(ConflictError) as info:
        client.replace(first)
    err = info.value
    assert err.status == 409
    assert str(err).startswith("GCPTrafficExtension default/my-ext: conflict")
    assert err.obj == ObjectRef("GCPTrafficExtension", "my-ext", "default")


def test_merge_patch(client: ExtensionsClient) -> None:
    client.create(ext(labels={"keep": "1", "drop": "1"}))
    patched = client.patch(GCPTrafficExtension, "my-ext",
                           {"metadata": {"labels": {"drop": None, "new": "2"}}})
    assert patched.metadata.labels == {"keep": "1", "new": "2"}


def test_json_patch(client: ExtensionsClient) -> None:
    client.create(ext())
    patched = client.patch(
        GCPTrafficExtension, "my-ext",
        [{"op": "replace", "path": "/spec/extensionChains/0/extensions/0/timeout",
          "value": "3s"}],
        patch_type=PatchType.JSON,
    )
    assert patched.to_manifest()["spec"]["extensionChains"][0]["extensions"][0][
        "timeout"] == "3s"


def test_patch_body_must_match_patch_type(client: ExtensionsClient) -> None:
    with pytest.raises(ManifestError, match="merge patch must be a mapping"):
        client.patch(GCPTrafficExtension, "x", [{"op": "remove", "path": "/a"}])
    with pytest.raises(ManifestError, match="JSON patch must be a list"):
        client.patch(GCPTrafficExtension, "x", {"a": 1}, patch_type=PatchType.JSON)


def test_patch_and_replace_status(client: ExtensionsClient) -> None:
    client.create(ext())
    status = {"ancestors": [{
        "ancestorRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw",
                        "namespace": "default"},
        "controllerName": "networking.gke.io/gateway",
        "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted",
                        "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}],
    }]}
    patched = client.patch_status(GCPTrafficExtension, "my-ext", {"status": status})
    assert patched.to_manifest()["status"]["ancestors"][0]["controllerName"] == (
        "networking.gke.io/gateway")
    m = patched.to_manifest()
    m["status"]["ancestors"][0]["conditions"][0]["reason"] = "Changed"
    replaced = client.replace_status(GCPTrafficExtension.from_manifest(
        m, unknown_fields=UnknownFields.PRESERVE))
    assert replaced.to_manifest()["status"]["ancestors"][0]["conditions"][0][
        "reason"] == "Changed"
    assert replaced.metadata.generation == 1


# --------------------------------------------------------------------------- apply


def test_apply_creates_then_updates(client: ExtensionsClient) -> None:
    created = client.apply(ext())
    assert created.metadata.generation == 1
    m = traffic()
    m["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "5s"
    updated = client.apply(GCPTrafficExtension.from_manifest(m))
    assert updated.metadata.generation == 2
    assert client.get(GCPTrafficExtension, "my-ext").to_manifest()["spec"][
        "extensionChains"][0]["extensions"][0]["timeout"] == "5s"


def test_apply_of_an_object_read_from_the_server_is_refused_before_sending(
        client: ExtensionsClient, sim: GKESimulator) -> None:
    created = client.create(ext())
    before = sim.store.get(TRAFFIC_EXTENSION, "default", "my-ext")
    for read in (created, client.get(GCPTrafficExtension, "my-ext")):
        with pytest.raises(ManifestError) as info:
            client.apply(read)
        assert str(info.value).startswith(
            "GCPTrafficExtension default/my-ext: apply() was given an object read from the "
            "cluster (it has metadata.resourceVersion and metadata.managedFields)")
        assert "modify(kind, name, fn)" in str(info.value)
    assert sim.store.get(TRAFFIC_EXTENSION, "default", "my-ext") == before


def test_apply_conflict_with_another_manager_then_force(client: ExtensionsClient) -> None:
    client.apply(ext(), field_manager="team-a")
    m = traffic()
    m["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "7s"
    theirs = GCPTrafficExtension.from_manifest(m)
    with pytest.raises(ConflictError) as info:
        client.apply(theirs, field_manager="team-b")
    assert info.value.causes, "the conflicting fields are listed"
    assert str(info.value).startswith("GCPTrafficExtension default/my-ext: conflict")
    forced = client.apply(theirs, field_manager="team-b", force=True)
    assert forced.to_manifest()["spec"]["extensionChains"][0]["extensions"][0][
        "timeout"] == "7s"


# --------------------------------------------------------------------------- dry run


def test_dry_run_writes_change_nothing(client: ExtensionsClient, sim: GKESimulator) -> None:
    preview = client.create(ext("dry"), dry_run=DryRun.ALL)
    assert preview.metadata.name == "dry"
    with pytest.raises(NotFoundError):
        client.get(GCPTrafficExtension, "dry")
    client.apply(ext("dry"), dry_run=DryRun.ALL)
    with pytest.raises(NotFoundError):
        client.get(GCPTrafficExtension, "dry")

    stored = client.create(ext())
    client.patch(GCPTrafficExtension, "my-ext", {"metadata": {"labels": {"a": "b"}}},
                 dry_run=DryRun.ALL)
    changed = stored.to_manifest()
    changed["metadata"]["labels"] = {"c": "d"}
    client.replace(GCPTrafficExtension.from_manifest(changed,
                                                     unknown_fields=UnknownFields.PRESERVE),
                   dry_run=DryRun.ALL)
    client.delete(GCPTrafficExtension, "my-ext", dry_run=DryRun.ALL)
    after = client.get(GCPTrafficExtension, "my-ext")
    assert after.metadata.resource_version == stored.metadata.resource_version
    assert not after.metadata.labels


# --------------------------------------------------------------------------- delete


def test_delete_with_wait_returns_once_gone(client: ExtensionsClient) -> None:
    client.create(ext())
    client.delete(GCPTrafficExtension, "my-ext", wait=True, timeout=5)
    with pytest.raises(NotFoundError):
        client.get(GCPTrafficExtension, "my-ext")


def test_delete_held_by_a_finalizer_times_out_when_waiting(client: ExtensionsClient) -> None:
    m = traffic()
    m["metadata"]["finalizers"] = ["example.com/hold"]
    client.create(GCPTrafficExtension.from_manifest(m, unknown_fields=UnknownFields.PRESERVE))
    deleting = client.delete(GCPTrafficExtension, "my-ext")
    assert deleting is not None
    with pytest.raises(WaitTimeoutError, match=r"still present.*example\.com/hold"):
        client.delete(GCPTrafficExtension, "my-ext", wait=True, timeout=0.2)
    client.patch(GCPTrafficExtension, "my-ext", {"metadata": {"finalizers": None}})
    with pytest.raises(NotFoundError):
        client.get(GCPTrafficExtension, "my-ext")


def test_delete_of_an_object_is_conditional_on_its_uid(client: ExtensionsClient) -> None:
    old = client.create(ext())
    client.delete(old)
    client.create(ext())  # a namesake
    with pytest.raises(ConflictError, match="Precondition"):
        client.delete(old)
    assert client.get(GCPTrafficExtension, "my-ext")


def test_delete_of_a_missing_object_is_not_found(client: ExtensionsClient) -> None:
    with pytest.raises(NotFoundError, match="GCPTrafficExtension default/ghost: not found"):
        client.delete(GCPTrafficExtension, "ghost")


def test_missing_namespace_is_named_in_the_error(client: ExtensionsClient) -> None:
    pattern = r"GCPTrafficExtension nowhere/x: not found \(.*nowhere"
    with pytest.raises(NotFoundError, match=pattern):
        client.create(ext("x", namespace="nowhere"))


# --------------------------------------------------------------------------- other kinds


def test_reads_gateways_routes_and_services_as_models(client: ExtensionsClient,
                                                      sim: GKESimulator) -> None:
    sim.add_gateway("gw")
    sim.add_service("callout", port=443)
    sim.add_http_route("route", gateway="gw", service="callout")
    gw = client.get(Gateway, "gw")
    assert isinstance(gw, Gateway)
    assert gw.spec.gateway_class_name
    assert isinstance(client.get(Service, "callout"), Service)
    assert [r.metadata.name for r in client.list(HTTPRoute)] == ["route"]


# --------------------------------------------------------------------------- events


def _event(sim: GKESimulator, name: str, involved: str, reason: str, when: str,
           kind: str = "GCPTrafficExtension") -> None:
    sim.store.create(EVENT, {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": "default"},
        "involvedObject": {"apiVersion": "networking.gke.io/v1", "kind": kind,
                           "name": involved, "namespace": "default"},
        "reason": reason, "message": f"{reason} happened", "type": "Normal",
        "source": {"component": "sc-gateway-controller"},
        "firstTimestamp": when, "lastTimestamp": when, "count": 1,
    })


def test_events_of_an_object_sorted_by_time(client: ExtensionsClient,
                                            sim: GKESimulator) -> None:
    obj = client.create(ext())
    _event(sim, "e2", "my-ext", "SYNC", "2026-01-01T00:00:02Z")
    _event(sim, "e1", "my-ext", "ADD", "2026-01-01T00:00:01Z")
    _event(sim, "e3", "other", "ADD", "2026-01-01T00:00:00Z")
    _event(sim, "e4", "my-ext", "ADD", "2026-01-01T00:00:00Z", kind="GCPRoutingExtension")
    events = client.events(obj)
    assert [e.reason for e in events] == ["ADD", "SYNC"]
    assert events[0].source == "sc-gateway-controller"
    assert events[0].involved == ObjectRef("GCPTrafficExtension", "my-ext", "default")
    assert client.events(ObjectRef("GCPTrafficExtension", "my-ext", "default")) == events


def test_events_written_by_the_simulated_controller(gke_simulator: GKESimulator) -> None:
    gke_simulator.add_gateway("gw")
    gke_simulator.add_service("callout", port=443)
    with ExtensionsClient(gke_simulator.api_client()) as c:
        obj = c.create(ext())
        c.wait_until_programmed(obj, timeout=30)
        [result] = c.wait_all_programmed([obj], timeout=30)
        events = c.events(obj)
    assert result is not None
    assert events, "the controller reports what it did"
    times = [e.last_seen for e in events if e.last_seen]
    assert times == sorted(times)


# --------------------------------------------------------------------------- errors


def test_already_exists(client: ExtensionsClient) -> None:
    client.create(ext())
    with pytest.raises(AlreadyExistsError) as info:
        client.create(ext())
    assert str(info.value) == "GCPTrafficExtension default/my-ext: already exists"
    assert info.value.reason == "AlreadyExists"
    assert info.value.status == 409


def test_not_found_message_leads_with_the_object(client: ExtensionsClient) -> None:
    with pytest.raises(NotFoundError) as info:
        client.get(GCPTrafficExtension, "my-ext")
    assert str(info.value) == "GCPTrafficExtension default/my-ext: not found"
    assert info.value.obj == ObjectRef("GCPTrafficExtension", "my-ext", "default")
    assert info.value.server_message


def _bad_timeout() -> GCPTrafficExtension:
    m = traffic()
    m["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "99s"
    # PRESERVE trusts the data: the model does not stop the bad value
    return GCPTrafficExtension.from_manifest(m, unknown_fields=UnknownFields.PRESERVE)


def test_invalid_object_is_refused_before_sending(client: ExtensionsClient,
                                                  sim: GKESimulator) -> None:
    sim.faults.reset_counts()
    for write in (client.create, client.apply):
        with pytest.raises(ManifestValidationError) as info:
            write(_bad_timeout())
        assert info.value.profile == "newest"
        assert info.value.profile_source == "from the cluster"
        assert [p.path for p in info.value.problems] == [
            "spec.extensionChains[0].extensions[0].timeout"]
    # the cluster's CRDs were read once (for both writes); the object was never sent
    assert sim.faults.counts() == {("get", "customresourcedefinitions"): 2}


def test_client_checks_writes_against_the_profile_it_is_given() -> None:
    m = traffic()
    del m["spec"]["extensionChains"][0]["extensions"][0]["supportedEvents"]
    obj = GCPTrafficExtension.from_manifest(m, profile="gke-1.33")
    with GKESimulator(controller=False, gcp=False, admission=False, crd_profile="gke-1.33") as sim:
        with ExtensionsClient(sim.api_client(), profile="newest") as newest, \
                pytest.raises(ManifestValidationError, match="'newest' CRD profile:"):
            newest.create(obj)
        with ExtensionsClient(sim.api_client(), profile="gke-1.33") as old:
            assert old.create(obj).metadata.generation == 1


def test_invalid_object_lists_the_server_causes(sim: GKESimulator) -> None:
    with ExtensionsClient(sim.api_client(), validation=Validation.SERVER_ONLY) as client, \
            pytest.raises(InvalidError) as info:
        client.create(_bad_timeout())
    err = info.value
    assert err.status == 422
    assert err.reason == "Invalid"
    assert err.causes
    assert any("timeout" in c.field for c in err.causes)
    assert str(err).startswith("GCPTrafficExtension default/my-ext: rejected as invalid")


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, UnauthorizedError), (403, ForbiddenError), (500, ServerError)],
)
def test_http_errors_map_to_the_tree(sim: GKESimulator, status: int,
                                     error: type[Exception]) -> None:
    sim.faults.fail(status, times=None, verb="get")
    with ExtensionsClient(sim.api_client(), retry=NO_RETRY) as c, pytest.raises(error) as info:
        c.get(GCPTrafficExtension, "my-ext")
    assert str(info.value).startswith("GCPTrafficExtension default/my-ext: ")
    assert info.value.status == status  # type: ignore[attr-defined]


def test_server_error_after_retries_run_out(sim: GKESimulator) -> None:
    sim.faults.fail(503, times=None, verb="get")
    sleeps: list[float] = []
    policy = RetryPolicy(sleep=sleeps.append)
    with ExtensionsClient(sim.api_client(), retry=policy) as c, pytest.raises(ServerError):
        c.get(GCPTrafficExtension, "my-ext")
    assert len(sleeps) == 5  # 6 attempts


def test_bad_inputs_get_clear_errors(client: ExtensionsClient) -> None:
    with pytest.raises(ManifestError, match="non-empty object name"):
        client.get(GCPTrafficExtension, "")
    with pytest.raises(ManifestError, match="not a kind the client knows"):
        client.get(dict, "x")  # type: ignore[type-var]
    with pytest.raises(ManifestError, match="not a kind the client knows"):
        client.create({"kind": "GCPTrafficExtension"})  # type: ignore[type-var]
    with pytest.raises(ManifestError, match="namespace"):
        client.delete(ext(namespace="a"), namespace="b")  # type: ignore[call-overload]
    nameless = copy.deepcopy(traffic())
    nameless["metadata"] = {}
    obj = GCPTrafficExtension.from_manifest(nameless, unknown_fields=UnknownFields.PRESERVE)
    with pytest.raises(ManifestValidationError, match=r"metadata\.name"):
        client.create(obj)


def test_names_are_path_escaped(client: ExtensionsClient) -> None:
    client.create(ext())
    with pytest.raises(NotFoundError):
        client.get(GCPTrafficExtension, "../gcptrafficextensions/my-ext")


def test_repr_names_host_and_namespace(client: ExtensionsClient, sim: GKESimulator) -> None:
    assert repr(client) == f"ExtensionsClient(host={sim.kube_url!r}, namespace='default')"


def test_event_str_reads_like_kubectl_describe(client: ExtensionsClient,
                                               sim: GKESimulator) -> None:
    obj = client.create(ext())
    _event(sim, "e1", "my-ext", "SYNC", "2026-01-01T00:00:01Z")
    [event] = client.events(obj)
    assert isinstance(event, KubeEvent)
    assert str(event) == ("2026-01-01T00:00:01+00:00 Normal SYNC sc-gateway-controller: "
                          "SYNC happened")
