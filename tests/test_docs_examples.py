"""Every Python and shell example in docs/ and the README runs, against the simulator.

The blocks of one page run in order in one namespace (a later block may use what an earlier
one defined), against a fresh simulator that has the GKE guide's Gateways, Services and the
sample Wasm images. ``KUBECONFIG`` points at it, and so does a ``GCPClient`` built without
an endpoint (the test stands in for application default credentials). Shell blocks run in
bash with the same environment; in ``console`` blocks, the lines after a ``$ command`` are
its expected output (each must appear, ``...`` matches anything).

The examples may use a few names as if the reader had them: ``sim`` (that simulator),
``manifest`` (the GKE guide's traffic extension as a dict), ``my_traffic_extension`` (the
same as a model) and ``plugin`` (a GCPWasmPlugin model, ``my-plugin``, serving
``header-plugin:v1``).

A block that cannot run (it installs packages, or needs a real project) is preceded by an
HTML comment ``<!-- norun: why -->``; keep them few.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gke_service_extensions.testing import GKESimulator

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"(?P<marker><!--\s*norun[^>]*-->\s*\n)?```(?P<lang>[a-z]*)\n(?P<body>.*?)```",
                   re.S)
SHELLS = ("bash", "sh", "shell", "console")
IMAGES = ("us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main",
          "us-docker.pkg.dev/service-extensions-samples/plugins/add-header:main",
          "us-docker.pkg.dev/my-project/wasm/header-plugin:v1",
          "us-docker.pkg.dev/my-project/wasm/header-plugin:v2")
MAX_NORUN = 12


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    body: str
    norun: bool


def blocks(page: Path) -> list[Block]:
    text = page.read_text()
    return [Block(page, text[:m.start("body")].count("\n") + 1, m["lang"], m["body"],
                  bool(m["marker"]))
            for m in BLOCK.finditer(text) if m["lang"] in ("python", *SHELLS)]


def test_examples_are_collected_and_few_are_left_out() -> None:
    found = [b for p in PAGES for b in blocks(p)]
    assert len(found) > 30
    left_out = [f"{b.page.name}:{b.line}" for b in found if b.norun]
    assert len(left_out) <= MAX_NORUN, left_out


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[GKESimulator]:
    from google.auth.credentials import AnonymousCredentials

    import gke_service_extensions.gcp._client as gcp_client

    with GKESimulator() as sim:
        from gke_service_extensions._gke import REGIONAL_INTERNAL_MANAGED

        sim.add_gateway("external-http")
        sim.add_gateway("internal-http", REGIONAL_INTERNAL_MANAGED)
        for name in ("extension-service", "callout-service"):
            sim.add_service(name, port=443)
        for image in IMAGES:
            sim.add_image(image)
        assert sim.gcp_endpoint
        env = {**sim.kubectl_env(), **sim.gcp_server.gcloud_env(str(tmp_path / "gcloud"))}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}"
                                   f"{os.environ['PATH']}")
        monkeypatch.setattr(gcp_client, "_application_default_credentials",
                            lambda: (AnonymousCredentials(), sim.project_id))
        original = gcp_client._client_options

        def options(client_options: object, api_endpoint: str | None) -> object:
            return original(client_options, api_endpoint or sim.gcp_endpoint)

        monkeypatch.setattr(gcp_client, "_client_options", options)
        work = tmp_path / "work"
        work.mkdir()
        (work / "examples").symlink_to(ROOT / "examples")
        (work / "manifests.yaml").write_text((ROOT / "examples" / "wasm-plugin.yaml").read_text())
        monkeypatch.chdir(work)
        yield sim


def _names(sim: GKESimulator) -> dict[str, object]:
    import yaml

    from gke_service_extensions.models import GCPTrafficExtension, GCPWasmPlugin

    manifest = yaml.safe_load((ROOT / "examples" / "traffic-extension-events.yaml").read_text())
    plugin = GCPWasmPlugin.from_manifest({
        "apiVersion": "networking.gke.io/v1", "kind": "GCPWasmPlugin",
        "metadata": {"name": "my-plugin", "namespace": "default"},
        "spec": {"versions": [{"name": "v1", "image": IMAGES[2], "weight": 1_000_000}]}})
    from gke_service_extensions import ExtensionsClient

    mine = {**manifest, "metadata": {**manifest["metadata"], "name": "my-ext"},
            "spec": {**manifest["spec"], "targetRefs": [
                {**manifest["spec"]["targetRefs"][0], "name": "internal-http"}]}}
    with ExtensionsClient(sim.api_client()) as client:
        client.apply(GCPTrafficExtension.from_manifest(mine))
    return {"sim": sim, "manifest": manifest, "plugin": plugin,
            "my_traffic_extension": GCPTrafficExtension.from_manifest(manifest)}


def _run_shell(block: Block) -> None:
    if re.search(r"^\s*(\$ )?gcloud ", block.body, re.M) and shutil.which("gcloud") is None:
        return  # gcloud is not installed here; the Python examples beside it still run
    if block.lang != "console":
        proc = subprocess.run(["bash", "-c", block.body], capture_output=True, text=True,
                              timeout=120, check=False)
        assert proc.returncode == 0, f"{block.page.name}:{block.line}: {proc.stderr}"
        return
    commands: list[tuple[str, list[str]]] = []
    for line in block.body.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands and line.strip():
            commands[-1][1].append(line.strip())
    state = ""
    for command, expected in commands:
        proc = subprocess.run(["bash", "-c", f"{state}\n{command}"], capture_output=True,
                              text=True, timeout=120, check=False)
        state = f"(exit {proc.returncode})"
        got = [line.strip() for line in (proc.stdout + proc.stderr).splitlines()]
        for want in expected:
            pattern = ".*".join(re.escape(part) for part in want.split("..."))
            assert any(re.fullmatch(pattern, g) for g in got), (
                f"{block.page.name}:{block.line}: `{command}` did not print {want!r}; "
                f"it printed {got}")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_example_on_the_page_runs(page: Path, world: GKESimulator,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    runnable = [b for b in blocks(page) if not b.norun]
    if not runnable:
        pytest.skip(f"{page.name} has no runnable example")
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}", **_names(world)}
    for block in runnable:
        if block.lang == "python":
            code = compile("\n" * (block.line - 1) + block.body, str(page), "exec")
            exec(code, namespace)
        else:
            _run_shell(block)
    capsys.readouterr()
