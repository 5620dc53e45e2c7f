"""Apply an extension and wait until its Gateway names the load balancer resource.

Usage: gateway_binding.py NAMESPACE NAME GATEWAY
"""

import sys

from _common import extension, finish

from gke_service_extensions import ExtensionsClient

namespace, name, gateway = sys.argv[1:4]
with ExtensionsClient.from_kubeconfig() as client:
    applied = client.apply(extension(namespace, name, gateway))
    paths = client.wait_for_gateway_binding(gateway, applied, timeout=60)
    print(f"result {len(paths)} {' '.join(paths)}", flush=True)
finish()
