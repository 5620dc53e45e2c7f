"""Command-line front end (being built)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gke-service-extensions`` command."""
    from ._main import run

    return run(argv)
