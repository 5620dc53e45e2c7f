"""Block in a wait that cannot end soon (for Ctrl-C); KeyboardInterrupt is not caught.

Usage: wait_blocked.py NAMESPACE NAME
"""

import sys

from _common import on_change

from gke_service_extensions import ExtensionsClient

namespace, name = sys.argv[1:3]
with ExtensionsClient.from_kubeconfig() as client:
    client.wait_until_programmed(("GCPTrafficExtension", name, namespace), timeout=120,
                                 on_change=on_change)
