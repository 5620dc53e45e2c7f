"""The one read of everything a diagnosis needs: :class:`Snapshot` and :func:`read_snapshot`.

Each collection is read once, whatever the number of Gateways, Services or plugins involved
(no N+1): the server version, the object itself, the Gateways (all namespaces, or the
object's when listing all is forbidden), and in the object's namespace only what its kind
needs: Services and EndpointSlices (Service backends), GCPWasmPlugins (plugin backends),
traffic and routing extensions (conflicts; a plugin's users). Everything is kept in wire
form (plain dicts) for the pure checks in ``_checks``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .._errors import ForbiddenError, KubernetesError, NotFoundError, ObjectRef, ServerError
from .._gke import (
    ENDPOINT_SLICE,
    GATEWAY,
    ROUTING_EXTENSION,
    SERVICE,
    TRAFFIC_EXTENSION,
    WASM_PLUGIN,
    ResourceInfo,
    backend_kind,
)
from ..kube import ExtensionsClient, Request

__all__ = ["Obj", "Snapshot", "extensions_of", "read_snapshot"]

Obj = dict[str, Any]


@dataclass
class Snapshot:
    """What the cluster holds around one object, read once.

    ``live`` is the object as stored (None: not in the cluster); ``gateways`` maps
    ``(namespace, name)`` to each Gateway read; ``services`` / ``slices`` / ``plugins`` /
    ``extensions`` are None when not read (not needed for this kind).
    """

    kind: str
    namespace: str
    name: str
    given: Obj
    live: Obj | None = None
    server_version: str | None = None
    gateways: dict[tuple[str, str], Obj] = field(default_factory=dict)
    services: dict[str, Obj] | None = None
    slices: list[Obj] | None = None
    plugins: dict[str, Obj] | None = None
    extensions: dict[str, list[Obj]] | None = None
    requests: int = 0

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.name, self.namespace)

    def ready_endpoints(self, service: str) -> int | None:
        """Ready endpoints of a Service in the object's namespace (None: not read)."""
        if self.slices is None:
            return None
        count = 0
        for eps in self.slices:
            labels = _dict(_dict(eps.get("metadata")).get("labels"))
            if labels.get("kubernetes.io/service-name") != service:
                continue
            for endpoint in _list(eps.get("endpoints")):
                ready = _dict(_dict(endpoint).get("conditions")).get("ready")
                if ready is not False:
                    count += len(_list(_dict(endpoint).get("addresses"))) or 1
        return count


def extensions_of(spec_owner: Mapping[str, Any]) -> list[tuple[str, Obj]]:
    """``(yaml path, extension)`` for every extension of every chain."""
    out = []
    for ci, chain in enumerate(_list(_dict(spec_owner.get("spec")).get("extensionChains"))):
        for ei, ext in enumerate(_list(_dict(chain).get("extensions"))):
            if isinstance(ext, dict):
                out.append((f"spec.extensionChains[{ci}].extensions[{ei}]", ext))
    return out


def read_snapshot(client: ExtensionsClient, obj: Any, *, read_live: bool) -> Snapshot:
    """Read what diagnosing ``obj`` needs (``read_live``: also a GCPWasmPlugin as stored;
    an extension as stored comes with the list of its kind)."""
    info = type(obj).__resource__
    given = obj.to_manifest()
    meta = _dict(given.get("metadata"))
    namespace = str(meta.get("namespace") or client.default_namespace)
    snap = Snapshot(info.kind, namespace, str(meta.get("name") or ""), given)
    counter = _Counter(client)
    snap.server_version = counter.server_version()
    kinds = {b for _, e in extensions_of(given) if (b := backend_kind(e)) is not None}

    if info.kind == WASM_PLUGIN.kind:
        if read_live:
            snap.live = counter.get(info.kind, snap.name, namespace)
        snap.extensions = {k: counter.items(k, namespace)
                           for k in (TRAFFIC_EXTENSION.kind, ROUTING_EXTENSION.kind)}
    else:
        same = counter.items(info.kind, namespace)
        snap.extensions = {info.kind: same}
        # read anyway: preflight needs the stored creationTimestamp to order conflicts
        snap.live = next((o for o in same if _dict(o.get("metadata")).get("name") == snap.name),
                         None)
        if "Service" in kinds:
            snap.services = {str(_dict(s.get("metadata")).get("name")): s
                             for s in counter.items(SERVICE.kind, namespace)}
            snap.slices = counter.optional_items(ENDPOINT_SLICE.kind, namespace)
        if WASM_PLUGIN.kind in kinds:
            snap.plugins = {str(_dict(p.get("metadata")).get("name")): p
                            for p in counter.items(WASM_PLUGIN.kind, namespace)}
    snap.gateways = {(str(_dict(g.get("metadata")).get("namespace")),
                      str(_dict(g.get("metadata")).get("name"))): g
                     for g in counter.gateways(namespace)}
    snap.requests = counter.count
    return snap


class _Counter:
    """Reads through the client's transport, retry policy, timeouts, error mapping and
    redaction (its one I/O path), counted, as the API server sends them (wire form: no
    model parsing, so a malformed neighbour cannot break a diagnosis)."""

    def __init__(self, client: ExtensionsClient) -> None:
        self.client = client
        self.count = 0

    def get(self, kind: str, name: str, namespace: str) -> Obj | None:
        info = _info(kind)
        try:
            return self._get(f"{_path(info, namespace)}/{quote(name, safe='')}",
                             ObjectRef(kind, name, namespace))
        except NotFoundError:
            return None

    def items(self, kind: str, namespace: str | None) -> list[Obj]:
        """Every object of ``kind`` in ``namespace`` (None: all namespaces), as stored."""
        info = _info(kind)
        data = self._get(_path(info, namespace), ObjectRef(kind, None, namespace))
        out = []
        for item in _list(data.get("items")):
            if isinstance(item, dict):
                item.setdefault("apiVersion", info.api_version)
                item.setdefault("kind", info.kind)
                out.append(item)
        return out

    def gateways(self, namespace: str) -> list[Obj]:
        try:
            return self.items(GATEWAY.kind, None)
        except ForbiddenError:
            return self.items(GATEWAY.kind, namespace)

    def server_version(self) -> str | None:
        """``gitVersion`` from ``/version``; None when the server does not say."""
        try:
            data = self._get("/version", ObjectRef("version"))
        except KubernetesError:
            return None
        version = data.get("gitVersion")
        return version if isinstance(version, str) else None

    def optional_items(self, kind: str, namespace: str) -> list[Obj] | None:
        """Like :meth:`items`; None when the API does not serve it or refuses to."""
        try:
            return self.items(kind, namespace)
        except (NotFoundError, ForbiddenError):
            return None

    def _get(self, path: str, ref: ObjectRef) -> dict[str, Any]:
        from ..kube._errors_map import error_from_response

        self.count += 1
        client = self.client
        request = Request("GET", path, (), None, None, client.request_timeout)
        try:
            result = client.retry_policy.run(lambda: client.transport.request(request),
                                             idempotent=True, describe=f"GET {path}")
        except Exception as exc:
            raise client.translate_error(exc, obj=ref) from None
        response = result.response
        if not response.ok:
            raise error_from_response(response.status, response.body, obj=ref,
                                      redact=client.redactor)
        try:
            data = json.loads(response.body)
        except (ValueError, UnicodeDecodeError):
            raise ServerError(f"{ref}: the API server sent a body that is not JSON", obj=ref,
                              status=response.status) from None
        return data if isinstance(data, dict) else {}


_KINDS = {i.kind: i for i in (ENDPOINT_SLICE, GATEWAY, ROUTING_EXTENSION, SERVICE,
                              TRAFFIC_EXTENSION, WASM_PLUGIN)}


def _info(kind: str) -> ResourceInfo:
    return _KINDS[kind]


def _path(info: ResourceInfo, namespace: str | None) -> str:
    path = f"/apis/{info.group}/{info.version}" if info.group else f"/api/{info.version}"
    if namespace is not None:
        path += f"/namespaces/{quote(namespace, safe='')}"
    return f"{path}/{info.plural}"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
