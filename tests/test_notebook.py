"""Notebooks: concise reprs, HTML displays, and the example notebook executed in a kernel
(a wait shows its progress there without a callback)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gke_service_extensions import ExtensionsClient
from gke_service_extensions.models import load_manifests
from gke_service_extensions.testing import GKESimulator

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "notebooks" / "getting-started.ipynb"
IMAGE = "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"


def test_model_repr_lists_only_the_fields_that_hold_something() -> None:
    plugin = load_manifests((ROOT / "examples" / "wasm-plugin.yaml").read_text())[0]
    text = repr(plugin)
    assert "None" not in text
    assert "name='gcp-wasm-plugin'" in text
    html = plugin._repr_html_()
    assert "GCPWasmPlugin default/gcp-wasm-plugin" in html
    assert "image: us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main" in html


def test_wait_result_repr_is_one_line_without_the_manifest(
        gke_simulator: GKESimulator) -> None:
    gke_simulator.add_gateway("external-http")
    gke_simulator.add_image(IMAGE)
    objs = load_manifests((ROOT / "examples" / "wasm-plugin.yaml").read_text())
    with ExtensionsClient(gke_simulator.api_client()) as client:
        applied = [client.apply(o) for o in objs]
        result = client.wait_until_programmed(applied[1], timeout=30)
    text = repr(result)
    assert "managedFields" not in text
    assert "\n" not in text
    assert len(text) < 300
    assert text.startswith("WaitResult(GCPTrafficExtension default/traffic-ext-wasm: "
                           "Programmed after ")
    assert "<td>Gateway default/external-http</td>" in result._repr_html_()


def test_outside_a_kernel_a_wait_gets_no_display_callback() -> None:
    from gke_service_extensions.kube._notebook import in_notebook, notebook_progress

    assert not in_notebook()
    assert notebook_progress() is None


def _outputs(nb: Any) -> list[Any]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]


def test_the_example_notebook_runs_and_shows_progress_without_a_callback() -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    try:
        nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    except nbclient.exceptions.CellExecutionError:
        raise
    except Exception as exc:  # no kernel on this machine: say so rather than fail
        pytest.skip(f"a Jupyter kernel could not start: {exc}")
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    progress = [o for o in outputs if o.output_type == "display_data"
                and "Programmed" in o.data.get("text/html", "")]
    assert progress, "the wait displayed its progress"
    html = [o.data["text/html"] for o in outputs if o.output_type == "execute_result"]
    assert any("<pre>apiVersion: networking.gke.io/v1" in h for h in html)  # the model
    assert any("No drift" in h for h in html)
    assert any("Rollout of" in h for h in html)
