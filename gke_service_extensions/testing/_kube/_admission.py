"""What the API server does to an object beyond schema validation: defaults and admission.

* :func:`apply_defaults` fills in what the real API server (from the Gateway API CRDs'
  OpenAPI defaults, or Kubernetes' own defaulting for core kinds) would: Gateway listeners'
  ``allowedRoutes``, HTTPRoute ``parentRefs`` / ``rules`` / ``backendRefs`` defaults, a
  Service's type, protocol and cluster IP (the server supplies the IP allocator).
* :func:`admission_problem` is GKE's admission of GCPTrafficExtension / GCPRoutingExtension
  on create: the guide shows three writes refused at creation (SPEC §7): a Gateway that does
  not exist, a backend Service that does not exist, and one without ready endpoints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ..._gke import (
    DEPLOYMENT,
    ENDPOINT_SLICE,
    ENDPOINTS,
    GATEWAY,
    GATEWAY_API_GROUP,
    HTTP_ROUTE,
    ROUTING_EXTENSION,
    SECRET,
    SERVICE,
    TRAFFIC_EXTENSION,
    ResourceInfo,
    backend_kind,
)

__all__ = ["AdmissionProblem", "admission_problem", "apply_defaults", "prune"]


class _Store(Protocol):
    def get(self, info: ResourceInfo, namespace: str | None,
            name: str) -> dict[str, Any] | None: ...
    def list(self, info: ResourceInfo,
             namespace: str | None = None) -> tuple[list[dict[str, Any]], str]: ...


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# --------------------------------------------------------------------------- defaults


def _default_gateway(obj: dict[str, Any]) -> None:
    for listener in _list(_dict(obj.get("spec")).get("listeners")):
        if isinstance(listener, dict):
            allowed = listener.setdefault("allowedRoutes", {"namespaces": {"from": "Same"}})
            if isinstance(allowed, dict):
                namespaces = allowed.setdefault("namespaces", {"from": "Same"})
                if isinstance(namespaces, dict):
                    namespaces.setdefault("from", "Same")


def _default_route(obj: dict[str, Any]) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    for ref in _list(spec.get("parentRefs")):
        if isinstance(ref, dict):
            ref.setdefault("group", GATEWAY_API_GROUP)
            ref.setdefault("kind", "Gateway")
    rules = spec.setdefault("rules", [{"matches": [
        {"path": {"type": "PathPrefix", "value": "/"}}]}])
    for rule in _list(rules):
        if not isinstance(rule, dict):
            continue
        matches = rule.setdefault("matches", [{"path": {"type": "PathPrefix", "value": "/"}}])
        for match in _list(matches):
            if isinstance(match, dict):
                path = match.setdefault("path", {"type": "PathPrefix", "value": "/"})
                if isinstance(path, dict):
                    path.setdefault("type", "PathPrefix")
                    path.setdefault("value", "/")
        for ref in _list(rule.get("backendRefs")):
            if isinstance(ref, dict):
                ref.setdefault("group", "")
                ref.setdefault("kind", "Service")
                ref.setdefault("weight", 1)


def default_service(obj: dict[str, Any], next_cluster_ip: Callable[[], str]) -> None:
    """What the real API server fills in on a Service (create and server-side apply)."""
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    if spec["type"] != "ExternalName" and not spec.get("clusterIP"):
        spec["clusterIP"] = next_cluster_ip()
        spec["clusterIPs"] = [spec["clusterIP"]]
    for port in _list(spec.get("ports")):
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))


def _default_deployment(obj: dict[str, Any]) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    spec.setdefault("strategy", {"type": "RollingUpdate",
                                 "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    pod_spec = _dict(_dict(spec.get("template")).get("spec"))
    for container in _list(pod_spec.get("containers")):
        if isinstance(container, dict):
            container.setdefault("imagePullPolicy", "Always" if str(container.get(
                "image", "")).endswith(":latest") or ":" not in str(container.get(
                    "image", "")).rsplit("/", 1)[-1] else "IfNotPresent")
            container.setdefault("terminationMessagePath", "/dev/termination-log")
            container.setdefault("terminationMessagePolicy", "File")
            for port in _list(container.get("ports")):
                if isinstance(port, dict):
                    port.setdefault("protocol", "TCP")


def _default_secret(obj: dict[str, Any]) -> None:
    """``stringData`` is merged into ``data`` (base64) and dropped, as the API server does."""
    obj.setdefault("type", "Opaque")
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict):
        import base64

        data = obj.setdefault("data", {})
        if isinstance(data, dict):
            for key, value in string_data.items():
                data[key] = base64.b64encode(str(value).encode()).decode()


_DEFAULTS: dict[ResourceInfo, Callable[[dict[str, Any]], None]] = {
    GATEWAY: _default_gateway,
    HTTP_ROUTE: _default_route,
    DEPLOYMENT: _default_deployment,
    SECRET: _default_secret,
}


def apply_defaults(info: ResourceInfo, obj: dict[str, Any]) -> None:
    """Fill in the API server's defaults of ``info``'s kind, in place (Services: see
    :func:`default_service`, which needs the server's IP allocator)."""
    fill = _DEFAULTS.get(info)
    if fill is not None:
        fill(obj)


# --------------------------------------------------------------------------- admission


class AdmissionProblem(Exception):
    """A write GKE's admission refuses: ``field`` and ``message`` as kubectl shows them."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _ready_endpoints(store: _Store, namespace: str, service: str) -> int:
    count = 0
    endpoints = store.get(ENDPOINTS, namespace, service)
    for subset in _list(_dict(endpoints).get("subsets")):
        count += len(_list(_dict(subset).get("addresses")))
    slices, _ = store.list(ENDPOINT_SLICE, namespace)
    for item in slices:
        labels = _dict(_dict(item.get("metadata")).get("labels"))
        if labels.get("kubernetes.io/service-name") != service:
            continue
        for endpoint in _list(item.get("endpoints")):
            if isinstance(endpoint, dict) and _dict(endpoint.get("conditions")).get(
                    "ready") is not False:
                count += 1
    return count


def admission_problem(info: ResourceInfo, obj: Mapping[str, Any],
                      store: _Store) -> AdmissionProblem | None:
    """Why GKE's admission refuses creating ``obj`` (None: admitted).

    Only GCPTrafficExtension and GCPRoutingExtension are checked: each targeted Gateway must
    exist in the extension's namespace, each Service backend must exist and have ready
    endpoints. The messages are the guide's.
    """
    if info not in (TRAFFIC_EXTENSION, ROUTING_EXTENSION):
        return None
    meta = _dict(obj.get("metadata"))
    namespace = str(meta.get("namespace") or "default")
    spec = _dict(obj.get("spec"))
    for ref in _list(spec.get("targetRefs")):
        if not isinstance(ref, dict) or ref.get("kind", "Gateway") != "Gateway":
            continue
        name = str(ref.get("name", ""))
        if store.get(GATEWAY, namespace, name) is None:
            return AdmissionProblem("spec.gatewayRef", f'gateway "{name}" not found in '
                                    f'namespace "{namespace}"')
    for chain in _list(spec.get("extensionChains")):
        for ext in _list(_dict(chain).get("extensions")):
            if not isinstance(ext, dict) or backend_kind(ext) != "Service":
                continue
            ref = _dict(ext.get("backendRef"))
            name = str(ref.get("name", ""))
            service = store.get(SERVICE, namespace, name)
            ports = [_dict(p).get("port") for p in _list(_dict(_dict(service).get("spec")).get(
                "ports"))]
            if service is None or (ref.get("port") is not None and ref["port"] not in ports):
                return AdmissionProblem("spec.service", f'service "{name}" not found in '
                                        f'namespace "{namespace}"')
            if _ready_endpoints(store, namespace, name) == 0:
                return AdmissionProblem("spec.service",
                                        f'no network endpoints found for service "{name}"')
    return None


# --------------------------------------------------------------------------- pruning

_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def prune(obj: dict[str, Any], paths: list[str]) -> None:
    """Drop the fields at ``paths`` (``spec.extensionChains[0].extensions[0].typo``) from
    ``obj`` in place, as the API server prunes what a structural CRD schema does not
    declare. Paths that do not lead anywhere are ignored."""
    for path in paths:
        tokens: list[int | str] = [int(i) if i else name for i, name in _TOKEN.findall(path)]
        node: Any = obj
        for token in tokens[:-1]:
            if isinstance(token, int):
                node = node[token] if isinstance(node, list) and token < len(node) else None
            else:
                node = node.get(token) if isinstance(node, dict) else None
        last = tokens[-1] if tokens else None
        if isinstance(node, dict) and isinstance(last, str):
            node.pop(last, None)
