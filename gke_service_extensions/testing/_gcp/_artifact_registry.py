"""The simulated Artifact Registry REST API (``artifactregistry.googleapis.com/v1``), read-only.

Serves the images registered with :meth:`GCPState.register_image` (any project: sample
images live in other projects): repositories, packages, tags, versions and dockerImages,
get and list. Package ids are image names with ``/`` written ``%2F``, as Artifact Registry
names them. Missing things answer 404 NOT_FOUND.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from gke_service_extensions.testing._gcp._api import ApiError, ApiRequest, paginate
from gke_service_extensions.testing._gcp._enums import (
    encode_enums,
    message_descriptor,
    requested_view,
)
from gke_service_extensions.testing._gcp._state import GCPState

__all__ = ["ArtifactRegistryApi"]

_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
_VERSION_VIEW = "google.devtools.artifactregistry.v1.VersionView"
_VERSION_VIEW_FULL = 2
_REPOSITORY = "google.devtools.artifactregistry.v1.Repository"

_Images = dict[str, tuple[dict[str, str], dict[str, str]]]


def _pkg(image: str) -> str:
    return quote(image, safe="")


class ArtifactRegistryApi:
    """Answers Artifact Registry REST calls from a :class:`GCPState`."""

    collections = frozenset(("repositories",))

    def __init__(self, state: GCPState) -> None:
        self.state = state

    def handle(self, request: ApiRequest) -> dict[str, Any]:
        """Answer ``request`` (segments start with ``projects``); raise :class:`ApiError`."""
        seg = list(request.segments)
        if request.method != "GET" or len(seg) < 6 or seg[4] != "repositories":
            raise _unsupported(request)
        if len(seg) >= 8 and seg[6] in ("packages", "dockerImages"):
            # Package ids are image names with "/" as "%2F"; the REST clients encode the "%"
            # once more, so the id may arrive as "a%2Fb" after the first decoding.
            seg[7] = unquote(seg[7])
        project, location, repo, rest = seg[1], seg[3], seg[5], seg[6:]
        repo_name = f"projects/{project}/locations/{location}/repositories/{repo}"
        images = self.state.repository_images(location, project, repo)
        if not images:
            raise ApiError.not_found(repo_name)
        if not rest:
            return self._repository(request, repo_name, images)
        if rest[0] == "dockerImages":
            if len(rest) == 1:
                items = [self._docker_image(project, location, repo, image, digest, images)
                         for image in images for digest in images[image][1]]
                return paginate(request, items, "dockerImages")
            if len(rest) == 2:
                image, _, digest = rest[1].partition("@")
                if image not in images or digest not in images[image][1]:
                    raise ApiError.not_found(f"{repo_name}/dockerImages/{_pkg(image)}@{digest}")
                return self._docker_image(project, location, repo, image, digest, images)
        if rest[0] == "packages":
            if len(rest) == 1:
                return paginate(request, [self._package(repo_name, i, images) for i in images],
                                "packages")
            image = rest[1]
            if image not in images:
                raise ApiError.not_found(f"{repo_name}/packages/{_pkg(image)}")
            pkg_name = f"{repo_name}/packages/{_pkg(image)}"
            tags, digests = images[image]
            if len(rest) == 2:
                return self._package(repo_name, image, images)
            if rest[2] == "tags":
                if len(rest) == 3:
                    return paginate(request, [_tag(pkg_name, t, d) for t, d in tags.items()],
                                    "tags")
                if len(rest) == 4:
                    if rest[3] not in tags:
                        raise ApiError.not_found(f"{pkg_name}/tags/{rest[3]}")
                    return _tag(pkg_name, rest[3], tags[rest[3]])
            if rest[2] == "versions":
                full = self._full_view(request)
                if len(rest) == 3:
                    items = [_version(pkg_name, d, t, tags, full) for d, t in digests.items()]
                    return paginate(request, items, "versions")
                if len(rest) == 4:
                    if rest[3] not in digests:
                        raise ApiError.not_found(f"{pkg_name}/versions/{rest[3]}")
                    return _version(pkg_name, rest[3], digests[rest[3]], tags, full)
        raise _unsupported(request)

    def _repository(self, request: ApiRequest, name: str, images: _Images) -> dict[str, Any]:
        times = [t for _, digests in images.values() for t in digests.values()]
        body: dict[str, Any] = {
            "name": name, "format": "DOCKER", "mode": "STANDARD_REPOSITORY",
            "createTime": min(times), "updateTime": max(times),
        }
        desc = message_descriptor(_REPOSITORY)
        if request.enum_int and desc is not None:
            body = dict(encode_enums(desc, body, as_int=True))
        return body

    def _package(self, repo_name: str, image: str, images: _Images) -> dict[str, Any]:
        times = list(images[image][1].values())
        return {"name": f"{repo_name}/packages/{_pkg(image)}", "displayName": image,
                "createTime": min(times), "updateTime": max(times)}

    def _docker_image(
        self, project: str, location: str, repo: str, image: str, digest: str, images: _Images
    ) -> dict[str, Any]:
        tags, digests = images[image]
        uploaded = digests[digest]
        return {
            "name": (f"projects/{project}/locations/{location}/repositories/{repo}/"
                     f"dockerImages/{_pkg(image)}@{digest}"),
            "uri": f"{location}-docker.pkg.dev/{project}/{repo}/{image}@{digest}",
            "tags": [t for t, d in tags.items() if d == digest],
            "imageSizeBytes": str(1024 + int(digest[7:15], 16) % 1_000_000),
            "uploadTime": uploaded,
            "mediaType": _MEDIA_TYPE,
            "buildTime": uploaded,
            "updateTime": uploaded,
        }

    def _full_view(self, request: ApiRequest) -> bool:
        return requested_view(request.param("view"), _VERSION_VIEW, _VERSION_VIEW_FULL)


def _tag(pkg_name: str, tag: str, digest: str) -> dict[str, Any]:
    return {"name": f"{pkg_name}/tags/{tag}", "version": f"{pkg_name}/versions/{digest}"}


def _version(
    pkg_name: str, digest: str, uploaded: str, tags: dict[str, str], full: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": f"{pkg_name}/versions/{digest}",
                            "createTime": uploaded, "updateTime": uploaded}
    if full:
        related = [_tag(pkg_name, t, d) for t, d in tags.items() if d == digest]
        if related:
            body["relatedTags"] = related
    return body


def _unsupported(request: ApiRequest) -> ApiError:
    return ApiError(404, f"Method not found: {request.method} "
                    f"/{request.version}/{'/'.join(request.segments)}", "NOT_FOUND")
