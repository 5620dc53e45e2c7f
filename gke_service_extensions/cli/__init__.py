"""The command line: ``gke-service-extensions`` (alias ``gke-sx``).

See docs/cli.md for the commands, the ``-o json|yaml`` shapes and the exit statuses.
"""

from __future__ import annotations

import gc
import os
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None, *, prog: str | None = None) -> int:
    """Entry point of the ``gke-service-extensions`` and ``gke-sx`` commands."""
    from ._main import PROG, run

    if prog is None:
        invoked = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
        prog = invoked if invoked in ("gke-sx", PROG) else PROG
    status = run(argv, prog=prog)
    if argv is None:
        # Called as the command, the process ends next: spare it the final garbage
        # collection over everything the imports created (~0.4 s). Files and sockets are
        # closed by then; freezing only skips that collection.
        gc.freeze()
    return status
