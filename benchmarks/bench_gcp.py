"""Benchmark of the GCP facade against the raw google-cloud clients, both on the simulator.

One command, all figures and ratios in one run::

    python benchmarks/bench_gcp.py [--runs 30] [--import-runs 7]

1. Import cost, each in a fresh interpreter: ``import gke_service_extensions.gcp`` (must
   load no Google library) against ``import gke_service_extensions.models``; and the first use
   (import + a client ready to call) against importing and building the raw
   ``network_services_v1`` clients by hand.
2. The view of one Gateway whose annotations name 5 LbTrafficExtensions and 2 WasmPlugins of
   10 versions each (project-number names with a leading ``/``, as GKE writes them):
   ``GCPClient.resources_for_gateway`` against the same view assembled with the raw
   clients: (a) the careful way (one FULL-view get per plugin: as many calls as ours) and
   (b) the common way (get each plugin, then each version the ``wasm-plugin-versions``
   annotation names: the per-version N+1). API calls come from the simulator's counter.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from _util import ratio_line, time_import

from gke_service_extensions.testing import GKESimulator

EXTENSIONS = 5
PLUGINS = 2
VERSIONS = 10
IMAGE = "us-docker.pkg.dev/sim-project/wasm/plugin-{p}:v{v}"


def populate(sim: GKESimulator) -> dict[str, Any]:
    """Put the resources in the simulated Google Cloud; return the annotated Gateway."""
    state = sim.gcp_state
    number = sim.project_number
    plugins, versions, traffic = [], [], []
    for p in range(PLUGINS):
        body_versions = {}
        for v in range(VERSIONS):
            image = IMAGE.format(p=p, v=v)
            state.register_image(image)
            body_versions[f"v{v}"] = {"imageUri": image, "description": f"version {v}"}
        pid = f"gkegw1-bench-default-plugin-{p}"
        state.put_wasm_plugin("global", pid, {
            "mainVersionId": f"v{VERSIONS - 1}",
            "logConfig": {"enable": True, "sampleRate": 0.5, "minLogLevel": "INFO"}},
            body_versions)
        path = f"projects/{number}/locations/global/wasmPlugins/{pid}"
        plugins.append(path)
        versions.extend(f"{path}/versions/v{v}" for v in range(VERSIONS))
    for e in range(EXTENSIONS):
        eid = f"gkegw1-bench-default-ext-{e}"
        state.put_lb_traffic_extension("global", eid, {
            "loadBalancingScheme": "EXTERNAL_MANAGED",
            "forwardingRules": [f"projects/{number}/global/forwardingRules/fr"],
            "extensionChains": [{
                "name": "chain1", "matchCondition": {"celExpression": "true"},
                "extensions": [{"name": "ext1", "service": plugins[e % PLUGINS],
                                "supportedEvents": ["REQUEST_HEADERS", "RESPONSE_HEADERS"]}],
            }],
        })
        traffic.append(f"/projects/{number}/locations/global/lbTrafficExtensions/{eid}")
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
            "metadata": {"name": "bench", "namespace": "default", "annotations": {
                "networking.gke.io/forwarding-rules":
                    f"/projects/{number}/global/forwardingRules/fr",
                "networking.gke.io/lb-traffic-extensions": ", ".join(traffic),
                "networking.gke.io/wasm-plugins": ", ".join(plugins),
                "networking.gke.io/wasm-plugin-versions": ", ".join(versions)}},
            "spec": {"gatewayClassName": "gke-l7-global-external-managed"}}


def raw_clients(sim: GKESimulator) -> tuple[Any, Any]:
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import network_services_v1 as ns

    opts = ClientOptions(api_endpoint=sim.gcp_endpoint)
    creds = AnonymousCredentials()  # type: ignore[no-untyped-call]
    return (ns.DepServiceClient(credentials=creds, client_options=opts, transport="rest"),
            ns.NetworkServicesClient(credentials=creds, client_options=opts, transport="rest"))


def _paths(gateway: dict[str, Any], key: str) -> list[str]:
    value = gateway["metadata"]["annotations"].get(f"networking.gke.io/{key}", "")
    return [p.strip().lstrip("/") for p in value.split(",") if p.strip()]


def raw_view_full(dep: Any, net: Any, gateway: dict[str, Any]) -> dict[str, Any]:
    """The view by hand, the careful way: one FULL-view get per plugin."""
    from google.cloud import network_services_v1 as ns

    view: dict[str, Any] = {"extensions": [], "plugins": []}
    for name in _paths(gateway, "lb-traffic-extensions"):
        ext = dep.get_lb_traffic_extension(name=name, timeout=30)
        view["extensions"].append((ext.name, [
            [e.name for e in x.supported_events] for c in ext.extension_chains
            for x in c.extensions]))
    for name in _paths(gateway, "wasm-plugins"):
        plugin = net.get_wasm_plugin(request=ns.GetWasmPluginRequest(
            name=name, view=ns.WasmPluginView.WASM_PLUGIN_VIEW_FULL), timeout=30)
        view["plugins"].append((plugin.name, plugin.main_version_id, {
            vid: (v.image_uri, v.image_digest) for vid, v in plugin.versions.items()}))
    return view


def raw_view_per_version(dep: Any, net: Any, gateway: dict[str, Any]) -> dict[str, Any]:
    """The view by hand, the common way: each version read on its own (N+1)."""
    view: dict[str, Any] = {"extensions": [], "plugins": {}}
    for name in _paths(gateway, "lb-traffic-extensions"):
        ext = dep.get_lb_traffic_extension(name=name, timeout=30)
        view["extensions"].append(ext.name)
    for name in _paths(gateway, "wasm-plugins"):
        plugin = net.get_wasm_plugin(name=name, timeout=30)
        view["plugins"][name] = (plugin.main_version_id, {})
    for name in _paths(gateway, "wasm-plugin-versions"):
        version = net.get_wasm_plugin_version(name=name, timeout=30)
        view["plugins"][name.rsplit("/versions/", 1)[0]][1][name] = (
            version.image_uri, version.image_digest)
    return view


def measure(sim: GKESimulator, fn: Callable[[], object], runs: int) -> tuple[float, int]:
    """Median seconds of ``fn()`` over ``runs`` and the API calls one run makes."""
    fn()  # warm: connections, descriptors
    samples = []
    for _ in range(runs):
        sim.gcp_faults.reset_counts()
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples), sim.gcp_faults.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--import-runs", type=int, default=7)
    args = parser.parse_args()

    print("1. Import cost (fresh interpreter, median):")
    # the models (pydantic) are the layer below gcp; the package root alone loads neither
    base = time_import("import gke_service_extensions.models", args.import_runs)
    layer = time_import("import gke_service_extensions.gcp; import sys; "
                        "assert not [m for m in sys.modules if m.startswith('google')]",
                        args.import_runs)
    print(ratio_line("import gke_service_extensions.models (baseline)", base, base))
    print(ratio_line("import gke_service_extensions.gcp (no google.* loaded)", layer, base,
                     target=1.25))
    raw_first = time_import(
        "from google.api_core.client_options import ClientOptions; "
        "from google.auth.credentials import AnonymousCredentials; "
        "from google.cloud import network_services_v1 as ns; "
        "o = ClientOptions(api_endpoint='http://127.0.0.1:1'); c = AnonymousCredentials(); "
        "ns.DepServiceClient(credentials=c, client_options=o, transport='rest'); "
        "ns.NetworkServicesClient(credentials=c, client_options=o, transport='rest')",
        args.import_runs)
    ours_first = time_import(
        "from google.auth.credentials import AnonymousCredentials; "
        "from gke_service_extensions.gcp import GCPClient; "
        "g = GCPClient(project='p', credentials=AnonymousCredentials(), "
        "api_endpoint='http://127.0.0.1:1'); g._client('dep'); g._client('ns')",
        args.import_runs)
    print(ratio_line("first use, raw network_services_v1 clients (baseline)", raw_first,
                     raw_first))
    print(ratio_line("first use, GCPClient (package + google libs + clients)", ours_first,
                     raw_first, target=1.5))

    print(f"\n2. View of a Gateway naming {EXTENSIONS} extensions and {PLUGINS} plugins "
          f"of {VERSIONS} versions ({args.runs} runs, median):")
    with GKESimulator(controller=False) as sim:
        gateway = populate(sim)
        dep, net = raw_clients(sim)
        with sim.gcp() as gcp:
            found = gcp.resources_for_gateway(gateway)
            assert len(found.traffic_extensions) == EXTENSIONS
            assert [len(p.versions) for p in found.wasm_plugins] == [VERSIONS] * PLUGINS
            assert found.missing == ()
            full_t, full_calls = measure(sim, lambda: raw_view_full(dep, net, gateway),
                                         args.runs)
            per_t, per_calls = measure(sim, lambda: raw_view_per_version(dep, net, gateway),
                                       args.runs)
            ours_t, ours_calls = measure(sim, lambda: gcp.resources_for_gateway(gateway),
                                         args.runs)
        dep.transport.close()
        net.transport.close()
    print(ratio_line(f"raw clients, FULL view per plugin ({full_calls} calls; baseline)",
                     full_t, full_t))
    print(ratio_line(f"raw clients, per-version gets ({per_calls} calls)", per_t, full_t))
    print(ratio_line(f"GCPClient.resources_for_gateway ({ours_calls} calls)", ours_t, full_t,
                     target=1.3))
    expected = EXTENSIONS + PLUGINS
    print(f"{'API calls: ours / resources named (target: equal)':<58} "
          f"{ours_calls} / {expected}  {'MET' if ours_calls == expected else 'MISSED'}")
    print(f"{'API calls: ours / raw per-version':<58} {ours_calls} / {per_calls}  "
          f"ratio {ours_calls / per_calls:.2f}x")


if __name__ == "__main__":
    main()
