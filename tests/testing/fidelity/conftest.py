"""Fixtures: ``python -m gke_service_extensions.testing`` in its own process."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fidelity_shell import ShellSim, simulators, start_process


@pytest.fixture
def shell_sim_factory() -> Iterator[Callable[..., ShellSim]]:
    yield from simulators(start_process)


@pytest.fixture
def shell_sim(shell_sim_factory: Callable[..., ShellSim]) -> ShellSim:
    return shell_sim_factory()  # admission as GKE's: the default
