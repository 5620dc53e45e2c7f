"""Benchmark of ``wait_until_programmed`` against the local GKE simulator.

One command, all figures and ratios in one run::

    python benchmarks/bench_wait.py [--runs 50] [--poll-runs 20] [--kubectl-runs 5] [--parts 1,2,3]

1. Reaction latency: time from the "controller" writing ``Programmed=True`` into the
   simulator's store to the wait returning; median and p95. Compared with a Python loop that
   ``get``s the object every 1 s and with a shell loop running ``kubectl get`` every 2 s
   (skipped when ``kubectl`` is absent). Target: watch median <= 50 ms.
2. API requests per wait, from the simulator's request counter: one wait lasting ~10 s
   (target <= 3) and one wait for 200 objects in one namespace vs 20 (target: the same).
3. As users run it: each client in its own process against the simulator (which runs in this
   process and flips the status), the same flip for all: our wait (a script using the public
   API: ``wait_until_programmed`` for one object, ``wait_all_programmed`` for ``--many``),
   real ``kubectl wait --for=jsonpath=...=True`` (one name, or ``--all``) and a raw watch
   (standard-library ``http.client``: list, then one watch with ``allowWatchBookmarks`` and a
   ``fieldSelector``; the floor). Scenarios: one object programmed before the client starts,
   one object programmed ``--flip-delay`` s after the start, ``--many`` objects programmed
   then. Reported: start -> first watch request, detection (last status write -> the
   client's result line), return latency (process start -> exit), requests counted by the
   simulator, exit codes. Targets: one object, return latency <= kubectl's; ``--many``
   objects, return latency <= 2x the raw watch's; requests independent of the object count.

Status is written straight into the store (the simulator's controller is off), so the write
instant is known exactly.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client as k8s

from gke_service_extensions import ExtensionsClient
from gke_service_extensions.kube._status import GKE_CONTROLLER_NAME, Outcome, evaluate
from gke_service_extensions.models._meta import TRAFFIC_EXTENSION
from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._kube._resources import NAMESPACE

NS = "default"


def manifest(name: str, namespace: str = NS) -> dict[str, Any]:
    return {
        "apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                            "name": "gw"}],
            "extensionChains": [{"name": "c", "extensions": [{
                "name": "e", "authority": "a.example.com", "timeout": "1s",
                "supportedEvents": ["RequestHeaders"],
                "backendRef": {"group": "", "kind": "Service", "name": "svc", "port": 443}}]}],
        },
    }


def program(sim: GKESimulator, name: str, namespace: str = NS) -> float:
    """Write Programmed=True for the current generation; returns the write instant."""
    obj = sim.store.get(TRAFFIC_EXTENSION, namespace, name)
    assert obj is not None
    gen = obj["metadata"]["generation"]
    obj["metadata"].pop("resourceVersion", None)
    obj["status"] = {"ancestors": [{
        "ancestorRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw",
                        "namespace": namespace},
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


def bench_reaction(sim: GKESimulator, client: ExtensionsClient, args: argparse.Namespace) -> None:
    api = k8s.CustomObjectsApi(client.api_client)
    i = iter(range(10**6))

    def by_watch(name: str) -> None:
        client.wait_until_programmed(("GCPTrafficExtension", name, NS), timeout=30)

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


def bench_requests(sim: GKESimulator, client: ExtensionsClient, long_wait: float) -> None:
    print("\n2. API requests per wait (simulator request counter)")
    sim.store.create(TRAFFIC_EXTENSION, manifest("long"))
    sim.faults.reset_counts()
    timer = threading.Timer(long_wait, lambda: program(sim, "long"))
    timer.start()
    started = time.perf_counter()
    client.wait_until_programmed(("GCPTrafficExtension", "long", NS), timeout=60)
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
        client.wait_all_programmed([("GCPTrafficExtension", n, NS) for n in names],
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


# --------------------------------------------------------------------------- 3. processes

# Our wait as a user runs it: a script in its own process, public API only.
OUR_WAIT = """
import sys
from gke_service_extensions import ExtensionsClient
ns, prefix, count, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
refs = [("GCPTrafficExtension", f"{prefix}{i}", ns) for i in range(count)]
with ExtensionsClient.from_kubeconfig() as client:
    if count == 1:
        client.wait_until_programmed(refs[0], timeout=timeout)
    else:
        client.wait_all_programmed(refs, timeout=timeout)
    print("done", flush=True)
"""

# The floor: list, then one watch (bookmarks, a field selector) read line by line from a plain
# http.client socket; the standard library only, so the interpreter starts in milliseconds.
RAW_WATCH = """
import http.client, json, sys, urllib.parse
host, port, token, ns, prefix, count, timeout = sys.argv[1:8]
count, names = int(count), None
headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}
path = f"/apis/networking.gke.io/v1/namespaces/{ns}/gcptrafficextensions"
field = f"metadata.name={prefix}0" if count == 1 else f"metadata.namespace={ns}"

def programmed(obj):
    return any(c.get("type") == "Programmed" and c.get("status") == "True"
               for a in (obj.get("status") or {}).get("ancestors") or []
               for c in a.get("conditions") or [])

conn = http.client.HTTPConnection(host, int(port), timeout=float(timeout))
conn.request("GET", path + "?" + urllib.parse.urlencode({"fieldSelector": field}),
             headers=headers)
listed = json.loads(conn.getresponse().read())
pending = {o["metadata"]["name"] for o in listed["items"] if not programmed(o)}
if pending:
    query = {"watch": "1", "allowWatchBookmarks": "true", "fieldSelector": field,
             "resourceVersion": listed["metadata"]["resourceVersion"]}
    conn.request("GET", path + "?" + urllib.parse.urlencode(query), headers=headers)
    stream = conn.getresponse()
    while pending:
        line = stream.readline()
        if not line:
            sys.exit("watch ended early")
        event = json.loads(line)
        if event["type"] in ("ADDED", "MODIFIED") and programmed(event["object"]):
            pending.discard(event["object"]["metadata"]["name"])
print("done", flush=True)
"""

KUBECTL_JSONPATH = '{.status.ancestors[0].conditions[?(@.type=="Programmed")].status}=True'


@dataclass
class ProcessRun:
    """One client process: timings (seconds) and what the simulator saw it do."""

    exit_code: int
    start_to_watch: float | None  # process start -> its first watch request reaches the server
    detection: float  # last status write -> the client's last result line reaches us
    return_latency: float  # process start -> process exit
    flip_to_exit: float  # last status write -> process exit
    result_to_exit: float  # the client's last result line -> process exit (its shutdown)
    requests: int
    by_verb: str
    watched_first: bool = False  # its watch was open before the flip (the watch path ran)


def _stdout_times(proc: subprocess.Popen[str], lines: list[tuple[float, str]]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append((time.monotonic(), line.rstrip("\n")))


def run_process(sim: GKESimulator, argv: list[str], env: dict[str, str], namespace: str,
                names: list[str], flip_delay: float, timeout: float) -> ProcessRun:
    """Create ``names`` unprogrammed, start ``argv``, program them all ``flip_delay`` s after
    the start (a write into the simulator's store; 0: before the start), wait for the exit."""
    sim.store.create(NAMESPACE, {"metadata": {"name": namespace}})
    for name in names:
        sim.store.create(TRAFFIC_EXTENSION, manifest(name, namespace))
    sim.faults.reset_counts()
    lines: list[tuple[float, str]] = []
    watching: list[float] = []
    exited = threading.Event()

    def watch_for_watches() -> None:  # when the client's first watch request arrives
        while not exited.wait(0.002):
            if sim.faults.count(verb="watch"):
                watching.append(time.monotonic())
                return

    with tempfile.TemporaryFile("w+") as err:
        if flip_delay <= 0:  # programmed before the client starts
            for name in names:
                program(sim, name, namespace)
        started = time.monotonic()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        reader = threading.Thread(target=_stdout_times, args=(proc, lines), daemon=True)
        reader.start()
        poller = threading.Thread(target=watch_for_watches, daemon=True)
        poller.start()
        if flip_delay > 0:
            time.sleep(max(0.0, started + flip_delay - time.monotonic()))
            for name in names:
                program(sim, name, namespace)
        flipped = time.monotonic() if flip_delay > 0 else started
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
        finally:
            exited.set()
        ended = time.monotonic()
        reader.join(timeout=10)
        poller.join(timeout=10)
        if not lines:
            err.seek(0)
            raise RuntimeError(f"{argv[0]} printed nothing (exit {code}): {err.read()[-2000:]}")
    return ProcessRun(code, watching[0] - started if watching else None,
                      lines[-1][0] - flipped, ended - started, ended - flipped,
                      ended - lines[-1][0],
                      sim.faults.count(), _by_verb(sim),
                      bool(watching) and flip_delay > 0 and watching[0] < flipped)


def bench_processes(sim: GKESimulator, args: argparse.Namespace) -> None:
    """Part 3: kubectl wait, our wait and a raw watch, each in its own process."""
    print("\n3. Separate processes (simulator here; each client its own process; the same "
          f"status flip, written {args.flip_delay:g} s after the client starts)")
    with tempfile.TemporaryDirectory(prefix="bench-wait-") as scripts:
        (Path(scripts) / "our_wait.py").write_text(OUR_WAIT)
        (Path(scripts) / "raw_watch.py").write_text(RAW_WATCH)
        med = _measure_processes(sim, args, Path(scripts))
    _process_verdicts(med, args.many, args.flip_delay)


def _measure_processes(sim: GKESimulator, args: argparse.Namespace, scripts: Path
                       ) -> dict[tuple[int, float, str], ProcessRun]:
    kubectl = shutil.which("kubectl")
    env = dict(os.environ, **sim.kubectl_env())
    host, port = sim.kube_url.removeprefix("http://").rsplit(":", 1)
    token = sim.kubeconfig()["users"][0]["user"]["token"]
    timeout = 300.0

    def command(label: str, ns: str, count: int) -> list[str]:
        if label == "wait (ours)":
            return [sys.executable, str(scripts / "our_wait.py"), ns, "o", str(count),
                    str(timeout)]
        if label == "raw watch":
            return [sys.executable, str(scripts / "raw_watch.py"), host, port, token, ns, "o",
                    str(count), str(timeout)]
        assert kubectl is not None
        target = ["gcptrafficextensions/o0"] if count == 1 else ["gcptrafficextensions",
                                                                  "--all"]
        return [kubectl, "wait", f"--for=jsonpath={KUBECTL_JSONPATH}", *target, "-n", ns,
                f"--timeout={timeout:g}s"]

    labels = ["kubectl wait", "wait (ours)", "raw watch"]
    if not kubectl:
        print("   kubectl not found: the kubectl baseline is skipped")
        labels.remove("kubectl wait")
    seq = iter(range(10**6))
    # Warm-up (file cache, kubectl's discovery cache): one unrecorded run of each.
    for label in labels:
        ns = f"warm{next(seq)}"
        run_process(sim, command(label, ns, 1), env, ns, ["o0"], 0.5, timeout)
    table: dict[tuple[int, float, str], list[ProcessRun]] = {}
    scenarios = [(1, 0.0, args.process_runs), (1, args.flip_delay, args.process_runs),
                 (args.many, args.flip_delay, args.many_runs)]
    for count, flip_delay, runs in scenarios:
        names = [f"o{i}" for i in range(count)]
        for _ in range(runs):
            for label in labels:  # interleaved; a fresh namespace each time
                ns = f"p{next(seq)}"
                table.setdefault((count, flip_delay, label), []).append(run_process(
                    sim, command(label, ns, count), env, ns, names, flip_delay, timeout))
    print(f"   {'objects':>7} {'flip at':>7} {'method':13} {'runs':>4} {'start->watch':>12} "
          f"{'flip->result':>12} {'start->exit':>11} {'flip->exit':>10} {'result->exit':>12} "
          f"{'requests':>8}  "
          "exit codes; requests by verb (last run)")
    med: dict[tuple[int, float, str], ProcessRun] = {}
    for (count, flip_delay, label), rows in table.items():
        watched_first = [r.requests for r in rows if r.watched_first]
        watch = [r.start_to_watch for r in rows if r.start_to_watch is not None]
        m = med[(count, flip_delay, label)] = ProcessRun(
            0, statistics.median(watch) if watch else None,
            statistics.median(r.detection for r in rows),
            statistics.median(r.return_latency for r in rows),
            statistics.median(r.flip_to_exit for r in rows),
            statistics.median(r.result_to_exit for r in rows),
            # requests on the watch path (runs watching before the flip) when there are any
            round(statistics.median(watched_first or [r.requests for r in rows])), "",
            bool(watched_first))
        codes = sorted({r.exit_code for r in rows})
        watched = f"{m.start_to_watch * 1e3:10.0f}ms" if m.start_to_watch is not None else \
            f"{'-':>12}"
        detection, flip_to_exit = f"{m.detection * 1e3:10.1f}ms", f"{m.flip_to_exit:9.2f}s"
        if not flip_delay:  # programmed before the start: nothing to detect
            detection, flip_to_exit = f"{'-':>12}", f"{'-':>10}"
        print(f"   {count:7d} {flip_delay:6.1f}s {label:13} {len(rows):4d} {watched} "
              f"{detection} {m.return_latency:10.2f}s {flip_to_exit} "
              f"{m.result_to_exit * 1e3:10.0f}ms {m.requests:8d}  {codes}; {rows[-1].by_verb}")
    print("   medians. flip at: when the simulator writes Programmed=True, from the client's "
          "start\n   (0: programmed before the client connects); start->watch: until the "
          "simulator sees its\n   first watch request (-: none); flip->result: last status "
          "write -> its last result line;\n   result->exit: the client's shutdown after its "
          "result;\n   requests: over the runs watching before the flip, if any")
    return med


def _process_verdicts(med: dict[tuple[int, float, str], ProcessRun], many: int,
                      flip_delay: float) -> None:
    def ratio(count: int, delay: float, what: str, base: str) -> float:
        ours, other = med[(count, delay, "wait (ours)")], med[(count, delay, base)]
        return float(getattr(ours, what)) / float(getattr(other, what))

    def verdict(value: float, target: float) -> str:
        return f"(target <= {target:.2f}x: {'MET' if value <= target else 'MISSED'})"

    kubectl = any(label == "kubectl wait" for *_, label in med)
    print("   ratios, ours / baseline (medians):")
    for delay in (0.0, flip_delay):
        for base in (["kubectl wait"] if kubectl else []) + ["raw watch"]:
            r = ratio(1, delay, "return_latency", base)
            target = f"  {verdict(r, 1.0)}" if base == "kubectl wait" else ""
            detection = (f"; detection {ratio(1, delay, 'detection', base):7.2f}x"
                         if delay else "")
            print(f"     1 object, flip at {delay:3.1f}s, return latency vs {base:12}: "
                  f"{r:6.2f}x{target}{detection}")
    r = ratio(many, flip_delay, "return_latency", "raw watch")
    print(f"     {many} objects, return latency vs raw watch:    {r:6.2f}x  {verdict(r, 2.0)}; "
          f"detection {ratio(many, flip_delay, 'detection', 'raw watch'):7.2f}x")
    if kubectl:
        print(f"     {many} objects, return latency vs kubectl wait: "
              f"{ratio(many, flip_delay, 'return_latency', 'kubectl wait'):6.2f}x; detection "
              f"{ratio(many, flip_delay, 'detection', 'kubectl wait'):7.2f}x")
    one, lots = (med[(n, flip_delay, "wait (ours)")] for n in (1, many))
    verdict_text = "MET" if one.requests == lots.requests else "MISSED"
    if not (one.watched_first and lots.watched_first):
        verdict_text = "not measured: no run was watching before the flip; raise --flip-delay"
    print(f"     requests, ours (runs watching before the flip): {one.requests} for 1 object, "
          f"{lots.requests} for {many} (target: independent of the object count: "
          f"{verdict_text})")
    if kubectl:
        k1, kn = (med[(n, flip_delay, "kubectl wait")].requests for n in (1, many))
        print(f"     requests, kubectl wait: {k1} for 1 object, {kn} for {many}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="watch runs (default 50)")
    parser.add_argument("--poll-runs", type=int, default=20, help="get-polling runs")
    parser.add_argument("--kubectl-runs", type=int, default=5, help="kubectl-polling runs")
    parser.add_argument("--long-wait", type=float, default=10.0,
                        help="seconds of the long wait in part 2")
    parser.add_argument("--parts", default="1,2,3", help="which parts to run (default 1,2,3)")
    parser.add_argument("--flip-delay", type=float, default=5.0,
                        help="part 3: seconds from a client's start to the status flip")
    parser.add_argument("--process-runs", type=int, default=3,
                        help="part 3: runs of each client for one object")
    parser.add_argument("--many", type=int, default=1000,
                        help="part 3: objects in the many-objects case")
    parser.add_argument("--many-runs", type=int, default=1,
                        help="part 3: runs of each client for --many objects")
    args = parser.parse_args()
    parts = {p.strip() for p in args.parts.split(",")}
    with GKESimulator(controller=False, gcp=False, history_window=10 * args.many) as sim:
        client = ExtensionsClient(sim.api_client(), request_timeout=10.0)
        if "1" in parts:
            bench_reaction(sim, client, args)
        if "2" in parts:
            bench_requests(sim, client, args.long_wait)
        if "3" in parts:
            bench_processes(sim, args)


if __name__ == "__main__":
    main()
