"""GCPState: the contract the simulated controller writes through."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from gke_service_extensions.testing._gcp import GCPState, parse_image_uri

IMAGE = "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"


class FakeClock:
    def __init__(self) -> None:
        self.t = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t


def test_default_project_number_is_twelve_stable_digits() -> None:
    a, b = GCPState("p1"), GCPState("p1")
    assert a.project_number == b.project_number
    assert len(a.project_number) == 12
    assert a.project_number.isdigit()
    assert GCPState("p2").project_number != a.project_number


def test_project_number_must_have_twelve_digits() -> None:
    with pytest.raises(ValueError, match="12 digits"):
        GCPState("p", project_number=123)


def test_put_sets_name_and_timestamps_and_upsert_keeps_create_time() -> None:
    clock = FakeClock()
    s = GCPState("p", project_number="123456789012", clock=clock)
    first = s.put_lb_traffic_extension("global", "ext", {"loadBalancingScheme": "EXTERNAL_MANAGED"})
    assert first["name"] == "projects/p/locations/global/lbTrafficExtensions/ext"
    assert first["createTime"] == first["updateTime"] == "2026-01-01T00:00:00.000000Z"
    clock.t += timedelta(seconds=5)
    second = s.put_lb_traffic_extension("global", "ext", {"labels": {"a": "b"}})
    assert second["createTime"] == "2026-01-01T00:00:00.000000Z"
    assert second["updateTime"] == "2026-01-01T00:00:05.000000Z"
    assert "loadBalancingScheme" not in second  # put replaces the body


def test_names_under_project_number_mean_the_same_resource() -> None:
    s = GCPState("p", project_number="123456789012")
    s.put_lb_route_extension("us-central1", "r", {})
    got = s.get("/projects/123456789012/locations/us-central1/lbRouteExtensions/r")
    assert got is not None
    assert got["name"].startswith("projects/p/")


def test_returned_objects_are_copies() -> None:
    s = GCPState()
    s.put_lb_route_extension("us-central1", "r", {"labels": {"a": "1"}})
    got = s.get_lb_route_extension("us-central1", "r")
    assert got is not None
    got["labels"]["a"] = "changed"
    again = s.get_lb_route_extension("us-central1", "r")
    assert again is not None
    assert again["labels"]["a"] == "1"


def test_list_is_per_location_and_kind_and_sorted() -> None:
    s = GCPState()
    s.put_lb_traffic_extension("global", "b", {})
    s.put_lb_traffic_extension("global", "a", {})
    s.put_lb_traffic_extension("us-east1", "c", {})
    s.put_lb_route_extension("global", "d", {})
    names = [e["name"].rsplit("/", 1)[1] for e in s.list_lb_traffic_extensions("global")]
    assert names == ["a", "b"]


def test_delete_returns_the_resource_then_none() -> None:
    s = GCPState()
    s.put_lb_traffic_extension("global", "a", {})
    deleted = s.delete_lb_traffic_extension("global", "a")
    assert deleted is not None
    assert deleted["name"] == "projects/sim-project/locations/global/lbTrafficExtensions/a"
    assert s.delete_lb_traffic_extension("global", "a") is None
    assert s.get_lb_traffic_extension("global", "a") is None


def test_wasm_plugin_versions_are_separate_resources_and_full_view_maps_them() -> None:
    s = GCPState()
    digest = s.register_image(IMAGE)
    plugin = s.put_wasm_plugin(
        "global", "wp", {"mainVersionId": "v1", "logConfig": {"enable": True, "sampleRate": 0.5}},
        {"v1": {"imageUri": IMAGE}, "v0": {"imageUri": IMAGE + "x"}},
    )
    assert "versions" not in plugin
    v1 = s.get_wasm_plugin_version("global", "wp", "v1")
    assert v1 is not None
    assert v1["name"] == "projects/sim-project/locations/global/wasmPlugins/wp/versions/v1"
    assert v1["imageDigest"] == digest  # filled from the registered image
    v0 = s.get_wasm_plugin_version("global", "wp", "v0")
    assert v0 is not None
    assert "imageDigest" not in v0
    full = s.get_wasm_plugin("global", "wp", full_view=True)
    assert full is not None
    assert sorted(full["versions"]) == ["v0", "v1"]
    assert "name" not in full["versions"]["v1"]


def test_put_wasm_plugin_replaces_the_version_set_and_keeps_kept_versions_create_time() -> None:
    clock = FakeClock()
    s = GCPState(clock=clock)
    s.put_wasm_plugin("global", "wp", {"mainVersionId": "v1"}, {"v1": {"imageUri": IMAGE}})
    clock.t += timedelta(seconds=1)
    s.put_wasm_plugin("global", "wp", {"mainVersionId": "v2"},
                      {"v2": {"imageUri": IMAGE}, "v1": {"imageUri": IMAGE}})
    clock.t += timedelta(seconds=1)
    s.put_wasm_plugin("global", "wp", {"mainVersionId": "v2"}, {"v2": {"imageUri": IMAGE}})
    versions = s.list_wasm_plugin_versions("global", "wp")
    assert [v["name"].rsplit("/", 1)[1] for v in versions] == ["v2"]
    v2 = s.get_wasm_plugin_version("global", "wp", "v2")
    assert v2 is not None
    assert v2["createTime"] == "2026-01-01T00:00:01.000000Z"


def test_put_wasm_plugin_without_versions_keeps_them() -> None:
    s = GCPState()
    s.put_wasm_plugin("global", "wp", {"mainVersionId": "v1"}, {"v1": {"imageUri": IMAGE}})
    s.put_wasm_plugin("global", "wp", {"mainVersionId": "v1", "description": "d"})
    kept = s.get_wasm_plugin_version("global", "wp", "v1")
    assert kept is not None
    assert kept["imageUri"] == IMAGE
    plugin = s.get_wasm_plugin("global", "wp")
    assert plugin is not None
    assert plugin["description"] == "d"


def test_main_version_must_be_one_of_the_versions() -> None:
    s = GCPState()
    with pytest.raises(ValueError, match="mainVersionId 'v9'"):
        s.put_wasm_plugin("global", "wp", {"mainVersionId": "v9"}, {"v1": {"imageUri": IMAGE}})


def test_delete_wasm_plugin_deletes_its_versions() -> None:
    s = GCPState()
    s.put_wasm_plugin("global", "wp", {"mainVersionId": "v1"}, {"v1": {"imageUri": IMAGE}})
    deleted = s.delete_wasm_plugin("global", "wp")
    assert deleted is not None
    assert deleted["name"].endswith("/locations/global/wasmPlugins/wp")
    assert s.get_wasm_plugin_version("global", "wp", "v1") is None


def test_register_image_digest_is_deterministic_and_resolvable() -> None:
    a, b = GCPState(), GCPState()
    d = a.register_image(IMAGE)
    assert d == b.register_image(IMAGE)
    assert d.startswith("sha256:")
    assert len(d) == 71
    assert a.resolve_image(IMAGE) == d
    assert a.resolve_image(IMAGE.replace(":main", f"@{d}")) == d
    assert a.resolve_image(IMAGE.replace(":main", ":other")) is None
    assert a.resolve_image("us-docker.pkg.dev/x/y/z:main") is None
    assert a.resolve_image("not an image") is None


def test_register_image_with_explicit_digest_and_retag() -> None:
    s = GCPState()
    d1, d2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64
    assert s.register_image(IMAGE, d1) == d1
    assert s.register_image(IMAGE, d2) == d2
    assert s.resolve_image(IMAGE) == d2
    assert s.resolve_image(IMAGE.replace(":main", f"@{d1}")) == d1  # old digest still exists


def test_register_image_rejects_bad_digest() -> None:
    with pytest.raises(ValueError, match="sha256"):
        GCPState().register_image(IMAGE, "md5:abc")


def test_untagged_image_means_latest() -> None:
    s = GCPState()
    d = s.register_image("us-docker.pkg.dev/p/r/img")
    assert s.resolve_image("us-docker.pkg.dev/p/r/img:latest") == d


def test_image_under_project_number_is_the_same_image() -> None:
    s = GCPState("p", project_number="123456789012")
    d = s.register_image("europe-west1-docker.pkg.dev/123456789012/repo/img:v1")
    assert s.resolve_image("europe-west1-docker.pkg.dev/p/repo/img:v1") == d
    assert s.image_tags("europe-west1", "p", "repo", "img") == {"v1": d}


def test_parse_image_uri_artifact_registry_with_nested_image() -> None:
    ref = parse_image_uri("us-docker.pkg.dev/proj/repo/a/b/c:tag")
    assert (ref.location, ref.project, ref.repository, ref.image, ref.tag) == (
        "us", "proj", "repo", "a/b/c", "tag")
    other = parse_image_uri("docker.io/library/nginx:1.25")
    assert not other.is_artifact_registry
    assert other.tag == "1.25"


def test_generic_put_refuses_wasm_plugins() -> None:
    s = GCPState()
    with pytest.raises(ValueError, match="put_wasm_plugin"):
        s.put("projects/sim-project/locations/global/wasmPlugins/wp", {})


def test_concurrent_writers_and_readers_see_whole_objects() -> None:
    s = GCPState()
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(50):
                s.put_lb_traffic_extension("global", f"w{worker}-{i}", {"labels": {"i": str(i)}})
                s.put_wasm_plugin("global", f"p{worker}", {"mainVersionId": f"v{i}"},
                                  {f"v{i}": {"imageUri": IMAGE}})
                for plugin in s.list_wasm_plugins("global"):
                    full = s.with_versions(plugin)
                    assert len(full["versions"]) <= 1
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(s.list_lb_traffic_extensions("global")) == 200
