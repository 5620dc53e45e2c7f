"""Pure builders of the core/v1 Events the controller records on extensions and plugins."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ._world import NsName

__all__ = ["ancestor_ref_text", "event_object", "failure_message", "success_message"]


def ancestor_ref_text(gateway: NsName) -> str:
    """How GKE prints an ancestor reference in event messages."""
    return (f"{{Group:gateway.networking.k8s.io Kind:Gateway Namespace:{gateway[0]} "
            f"Name:{gateway[1]}}}")


def success_message(kind: str, path: str, gateway: NsName) -> str:
    """``Attachment of <Kind> "<ns>/<name>" to AncestorRef {...} was a success``."""
    ref = ancestor_ref_text(gateway)
    return f'Attachment of {kind} "{path}" to AncestorRef {ref} was a success'


def failure_message(kind: str, path: str, gateway: NsName | None, reason: str,
                    message: str) -> str:
    """A Warning event's text: which attachment failed, the reason and GKE's message."""
    where = f" to AncestorRef {ancestor_ref_text(gateway)}" if gateway is not None else ""
    return f'Attachment of {kind} "{path}"{where} failed: {reason}: {message}'


def event_object(involved: Mapping[str, Any], *, type_: str, reason: str, message: str,
                 component: str, now: str) -> dict[str, Any]:
    """A new core/v1 Event about ``involved`` (a wire-form object), count 1."""
    meta = involved.get("metadata") or {}
    name = str(meta.get("name", "object"))
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{name}.{uuid.uuid4().hex[:16]}",
                     "namespace": meta.get("namespace") or "default"},
        "involvedObject": {
            "apiVersion": involved.get("apiVersion"),
            "kind": involved.get("kind"),
            "name": name,
            "namespace": meta.get("namespace") or "default",
            "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"),
        },
        "type": type_,
        "reason": reason,
        "message": message,
        "source": {"component": component},
        "reportingComponent": component,
        "reportingInstance": component,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "eventTime": None,
        "count": 1,
    }
