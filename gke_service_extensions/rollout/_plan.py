"""Planning a rollout: the ordered steps and the manifest diff of each, no I/O.

:func:`plan_rollout` gives a :class:`RolloutPlan`: printable (``str(plan)``) for a change
review or a dry run, serialisable (:meth:`RolloutPlan.to_dict` / :meth:`~RolloutPlan.to_json`
and back) so a crashed run can be resumed from what the plugin records.
"""

from __future__ import annotations

import difflib
import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from .._errors import ObjectRef, VersionChangeError
from ..models import CRDProfile, GCPWasmPlugin, get_profile
from ._policy import max_versions
from ._versions import promote, prune, serving_version, stage_version

__all__ = ["PlannedStep", "RolloutPlan", "StepKind", "default_version_name", "plan_rollout"]


class StepKind(enum.StrEnum):
    """The steps of a rollout, in order (``rollback`` only when one is needed)."""

    PREFLIGHT = "preflight"
    STAGE = "stage"
    WAIT_STAGED = "wait-staged"
    SWITCH = "switch"
    WAIT_SWITCHED = "wait-switched"
    VERIFY = "verify"
    BAKE = "bake"
    PRUNE = "prune"
    ROLLBACK = "rollback"


_WRITES = (StepKind.STAGE, StepKind.SWITCH, StepKind.PRUNE, StepKind.ROLLBACK)


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """One step: what it does and, for a step that writes, the diff of ``spec`` it makes."""

    kind: StepKind
    description: str
    diff: str = ""

    @property
    def writes(self) -> bool:
        """Whether the step writes the plugin."""
        return self.kind in _WRITES

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {"kind": self.kind.value, "description": self.description, "diff": self.diff}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlannedStep:
        """The step :meth:`to_dict` wrote."""
        return cls(StepKind(data["kind"]), str(data.get("description", "")),
                   str(data.get("diff", "")))


@dataclass(frozen=True, slots=True)
class RolloutPlan:
    """The ordered steps moving plugin ``namespace/name`` from ``previous_version`` to
    ``version`` (``image``), planned from ``resource_version``.

    ``stage`` is False when the image is already staged as ``version`` (the plan promotes
    it). ``bake`` is the seconds the new version serves under analysis before pruning;
    ``keep`` how many versions remain after the prune.
    """

    namespace: str
    name: str
    resource_version: str | None
    version: str
    image: str
    previous_version: str | None
    keep: int
    bake: float
    steps: tuple[PlannedStep, ...]
    stage: bool = True
    description: str | None = None
    plugin_config_uri: str | None = None
    profile: str | None = None

    @property
    def plugin(self) -> ObjectRef:
        """The plugin the plan is for."""
        return ObjectRef("GCPWasmPlugin", self.name, self.namespace)

    def step(self, kind: StepKind) -> PlannedStep:
        """The planned step of ``kind``."""
        return next(s for s in self.steps if s.kind is kind)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; :meth:`from_dict` reads it back."""
        return {
            "namespace": self.namespace, "name": self.name,
            "resourceVersion": self.resource_version, "version": self.version,
            "image": self.image, "previousVersion": self.previous_version, "keep": self.keep,
            "bake": self.bake, "stage": self.stage, "description": self.description,
            "pluginConfigURI": self.plugin_config_uri, "profile": self.profile,
            "steps": [s.to_dict() for s in self.steps],
        }

    def to_json(self, *, diffs: bool = True) -> str:
        """The plan as JSON (``diffs=False`` leaves the diffs out: what the plugin records)."""
        data = self.to_dict()
        if not diffs:
            data["steps"] = [{**s, "diff": ""} for s in data["steps"]]
        return json.dumps(data, indent=None if not diffs else 2, separators=None if diffs
                          else (",", ":"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RolloutPlan:
        """The plan :meth:`to_dict` wrote."""
        try:
            return cls(
                namespace=str(data["namespace"]), name=str(data["name"]),
                resource_version=data.get("resourceVersion"), version=str(data["version"]),
                image=str(data["image"]), previous_version=data.get("previousVersion"),
                keep=int(data["keep"]), bake=float(data.get("bake", 0.0)),
                steps=tuple(PlannedStep.from_dict(s) for s in data.get("steps", ())),
                stage=bool(data.get("stage", True)), description=data.get("description"),
                plugin_config_uri=data.get("pluginConfigURI"), profile=data.get("profile"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a rollout plan: {exc}") from None

    @classmethod
    def from_json(cls, text: str) -> RolloutPlan:
        """The plan :meth:`to_json` wrote."""
        return cls.from_dict(json.loads(text))

    def _repr_html_(self) -> str:
        """Jupyter: the steps, each write's diff folded."""
        import html

        e = html.escape
        items = "".join(
            f"<li><b>{e(step.kind.value)}</b>: {e(step.description)}"
            + (f"<details><summary>diff</summary><pre>{e(step.diff)}</pre></details>"
               if step.diff else "") + "</li>" for step in self.steps)
        return (f"<p><b>Rollout of {e(str(self.plugin))}</b>: "
                f"{e(self.previous_version or '(none)')} &rarr; {e(self.version)} "
                f"(<code>{e(self.image)}</code>)</p><ol>{items}</ol>")

    def __str__(self) -> str:
        head = (f"Rollout of {self.plugin}: {self.previous_version or '(none)'} -> "
                f"{self.version} ({self.image})")
        lines = [head]
        for i, step in enumerate(self.steps, 1):
            lines.append(f"{i}. {step.kind.value}: {step.description}")
            if step.diff:
                lines.extend(f"     {line}" for line in step.diff.rstrip("\n").splitlines())
        return "\n".join(lines)


_NAME_RE = re.compile(r"[^a-z0-9-]+")


def default_version_name(image: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A version name from an image reference: its tag (or the start of its digest) made a
    DNS label, ``-2``, ``-3``... appended while it is taken."""
    rest, _, digest = image.partition("@")
    last = rest.rsplit("/", 1)[-1]
    _, colon, tag = last.partition(":")
    if digest:
        base = digest.replace(":", "-")[:19]
    elif colon:
        base = tag
    else:
        base = "latest"
    base = _NAME_RE.sub("-", base.lower()).strip("-") or "version"
    if not base[0].isalpha():
        base = f"v{base}"
    base = base[:55].rstrip("-")
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def _spec_yaml(plugin: GCPWasmPlugin) -> list[str]:
    return yaml.safe_dump(plugin.to_manifest().get("spec", {}), sort_keys=False).splitlines(
        keepends=True)


def _diff(before: GCPWasmPlugin, after: GCPWasmPlugin) -> str:
    return "".join(difflib.unified_diff(_spec_yaml(before), _spec_yaml(after),
                                        "spec (before)", "spec (after)", n=1))


def stage_for_rollout(plugin: GCPWasmPlugin, name: str, image: str, *,
                      description: str | None, plugin_config_uri: str | None,
                      profile: str | CRDProfile | None) -> GCPWasmPlugin:
    """:func:`stage_version`, pruning first when the plugin already has the most versions
    GKE allows (never the serving version nor the rollback target)."""
    if len(plugin.spec.versions) >= max_versions():
        plugin = prune(plugin, keep=max_versions() - 1, profile=profile)
    return stage_version(plugin, name, image, description=description,
                         plugin_config_uri=plugin_config_uri, profile=profile)


def plan_rollout(plugin: GCPWasmPlugin, image: str, *, version_name: str | None = None,
                 keep: int = 3, bake: float = 0.0, description: str | None = None,
                 plugin_config_uri: str | None = None,
                 profile: str | CRDProfile | None = None) -> RolloutPlan:
    """The steps that move ``plugin`` to ``image``: preflight, stage (weight 0), wait
    programmed, switch (the whole weight), wait programmed, verify on Google Cloud, bake
    for ``bake`` seconds under analysis, prune to ``keep`` versions.

    ``version_name`` defaults to the image's tag (:func:`default_version_name`). An image
    already staged at weight 0 is promoted without staging it again. Raises
    VersionChangeError when the image already serves, or a step would break a rule.
    """
    ref = ObjectRef("GCPWasmPlugin", plugin.metadata.name, plugin.metadata.namespace)
    if isinstance(bake, bool) or not isinstance(bake, int | float) or bake < 0:
        raise VersionChangeError(f"{ref}: bake must be seconds >= 0, got {bake!r}", obj=ref)
    current = serving_version(plugin)
    staged = next((v for v in plugin.spec.versions if v.image == image), None)
    if staged is not None and staged.serving:
        raise VersionChangeError(f"{ref}: image {image} already serves as version "
                                 f"{staged.name!r}; nothing to roll out", obj=ref)
    if staged is not None and version_name not in (None, staged.name):
        raise VersionChangeError(f"{ref}: image {image} is already staged as version "
                                 f"{staged.name!r}, not {version_name!r}", obj=ref)
    if staged is not None:
        name = staged.name
        after_stage = plugin
    else:
        name = version_name or default_version_name(image, {v.name for v in
                                                            plugin.spec.versions})
        after_stage = stage_for_rollout(plugin, name, image, description=description,
                                        plugin_config_uri=plugin_config_uri, profile=profile)
    after_switch = promote(after_stage, name, profile=profile)
    after_prune = prune(after_switch, keep=keep, profile=profile)
    gateways = "every Gateway that uses the plugin (through its GCPTrafficExtensions)"
    steps = (
        PlannedStep(StepKind.PREFLIGHT, f"check that {image} exists in Artifact Registry "
                    "(tag resolved to a digest) and that the plugin is programmed now; "
                    "nothing is written"),
        PlannedStep(StepKind.STAGE, f"add version {name!r} with weight 0" if staged is None
                    else f"version {name!r} is already staged: nothing to add",
                    _diff(plugin, after_stage)),
        PlannedStep(StepKind.WAIT_STAGED, f"wait until programmed on {gateways}"),
        PlannedStep(StepKind.SWITCH, f"move the whole weight from {current!r} to {name!r}",
                    _diff(after_stage, after_switch)),
        PlannedStep(StepKind.WAIT_SWITCHED, f"wait until programmed on {gateways}"),
        PlannedStep(StepKind.VERIFY, f"check on Google Cloud that the WasmPlugin's main "
                    f"version is {name!r} with the resolved image digest"),
        PlannedStep(StepKind.BAKE, f"serve for {bake:g}s while the analysis checks run; "
                    "any failure rolls back"),
        PlannedStep(StepKind.PRUNE, f"keep at most {keep} versions (never the serving one "
                    "nor the rollback target)", _diff(after_switch, after_prune)),
    )
    return RolloutPlan(
        namespace=plugin.metadata.namespace or "default", name=plugin.metadata.name or "",
        resource_version=plugin.metadata.resource_version, version=name, image=image,
        previous_version=current, keep=keep, bake=float(bake), steps=steps,
        stage=staged is None, description=description, plugin_config_uri=plugin_config_uri,
        profile=get_profile(profile).name if profile is not None else None)
