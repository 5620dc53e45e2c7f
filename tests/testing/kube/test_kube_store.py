"""The in-memory object store: the contract in docs/architecture.md."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from gke_service_extensions import ConflictError, NotFoundError
from gke_service_extensions.testing._kube._resources import (
    GATEWAY,
    GATEWAY_CLASS,
    NAMESPACE,
    TRAFFIC_EXTENSION,
)
from gke_service_extensions.testing._kube._store import (
    ObjectStore,
    StoreAlreadyExists,
    StoreConflict,
    StoreGone,
    StoreInvalid,
    StoreNotFound,
    WatchEvent,
)


def _obj(name: str = "x", **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "default"}, "spec": dict(spec)}


def test_create_fills_server_fields() -> None:
    store = ObjectStore()
    created = store.create(TRAFFIC_EXTENSION, _obj(a=1))
    meta = created["metadata"]
    assert meta["generation"] == 1
    assert meta["uid"]
    assert meta["creationTimestamp"].endswith("Z")
    assert meta["resourceVersion"] == store.resource_version
    assert created["apiVersion"] == "networking.gke.io/v1"
    assert created["kind"] == "GCPTrafficExtension"


def test_resource_version_is_global_and_increasing() -> None:
    store = ObjectStore()
    a = store.create(TRAFFIC_EXTENSION, _obj("a"))
    b = store.create(GATEWAY, _obj("b"))
    assert int(b["metadata"]["resourceVersion"]) == int(a["metadata"]["resourceVersion"]) + 1


def test_create_existing_raises_already_exists_with_real_message() -> None:
    store = ObjectStore()
    store.create(TRAFFIC_EXTENSION, _obj())
    with pytest.raises(StoreAlreadyExists,
                       match=r'gcptrafficextensions.networking.gke.io "x" already exists'):
        store.create(TRAFFIC_EXTENSION, _obj())


def test_create_in_missing_namespace_is_not_found() -> None:
    store = ObjectStore()
    obj = _obj()
    obj["metadata"]["namespace"] = "nope"
    with pytest.raises(StoreNotFound, match='namespaces "nope" not found'):
        store.create(TRAFFIC_EXTENSION, obj)


def test_create_without_name_is_invalid_and_generate_name_works() -> None:
    store = ObjectStore()
    with pytest.raises(StoreInvalid):
        store.create(TRAFFIC_EXTENSION, {"metadata": {}})
    made = store.create(TRAFFIC_EXTENSION, {"metadata": {"generateName": "ext-"}})
    assert made["metadata"]["name"].startswith("ext-")


def test_cluster_scoped_objects_have_no_namespace() -> None:
    store = ObjectStore()
    gc = store.create(GATEWAY_CLASS, {"metadata": {"name": "c", "namespace": "default"}})
    assert "namespace" not in gc["metadata"]
    stored = store.get(GATEWAY_CLASS, None, "c")
    assert stored is not None
    assert stored["metadata"]["name"] == "c"
    assert "namespace" not in stored["metadata"]


def test_default_namespace_exists() -> None:
    names = [n["metadata"]["name"] for n in ObjectStore().list(NAMESPACE)[0]]
    assert "default" in names


def test_update_with_stale_resource_version_conflicts() -> None:
    store = ObjectStore()
    first = store.create(TRAFFIC_EXTENSION, _obj(a=1))
    store.update(TRAFFIC_EXTENSION, {**first, "spec": {"a": 2}})
    with pytest.raises(StoreConflict, match="the object has been modified") as info:
        store.update(TRAFFIC_EXTENSION, {**first, "spec": {"a": 3}})
    assert isinstance(info.value, ConflictError)


def test_update_of_missing_object_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        ObjectStore().update(TRAFFIC_EXTENSION, _obj())


def test_generation_increments_only_on_spec_change() -> None:
    store = ObjectStore()
    obj = store.create(TRAFFIC_EXTENSION, _obj(a=1))
    obj["metadata"]["labels"] = {"l": "v"}
    obj = store.update(TRAFFIC_EXTENSION, obj)
    assert obj["metadata"]["generation"] == 1
    obj["spec"] = {"a": 2}
    obj = store.update(TRAFFIC_EXTENSION, obj)
    assert obj["metadata"]["generation"] == 2


def test_status_subresource_changes_only_status() -> None:
    store = ObjectStore()
    obj = store.create(TRAFFIC_EXTENSION, _obj(a=1))
    obj["spec"] = {"a": 99}
    obj["status"] = {"ancestors": []}
    updated = store.update(TRAFFIC_EXTENSION, obj, subresource="status")
    assert updated["spec"] == {"a": 1}
    assert updated["status"] == {"ancestors": []}
    assert updated["metadata"]["generation"] == 1


def test_main_resource_update_keeps_stored_status() -> None:
    store = ObjectStore()
    obj = store.create(TRAFFIC_EXTENSION, _obj(a=1))
    obj["status"] = {"x": 1}
    obj = store.update(TRAFFIC_EXTENSION, obj, subresource="status")
    obj["status"] = {"x": 2}
    obj["spec"] = {"a": 2}
    assert store.update(TRAFFIC_EXTENSION, obj)["status"] == {"x": 1}


def test_update_that_changes_nothing_is_a_no_op() -> None:
    store = ObjectStore()
    events: list[WatchEvent] = []
    obj = store.create(TRAFFIC_EXTENSION, _obj(a=1))
    store.subscribe(events.append)
    again = store.update(TRAFFIC_EXTENSION, obj)
    assert again["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]
    assert events == []


def test_returned_objects_are_copies() -> None:
    store = ObjectStore()
    obj = store.create(TRAFFIC_EXTENSION, _obj(a=1))
    obj["spec"]["a"] = 2
    got = store.get(TRAFFIC_EXTENSION, "default", "x")
    assert got is not None
    assert got["spec"]["a"] == 1
    got["spec"]["a"] = 3
    assert store.list(TRAFFIC_EXTENSION)[0][0]["spec"]["a"] == 1


def test_delete_without_finalizers_removes_the_object() -> None:
    store = ObjectStore()
    store.create(TRAFFIC_EXTENSION, _obj())
    gone = store.delete(TRAFFIC_EXTENSION, "default", "x")
    assert gone is not None
    assert (gone["metadata"]["namespace"], gone["metadata"]["name"]) == ("default", "x")
    assert store.get(TRAFFIC_EXTENSION, "default", "x") is None
    assert store.delete(TRAFFIC_EXTENSION, "default", "x") is None


def test_finalizers_keep_object_until_the_last_is_removed() -> None:
    store = ObjectStore()
    obj = _obj()
    obj["metadata"]["finalizers"] = ["a/b"]
    store.create(TRAFFIC_EXTENSION, obj)
    marked = store.delete(TRAFFIC_EXTENSION, "default", "x")
    assert marked is not None
    assert marked["metadata"]["deletionTimestamp"]
    assert store.get(TRAFFIC_EXTENSION, "default", "x") is not None
    marked["metadata"]["finalizers"] = []
    store.update(TRAFFIC_EXTENSION, marked)
    assert store.get(TRAFFIC_EXTENSION, "default", "x") is None


def test_subscribers_get_events_in_write_order() -> None:
    store = ObjectStore()
    seen: list[tuple[str, str]] = []
    unsubscribe = store.subscribe(lambda e: seen.append((e.type, e.object["metadata"]["name"])))
    obj = store.create(TRAFFIC_EXTENSION, _obj("a"))
    obj["spec"] = {"b": 1}
    store.update(TRAFFIC_EXTENSION, obj)
    store.delete(TRAFFIC_EXTENSION, "default", "a")
    unsubscribe()
    store.create(TRAFFIC_EXTENSION, _obj("after"))
    assert seen == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]


def test_subscriber_writing_to_the_store_does_not_deadlock_or_reorder() -> None:
    store = ObjectStore()
    seen: list[str] = []

    def react(event: WatchEvent) -> None:
        seen.append(event.object["metadata"]["name"])
        if event.object["metadata"]["name"] == "first":
            store.create(TRAFFIC_EXTENSION, _obj("second"))

    store.subscribe(react)
    store.create(TRAFFIC_EXTENSION, _obj("first"))
    assert seen == ["first", "second"]


def test_subscriber_is_called_outside_the_store_lock() -> None:
    store = ObjectStore()
    results: list[bool] = []

    def read_from_other_thread(event: WatchEvent) -> None:
        t = threading.Thread(target=lambda: results.append(
            store.get(TRAFFIC_EXTENSION, "default", "x") is not None))
        t.start()
        t.join(timeout=5)

    store.subscribe(read_from_other_thread)
    store.create(TRAFFIC_EXTENSION, _obj())
    assert results == [True]


def test_failing_subscriber_does_not_stop_others() -> None:
    store = ObjectStore()
    seen: list[str] = []

    def boom(event: WatchEvent) -> None:
        raise RuntimeError("boom")

    store.subscribe(boom)
    store.subscribe(lambda e: seen.append(e.type))
    store.create(TRAFFIC_EXTENSION, _obj())
    assert seen == ["ADDED"]


def test_events_since_returns_later_events_and_gone_when_too_old() -> None:
    store = ObjectStore(history_window=3)
    rv = int(store.resource_version)
    for i in range(2):
        store.create(TRAFFIC_EXTENSION, _obj(f"o{i}"))
    assert [e.object["metadata"]["name"] for e in store.events_since(rv)] == ["o0", "o1"]
    for i in range(2, 6):
        store.create(TRAFFIC_EXTENSION, _obj(f"o{i}"))
    with pytest.raises(StoreGone, match="too old resource version"):
        store.events_since(rv)
    assert store.events_since(int(store.resource_version)) == []


def test_deleting_a_namespace_deletes_its_objects() -> None:
    store = ObjectStore()
    store.create(NAMESPACE, {"metadata": {"name": "team"}})
    obj = _obj()
    obj["metadata"]["namespace"] = "team"
    store.create(TRAFFIC_EXTENSION, obj)
    store.delete(NAMESPACE, None, "team")
    assert store.list(TRAFFIC_EXTENSION, "team")[0] == []


def test_dry_run_writes_change_nothing_and_keep_the_resource_version() -> None:
    store = ObjectStore()
    events: list[WatchEvent] = []
    obj = store.create(TRAFFIC_EXTENSION, _obj(a=1))
    rv = obj["metadata"]["resourceVersion"]
    store.subscribe(events.append)
    answered = store.update(TRAFFIC_EXTENSION, {**obj, "spec": {"a": 2}}, dry_run=True)
    assert answered["spec"] == {"a": 2}
    assert answered["metadata"]["resourceVersion"] == rv
    assert answered["metadata"]["generation"] == 2
    assert store.delete(TRAFFIC_EXTENSION, "default", "x", dry_run=True) is not None
    assert store.create(TRAFFIC_EXTENSION, _obj("y"), dry_run=True)["metadata"]["uid"]
    current = store.get(TRAFFIC_EXTENSION, "default", "x")
    assert current is not None
    assert current["spec"] == {"a": 1}
    assert store.get(TRAFFIC_EXTENSION, "default", "y") is None
    assert store.resource_version == rv
    assert events == []
