"""The exceptions raised by gke-service-extensions.

Every error the library raises derives from :class:`GKEServiceExtensionsError`, so
``except GKEServiceExtensionsError`` catches all of them. The tree::

    GKEServiceExtensionsError
    ├── ManifestError (also ValueError)           bad input, nothing was sent
    │   ├── ManifestParseError                    YAML/JSON that does not parse
    │   ├── UnknownKindError                      a document of a kind we do not model
    │   ├── UnknownProfileError                   a CRD profile name that does not exist
    │   ├── ManifestValidationError               a manifest breaks CRD rules; lists every problem
    │   ├── ImageReferenceError                   an image reference that does not parse
    │   ├── PreflightFailed                       apply(preflight=True) refused: see .diagnosis
    │   └── ResourceNameError                     a Google Cloud resource name that does not parse
    ├── KubernetesError                           the Kubernetes API refused or was unreachable
    │   ├── NotFoundError                         404
    │   ├── AlreadyExistsError                    409 AlreadyExists
    │   ├── ConflictError                         409 Conflict (stale resourceVersion, SSA conflict)
    │   ├── InvalidError                          422 Invalid, with the server's field causes
    │   ├── UnauthorizedError                     401
    │   ├── ForbiddenError                        403
    │   ├── ServerError                           5xx (after retries) and 429 (after retries)
    │   ├── ApiTimeoutError (also TimeoutError)   a call did not finish in time
    │   └── ApiConnectionError                    the API server could not be reached
    │       └── KubeConfigError                   no usable kubeconfig / in-cluster settings
    ├── WaitError                                 a wait ended without the wanted state
    │   ├── ProgrammingFailed                     the controller reported a terminal failure
    │   ├── ObjectDeletedError                    the object went away while waiting
    │   ├── PluginNotReferencedError              a GCPWasmPlugin no traffic extension uses
    │   └── WaitTimeoutError (also TimeoutError)  the deadline passed; carries last seen status
    ├── RolloutError                              a Wasm plugin rollout could not go on
    │   ├── VersionChangeError (also ValueError)  a version change breaks a rule; nothing changed
    │   ├── RolloutConflictError                  another rollout holds the plugin, or a
    │   │                                         concurrent change broke the plan
    │   ├── RolloutPreflightError                 image or plugin not ready; nothing was written
    │   ├── VerificationError                     Google Cloud does not serve what was switched to
    │   ├── AnalysisFailed                        an analysis check failed during the bake
    │   └── RollbackFailed                        the automatic rollback did not complete
    └── GCPError                                  a Google Cloud API call failed
        ├── GCPNotFoundError                      404 NOT_FOUND: no such resource (or image tag)
        ├── GCPPermissionDeniedError              403 PERMISSION_DENIED; names the permission
        ├── GCPAuthenticationError                401, or no usable credentials (no ADC)
        ├── GCPQuotaError                         429 RESOURCE_EXHAUSTED, after retries
        ├── GCPUnavailableError                   503 UNAVAILABLE or unreachable, after retries
        └── GCPTimeoutError (also TimeoutError)   504 DEADLINE_EXCEEDED or no answer, after retries

Each error carries the context needed to act on it (the object, the ancestor Gateway, the
controller's reason and message, the last status seen) as attributes, and its ``str()``
leads with what a user needs to read first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AlreadyExistsError",
    "AnalysisFailed",
    "ApiConnectionError",
    "ApiTimeoutError",
    "ConflictError",
    "FieldCause",
    "ForbiddenError",
    "GCPAuthenticationError",
    "GCPError",
    "GCPNotFoundError",
    "GCPPermissionDeniedError",
    "GCPQuotaError",
    "GCPTimeoutError",
    "GCPUnavailableError",
    "GKEServiceExtensionsError",
    "ImageReferenceError",
    "InvalidError",
    "KubeConfigError",
    "KubernetesError",
    "ManifestError",
    "ManifestParseError",
    "ManifestValidationError",
    "NotFoundError",
    "ObjectDeletedError",
    "ObjectRef",
    "PluginNotReferencedError",
    "PreflightFailed",
    "Problem",
    "ProgrammingFailed",
    "ResourceNameError",
    "RollbackFailed",
    "RolloutConflictError",
    "RolloutError",
    "RolloutPreflightError",
    "ServerError",
    "UnauthorizedError",
    "UnknownKindError",
    "UnknownProfileError",
    "VerificationError",
    "VersionChangeError",
    "WaitError",
    "WaitTimeoutError",
]


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """Which object an error is about: ``kind namespace/name``."""

    kind: str
    name: str | None = None
    namespace: str | None = None

    def __str__(self) -> str:
        if self.name is None:
            return self.kind
        if self.namespace:
            return f"{self.kind} {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"


class GKEServiceExtensionsError(Exception):
    """Root of every error raised by this library."""

    def __init__(self, message: str, *, obj: ObjectRef | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.obj = obj

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- manifests


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a manifest.

    ``path`` is the field path exactly as written in YAML
    (``spec.extensionChains[0].extensions[0].timeout``); ``message`` says the rule in words
    and what was found.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ManifestError(GKEServiceExtensionsError, ValueError):
    """Input that cannot be accepted. Nothing was sent anywhere."""


class ManifestParseError(ManifestError):
    """Text that is not valid YAML or JSON, or a document that is not a mapping.

    ``line`` is the 1-based line of the problem when it is known.
    """

    def __init__(self, message: str, *, document_index: int | None = None,
                 line: int | None = None) -> None:
        super().__init__(message)
        self.document_index = document_index
        self.line = line


class UnknownKindError(ManifestError):
    """A document whose ``apiVersion``/``kind`` is not one of the modelled kinds."""

    def __init__(
        self, message: str, *, api_version: str | None, kind: str | None,
        document_index: int | None = None,
    ) -> None:
        super().__init__(message)
        self.api_version = api_version
        self.kind = kind
        self.document_index = document_index


class UnknownProfileError(ManifestError):
    """A CRD profile name (argument, ``GKE_SE_CRD_PROFILE`` or ``--profile``) that is not one.

    ``name`` is what was given, ``known`` the valid names, ``setting`` where it came from.
    """

    def __init__(self, message: str, *, name: str, known: Sequence[str],
                 setting: str = "profile") -> None:
        super().__init__(message)
        self.name = name
        self.known: tuple[str, ...] = tuple(known)
        self.setting = setting


#: How a user picks another CRD profile; ends every message that names a profile.
PICK_PROFILE_HINT = ("pick another CRD profile with profile= (--profile on the command line) or "
                     "GKE_SE_CRD_PROFILE")


class ManifestValidationError(ManifestError):
    """A manifest breaks one or more rules of the CRD (or of GKE); lists every problem.

    ``profile`` names the CRD profile whose rules were applied and ``profile_source`` says
    where it came from (``"from the cluster"``, ``"from GKE_SE_CRD_PROFILE"``...).
    """

    def __init__(
        self,
        problems: Sequence[Problem],
        *,
        obj: ObjectRef | None = None,
        profile: str | None = None,
        document_index: int | None = None,
        profile_source: str | None = None,
    ) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.profile = profile
        self.profile_source = profile_source or None
        self.document_index = document_index
        what = str(obj) if obj is not None else "manifest"
        where = f" (document {document_index})" if document_index is not None else ""
        rules = ""
        if profile:
            origin = f" ({self.profile_source})" if self.profile_source else ""
            rules = f" under the {profile!r} CRD profile{origin}"
        n = len(self.problems)
        head = f"{what}{where} is invalid{rules}: {n} problem{'s' if n != 1 else ''}"
        body = "".join(f"\n  - {p}" for p in self.problems)
        hint = f"\n  ({PICK_PROFILE_HINT})" if profile else ""
        super().__init__(head + body + hint, obj=obj)


class PreflightFailed(ManifestError):
    """``client.apply(obj, preflight=True)`` refused before sending anything.

    The cluster around ``obj`` would make GKE refuse it (a target Gateway, backend Service
    or its endpoints missing: the message leads with GKE's own words) or never program it
    (a GatewayClass without support for the kind, a port without ``appProtocol: HTTP2``,
    another extension on the Gateway...). ``diagnosis`` holds every finding with its fix.
    A ManifestError: like a manifest that breaks CRD rules, the write was never sent.
    """

    def __init__(self, message: str, *, obj: ObjectRef | None = None,
                 diagnosis: Any = None) -> None:
        super().__init__(message, obj=obj)
        self.diagnosis = diagnosis


class ImageReferenceError(ManifestError):
    """A container image reference that is not ``LOC-docker.pkg.dev/PROJECT/REPO/IMAGE[:TAG]
    [@sha256:DIGEST]``. ``reference`` is the text given."""

    def __init__(self, message: str, *, reference: str) -> None:
        super().__init__(message)
        self.reference = reference


class ResourceNameError(ManifestError):
    """A Google Cloud resource name that cannot be used: not ``projects/P/locations/L/
    <collection>/<id>`` (leading ``/`` allowed), or of another collection than expected.
    ``name`` is the text given."""

    def __init__(self, message: str, *, name: str) -> None:
        super().__init__(message)
        self.name = name


# --------------------------------------------------------------------------- kubernetes


@dataclass(frozen=True, slots=True)
class FieldCause:
    """One field-level cause from a Kubernetes ``Status`` (``details.causes[]``)."""

    field: str
    reason: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class KubernetesError(GKEServiceExtensionsError):
    """The Kubernetes API refused a request or could not be reached.

    Attributes: ``obj`` (the object the call was about), ``status`` (HTTP status code or
    None), ``reason`` (the Status reason, e.g. ``NotFound``), ``server_message`` (the
    Status message as the server wrote it), ``causes`` (field causes, for 422).
    """

    def __init__(
        self,
        message: str,
        *,
        obj: ObjectRef | None = None,
        status: int | None = None,
        reason: str | None = None,
        server_message: str | None = None,
        causes: Sequence[FieldCause] = (),
    ) -> None:
        super().__init__(message, obj=obj)
        self.status = status
        self.reason = reason
        self.server_message = server_message
        self.causes: tuple[FieldCause, ...] = tuple(causes)


class NotFoundError(KubernetesError):
    """The object (or its kind) does not exist: HTTP 404."""


class AlreadyExistsError(KubernetesError):
    """An object of that name already exists: HTTP 409 AlreadyExists."""


class ConflictError(KubernetesError):
    """A write lost a race (stale resourceVersion) or an apply hit field conflicts: 409."""


class InvalidError(KubernetesError):
    """The server rejected the object as invalid: HTTP 422, see ``causes``."""


class UnauthorizedError(KubernetesError):
    """The credentials were missing or rejected: HTTP 401."""


class ForbiddenError(KubernetesError):
    """The credentials may not do this: HTTP 403."""


class ServerError(KubernetesError):
    """The server failed (5xx) or kept throttling (429) after all retries."""


class ApiTimeoutError(KubernetesError, TimeoutError):
    """A call to the API server did not finish within its timeout."""


class ApiConnectionError(KubernetesError):
    """The API server could not be reached (refused, reset, DNS, TLS)."""


class KubeConfigError(ApiConnectionError):
    """No usable connection settings: missing or malformed kubeconfig, unknown context,
    not running in a cluster. Subclass of ApiConnectionError: the API server cannot be
    reached with what was given."""


# --------------------------------------------------------------------------- waiting


class WaitError(GKEServiceExtensionsError):
    """A wait ended without reaching the wanted state.

    ``last_status`` is the last ``status`` mapping seen on the object (wire form), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        obj: ObjectRef | None = None,
        last_status: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, obj=obj)
        self.last_status = last_status


class ProgrammingFailed(WaitError):
    """The GKE controller reported a terminal failure for one ancestor Gateway."""

    def __init__(
        self,
        message: str,
        *,
        obj: ObjectRef | None = None,
        ancestor: str | None = None,
        condition: str | None = None,
        reason: str | None = None,
        condition_message: str | None = None,
        last_status: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, obj=obj, last_status=last_status)
        self.ancestor = ancestor
        self.condition = condition
        self.reason = reason
        self.condition_message = condition_message


class ObjectDeletedError(WaitError):
    """The object was deleted (or began deletion) while it was being waited for."""


class PluginNotReferencedError(WaitError):
    """A GCPWasmPlugin that no GCPTrafficExtension references: it can never be programmed.

    GKE programs a plugin only through a traffic extension whose ``backendRef`` names it;
    the wait says so after its ``plugin_reference_grace`` instead of running to its timeout.
    """


class WaitTimeoutError(WaitError, TimeoutError):
    """The wait's deadline passed; the message shows the last state of every ancestor."""


# --------------------------------------------------------------------------- rollouts


class RolloutError(GKEServiceExtensionsError):
    """A rollout of a GCPWasmPlugin version could not go on.

    ``obj`` is the plugin; ``rollout_id`` the rollout's id (None before one started);
    ``result`` the :class:`~gke_service_extensions.rollout.RolloutResult` so far, when there
    is one.
    """

    def __init__(self, message: str, *, obj: ObjectRef | None = None,
                 rollout_id: str | None = None, result: Any = None) -> None:
        super().__init__(message, obj=obj)
        self.rollout_id = rollout_id
        self.result = result


class VersionChangeError(RolloutError, ValueError):
    """A version change that breaks a rule (name taken, image already staged, an 11th
    version, no version to roll back to). Nothing was changed."""


class RolloutConflictError(RolloutError):
    """Another rollout holds the plugin (``holder``), or a concurrent change made the plan
    impossible (the serving version moved, the staged version went away)."""

    def __init__(self, message: str, *, obj: ObjectRef | None = None,
                 rollout_id: str | None = None, result: Any = None,
                 holder: str | None = None) -> None:
        super().__init__(message, obj=obj, rollout_id=rollout_id, result=result)
        self.holder = holder


class RolloutPreflightError(RolloutError):
    """The preflight found the image missing or the plugin unhealthy. Nothing was written."""


class VerificationError(RolloutError):
    """Google Cloud does not serve what was switched to (main version or image digest)."""


class AnalysisFailed(RolloutError):
    """An analysis check failed (or errored, or was inconclusive) during the bake.

    ``analysis`` is the :class:`~gke_service_extensions.rollout.AnalysisResult`.
    """

    def __init__(self, message: str, *, obj: ObjectRef | None = None,
                 rollout_id: str | None = None, result: Any = None,
                 analysis: Any = None) -> None:
        super().__init__(message, obj=obj, rollout_id=rollout_id, result=result)
        self.analysis = analysis


class RollbackFailed(RolloutError):
    """The automatic rollback did not complete; the plugin needs a person (see ``result``)."""


# --------------------------------------------------------------------------- google cloud


class GCPError(GKEServiceExtensionsError):
    """A Google Cloud API call failed.

    Attributes: ``resource`` (the name that was asked for), ``code`` (HTTP status, or None
    when no answer came), ``status`` (the ``google.rpc`` status name, e.g. ``NOT_FOUND``),
    ``reason`` (the ``ErrorInfo`` reason, e.g. ``IAM_PERMISSION_DENIED``), ``server_message``
    (the API's own message) and ``attempts`` (how many tries were made). The Google library's
    exception is the ``__cause__``.
    """

    def __init__(
        self,
        message: str,
        *,
        resource: str | None = None,
        code: int | None = None,
        status: str | None = None,
        reason: str | None = None,
        server_message: str | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.resource = resource
        self.code = code
        self.status = status
        self.reason = reason
        self.server_message = server_message
        self.attempts = attempts


class GCPNotFoundError(GCPError):
    """The resource (or image, tag or digest) does not exist: 404 NOT_FOUND."""


class GCPPermissionDeniedError(GCPError):
    """The credentials may not do this: 403 PERMISSION_DENIED.

    ``permission`` is the IAM permission the API said is missing (from its ``ErrorInfo`` or
    its message), when it said so.
    """

    def __init__(
        self,
        message: str,
        *,
        permission: str | None = None,
        resource: str | None = None,
        code: int | None = None,
        status: str | None = None,
        reason: str | None = None,
        server_message: str | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message, resource=resource, code=code, status=status, reason=reason,
                         server_message=server_message, attempts=attempts)
        self.permission = permission


class GCPAuthenticationError(GCPError):
    """No usable credentials: 401 UNAUTHENTICATED, or no Application Default Credentials."""


class GCPQuotaError(GCPError):
    """The API kept answering 429 RESOURCE_EXHAUSTED (rate limit or quota) after retries."""


class GCPUnavailableError(GCPError):
    """The API kept answering 503 UNAVAILABLE, or could not be reached, after retries."""


class GCPTimeoutError(GCPError, TimeoutError):
    """Calls kept timing out (504 DEADLINE_EXCEEDED, or no answer in time) after retries."""
