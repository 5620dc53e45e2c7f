"""Parsing Artifact Registry image references (pure: no server)."""

from __future__ import annotations

import pytest

from gke_service_extensions import ImageReferenceError, ManifestError
from gke_service_extensions.gcp import ImageReference, parse_image_reference

DIGEST = "sha256:" + "0123456789abcdef" * 4


def test_a_tagged_image_names_its_package_and_tag() -> None:
    ref = parse_image_reference(
        "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main")
    assert ref == ImageReference(location="us", project="service-extensions-samples",
                                 repository="plugins", image="local-reply", tag="main")
    assert ref.tag_name == ("projects/service-extensions-samples/locations/us/repositories/"
                            "plugins/packages/local-reply/tags/main")


def test_a_nested_image_path_is_one_package_with_its_slashes_encoded() -> None:
    ref = parse_image_reference("europe-west1-docker.pkg.dev/my-project/wasm/team/auth/jwt:v1.2")
    assert (ref.location, ref.image, ref.tag) == ("europe-west1", "team/auth/jwt", "v1.2")
    assert ref.package_name.endswith("/repositories/wasm/packages/team%2Fauth%2Fjwt")


def test_a_digest_pin_is_kept_and_names_the_version() -> None:
    ref = parse_image_reference(f"us-docker.pkg.dev/my-project/wasm/auth@{DIGEST}")
    assert (ref.tag, ref.digest) == (None, DIGEST)
    assert ref.version_name().endswith(f"/packages/auth/versions/{DIGEST}")
    both = parse_image_reference(f"us-docker.pkg.dev/my-project/wasm/auth:v1@{DIGEST}")
    assert (both.tag, both.digest) == ("v1", DIGEST)
    assert str(both) == f"us-docker.pkg.dev/my-project/wasm/auth:v1@{DIGEST}"


def test_no_tag_means_latest() -> None:
    ref = parse_image_reference("us-docker.pkg.dev/my-project/wasm/auth")
    assert ref.tag is None
    assert ref.tag_name.endswith("/packages/auth/tags/latest")


def test_a_registry_port_is_not_mistaken_for_a_tag() -> None:
    with pytest.raises(ImageReferenceError, match="not an Artifact Registry Docker host"):
        parse_image_reference("localhost:5000/wasm/auth:v1")


@pytest.mark.parametrize(("reference", "why"), [
    ("", "empty"),
    ("gcr.io/my-project/auth:v1", "not an Artifact Registry Docker host"),
    ("us-docker.pkg.dev/my-project/wasm", "needs a project, a repository and an image"),
    ("us-docker.pkg.dev/my-project//auth", "needs a project, a repository and an image"),
    ("us-docker.pkg.dev/My_Project/wasm/auth", "not a project id"),
    ("us-docker.pkg.dev/my-project/Wasm/auth", "not a repository id"),
    ("us-docker.pkg.dev/my-project/wasm/Auth:v1", "image path component 'Auth'"),
    ("us-docker.pkg.dev/my-project/wasm/auth:", "tag '' is not a valid tag"),
    ("us-docker.pkg.dev/my-project/wasm/auth:-bad", "tag '-bad'"),
    ("us-docker.pkg.dev/my-project/wasm/auth@sha256:abc", "digest 'sha256:abc'"),
    ("us-docker.pkg.dev/my-project/wasm/auth@md5:" + "0" * 32, "digest"),
    ("us-docker.pkg.dev/my-project/wasm/au th", "whitespace"),
])
def test_a_bad_reference_says_what_is_wrong(reference: str, why: str) -> None:
    with pytest.raises(ImageReferenceError, match=why) as info:
        parse_image_reference(reference)
    assert info.value.reference == reference
    assert "expected LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE" in str(info.value)
    assert isinstance(info.value, ManifestError)
    assert isinstance(info.value, ValueError)
