"""An async wait cancelled by ``asyncio.wait_for`` (the object never gets programmed).

Usage: async_cancel.py NAMESPACE NAME
"""

import asyncio
import sys

from _common import finish

from gke_service_extensions import ExtensionsClient


async def main(namespace: str, name: str) -> None:
    with ExtensionsClient.from_kubeconfig() as client:
        wait = client.async_wait_until_programmed(("GCPTrafficExtension", name, namespace),
                                                  timeout=60)
        try:
            await asyncio.wait_for(wait, timeout=1.0)
        except TimeoutError as err:  # asyncio.wait_for's after 1 s (the wait's own comes at 60 s)
            print(f"result {type(err).__name__}", flush=True)


asyncio.run(main(*sys.argv[1:3]))
finish()
