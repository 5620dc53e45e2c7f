"""The exceptions raised by gke-service-extensions.

Every error the library raises derives from :class:`GKEServiceExtensionsError`, so
``except GKEServiceExtensionsError`` catches all of them. The tree::

    GKEServiceExtensionsError
    ├── ManifestError (also ValueError)           bad input, nothing was sent
    │   ├── ManifestParseError                    YAML/JSON that does not parse
    │   ├── UnknownKindError                      a document of a kind we do not model
    │   └── ManifestValidationError               a manifest breaks CRD rules; lists every problem
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
    ├── WaitError                                 a wait ended without the wanted state
    │   ├── ProgrammingFailed                     the controller reported a terminal failure
    │   ├── ObjectDeletedError                    the object went away while waiting
    │   └── WaitTimeoutError (also TimeoutError)  the deadline passed; carries last seen status
    └── GCPError                                  a Google Cloud API call failed

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
    "ApiConnectionError",
    "ApiTimeoutError",
    "ConflictError",
    "FieldCause",
    "ForbiddenError",
    "GCPError",
    "GKEServiceExtensionsError",
    "InvalidError",
    "KubernetesError",
    "ManifestError",
    "ManifestParseError",
    "ManifestValidationError",
    "NotFoundError",
    "ObjectDeletedError",
    "ObjectRef",
    "Problem",
    "ProgrammingFailed",
    "ServerError",
    "UnauthorizedError",
    "UnknownKindError",
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


class ManifestValidationError(ManifestError):
    """A manifest breaks one or more rules of the CRD (or of GKE); lists every problem."""

    def __init__(
        self,
        problems: Sequence[Problem],
        *,
        obj: ObjectRef | None = None,
        profile: str | None = None,
        document_index: int | None = None,
    ) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.profile = profile
        self.document_index = document_index
        what = str(obj) if obj is not None else "manifest"
        where = f" (document {document_index})" if document_index is not None else ""
        rules = f" under the {profile!r} CRD profile" if profile else ""
        n = len(self.problems)
        head = f"{what}{where} is invalid{rules}: {n} problem{'s' if n != 1 else ''}"
        body = "".join(f"\n  - {p}" for p in self.problems)
        super().__init__(head + body, obj=obj)


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


class WaitTimeoutError(WaitError, TimeoutError):
    """The wait's deadline passed; the message shows the last state of every ancestor."""


# --------------------------------------------------------------------------- google cloud


class GCPError(GKEServiceExtensionsError):
    """A Google Cloud API call failed. ``resource`` names what was asked for."""

    def __init__(
        self,
        message: str,
        *,
        resource: str | None = None,
        code: int | None = None,
        status: str | None = None,
    ) -> None:
        super().__init__(message)
        self.resource = resource
        self.code = code
        self.status = status
