"""``ExtensionsClient``: typed CRUD, server-side apply and events over the ``kubernetes`` client.

The client speaks JSON to the API server through the official ``kubernetes`` ``ApiClient``
(its auth, TLS and proxy handling) but builds the requests itself, so content types
(merge patch, JSON patch, ``application/apply-patch+yaml``), query parameters and responses
without a body are handled exactly. Every call:

* has a timeout (``request_timeout``, configurable on the client);
* is retried by the client's :class:`~._retry.RetryPolicy` when that is safe;
* raises only errors of our tree (``_errors.py``), with credentials redacted.
"""

from __future__ import annotations

import builtins
import copy
import enum
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar, overload
from urllib.parse import quote, urlsplit, urlunsplit

from .._errors import (
    AlreadyExistsError,
    ConflictError,
    KubernetesError,
    ManifestError,
    ManifestValidationError,
    NotFoundError,
    ObjectRef,
    Problem,
    ServerError,
    UnknownKindError,
    WaitTimeoutError,
)
from .._gke import EVENT, resource_for_kind
from ..models import MODELS, CRDProfile, ProfileChoice, UnknownFields
from ..models._meta import ResourceInfo
from ..models._validation import validate_model_data
from . import _config
from ._config import check_credentials_url, check_transport, load_in_cluster, load_kubeconfig
from ._crd_profile import ProfileHolder
from ._errors_map import error_from_exception, error_from_response
from ._http_transport import Urllib3Transport
from ._kubeconfig import Connection, light_transport_allowed, read_in_cluster, read_kubeconfig
from ._objects import KubeEvent, KubeObject
from ._redact import Redactor, install_library_redaction, secrets_of
from ._retry import DEFAULT_RETRY, RawResponse, RetryPolicy, RunResult
from ._status import DEFAULT_CONDITION, GKE_CONTROLLER_NAME, WaitMode
from ._transport import ApiClientTransport, Request, Transport
from ._wait import (
    DEFAULT_PLUGIN_REFERENCE_GRACE,
    DEFAULT_SILENCE_TIMEOUT,
    DEFAULT_TIMEOUT,
    WatchBackoff,
)

__all__ = [
    "ALL_NAMESPACES",
    "DEFAULT_FIELD_MANAGER",
    "DEFAULT_REQUEST_TIMEOUT",
    "AllNamespaces",
    "DryRun",
    "ExtensionsClient",
    "PatchType",
    "Propagation",
    "RequestTimeout",
]

if TYPE_CHECKING:
    from ..models import GCPRoutingExtension, GCPTrafficExtension, GCPWasmPlugin
    from ._wait import Gateways, OnChange, WaitResult

    M = TypeVar("M", GCPTrafficExtension, GCPRoutingExtension, GCPWasmPlugin)

_log = logging.getLogger("gke_service_extensions.kube")

T = TypeVar("T", bound=KubeObject)

#: ``fieldManager`` of every write unless told otherwise.
DEFAULT_FIELD_MANAGER: Final = "gke-service-extensions"
#: A number (total seconds) or ``(connect, read)`` seconds, as urllib3 takes it.
RequestTimeout = float | tuple[float, float]
DEFAULT_REQUEST_TIMEOUT: Final[RequestTimeout] = (10.0, 30.0)

_EVENT = EVENT
_APPLY_CONTENT_TYPE = "application/apply-patch+yaml"
# Set by the server; sending them on create/apply is an error or a surprise precondition.
_SERVER_FIELDS = ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields",
                  "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds")
_POLL_INITIAL, _POLL_MAX = 0.05, 1.0
_DEFAULT_BACKOFF = WatchBackoff()


class DryRun(enum.Enum):
    """Whether a write is persisted (``NONE``) or only run through admission (``ALL``)."""

    NONE = "None"
    ALL = "All"


class PatchType(enum.Enum):
    """How ``patch`` bodies are read by the server (custom resources: no strategic merge)."""

    MERGE = "application/merge-patch+json"
    JSON = "application/json-patch+json"


class Validation(enum.Enum):
    """Whether writes of the three CRDs are checked against the CRD rules before sending.

    ``BEFORE_SENDING`` (the default) raises ManifestValidationError, listing every problem,
    and sends nothing; ``SERVER_ONLY`` leaves judging to the API server.
    """

    BEFORE_SENDING = "before-sending"
    SERVER_ONLY = "server-only"


class Propagation(enum.Enum):
    """What happens to dependents of a deleted object."""

    BACKGROUND = "Background"
    FOREGROUND = "Foreground"
    ORPHAN = "Orphan"


class AllNamespaces(enum.Enum):
    """Sentinel type of :data:`ALL_NAMESPACES`."""

    ALL_NAMESPACES = "all-namespaces"


#: Pass as ``namespace=`` to ``list`` to list across every namespace.
ALL_NAMESPACES: Final = AllNamespaces.ALL_NAMESPACES


class ExtensionsClient:
    """One client for the GKE Service Extensions kinds (and the Gateways they attach to).

    Build it with :meth:`from_kubeconfig`, :meth:`in_cluster`, or from an existing
    ``kubernetes.client.ApiClient``. Use it as a context manager or call :meth:`close`; an
    ``ApiClient`` you passed in is not closed by the client.
    """

    def __init__(
        self,
        api_client: Any = None,
        *,
        transport: Transport | None = None,
        namespace: str | None = None,
        request_timeout: RequestTimeout = DEFAULT_REQUEST_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        field_manager: str = DEFAULT_FIELD_MANAGER,
        profile: ProfileChoice = None,
        validation: Validation = Validation.BEFORE_SENDING,
    ) -> None:
        """Wrap ``api_client`` (a ``kubernetes.client.ApiClient``; never modified), or send
        through ``transport`` (e.g. :class:`~gke_service_extensions.kube.MockTransport`).

        ``profile`` picks the CRD rules that writes are checked against: a profile name
        (:data:`~gke_service_extensions.models.PROFILES`), a
        :class:`~gke_service_extensions.models.CRDProfile`, or
        :data:`~gke_service_extensions.CLUSTER_PROFILE`: the rules of the CRDs the cluster
        serves, read once on the first checked write. Not given: ``$GKE_SE_CRD_PROFILE`` if
        set, else the cluster's. If the cluster's CRDs cannot be read (403, 404),
        :data:`~gke_service_extensions.DEFAULT_PROFILE` applies (logged at INFO). A bad name
        raises UnknownProfileError. ``validation`` switches the check off.
        """
        if (api_client is None) == (transport is None):
            raise TypeError("ExtensionsClient needs an api_client or a transport (one of them)")
        if transport is None:
            transport = ApiClientTransport(api_client)
            # as from_kubeconfig() does for the ApiClients it builds
            install_library_redaction(api_client.configuration)
            check_transport(api_client.configuration, stacklevel=2)
        elif not isinstance(transport, Transport):
            raise TypeError(f"transport must implement Transport (request, stream, close, "
                            f"host), got {type(transport).__name__}")
        self._transport: Transport = transport
        self._api: Any = getattr(transport, "api_client", None)
        # Builds a kubernetes ApiClient on first access of .api_client (light transport only).
        self._api_loader: Callable[[], Any] | None = None
        self._namespace = namespace or "default"
        self._timeout = _check_request_timeout(request_timeout)
        self._retry = retry
        self._field_manager = field_manager
        self._profiles = ProfileHolder(profile)
        self._validation = validation
        self._redactor = Redactor(self._secrets)
        self._closed = False

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_kubeconfig(
        cls,
        path: str | os.PathLike[str] | None = None,
        context: str | None = None,
        *,
        namespace: str | None = None,
        request_timeout: RequestTimeout = DEFAULT_REQUEST_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        field_manager: str = DEFAULT_FIELD_MANAGER,
        profile: ProfileChoice = None,
        validation: Validation = Validation.BEFORE_SENDING,
    ) -> Self:
        """Connect with a kubeconfig (default ``$KUBECONFIG`` or ``~/.kube/config``).

        The default namespace is ``namespace``, else the context's, else ``"default"``.
        Raises :class:`~gke_service_extensions.KubeConfigError` if the file or context is unusable.

        Requests go through :class:`~gke_service_extensions.kube.Urllib3Transport` (no import
        of the ``kubernetes`` package) when our loader supports the kubeconfig, else through
        the ``kubernetes`` library (``auth-provider``, SOCKS proxies, ...; see the docs,
        "Which transport", and ``GKE_SE_KUBE_TRANSPORT``).
        """
        connection = read_kubeconfig(path, context) if light_transport_allowed() else None
        if connection is None:
            loaded = load_kubeconfig(path, context)
            return cls(transport=ApiClientTransport(loaded.api_client, owns=True),
                       namespace=namespace or loaded.namespace, request_timeout=request_timeout,
                       retry=retry, field_manager=field_manager, profile=profile,
                       validation=validation)
        _connection_warnings(connection)
        client = cls(transport=Urllib3Transport(connection),
                     namespace=namespace or connection.namespace,
                     request_timeout=request_timeout, retry=retry, field_manager=field_manager,
                     profile=profile, validation=validation)
        client._api_loader = lambda: load_kubeconfig(path, context).api_client
        return client

    @classmethod
    def in_cluster(
        cls,
        *,
        namespace: str | None = None,
        request_timeout: RequestTimeout = DEFAULT_REQUEST_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        field_manager: str = DEFAULT_FIELD_MANAGER,
        profile: ProfileChoice = None,
        validation: Validation = Validation.BEFORE_SENDING,
    ) -> Self:
        """Connect from inside a pod with its service account (namespace: the pod's).

        Uses :class:`~gke_service_extensions.kube.Urllib3Transport` (the token file is re-read
        when it changes) unless ``GKE_SE_KUBE_TRANSPORT=kubernetes``.
        """
        account_dir = _config.SERVICE_ACCOUNT_DIR
        connection = read_in_cluster(account_dir) if light_transport_allowed() else None
        if connection is None:
            loaded = load_in_cluster(account_dir=account_dir)
            return cls(transport=ApiClientTransport(loaded.api_client, owns=True),
                       namespace=namespace or loaded.namespace, request_timeout=request_timeout,
                       retry=retry, field_manager=field_manager, profile=profile,
                       validation=validation)
        _connection_warnings(connection)
        client = cls(transport=Urllib3Transport(connection),
                     namespace=namespace or connection.namespace,
                     request_timeout=request_timeout, retry=retry, field_manager=field_manager,
                     profile=profile, validation=validation)
        client._api_loader = lambda: load_in_cluster(account_dir=account_dir).api_client
        return client

    def close(self) -> None:
        """Release connections (only of an ``ApiClient`` this client created). Idempotent."""
        if not self._closed:
            self._closed = True
            self._transport.close()
            if self._api_loader is not None and self._api is not None:
                self._api.close()  # the one api_client built on demand

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ExtensionsClient(host={self.host!r}, namespace={self._namespace!r})"

    # ------------------------------------------------------------------ what helpers need

    @property
    def api_client(self) -> Any:
        """The underlying ``kubernetes.client.ApiClient`` (None with a custom transport).

        A client from :meth:`from_kubeconfig` / :meth:`in_cluster` that uses
        :class:`~gke_service_extensions.kube.Urllib3Transport` builds one from the same
        kubeconfig on first access (importing the ``kubernetes`` package then, and running an
        exec plugin again); the client's own calls keep using its transport, and
        :meth:`close` closes that ``ApiClient`` too.
        """
        if self._api is None and self._api_loader is not None and not self._closed:
            self._api = self._api_loader()
        return self._api

    def _secrets(self) -> list[str]:
        """Every credential of this connection, read now (tokens may have been refreshed)."""
        found: list[str] = []
        secrets = getattr(self._transport, "secrets", None)
        if callable(secrets):
            found += secrets()
        if self._api is not None:
            found += secrets_of(self._api.configuration)
        return found

    @property
    def transport(self) -> Transport:
        """What carries this client's requests (every call, the wait's watches included)."""
        return self._transport

    @property
    def default_namespace(self) -> str:
        """Namespace used when a call or an object names none."""
        return self._namespace

    @property
    def request_timeout(self) -> tuple[float, float]:
        """``(connect, read)`` timeout of every HTTP request, in seconds."""
        return self._timeout

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy of every call."""
        return self._retry

    @property
    def field_manager(self) -> str:
        """``fieldManager`` sent with writes (and server-side apply)."""
        return self._field_manager

    @property
    def redactor(self) -> Redactor:
        """Scrubs this connection's credentials from text (see ``RedactingFilter``)."""
        return self._redactor

    @property
    def host(self) -> str:
        """The API server URL, without any user info."""
        raw = self._transport.host
        parts = urlsplit(raw)
        if parts.username or parts.password:
            netloc = parts.hostname or ""
            if parts.port:
                netloc += f":{parts.port}"
            raw = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
        return self._redactor(raw)

    @property
    def verify_tls(self) -> bool:
        """Whether the server certificate is verified (False only if the config said so)."""
        verify = getattr(self._transport, "verify_tls", None)
        if isinstance(verify, bool):
            return verify
        if self._api is None:
            return True
        return bool(getattr(self._api.configuration, "verify_ssl", True))

    def crd_profile(self) -> CRDProfile:
        """The CRD profile writes are checked against (its ``source`` says where it came
        from); with the cluster's, the first call reads the cluster's CRDs."""
        return self._profiles.get(self)

    def translate_error(self, exc: BaseException, *, obj: ObjectRef | None = None
                        ) -> KubernetesError:
        """Our error for anything the kubernetes client or urllib3 raised (redacted)."""
        return error_from_exception(exc, obj=obj, redact=self._redactor,
                                    timeout=self._timeout[1])

    # ------------------------------------------------------------------ CRUD

    @overload
    def get(self, kind: type[T], name: str, *, namespace: str | None = None) -> T: ...

    @overload
    def get(self, kind: str, name: str, *, namespace: str | None = None) -> KubeObject: ...

    def get(self, kind: Any, name: str, *, namespace: str | None = None) -> Any:
        """Read one object. Raises NotFoundError if it does not exist.

        ``kind`` is a model class, or a kind as kubectl takes it (``"GCPTrafficExtension"``,
        ``"gcptrafficextensions"``, ``"gateway"``...).
        """
        kind = _model_of(kind)
        info = _info_of(kind)
        ns = self._ns(info, namespace)
        ref = ObjectRef(info.kind, _check_name(name, info.kind), ns)
        return self._to_model(kind, self._read(info, name, ns, ref), ref)

    @overload
    def list(
        self, kind: type[T], *, namespace: str | AllNamespaces | None = None,
        label_selector: str | Mapping[str, str] | None = None, field_selector: str | None = None,
        page_size: int = 500,
    ) -> builtins.list[T]: ...

    @overload
    def list(
        self, kind: str, *, namespace: str | AllNamespaces | None = None,
        label_selector: str | Mapping[str, str] | None = None, field_selector: str | None = None,
        page_size: int = 500,
    ) -> builtins.list[KubeObject]: ...

    def list(
        self,
        kind: Any,
        *,
        namespace: str | AllNamespaces | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | None = None,
        page_size: int = 500,
    ) -> builtins.list[Any]:
        """Every object of ``kind`` in ``namespace`` (default namespace if None, or
        :data:`ALL_NAMESPACES`), following ``continue`` tokens across pages.

        If a ``continue`` token expires mid-way (410, the list took too long), the list is
        started again once from the first page, as client-go's pager does.
        """
        kind = _model_of(kind)
        for attempt in (1, 2):
            try:
                return builtins.list(self.iterate(kind, namespace=namespace,
                                                  label_selector=label_selector,
                                                  field_selector=field_selector,
                                                  page_size=page_size))
            except KubernetesError as exc:
                if exc.status != 410 or attempt == 2:
                    raise
                _log.info("%s: list continue token expired; listing again", kind.__name__)
        raise AssertionError("unreachable")

    @overload
    def iterate(
        self, kind: type[T], *, namespace: str | AllNamespaces | None = None,
        label_selector: str | Mapping[str, str] | None = None, field_selector: str | None = None,
        page_size: int = 500,
    ) -> Iterator[T]: ...

    @overload
    def iterate(
        self, kind: str, *, namespace: str | AllNamespaces | None = None,
        label_selector: str | Mapping[str, str] | None = None, field_selector: str | None = None,
        page_size: int = 500,
    ) -> Iterator[KubeObject]: ...

    def iterate(
        self,
        kind: Any,
        *,
        namespace: str | AllNamespaces | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | None = None,
        page_size: int = 500,
    ) -> Iterator[Any]:
        """Like :meth:`list`, but yields objects page by page (an expired ``continue``
        token raises a KubernetesError with status 410)."""
        kind = _model_of(kind)
        info = _info_of(kind)
        ns = None if namespace is ALL_NAMESPACES else self._ns(info, _str_or_none(namespace))
        ref = ObjectRef(info.kind, None, ns)
        for item in self._list_raw(info, ns, ref, _selector(label_selector), field_selector,
                                   page_size):
            item_ref = ObjectRef(info.kind, _meta(item).get("name"), _meta(item).get("namespace"))
            yield self._to_model(kind, item, item_ref)

    def create(self, obj: T, *, dry_run: DryRun = DryRun.NONE) -> T:
        """Create ``obj`` and return it as stored (with uid, resourceVersion, defaults).

        If the response was lost and the retried create finds the object already there, it
        is read back: same spec and labels as sent -> returned; else AlreadyExistsError.
        """
        info, manifest = _outgoing(obj)
        _strip_server_fields(manifest, status=True)
        self._check(obj, manifest, UnknownFields.REJECT)
        ns = self._ns(info, None, manifest)
        name = _require_name(manifest, info)
        ref = ObjectRef(info.kind, name, ns)
        result = self._execute("POST", _path(info, ns), ref=ref, body=manifest,
                               query=self._write_query(dry_run), idempotent=True)
        response = result.response
        if response.status == 409 and result.retried:
            error = self._error(response, ref)
            if isinstance(error, AlreadyExistsError):
                existing = self._read(info, name, ns, ref)
                if _same_intent(manifest, existing, annotations=False):
                    _log.info("%s: create was retried and found it created; read back", ref)
                    return self._to_model(type(obj), existing, ref)
                raise AlreadyExistsError(
                    f"{ref}: already exists with a different spec or labels than sent "
                    "(the create was retried after a lost response)",
                    obj=ref, status=409, reason=error.reason,
                    server_message=error.server_message,
                )
        return self._to_model(type(obj), self._written(response, info, ns, ref, manifest,
                                                        dry_run), ref)

    def replace(self, obj: T, *, dry_run: DryRun = DryRun.NONE) -> T:
        """Replace the stored object with ``obj`` (PUT).

        With ``metadata.resourceVersion`` set (e.g. ``obj`` came from :meth:`get`), the write
        fails with ConflictError if the object changed since: read, modify, replace again.
        Custom resources (every kind but core ones such as Service) need that
        resourceVersion, as on a real API server; without it a ManifestError is raised
        before anything is sent. Use :meth:`apply` to write without reading first.
        """
        info, manifest = _outgoing(obj)
        ns = self._ns(info, None, manifest)
        name = _require_name(manifest, info)
        ref = ObjectRef(info.kind, name, ns)
        has_rv = bool(_meta(manifest).get("resourceVersion"))
        self._check(obj, manifest, UnknownFields.PRESERVE)
        if not has_rv and info.group:
            raise ManifestError(
                f"{ref}: replace needs metadata.resourceVersion (custom resources allow no "
                "unconditional update): read the object with get(), change it, replace it; "
                "or use apply()"
            )
        result = self._execute("PUT", _path(info, ns, name), ref=ref, body=manifest,
                               query=self._write_query(dry_run), idempotent=has_rv)
        response = result.response
        if response.status == 409 and result.retried and has_rv:
            # Our first PUT may have landed; then the retry's resourceVersion is stale.
            current = self._read(info, name, ns, ref)
            if _same_intent(manifest, current, annotations=True):
                return self._to_model(type(obj), current, ref)
        return self._to_model(type(obj), self._written(response, info, ns, ref, manifest,
                                                        dry_run), ref)

    def replace_status(self, obj: T, *, dry_run: DryRun = DryRun.NONE) -> T:
        """Replace the ``status`` subresource from ``obj.status`` (PUT .../status)."""
        info, manifest = _outgoing(obj)
        ns = self._ns(info, None, manifest)
        name = _require_name(manifest, info)
        ref = ObjectRef(info.kind, name, ns)
        has_rv = bool(_meta(manifest).get("resourceVersion"))
        result = self._execute("PUT", _path(info, ns, name, "status"), ref=ref, body=manifest,
                               query=self._write_query(dry_run), idempotent=has_rv)
        return self._to_model(type(obj), self._written(result.response, info, ns, ref,
                                                        manifest, dry_run), ref)

    def patch(
        self,
        kind: type[T],
        name: str,
        patch: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        namespace: str | None = None,
        patch_type: PatchType = PatchType.MERGE,
        dry_run: DryRun = DryRun.NONE,
    ) -> T:
        """Patch an object: a JSON merge patch (mapping) or a JSON patch (list of ops)."""
        return self._patch(kind, name, patch, namespace, patch_type, dry_run, None)

    def patch_status(
        self,
        kind: type[T],
        name: str,
        patch: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        namespace: str | None = None,
        patch_type: PatchType = PatchType.MERGE,
        dry_run: DryRun = DryRun.NONE,
    ) -> T:
        """Patch the ``status`` subresource (e.g. ``{"status": {...}}`` as a merge patch)."""
        return self._patch(kind, name, patch, namespace, patch_type, dry_run, "status")

    def apply(
        self,
        obj: T,
        *,
        field_manager: str | None = None,
        force: bool = False,
        dry_run: DryRun = DryRun.NONE,
        preflight: bool = False,
    ) -> T:
        """Server-side apply ``obj``: create it or update the fields this manager owns.

        For your own manifest: every field in ``obj`` becomes owned by ``field_manager``, and
        fields it applied before but ``obj`` no longer has are removed. ``status`` is not sent.
        Fields owned by another manager raise ConflictError (its ``causes`` name them) unless
        ``force=True`` takes them over.

        An object read from the cluster (it carries ``metadata.resourceVersion`` or
        ``managedFields``) is refused with ManifestError and nothing is sent: applying it
        would co-own everything in it (other owners' finalizers, ownerReferences, labels,
        annotations) and a later apply of your manifest would delete those fields. Use
        :meth:`modify` to change an object you read, or :meth:`patch` for a targeted edit.

        ``preflight=True`` first runs :func:`gke_service_extensions.preflight` and raises
        PreflightFailed (nothing sent) if it finds an error.
        """
        info, manifest = _outgoing(obj)
        ns = self._ns(info, None, manifest)
        name = _require_name(manifest, info)
        ref = ObjectRef(info.kind, name, ns)
        manager = field_manager or self._field_manager
        server_state = [k for k in ("resourceVersion", "managedFields") if _meta(manifest).get(k)]
        if server_state:
            raise ManifestError(
                f"{ref}: apply() was given an object read from the cluster (it has "
                f"metadata.{' and metadata.'.join(server_state)}); applying it would make "
                f"{manager!r} co-own every field in it, other owners' finalizers, "
                "ownerReferences, labels and annotations included, and a later apply() of "
                "your own manifest would delete them. Use modify(kind, name, fn) to change an "
                "object you read, patch() for a targeted edit, or apply() your own manifest",
                obj=ref)
        _strip_server_fields(manifest, status=True)
        self._check(obj, manifest, UnknownFields.REJECT)
        if preflight:  # after the offline checks: it reads the cluster
            from ..diagnosis._diagnose import raise_if_refused

            raise_if_refused(self, obj)
        query = [("fieldManager", manager)]
        if force:
            query.append(("force", "true"))
        if dry_run is DryRun.ALL:
            query.append(("dryRun", "All"))
        result = self._execute("PATCH", _path(info, ns, name), ref=ref, body=manifest,
                               query=query, content_type=_APPLY_CONTENT_TYPE, idempotent=True)
        return self._to_model(type(obj), self._written(result.response, info, ns, ref,
                                                        manifest, dry_run), ref)

    def modify(
        self,
        kind: type[T],
        name: str,
        fn: Callable[[T], T | None],
        *,
        namespace: str | None = None,
        retries: int = 5,
        dry_run: DryRun = DryRun.NONE,
    ) -> T:
        """Read-modify-write: read the object, let ``fn`` change it, write it back.

        ``fn`` gets the object as stored (fields of newer CRDs and every other owner's
        finalizers, ownerReferences, labels and annotations included) and changes it in place
        (returning None) or returns it. The write is a PUT guarded by the resourceVersion
        read, so nothing another writer changed in between is overwritten: on ConflictError
        the object is read again and ``fn`` applied again, up to ``retries`` more times (then
        ConflictError). ``fn`` may therefore run more than once: set values, do not blindly
        append. If ``fn`` changes nothing, nothing is written. Returns the object as stored.

        Unknown fields are kept; the CRD rules of the fields we know are checked before
        sending (ManifestValidationError, nothing sent). ``fn`` may not rename the object or
        replace it with another one (ManifestError).
        """
        info = _info_of(kind)
        ns = self._ns(info, namespace)
        ref = ObjectRef(info.kind, _check_name(name, info.kind), ns)
        if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
            raise ManifestError(f"{ref}: retries must be an integer >= 0, got {retries!r}",
                                obj=ref)
        last: ConflictError | None = None
        for attempt in range(retries + 1):
            current = self.get(kind, name, namespace=ns)
            before = current.to_manifest()
            returned = fn(current)
            changed = current if returned is None else returned
            if not isinstance(changed, kind):
                raise ManifestError(
                    f"{ref}: modify()'s function must change the {kind.__name__} it is given "
                    f"and return it or None, got {type(changed).__name__}", obj=ref)
            after = changed.to_manifest()
            for key in ("name", "namespace", "uid", "resourceVersion"):
                if _meta(after).get(key) != _meta(before).get(key):
                    raise ManifestError(
                        f"{ref}: modify()'s function changed metadata.{key} "
                        f"({_meta(before).get(key)!r} -> {_meta(after).get(key)!r}); change "
                        "the object it is given, do not rename it or build a new one", obj=ref)
            if after == before:
                return changed
            try:
                return self.replace(changed, dry_run=dry_run)
            except ConflictError as exc:
                last = exc
                _log.info("%s: changed since it was read (attempt %d of %d); reading again",
                          ref, attempt + 1, retries + 1)
        assert last is not None
        raise ConflictError(
            f"{ref}: modify() gave up after {retries + 1} attempts: the object kept changing "
            f"between read and write ({last.server_message or last.message})",
            obj=ref, status=last.status, reason=last.reason, server_message=last.server_message)

    @overload
    def delete(
        self, obj: T, /, *, propagation: Propagation = ...,
        wait: bool = ..., timeout: float = ..., dry_run: DryRun = ...,
    ) -> T | None: ...

    @overload
    def delete(
        self, kind: type[T], name: str, /, *, namespace: str | None = ...,
        propagation: Propagation = ..., wait: bool = ..., timeout: float = ...,
        dry_run: DryRun = ...,
    ) -> T | None: ...

    def delete(
        self,
        kind_or_obj: Any,
        name: str | None = None,
        /,
        *,
        namespace: str | None = None,
        propagation: Propagation = Propagation.BACKGROUND,
        wait: bool = False,
        timeout: float = 60.0,
        dry_run: DryRun = DryRun.NONE,
    ) -> Any:
        """Delete an object (given itself, or its kind and name).

        Returns the object as the server last showed it (with ``deletionTimestamp`` if
        finalizers hold it), or None if the server returned none. ``wait=True`` returns
        only once it is gone (WaitTimeoutError after ``timeout`` seconds). Deleting an
        object read earlier is conditional on its uid: a re-created namesake is kept.
        """
        uid: str | None = None
        if isinstance(kind_or_obj, type):
            if name is None:
                raise ManifestError("delete(kind, name): the name is missing")
            kind: type[Any] = kind_or_obj
            info = _info_of(kind)
            ns = self._ns(info, namespace)
        else:
            if name is not None:
                raise ManifestError("delete(obj): pass an object, or a kind and a name")
            kind = type(kind_or_obj)
            info, manifest = _outgoing(kind_or_obj)
            ns = self._ns(info, namespace, manifest)
            name = _require_name(manifest, info)
            uid = _meta(manifest).get("uid") or None
        ref = ObjectRef(info.kind, _check_name(name, info.kind), ns)
        options: dict[str, Any] = {"apiVersion": "v1", "kind": "DeleteOptions",
                                   "propagationPolicy": propagation.value}
        if uid:
            options["preconditions"] = {"uid": uid}
        if dry_run is DryRun.ALL:
            options["dryRun"] = ["All"]
        result = self._execute("DELETE", _path(info, ns, name), ref=ref, body=options,
                               query=self._write_query(dry_run), idempotent=True)
        response = result.response
        last: dict[str, Any] | None = None
        if response.status == 404 and result.retried:
            _log.info("%s: delete was retried and found it gone", ref)
        else:
            data = self._json(self._ok(response, ref), ref)
            if data.get("kind") == info.kind:
                last = data
        if wait and dry_run is DryRun.NONE:
            last = self._wait_gone(info, name, ns, ref, timeout, last)
        return self._to_model(kind, last, ref) if last else None

    # ------------------------------------------------------------------ events

    def events(self, obj: KubeObject | ObjectRef) -> builtins.list[KubeEvent]:
        """Events involving ``obj``, oldest first (as at the bottom of ``kubectl describe``)."""
        if isinstance(obj, ObjectRef):
            kind_name, name, ns, uid = obj.kind, obj.name, obj.namespace, None
        else:
            info, manifest = _outgoing(obj)
            ns = self._ns(info, None, manifest)
            kind_name, name = info.kind, _require_name(manifest, info)
            uid = _meta(manifest).get("uid") or None
        if not name:
            raise ManifestError(f"{kind_name}: events need an object name")
        ns = ns or self._namespace
        ref = ObjectRef(kind_name, name, ns)
        selector = f"involvedObject.kind={kind_name},involvedObject.name={name}"
        found: builtins.list[KubeEvent] = []
        for item in self._list_raw(_EVENT, ns, ref, None, selector, 500):
            involved = item.get("involvedObject") or {}
            if involved.get("kind") != kind_name or involved.get("name") != name:
                continue
            if uid and involved.get("uid") and involved.get("uid") != uid:
                continue
            found.append(_event(item, ns))
        epoch = datetime.min.replace(tzinfo=UTC)
        found.sort(key=lambda e: (e.last_seen or e.first_seen or epoch,
                                  e.first_seen or epoch))
        return found

    # ------------------------------------------------------------------ waiting

    @overload
    def wait_until_programmed(
        self, obj_or_ref: M | tuple[type[M], str] | tuple[type[M], str, str | None],
        *, timeout: float = ..., gateways: Gateways = ...,
        mode: WaitMode | str = ..., on_change: OnChange | None = ..., failure_grace: float = ...,
        plugin_reference_grace: float = ..., condition: str = ..., controller_name: str = ...,
        silence_timeout: float = ..., watch_backoff: WatchBackoff = ...,
    ) -> WaitResult[M]: ...

    @overload
    def wait_until_programmed(
        self, obj_or_ref: tuple[str, str] | tuple[str, str, str | None],
        *, timeout: float = ..., gateways: Gateways = ...,
        mode: WaitMode | str = ..., on_change: OnChange | None = ..., failure_grace: float = ...,
        plugin_reference_grace: float = ..., condition: str = ..., controller_name: str = ...,
        silence_timeout: float = ..., watch_backoff: WatchBackoff = ...,
    ) -> WaitResult[Any]: ...

    def wait_until_programmed(
        self,
        obj_or_ref: Any,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        gateways: Gateways = None,
        mode: WaitMode | str = WaitMode.ALL,
        on_change: OnChange | None = None,
        failure_grace: float = 0.0,
        plugin_reference_grace: float = DEFAULT_PLUGIN_REFERENCE_GRACE,
        condition: str = DEFAULT_CONDITION,
        controller_name: str = GKE_CONTROLLER_NAME,
        silence_timeout: float = DEFAULT_SILENCE_TIMEOUT,
        watch_backoff: WatchBackoff = _DEFAULT_BACKOFF,
    ) -> WaitResult[Any]:
        """Wait until GKE reports the object programmed on its Gateways.

        ``obj_or_ref``: a model object, or ``(kind, name[, namespace])`` with kind a model
        class or a kind name. Options (all keyword-only):

        * ``timeout``: seconds before :class:`~gke_service_extensions.WaitTimeoutError`.
        * ``gateways``: the ancestor Gateways to wait for (default: ``spec.targetRefs``);
          ``mode=WaitMode.ANY``: one of them is enough.
        * ``on_change(state)``: called whenever an ancestor's state changes.
        * ``failure_grace``: seconds a terminal failure may last before
          :class:`~gke_service_extensions.ProgrammingFailed` is raised (default 0: at once);
          for causes you fix outside the object while waiting.
        * ``plugin_reference_grace``: after this many seconds without an ancestor, a
          GCPWasmPlugin that no GCPTrafficExtension references raises
          :class:`~gke_service_extensions.PluginNotReferencedError`.
        * ``condition``, ``controller_name``: what counts as programmed, and whose report.
        * ``silence_timeout``, ``watch_backoff``: when a silent watch is replaced; pacing of
          re-lists.

        The list and watch go through this client's transport, retry policy, timeouts and
        error mapping; nothing (thread, socket) outlives the call. See :doc:`/waiting`.
        """
        from ._wait import _options, _wait

        options = _options(timeout, gateways, condition, mode, controller_name, on_change,
                           failure_grace, plugin_reference_grace, silence_timeout, watch_backoff)
        return _wait(self, [obj_or_ref], options, canceller=None)[0]

    def wait_all_programmed(
        self,
        objs: Sequence[Any],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        gateways: Gateways = None,
        mode: WaitMode | str = WaitMode.ALL,
        on_change: OnChange | None = None,
        failure_grace: float = 0.0,
        plugin_reference_grace: float = DEFAULT_PLUGIN_REFERENCE_GRACE,
        condition: str = DEFAULT_CONDITION,
        controller_name: str = GKE_CONTROLLER_NAME,
        silence_timeout: float = DEFAULT_SILENCE_TIMEOUT,
        watch_backoff: WatchBackoff = _DEFAULT_BACKOFF,
    ) -> builtins.list[WaitResult[Any]]:
        """Wait until every object in ``objs`` is programmed (one watch per kind/namespace).

        Returns the results in the order given; options as for :meth:`wait_until_programmed`.
        """
        from ._wait import _options, _wait

        if isinstance(objs, tuple) and objs and isinstance(objs[0], str):
            raise ManifestError("wait_all_programmed takes a list of objects or refs, "
                                "not one ref")
        options = _options(timeout, gateways, condition, mode, controller_name, on_change,
                           failure_grace, plugin_reference_grace, silence_timeout, watch_backoff)
        return _wait(self, list(objs), options, canceller=None)

    @overload
    async def async_wait_until_programmed(
        self, obj_or_ref: M | tuple[type[M], str] | tuple[type[M], str, str | None],
        *, timeout: float = ..., gateways: Gateways = ...,
        mode: WaitMode | str = ..., on_change: OnChange | None = ..., failure_grace: float = ...,
        plugin_reference_grace: float = ..., condition: str = ..., controller_name: str = ...,
        silence_timeout: float = ..., watch_backoff: WatchBackoff = ...,
    ) -> WaitResult[M]: ...

    @overload
    async def async_wait_until_programmed(
        self, obj_or_ref: tuple[str, str] | tuple[str, str, str | None],
        *, timeout: float = ..., gateways: Gateways = ...,
        mode: WaitMode | str = ..., on_change: OnChange | None = ..., failure_grace: float = ...,
        plugin_reference_grace: float = ..., condition: str = ..., controller_name: str = ...,
        silence_timeout: float = ..., watch_backoff: WatchBackoff = ...,
    ) -> WaitResult[Any]: ...

    async def async_wait_until_programmed(
        self,
        obj_or_ref: Any,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        gateways: Gateways = None,
        mode: WaitMode | str = WaitMode.ALL,
        on_change: OnChange | None = None,
        failure_grace: float = 0.0,
        plugin_reference_grace: float = DEFAULT_PLUGIN_REFERENCE_GRACE,
        condition: str = DEFAULT_CONDITION,
        controller_name: str = GKE_CONTROLLER_NAME,
        silence_timeout: float = DEFAULT_SILENCE_TIMEOUT,
        watch_backoff: WatchBackoff = _DEFAULT_BACKOFF,
    ) -> WaitResult[Any]:
        """``await``-able :meth:`wait_until_programmed`; cancelling the task stops the wait
        and closes its watches before the cancellation propagates."""
        from ._wait import _async_wait, _options

        options = _options(timeout, gateways, condition, mode, controller_name, on_change,
                           failure_grace, plugin_reference_grace, silence_timeout, watch_backoff)
        return await _async_wait(self, obj_or_ref, options)

    def wait_for_gateway_binding(
        self,
        gateway: str,
        ext: Any,
        *,
        namespace: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        silence_timeout: float = DEFAULT_SILENCE_TIMEOUT,
        watch_backoff: WatchBackoff = _DEFAULT_BACKOFF,
    ) -> tuple[str, ...]:
        """Wait until the Gateway's ``networking.gke.io/*`` annotation for ``ext``'s kind
        names a Google Cloud resource; returns the resource paths.

        ``ext``: an extension model, ``(kind, name, namespace)``, or a kind.
        """
        from ._wait import wait_for_gateway_binding

        return wait_for_gateway_binding(self, gateway, ext, namespace=namespace,
                                        timeout=timeout, silence_timeout=silence_timeout,
                                        watch_backoff=watch_backoff)

    # ------------------------------------------------------------------ internals

    def _check(self, obj: Any, manifest: Mapping[str, Any], unknown: UnknownFields) -> None:
        """Apply the CRD rules to an outgoing CRD object; raise before anything is sent."""
        model = type(obj)
        if self._validation is Validation.SERVER_ONLY or model not in MODELS:
            return
        profile = self._profiles.get(self)
        problems = validate_model_data(model, manifest, profile=profile, unknown_fields=unknown)
        if problems:
            meta = _meta(manifest)
            raise ManifestValidationError(
                problems, obj=ObjectRef(model.__resource__.kind, meta.get("name"),
                                        meta.get("namespace") or self._namespace),
                profile=profile.name, profile_source=profile.source)

    def _ns(self, info: ResourceInfo, explicit: str | None,
            manifest: Mapping[str, Any] | None = None) -> str | None:
        if not info.namespaced:
            return None
        given = _meta(manifest).get("namespace") if manifest is not None else None
        if explicit is not None and not isinstance(explicit, str):
            raise ManifestError(f"{info.kind}: namespace must be a string, got {explicit!r}")
        if explicit and given and explicit != given:
            raise ManifestError(
                f"{info.kind} {given}/{_meta(manifest).get('name')}: the object is in namespace "
                f"{given!r} but namespace={explicit!r} was passed"
            )
        ns = explicit or given or self._namespace
        if manifest is not None and isinstance(manifest.get("metadata"), dict):
            manifest["metadata"]["namespace"] = ns
        return ns

    def _write_query(self, dry_run: DryRun) -> builtins.list[tuple[str, str]]:
        query = [("fieldManager", self._field_manager)]
        if dry_run is DryRun.ALL:
            query.append(("dryRun", "All"))
        return query

    def _patch(self, kind: type[T], name: str, patch: Any, namespace: str | None,
               patch_type: PatchType, dry_run: DryRun, subresource: str | None) -> T:
        info = _info_of(kind)
        ns = self._ns(info, namespace)
        ref = ObjectRef(info.kind, _check_name(name, info.kind), ns)
        if patch_type is PatchType.MERGE and not isinstance(patch, Mapping):
            raise ManifestError(f"{ref}: a merge patch must be a mapping, got "
                                f"{type(patch).__name__}")
        if patch_type is PatchType.JSON and not (
            isinstance(patch, Sequence) and not isinstance(patch, str | bytes)
            and all(isinstance(op, Mapping) and "op" in op and "path" in op for op in patch)
        ):
            raise ManifestError(f"{ref}: a JSON patch must be a list of operations "
                                "like {'op': 'replace', 'path': '/spec/x', 'value': 1}")
        body: Any = (copy.deepcopy(dict(patch)) if isinstance(patch, Mapping)
                     else [copy.deepcopy(dict(op)) for op in patch])
        # A merge patch sets values (idempotent); JSON patch ops like "add" to a list are not.
        result = self._execute("PATCH", _path(info, ns, name, subresource), ref=ref, body=body,
                               query=self._write_query(dry_run), content_type=patch_type.value,
                               idempotent=patch_type is PatchType.MERGE)
        data = self._json(self._ok(result.response, ref), ref)
        if not data:
            data = self._read(info, name, ns, ref)
        return self._to_model(kind, data, ref)

    def _written(self, response: RawResponse, info: ResourceInfo, ns: str | None,
                 ref: ObjectRef, sent: dict[str, Any], dry_run: DryRun) -> dict[str, Any]:
        """The object a write returned; read it back if the response had no body."""
        data = self._json(self._ok(response, ref), ref)
        if data.get("kind") == info.kind:
            return data
        if dry_run is DryRun.ALL:
            return sent
        return self._read(info, str(ref.name), ns, ref)

    def _read(self, info: ResourceInfo, name: str, ns: str | None, ref: ObjectRef
              ) -> dict[str, Any]:
        result = self._execute("GET", _path(info, ns, name), ref=ref, idempotent=True)
        data = self._json(self._ok(result.response, ref), ref)
        if not data:
            raise ServerError(f"{ref}: the API server answered with an empty body", obj=ref,
                              status=result.response.status)
        return data

    def _list_raw(self, info: ResourceInfo, ns: str | None, ref: ObjectRef,
                  label_selector: str | None, field_selector: str | None, page_size: int
                  ) -> Iterator[dict[str, Any]]:
        if page_size < 1:
            raise ManifestError(f"{ref}: page_size must be at least 1, got {page_size}")
        token: str | None = None
        while True:
            query = [("limit", str(page_size))]
            if label_selector:
                query.append(("labelSelector", label_selector))
            if field_selector:
                query.append(("fieldSelector", field_selector))
            if token:
                query.append(("continue", token))
            result = self._execute("GET", _path(info, ns), ref=ref, query=query,
                                   idempotent=True)
            page = self._json(self._ok(result.response, ref), ref)
            for item in page.get("items") or []:
                if isinstance(item, dict):
                    item.setdefault("apiVersion", info.api_version)
                    item.setdefault("kind", info.kind)
                    yield item
            token = (page.get("metadata") or {}).get("continue") or None
            if not token:
                return

    def _wait_gone(self, info: ResourceInfo, name: str, ns: str | None, ref: ObjectRef,
                   timeout: float, last: dict[str, Any] | None) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        interval = _POLL_INITIAL
        uid = _meta(last).get("uid") if last else None
        while True:
            try:
                current = self._read(info, name, ns, ref)
            except NotFoundError:
                return last
            if uid and _meta(current).get("uid") != uid:
                return last  # gone, and a namesake was created since
            last = current
            if time.monotonic() >= deadline:
                finalizers = _meta(current).get("finalizers") or []
                raise WaitTimeoutError(
                    f"{ref}: still present {timeout:g}s after delete"
                    + (f" (finalizers: {', '.join(map(str, finalizers))})" if finalizers else ""),
                    obj=ref, last_status=current.get("status"),
                )
            time.sleep(interval)
            interval = min(interval * 2, _POLL_MAX)

    def _execute(
        self,
        method: str,
        path: str,
        *,
        ref: ObjectRef,
        query: Sequence[tuple[str, str]] = (),
        body: Any = None,
        content_type: str | None = None,
        idempotent: bool,
        retry: RetryPolicy | None = None,
        timeout: tuple[float, float] | None = None,
    ) -> RunResult:
        """One call through the transport, retried by ``retry`` (default: the client's
        policy); failures below HTTP become errors of our tree, redacted."""
        payload: bytes | None = None
        if body is not None:
            try:
                payload = json.dumps(body, allow_nan=False).encode("utf-8")
            except (TypeError, ValueError) as exc:
                raise ManifestError(f"{ref}: cannot be sent as JSON: {exc}", obj=ref) from None
        request = Request(method, path, tuple(query), payload, content_type,
                          timeout or self._timeout)
        policy = retry or self._retry
        try:
            result = policy.run(lambda: self._transport.request(request),
                                idempotent=idempotent, describe=f"{method} {ref}")
        except Exception as exc:
            raise self.translate_error(exc, obj=ref) from None
        _log.debug("%s %s -> %d (%d attempt%s)", method, path, result.response.status,
                   result.attempts, "" if result.attempts == 1 else "s")
        return result

    def _error(self, response: RawResponse, ref: ObjectRef) -> KubernetesError:
        return error_from_response(response.status, response.body, obj=ref,
                                   redact=self._redactor)

    def _ok(self, response: RawResponse, ref: ObjectRef) -> RawResponse:
        if not response.ok:
            raise self._error(response, ref)
        return response

    def _json(self, response: RawResponse, ref: ObjectRef) -> dict[str, Any]:
        if not response.body.strip():
            return {}
        try:
            data = json.loads(response.body)
        except (ValueError, UnicodeDecodeError):
            raise ServerError(
                f"{ref}: the API server sent a body that is not JSON (HTTP {response.status})",
                obj=ref, status=response.status,
            ) from None
        if not isinstance(data, dict):
            raise ServerError(f"{ref}: the API server sent JSON that is not an object",
                              obj=ref, status=response.status)
        return data

    def _to_model(self, kind: type[T], data: dict[str, Any], ref: ObjectRef) -> T:
        from pydantic import ValidationError

        from ..models import UnknownFields

        info = _info_of(kind)
        data.setdefault("apiVersion", info.api_version)
        data.setdefault("kind", info.kind)
        try:
            return kind.from_manifest(data, unknown_fields=UnknownFields.PRESERVE)
        except ValidationError as exc:
            problems = [Problem(".".join(str(p) for p in e.get("loc", ())), str(e.get("msg")))
                        for e in exc.errors()]
            raise ManifestValidationError(problems, obj=ref) from None


# ---------------------------------------------------------------------- helpers


def _path(info: ResourceInfo, namespace: str | None, name: str | None = None,
          subresource: str | None = None) -> str:
    path = f"/apis/{info.group}/{info.version}" if info.group else f"/api/{info.version}"
    if info.namespaced and namespace:
        path += f"/namespaces/{quote(namespace, safe='')}"
    path += f"/{info.plural}"
    if name is not None:
        path += f"/{quote(name, safe='')}"
    if subresource:
        path += f"/{subresource}"
    return path


def _model_of(kind: Any) -> Any:
    """A model class as given, or the one a kind name denotes (kind, singular, plural or
    short name, any case, as kubectl takes them); anything else is left for ``_info_of``."""
    if not isinstance(kind, str):
        return kind
    from ..models._registry import READ_MODELS

    models = {m.__resource__: m for m in (*MODELS, *READ_MODELS)}
    info = resource_for_kind(kind)
    if info is None:
        for candidate in models:  # the read-only kinds kubectl also names (service, httproute)
            if kind.strip().lower() in (candidate.kind.lower(), candidate.singular,
                                        candidate.plural):
                info = candidate
    if info is None or info not in models:
        known = ", ".join(m.__resource__.kind for m in models.values())
        raise UnknownKindError(f"unknown kind {kind!r}: expected one of {known} (or their "
                               "plural or short names)", api_version=None, kind=kind)
    return models[info]


def _info_of(kind: Any) -> ResourceInfo:
    info = getattr(kind, "__resource__", None) if isinstance(kind, type) else None
    if not isinstance(info, ResourceInfo):
        what = kind.__name__ if isinstance(kind, type) else type(kind).__name__
        raise ManifestError(
            f"{what} is not a kind the client knows (expected a model class such as "
            "GCPTrafficExtension, with __resource__)"
        )
    return info


def _outgoing(obj: Any) -> tuple[ResourceInfo, dict[str, Any]]:
    """The API coordinates and a private copy of the wire form of a model object."""
    if isinstance(obj, type):
        raise ManifestError(f"expected an object, got the class {obj.__name__}")
    info = _info_of(type(obj))
    try:
        manifest = obj.to_manifest()
    except Exception as exc:
        raise ManifestError(f"{info.kind}: cannot serialise the object: {exc}") from None
    if not isinstance(manifest, dict):
        raise ManifestError(f"{info.kind}: to_manifest() did not return a mapping")
    manifest = copy.deepcopy(manifest)
    manifest.setdefault("apiVersion", info.api_version)
    manifest.setdefault("kind", info.kind)
    if manifest["kind"] != info.kind or manifest["apiVersion"] != info.api_version:
        raise ManifestError(
            f"{info.kind}: the object says {manifest['apiVersion']}/{manifest['kind']}, "
            f"expected {info.api_version}/{info.kind}"
        )
    if manifest.get("metadata") is None:
        manifest["metadata"] = {}
    if not isinstance(manifest["metadata"], dict):
        raise ManifestError(f"{info.kind}: metadata must be a mapping")
    return info, manifest


def _meta(obj: Mapping[str, Any] | None) -> dict[str, Any]:
    meta = obj.get("metadata") if obj is not None else None
    return meta if isinstance(meta, dict) else {}


def _check_name(name: Any, kind: str) -> str:
    if not isinstance(name, str) or not name:
        raise ManifestError(f"{kind}: a non-empty object name is required, got {name!r}")
    return name


def _require_name(manifest: Mapping[str, Any], info: ResourceInfo) -> str:
    name = _meta(manifest).get("name")
    if not isinstance(name, str) or not name:
        raise ManifestValidationError(
            [Problem("metadata.name", "required: the client needs a name")],
            obj=ObjectRef(info.kind),
        )
    return name


def _strip_server_fields(manifest: dict[str, Any], *, status: bool) -> None:
    meta = _meta(manifest)
    for key in _SERVER_FIELDS:
        meta.pop(key, None)
    if status:
        manifest.pop("status", None)


def _str_or_none(value: str | AllNamespaces | None) -> str | None:
    return value if isinstance(value, str) else None


def _selector(selector: str | Mapping[str, str] | None) -> str | None:
    if selector is None or isinstance(selector, str):
        return selector or None
    return ",".join(f"{k}={v}" for k, v in selector.items()) or None


def _is_subset(sent: Any, actual: Any) -> bool:
    """Everything in ``sent`` is in ``actual`` (which may hold server defaults on top)."""
    if isinstance(sent, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and _is_subset(v, actual[k]) for k, v in sent.items()
        )
    if isinstance(sent, builtins.list):
        return (isinstance(actual, builtins.list) and len(sent) == len(actual)
                and all(_is_subset(s, a) for s, a in zip(sent, actual, strict=True)))
    return bool(sent == actual)


def _same_intent(sent: Mapping[str, Any], actual: Mapping[str, Any], *, annotations: bool
                 ) -> bool:
    keys = ("labels", "annotations") if annotations else ("labels",)
    return _is_subset(sent.get("spec") or {}, actual.get("spec") or {}) and all(
        _is_subset(_meta(sent).get(k) or {}, _meta(actual).get(k) or {}) for k in keys
    )


def _check_request_timeout(timeout: RequestTimeout) -> tuple[float, float]:
    """``(connect, read)`` seconds from a number or a pair; anything else is an error."""
    pair = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    if len(pair) != 2 or not all(
            isinstance(t, int | float) and not isinstance(t, bool) and 0 < t < float("inf")
            for t in pair):
        raise ManifestError(f"request_timeout must be seconds > 0 or (connect, read) seconds, "
                            f"got {timeout!r}")
    return float(pair[0]), float(pair[1])


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _event(item: Mapping[str, Any], ns: str) -> KubeEvent:
    involved = item.get("involvedObject") or {}
    series = item.get("series") or {}
    source = item.get("source") or {}
    first = _time(item.get("firstTimestamp")) or _time(item.get("eventTime"))
    last = (_time(item.get("lastTimestamp")) or _time(series.get("lastObservedTime"))
            or first or _time(_meta(item).get("creationTimestamp")))
    count = item.get("count") or series.get("count") or 1
    return KubeEvent(
        type=str(item.get("type") or "Normal"),
        reason=str(item.get("reason") or ""),
        message=str(item.get("message") or ""),
        source=str(source.get("component") or item.get("reportingController")
                   or item.get("reportingComponent") or ""),
        count=int(count) if isinstance(count, int) else 1,
        first_seen=first,
        last_seen=last,
        involved=ObjectRef(str(involved.get("kind") or ""), involved.get("name"),
                           involved.get("namespace") or ns),
        name=str(_meta(item).get("name") or ""),
    )



def _connection_warnings(connection: Connection) -> None:
    """What ``load_kubeconfig`` says about a connection, for one we loaded ourselves."""
    if connection.insecure_skip_tls_verify:
        _log.warning("%s: TLS verification disabled by insecure-skip-tls-verify",
                     connection.where)
    # stacklevel: here <- from_kubeconfig / in_cluster <- the caller
    check_credentials_url(connection.server, connection.credentials.present, stacklevel=3)
