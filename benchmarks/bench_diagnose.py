"""Benchmark of ``diagnose`` / ``preflight`` against the local GKE simulator.

One command, all figures and ratios in one run::

    python benchmarks/bench_diagnose.py [--wide 10] [--repeat 5]

For an extension on 1 Gateway with 1 Service backend and one on ``--wide`` Gateways with
``--wide`` Service backends: API requests and wall time of ``diagnose``, against a baseline
measured in the same run that reads object by object as one would with ``kubectl get``
(the extension, then each Gateway, each Service and each Service's EndpointSlices by label).
Targets: the requests of ``diagnose`` do not grow with the width (ratio wide/narrow = 1.00)
and, on the wide extension, stay at most a third of the baseline's.
"""

from __future__ import annotations

import argparse
from typing import Any

from _util import best_of, ratio_line

from gke_service_extensions import ExtensionsClient, GCPTrafficExtension, diagnose, preflight
from gke_service_extensions.kube import ApiClientTransport, RawResponse, Request, StreamResponse
from gke_service_extensions.testing import GKESimulator


class Counting:
    """The simulator's transport, counting requests."""

    def __init__(self, sim: GKESimulator) -> None:
        self.inner = ApiClientTransport(sim.api_client(), owns=True)
        self.host = self.inner.host
        self.count = 0

    def request(self, request: Request) -> RawResponse:
        self.count += 1
        return self.inner.request(request)

    def stream(self, request: Request) -> StreamResponse:
        self.count += 1
        return self.inner.stream(request)

    def close(self) -> None:
        self.inner.close()


def manifest(name: str, width: int) -> dict[str, Any]:
    chains = [{"name": f"c{i}", "extensions": [{
        "name": "e", "authority": "a.example.com", "timeout": "1s",
        "supportedEvents": ["RequestHeaders"],
        "backendRef": {"group": "", "kind": "Service", "name": f"svc-{i}", "port": 443}}]}
        for i in range(min(width, 5))]
    return {"apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                     "name": f"gw-{i}"} for i in range(width)],
                     "extensionChains": chains}}


def object_by_object(client: ExtensionsClient, obj: GCPTrafficExtension) -> None:
    """The baseline: what a script calling ``get`` per referenced object reads."""
    client.get(GCPTrafficExtension, str(obj.metadata.name))
    for ref in obj.spec.target_refs:
        client.get("Gateway", ref.name)
    for chain in obj.spec.extension_chains:
        for ext in chain.extensions:
            if ext.backend_ref is not None:
                client.get("Service", ext.backend_ref.name)
                client.transport.request(Request(
                    "GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
                    (("labelSelector", f"kubernetes.io/service-name={ext.backend_ref.name}"),)))


def measure(width: int, repeat: int) -> dict[str, float]:
    with GKESimulator(controller=False, gcp=False) as sim:
        for i in range(width):
            sim.add_gateway(f"gw-{i}")
            sim.add_service(f"svc-{i}")
        counting = Counting(sim)
        client = ExtensionsClient(transport=counting)
        obj = client.apply(GCPTrafficExtension.from_manifest(manifest("ext", width)))
        out: dict[str, float] = {}
        for label, run in (("diagnose", lambda: diagnose(client, obj)),
                           ("preflight", lambda: preflight(client, obj)),
                           ("baseline", lambda: object_by_object(client, obj))):
            before = counting.count
            run()
            out[f"{label} requests"] = counting.count - before
            out[f"{label} seconds"] = best_of(run, repeat)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wide", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    narrow, wide = measure(1, args.repeat), measure(args.wide, args.repeat)
    print(f"extension on 1 Gateway / 1 Service vs {args.wide} Gateways / "
          f"{min(args.wide, 5)} Services")
    for label in ("diagnose", "preflight", "baseline"):
        print(f"{label:<10} requests: {narrow[f'{label} requests']:.0f} -> "
              f"{wide[f'{label} requests']:.0f}")
    print(ratio_line("diagnose requests, wide vs narrow", wide["diagnose requests"],
                     narrow["diagnose requests"], unit="requests", target=1.0))
    print(ratio_line("diagnose requests vs object-by-object baseline (wide)",
                     wide["diagnose requests"], wide["baseline requests"], unit="requests",
                     target=1 / 3))
    print(ratio_line("diagnose time, wide vs narrow", wide["diagnose seconds"],
                     narrow["diagnose seconds"]))
    print(ratio_line("diagnose time vs object-by-object baseline (wide)",
                     wide["diagnose seconds"], wide["baseline seconds"]))


if __name__ == "__main__":
    main()
