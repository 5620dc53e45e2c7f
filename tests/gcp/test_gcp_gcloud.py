"""The facade's view of each resource agrees with real ``gcloud`` against the simulator.

What GKE programmed is read twice: by :class:`GCPClient` and by the commands users run
(``gcloud service-extensions ... describe --format=json``, ``gcloud beta service-extensions
wasm-plugins describe`` / ``wasm-plugin-versions list``); gcloud's JSON, read by the same
views' ``from_json``, must give the same values. gcloud takes 1-2 s per call, so the
simulator is shared by the module and each command runs once.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gcp_samples import IMAGE_V1, IMAGE_V2, gcp_objects

from gke_service_extensions import Gateway
from gke_service_extensions._gke import id_names
from gke_service_extensions.gcp import (
    GatewayResources,
    LbRouteExtension,
    LbTrafficExtension,
    PluginVersion,
    WasmPlugin,
)
from gke_service_extensions.kube import ExtensionsClient
from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._controller import ControllerSettings

pytestmark = [
    pytest.mark.gcloud,
    pytest.mark.skipif(shutil.which("gcloud") is None, reason="needs the gcloud binary"),
]


@pytest.fixture(scope="module")
def programmed(tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[dict[str, str], GatewayResources, GatewayResources]]:
    settings = ControllerSettings(programming_delay=0.0)
    with GKESimulator(controller_settings=settings) as sim:
        sim.add_gateway("external", "gke-l7-global-external-managed")
        sim.add_gateway("internal", "gke-l7-rilb")
        sim.add_service("callout", port=443)
        sim.add_image(IMAGE_V1)
        sim.add_image(IMAGE_V2)
        with ExtensionsClient(sim.api_client()) as kube, sim.gcp() as gcp:
            applied = [kube.apply(o) for o in gcp_objects()]
            kube.wait_all_programmed(applied, timeout=30)
            external = gcp.resources_for_gateway(kube.get(Gateway, "external"))
            internal = gcp.resources_for_gateway(kube.get(Gateway, "internal"))
        config = tmp_path_factory.mktemp("gcloud-config")
        env = {**os.environ, **sim.gcp_server.gcloud_env(str(config))}
        yield env, external, internal


def gcloud(env: dict[str, str], *args: str) -> Any:
    proc = subprocess.run(["gcloud", *args, "--format=json"], env=env, capture_output=True,
                          text=True, timeout=90, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _id_and_location(name: str) -> tuple[str, str]:
    parts = Path(name).parts  # projects/P/locations/L/<collection>/<id>
    return parts[-1], parts[3]


def test_traffic_extension_agrees_with_gcloud_describe(
    programmed: tuple[dict[str, str], GatewayResources, GatewayResources]
) -> None:
    env, external, _ = programmed
    (ours,) = external.traffic_extensions
    ext_id, location = _id_and_location(ours.name)
    theirs = gcloud(env, "service-extensions", "lb-traffic-extensions", "describe", ext_id,
                    f"--location={location}")
    assert LbTrafficExtension.from_json(theirs) == ours
    assert theirs["extensionChains"][0]["extensions"][0]["supportedEvents"] == [
        "REQUEST_HEADERS"]


def test_route_extension_agrees_with_gcloud_describe(
    programmed: tuple[dict[str, str], GatewayResources, GatewayResources]
) -> None:
    env, _, internal = programmed
    (ours,) = internal.route_extensions
    ext_id, location = _id_and_location(ours.name)
    theirs = gcloud(env, "service-extensions", "lb-route-extensions", "describe", ext_id,
                    f"--location={location}")
    assert LbRouteExtension.from_json(theirs) == ours
    assert theirs["extensionChains"][0]["extensions"][0]["timeout"] == "0.250s"


def test_wasm_plugin_and_versions_agree_with_gcloud_beta(
    programmed: tuple[dict[str, str], GatewayResources, GatewayResources]
) -> None:
    env, external, _ = programmed
    (ours,) = external.wasm_plugins
    plugin_id, location = _id_and_location(ours.name)
    described = gcloud(env, "beta", "service-extensions", "wasm-plugins", "describe",
                       plugin_id, f"--location={location}")
    # gcloud describes the BASIC view (no versions): compare the rest, then the versions.
    assert "versions" not in described
    assert WasmPlugin.from_json(described) == dataclasses.replace(ours, versions={})
    assert described["logConfig"]["sampleRate"] == 0.25
    listed = gcloud(env, "beta", "service-extensions", "wasm-plugin-versions", "list",
                    f"--wasm-plugin={plugin_id}", f"--location={location}")
    theirs = {v["name"].rsplit("/", 1)[1]: PluginVersion.from_json(v["name"].rsplit("/", 1)[1], v)
              for v in listed}
    assert theirs == dict(ours.versions)
    # GKE generates the version ids: PREFIX-VERSIONNAME-SUFFIX
    assert sorted(n for v in theirs for n in ("v1", "v2") if id_names(v, n)) == ["v1", "v2"]
