"""Benchmark of ``wait_until_programmed`` against the local GKE simulator.

One command, all figures and ratios in one run::

    /work/venv/bin/python benchmarks/bench_wait.py [--runs 50] [--poll-runs 20] [--kubectl-runs 5]

1. Reaction latency: time from the "controller" writing ``Programmed=True`` into the
   simulator's store to the wait returning; median and p95. Compared with a Python loop that
   ``get``s the object every 1 s and with a shell loop running ``kubectl get`` every 2 s
   (skipped when ``kubectl`` is absent). Target: watch median <= 50 ms.
2. API requests per wait, from the simulator's request counter: one wait lasting ~10 s
   (target <= 3) and one wait for 200 objects in one namespace vs 20 (target: the same).

Status is written straight into the store (the simulator's controller is off), so the write
instant is known exactly.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubernetes import client as k8s

from gke_service_extensions.kube._status import GKE_CONTROLLER_NAME, Outcome, evaluate
from gke_service_extensions.kube._wait import wait_all_programmed, wait_until_programmed
from gke_service_extensions.models._meta import TRAFFIC_EXTENSION
from gke_service_extensions.testing import GKESimulator

NS = "default"


@dataclass
class Client:
    """The attributes of ExtensionsClient that the wait uses."""

    api_client: k8s.ApiClient
    default_namespace: str = NS
    request_timeout: float = 10.0


def manifest(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                            "name": "gw"}],
            "extensionChains": [{"name": "c", "extensions": [{
                "name": "e", "authority": "a.example.com", "timeout": "1s",
                "supportedEvents": ["RequestHeaders"],
                "backendRef": {"group": "", "kind": "Service", "name": "svc", "port": 443}}]}],
        },
    }


def program(sim: GKESimulator, name: str) -> float:
    """Write Programmed=True for the current generation; returns the write instant."""
    obj = sim.store.get(TRAFFIC_EXTENSION, NS, name)
    assert obj is not None
    gen = obj["metadata"]["generation"]
    obj["metadata"].pop("resourceVersion", None)
    obj["status"] = {"ancestors": [{
        "ancestorRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw",
                        "namespace": NS},
        "controllerName": GKE_CONTROLLER_NAME,
        "conditions": [{"type": t, "status": "True", "reason": r, "message": "",
                        "observedGeneration": gen,
                        "lastTransitionTime": "2026-01-01T00:00:00Z"}
                       for t, r in (("Accepted", "Accepted"), ("ResolvedRefs", "ResolvedRefs"),
                                    ("Programmed", "ProgrammingSucceeded"))]}]}
    written = time.perf_counter()
    sim.store.update(TRAFFIC_EXTENSION, obj, subresource="status")
    return written


def reaction(sim: GKESimulator, name: str, delay: float,
             wait: Callable[[str], None]) -> float:
    """Create ``name``, program it ``delay`` s later, return write -> wait-returned seconds."""
    sim.store.create(TRAFFIC_EXTENSION, manifest(name))
    written: list[float] = []
    timer = threading.Timer(delay, lambda: written.append(program(sim, name)))
    timer.start()
    wait(name)
    done = time.perf_counter()
    timer.join()
    return done - written[0]


def stats(xs: list[float]) -> tuple[float, float]:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
    return statistics.median(xs), p95


def bench_reaction(sim: GKESimulator, client: Client, args: argparse.Namespace) -> None:
    api = k8s.CustomObjectsApi(client.api_client)
    i = iter(range(10**6))

    def by_watch(name: str) -> None:
        wait_until_programmed(client, ("GCPTrafficExtension", name, NS), timeout=30)

    def by_polling_get(name: str) -> None:
        while True:
            obj = api.get_namespaced_custom_object(
                "networking.gke.io", "v1", NS, "gcptrafficextensions", name,
                _request_timeout=10)
            if isinstance(obj, dict) and evaluate(obj).outcome is Outcome.PROGRAMMED:
                return
            time.sleep(1.0)

    def by_kubectl(name: str) -> None:
        jsonpath = ("{.status.ancestors[0].conditions[?(@.type==\"Programmed\")].status}")
        script = (f"until [ \"$(kubectl --kubeconfig {sim.kubeconfig_path} -n {NS} get "
                  f"gcptrafficextensions {name} -o jsonpath='{jsonpath}')\" = True ]; "
                  "do sleep 2; done")
        subprocess.run(["bash", "-c", script], check=True, capture_output=True, timeout=60)

    rows: list[tuple[str, int, float, float]] = []
    methods: list[tuple[str, Callable[[str], None], int]] = [
        ("watch (wait_until_programmed)", by_watch, args.runs),
        ("Python loop: get every 1 s", by_polling_get, args.poll_runs),
    ]
    if shutil.which("kubectl"):
        methods.append(("shell loop: kubectl get every 2 s", by_kubectl, args.kubectl_runs))
    else:
        print("kubectl not found: skipping the kubectl polling baseline")
    for label, fn, runs in methods:
        # The write lands at a random phase of a poll interval, as it would in real life.
        xs = [reaction(sim, f"r{next(i)}", random.uniform(0.2, 1.2), fn) for _ in range(runs)]
        med, p95 = stats(xs)
        rows.append((label, runs, med, p95))
    print("\n1. Reaction latency (controller writes Programmed=True -> wait returns)")
    print(f"   {'method':38} {'runs':>5} {'median':>10} {'p95':>10} {'median ratio':>13}")
    base = rows[0][2]
    for label, runs, med, p95 in rows:
        print(f"   {label:38} {runs:5d} {med * 1e3:8.1f}ms {p95 * 1e3:8.1f}ms "
              f"{med / base:12.0f}x")
    print(f"   target: watch median <= 50 ms -> {'MET' if base <= 0.050 else 'MISSED'}")


def bench_requests(sim: GKESimulator, client: Client, long_wait: float) -> None:
    print("\n2. API requests per wait (simulator request counter)")
    sim.store.create(TRAFFIC_EXTENSION, manifest("long"))
    sim.faults.reset_counts()
    timer = threading.Timer(long_wait, lambda: program(sim, "long"))
    timer.start()
    started = time.perf_counter()
    wait_until_programmed(client, ("GCPTrafficExtension", "long", NS), timeout=60)
    took = time.perf_counter() - started
    timer.join()
    n = sim.faults.count()
    print(f"   one wait lasting {took:.1f} s: {n} requests ({_by_verb(sim)}); target <= 3 -> "
          f"{'MET' if n <= 3 else 'MISSED'}")
    counts = {}
    for size in (20, 200):
        names = [f"many{size}-{k}" for k in range(size)]
        for name in names:
            sim.store.create(TRAFFIC_EXTENSION, manifest(name))
        sim.faults.reset_counts()

        def program_all(names: list[str] = names) -> None:
            for name in names:
                program(sim, name)

        timer = threading.Timer(0.5, program_all)
        timer.start()
        started = time.perf_counter()
        wait_all_programmed(client, [("GCPTrafficExtension", n, NS) for n in names],
                            timeout=120)
        took = time.perf_counter() - started
        timer.join()
        counts[size] = sim.faults.count()
        print(f"   wait_all_programmed on {size:3d} objects in one namespace: "
              f"{counts[size]} requests ({_by_verb(sim)}), {took:.2f} s")
    print(f"   target: independent of object count -> "
          f"{'MET' if counts[20] == counts[200] else 'MISSED'}")


def _by_verb(sim: GKESimulator) -> str:
    return ", ".join(f"{verb} {resource}: {n}" for (verb, resource), n in
                     sorted(sim.faults.counts().items()) if n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="watch runs (default 50)")
    parser.add_argument("--poll-runs", type=int, default=20, help="get-polling runs")
    parser.add_argument("--kubectl-runs", type=int, default=5, help="kubectl-polling runs")
    parser.add_argument("--long-wait", type=float, default=10.0,
                        help="seconds of the long wait in part 2")
    args = parser.parse_args()
    with GKESimulator(controller=False, gcp=False) as sim:
        client = Client(sim.api_client())
        bench_reaction(sim, client, args)
        bench_requests(sim, client, args.long_wait)


if __name__ == "__main__":
    main()
