"""Diagnosis and preflight: "why isn't my extension programmed?" in one call.

:func:`diagnose` reads a GCPTrafficExtension, GCPRoutingExtension or GCPWasmPlugin as stored,
with the Gateways, Services, endpoints, plugins and extensions around it (each collection
once), and returns a :class:`Diagnosis`: :class:`Finding`\\ s, most severe first, each saying
what was checked, what was found and the fix. :func:`preflight` runs the checks possible
before applying; ``client.apply(obj, preflight=True)`` refuses with
:class:`~gke_service_extensions.PreflightFailed` when it finds an error.

A layer above ``kube`` and ``gcp``; the GCP layer loads only when a
:class:`~gke_service_extensions.gcp.GCPClient` is passed.
"""

from __future__ import annotations

from ._diagnose import CREATION_TIME_CHECKS, diagnose, preflight
from ._findings import Check, Diagnosis, Finding, Severity

__all__ = ["CREATION_TIME_CHECKS", "Check", "Diagnosis", "Finding", "Severity", "diagnose",
           "preflight"]
