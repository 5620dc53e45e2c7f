"""The rollout package's public surface: every name imports, is documented, and the root
re-exports the executor lazily (importing the package loads no rollout code)."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import gke_service_extensions
from gke_service_extensions import rollout


@pytest.mark.parametrize("name", rollout.__all__)
def test_every_rollout_name_imports_and_is_documented(name: str) -> None:
    value = getattr(rollout, name)
    if inspect.isclass(value) or inspect.isfunction(value):
        assert inspect.getdoc(value), name
        assert value.__module__.startswith("gke_service_extensions.rollout"), name


@pytest.mark.parametrize("name", ["Rollout", "RolloutPlan", "RolloutResult", "plan_rollout"])
def test_the_root_reexports_the_executor_as_the_same_object(name: str) -> None:
    assert getattr(gke_service_extensions, name) is getattr(rollout, name)
    assert name in gke_service_extensions.__all__


def test_importing_the_package_loads_no_rollout_code() -> None:
    code = ("import sys, gke_service_extensions\n"
            "print(any(m.startswith('gke_service_extensions.rollout') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
