"""``python -m gke_service_extensions``: the ``gke-service-extensions`` command."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m gke_service_extensions"))
