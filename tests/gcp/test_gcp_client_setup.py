"""Building a GCPClient: lazy Google imports, credentials, options; views from odd JSON."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gke_service_extensions import Event, GCPAuthenticationError, GCPError
from gke_service_extensions.gcp import GCPClient, LbRouteExtension, PluginLogConfig, WasmPlugin


def test_importing_the_gcp_layer_loads_no_google_library() -> None:
    code = ("import sys, gke_service_extensions.gcp\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('google', 'grpc', 'requests', 'tenacity', 'kubernetes'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == ""


def test_without_credentials_or_adc_the_error_says_how_to_get_some(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(GCPAuthenticationError, match="gcloud auth application-default login"):
        GCPClient(project="p")


def test_a_project_is_needed_only_to_list_or_complete_bare_ids() -> None:
    from google.auth.credentials import AnonymousCredentials

    gcp = GCPClient(credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
    with pytest.raises(GCPError, match="no Google Cloud project"):
        gcp.list_wasm_plugins()


def test_client_options_as_a_mapping_and_api_endpoint_combine() -> None:
    from google.auth.credentials import AnonymousCredentials

    gcp = GCPClient(project="p", credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
                    client_options={"quota_project_id": "billing"},
                    api_endpoint="http://127.0.0.1:9")
    client = gcp._client("dep")
    assert client.api_endpoint == "http://127.0.0.1:9"
    gcp.close()


def test_views_tolerate_sparse_and_unknown_values() -> None:
    route = LbRouteExtension.from_json({
        "name": "projects/p/locations/us-west1/lbRouteExtensions/r",
        "extensionChains": [{"name": "c", "extensions": [
            {"name": "e", "service": "s", "supportedEvents": ["REQUEST_HEADERS", "NEW_EVENT"]}]}],
    })
    (ext,) = route.extensions
    assert ext.supported_events == (Event.REQUEST_HEADERS, "NEW_EVENT")
    assert (ext.timeout, ext.authority, ext.fail_open) == (None, None, False)
    assert route.location == "us-west1"
    assert route.load_balancing_scheme is None
    plugin = WasmPlugin.from_json({"name": "projects/p/locations/global/wasmPlugins/w"})
    assert (plugin.versions, plugin.main_version, plugin.log_config) == ({}, None, None)
    assert PluginLogConfig.from_json({"enable": True}).sample_rate_ppm == 0


def test_the_callers_client_options_are_not_changed() -> None:
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials

    options = ClientOptions(quota_project_id="billing")
    gcp = GCPClient(project="p", credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
                    client_options=options, api_endpoint="http://127.0.0.1:9")
    assert options.api_endpoint is None
    assert gcp._client("ns").api_endpoint == "http://127.0.0.1:9"
    gcp.close()
