"""Apply an extension GKE cannot program (its Service is missing): ProgrammingFailed.

Usage: wait_failed.py NAMESPACE NAME GATEWAY
"""

import sys

from _common import extension, finish

from gke_service_extensions import ExtensionsClient, ProgrammingFailed

namespace, name, gateway = sys.argv[1:4]
with ExtensionsClient.from_kubeconfig() as client:
    applied = client.apply(extension(namespace, name, gateway, service="no-such-service"))
    try:
        client.wait_until_programmed(applied, timeout=60)
    except ProgrammingFailed as err:
        print(f"result {type(err).__name__} reason={err.reason}", flush=True)
finish()
