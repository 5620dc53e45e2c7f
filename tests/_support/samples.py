"""Sample manifests (wire form) shared by the tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def traffic_extension() -> dict[str, Any]:
    """A valid GCPTrafficExtension under every profile (Service callout)."""
    return {
        "apiVersion": "networking.gke.io/v1",
        "kind": "GCPTrafficExtension",
        "metadata": {"name": "my-traffic-extension", "namespace": "default"},
        "spec": {
            "targetRefs": [
                {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "external-http"}
            ],
            "extensionChains": [
                {
                    "name": "chain1",
                    "matchCondition": {
                        "celExpressions": [
                            {"celMatcher": 'request.path.contains("serviceextensions")'}
                        ]
                    },
                    "extensions": [
                        {
                            "name": "ext1",
                            "authority": "myext.com",
                            "timeout": "1s",
                            "supportedEvents": ["RequestHeaders", "ResponseHeaders"],
                            "backendRef": {
                                "group": "",
                                "kind": "Service",
                                "name": "extension-service",
                                "port": 443,
                            },
                        }
                    ],
                }
            ],
        },
    }


def routing_extension() -> dict[str, Any]:
    """A valid GCPRoutingExtension."""
    d = traffic_extension()
    d["kind"] = "GCPRoutingExtension"
    d["metadata"]["name"] = "my-gateway-extension"
    d["spec"]["targetRefs"][0]["name"] = "internal-http"
    d["spec"]["extensionChains"][0]["extensions"][0]["supportedEvents"] = ["RequestHeaders"]
    return d


def wasm_traffic_extension() -> dict[str, Any]:
    """A valid GCPTrafficExtension whose backend is a GCPWasmPlugin."""
    d = traffic_extension()
    ext = d["spec"]["extensionChains"][0]["extensions"][0]
    del ext["authority"], ext["timeout"]
    ext["backendRef"] = {"group": "networking.gke.io", "kind": "GCPWasmPlugin",
                         "name": "gcp-wasm-plugin"}
    return d


def wasm_plugin() -> dict[str, Any]:
    """A valid GCPWasmPlugin with logging on."""
    return {
        "apiVersion": "networking.gke.io/v1",
        "kind": "GCPWasmPlugin",
        "metadata": {"name": "gcp-wasm-plugin", "namespace": "default"},
        "spec": {
            "versions": [
                {
                    "name": "wasm-plugin-version",
                    "description": "Test wasm plugin version",
                    "image":
                        "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main",
                    "weight": 1000000,
                }
            ],
            "logConfig": {"enabled": True, "sampleRate": 1000000, "minLogLevel": "INFO"},
        },
    }


SAMPLES: dict[str, Callable[[], dict[str, Any]]] = {
    "traffic": traffic_extension,
    "routing": routing_extension,
    "wasm-traffic": wasm_traffic_extension,
    "wasm": wasm_plugin,
}
