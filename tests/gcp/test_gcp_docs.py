"""docs/gcp.md's examples run as written against the simulator."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "gcp.md"


def block(containing: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    (found,) = [b for b in blocks if containing in b]
    return found


def run(code: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    exec(compile(code, str(DOC), "exec"), {})
    return capsys.readouterr().out.splitlines()


def test_the_opening_example_reads_back_what_gke_built(
    capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(block("resources_for_gateway"), capsys)
    assert len(out) == 5
    assert re.match(r"projects/sim-project/locations/global/lbTrafficExtensions/\S+ "
                    r"\[\[<Event.REQUEST_HEADERS: 'RequestHeaders'>\]\]$", out[0])
    # GKE generates the version id: PREFIX-VERSIONNAME-SUFFIX
    assert re.match(r"gkegw1-[a-z0-9]{4}-v1-[a-z0-9]{12} sha256:[0-9a-f]{64}$", out[1])
    assert out[2] == "0.5 500000"
    assert re.match(r"us-docker.pkg.dev/my-project/wasm/header-rewrite@sha256:[0-9a-f]{64}$",
                    out[3])
    assert out[4] == "[] []"


def test_the_image_reference_example_prints_what_it_says(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(block("parse_image_reference("), capsys) == [
        "us my-project wasm team/auth v2",
        "projects/my-project/locations/us/repositories/wasm/packages/team%2Fauth"]


def test_the_error_example_prints_what_it_says(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(block("fail_next"), capsys) == [
        "3 503 UNAVAILABLE",
        "projects/sim-project/locations/global/wasmPlugins/no-such-plugin"]


@pytest.fixture
def simulator_process() -> Iterator[str]:
    """``python -m gke_service_extensions.testing`` in its own process; its GCP endpoint."""
    proc = subprocess.Popen([sys.executable, "-m", "gke_service_extensions.testing"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        endpoint = None
        for line in proc.stdout:
            m = re.match(r"Google Cloud:\s+(http://\S+)", line)
            if m:
                endpoint = m.group(1)
            if line.startswith("Ctrl-C"):
                break
        assert endpoint is not None
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_script_reaches_a_simulator_in_another_process(
    simulator_process: str, tmp_path: Path
) -> None:
    code = block("AnonymousCredentials").replace("http://127.0.0.1:8089", simulator_process)
    script = tmp_path / "list_plugins.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ})
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"
