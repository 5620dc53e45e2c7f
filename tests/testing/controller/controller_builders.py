"""Builders of wire-form objects for the gateway controller tests."""

from __future__ import annotations

from typing import Any

from gke_service_extensions.testing._controller import World

GLOBAL = "gke-l7-global-external-managed"
REGIONAL = "gke-l7-regional-external-managed"
RILB = "gke-l7-rilb"
IMAGE = "us-docker.pkg.dev/sim-project/plugins/local-reply:v1"
IMAGE2 = "us-docker.pkg.dev/sim-project/plugins/local-reply:v2"

_clock = [0]


def _stamp() -> str:
    # Distinct, increasing creation timestamps so "the older one wins" is well defined.
    _clock[0] += 1
    return f"2026-01-01T00:{_clock[0] // 60 % 60:02d}:{_clock[0] % 60:02d}Z"


def meta(name: str, namespace: str = "default", **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "uid": f"uid-{namespace}-{name}",
            "generation": 1, "creationTimestamp": _stamp(), **extra}


def gateway(name: str = "gw", cls: str = GLOBAL, namespace: str = "default",
            https: bool = False) -> dict[str, Any]:
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
            "metadata": meta(name, namespace),
            "spec": {"gatewayClassName": cls,
                     "listeners": [{"name": "l", "port": 443 if https else 80,
                                    "protocol": "HTTPS" if https else "HTTP"}]}}


def gateway_class(name: str, controller: str = "networking.gke.io/gateway") -> dict[str, Any]:
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
            "metadata": {"name": name}, "spec": {"controllerName": controller}}


def service(name: str = "callout", port: int = 443, app_protocol: str | None = "HTTP2",
            namespace: str = "default") -> dict[str, Any]:
    p: dict[str, Any] = {"name": "grpc", "port": port, "targetPort": 8443}
    if app_protocol is not None:
        p["appProtocol"] = app_protocol
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name, namespace),
            "spec": {"ports": [p]}}


def endpoints(name: str = "callout", ready: int = 1, namespace: str = "default"
              ) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta(name, namespace),
            "subsets": [{"addresses": [{"ip": f"10.0.0.{i + 1}"} for i in range(ready)],
                         "ports": [{"port": 8443}]}] if ready else []}


def endpoint_slice(service_name: str = "callout", ready: list[bool] | None = None
                   ) -> dict[str, Any]:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {**meta(f"{service_name}-abc"),
                         "labels": {"kubernetes.io/service-name": service_name}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [f"10.0.1.{i}"], "conditions": {"ready": r}}
                          for i, r in enumerate(ready if ready is not None else [True])]}


def http_route(name: str = "route", gw: str = "gw", backend: str = "store",
               port: int = 8080) -> dict[str, Any]:
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": meta(name),
            "spec": {"parentRefs": [{"name": gw}],
                     "rules": [{"backendRefs": [{"name": backend, "port": port}]}]}}


def service_ext(name: str = "ext1", svc: str = "callout", port: int = 443,
                events: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "authority": "myext.com", "timeout": "1s",
            "supportedEvents": events or ["RequestHeaders"],
            "backendRef": {"group": "", "kind": "Service", "name": svc, "port": port},
            **extra}


def wasm_ext(plugin: str = "wp", name: str = "wasm1") -> dict[str, Any]:
    return {"name": name, "supportedEvents": ["RequestHeaders", "ResponseHeaders"],
            "backendRef": {"group": "networking.gke.io", "kind": "GCPWasmPlugin",
                           "name": plugin}}


def extension(name: str = "te", kind: str = "GCPTrafficExtension",
              targets: tuple[str, ...] = ("gw",), exts: list[dict[str, Any]] | None = None,
              namespace: str = "default", cel: list[str] | None = None) -> dict[str, Any]:
    chain: dict[str, Any] = {"name": "chain1", "extensions": exts or [service_ext()]}
    if cel:
        chain["matchCondition"] = {"celExpressions": [{"celMatcher": c} for c in cel]}
    return {"apiVersion": "networking.gke.io/v1", "kind": kind,
            "metadata": meta(name, namespace),
            "spec": {"targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                     "name": t} for t in targets],
                     "extensionChains": [chain]}}


def routing(name: str = "re", targets: tuple[str, ...] = ("gw",),
            exts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return extension(name, "GCPRoutingExtension", targets, exts)


def plugin(name: str = "wp", versions: list[tuple[str, str, int]] | None = None,
           log: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"versions": [
        {"name": n, "image": img, "weight": w}
        for n, img, w in (versions or [("v1", IMAGE, 1_000_000)])]}
    if log is not None:
        spec["logConfig"] = log
    return {"apiVersion": "networking.gke.io/v1", "kind": "GCPWasmPlugin",
            "metadata": meta(name), "spec": spec}


def healthy_callout() -> list[dict[str, Any]]:
    """A global Gateway and a callout Service with a ready endpoint."""
    return [gateway(), service(), endpoints()]


def world(*objects: dict[str, Any]) -> World:
    return World.from_objects(objects)


def known_images(*images: str) -> Any:
    digests = {img: "sha256:" + f"{i + 1:064x}" for i, img in enumerate(images)}
    return digests.get
