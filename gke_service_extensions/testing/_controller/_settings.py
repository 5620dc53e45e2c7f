"""Knobs of the simulated GKE gateway controller."""

from __future__ import annotations

from dataclasses import dataclass

from ..._gke import EVENT_SOURCE, GKE_CONTROLLER_NAME

__all__ = ["GKE_CONTROLLER_NAME", "ControllerSettings"]


@dataclass(frozen=True, slots=True)
class ControllerSettings:
    """How the simulated controller behaves.

    ``programming_delay`` (seconds) is how long an accepted extension or plugin stays
    ``Programmed=Unknown`` before it turns ``Programmed=True``; the delay is split evenly
    over ``transient_states``, the reasons shown on that ``Unknown`` condition in turn
    (an empty tuple writes no intermediate status: the first status is the final one).
    ``region`` is where regional Gateway classes put their resources. ``cluster_name``
    seeds the hash in GKE-style resource names. ``address_prefix`` is the /24 that
    Gateway addresses come from (a documentation range: the addresses are only data).
    """

    programming_delay: float = 0.05
    transient_states: tuple[str, ...] = ("Pending",)
    region: str = "us-central1"
    cluster_name: str = "sim-cluster"
    controller_name: str = GKE_CONTROLLER_NAME
    address_prefix: str = "203.0.113"
    event_component: str = EVENT_SOURCE

    def __post_init__(self) -> None:
        if self.programming_delay < 0:
            raise ValueError(f"programming_delay must be >= 0, got {self.programming_delay}")
        if isinstance(self.transient_states, str):
            raise TypeError("transient_states must be a tuple of reasons, not a string")
