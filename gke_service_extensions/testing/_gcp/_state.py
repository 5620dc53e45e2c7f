"""The simulated Google Cloud state: Network Services resources and Artifact Registry images.

Resources are kept in their REST JSON form, exactly as ``networkservices.googleapis.com/v1``
returns them (camelCase fields, enum *names*, RFC 3339 timestamps), keyed by their full
resource name under the project *id*. Names given under the project *number* are accepted
everywhere and mean the same resource.

The simulated GKE controller writes here through the ``put_*`` / ``delete_*`` methods (the
contract in ``docs/architecture.md``); the REST server (``_server.py``) reads and writes the
same state. Every method is thread-safe and returns deep copies.

A WasmPlugin's versions are stored as separate WasmPluginVersion resources
(``.../wasmPlugins/P/versions/V``), as the API models them; the plugin body itself never
carries the ``versions`` map (the server builds it for ``WASM_PLUGIN_VIEW_FULL``).
"""

from __future__ import annotations

import copy
import hashlib
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..._gke import GCPCollection

__all__ = [
    "LB_ROUTE_EXTENSIONS",
    "LB_TRAFFIC_EXTENSIONS",
    "OPERATIONS",
    "VERSIONS",
    "WASM_PLUGINS",
    "GCPState",
    "ImageRef",
    "parse_image_uri",
]

LB_TRAFFIC_EXTENSIONS = GCPCollection.LB_TRAFFIC_EXTENSIONS.value
LB_ROUTE_EXTENSIONS = GCPCollection.LB_ROUTE_EXTENSIONS.value
WASM_PLUGINS = GCPCollection.WASM_PLUGINS.value
VERSIONS = GCPCollection.VERSIONS.value
OPERATIONS = "operations"

_OPERATION_METADATA = "type.googleapis.com/google.cloud.networkservices.v1.OperationMetadata"
_DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
# LOC-docker.pkg.dev/PROJECT/REPO/IMAGE[:TAG][@sha256:HEX]; IMAGE may contain "/".
_AR_URI_RE = re.compile(
    r"^(?P<location>[a-z0-9-]+)-docker\.pkg\.dev/(?P<project>[^/]+)/(?P<repository>[^/]+)/"
    r"(?P<image>[^:@]+?)(?::(?P<tag>[^:@/]+))?(?:@(?P<digest>sha256:[0-9a-fA-F]{64}))?$"
)
# Any other registry: HOST/PATH[:TAG][@sha256:HEX].
_GENERIC_URI_RE = re.compile(
    r"^(?P<image>[^@]+?)(?::(?P<tag>[^:@/]+))?(?:@(?P<digest>sha256:[0-9a-fA-F]{64}))?$"
)


def _now() -> datetime:
    return datetime.now(UTC)


def _rfc3339(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A parsed container image reference.

    ``location``/``project``/``repository`` are set only for Artifact Registry URIs
    (``LOC-docker.pkg.dev/PROJECT/REPO/IMAGE``); ``image`` is then the package name (may
    contain ``/``). For other registries ``image`` is everything before the tag.
    """

    image: str
    tag: str | None = None
    digest: str | None = None
    location: str | None = None
    project: str | None = None
    repository: str | None = None

    @property
    def repo_key(self) -> str:
        """The key of the image without tag or digest."""
        if self.location is None:
            return self.image
        return f"{self.location}-docker.pkg.dev/{self.project}/{self.repository}/{self.image}"

    @property
    def is_artifact_registry(self) -> bool:
        """Whether this is an Artifact Registry (``*-docker.pkg.dev``) reference."""
        return self.location is not None


def parse_image_uri(uri: str) -> ImageRef:
    """Parse ``uri`` into an :class:`ImageRef`; raise ``ValueError`` if it is not one."""
    text = uri.strip()
    for prefix in ("https://", "http://"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    m = _AR_URI_RE.match(text)
    if m is not None:
        digest = m.group("digest")
        return ImageRef(
            image=m.group("image"), tag=m.group("tag"),
            digest=digest.lower() if digest else None, location=m.group("location"),
            project=m.group("project"), repository=m.group("repository"),
        )
    g = _GENERIC_URI_RE.match(text)
    if g is None or not text or "/" not in text or " " in text:
        raise ValueError(f"not a container image reference: {uri!r}")
    digest = g.group("digest")
    return ImageRef(image=g.group("image"), tag=g.group("tag"),
                    digest=digest.lower() if digest else None)


def _default_project_number(project_id: str) -> str:
    h = int(hashlib.sha256(project_id.encode()).hexdigest(), 16)
    return str(100_000_000_000 + h % 900_000_000_000)


@dataclass(slots=True)
class _Image:
    tags: dict[str, str]           # tag -> digest
    digests: dict[str, str]        # digest -> upload time (RFC 3339)


class GCPState:
    """Thread-safe in-memory Google Cloud state for the simulator.

    ``project_number`` defaults to a stable 12-digit number derived from ``project_id``.
    ``clock`` returns the current time (UTC) and is injectable for tests.
    """

    def __init__(
        self,
        project_id: str = "sim-project",
        project_number: str | int | None = None,
        *,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.project_id = project_id
        self.project_number = (str(project_number) if project_number is not None
                               else _default_project_number(project_id))
        if not (self.project_number.isdigit() and len(self.project_number) == 12):
            raise ValueError(f"project_number must be 12 digits, got {self.project_number!r}")
        self._clock = clock
        self._lock = threading.RLock()
        self._resources: dict[str, dict[str, Any]] = {}
        self._images: dict[str, _Image] = {}

    # ------------------------------------------------------------------ names

    def canonical_name(self, name: str) -> str:
        """``name`` without a leading ``/`` and with the project number replaced by the id."""
        name = name.strip().lstrip("/")
        prefix = f"projects/{self.project_number}/"
        if name.startswith(prefix):
            name = f"projects/{self.project_id}/" + name[len(prefix):]
        elif name == f"projects/{self.project_number}":
            name = f"projects/{self.project_id}"
        return name

    def parent(self, location: str) -> str:
        """``projects/<id>/locations/<location>``."""
        return f"projects/{self.project_id}/locations/{location}"

    def resource_name(self, collection: str, location: str, name: str) -> str:
        """The full name of a top-level resource of ``collection`` in ``location``."""
        return f"{self.parent(location)}/{collection}/{name}"

    def is_own_project(self, project: str) -> bool:
        """Whether ``project`` (id or number) is this state's project."""
        return project in (self.project_id, self.project_number)

    # ------------------------------------------------------------------ generic access

    def get(self, name: str) -> dict[str, Any] | None:
        """The resource stored under ``name`` (any kind), or None."""
        with self._lock:
            found = self._resources.get(self.canonical_name(name))
            return copy.deepcopy(found) if found is not None else None

    def list_children(self, parent: str, collection: str) -> list[dict[str, Any]]:
        """The resources directly under ``parent/collection``, sorted by name."""
        prefix = f"{self.canonical_name(parent)}/{collection}/"
        with self._lock:
            return [copy.deepcopy(v) for k, v in sorted(self._resources.items())
                    if k.startswith(prefix) and "/" not in k[len(prefix):]]

    def put(self, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Upsert ``body`` under ``name``: sets ``name``, keeps ``createTime``, sets ``updateTime``.

        Any kind except WasmPlugins (use :meth:`put_wasm_plugin`). Returns the stored copy.
        """
        key = self.canonical_name(name)
        parts = key.split("/")
        if len(parts) == 6 and parts[4] == WASM_PLUGINS:
            raise ValueError(f"use put_wasm_plugin() for WasmPlugin {key}")
        with self._lock:
            return copy.deepcopy(self._put(key, body))

    def delete(self, name: str) -> dict[str, Any] | None:
        """Remove the resource ``name`` and everything beneath it; return it or None."""
        key = self.canonical_name(name)
        with self._lock:
            found = self._resources.pop(key, None)
            if found is not None:
                for k in [k for k in self._resources if k.startswith(key + "/")]:
                    del self._resources[k]
            return found

    def _put(self, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
        now = _rfc3339(self._clock())
        stored = copy.deepcopy(dict(body))
        old = self._resources.get(key)
        stored["name"] = key
        stored["createTime"] = (old or {}).get("createTime") or stored.get("createTime") or now
        stored["updateTime"] = now
        self._resources[key] = stored
        return stored

    # ------------------------------------------------------------------ extensions

    def put_lb_traffic_extension(
        self, location: str, name: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Create or replace ``LbTrafficExtension`` ``name`` in ``location`` (REST JSON body)."""
        return self.put(self.resource_name(LB_TRAFFIC_EXTENSIONS, location, name), body)

    def delete_lb_traffic_extension(self, location: str, name: str) -> dict[str, Any] | None:
        """Delete an ``LbTrafficExtension``; return what was stored, or None."""
        return self.delete(self.resource_name(LB_TRAFFIC_EXTENSIONS, location, name))

    def get_lb_traffic_extension(self, location: str, name: str) -> dict[str, Any] | None:
        """The stored ``LbTrafficExtension``, or None."""
        return self.get(self.resource_name(LB_TRAFFIC_EXTENSIONS, location, name))

    def list_lb_traffic_extensions(self, location: str) -> list[dict[str, Any]]:
        """Every ``LbTrafficExtension`` in ``location``, by name."""
        return self.list_children(self.parent(location), LB_TRAFFIC_EXTENSIONS)

    def put_lb_route_extension(
        self, location: str, name: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Create or replace ``LbRouteExtension`` ``name`` in ``location`` (REST JSON body)."""
        return self.put(self.resource_name(LB_ROUTE_EXTENSIONS, location, name), body)

    def delete_lb_route_extension(self, location: str, name: str) -> dict[str, Any] | None:
        """Delete an ``LbRouteExtension``; return what was stored, or None."""
        return self.delete(self.resource_name(LB_ROUTE_EXTENSIONS, location, name))

    def get_lb_route_extension(self, location: str, name: str) -> dict[str, Any] | None:
        """The stored ``LbRouteExtension``, or None."""
        return self.get(self.resource_name(LB_ROUTE_EXTENSIONS, location, name))

    def list_lb_route_extensions(self, location: str) -> list[dict[str, Any]]:
        """Every ``LbRouteExtension`` in ``location``, by name."""
        return self.list_children(self.parent(location), LB_ROUTE_EXTENSIONS)

    # ------------------------------------------------------------------ wasm plugins

    def put_wasm_plugin(
        self,
        location: str,
        name: str,
        body: Mapping[str, Any],
        versions: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Create or replace WasmPlugin ``name`` and its versions.

        ``versions`` maps version id to a WasmPluginVersion body (``imageUri``,
        ``pluginConfigUri``, ``description``, ...). It *replaces* the plugin's set of
        versions: versions not in it are deleted, kept ones keep their ``createTime``.
        ``None`` leaves the stored versions alone. A missing ``imageDigest`` is filled from
        the registered images when the image resolves. ``body["versions"]`` (the REST
        create form) is used when ``versions`` is None. ``mainVersionId``, when set, must
        name one of the versions (``ValueError`` otherwise). Returns the stored plugin
        (basic view).
        """
        key = self.resource_name(WASM_PLUGINS, location, name)
        plugin = copy.deepcopy(dict(body))
        inline = plugin.pop("versions", None)
        if versions is None and isinstance(inline, Mapping):
            versions = inline
        with self._lock:
            if versions is None:
                current = {k.rsplit("/", 1)[1] for k in self._version_keys(key)}
            else:
                current = set(versions)
            main = plugin.get("mainVersionId")
            if main and main not in current:
                raise ValueError(
                    f"WasmPlugin {key}: mainVersionId {main!r} is not one of its versions "
                    f"{sorted(current)}"
                )
            stored = self._put(key, plugin)
            if versions is not None:
                for k in self._version_keys(key):
                    if k.rsplit("/", 1)[1] not in versions:
                        del self._resources[k]
                for vid, vbody in versions.items():
                    self._put_version(key, vid, vbody)
            return copy.deepcopy(stored)

    def put_wasm_plugin_version(
        self, location: str, plugin: str, version: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Create or replace one version of an existing WasmPlugin (``KeyError`` if none)."""
        key = self.resource_name(WASM_PLUGINS, location, plugin)
        with self._lock:
            if key not in self._resources:
                raise KeyError(f"WasmPlugin {key} does not exist")
            return copy.deepcopy(self._put_version(key, version, body))

    def delete_wasm_plugin_version(
        self, location: str, plugin: str, version: str
    ) -> dict[str, Any] | None:
        """Delete one version; return what was stored, or None."""
        return self.delete(f"{self.resource_name(WASM_PLUGINS, location, plugin)}/"
                           f"{VERSIONS}/{version}")

    def delete_wasm_plugin(self, location: str, name: str) -> dict[str, Any] | None:
        """Delete a WasmPlugin and all its versions; return the plugin, or None."""
        return self.delete(self.resource_name(WASM_PLUGINS, location, name))

    def get_wasm_plugin(
        self, location: str, name: str, *, full_view: bool = False
    ) -> dict[str, Any] | None:
        """The stored WasmPlugin, or None; ``full_view`` adds the ``versions`` map."""
        found = self.get(self.resource_name(WASM_PLUGINS, location, name))
        if found is not None and full_view:
            found = self.with_versions(found)
        return found

    def list_wasm_plugins(self, location: str) -> list[dict[str, Any]]:
        """Every WasmPlugin in ``location`` (basic view), by name."""
        return self.list_children(self.parent(location), WASM_PLUGINS)

    def get_wasm_plugin_version(
        self, location: str, plugin: str, version: str
    ) -> dict[str, Any] | None:
        """The stored WasmPluginVersion, or None."""
        return self.get(f"{self.resource_name(WASM_PLUGINS, location, plugin)}/"
                        f"{VERSIONS}/{version}")

    def list_wasm_plugin_versions(self, location: str, plugin: str) -> list[dict[str, Any]]:
        """Every version of a WasmPlugin, by name."""
        return self.list_children(self.resource_name(WASM_PLUGINS, location, plugin), VERSIONS)

    def with_versions(self, plugin: Mapping[str, Any]) -> dict[str, Any]:
        """``plugin`` with the ``versions`` map of ``WASM_PLUGIN_VIEW_FULL`` filled in."""
        out = copy.deepcopy(dict(plugin))
        details: dict[str, Any] = {}
        for v in self.list_children(str(out["name"]), VERSIONS):
            vid = str(v.pop("name")).rsplit("/", 1)[1]
            details[vid] = v
        out["versions"] = details
        return out

    def _version_keys(self, plugin_key: str) -> list[str]:
        prefix = f"{plugin_key}/{VERSIONS}/"
        return [k for k in self._resources if k.startswith(prefix)]

    def _put_version(self, plugin_key: str, vid: str, body: Mapping[str, Any]) -> dict[str, Any]:
        vbody = copy.deepcopy(dict(body))
        uri = vbody.get("imageUri")
        if uri and not vbody.get("imageDigest"):
            digest = self.resolve_image(str(uri))
            if digest is not None:
                vbody["imageDigest"] = digest
        return self._put(f"{plugin_key}/{VERSIONS}/{vid}", vbody)

    # ------------------------------------------------------------------ operations

    def record_operation(
        self,
        location: str,
        verb: str,
        target: str,
        response: Mapping[str, Any] | None = None,
        *,
        metadata_type: str = _OPERATION_METADATA,
    ) -> dict[str, Any]:
        """Store a finished long-running Operation for ``verb`` on ``target``; return it.

        ``response`` is the operation's result (include its ``@type``); None gives the
        ``google.protobuf.Empty`` of a delete.
        """
        now = _rfc3339(self._clock())
        name = f"{self.parent(location)}/{OPERATIONS}/operation-{uuid.uuid4().hex}"
        op: dict[str, Any] = {
            "name": name,
            "metadata": {
                "@type": metadata_type,
                "createTime": now,
                "endTime": now,
                "target": self.canonical_name(target),
                "verb": verb,
                "requestedCancellation": False,
                "apiVersion": "v1",
            },
            "done": True,
            "response": (dict(response) if response is not None
                         else {"@type": "type.googleapis.com/google.protobuf.Empty"}),
        }
        with self._lock:
            self._resources[name] = copy.deepcopy(op)
        return op

    # ------------------------------------------------------------------ images

    def register_image(self, image_uri: str, digest: str | None = None) -> str:
        """Make ``image_uri`` exist; return its digest (``sha256:<64 hex>``).

        Without ``digest`` the digest is derived from the URI, so it is stable. A URI with
        no tag and no digest means tag ``latest``; a URI ``...@sha256:...`` registers that
        digest. Registering a tag again moves it to the new digest.
        """
        ref = self._own(parse_image_uri(image_uri))
        if digest is not None:
            digest = digest.lower()
            if not _DIGEST_RE.match(digest):
                raise ValueError(f"digest must be 'sha256:<64 hex>', got {digest!r}")
            if ref.digest is not None and ref.digest != digest:
                raise ValueError(f"{image_uri!r} names digest {ref.digest}, not {digest}")
        digest = digest or ref.digest
        tag = ref.tag if ref.tag is not None or ref.digest is not None else "latest"
        if digest is None:
            seed = f"{ref.repo_key}:{tag}"
            digest = "sha256:" + hashlib.sha256(seed.encode()).hexdigest()
        with self._lock:
            image = self._images.setdefault(ref.repo_key, _Image(tags={}, digests={}))
            image.digests.setdefault(digest, _rfc3339(self._clock()))
            if tag is not None:
                image.tags[tag] = digest
        return digest

    def resolve_image(self, image_uri: str) -> str | None:
        """The digest ``image_uri`` points at, or None if no such image, tag or digest."""
        try:
            ref = self._own(parse_image_uri(image_uri))
        except ValueError:
            return None
        with self._lock:
            image = self._images.get(ref.repo_key)
            if image is None:
                return None
            if ref.digest is not None:
                if ref.digest not in image.digests:
                    return None
                if ref.tag is not None and image.tags.get(ref.tag) != ref.digest:
                    return None
                return ref.digest
            return image.tags.get(ref.tag or "latest")

    def image_tags(
        self, location: str, project: str, repository: str, image: str
    ) -> dict[str, str] | None:
        """Tag -> digest of an Artifact Registry package, or None if it does not exist."""
        with self._lock:
            found = self._images.get(self._ar_key(location, project, repository, image))
            return dict(sorted(found.tags.items())) if found is not None else None

    def image_digests(
        self, location: str, project: str, repository: str, image: str
    ) -> dict[str, str] | None:
        """Digest -> upload time of an Artifact Registry package, or None."""
        with self._lock:
            found = self._images.get(self._ar_key(location, project, repository, image))
            return dict(found.digests) if found is not None else None

    def repository_images(
        self, location: str, project: str, repository: str
    ) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
        """Image name -> (tag -> digest, digest -> upload time) in one Artifact Registry repo."""
        prefix = self._ar_key(location, project, repository, "")
        with self._lock:
            return {k[len(prefix):]: (dict(sorted(v.tags.items())), dict(v.digests))
                    for k, v in sorted(self._images.items()) if k.startswith(prefix)}

    def _own(self, ref: ImageRef) -> ImageRef:
        # Artifact Registry URIs under the project number mean the project id.
        if ref.project == self.project_number:
            return ImageRef(image=ref.image, tag=ref.tag, digest=ref.digest,
                            location=ref.location, project=self.project_id,
                            repository=ref.repository)
        return ref

    def _ar_key(self, location: str, project: str, repository: str, image: str) -> str:
        if project == self.project_number:
            project = self.project_id
        return f"{location}-docker.pkg.dev/{project}/{repository}/{image}"
