"""``await client.async_wait_until_programmed(...)`` inside ``asyncio.run``.

Usage: async_wait.py NAMESPACE NAME GATEWAY
"""

import asyncio
import sys

from _common import extension, finish

from gke_service_extensions import ExtensionsClient


async def main(namespace: str, name: str, gateway: str) -> None:
    with ExtensionsClient.from_kubeconfig() as client:
        applied = client.apply(extension(namespace, name, gateway))
        result = await client.async_wait_until_programmed(applied, timeout=60)
        print(f"result {result.state.outcome.name} {result.obj.ref}", flush=True)


asyncio.run(main(*sys.argv[1:4]))
finish()
