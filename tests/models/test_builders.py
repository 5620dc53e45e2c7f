"""Writing manifests in Python: builders and constructor defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gke_service_extensions import ManifestValidationError
from gke_service_extensions.models import (
    TRAFFIC_EXTENSION,
    WASM_PLUGIN,
    BackendRef,
    Event,
    Extension,
    ExtensionChain,
    ExtensionSpec,
    GCPTrafficExtension,
    GCPWasmPlugin,
    LogConfig,
    LogLevel,
    MatchCondition,
    ObjectMeta,
    TargetRef,
    WasmPluginSpec,
    WasmPluginVersion,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_builders_write_the_guides_traffic_extension() -> None:
    ext = GCPTrafficExtension(
        metadata=ObjectMeta(name="my-traffic-extension", namespace="default"),
        spec=ExtensionSpec(
            target_refs=[TargetRef.gateway("external-http")],
            extension_chains=[
                ExtensionChain(
                    name="chain1",
                    match_condition=MatchCondition.cel(
                        'request.path.contains("serviceextensions")'),
                    extensions=[
                        Extension(
                            name="ext1",
                            authority="myext.com",
                            timeout="1s",
                            supported_events=[Event.REQUEST_HEADERS, Event.RESPONSE_HEADERS],
                            backend_ref=BackendRef.service("extension-service", 443),
                        )
                    ],
                )
            ],
        ),
    )
    expected = yaml.safe_load((EXAMPLES / "traffic-extension-events.yaml").read_text())
    assert ext.validated().to_manifest() == expected


def test_builders_write_the_guides_wasm_plugin_and_its_extension() -> None:
    plugin = GCPWasmPlugin(
        metadata=ObjectMeta(name="gcp-wasm-plugin", namespace="default"),
        spec=WasmPluginSpec(
            versions=[WasmPluginVersion(
                name="wasm-plugin-version", description="Test wasm plugin version",
                image="us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main",
                weight=1_000_000)],
            log_config=LogConfig(enabled=True, sample_rate=1_000_000,
                                 min_log_level=LogLevel.INFO),
        ),
    )
    ext = GCPTrafficExtension(
        metadata=ObjectMeta(name="traffic-ext-wasm", namespace="default"),
        spec=ExtensionSpec(
            target_refs=[TargetRef.gateway("external-http")],
            extension_chains=[ExtensionChain(
                name="chain1",
                match_condition=MatchCondition.cel('request.path.startsWith("/")'),
                extensions=[Extension(
                    name="ext1",
                    supported_events=[Event.REQUEST_HEADERS, Event.RESPONSE_HEADERS],
                    backend_ref=BackendRef.wasm_plugin("gcp-wasm-plugin"))],
            )],
        ),
    )
    expected = [d for d in yaml.safe_load_all((EXAMPLES / "wasm-plugin.yaml").read_text()) if d]
    assert [plugin.validated().to_manifest(), ext.validated().to_manifest()] == expected
    assert plugin.spec.serving_version is not None
    assert plugin.spec.serving_version.name == "wasm-plugin-version"


def test_objects_built_in_python_are_checked_against_crd_rules() -> None:
    ext = GCPTrafficExtension(
        metadata=ObjectMeta(name="x"),
        spec=ExtensionSpec(
            target_refs=[TargetRef.gateway("gw")],
            extension_chains=[ExtensionChain(name="c", extensions=[Extension(
                name="e", timeout="20s", supported_events=[Event.REQUEST_HEADERS],
                backend_ref=BackendRef.wasm_plugin("p"))])],
        ),
    )
    with pytest.raises(ManifestValidationError) as info:
        ext.validated()
    paths = [p.path for p in info.value.problems]
    assert paths.count("spec.extensionChains[0].extensions[0].timeout") == 2


def test_each_kind_carries_its_api_coordinates() -> None:
    assert GCPTrafficExtension.__resource__ is TRAFFIC_EXTENSION
    assert TRAFFIC_EXTENSION.api_version == "networking.gke.io/v1"
    assert TRAFFIC_EXTENSION.plural == "gcptrafficextensions"
    assert GCPWasmPlugin.__resource__ is WASM_PLUGIN
    assert WASM_PLUGIN.namespaced
    assert WASM_PLUGIN.list_kind == "GCPWasmPluginList"
