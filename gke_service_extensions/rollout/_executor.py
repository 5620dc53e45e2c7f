"""The executor: run a :class:`RolloutPlan` on a cluster, resume it, abort it.

Every write is a PUT guarded by the resourceVersion it was computed from. On a conflict the
plugin is read again, the step's preconditions are checked on what is there now, and the
step is computed again from it (so the other writer's change is kept): the rollout goes on,
or stops with :class:`~gke_service_extensions.RolloutConflictError`. The rollout in progress
is recorded on the plugin (``rollouts.gke-service-extensions.io/rollout``), which is also
the lease that makes a second rollout refuse to start.
"""

from __future__ import annotations

import copy
import enum
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .._errors import (
    AnalysisFailed,
    ConflictError,
    GCPError,
    GCPNotFoundError,
    GKEServiceExtensionsError,
    ManifestError,
    ObjectRef,
    PreflightError,
    RollbackFailed,
    RolloutConflictError,
    RolloutError,
    VerificationError,
    WaitError,
)
from .._gke import GatewayAnnotation, id_names, parse_annotation
from ..models import Gateway, GCPTrafficExtension, GCPWasmPlugin, UnknownFields
from ._analysis import AnalysisCheck, AnalysisContext, AnalysisResult, run_analysis
from ._plan import RolloutPlan, StepKind, stage_for_rollout
from ._records import (
    LAST_ROLLOUT_KEY,
    ROLLOUT_KEY,
    ServingPeriod,
    format_time,
    read_history,
    read_json,
)
from ._versions import check_invariants, promote, prune, serving_version

if TYPE_CHECKING:
    from ..gcp import GCPClient
    from ..kube import ExtensionsClient

__all__ = ["Rollout", "RolloutOutcome", "RolloutRecord", "RolloutResult", "StepOutcome",
           "StepStatus"]

_log = logging.getLogger("gke_service_extensions.rollout")


class StepStatus(enum.Enum):
    """How a step ended."""

    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SKIPPED = "Skipped"


class RolloutOutcome(enum.Enum):
    """How a rollout ended: the new version serves, it was rolled back, or aborted."""

    SUCCEEDED = "Succeeded"
    ROLLED_BACK = "RolledBack"
    ABORTED = "Aborted"


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """One step as it ran: its status, how long it took, what it found."""

    kind: StepKind
    status: StepStatus
    duration: float
    message: str = ""
    error: GKEServiceExtensionsError | None = None

    def __str__(self) -> str:
        return (f"{self.kind.value}: {self.status.value} in {self.duration:.2f}s"
                + (f" ({self.message})" if self.message else ""))


@dataclass(frozen=True, slots=True)
class RolloutResult:
    """What a rollout did: its outcome, why, and each step with its duration.

    ``plugin`` is the plugin as last written or read; ``analysis`` the bake's analysis
    (None without one); ``error`` the failure that caused a rollback.
    """

    rollout_id: str
    plugin_ref: ObjectRef
    version: str
    previous_version: str | None
    outcome: RolloutOutcome
    steps: tuple[StepOutcome, ...]
    duration: float
    reason: str = ""
    error: GKEServiceExtensionsError | None = None
    analysis: AnalysisResult | None = None
    digest: str | None = None
    plugin: GCPWasmPlugin | None = field(default=None, repr=False)

    @property
    def succeeded(self) -> bool:
        """Whether the new version serves."""
        return self.outcome is RolloutOutcome.SUCCEEDED

    def step(self, kind: StepKind) -> StepOutcome | None:
        """The last outcome of the step ``kind``, if it ran."""
        return next((s for s in reversed(self.steps) if s.kind is kind), None)

    def __str__(self) -> str:
        head = (f"{self.plugin_ref}: rollout {self.rollout_id} to {self.version!r} "
                f"{self.outcome.value} in {self.duration:.2f}s")
        if self.reason:
            head += f": {self.reason}"
        return head + "".join(f"\n  - {s}" for s in self.steps)


@dataclass(frozen=True, slots=True)
class RolloutRecord:
    """The rollout in progress as recorded on the plugin (its lease and its progress)."""

    rollout_id: str
    holder: str
    plan: RolloutPlan
    step: StepKind
    started_at: datetime | None
    updated_at: datetime | None
    digest: str | None = None

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "id": self.rollout_id, "holder": self.holder, "step": self.step.value,
            "plan": json.loads(self.plan.to_json(diffs=False)),
        }
        if self.started_at is not None:
            data["startedAt"] = format_time(self.started_at)
        if self.updated_at is not None:
            data["updatedAt"] = format_time(self.updated_at)
        if self.digest:
            data["digest"] = self.digest
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def read(cls, plugin: GCPWasmPlugin) -> RolloutRecord | None:
        """The record on ``plugin``, None when no rollout is in progress.

        A record that does not parse still counts as a rollout in progress: it is read as
        one held by ``<unreadable>`` so nothing starts over it.
        """
        from ._records import parse_time

        raw = (plugin.metadata.annotations or {}).get(ROLLOUT_KEY)
        if raw is None:
            return None
        data = read_json(plugin.metadata.annotations, ROLLOUT_KEY)
        try:
            return cls(rollout_id=str(data["id"]), holder=str(data["holder"]),
                       plan=RolloutPlan.from_dict(data["plan"]), step=StepKind(data["step"]),
                       started_at=parse_time(data.get("startedAt")),
                       updated_at=parse_time(data.get("updatedAt")),
                       digest=data.get("digest") if isinstance(data.get("digest"), str)
                       else None)
        except (KeyError, TypeError, ValueError):
            return cls(rollout_id="<unreadable>", holder="<unreadable>",
                       plan=RolloutPlan("", "", None, "", "", None, 1, 0.0, ()),
                       step=StepKind.PREFLIGHT, started_at=None, updated_at=None)


OnStep = Callable[[StepOutcome], None]
Transform = Callable[[GCPWasmPlugin], GCPWasmPlugin]


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _with_annotations(plugin: GCPWasmPlugin, changes: dict[str, str | None]) -> GCPWasmPlugin:
    manifest = copy.deepcopy(plugin.to_manifest())
    meta = manifest.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    for key, value in changes.items():
        if value is None:
            annotations.pop(key, None)
        else:
            annotations[key] = value
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    return GCPWasmPlugin.from_manifest(manifest, unknown_fields=UnknownFields.PRESERVE)


def _uses(ext: GCPTrafficExtension, plugin: str) -> bool:
    for chain in ext.to_manifest().get("spec", {}).get("extensionChains") or []:
        for item in chain.get("extensions") or []:
            ref = item.get("backendRef") or {}
            if ref.get("kind") == "GCPWasmPlugin" and ref.get("name") == plugin:
                return True
    return False


class _Run:
    """The state of one run: steps so far, the clock, the callback."""

    def __init__(self, rollout_id: str, on_step: OnStep | None,
                 clock: Callable[[], float]) -> None:
        self.rollout_id = rollout_id
        self.on_step = on_step
        self.clock = clock
        self.started = clock()
        self.steps: list[StepOutcome] = []
        self.analysis: AnalysisResult | None = None

    def record(self, kind: StepKind, status: StepStatus, started: float, message: str = "",
               error: GKEServiceExtensionsError | None = None) -> StepOutcome:
        outcome = StepOutcome(kind, status, self.clock() - started, message, error)
        self.steps.append(outcome)
        _log.info("rollout %s: %s", self.rollout_id, outcome)
        if self.on_step is not None:
            self.on_step(outcome)
        return outcome


class _StepFailed(Exception):
    def __init__(self, error: GKEServiceExtensionsError) -> None:
        super().__init__(str(error))
        self.error = error


class Rollout:
    """Runs rollout plans of GCPWasmPlugins on a cluster.

    ``client`` writes and waits; ``gcp`` (a :class:`~gke_service_extensions.gcp.GCPClient`)
    checks the image in the preflight and verifies the switch on Google Cloud (without it
    both are skipped, and say so in the result). ``timeout`` bounds each wait until
    programmed; ``verify_timeout`` how long Google Cloud may take to show the switch;
    ``conflict_retries`` how many times a write is recomputed after a conflict.
    ``holder`` names this process in the lease (default ``host:pid``).
    """

    def __init__(self, client: ExtensionsClient, *, gcp: GCPClient | None = None,
                 timeout: float = 600.0, verify_timeout: float = 60.0,
                 failure_grace: float = 0.0, conflict_retries: int = 10,
                 holder: str | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._gcp = gcp
        self._timeout = timeout
        self._verify_timeout = verify_timeout
        self._failure_grace = failure_grace
        self._conflict_retries = conflict_retries
        self._holder = holder or _holder()
        self._clock = clock
        self._sleep = sleep

    # ------------------------------------------------------------------ public

    def plan(self, name: str, image: str, *, namespace: str | None = None,
             version_name: str | None = None, keep: int = 3, bake: float = 0.0,
             description: str | None = None,
             plugin_config_uri: str | None = None) -> RolloutPlan:
        """Read the plugin and :func:`~gke_service_extensions.rollout.plan_rollout` for it."""
        from ._plan import plan_rollout

        plugin = self._client.get(GCPWasmPlugin, name, namespace=namespace)
        return plan_rollout(plugin, image, version_name=version_name, keep=keep, bake=bake,
                            description=description, plugin_config_uri=plugin_config_uri)

    def status(self, name: str, *, namespace: str | None = None) -> RolloutRecord | None:
        """The rollout in progress on the plugin, None when there is none."""
        return RolloutRecord.read(self._client.get(GCPWasmPlugin, name, namespace=namespace))

    def history(self, name: str, *, namespace: str | None = None
                ) -> tuple[ServingPeriod, ...]:
        """The plugin's versions with when each served (from its history annotation)."""
        plugin = self._client.get(GCPWasmPlugin, name, namespace=namespace)
        return tuple(read_history(plugin.metadata.annotations))

    def run(self, plan: RolloutPlan, *, analysis: Sequence[AnalysisCheck] | None = None,
            on_step: OnStep | None = None) -> RolloutResult:
        """Run ``plan``: preflight, stage, wait, switch, wait, verify, bake, prune.

        A failure or timeout after the stage rolls back automatically (the weight moves
        back, the new version is removed) and waits for that to be programmed; the result
        says what happened. Raises PreflightError (nothing written), RolloutConflictError
        (another rollout holds the plugin, or a concurrent change broke the plan) and
        RollbackFailed (the rollback itself did not complete). ``on_step`` is called after
        every step with its :class:`StepOutcome`.
        """
        run = _Run(uuid.uuid4().hex[:12], on_step, self._clock)
        plugin, extensions, digest = self._preflight(plan, run)
        record = RolloutRecord(run.rollout_id, self._holder, plan, StepKind.STAGE,
                               datetime.now(UTC), datetime.now(UTC), digest)
        plugin = self._stage(plugin, record, run)
        return self._continue(plugin, extensions, record, run, analysis, from_step=None)

    def resume(self, name: str, *, namespace: str | None = None,
               analysis: Sequence[AnalysisCheck] | None = None,
               on_step: OnStep | None = None) -> RolloutResult:
        """Take over the rollout in progress on the plugin (its process died) and finish it.

        The lease passes to this process (a guarded write); the rollout goes on from what
        the plugin shows: staging again if the version is missing, switching if it does not
        serve yet, then the waits, the verification, the bake and the prune.
        Raises RolloutError when no rollout is in progress.
        """
        plugin, record = self._take_over(name, namespace)
        run = _Run(record.rollout_id, on_step, self._clock)
        extensions = self._extensions(plugin)
        plan = record.plan
        listed = {v.name: v for v in plugin.spec.versions}
        if plan.version not in listed:
            plugin = self._stage(plugin, record, run, resumed=True)
            return self._continue(plugin, extensions, record, run, analysis, from_step=None)
        start = (StepKind.WAIT_SWITCHED if serving_version(plugin) == plan.version
                 else StepKind.WAIT_STAGED)
        return self._continue(plugin, extensions, record, run, analysis, from_step=start)

    def abort(self, name: str, *, namespace: str | None = None, reason: str = "aborted",
              on_step: OnStep | None = None) -> RolloutResult:
        """Stop the rollout in progress on the plugin: the weight goes back to the version
        that served before, the new version is removed, the lease is released; then wait
        until programmed. Raises RolloutError when no rollout is in progress."""
        plugin, record = self._take_over(name, namespace)
        run = _Run(record.rollout_id, on_step, self._clock)
        extensions = self._extensions(plugin)
        return self._roll_back(plugin, extensions, record, run, reason, None,
                               RolloutOutcome.ABORTED)

    # ------------------------------------------------------------------ steps

    def _preflight(self, plan: RolloutPlan, run: _Run
                   ) -> tuple[GCPWasmPlugin, list[GCPTrafficExtension], str | None]:
        started = run.clock()
        ref = plan.plugin
        try:
            plugin = self._client.get(GCPWasmPlugin, plan.name, namespace=plan.namespace)
            self._check_plan(plugin, plan, None, must_hold=False)
            digest = self._resolve(plan)
            extensions = self._extensions(plugin)
            if not extensions:
                raise PreflightError(f"{ref}: no GCPTrafficExtension in namespace "
                                     f"{plan.namespace} uses the plugin, so GKE does not "
                                     "program it; attach it before rolling out", obj=ref)
            plugin = self._healthy_now(plugin, extensions)
        except GKEServiceExtensionsError as exc:
            run.record(StepKind.PREFLIGHT, StepStatus.FAILED, started, str(exc), exc)
            if isinstance(exc, PreflightError | RolloutConflictError):
                raise
            raise PreflightError(f"{ref}: preflight failed: {exc}", obj=ref) from exc
        note = f"image digest {digest}" if digest else "image not checked (no gcp client)"
        run.record(StepKind.PREFLIGHT, StepStatus.SUCCEEDED, started, note)
        return plugin, extensions, digest

    def _resolve(self, plan: RolloutPlan) -> str | None:
        if self._gcp is None:
            return None
        try:
            return self._gcp.resolve_image(plan.image).digest
        except GCPNotFoundError as exc:
            raise PreflightError(f"{plan.plugin}: image {plan.image} not found in Artifact "
                                 f"Registry: {exc}", obj=plan.plugin) from exc
        except (GCPError, ManifestError) as exc:
            raise PreflightError(f"{plan.plugin}: image {plan.image} could not be checked: "
                                 f"{exc}", obj=plan.plugin) from exc

    def _healthy_now(self, plugin: GCPWasmPlugin,
                     extensions: Sequence[GCPTrafficExtension]) -> GCPWasmPlugin:
        """The plugin and its extensions are programmed now; pending (another writer's
        change being programmed) is waited for; a failure is a PreflightError."""
        from ..kube._status import Outcome, evaluate

        ref = ObjectRef("GCPWasmPlugin", plugin.metadata.name, plugin.metadata.namespace)
        pending = False
        for obj in (plugin, *extensions):
            state = evaluate(obj.to_manifest(), gateways=self._gateways(extensions)
                             if obj is plugin else None)
            if state.outcome in (Outcome.FAILED, Outcome.DELETED):
                raise PreflightError(f"{ref}: not healthy before the rollout: "
                                     f"{state.summary()}", obj=ref)
            pending = pending or state.outcome is not Outcome.PROGRAMMED
        if not pending:
            return plugin
        try:
            return self._wait(plugin, extensions)
        except WaitError as exc:
            raise PreflightError(f"{ref}: not healthy before the rollout: {exc}",
                                 obj=ref) from exc

    def _check_plan(self, plugin: GCPWasmPlugin, plan: RolloutPlan,
                    record: RolloutRecord | None, *, must_hold: bool = True) -> None:
        """The plan's preconditions on the plugin as it is now; RolloutConflictError if not.

        The plugin must hold no other rollout's record, and ``record``'s when ``must_hold``.
        """
        ref = plan.plugin
        rid = record.rollout_id if record else None
        held = RolloutRecord.read(plugin)
        if held is not None and (record is None or held.rollout_id != record.rollout_id):
            raise RolloutConflictError(
                f"{ref}: rollout {held.rollout_id} by {held.holder} holds the plugin (step "
                f"{held.step.value}); resume or abort it first", obj=ref,
                rollout_id=held.rollout_id, holder=held.holder)
        if held is None and must_hold:
            raise RolloutConflictError(f"{ref}: the record of rollout {rid} went away: "
                                       "someone aborted or removed it", obj=ref,
                                       rollout_id=rid)
        serving = serving_version(plugin)
        if serving not in (plan.previous_version, plan.version):
            raise RolloutConflictError(
                f"{ref}: version {serving!r} serves now, not {plan.previous_version!r} as "
                "planned: someone else changed the serving version", obj=ref, rollout_id=rid)
        for v in plugin.spec.versions:
            if v.name == plan.version and v.image != plan.image:
                raise RolloutConflictError(
                    f"{ref}: version {plan.version!r} now runs {v.image}, not {plan.image}",
                    obj=ref, rollout_id=rid)

    def _stage(self, plugin: GCPWasmPlugin, record: RolloutRecord, run: _Run, *,
               resumed: bool = False) -> GCPWasmPlugin:
        plan = record.plan

        def transform(current: GCPWasmPlugin) -> GCPWasmPlugin:
            self._check_plan(current, plan, record, must_hold=resumed)
            if plan.version not in {v.name for v in current.spec.versions}:
                current = stage_for_rollout(current, plan.version, plan.image,
                                            description=plan.description,
                                            plugin_config_uri=plan.plugin_config_uri,
                                            profile=plan.profile)
            return _with_annotations(current, {ROLLOUT_KEY: _record(record, StepKind.STAGE)})

        return self._write_step(StepKind.STAGE, plugin, transform, run, record,
                                f"version {plan.version!r} staged with weight 0")

    def _continue(self, plugin: GCPWasmPlugin, extensions: list[GCPTrafficExtension],
                  record: RolloutRecord, run: _Run,
                  analysis: Sequence[AnalysisCheck] | None,
                  from_step: StepKind | None) -> RolloutResult:
        plan = record.plan
        try:
            if from_step in (None, StepKind.WAIT_STAGED):
                plugin = self._wait_step(StepKind.WAIT_STAGED, plugin, extensions, run)

                def switch(current: GCPWasmPlugin) -> GCPWasmPlugin:
                    self._check_plan(current, plan, record)
                    switched = promote(current, plan.version, digest=record.digest,
                                       rollout_id=record.rollout_id, profile=plan.profile)
                    return _with_annotations(switched,
                                             {ROLLOUT_KEY: _record(record, StepKind.SWITCH)})

                plugin = self._write_step(StepKind.SWITCH, plugin, switch, run, record,
                                          f"{plan.version!r} serves")
            plugin = self._wait_step(StepKind.WAIT_SWITCHED, plugin, extensions, run)
            self._verify_step(plugin, extensions, record, run)
            self._bake_step(plugin, extensions, record, run, analysis)
        except _StepFailed as failed:
            return self._roll_back(plugin, extensions, record, run, str(failed.error),
                                   failed.error, RolloutOutcome.ROLLED_BACK)

        def finish(current: GCPWasmPlugin) -> GCPWasmPlugin:
            self._check_plan(current, plan, record)
            pruned = prune(current, keep=plan.keep, profile=plan.profile)
            return _with_annotations(pruned, {
                ROLLOUT_KEY: None,
                LAST_ROLLOUT_KEY: _last(record, RolloutOutcome.SUCCEEDED, "")})

        plugin = self._write_step(StepKind.PRUNE, plugin, finish, run, record,
                                  f"{plan.keep} versions kept at most; lease released")
        return self._result(record, run, plugin, RolloutOutcome.SUCCEEDED, "", None)

    def _write_step(self, kind: StepKind, plugin: GCPWasmPlugin, transform: Transform,
                    run: _Run, record: RolloutRecord, message: str) -> GCPWasmPlugin:
        started = run.clock()
        try:
            written = self._write(plugin, transform, record.plan)
        except RolloutConflictError as exc:
            run.record(kind, StepStatus.FAILED, started, str(exc), exc)
            self._release_after_conflict(record, run)
            exc.rollout_id = exc.rollout_id or record.rollout_id
            exc.result = self._result(record, run, None, RolloutOutcome.ABORTED, str(exc), exc)
            raise
        except GKEServiceExtensionsError as exc:
            run.record(kind, StepStatus.FAILED, started, str(exc), exc)
            if kind is StepKind.SWITCH:  # the stage landed: undo it
                raise _StepFailed(exc) from exc
            raise
        run.record(kind, StepStatus.SUCCEEDED, started, message)
        return written

    def _write(self, plugin: GCPWasmPlugin, transform: Transform, plan: RolloutPlan
               ) -> GCPWasmPlugin:
        """PUT ``transform(plugin)`` guarded by its resourceVersion; on a conflict, read
        again and recompute from what is there (the other writer's change is kept)."""
        current = plugin
        for _ in range(self._conflict_retries + 1):
            desired = transform(current)
            problems = check_invariants(desired, profile=plan.profile)
            if problems:  # pragma: no cover - the pure layer validates already
                raise RolloutConflictError(f"{plan.plugin}: refusing to write: {problems}",
                                           obj=plan.plugin)
            try:
                return self._client.replace(desired)
            except ConflictError:
                current = self._client.get(GCPWasmPlugin, plan.name, namespace=plan.namespace)
        raise RolloutConflictError(f"{plan.plugin}: gave up after {self._conflict_retries + 1} "
                                   "conflicting writes", obj=plan.plugin)

    def _release_after_conflict(self, record: RolloutRecord, run: _Run) -> None:
        """Best effort after a conflict stopped us: drop our lease and our staged version
        (if it does not serve); whatever else the plugin shows stays."""
        plan = record.plan

        def release(current: GCPWasmPlugin) -> GCPWasmPlugin:
            held = RolloutRecord.read(current)
            if held is None or held.rollout_id != record.rollout_id:
                raise RolloutConflictError(f"{plan.plugin}: not ours any more", obj=plan.plugin)
            if serving_version(current) != plan.version and plan.stage:
                manifest = copy.deepcopy(current.to_manifest())
                manifest["spec"]["versions"] = [v for v in manifest["spec"]["versions"]
                                                if v["name"] != plan.version]
                current = GCPWasmPlugin.from_manifest(manifest,
                                                      unknown_fields=UnknownFields.PRESERVE)
            return _with_annotations(current, {ROLLOUT_KEY: None})

        try:
            current = self._client.get(GCPWasmPlugin, plan.name, namespace=plan.namespace)
            held = RolloutRecord.read(current)
            if held is None or held.rollout_id != record.rollout_id:
                return  # never held, or no longer ours: nothing to release
            self._write(current, release, plan)
        except GKEServiceExtensionsError as exc:
            _log.warning("rollout %s: could not release the plugin after a conflict: %s",
                         record.rollout_id, exc)

    def _wait_step(self, kind: StepKind, plugin: GCPWasmPlugin,
                   extensions: Sequence[GCPTrafficExtension], run: _Run) -> GCPWasmPlugin:
        started = run.clock()
        try:
            plugin = self._wait(plugin, extensions)
        except GKEServiceExtensionsError as exc:  # the wait's failure, or its API calls'
            run.record(kind, StepStatus.FAILED, started, str(exc), exc)
            raise _StepFailed(exc) from exc
        gateways = ", ".join(str(g) for g in self._gateways(extensions))
        run.record(kind, StepStatus.SUCCEEDED, started, f"programmed on {gateways}")
        return plugin

    def _wait(self, plugin: GCPWasmPlugin,
              extensions: Sequence[GCPTrafficExtension]) -> GCPWasmPlugin:
        result = self._client.wait_until_programmed(
            plugin, timeout=self._timeout, gateways=self._gateways(extensions),
            failure_grace=self._failure_grace)
        if extensions:
            self._client.wait_all_programmed(list(extensions), timeout=self._timeout,
                                             failure_grace=self._failure_grace)
        return result.obj

    def _verify_step(self, plugin: GCPWasmPlugin, extensions: Sequence[GCPTrafficExtension],
                     record: RolloutRecord, run: _Run) -> None:
        started = run.clock()
        if self._gcp is None:
            run.record(StepKind.VERIFY, StepStatus.SKIPPED, started, "no gcp client")
            return
        deadline = run.clock() + self._verify_timeout
        while True:
            try:
                message = self._verify(plugin, extensions, record)
            except VerificationError as exc:
                if run.clock() < deadline:
                    self._sleep(min(1.0, max(0.0, deadline - run.clock())))
                    continue
                run.record(StepKind.VERIFY, StepStatus.FAILED, started, str(exc), exc)
                raise _StepFailed(exc) from exc
            except GKEServiceExtensionsError as exc:  # a Google Cloud or Kubernetes call
                run.record(StepKind.VERIFY, StepStatus.FAILED, started, str(exc), exc)
                raise _StepFailed(exc) from exc
            run.record(StepKind.VERIFY, StepStatus.SUCCEEDED, started, message)
            return

    def _verify(self, plugin: GCPWasmPlugin, extensions: Sequence[GCPTrafficExtension],
                record: RolloutRecord) -> str:
        assert self._gcp is not None
        plan = record.plan
        ref = plan.plugin
        names: dict[str, None] = {}
        for gw in self._gateways(extensions):
            gateway = self._client.get(Gateway, gw.name, namespace=gw.namespace)
            value = (gateway.metadata.annotations or {}).get(GatewayAnnotation.WASM_PLUGINS)
            try:
                parsed = parse_annotation(value, GatewayAnnotation.WASM_PLUGINS)
            except ValueError:
                parsed = ()
            for name in parsed:
                if id_names(name.resource_id, plan.namespace, plan.name):
                    names[name.relative_name] = None
        if not names:
            raise VerificationError(f"{ref}: no Gateway that uses it names its WasmPlugin "
                                    f"({GatewayAnnotation.WASM_PLUGINS}) yet", obj=ref,
                                    rollout_id=record.rollout_id)
        for path in names:
            wasm = self._gcp.get_wasm_plugin(path)
            main = wasm.main_version_id or ""
            if not id_names(main, plan.version):
                raise VerificationError(
                    f"{ref}: WasmPlugin {wasm.name} serves version {main!r}, not the one "
                    f"made for {plan.version!r}", obj=ref, rollout_id=record.rollout_id)
            version = wasm.main_version
            found = version.image_digest if version is not None else None
            if record.digest and found != record.digest:
                raise VerificationError(
                    f"{ref}: WasmPlugin {wasm.name} version {main} has image digest "
                    f"{found!r}, not the resolved {record.digest}", obj=ref,
                    rollout_id=record.rollout_id)
        return f"main version of {', '.join(names)} is {plan.version!r}" + (
            f" with digest {record.digest}" if record.digest else "")

    def _bake_step(self, plugin: GCPWasmPlugin, extensions: Sequence[GCPTrafficExtension],
                   record: RolloutRecord, run: _Run,
                   analysis: Sequence[AnalysisCheck] | None) -> None:
        started = run.clock()
        plan = record.plan
        if not analysis:
            if plan.bake > 0:
                self._sleep(plan.bake)
            run.record(StepKind.BAKE, StepStatus.SUCCEEDED, started,
                       f"{plan.bake:g}s without analysis")
            return
        context = AnalysisContext(plugin, tuple(extensions), self._client, plan.version)
        result = run_analysis(analysis, context, duration=plan.bake, clock=self._clock,
                              sleep=self._sleep)
        run.analysis = result
        if not result.successful:
            error = AnalysisFailed(f"{plan.plugin}: analysis {result.phase.value.lower()}: "
                                   f"{result.message}", obj=plan.plugin,
                                   rollout_id=record.rollout_id, analysis=result)
            run.record(StepKind.BAKE, StepStatus.FAILED, started, str(error), error)
            raise _StepFailed(error)
        run.record(StepKind.BAKE, StepStatus.SUCCEEDED, started, result.message)

    def _roll_back(self, plugin: GCPWasmPlugin, extensions: Sequence[GCPTrafficExtension],
                   record: RolloutRecord, run: _Run, reason: str,
                   error: GKEServiceExtensionsError | None,
                   outcome: RolloutOutcome) -> RolloutResult:
        plan = record.plan
        started = run.clock()

        def back(current: GCPWasmPlugin) -> GCPWasmPlugin:
            self._check_plan(current, plan, record)
            if (plan.previous_version is not None
                    and serving_version(current) != plan.previous_version):
                current = promote(current, plan.previous_version, rollout_id=record.rollout_id,
                                  profile=plan.profile)
            if plan.stage and serving_version(current) != plan.version:
                manifest = copy.deepcopy(current.to_manifest())
                manifest["spec"]["versions"] = [v for v in manifest["spec"]["versions"]
                                                if v["name"] != plan.version]
                current = GCPWasmPlugin.from_manifest(manifest,
                                                      unknown_fields=UnknownFields.PRESERVE)
            return _with_annotations(current, {
                ROLLOUT_KEY: None, LAST_ROLLOUT_KEY: _last(record, outcome, reason)})

        try:
            try:
                current = self._client.get(GCPWasmPlugin, plan.name, namespace=plan.namespace)
                plugin = self._write(current, back, plan)
            except GKEServiceExtensionsError as exc:
                run.record(StepKind.ROLLBACK, StepStatus.FAILED, started, str(exc), exc)
                raise
            try:
                plugin = self._wait(plugin, extensions)
            except WaitError as exc:
                run.record(StepKind.ROLLBACK, StepStatus.FAILED, started, str(exc), exc)
                raise
        except GKEServiceExtensionsError as exc:
            result = self._result(record, run, plugin, outcome, reason, error)
            raise RollbackFailed(f"{plan.plugin}: rollback of rollout {record.rollout_id} "
                                 f"({reason}) did not complete: {exc}; the plugin needs a "
                                 "look", obj=plan.plugin, rollout_id=record.rollout_id,
                                 result=result) from exc
        run.record(StepKind.ROLLBACK, StepStatus.SUCCEEDED, started,
                   f"{plan.previous_version!r} serves again")
        return self._result(record, run, plugin, outcome, reason, error)

    # ------------------------------------------------------------------ helpers

    def _take_over(self, name: str, namespace: str | None
                   ) -> tuple[GCPWasmPlugin, RolloutRecord]:
        plugin = self._client.get(GCPWasmPlugin, name, namespace=namespace)
        record = RolloutRecord.read(plugin)
        ref = ObjectRef("GCPWasmPlugin", name, plugin.metadata.namespace)
        if record is None:
            raise RolloutError(f"{ref}: no rollout in progress", obj=ref)
        if record.rollout_id == "<unreadable>":
            raise RolloutError(f"{ref}: the rollout record ({ROLLOUT_KEY}) does not parse; "
                               "remove the annotation by hand", obj=ref)
        mine = RolloutRecord(record.rollout_id, self._holder, record.plan, record.step,
                             record.started_at, datetime.now(UTC), record.digest)

        def take(current: GCPWasmPlugin) -> GCPWasmPlugin:
            held = RolloutRecord.read(current)
            if held is None or held.rollout_id != record.rollout_id:
                raise RolloutConflictError(f"{ref}: rollout {record.rollout_id} ended or was "
                                           "taken over meanwhile", obj=ref,
                                           rollout_id=record.rollout_id,
                                           holder=held.holder if held else None)
            return _with_annotations(current, {ROLLOUT_KEY: mine.to_json()})

        plugin = self._write(plugin, take, record.plan)
        return plugin, mine

    def _extensions(self, plugin: GCPWasmPlugin) -> list[GCPTrafficExtension]:
        name = plugin.metadata.name or ""
        return [e for e in self._client.list(GCPTrafficExtension,
                                             namespace=plugin.metadata.namespace)
                if _uses(e, name)]

    @staticmethod
    def _gateways(extensions: Sequence[GCPTrafficExtension]) -> list[Any]:
        from ..kube._status import GatewayRef

        refs: dict[GatewayRef, None] = {}
        for ext in extensions:
            ns = ext.metadata.namespace
            for target in ext.to_manifest().get("spec", {}).get("targetRefs") or []:
                if target.get("kind", "Gateway") == "Gateway" and target.get("name"):
                    refs[GatewayRef(str(target["name"]), target.get("namespace") or ns)] = None
        return list(refs)

    def _result(self, record: RolloutRecord, run: _Run, plugin: GCPWasmPlugin | None,
                outcome: RolloutOutcome, reason: str,
                error: GKEServiceExtensionsError | None) -> RolloutResult:
        plan = record.plan
        return RolloutResult(record.rollout_id, plan.plugin, plan.version, plan.previous_version,
                             outcome, tuple(run.steps), run.clock() - run.started, reason,
                             error, run.analysis, record.digest, plugin)


def _record(record: RolloutRecord, step: StepKind) -> str:
    return RolloutRecord(record.rollout_id, record.holder, record.plan, step,
                         record.started_at, datetime.now(UTC), record.digest).to_json()


def _last(record: RolloutRecord, outcome: RolloutOutcome, reason: str) -> str:
    return json.dumps({"id": record.rollout_id, "version": record.plan.version,
                       "outcome": outcome.value, "reason": reason[:500],
                       "finishedAt": format_time(datetime.now(UTC))}, separators=(",", ":"))
