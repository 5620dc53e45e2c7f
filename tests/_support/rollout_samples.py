"""A global external Gateway, a GCPWasmPlugin serving v1 and the traffic extension that
runs it, in the simulator: the starting point of the rollout tests and benchmark."""

from __future__ import annotations

from gke_service_extensions import (
    BackendRef,
    Event,
    Extension,
    ExtensionChain,
    ExtensionSpec,
    GCPTrafficExtension,
    GCPWasmPlugin,
    ObjectMeta,
    TargetRef,
    WasmPluginSpec,
    WasmPluginVersion,
)
from gke_service_extensions.kube import ExtensionsClient
from gke_service_extensions.testing import GKESimulator

REPO = "us-docker.pkg.dev/sim-project/wasm/plugins/header-plugin"


def pure_plugin(*versions: tuple[str, int], annotations: dict[str, str] | None = None
                ) -> GCPWasmPlugin:
    """A plugin as read from a cluster (resourceVersion 7) with versions ``(name, weight)``
    running ``REPO:<name>``, logging on."""
    meta: dict[str, object] = {"name": "p", "namespace": "default", "resourceVersion": "7"}
    if annotations:
        meta["annotations"] = annotations
    return GCPWasmPlugin.from_manifest({
        "apiVersion": "networking.gke.io/v1", "kind": "GCPWasmPlugin", "metadata": meta,
        "spec": {"versions": [{"name": n, "image": f"{REPO}:{n}", "weight": w}
                              for n, w in versions],
                 "logConfig": {"enabled": True}}})


def image(tag: str) -> str:
    return f"{REPO}:{tag}"


def plugin_v1(name: str = "plugin", namespace: str = "default") -> GCPWasmPlugin:
    return GCPWasmPlugin(
        metadata=ObjectMeta(name=name, namespace=namespace),
        spec=WasmPluginSpec(versions=[WasmPluginVersion(name="v1", image=image("v1"),
                                                        weight=1_000_000)]),
    ).validated()


def extension(plugin: str = "plugin", name: str = "traffic", gateway: str = "gw",
              namespace: str = "default") -> GCPTrafficExtension:
    return GCPTrafficExtension(
        metadata=ObjectMeta(name=name, namespace=namespace),
        spec=ExtensionSpec(
            target_refs=[TargetRef.gateway(gateway)],
            extension_chains=[ExtensionChain(name="chain1", extensions=[Extension(
                name="ext1", supported_events=[Event.REQUEST_HEADERS],
                backend_ref=BackendRef.wasm_plugin(plugin))])]),
    ).validated()


def set_up(sim: GKESimulator, kube: ExtensionsClient, *, plugin: str = "plugin",
           gateway: str = "gw", tags: tuple[str, ...] = ("v1", "v2"),
           add_gateway: bool = True) -> GCPWasmPlugin:
    """Gateway ``gateway``, images ``tags``, plugin ``plugin`` serving v1, all programmed."""
    if add_gateway:
        sim.add_gateway(gateway, "gke-l7-global-external-managed")
    for tag in tags:
        sim.add_image(image(tag))
    created = kube.apply(plugin_v1(plugin))
    ext = kube.apply(extension(plugin, f"{plugin}-traffic", gateway))
    kube.wait_all_programmed([created, ext], timeout=30)
    return kube.get(GCPWasmPlugin, plugin)
