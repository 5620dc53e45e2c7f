"""The end-to-end demo on the embedded GKE simulator (``gke-service-extensions demo``).

What a user does by hand today, as code: write the manifests, apply them, wait until GKE
says every Gateway is programmed, then see what GKE built in Google Cloud. Runs entirely on
127.0.0.1; nothing is sent anywhere else.
"""

from __future__ import annotations

import time
from typing import Any, TextIO

from .._errors import ProgrammingFailed
from .._gke import GLOBAL_EXTERNAL_MANAGED, KIND_BINDINGS, REGIONAL_INTERNAL_MANAGED

__all__ = ["run_demo"]

WASM_IMAGE = "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"


def _objects() -> list[Any]:
    from ..models import (
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

    plugin = GCPWasmPlugin(
        metadata=ObjectMeta(name="gcp-wasm-plugin", namespace="default"),
        spec=WasmPluginSpec(
            versions=[WasmPluginVersion(name="v1", image=WASM_IMAGE, weight=1_000_000)],
            log_config=LogConfig(enabled=True, sample_rate=1_000_000),
        ),
    )
    traffic = GCPTrafficExtension(
        metadata=ObjectMeta(name="traffic-ext-wasm", namespace="default"),
        spec=ExtensionSpec(
            target_refs=[TargetRef.gateway("external-http")],
            extension_chains=[ExtensionChain(
                name="chain1",
                match_condition=MatchCondition.cel('request.path.startsWith("/")'),
                extensions=[Extension(
                    name="ext1",
                    supported_events=[Event.REQUEST_HEADERS, Event.RESPONSE_HEADERS],
                    backend_ref=BackendRef.wasm_plugin("gcp-wasm-plugin"),
                )],
            )],
        ),
    )
    routing = GCPRoutingExtension(
        metadata=ObjectMeta(name="my-gateway-extension", namespace="default"),
        spec=ExtensionSpec(
            target_refs=[TargetRef.gateway("internal-http")],
            extension_chains=[ExtensionChain(
                name="chain1",
                match_condition=MatchCondition.cel('request.path.contains("serviceextensions")'),
                extensions=[Extension(
                    name="ext1", authority="myext.com", timeout="1s",
                    backend_ref=BackendRef.service("extension-service", 443),
                )],
            )],
        ),
    )
    return [plugin.validated(), traffic.validated(), routing.validated()]


def _misplaced_routing_extension() -> Any:
    """A routing extension on a global external Gateway: GKE refuses it (NotAllowed)."""
    from ..models import GCPRoutingExtension

    obj = _objects()[2].to_manifest()
    obj["metadata"]["name"] = "routing-on-global"
    obj["spec"]["targetRefs"][0]["name"] = "external-http"
    return GCPRoutingExtension.from_manifest(obj)


def _gcp_resources(sim: Any, gateways: list[Any], out: TextIO) -> None:
    with sim.gcp() as gcp:
        for gateway in gateways:
            found = gcp.resources_for_gateway(gateway)
            for ext in found.traffic_extensions:
                events = sorted({str(e) for x in ext.extensions for e in x.supported_events})
                print(f"  LbTrafficExtension {ext.name}\n    events {', '.join(events)}",
                      file=out)
            for rext in found.route_extensions:
                services = [x.service for x in rext.extensions]
                print(f"  LbRouteExtension {rext.name}\n    service {', '.join(services)}",
                      file=out)
            for plugin in found.wasm_plugins:
                main = plugin.main_version
                digest = main.image_digest if main else "?"
                print(f"  WasmPlugin {plugin.name}\n    main version {plugin.main_version_id} "
                      f"image digest {digest}", file=out)
            for name in found.missing:
                print(f"  missing in Google Cloud: {name}", file=out)


def run_demo(*, delay: float = 2.0, timeout: float = 60.0, out: TextIO) -> int:
    """Run the demo; returns the exit status."""
    from ..kube import ExtensionsClient
    from ..models import Gateway, dump_manifests
    from ..testing import GKESimulator
    from ..testing._controller import ControllerSettings

    settings = ControllerSettings(programming_delay=delay,
                                  transient_states=("Pending", "Provisioning"))
    print("Starting the embedded GKE simulator (Kubernetes API, gateway controller and "
          "Google Cloud APIs on 127.0.0.1)...", file=out)
    with GKESimulator(controller_settings=settings) as sim:
        print(f"  kubeconfig: {sim.kubeconfig_path}  (try: kubectl --kubeconfig "
              f"{sim.kubeconfig_path} get gcptrafficextensions)", file=out)
        sim.add_gateway("external-http", GLOBAL_EXTERNAL_MANAGED)
        sim.add_gateway("internal-http", REGIONAL_INTERNAL_MANAGED)
        sim.add_service("extension-service", port=443, app_protocol="HTTP2")
        sim.add_image(WASM_IMAGE)

        objs = _objects()
        print("\n1. Manifests built and validated in Python:\n", file=out)
        print(dump_manifests(objs), file=out)

        with ExtensionsClient(sim.api_client()) as client:
            print("2. Server-side apply:", file=out)
            applied = [client.apply(o) for o in objs]
            for obj in applied:
                print(f"  applied {obj.ref} (generation {obj.metadata.generation})", file=out)

            print("\n3. Waiting until GKE has programmed every target Gateway:", file=out)
            seen: set[str] = set()

            def on_change(state: Any) -> None:
                for line in state.summary_lines():
                    if line not in seen:
                        seen.add(line)
                        print(f"  {line}", file=out)

            started = time.monotonic()
            results = client.wait_all_programmed(applied, timeout=timeout, on_change=on_change)
            print(f"  all {len(results)} objects programmed in "
                  f"{time.monotonic() - started:.1f}s", file=out)

            print("\n4. What GKE recorded on the Gateways:", file=out)
            gateways = [client.get(Gateway, name) for name in ("external-http", "internal-http")]
            for gw in gateways:
                name = gw.metadata.name
                print(f"  Gateway default/{name} address {gw.address}", file=out)
                for key in (b.annotation.short_name for b in KIND_BINDINGS.values()):
                    for path in gw.gke_annotation(key):
                        print(f"    {key}: {path}", file=out)

            print("\n5. What GKE built in Google Cloud (Network Services API):", file=out)
            _gcp_resources(sim, gateways, out)

            print("\n6. A mistake fails fast with GKE's reason instead of a silent hang:",
                  file=out)
            bad = client.apply(_misplaced_routing_extension())
            try:
                client.wait_until_programmed(bad, timeout=timeout)
            except ProgrammingFailed as exc:
                print(f"  ProgrammingFailed: {exc}", file=out)
            else:
                print("  unexpected: the misplaced routing extension was programmed", file=out)
                return 1
    print("\nDone: the simulator is stopped and its files removed.", file=out)
    return 0
