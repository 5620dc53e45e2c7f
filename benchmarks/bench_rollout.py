"""Benchmark of a Wasm plugin rollout against the local GKE simulator (controller delay 0).

One command, all figures and ratios in one run::

    python benchmarks/bench_rollout.py [--runs 20]

Compared, rollout after rollout on one plugin:

* ``Rollout.run``: preflight (image resolved, plugin healthy), stage, wait, switch, wait,
  verify on Google Cloud, bake 0 s, prune; lease and history recorded on the plugin.
* the baseline: the minimal calls the same change needs, written by hand: read the plugin,
  resolve the image, write the staged version, wait, write the switch, wait, read the
  WasmPlugin on Google Cloud, write the prune. No lease, no history, no checks of the
  extensions, no rollback.

Printed: median wall time per rollout and Kubernetes / Google Cloud API requests per
rollout (from the simulator's request counters), each as a ratio to the baseline.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "_support"))

from rollout_samples import image, set_up

from gke_service_extensions import Gateway, GCPWasmPlugin, UnknownFields
from gke_service_extensions._gke import GatewayAnnotation
from gke_service_extensions.gcp import GCPClient
from gke_service_extensions.kube import ExtensionsClient
from gke_service_extensions.rollout import Rollout
from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._controller import ControllerSettings


def minimal_rollout(kube: ExtensionsClient, gcp: GCPClient, name: str, gateway_name: str,
                    img: str, version: str) -> None:
    """The fewest calls that stage, switch, verify and prune by hand."""
    plugin = kube.get(GCPWasmPlugin, name)
    digest = gcp.resolve_image(img).digest
    m = copy.deepcopy(plugin.to_manifest())
    m["spec"]["versions"].append({"name": version, "image": img, "weight": 0})
    plugin = kube.replace(GCPWasmPlugin.from_manifest(m, unknown_fields=UnknownFields.PRESERVE))
    plugin = kube.wait_until_programmed(plugin, gateways=[gateway_name], timeout=30).obj
    m = copy.deepcopy(plugin.to_manifest())
    for v in m["spec"]["versions"]:
        v["weight"] = 1_000_000 if v["name"] == version else 0
    plugin = kube.replace(GCPWasmPlugin.from_manifest(m, unknown_fields=UnknownFields.PRESERVE))
    plugin = kube.wait_until_programmed(plugin, gateways=[gateway_name], timeout=30).obj
    gateway = kube.get(Gateway, gateway_name)
    path = (gateway.metadata.annotations or {})[GatewayAnnotation.WASM_PLUGINS].split(",")[0]
    wasm = gcp.get_wasm_plugin(path.strip().lstrip("/"))
    assert wasm.main_version is not None
    assert wasm.main_version.image_digest == digest
    m = copy.deepcopy(plugin.to_manifest())
    m["spec"]["versions"] = m["spec"]["versions"][-3:]
    kube.replace(GCPWasmPlugin.from_manifest(m, unknown_fields=UnknownFields.PRESERVE))


def measure(sim: GKESimulator, runs: int, fn: Callable[[int], None]
            ) -> tuple[float, float, float]:
    """Median seconds, mean Kubernetes requests and mean Google Cloud requests per run."""
    times, kube_calls, gcp_calls = [], 0, 0
    for i in range(runs):
        sim.faults.reset_counts()
        sim.gcp_faults.reset_counts()
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
        kube_calls += sum(sim.faults.counts().values())
        gcp_calls += sim.gcp_faults.count()
    return statistics.median(times), kube_calls / runs, gcp_calls / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    settings = ControllerSettings(programming_delay=0.0)
    with GKESimulator(controller_settings=settings) as sim, \
            ExtensionsClient(sim.api_client()) as kube, sim.gcp() as gcp:
        set_up(sim, kube, plugin="base", gateway="gw", tags=("v1",))
        set_up(sim, kube, plugin="sdk", gateway="gw2", tags=())
        for i in range(2 * args.runs + 10):
            sim.add_image(image(f"r{i}"))
        rollout = Rollout(kube, gcp=gcp)

        def sdk(i: int) -> None:
            result = rollout.run(rollout.plan("sdk", image(f"r{i}"), version_name=f"r{i}"))
            assert result.succeeded, str(result)

        def base(i: int) -> None:
            minimal_rollout(kube, gcp, "base", "gw", image(f"r{i}"), f"r{i}")

        base(args.runs + 5)  # warm both paths (imports, connections)
        sdk(args.runs + 6)
        b_time, b_kube, b_gcp = measure(sim, args.runs, base)
        s_time, s_kube, s_gcp = measure(sim, args.runs, sdk)
        print(f"rollout on the simulator, controller delay 0, {args.runs} runs each")
        print(f"{'':34} {'baseline':>10} {'Rollout.run':>12} {'ratio':>7}")
        print(f"{'wall time per rollout (median)':34} {b_time * 1000:8.1f}ms "
              f"{s_time * 1000:10.1f}ms {s_time / b_time:6.2f}x")
        print(f"{'Kubernetes requests per rollout':34} {b_kube:10.1f} {s_kube:12.1f} "
              f"{s_kube / b_kube:6.2f}x")
        print(f"{'Google Cloud requests per rollout':34} {b_gcp:10.1f} {s_gcp:12.1f} "
              f"{s_gcp / b_gcp:6.2f}x")
        sim.faults.reset_counts()
        rollout.run(rollout.plan("sdk", image(f"r{2 * args.runs + 1}"),
                                 version_name="last"))
        print("Kubernetes requests of one Rollout.run, by verb and resource:")
        for (verb, resource), n in sorted(sim.faults.counts().items()):
            print(f"  {verb:6} {resource:24} {n}")


if __name__ == "__main__":
    main()
