"""Objects GKE programs in the GCP facade's tests: two Gateways' worth of extensions and
a two-version Wasm plugin (shared by the simulator, gcloud and benchmark checks)."""

from __future__ import annotations

from gke_service_extensions import (
    BackendRef,
    Event,
    Extension,
    ExtensionChain,
    ExtensionSpec,
    GCPRoutingExtension,
    GCPTrafficExtension,
    GCPWasmPlugin,
    LogConfig,
    MatchCondition,
    ObjectMeta,
    TargetRef,
    WasmPluginSpec,
    WasmPluginVersion,
)

IMAGE_V1 = "us-docker.pkg.dev/sim-project/wasm/plugins/local-reply:v1"
IMAGE_V2 = "us-docker.pkg.dev/sim-project/wasm/plugins/local-reply:v2"


def gcp_objects() -> list[GCPWasmPlugin | GCPTrafficExtension | GCPRoutingExtension]:
    plugin = GCPWasmPlugin(
        metadata=ObjectMeta(name="plugin", namespace="default"),
        spec=WasmPluginSpec(
            versions=[WasmPluginVersion(name="v1", image=IMAGE_V1, weight=0),
                      WasmPluginVersion(name="v2", image=IMAGE_V2, weight=1_000_000)],
            log_config=LogConfig(enabled=True, sample_rate=250_000),
        ),
    )
    traffic = GCPTrafficExtension(
        metadata=ObjectMeta(name="traffic", namespace="default"),
        spec=ExtensionSpec(
            target_refs=[TargetRef.gateway("external")],
            extension_chains=[ExtensionChain(
                name="chain1", match_condition=MatchCondition.cel('request.path == "/"'),
                extensions=[Extension(
                    name="ext1", supported_events=[Event.REQUEST_HEADERS],
                    backend_ref=BackendRef.wasm_plugin("plugin"))])]),
    )
    routing = GCPRoutingExtension(
        metadata=ObjectMeta(name="routing", namespace="default"),
        spec=ExtensionSpec(
            target_refs=[TargetRef.gateway("internal")],
            extension_chains=[ExtensionChain(
                name="chain1", match_condition=MatchCondition.cel('request.host == "a"'),
                extensions=[Extension(name="ext1", authority="a.example", timeout="250ms",
                                      backend_ref=BackendRef.service("callout", 443))])]),
    )
    return [plugin.validated(), traffic.validated(), routing.validated()]
