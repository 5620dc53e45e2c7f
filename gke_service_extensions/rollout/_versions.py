"""The pure layer of rollouts: version changes of a GCPWasmPlugin, no I/O.

Each function takes a plugin and returns a NEW, validated :class:`GCPWasmPlugin` (the input
is never modified); a change that would break a rule raises
:class:`~gke_service_extensions.VersionChangeError` and changes nothing. Fields the models
do not know (a newer CRD's, the server's) are carried over untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .._errors import ObjectRef, Problem, VersionChangeError
from ..models import CRDProfile, GCPWasmPlugin, UnknownFields, validate_manifest
from ._policy import max_versions, switch_weights
from ._records import HISTORY_KEY, ServingPeriod, read_history, write_history

__all__ = [
    "check_invariants",
    "history",
    "previous_version",
    "promote",
    "prune",
    "rollback",
    "serving_version",
    "stage_version",
]


def _ref(plugin: GCPWasmPlugin) -> ObjectRef:
    meta = plugin.metadata
    return ObjectRef("GCPWasmPlugin", meta.name, meta.namespace)


def _manifest(plugin: GCPWasmPlugin) -> dict[str, Any]:
    return copy.deepcopy(plugin.to_manifest())


def _versions(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    versions = manifest.get("spec", {}).get("versions")
    return versions if isinstance(versions, list) else []


def _annotations(manifest: dict[str, Any]) -> dict[str, str]:
    meta = manifest.setdefault("metadata", {})
    annotations: dict[str, str] = meta.get("annotations") or {}
    meta["annotations"] = annotations
    return annotations


def check_invariants(plugin: GCPWasmPlugin | Mapping[str, Any], *,
                     profile: str | CRDProfile | None = None) -> list[Problem]:
    """Every rule the plugin breaks (empty when it is fine): the CRD's rules, among them
    unique names, at most 10 versions and the serving rule of ``profile``."""
    manifest = plugin.to_manifest() if isinstance(plugin, GCPWasmPlugin) else dict(plugin)
    return validate_manifest(manifest, profile=profile, unknown_fields=UnknownFields.PRESERVE)


def _build(manifest: dict[str, Any], plugin: GCPWasmPlugin, what: str,
           profile: str | CRDProfile | None) -> GCPWasmPlugin:
    problems = check_invariants(manifest, profile=profile)
    if problems:
        body = "".join(f"\n  - {p}" for p in problems)
        raise VersionChangeError(f"{_ref(plugin)}: {what} would break the plugin's rules:{body}",
                                 obj=_ref(plugin))
    return GCPWasmPlugin.from_manifest(manifest, unknown_fields=UnknownFields.PRESERVE)


def serving_version(plugin: GCPWasmPlugin) -> str | None:
    """The name of the version that serves (non-zero weight), None if none does."""
    version = plugin.spec.serving_version
    return version.name if version is not None else None


def stage_version(plugin: GCPWasmPlugin, name: str, image: str, *,
                  description: str | None = None, plugin_config_uri: str | None = None,
                  profile: str | CRDProfile | None = None) -> GCPWasmPlugin:
    """Add version ``name`` running ``image`` with weight 0: GKE creates it, it serves
    nothing yet.

    Raises VersionChangeError if the name is taken, the image is already one of the
    versions' (promote that version instead), or the plugin already has the most versions
    GKE allows (prune first); or if ``name`` / ``image`` break the CRD's rules.
    """
    manifest = _manifest(plugin)
    versions = _versions(manifest)
    ref = _ref(plugin)
    for v in versions:
        if v.get("name") == name:
            raise VersionChangeError(f"{ref}: version name {name!r} is already taken "
                                     f"(image {v.get('image')})", obj=ref)
        if v.get("image") == image:
            raise VersionChangeError(f"{ref}: image {image} is already staged as version "
                                     f"{v.get('name')!r}: promote that version instead",
                                     obj=ref)
    limit = max_versions()
    if len(versions) >= limit:
        raise VersionChangeError(f"{ref}: already has {len(versions)} versions, the most GKE "
                                 f"allows ({limit}): prune before staging {name!r}", obj=ref)
    version: dict[str, Any] = {"name": name}
    if description is not None:
        version["description"] = description
    version["image"] = image
    version["weight"] = 0
    if plugin_config_uri is not None:
        version["pluginConfigURI"] = plugin_config_uri
    versions.append(version)
    return _build(manifest, plugin, f"staging version {name!r}", profile)


def promote(plugin: GCPWasmPlugin, name: str, *, at: datetime | None = None,
            digest: str | None = None, rollout_id: str | None = None,
            profile: str | CRDProfile | None = None) -> GCPWasmPlugin:
    """Move the whole weight to version ``name`` in one step, and record in the history
    annotation that it serves from ``at`` (default: now).

    Promoting the version that already serves returns an equal copy (no history entry).
    Raises VersionChangeError if there is no such version.
    """
    ref = _ref(plugin)
    current = plugin.spec.serving_version
    target = next((v for v in plugin.spec.versions if v.name == name), None)
    if target is None:
        names = ", ".join(v.name for v in plugin.spec.versions)
        raise VersionChangeError(f"{ref}: no version {name!r} to promote (versions: {names})",
                                 obj=ref)
    manifest = _manifest(plugin)
    if current is not None and current.name == name:
        return _build(manifest, plugin, f"promoting {name!r}", profile)
    weights = switch_weights(plugin.spec.versions, name, profile=profile)
    for v in _versions(manifest):
        v["weight"] = weights[v["name"]]
    annotations = _annotations(manifest)
    periods = read_history(annotations)
    if current is not None and (not periods or periods[-1].version != current.name):
        periods.append(ServingPeriod(current.name, current.image, None))
    periods.append(ServingPeriod(name, target.image, at or datetime.now(UTC), digest=digest,
                                 rollout=rollout_id))
    annotations[HISTORY_KEY] = write_history(periods)
    return _build(manifest, plugin, f"promoting {name!r}", profile)


def previous_version(plugin: GCPWasmPlugin) -> str | None:
    """The version a rollback moves the weight to: the most recent one in the history that
    served before the current one and is still listed. None when there is none."""
    current = serving_version(plugin)
    listed = {v.name for v in plugin.spec.versions}
    for period in reversed(read_history(plugin.metadata.annotations)):
        if period.version != current and period.version in listed:
            return period.version
    return None


def rollback(plugin: GCPWasmPlugin, *, at: datetime | None = None,
             profile: str | CRDProfile | None = None) -> GCPWasmPlugin:
    """Move the weight back to the previously serving version (:func:`previous_version`).

    Raises VersionChangeError when the history names no earlier version still listed.
    """
    target = previous_version(plugin)
    if target is None:
        ref = _ref(plugin)
        raise VersionChangeError(
            f"{ref}: no previously serving version to roll back to (the history annotation "
            f"{HISTORY_KEY} names none that is still listed)", obj=ref)
    return promote(plugin, target, at=at, profile=profile)


def prune(plugin: GCPWasmPlugin, keep: int = 3, *,
          profile: str | CRDProfile | None = None) -> GCPWasmPlugin:
    """Drop the oldest zero-weight versions until at most ``keep`` versions remain.

    Never drops the serving version nor the one a rollback needs
    (:func:`previous_version`), so more than ``keep`` may remain when ``keep < 2``.
    Versions are as old as their place in ``spec.versions`` (staging appends).
    """
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        ref = _ref(plugin)
        raise VersionChangeError(f"{ref}: keep must be a whole number >= 1, got {keep!r}",
                                 obj=ref)
    protected = {serving_version(plugin), previous_version(plugin)}
    manifest = _manifest(plugin)
    versions = _versions(manifest)
    excess = len(versions) - keep
    dropped: set[int] = set()
    for i, v in enumerate(versions):
        if excess <= 0:
            break
        if v.get("name") not in protected and not v.get("weight"):
            dropped.add(i)
            excess -= 1
    manifest["spec"]["versions"] = [v for i, v in enumerate(versions) if i not in dropped]
    return _build(manifest, plugin, f"pruning to {keep} versions", profile)


def history(plugin: GCPWasmPlugin) -> tuple[ServingPeriod, ...]:
    """The versions with when each served, oldest first, from the history annotation."""
    return tuple(read_history(plugin.metadata.annotations))
