"""Fixtures of the end-to-end tests: simulators in their own processes, as users run them.

``gke_process``: ``python -m gke_service_extensions.testing`` with its gateway controller (it
programs extensions like GKE, and refuses as GKE does those whose Gateway, Service or
endpoints are missing). ``status_path_process``: the same with ``--no-admission``, for tests
of GKE's failures reported in status. ``bare_process``: without a controller (and without
admission), so objects stay unprogrammed until a test writes their status (pending waits,
timeouts, Ctrl-C). All are started once per session, stopped with SIGTERM at the end; a
simulator that cannot start skips these tests with its output as the reason, one that hangs
for 20 s fails them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from external_sim import (
    ExternalSimulator,
    SimulatorDidNotStart,
    SimulatorHung,
    start_simulator,
    stop_simulator,
)


def _simulator(*args: str) -> Iterator[ExternalSimulator]:
    try:
        sim = start_simulator(*args)
    except SimulatorDidNotStart as err:
        pytest.skip(f"the GKE simulator could not start in its own process: {err}")
    except SimulatorHung as err:
        pytest.fail(f"the GKE simulator did not start: {err}")
    try:
        yield sim
    finally:
        stop_simulator(sim)


@pytest.fixture(scope="session")
def gke_process() -> Iterator[ExternalSimulator]:
    """A simulator with its gateway controller, in another process."""
    yield from _simulator()


@pytest.fixture(scope="session")
def status_path_process() -> Iterator[ExternalSimulator]:
    """A simulator with its gateway controller and without GKE's admission: an extension
    whose Service is missing is stored, and its status says why it is not programmed."""
    yield from _simulator("--no-admission")


@pytest.fixture(scope="session")
def bare_process() -> Iterator[ExternalSimulator]:
    """A simulator without a gateway controller (nothing gets programmed) nor admission
    (extensions need no Gateway or Service), in another process."""
    yield from _simulator("--no-controller", "--no-gcp", "--no-admission")
