"""Read-modify-write without losing other owners' fields: ``apply`` for your own manifest,
``modify`` for an object you read, against the simulator's field ownership (managedFields)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gke_service_extensions import (
    ConflictError,
    ExtensionsClient,
    GCPTrafficExtension,
    ManifestError,
    ManifestValidationError,
)
from gke_service_extensions.models import TRAFFIC_EXTENSION
from gke_service_extensions.testing import GKESimulator

NAME = "my-ext"
OTHERS = {  # what other owners (a controller, kubectl label/annotate) put on the object
    "finalizers": ["example.com/cleanup"],
    "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
                         "uid": "0f0f0f0f-0000-4000-8000-000000000001"}],
    "labels": {"team": "payments"},
    "annotations": {"example.com/note": "set by a controller"},
}


def manifest(timeout: str = "1s") -> dict[str, Any]:
    return {
        "apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
        "metadata": {"name": NAME, "namespace": "default"},
        "spec": {
            "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                            "name": "gw"}],
            "extensionChains": [{
                "name": "chain1",
                "matchCondition": {"celExpressions": [{"celMatcher": "request.path == '/'"}]},
                "extensions": [{
                    "name": "ext1", "authority": "myext.com", "timeout": timeout,
                    "supportedEvents": ["RequestHeaders"],
                    "backendRef": {"group": "", "kind": "Service", "name": "callout",
                                   "port": 443},
                }],
            }],
        },
    }


def mine(timeout: str = "1s") -> GCPTrafficExtension:
    return GCPTrafficExtension.from_manifest(manifest(timeout))


@pytest.fixture
def sim() -> Iterator[GKESimulator]:
    with GKESimulator(controller=False, gcp=False, admission=False) as s:
        yield s


@pytest.fixture
def client(sim: GKESimulator) -> Iterator[ExtensionsClient]:
    with ExtensionsClient.from_kubeconfig(str(sim.kubeconfig_path)) as c:
        yield c


@pytest.fixture
def other(sim: GKESimulator) -> Iterator[ExtensionsClient]:
    with ExtensionsClient.from_kubeconfig(str(sim.kubeconfig_path),
                                          field_manager="other-controller") as c:
        yield c


def stored(sim: GKESimulator) -> dict[str, Any]:
    obj = sim.store.get(TRAFFIC_EXTENSION, "default", NAME)
    assert obj is not None
    return obj


def others_fields(sim: GKESimulator) -> dict[str, Any]:
    meta = stored(sim)["metadata"]
    return {k: meta.get(k) for k in OTHERS}


@pytest.fixture(params=["another-field-manager", "an-untracked-writer"])
def others_via(request: pytest.FixtureRequest) -> str:
    """How the other owners' fields got there: a write with its own field manager (tracked in
    managedFields), or a writer whose fields no manager owns (no managedFields entry, as after
    a managedFields reset or a write the server did not track)."""
    return str(request.param)


def set_up(client: ExtensionsClient, other: ExtensionsClient, sim: GKESimulator,
           via: str = "another-field-manager") -> None:
    client.apply(mine())
    if via == "another-field-manager":
        other.patch(GCPTrafficExtension, NAME, {"metadata": OTHERS})
        managers = {e["manager"] for e in stored(sim)["metadata"]["managedFields"]}
        assert managers == {"gke-service-extensions", "other-controller"}
    else:
        obj = stored(sim)
        obj["metadata"].update(OTHERS)
        sim.store.update(TRAFFIC_EXTENSION, obj)
        managers = {e["manager"] for e in stored(sim)["metadata"]["managedFields"]}
        assert managers == {"gke-service-extensions"}
    assert others_fields(sim) == OTHERS  # control: the other owners' fields are there


def timeout_of(obj: dict[str, Any]) -> str:
    return str(obj["spec"]["extensionChains"][0]["extensions"][0]["timeout"])


# ------------------------------------------------------------------ loss 1: co-ownership


def test_control_applying_a_read_object_then_the_own_manifest_loses_untracked_fields(
        client: ExtensionsClient, other: ExtensionsClient, sim: GKESimulator) -> None:
    """Why apply() refuses objects read from the cluster: what it used to send for one."""
    set_up(client, other, sim, "an-untracked-writer")
    read = client.get(GCPTrafficExtension, NAME).to_manifest()
    for key in ("resourceVersion", "managedFields"):
        read["metadata"].pop(key)
    read["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "3s"
    client.apply(GCPTrafficExtension.from_manifest(read))  # co-owns all four
    client.apply(mine("2s"))
    lost = [k for k, v in others_fields(sim).items() if v != OTHERS[k]]
    assert lost == list(OTHERS)  # 4 of 4 lost


def test_read_then_apply_is_refused_so_the_next_apply_loses_nothing(
        client: ExtensionsClient, other: ExtensionsClient, sim: GKESimulator,
        others_via: str) -> None:
    set_up(client, other, sim, others_via)
    read = client.get(GCPTrafficExtension, NAME)
    read.spec.extension_chains[0].extensions[0].timeout = "3s"
    sim.faults.reset_counts()
    with pytest.raises(ManifestError, match=r"apply\(\) was given an object read from the "
                                            r"cluster"):
        client.apply(read)
    assert sim.faults.count(verb="patch") == 0
    client.apply(mine("2s"))  # the user's own manifest, same field manager
    assert others_fields(sim) == OTHERS  # 0 of 4 lost
    assert timeout_of(stored(sim)) == "2s"


def test_modify_then_own_apply_keeps_every_other_owners_field(
        client: ExtensionsClient, other: ExtensionsClient, sim: GKESimulator,
        others_via: str) -> None:
    set_up(client, other, sim, others_via)

    def canary(obj: GCPTrafficExtension) -> None:
        obj.metadata.labels = {**(obj.metadata.labels or {}), "stage": "canary"}
        obj.spec.extension_chains[0].extensions[0].timeout = "3s"

    modified = client.modify(GCPTrafficExtension, NAME, canary)
    labels = {"team": "payments", "stage": "canary"}
    assert modified.metadata.labels == labels
    assert others_fields(sim) == {**OTHERS, "labels": labels}
    assert timeout_of(stored(sim)) == "3s"
    client.apply(mine(), force=True)  # force: modify() owns the timeout it changed
    assert others_fields(sim) == {**OTHERS, "labels": labels}  # 0 of 4 lost
    assert timeout_of(stored(sim)) == "1s"


def test_other_owner_removing_its_fields_still_works_after_modify(
        client: ExtensionsClient, other: ExtensionsClient, sim: GKESimulator) -> None:
    set_up(client, other, sim)
    client.modify(GCPTrafficExtension, NAME,
                  lambda o: setattr(o.metadata, "annotations",
                                    {**(o.metadata.annotations or {}), "mine": "1"}))
    other.patch(GCPTrafficExtension, NAME,
                {"metadata": {"finalizers": None, "annotations": {"example.com/note": None}}})
    meta = stored(sim)["metadata"]
    assert "finalizers" not in meta
    assert meta["annotations"] == {"mine": "1"}


# ------------------------------------------------------------------ loss 2: newer CRD fields


def inject_newer_fields(sim: GKESimulator) -> None:
    """What a newer GKE CRD adds: fields our models do not know, stored by the server."""
    obj = stored(sim)
    obj["spec"]["newerTopLevelField"] = {"mode": "Fast"}
    obj["spec"]["extensionChains"][0]["extensions"][0]["newerExtensionField"] = 7
    sim.store.update(TRAFFIC_EXTENSION, obj)


def test_modify_keeps_fields_of_a_newer_crd(client: ExtensionsClient, other: ExtensionsClient,
                                            sim: GKESimulator) -> None:
    set_up(client, other, sim)
    inject_newer_fields(sim)

    def slower(obj: GCPTrafficExtension) -> GCPTrafficExtension:
        obj.spec.extension_chains[0].extensions[0].timeout = "3s"
        return obj

    result = client.modify(GCPTrafficExtension, NAME, slower)
    after = stored(sim)
    assert timeout_of(after) == "3s"
    assert after["spec"]["newerTopLevelField"] == {"mode": "Fast"}
    assert after["spec"]["extensionChains"][0]["extensions"][0]["newerExtensionField"] == 7
    assert result.to_manifest()["spec"]["newerTopLevelField"] == {"mode": "Fast"}
    assert others_fields(sim) == OTHERS


def test_read_object_with_newer_fields_gets_the_clear_refusal_not_a_schema_error(
        client: ExtensionsClient, other: ExtensionsClient, sim: GKESimulator) -> None:
    set_up(client, other, sim)
    inject_newer_fields(sim)
    read = client.get(GCPTrafficExtension, NAME)
    with pytest.raises(ManifestError) as info:
        client.apply(read)
    assert not isinstance(info.value, ManifestValidationError)
    assert "modify(kind, name, fn)" in str(info.value)
    client.apply(mine("4s"))  # the own manifest still applies; the newer fields stay
    after = stored(sim)
    assert after["spec"]["newerTopLevelField"] == {"mode": "Fast"}
    assert timeout_of(after) == "4s"


# ------------------------------------------------------------------ modify's contract


def test_modify_rereads_and_reapplies_on_conflict(client: ExtensionsClient,
                                                  other: ExtensionsClient,
                                                  sim: GKESimulator) -> None:
    set_up(client, other, sim)
    seen: list[dict[str, str] | None] = []

    def relabel(obj: GCPTrafficExtension) -> None:
        seen.append(dict(obj.metadata.labels or {}))
        if len(seen) == 1:  # someone else writes between our read and our write
            other.patch(GCPTrafficExtension, NAME, {"metadata": {"labels": {"late": "yes"}}})
        obj.metadata.labels = {**(obj.metadata.labels or {}), "stage": "canary"}

    result = client.modify(GCPTrafficExtension, NAME, relabel)
    assert seen == [{"team": "payments"}, {"team": "payments", "late": "yes"}]
    assert result.metadata.labels == {"team": "payments", "late": "yes", "stage": "canary"}
    assert stored(sim)["metadata"]["labels"] == result.metadata.labels


def test_modify_gives_up_after_its_retries(client: ExtensionsClient, other: ExtensionsClient,
                                           sim: GKESimulator) -> None:
    set_up(client, other, sim)
    calls: list[int] = []

    def always_raced(obj: GCPTrafficExtension) -> None:
        calls.append(1)
        other.patch(GCPTrafficExtension, NAME,
                    {"metadata": {"annotations": {"n": str(len(calls))}}})
        obj.metadata.labels = {"stage": "canary"}

    with pytest.raises(ConflictError, match=r"modify\(\) gave up after 3 attempts"):
        client.modify(GCPTrafficExtension, NAME, always_raced, retries=2)
    assert len(calls) == 3
    assert stored(sim)["metadata"]["labels"] == {"team": "payments"}


def test_modify_that_changes_nothing_writes_nothing(client: ExtensionsClient,
                                                    sim: GKESimulator) -> None:
    client.apply(mine())
    rv = stored(sim)["metadata"]["resourceVersion"]
    sim.faults.reset_counts()
    result = client.modify(GCPTrafficExtension, NAME, lambda obj: None)
    assert sim.faults.count(verb="update") + sim.faults.count(verb="patch") == 0
    assert sim.faults.count(verb="get") == 1
    assert result.metadata.resource_version == rv


@pytest.mark.parametrize("make", [
    lambda obj: mine("5s"),                                   # a new object: would drop others
    lambda obj: obj.model_copy(update={"metadata": obj.metadata.model_copy(
        update={"name": "renamed"})}),
])
def test_modify_refuses_a_replacement_or_a_rename(client: ExtensionsClient, sim: GKESimulator,
                                                  make: Any) -> None:
    client.apply(mine())
    before = stored(sim)
    with pytest.raises(ManifestError, match=r"modify\(\)'s function changed metadata\."):
        client.modify(GCPTrafficExtension, NAME, make)
    assert stored(sim) == before


def test_modify_checks_the_crd_rules_before_sending(client: ExtensionsClient,
                                                    sim: GKESimulator) -> None:
    client.apply(mine())
    before = stored(sim)

    def too_slow(obj: GCPTrafficExtension) -> None:
        chain = obj.to_manifest()["spec"]["extensionChains"]
        chain[0]["extensions"][0]["timeout"] = "99s"
        obj.spec.extension_chains = type(obj.spec).model_validate(
            {**obj.spec.to_wire(), "extensionChains": chain}).extension_chains

    with pytest.raises(ManifestValidationError, match="timeout"):
        client.modify(GCPTrafficExtension, NAME, too_slow)
    assert stored(sim) == before


def test_modify_of_a_missing_object_is_not_found(client: ExtensionsClient) -> None:
    from gke_service_extensions import NotFoundError

    with pytest.raises(NotFoundError):
        client.modify(GCPTrafficExtension, "nope", lambda obj: None)
