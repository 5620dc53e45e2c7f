"""Artifact Registry image resolution through the real ArtifactRegistryClient (transport=rest)."""

from __future__ import annotations

import pytest
from google.api_core import exceptions as gexc
from google.cloud import artifactregistry_v1 as ar

from gke_service_extensions.testing._gcp import GCPState

IMAGE = "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"
REPO = "projects/service-extensions-samples/locations/us/repositories/plugins"
NESTED = "europe-west1-docker.pkg.dev/sim-project/wasm/team/filters/auth:v2"
NESTED_PKG = ("projects/sim-project/locations/europe-west1/repositories/wasm/packages/"
              "team%2Ffilters%2Fauth")


def test_get_tag_gives_the_digest_as_version(
    state: GCPState, registry: ar.ArtifactRegistryClient
) -> None:
    digest = state.register_image(IMAGE)
    tag = registry.get_tag(name=f"{REPO}/packages/local-reply/tags/main")
    assert tag.name == f"{REPO}/packages/local-reply/tags/main"
    assert tag.version == f"{REPO}/packages/local-reply/versions/{digest}"


def test_nested_image_names_use_percent_encoded_slashes(
    state: GCPState, registry: ar.ArtifactRegistryClient
) -> None:
    digest = state.register_image(NESTED)
    tag = registry.get_tag(name=f"{NESTED_PKG}/tags/v2")
    assert tag.version == f"{NESTED_PKG}/versions/{digest}"
    package = registry.get_package(name=NESTED_PKG)
    assert package.name == NESTED_PKG


def test_missing_tag_package_and_repository_are_not_found(
    state: GCPState, registry: ar.ArtifactRegistryClient
) -> None:
    state.register_image(IMAGE)
    with pytest.raises(gexc.NotFound, match="tags/nope"):
        registry.get_tag(name=f"{REPO}/packages/local-reply/tags/nope")
    with pytest.raises(gexc.NotFound):
        registry.get_tag(name=f"{REPO}/packages/other/tags/main")
    with pytest.raises(gexc.NotFound):
        registry.get_tag(name=f"{REPO}x/packages/local-reply/tags/main")


def test_list_tags_follows_retagging(state: GCPState, registry: ar.ArtifactRegistryClient) -> None:
    d1 = state.register_image(IMAGE, "sha256:" + "a" * 64)
    state.register_image(IMAGE.replace(":main", ":v1"), d1)
    d2 = state.register_image(IMAGE, "sha256:" + "b" * 64)
    tags = {t.name.rsplit("/", 1)[1]: t.version.rsplit("/", 1)[1]
            for t in registry.list_tags(parent=f"{REPO}/packages/local-reply")}
    assert tags == {"main": d2, "v1": d1}


def test_get_docker_image_by_digest(state: GCPState, registry: ar.ArtifactRegistryClient) -> None:
    digest = state.register_image(IMAGE)
    image = registry.get_docker_image(name=f"{REPO}/dockerImages/local-reply@{digest}")
    assert image.uri == f"us-docker.pkg.dev/service-extensions-samples/plugins/local-reply@{digest}"
    assert list(image.tags) == ["main"]
    with pytest.raises(gexc.NotFound):
        registry.get_docker_image(name=f"{REPO}/dockerImages/local-reply@sha256:{'0' * 64}")


def test_get_version_with_full_view_lists_related_tags(
    state: GCPState, registry: ar.ArtifactRegistryClient
) -> None:
    digest = state.register_image(IMAGE)
    name = f"{REPO}/packages/local-reply/versions/{digest}"
    basic = registry.get_version(name=name)
    assert basic.name == name
    assert len(basic.related_tags) == 0
    full = registry.get_version(request=ar.GetVersionRequest(name=name, view=ar.VersionView.FULL))
    assert [t.name.rsplit("/", 1)[1] for t in full.related_tags] == ["main"]


def test_get_repository_is_a_docker_repository(
    state: GCPState, registry: ar.ArtifactRegistryClient
) -> None:
    state.register_image(IMAGE)
    repo = registry.get_repository(name=REPO)
    assert repo.format_ == ar.Repository.Format.DOCKER


def test_list_packages_versions_and_docker_images(
    state: GCPState, registry: ar.ArtifactRegistryClient
) -> None:
    d1 = state.register_image(IMAGE)
    d2 = state.register_image(IMAGE.replace(":main", ":v2"))
    state.register_image(IMAGE.replace("local-reply", "other"))
    packages = [p.name.rsplit("/", 1)[1] for p in registry.list_packages(parent=REPO)]
    assert packages == ["local-reply", "other"]
    versions = {v.name.rsplit("/", 1)[1]
                for v in registry.list_versions(parent=f"{REPO}/packages/local-reply")}
    assert versions == {d1, d2}
    images = list(registry.list_docker_images(
        request=ar.ListDockerImagesRequest(parent=REPO, page_size=2)))
    assert len(images) == 3
