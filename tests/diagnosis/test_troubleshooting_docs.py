"""docs/troubleshooting.md's examples run as written and print what the page says; a script
diagnoses an extension on a simulator running in another process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "troubleshooting.md"


def pairs() -> list[tuple[str, str]]:
    """Each python block with the ``text`` block printed after it ("prints")."""
    text = DOC.read_text()
    return re.findall(r"```python\n(.*?)```\s*\nprints\s*\n\s*```text\n(.*?)```", text,
                      flags=re.S)


def test_every_example_prints_what_the_page_says(capsys: pytest.CaptureFixture[str]) -> None:
    examples = pairs()
    assert len(examples) == 4
    namespace: dict[str, object] = {}
    for code, printed in examples:
        exec(compile(code, str(DOC), "exec"), namespace)
        assert capsys.readouterr().out == printed


@pytest.fixture
def kubeconfig() -> Iterator[str]:
    """``python -m gke_service_extensions.testing --no-admission`` in its own process (the
    script applies an extension GKE would refuse, to diagnose it); its kubeconfig."""
    proc = subprocess.Popen([sys.executable, "-m", "gke_service_extensions.testing",
                             "--no-admission"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        path = None
        for line in proc.stdout:
            m = re.match(r"kubeconfig:\s+(\S+)", line)
            if m:
                path = m.group(1)
            if line.startswith("Ctrl-C"):
                break
        assert path is not None
        yield path
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_script_diagnoses_on_a_simulator_in_another_process(
        kubeconfig: str, tmp_path: Path) -> None:
    manifest = pairs()[0][0].split('MANIFEST = """', 1)[1].split('"""', 1)[0]
    script = tmp_path / "why.py"
    script.write_text(
        "import sys\n"
        "from gke_service_extensions import ExtensionsClient, load_manifests, preflight\n"
        "from gke_service_extensions import diagnose\n"
        f'MANIFEST = """{manifest}"""\n'
        "with ExtensionsClient.from_kubeconfig() as client:\n"
        "    ext = load_manifests(MANIFEST)[0]\n"
        "    print(preflight(client, ext).to_dict()['ok'])\n"
        "    client.apply(ext)\n"
        "    result = diagnose(client, ext)\n"
        "    print(result)\n"
        "    sys.exit(0 if result.ok else 3)\n")
    env = {**os.environ, "KUBECONFIG": kubeconfig}
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "False"
    assert lines[1] == "diagnosis of GCPTrafficExtension default/my-ext: 2 errors"
    assert lines[2].startswith("ERROR gateway-not-found [Gateway default/external-http]: ")
