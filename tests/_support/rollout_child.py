"""A rollout in its own process, the way a user runs one: ``python rollout_child.py
KUBECONFIG GCP_ENDPOINT PROJECT PLUGIN IMAGE STOP_AFTER``. Prints ``STEP <kind>`` after
every step and, after step STOP_AFTER, waits to be killed."""

from __future__ import annotations

import sys
import time

from google.auth.credentials import AnonymousCredentials

from gke_service_extensions.gcp import GCPClient
from gke_service_extensions.kube import ExtensionsClient
from gke_service_extensions.rollout import Rollout, StepOutcome


def main(kubeconfig: str, endpoint: str, project: str, plugin: str, image: str,
         stop_after: str) -> None:
    def on_step(step: StepOutcome) -> None:
        print(f"STEP {step.kind.value} {step.status.value}", flush=True)
        if step.kind.value == stop_after:
            time.sleep(120)  # killed here

    with ExtensionsClient.from_kubeconfig(kubeconfig) as kube, GCPClient(
            project=project, api_endpoint=endpoint,
            credentials=AnonymousCredentials()) as gcp:  # type: ignore[no-untyped-call]
        rollout = Rollout(kube, gcp=gcp)
        rollout.run(rollout.plan(plugin, image), on_step=on_step)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:7])
