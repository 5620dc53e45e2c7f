"""Apply several extensions (one per Gateway) and wait for them all.

Usage: wait_all.py NAMESPACE GATEWAY_PREFIX COUNT   (Gateways PREFIX-0 .. PREFIX-COUNT-1)
"""

import sys

from _common import extension, finish

from gke_service_extensions import ExtensionsClient

namespace, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with ExtensionsClient.from_kubeconfig() as client:
    applied = [client.apply(extension(namespace, f"ext-{i}", f"{prefix}-{i}"))
               for i in range(count)]
    results = client.wait_all_programmed(applied, timeout=60)
    outcomes = sorted({r.state.outcome.name for r in results})
    print(f"result {len(results)} {','.join(outcomes)}", flush=True)
finish()
