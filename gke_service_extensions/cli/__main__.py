"""``python -m gke_service_extensions.cli``: the ``gke-service-extensions`` command."""

from __future__ import annotations

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
