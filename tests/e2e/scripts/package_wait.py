"""The package-level ``wait_until_programmed``: connects with a kubeconfig, waits, closes.

Usage: package_wait.py KUBECONFIG NAMESPACE NAME
"""

import sys

from _common import finish

import gke_service_extensions

kubeconfig, namespace, name = sys.argv[1:4]
result = gke_service_extensions.wait_until_programmed(
    ("GCPTrafficExtension", name, namespace), kubeconfig=kubeconfig, timeout=60)
print(f"result {result.state.outcome.name} {result.obj.ref}", flush=True)
finish()
