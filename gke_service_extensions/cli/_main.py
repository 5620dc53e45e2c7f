"""The ``gke-service-extensions`` command (alias ``gke-sx``): a thin front end over the API.

Building the parser and ``--help`` import nothing heavy (no pydantic, kubernetes or Google
libraries): each command imports what it uses when it runs.

Exit status: 0 done, 1 failed (the controller's reason, a Kubernetes or Google Cloud error,
invalid manifests, a diagnosis with errors), 2 usage (bad flags, unknown resource type or CRD
profile), 3 a wait timed out, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from .._errors import GKEServiceExtensionsError

if TYPE_CHECKING:
    from .._gke import ResourceInfo
    from ..gcp import GCPClient
    from ..kube import ExtensionsClient

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_TIMEOUT", "EXIT_USAGE", "build_parser", "run"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 3

PROG = "gke-service-extensions"
_KINDS_HELP = ("gcptrafficextension (gcptrafficextensions), gcproutingextension "
               "(gcproutingextensions), gcpwasmplugin (gcpwasmplugins), gateway (gtw)")


class UsageError(GKEServiceExtensionsError):
    """The command line asks for something that cannot be done (exit status 2)."""


# --------------------------------------------------------------------------- parser


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The argument parser of the command (also used to render ``--help`` in the docs)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Validate, apply, wait for, inspect and roll out GKE Gateway Service "
                    "Extensions. Resources are named as kubectl names them: KIND/NAME or "
                    "KIND NAME (singular, plural or short names, any case).",
        epilog="exit status: 0 done, 1 failed (with the controller's reason), 2 usage, "
               "3 timed out",
    )
    parser.add_argument("--version", action="store_true",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check manifests against the CRD rules, offline")
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML manifests ('-' for stdin)")
    _add_profile(p, "validate")
    _add_output(p)

    p = sub.add_parser("apply", help="server-side apply manifests, then wait until programmed")
    _add_cluster(p)
    p.add_argument("-f", "--filename", required=True, action="append", dest="files",
                   metavar="FILE", help="YAML manifest (repeatable; '-' for stdin)")
    _add_profile(p, "apply")
    p.add_argument("--wait", action=argparse.BooleanOptionalAction, default=True,
                   help="wait until GKE has programmed every applied extension and plugin "
                        "(default: wait; --no-wait returns once applied)")
    p.add_argument("--dry-run", action="store_true",
                   help="server-side dry run: the API server checks, nothing is stored")
    p.add_argument("--preflight", action="store_true",
                   help="before sending, check what GKE would refuse (the diagnosis' "
                        "preflight); a refusal sends nothing")
    _add_timeout(p, 600.0)

    p = sub.add_parser("wait", help="wait until an extension or plugin is programmed")
    _add_cluster(p)
    _add_resource(p)
    _add_timeout(p, 600.0)
    _add_output(p)

    p = sub.add_parser("get", help="list or read extensions, plugins and Gateways")
    _add_cluster(p, all_namespaces=True)
    p.add_argument("resource", nargs="+", metavar="KIND[/NAME] [NAME...]",
                   help=f"a resource type, optionally with names; types: {_KINDS_HELP}")
    _add_output(p)

    p = sub.add_parser("status", help="per-Gateway conditions and the Google Cloud resources "
                                      "behind each Gateway")
    _add_cluster(p)
    _add_resource(p)
    _add_gcp(p)
    _add_output(p)

    p = sub.add_parser("events", help="events involving an object, oldest first")
    _add_cluster(p)
    _add_resource(p)
    _add_output(p)

    p = sub.add_parser("diagnose", help="why an object is not programmed, and the fix")
    _add_cluster(p)
    _add_resource(p)
    _add_gcp(p)
    _add_output(p)

    p = sub.add_parser("inspect", help="what GKE built in Google Cloud for a Gateway, and drift")
    _add_cluster(p)
    p.add_argument("resource", nargs="+", metavar="gateway NAME",
                   help="the Gateway: gateway NAME or gateway/NAME")
    _add_gcp(p)
    _add_output(p)

    _add_rollout(sub)

    # Its flags are those of python -m gke_service_extensions.testing: the arguments after
    # "simulator" go to that module's own parser (one parser; none of it imported for --help).
    sub.add_parser("simulator", add_help=False,
                   help="run the local GKE simulator in the foreground (the flags of python "
                        "-m gke_service_extensions.testing; simulator --help lists them)")

    p = sub.add_parser("demo", help="run the end-to-end demo on the embedded GKE simulator")
    p.add_argument("--delay", type=float, default=2.0,
                   help="seconds the simulated controller takes to program (default 2)")
    p.add_argument("--timeout", type=float, default=60.0, help="wait timeout in seconds")
    p.add_argument("--keep", action="store_true",
                   help="leave the simulator running at the end and print how to reach it "
                        "with kubectl and gcloud (Ctrl-C stops it)")
    return parser


def _add_rollout(sub: Any) -> None:
    rollout = sub.add_parser("rollout", help="roll a GCPWasmPlugin to a new image and back")
    rsub = rollout.add_subparsers(dest="rollout_command", metavar="ACTION", required=True)
    for action, text in (("plan", "the steps and the diff of each write, nothing written"),
                         ("run", "stage, switch, verify, bake and prune; roll back on failure"),
                         ("resume", "go on with a rollout another process left"),
                         ("abort", "roll back the rollout in progress"),
                         ("history", "when each version served")):
        p = rsub.add_parser(action, help=text)
        _add_cluster(p)
        p.add_argument("plugin", metavar="PLUGIN",
                       help="the GCPWasmPlugin: NAME or gcpwasmplugin/NAME")
        if action in ("plan", "run"):
            p.add_argument("--image", required=True, help="the new version's image")
            p.add_argument("--version-name", default=None,
                           help="the new version's name (default: the image's tag)")
            p.add_argument("--keep", type=int, default=3,
                           help="versions kept after the rollout (default 3)")
            p.add_argument("--bake", type=float, default=0.0,
                           help="seconds the new version serves under checks (default 0)")
        if action in ("run", "resume", "abort"):
            _add_timeout(p, 600.0)
        if action in ("plan", "run", "resume", "abort"):
            _add_gcp(p)
        if action == "abort":
            p.add_argument("--reason", default="aborted from the command line")
        _add_output(p)


def _add_cluster(p: argparse.ArgumentParser, *, all_namespaces: bool = False) -> None:
    p.add_argument("--kubeconfig", default=None, help="kubeconfig path (default: $KUBECONFIG)")
    p.add_argument("--context", default=None, help="kubeconfig context")
    p.add_argument("-n", "--namespace", default=None, help="namespace (default: the context's)")
    if all_namespaces:
        p.add_argument("-A", "--all-namespaces", action="store_true",
                       help="every namespace")


def _add_resource(p: argparse.ArgumentParser) -> None:
    p.add_argument("resource", nargs="+", metavar="KIND/NAME | KIND NAME",
                   help=f"the object; types: {_KINDS_HELP}")


def _add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", choices=("text", "json", "yaml"), default="text",
                   help="output format (json and yaml: the shapes in docs/cli.md)")


def _add_timeout(p: argparse.ArgumentParser, default: float) -> None:
    p.add_argument("--timeout", type=float, default=default,
                   help=f"wait timeout in seconds (default {default:g}; exit status 3)")


def _add_profile(p: argparse.ArgumentParser, command: str) -> None:
    default = ("$GKE_SE_CRD_PROFILE, else newest" if command == "validate"
               else "$GKE_SE_CRD_PROFILE, else the cluster's own CRDs")
    p.add_argument("--profile", default=None,
                   help=f"CRD profile: newest, gke-1.33 (or 1.33), cluster (default: "
                        f"{default})")


def _add_gcp(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project", default=None,
                   help="Google Cloud project (default: $CLOUDSDK_CORE_PROJECT, else the "
                        "application default credentials' project)")
    p.add_argument("--gcp-endpoint", default=None,
                   help="Network Services API endpoint (default: "
                        "$CLOUDSDK_API_ENDPOINT_OVERRIDES_NETWORKSERVICES, as for gcloud)")
    p.add_argument("--no-gcp", action="store_true", help="do not read Google Cloud")


# --------------------------------------------------------------------------- running


def run(argv: Sequence[str] | None = None, *, out: TextIO | None = None,
        prog: str = PROG) -> int:
    """Run the command with ``argv``; returns the exit status (see the module docstring)."""
    parser = build_parser(prog)
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "simulator":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    stream = out or sys.stdout
    args.prog = prog
    if args.version:
        from .. import __version__

        print(f"{prog} {__version__}", file=stream)
        return EXIT_OK
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"{prog}: error: a command is required (see {prog} --help)", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _dispatch(args, stream)
    except KeyboardInterrupt:
        return 130
    except BaseException as exc:  # one clear line, never a traceback
        if isinstance(exc, SystemExit):
            raise
        return _report(exc)


def _report(exc: BaseException) -> int:
    from .._errors import UnknownKindError, UnknownProfileError, WaitTimeoutError

    if os.environ.get("GKE_SE_DEBUG"):
        import traceback

        traceback.print_exception(exc)
    if isinstance(exc, UsageError | UnknownProfileError | UnknownKindError):
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(exc, WaitTimeoutError):
        print(f"error: timed out: {exc}", file=sys.stderr)
        return EXIT_TIMEOUT
    if isinstance(exc, GKEServiceExtensionsError):
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"error: unexpected {type(exc).__name__}: {exc} (GKE_SE_DEBUG=1 shows where)",
          file=sys.stderr)
    return EXIT_FAILED


def _dispatch(args: argparse.Namespace, out: TextIO) -> int:
    from . import _commands as c

    command: str = args.command
    if command in ("validate", "apply"):
        from ..models._profiles import profile_setting

        profile_setting(args.profile)  # a bad name is a usage error, found before any I/O
    if command == "simulator":
        from ..testing.__main__ import main as simulator_main

        return simulator_main(args.extra, prog=f"{args.prog} simulator")
    if command == "demo":
        from ._demo import run_demo

        return run_demo(delay=args.delay, timeout=args.timeout, keep=args.keep, out=out)
    handler = {
        "validate": c.validate, "apply": c.apply, "wait": c.wait, "get": c.get,
        "status": c.status, "events": c.events, "diagnose": c.diagnose,
        "inspect": c.inspect, "rollout": c.rollout,
    }[command]
    result: int = handler(args, out)
    return result


# --------------------------------------------------------------------------- naming


def parse_resources(tokens: Sequence[str], *, need_name: bool = True,
                    allowed: Sequence[str] | None = None,
                    ) -> list[tuple[ResourceInfo, str | None]]:
    """``KIND/NAME...`` or ``KIND [NAME...]`` as kubectl takes them."""
    from .._gke import resource_for_kind

    def kind(text: str) -> ResourceInfo:
        info = resource_for_kind(text)
        if info is None or (allowed is not None and info.kind not in allowed):
            kinds = ", ".join(allowed) if allowed is not None else _KINDS_HELP
            raise UsageError(f"unknown resource type {text!r}; use {kinds}")
        return info

    if not tokens:
        raise UsageError("name a resource: KIND/NAME or KIND NAME")
    if "/" in tokens[0]:
        found: list[tuple[ResourceInfo, str | None]] = []
        for token in tokens:
            kind_text, sep, name = token.partition("/")
            if not sep or not name or "/" in name:
                raise UsageError(f"{token!r}: name resources as KIND/NAME, or KIND NAME...")
            found.append((kind(kind_text), name))
        return found
    names = list(tokens[1:])
    if "," in tokens[0] and not names and not need_name:  # kubectl get gtw,gcpwasmplugins
        return [(kind(text), None) for text in tokens[0].split(",") if text]
    info = kind(tokens[0])
    if not names:
        if need_name:
            raise UsageError(f"name the {info.kind}: {tokens[0]} NAME or {tokens[0]}/NAME")
        return [(info, None)]
    if any("/" in n for n in names):
        raise UsageError("there is no need to give a resource type twice: use KIND NAME or "
                         "KIND/NAME")
    return [(info, name) for name in names]


def one_resource(tokens: Sequence[str], allowed: Sequence[str] | None = None,
                 ) -> tuple[ResourceInfo, str]:
    """Exactly one named resource."""
    found = parse_resources(tokens, allowed=allowed)
    if len(found) != 1:
        raise UsageError("this command takes one resource")
    info, name = found[0]
    assert name is not None
    return info, name


# --------------------------------------------------------------------------- clients


def kube_client(args: argparse.Namespace) -> ExtensionsClient:
    """The Kubernetes client the flags name."""
    from ..kube import ExtensionsClient

    return ExtensionsClient.from_kubeconfig(args.kubeconfig, context=args.context,
                                            namespace=args.namespace,
                                            profile=getattr(args, "profile", None))


def gcp_client(args: argparse.Namespace) -> tuple[GCPClient | None, str]:
    """A Google Cloud client, or None and why not (``--no-gcp``, no credentials...).

    The same variables that point gcloud elsewhere point this client there:
    ``CLOUDSDK_API_ENDPOINT_OVERRIDES_NETWORKSERVICES``, ``CLOUDSDK_CORE_PROJECT``,
    ``CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true`` (anonymous, as for the simulator).
    """
    if getattr(args, "no_gcp", True):
        return None, "--no-gcp"
    endpoint = args.gcp_endpoint or os.environ.get(
        "CLOUDSDK_API_ENDPOINT_OVERRIDES_NETWORKSERVICES") or None
    project = args.project or os.environ.get("CLOUDSDK_CORE_PROJECT") or None
    anonymous = os.environ.get("CLOUDSDK_AUTH_DISABLE_CREDENTIALS", "").lower() in (
        "1", "true")
    try:
        from ..gcp import GCPClient

        credentials = None
        if anonymous:
            from google.auth.credentials import AnonymousCredentials

            credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
        return GCPClient(project=project, credentials=credentials,
                         api_endpoint=endpoint.rstrip("/") if endpoint else None), ""
    except Exception as exc:  # no credentials, no project: Google Cloud is left out
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, first
