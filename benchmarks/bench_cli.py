"""Whole-process timings of the command line against ``kubectl version --client``.

Run: ``python benchmarks/bench_cli.py`` (or ``nox -s bench``); ``--runs N`` (default 15).

Each command runs as a user runs it: a new process, wall clock from start to exit, output
discarded. The commands are interleaved (A B C D, A B C D, ...) after one untimed run of each
(to bring every side's files into the OS cache alike), and reported as median and spread
(min-max). ``python -c pass`` is the floor (interpreter start-up alone) for context;
``kubectl version --client`` is the baseline of the targets (issue 13): ``--help`` at most 2x,
``validate file.yaml`` at most 3x. ``file.yaml`` is a realistic file of three objects (a
GCPWasmPlugin, the GCPTrafficExtension that runs it, a GCPRoutingExtension) written by
``_corpus.write_cli_file``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpus
from _util import load_average, spread, target_line, timing_line

TARGET_HELP = 2.0
TARGET_VALIDATE = 3.0


def our_command() -> list[str]:
    """The installed console script next to this interpreter (as a user runs it)."""
    script = Path(sys.executable).parent / "gke-service-extensions"
    if script.exists():
        return [str(script)]
    found = shutil.which("gke-service-extensions")
    if found:
        return [found]
    print("note: no gke-service-extensions script found; timing python -m gke_service_extensions")
    return [sys.executable, "-m", "gke_service_extensions"]


def run_once(argv: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                   check=True)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command")
    parser.add_argument("--file", type=Path, help="time `validate FILE` on this file instead")
    args = parser.parse_args()

    env = dict(os.environ)
    env.pop("GKE_SE_CRD_PROFILE", None)
    # As installed: pip compiles a wheel's modules to bytecode at install time; an editable
    # install (or PYTHONDONTWRITEBYTECODE=1, set on some CI machines) would have every run
    # compile our sources again, which no user's installed command does.
    package = Path(__file__).resolve().parents[1] / "gke_service_extensions"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True,
                   stdout=subprocess.DEVNULL)
    ours = our_command()
    kubectl = shutil.which("kubectl")
    print(f"bench_cli: python {sys.version.split()[0]}, {load_average()}")

    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or _corpus.write_cli_file(Path(tmp) / "file.yaml")
        check = subprocess.run([*ours, "validate", str(path)], env=env, capture_output=True,
                               text=True)
        if check.returncode != 0:
            raise SystemExit(f"validate {path} failed (exit {check.returncode}):\n"
                             f"{check.stdout}{check.stderr}")
        commands: dict[str, list[str]] = {"python -c pass (floor)": [sys.executable, "-c", "pass"]}
        if kubectl:
            commands["kubectl version --client (baseline)"] = [kubectl, "version", "--client"]
        else:
            print("kubectl not found on PATH: skipping the kubectl baseline; the targets "
                  "(ratios to kubectl) are not evaluated")
        commands["gke-service-extensions --help"] = [*ours, "--help"]
        commands["gke-service-extensions validate file.yaml"] = [*ours, "validate", str(path)]

        for argv in commands.values():  # untimed: OS file cache, alike for every side
            run_once(argv, env)
        samples: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(args.runs):
            for label, argv in commands.items():
                samples[label].append(run_once(argv, env))

    lines = sum(1 for _ in Path(path).read_text().splitlines()) if args.file else None
    what = f"{path} ({lines} lines)" if lines else "a 3-object file.yaml from _corpus"
    print(f"\n# whole processes, wall clock, {args.runs} interleaved runs each; validate reads "
          f"{what}; our modules compiled to bytecode first, as a wheel install does")
    for label, values in samples.items():
        print(timing_line(label, values, width=44))
    if kubectl:
        base = spread(samples["kubectl version --client (baseline)"])[0]
        help_ = spread(samples["gke-service-extensions --help"])[0]
        validate = spread(samples["gke-service-extensions validate file.yaml"])[0]
        print(target_line("--help / kubectl version --client", help_, base, TARGET_HELP,
                          width=44))
        print(target_line("validate file.yaml / kubectl version --client", validate, base,
                          TARGET_VALIDATE, width=44))
    floor = spread(samples["python -c pass (floor)"])[0]
    for label in ("gke-service-extensions --help", "gke-service-extensions validate file.yaml"):
        ratio = spread(samples[label])[0] / floor
        print(f"{label.removeprefix('gke-service-extensions ') + ' / python -c pass':<44} "
              f"{ratio:9.2f}x  (context, no target)")
    print(f"\nbench_cli done, {load_average()}")


if __name__ == "__main__":
    main()
