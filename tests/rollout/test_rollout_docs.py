"""docs/rollouts.md's simulator example runs as written, as a script in its own process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "rollouts.md"


def test_the_simulator_example_runs_as_a_script_and_prints_what_the_page_says(
        tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    (code,) = [b for b in blocks if "GKESimulator()" in b]
    script = tmp_path / "rollout_example.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Succeeded ['preflight', 'stage', 'wait-staged', 'switch', 'wait-switched', "
        "'verify', 'bake', 'prune']",
        "['v1', 'v2']"]
    page = " ".join(DOC.read_text().split())
    assert ("It prints `Succeeded ['preflight', 'stage', 'wait-staged', 'switch', "
            "'wait-switched', 'verify', 'bake', 'prune']` and `['v1', 'v2']`.") in page
