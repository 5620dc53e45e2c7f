"""Weighted Wasm plugin rollouts: stage, switch, verify, bake, roll back, prune.

A GCPWasmPlugin serves exactly one version (SPEC §3), so a rollout is a staged switch
(blue/green): add the new version at weight 0, wait until GKE programmed it, move the whole
weight in one update, wait again, verify on Google Cloud, bake under analysis, prune old
versions; roll back automatically when a step after the stage fails.

The pure layer (:func:`stage_version`, :func:`promote`, :func:`rollback`, :func:`prune`,
:func:`plan_rollout`, :func:`history`) does no I/O and returns new validated objects;
:class:`Rollout` runs a plan on a cluster. See the docs page *Rollouts*.
"""

from __future__ import annotations

from ._analysis import (
    AnalysisCheck,
    AnalysisContext,
    AnalysisPhase,
    AnalysisResult,
    CheckResult,
    Measurement,
    http_probe,
    programmed_check,
    run_analysis,
)
from ._executor import (
    Rollout,
    RolloutOutcome,
    RolloutRecord,
    RolloutResult,
    StepOutcome,
    StepStatus,
)
from ._plan import PlannedStep, RolloutPlan, StepKind, default_version_name, plan_rollout
from ._policy import max_versions, serving_limit, switch_weights
from ._records import (
    HISTORY_KEY,
    LAST_ROLLOUT_KEY,
    ROLLOUT_DOMAIN,
    ROLLOUT_KEY,
    ServingPeriod,
)
from ._versions import (
    check_invariants,
    history,
    previous_version,
    promote,
    prune,
    rollback,
    serving_version,
    stage_version,
)

__all__ = [
    "HISTORY_KEY",
    "LAST_ROLLOUT_KEY",
    "ROLLOUT_DOMAIN",
    "ROLLOUT_KEY",
    "AnalysisCheck",
    "AnalysisContext",
    "AnalysisPhase",
    "AnalysisResult",
    "CheckResult",
    "Measurement",
    "PlannedStep",
    "Rollout",
    "RolloutOutcome",
    "RolloutPlan",
    "RolloutRecord",
    "RolloutResult",
    "ServingPeriod",
    "StepKind",
    "StepOutcome",
    "StepStatus",
    "check_invariants",
    "default_version_name",
    "history",
    "http_probe",
    "max_versions",
    "plan_rollout",
    "previous_version",
    "programmed_check",
    "promote",
    "prune",
    "rollback",
    "run_analysis",
    "serving_limit",
    "serving_version",
    "stage_version",
    "switch_weights",
]
