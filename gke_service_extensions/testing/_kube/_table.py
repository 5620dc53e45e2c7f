"""Server-side ``Table`` answers (``Accept: application/json;as=Table;g=meta.k8s.io;v=v1``).

``kubectl get`` asks for tables; the columns are those of the real kinds (the Gateway API
CRDs' printer columns, ``kubectl get svc``'s), ``NAME`` and ``AGE`` for the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from ...models._meta import ResourceInfo
from ._resources import (
    CUSTOM_RESOURCE_DEFINITION,
    ENDPOINTS,
    EVENT,
    GATEWAY,
    GATEWAY_CLASS,
    HTTP_ROUTE,
    NAMESPACE,
    SERVICE,
)

__all__ = ["human_duration", "table", "wants_table"]

Cell = Callable[[Mapping[str, Any]], Any]


def wants_table(accept: str) -> bool:
    """True when the Accept header asks for a meta.k8s.io/v1 Table."""
    return any("as=Table" in part and "g=meta.k8s.io" in part and "v=v1" in part
               and "v=v1beta1" not in part for part in accept.split(","))


def _path(*keys: str | int) -> Cell:
    def get(obj: Mapping[str, Any]) -> Any:
        value: Any = obj
        for key in keys:
            if isinstance(key, int):
                value = value[key] if isinstance(value, list) and len(value) > key else None
            else:
                value = value.get(key) if isinstance(value, Mapping) else None
        return "" if value is None else value
    return get


def _condition(type_: str) -> Cell:
    def get(obj: Mapping[str, Any]) -> Any:
        for cond in (obj.get("status") or {}).get("conditions") or []:
            if isinstance(cond, Mapping) and cond.get("type") == type_:
                return cond.get("status", "")
        return "Unknown"
    return get


def human_duration(seconds: float) -> str:
    """Kubernetes' ``duration.HumanDuration``: ``45s``, ``3m12s``, ``5h``, ``3d4h``, ``2y``."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    years, days = hours // 24 // 365, hours // 24 % 365
    if years < 8:
        return f"{years}y{days}d" if days else f"{years}y"
    return f"{years}y"


def _age(obj: Mapping[str, Any]) -> str:
    return _since((obj.get("metadata") or {}).get("creationTimestamp"))


def _last_seen(obj: Mapping[str, Any]) -> str:
    return _since(obj.get("lastTimestamp") or obj.get("eventTime")
                  or (obj.get("metadata") or {}).get("creationTimestamp"))


def _since(stamp: Any) -> str:
    if isinstance(stamp, str) and "." in stamp:  # eventTime carries microseconds
        stamp = stamp.split(".")[0] + "Z"
    if not isinstance(stamp, str):
        return "<unknown>"
    try:
        created = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "<unknown>"
    return human_duration((datetime.now(UTC) - created).total_seconds())


def _ports(obj: Mapping[str, Any]) -> str:
    ports = (obj.get("spec") or {}).get("ports") or []
    return ",".join(f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in ports
                    if isinstance(p, Mapping)) or "<none>"


def _involved(obj: Mapping[str, Any]) -> str:
    ref = obj.get("involvedObject") or {}
    return f"{str(ref.get('kind', '')).lower()}/{ref.get('name', '')}"


def _endpoints(obj: Mapping[str, Any]) -> str:
    out = [f"{a.get('ip')}:{p.get('port')}" for sub in obj.get("subsets") or []
           for a in sub.get("addresses") or [] for p in sub.get("ports") or [{}]]
    return ",".join(out) or "<none>"


def _hostnames(obj: Mapping[str, Any]) -> str:
    return ",".join((obj.get("spec") or {}).get("hostnames") or [])


_NAME = ("Name", "string", "name", _path("metadata", "name"))
_AGE = ("Age", "date", "", _age)
_COLUMNS: dict[ResourceInfo, tuple[tuple[str, str, str, Cell], ...]] = {
    GATEWAY_CLASS: (_NAME, ("Controller", "string", "", _path("spec", "controllerName")),
                    ("Accepted", "string", "", _condition("Accepted")), _AGE),
    GATEWAY: (_NAME, ("Class", "string", "", _path("spec", "gatewayClassName")),
              ("Address", "string", "", _path("status", "addresses", 0, "value")),
              ("Programmed", "string", "", _condition("Programmed")), _AGE),
    HTTP_ROUTE: (_NAME, ("Hostnames", "string", "", _hostnames), _AGE),
    EVENT: (("Last Seen", "string", "", _last_seen), ("Type", "string", "", _path("type")),
            ("Reason", "string", "", _path("reason")), ("Object", "string", "", _involved),
            ("Message", "string", "", _path("message"))),
    NAMESPACE: (_NAME, ("Status", "string", "", lambda o: _path("status", "phase")(o)
                        or "Active"), _AGE),
    ENDPOINTS: (_NAME, ("Endpoints", "string", "", _endpoints), _AGE),
    SERVICE: (_NAME, ("Type", "string", "", _path("spec", "type")),
              ("Cluster-IP", "string", "", _path("spec", "clusterIP")),
              ("External-IP", "string", "", lambda o: "<none>"),
              ("Port(s)", "string", "", _ports), _AGE),
    CUSTOM_RESOURCE_DEFINITION: (_NAME, ("Created At", "date", "",
                                         _path("metadata", "creationTimestamp"))),
}


def table(info: ResourceInfo, items: list[dict[str, Any]],
          metadata: Mapping[str, Any], include_object: str | None = None) -> dict[str, Any]:
    """A meta.k8s.io/v1 Table of ``items``.

    ``include_object`` is the request's ``includeObject``: ``Metadata`` (default, rows carry
    the objects' metadata), ``Object`` (the whole objects: ``kubectl --sort-by`` needs them)
    or ``None`` (no objects).
    """
    columns = _COLUMNS.get(info, (_NAME, _AGE))

    def row(obj: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"cells": [cell(obj) for *_, cell in columns]}
        if include_object == "Object":
            out["object"] = {"apiVersion": info.api_version, "kind": info.kind, **obj}
        elif include_object != "None":
            out["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": obj.get("metadata") or {}}
        return out

    return {
        "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": dict(metadata),
        "columnDefinitions": [{"name": name, "type": type_, "format": fmt, "description": "",
                               "priority": 0} for name, type_, fmt, _ in columns],
        "rows": [row(obj) for obj in items],
    }
