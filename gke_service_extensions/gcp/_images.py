"""Artifact Registry image references: ``LOC-docker.pkg.dev/PROJECT/REPO/IMAGE[:TAG][@sha256:D]``.

Pure parsing (no I/O). An image path may nest (``plugins/auth/jwt``); a digest pins the
image (a tag beside it is kept, as written, but the digest decides). Artifact Registry names
the image's package with its ``/`` written ``%2F``:
``projects/PROJECT/locations/LOC/repositories/REPO/packages/plugins%2Fauth``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from .._errors import ImageReferenceError

__all__ = ["ImageReference", "ResolvedImage", "parse_image_reference"]

_FORM = "LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE[:TAG][@sha256:DIGEST]"
_HOST_RE = re.compile(r"^(?P<location>[a-z][a-z0-9-]*[a-z0-9])-docker\.pkg\.dev$")
_PROJECT_RE = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_REPOSITORY_RE = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
# Docker's path component grammar: lowercase alphanumerics joined by '.', '_', '__' or '-'.
_COMPONENT_RE = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class ImageReference:
    """A parsed Artifact Registry Docker image reference.

    ``image`` is the image path inside the repository (may contain ``/``); ``tag`` and
    ``digest`` (``sha256:<64 hex>``) are None when not written.
    """

    location: str
    project: str
    repository: str
    image: str
    tag: str | None = None
    digest: str | None = None

    @property
    def host(self) -> str:
        """``LOCATION-docker.pkg.dev``."""
        return f"{self.location}-docker.pkg.dev"

    @property
    def repository_name(self) -> str:
        """``projects/PROJECT/locations/LOC/repositories/REPO``."""
        return f"projects/{self.project}/locations/{self.location}/repositories/{self.repository}"

    @property
    def package_name(self) -> str:
        """The Artifact Registry package: the image path with ``/`` percent-encoded."""
        return f"{self.repository_name}/packages/{quote(self.image, safe='')}"

    @property
    def effective_tag(self) -> str:
        """The tag that is looked up when there is no digest (``latest`` if none written)."""
        return self.tag or "latest"

    @property
    def tag_name(self) -> str:
        """``<package>/tags/<tag>`` of :attr:`effective_tag`."""
        return f"{self.package_name}/tags/{self.effective_tag}"

    def version_name(self, digest: str | None = None) -> str:
        """``<package>/versions/sha256:...`` of ``digest`` (default: the pinned one)."""
        digest = digest or self.digest
        if digest is None:
            raise ValueError(f"{self}: no digest to name a version by")
        return f"{self.package_name}/versions/{digest}"

    @property
    def repository_uri(self) -> str:
        """The image without tag or digest."""
        return f"{self.host}/{self.project}/{self.repository}/{self.image}"

    def pinned(self, digest: str) -> str:
        """This image pinned to ``digest``: ``...IMAGE@sha256:...`` (tag dropped)."""
        return f"{self.repository_uri}@{digest}"

    def __str__(self) -> str:
        tag = f":{self.tag}" if self.tag else ""
        digest = f"@{self.digest}" if self.digest else ""
        return f"{self.repository_uri}{tag}{digest}"


@dataclass(frozen=True, slots=True)
class ResolvedImage:
    """An image reference and the digest Artifact Registry holds for it."""

    reference: ImageReference
    digest: str

    @property
    def pinned_uri(self) -> str:
        """The image pinned to its digest: what GKE will serve."""
        return self.reference.pinned(self.digest)


def _bad(reference: str, why: str) -> ImageReferenceError:
    return ImageReferenceError(f"image {reference!r}: {why} (expected {_FORM})",
                               reference=reference)


def parse_image_reference(reference: str | ImageReference) -> ImageReference:
    """Parse an Artifact Registry Docker image reference.

    Raises :class:`~gke_service_extensions.ImageReferenceError` (a ``ValueError``) saying
    what is wrong with one that does not parse. ``https://`` in front is tolerated.
    """
    if isinstance(reference, ImageReference):
        return reference
    if not isinstance(reference, str):
        raise ImageReferenceError(f"image reference must be a string, got "
                                  f"{type(reference).__name__}", reference=repr(reference))
    text = reference.strip()
    for scheme in ("https://", "http://"):
        if text.startswith(scheme):
            text = text[len(scheme):]
    if not text:
        raise _bad(reference, "empty")
    if any(c.isspace() for c in text):
        raise _bad(reference, "contains whitespace")
    rest, at, digest = text.partition("@")
    if at and not _DIGEST_RE.match(digest):
        raise _bad(reference, f"digest {digest!r} is not 'sha256:' and 64 lowercase hex digits")
    parts = rest.split("/")
    host = _HOST_RE.match(parts[0])
    if host is None:
        raise _bad(reference, f"{parts[0]!r} is not an Artifact Registry Docker host "
                              f"(LOCATION-docker.pkg.dev)")
    if len(parts) < 4 or not all(parts[1:]):
        raise _bad(reference, "needs a project, a repository and an image name")
    project, repository, path = parts[1], parts[2], parts[3:]
    if not _PROJECT_RE.match(project):
        raise _bad(reference, f"{project!r} is not a project id")
    if not _REPOSITORY_RE.match(repository):
        raise _bad(reference, f"{repository!r} is not a repository id (lowercase letters, "
                              f"digits, '-')")
    last, colon, tag = path[-1].partition(":")
    path[-1] = last
    if colon and not _TAG_RE.match(tag):
        raise _bad(reference, f"tag {tag!r} is not a valid tag")
    for component in path:
        if not _COMPONENT_RE.match(component):
            raise _bad(reference, f"image path component {component!r} is not lowercase "
                                  f"letters and digits joined by '.', '_' or '-'")
    return ImageReference(location=host.group("location"), project=project,
                          repository=repository, image="/".join(path),
                          tag=tag if colon else None, digest=digest if at else None)
