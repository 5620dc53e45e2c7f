"""The ``gke-service-extensions`` command: a thin front end over the public API."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from .._errors import GKEServiceExtensionsError, ManifestValidationError, UnknownProfileError

if TYPE_CHECKING:
    from ..kube import ExtensionsClient

__all__ = ["build_parser", "run"]

KINDS = {
    "gcptrafficextension": "GCPTrafficExtension",
    "gcproutingextension": "GCPRoutingExtension",
    "gcpwasmplugin": "GCPWasmPlugin",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command (also used to render ``--help`` in the docs)."""
    parser = argparse.ArgumentParser(
        prog="gke-service-extensions",
        description="Validate, apply and wait for GKE Gateway Service Extensions.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check manifests against the CRD rules, offline")
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML manifests ('-' for stdin)")
    p.add_argument("--profile", default=None,
                   help="CRD profile: newest, gke-1.33 (or 1.33), ... (default: "
                        "$GKE_SE_CRD_PROFILE, else newest)")

    p = sub.add_parser("demo", help="run the end-to-end demo on the embedded GKE simulator")
    p.add_argument("--delay", type=float, default=2.0,
                   help="seconds the simulated controller takes to program (default 2)")
    p.add_argument("--timeout", type=float, default=60.0, help="wait timeout in seconds")

    p = sub.add_parser("apply", help="server-side apply manifests, then wait until programmed")
    _add_cluster_args(p)
    p.add_argument("-f", "--filename", required=True, action="append", dest="files",
                   help="YAML manifest (repeatable)")
    p.add_argument("--profile", default=None,
                   help="CRD profile checked before sending: newest, gke-1.33 (or 1.33), "
                        "cluster (default: $GKE_SE_CRD_PROFILE, else the cluster's own CRDs)")
    p.add_argument("--no-wait", action="store_true", help="do not wait until programmed")
    p.add_argument("--timeout", type=float, default=600.0, help="wait timeout in seconds")

    p = sub.add_parser("wait", help="wait until an extension or plugin is programmed")
    _add_cluster_args(p)
    p.add_argument("kind", choices=sorted(KINDS), type=str.lower)
    p.add_argument("name")
    p.add_argument("--timeout", type=float, default=600.0, help="timeout in seconds")

    p = sub.add_parser("simulator", help="run the local GKE simulator in the foreground")
    p.add_argument("--crd-profile", default=None,
                   help="CRD generation the simulated cluster serves (default: newest)")
    return parser


def _add_cluster_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kubeconfig", default=None, help="kubeconfig path (default: $KUBECONFIG)")
    p.add_argument("--context", default=None, help="kubeconfig context")
    p.add_argument("-n", "--namespace", default=None, help="namespace (default: the context's)")


def run(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command with ``argv``; returns the exit status (0 ok, 1 failed, 2 usage)."""
    args = build_parser().parse_args(argv)
    stream = out or sys.stdout
    try:
        if args.command in ("validate", "apply"):
            from ..models._profiles import profile_setting

            profile_setting(args.profile)  # a bad name is a usage error, found before any I/O
        if args.command == "validate":
            return _validate(args.files, args.profile, stream)
        if args.command == "demo":
            from ._demo import run_demo

            return run_demo(delay=args.delay, timeout=args.timeout, out=stream)
        if args.command == "simulator":
            from ..testing.__main__ import main as simulator_main

            return simulator_main(["--crd-profile", args.crd_profile]
                                  if args.crd_profile else [])
        if args.command == "apply":
            return _apply(args, stream)
        if args.command == "wait":
            return _wait(args, stream)
    except UnknownProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except GKEServiceExtensionsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _validate(files: Sequence[str], profile: str | None, out: TextIO) -> int:
    from ..models import get_profile, load_manifests

    prof = get_profile(profile)
    origin = f", {prof.source}" if prof.source else ""
    failed = 0
    for path in files:
        try:
            objs = load_manifests(_read(path), profile=prof)
        except ManifestValidationError as exc:
            failed += 1
            print(f"{path}: {exc}", file=out)
        except (GKEServiceExtensionsError, OSError) as exc:
            failed += 1
            print(f"{path}: {exc}", file=out)
        else:
            kinds = ", ".join(getattr(o, "ref", "object") for o in objs)
            print(f"{path}: valid under the {prof.name!r} CRD profile{origin} ({kinds})",
                  file=out)
    return 1 if failed else 0


def _client(args: argparse.Namespace) -> ExtensionsClient:
    from ..kube import ExtensionsClient

    return ExtensionsClient.from_kubeconfig(args.kubeconfig, context=args.context,
                                            namespace=args.namespace,
                                            profile=getattr(args, "profile", None))


def _progress(out: TextIO) -> Any:
    def on_change(state: Any) -> None:
        for line in state.summary_lines():
            print(f"  {line}", file=out)

    return on_change


def _apply(args: argparse.Namespace, out: TextIO) -> int:
    from ..models import MODELS, KubeModel, load_manifests

    with _client(args) as client:
        # the manifests are checked under the client's profile: by default the cluster's
        profile = client.crd_profile()
        objs: list[KubeModel] = []
        for path in args.files:
            objs += [o for o in load_manifests(_read(path), profile=profile)
                     if isinstance(o, KubeModel)]
        applied = []
        for obj in objs:
            result = client.apply(obj)
            print(f"applied {result.ref}", file=out)
            if type(obj) in MODELS:
                applied.append(result)
        if args.no_wait or not applied:
            return 0
        client.wait_all_programmed(applied, timeout=args.timeout, on_change=_progress(out))
        for obj in applied:
            print(f"programmed {obj.ref}", file=out)
    return 0


def _wait(args: argparse.Namespace, out: TextIO) -> int:
    with _client(args) as client:
        ns = args.namespace or client.default_namespace
        result = client.wait_until_programmed((KINDS[args.kind], args.name, ns),
                                              timeout=args.timeout, on_change=_progress(out))
        print(f"programmed after {result.elapsed:.1f}s: {result.state.summary()}", file=out)
    return 0
