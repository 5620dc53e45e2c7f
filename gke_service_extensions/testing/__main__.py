"""Run the GKE simulator in the foreground: ``python -m gke_service_extensions.testing``.

Prints the kubeconfig path and the endpoints, then serves until Ctrl-C (or SIGTERM).
``gke-service-extensions simulator ARGS`` hands ARGS to :func:`main` here: one parser
(:func:`build_parser`), so the two take exactly the same flags.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

__all__ = ["add_arguments", "build_parser", "main", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the simulator's flags to ``parser`` (shared with the ``simulator`` command)."""
    parser.add_argument("--project-id", default="sim-project")
    parser.add_argument("--image", action="append", default=[], metavar="URI[=DIGEST]",
                        help="make a Wasm plugin image exist in the simulated Artifact "
                             "Registry (repeatable; the public sample images always do)")
    parser.add_argument("--admission", action=argparse.BooleanOptionalAction, default=True,
                        help="refuse creating extensions whose Gateway, Service or endpoints "
                             "are missing, with GKE's messages (the default); "
                             "--no-admission accepts them and lets their status report "
                             "the failure")
    parser.add_argument("--port", type=int, default=0,
                        help="Kubernetes API port (default: a free one)")
    parser.add_argument("--no-controller", action="store_true",
                        help="do not run the simulated gateway controller")
    parser.add_argument("--no-gcp", action="store_true",
                        help="do not run the simulated Google Cloud APIs")
    parser.add_argument("--crd-profile", default=None,
                        help="CRD generation the cluster serves and enforces: newest, "
                             "gke-1.33 (or 1.33) (default: newest)")
    return parser


def run(args: argparse.Namespace) -> int:
    """Start a simulator as ``args`` say, print how to reach it, wait for Ctrl-C."""
    from .._errors import UnknownProfileError
    from ._simulator import SAMPLE_IMAGES, GKESimulator, crd_generation

    try:
        profile = crd_generation(args.crd_profile)
    except UnknownProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    with GKESimulator(project_id=args.project_id, controller=not args.no_controller,
                      gcp=not args.no_gcp, kube_port=args.port, crd_profile=profile,
                      admission=args.admission) as sim:
        print(f"kubeconfig:      {sim.kubeconfig_path}")
        print(f"Kubernetes API:  {sim.kube_url}")
        print(f"CRD profile:     {sim.crd_profile.name}")
        print("admission:       " + ("as GKE (--no-admission: off)" if args.admission
                                     else "off (GKE refuses what it would reject)"))
        if sim.gcp_endpoint:
            print(f"Google Cloud:    {sim.gcp_endpoint} (project {sim.project_id}, "
                  f"number {sim.project_number})")
        env = sim.kubectl_env()
        print(f"try:             export KUBECONFIG={env['KUBECONFIG']} "
              f"KUBECACHEDIR={env['KUBECACHEDIR']}")
        print("                 kubectl get gatewayclasses")
        try:
            for image in (*(SAMPLE_IMAGES if sim.gcp_state is not None else ()), *args.image):
                print(f"image:           {image.split('=', 1)[0]} ({sim.add_image(image)})")
        except (ValueError, RuntimeError) as err:
            print(f"error: --image: {err}", file=sys.stderr)
            return 2
        print("Ctrl-C to stop.", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


def build_parser(prog: str = "python -m gke_service_extensions.testing"
                 ) -> argparse.ArgumentParser:
    """The simulator's argument parser (the ``simulator`` command uses it too)."""
    return add_arguments(argparse.ArgumentParser(prog=prog,
                                                 description="Run a local GKE simulator."))


def main(argv: list[str] | None = None, *,
         prog: str = "python -m gke_service_extensions.testing") -> int:
    """Start a simulator, print how to reach it, wait for Ctrl-C; the exit status."""
    return run(build_parser(prog).parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
