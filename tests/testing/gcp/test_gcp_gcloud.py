"""gcloud 528 against the simulator: the commands users run to inspect what GKE programmed.

gcloud takes 1-2 s per call, so one server is shared by the module and each command runs once.
Found by logging the server's requests: GA commands use ``/v1``, ``gcloud beta
service-extensions wasm-plugins`` and ``wasm-plugin-versions`` use ``/v1beta1``, all with
``alt=json`` (enums by name).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from gke_service_extensions.testing._gcp import GCPServer, GCPState

pytestmark = [
    pytest.mark.gcloud,
    pytest.mark.skipif(shutil.which("gcloud") is None, reason="needs the gcloud binary"),
]

IMAGE = "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"


@pytest.fixture(scope="module")
def gcloud_state() -> GCPState:
    state = GCPState("sim-project")
    state.register_image(IMAGE)
    state.put_lb_traffic_extension("us-central1", "traffic-ext", {
        "loadBalancingScheme": "EXTERNAL_MANAGED",
        "forwardingRules": ["projects/sim-project/regions/us-central1/forwardingRules/fr"],
        "extensionChains": [{
            "name": "chain1", "matchCondition": {"celExpression": "true"},
            "extensions": [{"name": "ext1", "service": "svc", "timeout": "1s",
                            "supportedEvents": ["REQUEST_HEADERS", "RESPONSE_HEADERS"]}],
        }],
    })
    state.put_lb_route_extension("us-central1", "route-ext", {
        "loadBalancingScheme": "INTERNAL_MANAGED",
        "forwardingRules": ["projects/sim-project/regions/us-central1/forwardingRules/fr"],
    })
    state.put_wasm_plugin(
        "global", "plugin",
        {"mainVersionId": "v1", "logConfig": {"enable": True, "sampleRate": 0.5,
                                              "minLogLevel": "INFO"}},
        {"v1": {"imageUri": IMAGE}},
    )
    return state


@pytest.fixture(scope="module")
def gcloud_env(gcloud_state: GCPState, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[dict[str, str]]:
    config = tmp_path_factory.mktemp("gcloud-config")
    with GCPServer(gcloud_state) as server:
        yield {**os.environ, **server.gcloud_env(str(config))}


def gcloud(env: dict[str, str], *args: str) -> Any:
    proc = subprocess.run(["gcloud", *args, "--format=json"], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_lb_traffic_extensions_list(gcloud_env: dict[str, str]) -> None:
    listed = gcloud(gcloud_env, "service-extensions", "lb-traffic-extensions", "list",
                    "--location=us-central1")
    assert [e["name"] for e in listed] == [
        "projects/sim-project/locations/us-central1/lbTrafficExtensions/traffic-ext"]


def test_lb_traffic_extensions_describe(gcloud_env: dict[str, str]) -> None:
    got = gcloud(gcloud_env, "service-extensions", "lb-traffic-extensions", "describe",
                 "traffic-ext", "--location=us-central1")
    assert got["loadBalancingScheme"] == "EXTERNAL_MANAGED"
    assert got["extensionChains"][0]["extensions"][0]["supportedEvents"] == [
        "REQUEST_HEADERS", "RESPONSE_HEADERS"]


def test_lb_route_extensions_list_and_describe(gcloud_env: dict[str, str]) -> None:
    listed = gcloud(gcloud_env, "service-extensions", "lb-route-extensions", "list",
                    "--location=us-central1")
    assert [e["name"].rsplit("/", 1)[1] for e in listed] == ["route-ext"]
    got = gcloud(gcloud_env, "service-extensions", "lb-route-extensions", "describe",
                 "route-ext", "--location=us-central1")
    assert got["loadBalancingScheme"] == "INTERNAL_MANAGED"


def test_beta_wasm_plugins_list_and_describe(gcloud_env: dict[str, str]) -> None:
    listed = gcloud(gcloud_env, "beta", "service-extensions", "wasm-plugins", "list")
    assert [p["mainVersionId"] for p in listed] == ["v1"]
    got = gcloud(gcloud_env, "beta", "service-extensions", "wasm-plugins", "describe", "plugin",
                 "--location=global")
    assert got["name"] == "projects/sim-project/locations/global/wasmPlugins/plugin"
    assert got["logConfig"] == {"enable": True, "sampleRate": 0.5, "minLogLevel": "INFO"}


def test_beta_wasm_plugin_versions_list(gcloud_env: dict[str, str], gcloud_state: GCPState
                                        ) -> None:
    listed = gcloud(gcloud_env, "beta", "service-extensions", "wasm-plugin-versions", "list",
                    "--wasm-plugin=plugin")
    assert [(v["imageUri"], v["imageDigest"]) for v in listed] == [
        (IMAGE, gcloud_state.resolve_image(IMAGE))]

