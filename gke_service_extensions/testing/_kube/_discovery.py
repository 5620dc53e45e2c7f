"""Discovery documents: ``/version``, ``/api``, ``/apis``, ``/api/v1``, ``/apis/<g>/<v>``."""

from __future__ import annotations

import hashlib
from typing import Any

from ._resources import SERVED, ServedKind

__all__ = ["api_group", "api_group_list", "api_resource_list", "api_versions", "version_info"]

#: The version the simulator reports: a GKE release that serves every Service Extensions kind.
KUBERNETES_VERSION = "v1.33.5-gke.simulator"


def version_info(git_version: str = KUBERNETES_VERSION) -> dict[str, Any]:
    """The ``/version`` document of a server running ``git_version`` (``v1.33.5-gke.1``)."""
    major, minor = git_version.lstrip("v").split(".")[:2]
    return {"major": major, "minor": minor, "gitVersion": git_version,
            "gitCommit": "0" * 40, "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.0",
            "compiler": "gc", "platform": "linux/amd64"}


def api_versions(server_address: str) -> dict[str, Any]:
    """The ``/api`` document (core group versions)."""
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": server_address}]}


def _groups() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for k in SERVED:
        if k.info.group:
            versions = groups.setdefault(k.info.group, [])
            if k.info.version not in versions:
                versions.append(k.info.version)
    return groups


def api_group(name: str) -> dict[str, Any] | None:
    """The ``/apis/<group>`` document, or None for an unknown group."""
    versions = _groups().get(name)
    if versions is None:
        return None
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": name, "versions": entries,
            "preferredVersion": entries[0]}


def api_group_list() -> dict[str, Any]:
    """The ``/apis`` document."""
    groups = [api_group(name) for name in _groups()]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def _resource_entries(kind: ServedKind) -> list[dict[str, Any]]:
    info = kind.info
    main: dict[str, Any] = {
        "name": info.plural, "singularName": info.singular, "namespaced": info.namespaced,
        "kind": info.kind, "verbs": list(kind.verbs),
        "storageVersionHash": hashlib.sha256(info.api_version.encode() + info.kind.encode())
        .hexdigest()[:12],
    }
    if kind.short_names:
        main["shortNames"] = list(kind.short_names)
    if kind.categories:
        main["categories"] = list(kind.categories)
    entries = [main]
    if kind.has_status:
        entries.append({"name": f"{info.plural}/status", "singularName": "",
                        "namespaced": info.namespaced, "kind": info.kind,
                        "verbs": ["get", "patch", "update"]})
    if kind.has_scale:
        entries.append({"name": f"{info.plural}/scale", "singularName": "",
                        "namespaced": info.namespaced, "group": "autoscaling",
                        "version": "v1", "kind": "Scale",
                        "verbs": ["get", "patch", "update"]})
    return entries


def api_resource_list(group: str, version: str) -> dict[str, Any] | None:
    """The ``/api/v1`` or ``/apis/<group>/<version>`` document, or None if not served."""
    kinds = [k for k in SERVED if k.info.group == group and k.info.version == version]
    if not kinds:
        return None
    group_version = f"{group}/{version}" if group else version
    resources = [entry for k in kinds for entry in _resource_entries(k)]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": resources}
