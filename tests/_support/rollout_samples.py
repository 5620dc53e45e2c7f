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
           gateway: str = "gw", tags: tuple[str, ...] = ("v1", "v2")) -> GCPWasmPlugin:
    """Gateway ``gateway``, images ``tags``, plugin ``plugin`` serving v1, programmed."""
    if kube.list(Gateway_kind(), namespace="default") == [] or not any(
            g.metadata.name == gateway for g in kube.list(Gateway_kind(), namespace="default")):
        sim.add_gateway(gateway, "gke-l7-global-external-managed")
    for tag in tags:
        sim.add_image(image(tag))
    created = kube.apply(plugin_v1(plugin))
    ext = kube.apply(extension(plugin, f"{plugin}-traffic", gateway))
    kube.wait_all_programmed([created, ext], timeout=30)
    return kube.get(GCPWasmPlugin, plugin)


def Gateway_kind() -> type:  # noqa: N802 - reads like the kind
    from gke_service_extensions import Gateway

    return Gateway
