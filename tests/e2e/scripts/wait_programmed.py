"""Apply an extension, then wait until it is programmed (the status flip comes later).

Usage: wait_programmed.py NAMESPACE NAME GATEWAY
"""

import sys

from _common import extension, finish, on_change

from gke_service_extensions import ExtensionsClient

namespace, name, gateway = sys.argv[1:4]
with ExtensionsClient.from_kubeconfig() as client:
    applied = client.apply(extension(namespace, name, gateway))
    result = client.wait_until_programmed(applied, timeout=60, on_change=on_change)
    print(f"result {result.state.outcome.name} {result.obj.ref}", flush=True)
finish()
