"""Pure builders of the core/v1 Events the controller records on extensions and plugins."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ._world import NsName

__all__ = [
    "ancestor_ref_text",
    "event_kind",
    "event_object",
    "failure_message",
    "success_messages",
]

# How GKE names each kind in event text: the plugin is a "WasmPlugin" there (SPEC §4).
_EVENT_KINDS = {"GCPWasmPlugin": "WasmPlugin"}


def event_kind(kind: str) -> str:
    """The kind as GKE writes it in event messages."""
    return _EVENT_KINDS.get(kind, kind)


def ancestor_ref_text(gateway: NsName) -> str:
    """How GKE prints an ancestor reference in event messages (a Go struct with %+v-like
    quoting): ``{Group: "gateway.networking.k8s.io", Kind: "Gateway", Namespace: "default",
    Name: "gw", SectionName: nil, Port: nil}``."""
    return (f'{{Group: "gateway.networking.k8s.io", Kind: "Gateway", '
            f'Namespace: "{gateway[0]}", Name: "{gateway[1]}", SectionName: nil, Port: nil}}')


def success_messages(kind: str, path: str, gateway: NsName) -> list[str]:
    """The Normal SYNC events of a successful reconcile for one ancestor, in GKE's order and
    words: attachment, references resolved, programming, reconciliation."""
    k, ref = event_kind(kind), ancestor_ref_text(gateway)
    return [
        f'Attachment of {k} "{path}" to AncestorRef {ref} was a success',
        f'All the object references were able to be resolved for {k} "{path}" bound to '
        f"AncestorRef {ref}",
        f'Programming of {k} "{path}" to AncestorRef {ref} was a success',
        f'Reconciliation of {k} "{path}" to AncestorRef {ref} was a success',
    ]


def failure_message(kind: str, path: str, gateway: NsName | None, reason: str,
                    message: str) -> str:
    """A Warning event's text: which attachment failed, the reason and GKE's message."""
    where = f" to AncestorRef {ancestor_ref_text(gateway)}" if gateway is not None else ""
    return f'Attachment of {event_kind(kind)} "{path}"{where} failed: {reason}: {message}'


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
