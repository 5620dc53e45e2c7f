"""The end-to-end demo on the embedded GKE simulator (``gke-service-extensions demo``).

The GKE guide, as code: the Gateways, the callout Service and an HTTPRoute; the guide's
routing and traffic extensions and Wasm plugin, applied and waited for with live progress;
the Google Cloud resources behind the Gateways (GCP facade); the plugin rolled to a new
version and back (rollout); a broken extension failing fast, then diagnosed. Runs entirely
on 127.0.0.1; nothing is sent anywhere else. ``--keep`` leaves the simulator running.
"""

from __future__ import annotations

import time
from typing import Any, TextIO

from .._errors import ProgrammingFailed
from .._gke import GLOBAL_EXTERNAL_MANAGED, KIND_BINDINGS, REGIONAL_INTERNAL_MANAGED

__all__ = ["run_demo"]

WASM_IMAGE = "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"
WASM_IMAGE_V2 = "us-docker.pkg.dev/service-extensions-samples/plugins/add-header:main"


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


def _gcp_resources(gcp: Any, gateways: list[Any], rep: Any) -> None:
    for gateway in gateways:
        found = gcp.resources_for_gateway(gateway)
        rep.line(f"  Gateway {found.gateway}:")
        for ext in found.traffic_extensions:
            events = sorted({str(e) for x in ext.extensions for e in x.supported_events})
            rep.line(f"    LbTrafficExtension {ext.name}\n      events {', '.join(events)}")
        for rext in found.route_extensions:
            services = [x.service for x in rext.extensions]
            rep.line(f"    LbRouteExtension {rext.name}\n      service {', '.join(services)}")
        for plugin in found.wasm_plugins:
            main = plugin.main_version
            digest = main.image_digest if main else "?"
            rep.line(f"    WasmPlugin {plugin.name}\n      main version "
                     f"{plugin.main_version_id} image digest {digest}")
        for name in found.missing:
            rep.line(f"    missing in Google Cloud: {name}", "red")


def _serving(plugin: Any) -> str:
    version = next((v for v in plugin.spec.versions if v.weight), None)
    return f"{version.name} ({version.image})" if version else "none"


def run_demo(*, delay: float = 2.0, timeout: float = 60.0, keep: bool = False,
             out: TextIO) -> int:
    """Run the demo; returns the exit status. ``keep``: serve until Ctrl-C at the end."""
    from ..diagnosis import diagnose
    from ..kube import ExtensionsClient
    from ..models import Gateway, GCPWasmPlugin, dump_manifests
    from ..rollout import Rollout
    from ..testing import GKESimulator
    from ..testing._controller import ControllerSettings
    from ._output import Reporter

    rep = Reporter(out)
    settings = ControllerSettings(programming_delay=delay,
                                  transient_states=("Pending", "Provisioning"))
    rep.line("Starting the embedded GKE simulator (Kubernetes API, gateway controller and "
             "Google Cloud APIs on 127.0.0.1)...")
    with GKESimulator(controller_settings=settings) as sim:
        rep.line(f"  kubeconfig: {sim.kubeconfig_path}")
        rep.line("\n1. The GKE guide's setup: two Gateways, the callout Service and an "
                 "HTTPRoute", "bold")
        sim.add_gateway("external-http", GLOBAL_EXTERNAL_MANAGED)
        sim.add_gateway("internal-http", REGIONAL_INTERNAL_MANAGED)
        sim.add_service("extension-service", port=443, app_protocol="HTTP2")
        sim.add_service("store", port=8080, app_protocol=None)
        sim.add_http_route("store", gateway="internal-http", service="store", port=8080)
        sim.add_http_route("store-external", gateway="external-http", service="store",
                           port=8080)
        sim.add_image(WASM_IMAGE)
        sim.add_image(WASM_IMAGE_V2)
        rep.line("  Gateway default/external-http (gke-l7-global-external-managed)\n"
                 "  Gateway default/internal-http (gke-l7-rilb)\n"
                 "  Service default/extension-service (the callout, port 443, HTTP2)\n"
                 "  HTTPRoutes default/store, default/store-external -> Service store:8080")

        objs = _objects()
        rep.line("\n2. The guide's extensions, built and validated in Python:\n", "bold")
        print(dump_manifests(objs), file=out)

        with ExtensionsClient(sim.api_client()) as client, sim.gcp() as gcp:
            rep.line("3. Server-side apply:", "bold")
            applied = [client.apply(o) for o in objs]
            for obj in applied:
                rep.line(f"  applied {obj.ref} (generation {obj.metadata.generation})",
                         "green")

            rep.line("\n4. Waiting until GKE has programmed every target Gateway:", "bold")
            started = time.monotonic()
            with rep:
                results = client.wait_all_programmed(applied, timeout=timeout,
                                                     on_change=rep.on_change())
            rep.line(f"  all {len(results)} objects programmed in "
                     f"{time.monotonic() - started:.1f}s", "green")

            rep.line("\n5. What GKE recorded on the Gateways, and built in Google Cloud "
                     "(Network Services API, through the GCP facade):", "bold")
            gateways = [client.get(Gateway, name) for name in ("external-http", "internal-http")]
            for gw in gateways:
                rep.line(f"  Gateway default/{gw.metadata.name} address {gw.address}")
                for key in (b.annotation.short_name for b in KIND_BINDINGS.values()):
                    for path in gw.gke_annotation(key):
                        rep.line(f"    {key}: {path}")
            _gcp_resources(gcp, gateways, rep)

            rep.line("\n6. Rolling the GCPWasmPlugin to a new version, and back "
                     "(staged switch, verified on Google Cloud):", "bold")
            rollout = Rollout(client, gcp=gcp, timeout=timeout)
            for image, version in ((WASM_IMAGE_V2, "v2"), (WASM_IMAGE, "v1")):
                plan = rollout.plan("gcp-wasm-plugin", image, version_name=version)
                result = rollout.run(plan, on_step=lambda s: rep.progress(str(s)))
                plugin = client.get(GCPWasmPlugin, "gcp-wasm-plugin")
                rep.line(f"  rollout to {version}: {result.outcome.value}; serving "
                         f"{_serving(plugin)}", "green" if result.succeeded else "red")
                if not result.succeeded:
                    return 1

            rep.line("\n7. A mistake fails fast with GKE's reason, and the diagnosis "
                     "says why and how to fix it:", "bold")
            bad = client.apply(_misplaced_routing_extension())
            try:
                client.wait_until_programmed(bad, timeout=timeout)
            except ProgrammingFailed as exc:
                rep.line(f"  ProgrammingFailed: {exc}", "red")
            else:
                rep.line("  unexpected: the misplaced routing extension was programmed", "red")
                return 1
            found = diagnose(client, bad, gcp=gcp)
            for text in str(found).splitlines():
                rep.line(f"  {text}")
            if keep:
                _serve(sim, rep)
                return 0
    rep.line("\nDone: the simulator is stopped and its files removed. "
             "(--keep leaves it running.)")
    return 0


def _serve(sim: Any, rep: Any) -> None:
    """Print how to reach the simulator with kubectl and gcloud; serve until Ctrl-C."""
    import signal
    import tempfile
    import threading

    env = sim.kubectl_env()
    gcloud = sim.gcp_server.gcloud_env(tempfile.mkdtemp(prefix="gcloud-config-",
                                                        dir=sim.kubeconfig_path.parent))
    exports = " ".join(f"{k}={v}" for k, v in {**env, **gcloud}.items())
    rep.line("\nThe simulator keeps running. In another shell:", "bold")
    rep.line(f"  export {exports}")
    rep.line("  kubectl get gcptrafficextensions,gcproutingextensions,gcpwasmplugins")
    rep.line("  gcloud service-extensions lb-traffic-extensions list --location=global")
    rep.line("  gcloud beta service-extensions wasm-plugins list --location=global")
    rep.line("  gke-service-extensions status gcptrafficextension/traffic-ext-wasm")
    rep.line("Ctrl-C to stop.")
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
