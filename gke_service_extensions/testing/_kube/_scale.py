"""The ``/scale`` subresource of Deployments and ReplicaSets (``autoscaling/v1`` Scale).

``kubectl scale`` reads and writes it (a merge patch ``{"spec": {"replicas": N}}``, or a GET
then a PUT with ``--current-replicas`` / ``--resource-version``). Writing it sets the
object's ``spec.replicas``; the workload controller (``_workloads``) then creates or removes
Pods, and the Endpoints / EndpointSlices follow.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SCALE_API_VERSION", "replicas_of", "to_scale"]

SCALE_API_VERSION = "autoscaling/v1"


def _selector(obj: dict[str, Any]) -> str:
    """``spec.selector`` as the label selector string Scale's status carries."""
    selector = (obj.get("spec") or {}).get("selector") or {}
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(str(key))
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def to_scale(obj: dict[str, Any]) -> dict[str, Any]:
    """The Scale of a Deployment or ReplicaSet."""
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    return {
        "apiVersion": SCALE_API_VERSION, "kind": "Scale",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                           "creationTimestamp") if k in meta},
        "spec": {"replicas": int(spec.get("replicas", 1))},
        "status": {"replicas": int(status.get("replicas") or 0), "selector": _selector(obj)},
    }


def replicas_of(scale: Any) -> int:
    """``spec.replicas`` of a Scale body; ValueError when missing or not a count >= 0."""
    spec = scale.get("spec") if isinstance(scale, dict) else None
    replicas = spec.get("replicas", 0) if isinstance(spec, dict) else 0
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        raise ValueError(f"spec.replicas: Invalid value: {replicas!r}: must be greater than "
                         "or equal to 0")
    return replicas
