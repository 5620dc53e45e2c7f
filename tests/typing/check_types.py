"""Static checks of the public API's types: ``mypy --strict tests/typing`` (run by CI).

Not collected by pytest. Each ``assert_type`` fails the mypy run if the API's types drift;
each ``type: ignore[...]`` fails it (``warn_unused_ignores``) if a wrong call stops being an
error.
"""

from __future__ import annotations

from typing import Any, assert_type

from gke_service_extensions import (
    ExtensionsClient,
    GCPRoutingExtension,
    GCPTrafficExtension,
    GCPWasmPlugin,
    WaitResult,
    wait_until_programmed,
)
from gke_service_extensions.kube import KubeObject


async def check_waits(client: ExtensionsClient, ext: GCPTrafficExtension) -> None:
    assert_type(client.wait_until_programmed(ext), WaitResult[GCPTrafficExtension])
    assert_type(client.wait_until_programmed(ext, timeout=5).obj, GCPTrafficExtension)
    assert_type(client.wait_until_programmed((GCPWasmPlugin, "p")).obj, GCPWasmPlugin)
    assert_type(client.wait_until_programmed((GCPRoutingExtension, "r", "ns")),
                WaitResult[GCPRoutingExtension])
    assert_type(client.wait_until_programmed(("GCPTrafficExtension", "x", None)),
                WaitResult[Any])
    assert_type(await client.async_wait_until_programmed(ext), WaitResult[GCPTrafficExtension])
    assert_type(wait_until_programmed(ext, kubeconfig="kc", timeout=3),
                WaitResult[GCPTrafficExtension])
    assert_type(client.wait_all_programmed([ext]), list[WaitResult[Any]])
    client.wait_until_programmed(ext, timout=5)  # type: ignore[call-overload]
    client.wait_until_programmed(ext, 5)  # type: ignore[call-overload]
    wait_until_programmed(ext, _canceller=None)  # type: ignore[call-overload]


def check_crud(client: ExtensionsClient) -> None:
    assert_type(client.get(GCPTrafficExtension, "x"), GCPTrafficExtension)
    assert_type(client.get("GCPRoutingExtension", "x"), KubeObject)
    assert_type(client.list(GCPWasmPlugin), list[GCPWasmPlugin])
    assert_type(client.list("gcpwasmplugins"), list[KubeObject])
