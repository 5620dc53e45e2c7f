"""Fixtures: ``python -m gke_service_extensions.testing`` in its own process."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator

import pytest
from fidelity_shell import ShellSim, start_process


@pytest.fixture
def shell_sim_factory() -> Iterator[Callable[..., ShellSim]]:
    procs: list[subprocess.Popen[str]] = []

    def make(*extra: str) -> ShellSim:
        proc, sim = start_process(*extra)
        procs.append(proc)
        return sim

    yield make
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def shell_sim(shell_sim_factory: Callable[..., ShellSim]) -> ShellSim:
    return shell_sim_factory()  # admission as GKE's: the default
