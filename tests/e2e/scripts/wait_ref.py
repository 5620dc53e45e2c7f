"""Wait for an extension named by reference; print the outcome or the error's class.

Usage: wait_ref.py NAMESPACE NAME TIMEOUT

The issue's smoke script: an expected error (not found, timeout, programming failed) is
printed as ``result <ErrorClass>`` and the script exits 0.
"""

import sys

from _common import finish, on_change

from gke_service_extensions import ExtensionsClient, GKEServiceExtensionsError

namespace, name, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
with ExtensionsClient.from_kubeconfig() as client:
    try:
        result = client.wait_until_programmed(("GCPTrafficExtension", name, namespace),
                                              timeout=timeout, on_change=on_change)
    except GKEServiceExtensionsError as err:
        print(f"result {type(err).__name__}", flush=True)
    else:
        print(f"result {result.state.outcome.name} {result.obj.ref}", flush=True)
finish()
