"""``GKESimulator``: a local stand-in for a GKE cluster with Service Extensions.

It runs, on ephemeral 127.0.0.1 ports, the Kubernetes API server (``_kube``), the Google
Cloud APIs (``_gcp``, when present) and the simulated GKE gateway controller
(``_controller``, when present), and writes a kubeconfig for ``kubectl`` and the official
client.
"""

from __future__ import annotations

import importlib
import logging
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import yaml

from .._errors import UnknownProfileError
from .._gke import GATEWAY_CLASSES, GKE_CONTROLLER_NAME, GLOBAL_EXTERNAL_MANAGED
from ..models import DEFAULT_PROFILE, PROFILES, CRDProfile
from ..models._profiles import profile_setting
from ._kube._crds import served_crds
from ._kube._faults import Faults
from ._kube._resources import (
    CUSTOM_RESOURCE_DEFINITION,
    ENDPOINT_SLICE,
    ENDPOINTS,
    GATEWAY,
    GATEWAY_CLASS,
    HTTP_ROUTE,
    SERVICE,
)
from ._kube._server import KubeAPIServer, Validator, profile_validator
from ._kube._store import ObjectStore
from ._kube._workloads import WorkloadController

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

    from ..gcp import GCPClient, GCPRetry

__all__ = ["GKE_GATEWAY_CLASSES", "SAMPLE_IMAGES", "GKESimulator", "crd_generation"]

_log = logging.getLogger(__name__)

GKE_GATEWAY_CLASSES = tuple(c.name for c in GATEWAY_CLASSES.values() if not c.multi_cluster)
#: The public sample Wasm plugin images (the guide's), known to the simulated Artifact
#: Registry from the start.
SAMPLE_IMAGES = ("us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main",)
_TOKEN = "gke-simulator-token"  # noqa: S105 - a dummy bearer token the simulator ignores


def crd_generation(profile: str | CRDProfile | None) -> CRDProfile:
    """The CRD generation a simulator serves: a profile name or a CRDProfile (None: newest).

    ``cluster`` is refused: the simulator is the cluster, it needs a generation.
    """
    try:
        found = profile_setting(profile if profile is not None else DEFAULT_PROFILE)
    except UnknownProfileError:
        found = None
    if not isinstance(found, CRDProfile):
        raise UnknownProfileError(
            f"a simulated cluster needs a CRD generation, not {profile!r}; valid: "
            f"{', '.join(sorted(PROFILES))} (or 1.33)", name=str(profile),
            known=sorted(PROFILES))
    return found


class GKESimulator:
    """A local GKE cluster for tests: Kubernetes API, Google Cloud APIs, gateway controller.

    Use as a context manager (or call :meth:`start` / :meth:`stop`)::

        with GKESimulator() as sim:
            api = sim.api_client()            # kubernetes.client.ApiClient
            sim.add_gateway("gw")
            sim.add_service("callout", port=443)
            ...                               # or: kubectl --kubeconfig sim.kubeconfig_path

    Arguments: ``project_id`` / ``project_number`` of the simulated project;
    ``controller`` / ``gcp`` switch those parts off (they are also skipped, with a log
    message, when not importable); ``controller_settings`` is passed to the controller;
    ``history_window`` is how many events watches can resume from; ``bookmark_interval``
    is the seconds between watch bookmarks; ``validator`` replaces the server-side
    validation of the networking.gke.io kinds; a PUT without resourceVersion on custom
    kinds fails with 422 as on GKE, unless ``allow_unconditional_update=True``;
    ``kube_port`` fixes the Kubernetes API port (default: an ephemeral one);
    ``crd_profile`` is the CRD generation the cluster has: the API server serves its
    CustomResourceDefinitions (``kubectl get crd``; what a client reads to learn the
    cluster's rules) and validates against it (default: the newest; ``"gke-1.33"`` behaves
    like a GKE 1.33 cluster; a name or a ``CRDProfile``). ``GKE_SE_CRD_PROFILE`` does not
    apply: it is a client setting. Editing a served CRD does not change what is enforced.
    ``kubernetes_version`` is the ``gitVersion`` its ``/version`` answers (default
    ``v1.33.5-gke.simulator``). ``admission`` (default ``True``) refuses, as GKE does,
    creating an extension whose Gateway, Service or ready endpoints are missing, with the
    guide's 422 messages; ``admission=False`` (``--no-admission`` from the shell) accepts it
    and lets the controller report the failure in its status, for tests of that path.
    ``sample_images`` registers :data:`SAMPLE_IMAGES` in the simulated Artifact Registry
    (the shell's simulator does).
    """

    def __init__(self, *, project_id: str = "sim-project",
                 project_number: str | int | None = None, gcp: bool = True,
                 controller: bool = True, controller_settings: Any = None,
                 history_window: int = 1000, bookmark_interval: float = 1.0,
                 validator: Validator | None = None,
                 allow_unconditional_update: bool = False, kube_port: int = 0,
                 crd_profile: str | CRDProfile | None = None,
                 kubernetes_version: str | None = None, admission: bool = True,
                 sample_images: bool = False) -> None:
        self.store = ObjectStore(history_window=history_window)
        self.faults = Faults()
        self._crd_profile = crd_generation(crd_profile)
        if validator is None:
            validator = profile_validator(self._crd_profile)
        self._kube = KubeAPIServer(self.store, faults=self.faults, validator=validator,
                                   bookmark_interval=bookmark_interval, port=kube_port,
                                   allow_unconditional_update=allow_unconditional_update)
        if kubernetes_version is not None:
            self._kube.kubernetes_version = kubernetes_version
        self._kube.admission = admission
        self.workloads = WorkloadController(self.store)
        """Deployments -> ReplicaSets -> Pods -> Endpoints (``testing/_kube/_workloads``)."""
        self.gcp_state: Any = None
        self.gcp_server: Any = None
        self.controller: Any = None
        self._project_id = project_id
        self._project_number = project_number
        self._want_gcp = gcp
        self._sample_images = sample_images
        self._want_controller = controller
        self._controller_settings = controller_settings
        self._dir: Path | None = None
        self._started = False

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> GKESimulator:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> GKESimulator:
        """Start every part and write the kubeconfig; returns self."""
        if self._started:
            return self
        self._started = True
        try:
            self._kube.start()
            self.workloads.start()
            self._dir = Path(tempfile.mkdtemp(prefix="gke-simulator-"))
            self.kubeconfig_path.write_text(yaml.safe_dump(self.kubeconfig()))
            for name in GKE_GATEWAY_CLASSES:
                self.store.create(GATEWAY_CLASS, {
                    "metadata": {"name": name},
                    "spec": {"controllerName": GKE_CONTROLLER_NAME},
                    "status": {"conditions": [{
                        "type": "Accepted", "status": "True", "reason": "Accepted",
                        "message": "", "observedGeneration": 1,
                        "lastTransitionTime": "2026-01-01T00:00:00Z"}]}})
            for crd in served_crds(self._crd_profile):
                self.store.create(CUSTOM_RESOURCE_DEFINITION, crd)
            if self._want_gcp:
                self._start_gcp()
            if self._want_controller:
                self._start_controller()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every part and remove the kubeconfig (idempotent)."""
        if not self._started:
            return
        self._started = False
        if self.controller is not None:
            try:
                self.controller.stop()
            finally:
                self.controller = None
        if self.gcp_server is not None:
            try:
                self.gcp_server.stop()
            finally:
                self.gcp_server = None
        self.workloads.stop()
        self._kube.stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def _start_gcp(self) -> None:
        try:
            state_mod = importlib.import_module("gke_service_extensions.testing._gcp._state")
            server_mod = importlib.import_module("gke_service_extensions.testing._gcp._server")
        except ImportError as err:
            _log.info("GKE simulator: no Google Cloud simulator (%s)", err)
            return
        self.gcp_state = state_mod.GCPState(self._project_id, self._project_number)
        self.gcp_server = server_mod.GCPServer(self.gcp_state)
        self.gcp_server.start()
        if self._sample_images:
            for image in SAMPLE_IMAGES:
                self.gcp_state.register_image(image)

    def _start_controller(self) -> None:
        try:
            mod = importlib.import_module("gke_service_extensions.testing._controller")
            cls = mod.GatewayController
        except (ImportError, AttributeError) as err:
            _log.info("GKE simulator: no gateway controller (%s)", err)
            return
        settings = self._controller_settings
        if settings is None:
            settings_cls = getattr(mod, "ControllerSettings", None)
            settings = settings_cls() if settings_cls is not None else None
        self.controller = cls(self.store, self.gcp_state, settings)
        self.controller.start()

    # ------------------------------------------------------------------ endpoints

    @property
    def kube_url(self) -> str:
        """The Kubernetes API server's URL, ``http://127.0.0.1:<port>``."""
        return self._kube.url

    @property
    def crd_profile(self) -> CRDProfile:
        """The CRD generation this cluster serves and enforces."""
        return self._crd_profile

    @property
    def admission(self) -> bool:
        """Whether creating an extension whose Gateway, Service or ready endpoints are
        missing is refused with GKE's 422 (settable, e.g. on a shared simulator)."""
        return self._kube.admission

    @admission.setter
    def admission(self, value: bool) -> None:
        self._kube.admission = value

    @property
    def kube_server(self) -> KubeAPIServer:
        """The Kubernetes API server itself."""
        return self._kube

    @property
    def gcp_endpoint(self) -> str | None:
        """The Google Cloud APIs' URL, or None when that part is not running."""
        return str(self.gcp_server.endpoint) if self.gcp_server is not None else None

    @property
    def gcp_faults(self) -> Any:
        """Fault injection for the Google Cloud APIs (``testing._gcp.Faults``), or None."""
        return self.gcp_server.faults if self.gcp_server is not None else None

    @property
    def project_id(self) -> str:
        return str(self.gcp_state.project_id) if self.gcp_state is not None else self._project_id

    @property
    def project_number(self) -> str | None:
        if self.gcp_state is not None:
            return str(self.gcp_state.project_number)
        return str(self._project_number) if self._project_number is not None else None

    @property
    def kubeconfig_path(self) -> Path:
        """A kubeconfig file for this simulator (context ``gke-simulator``)."""
        if self._dir is None:
            raise RuntimeError("the GKE simulator is not started")
        return self._dir / "kubeconfig"

    def kubeconfig(self) -> dict[str, Any]:
        """The kubeconfig as a mapping: cluster, dummy-token user, context ``gke-simulator``."""
        return {
            "apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": "gke-simulator", "cluster": {"server": self.kube_url}}],
            "users": [{"name": "gke-simulator", "user": {"token": _TOKEN}}],
            "contexts": [{"name": "gke-simulator", "context": {
                "cluster": "gke-simulator", "user": "gke-simulator", "namespace": "default"}}],
            "current-context": "gke-simulator",
        }

    def kubectl_env(self) -> dict[str, str]:
        """Environment for running ``kubectl`` against this simulator.

        ``KUBECONFIG`` is its kubeconfig and ``KUBECACHEDIR`` a cache beside it: kubectl's
        default cache (``~/.kube/cache``) would keep a directory for every simulator port.
        Merge it into ``os.environ`` for ``subprocess``.
        """
        return {"KUBECONFIG": str(self.kubeconfig_path),
                "KUBECACHEDIR": str(self.kubeconfig_path.parent / "kube-cache")}

    def api_client(self) -> ApiClient:
        """A ``kubernetes.client.ApiClient`` for this simulator.

        Built from its own ``Configuration``: the kubernetes library's global default
        configuration is not touched.
        """
        from kubernetes import client

        config = client.Configuration(host=self.kube_url)
        config.api_key = {"authorization": f"Bearer {_TOKEN}"}
        return client.ApiClient(config)

    def gcp(self, *, retry: GCPRetry | None = None) -> GCPClient:
        """A :class:`~gke_service_extensions.gcp.GCPClient` for the simulated Google Cloud
        APIs: anonymous credentials, this simulator's project and endpoint, REST.

        ``retry`` replaces the client's default :class:`~gke_service_extensions.gcp.GCPRetry`.
        Close it (or use it as a context manager) when done.
        """
        from google.auth.credentials import AnonymousCredentials

        from ..gcp import DEFAULT_GCP_RETRY, GCPClient

        if self.gcp_endpoint is None:
            raise RuntimeError("the GKE simulator runs without its Google Cloud part")
        return GCPClient(project=self.project_id, api_endpoint=self.gcp_endpoint,
                         credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
                         retry=retry or DEFAULT_GCP_RETRY)

    # ------------------------------------------------------------------ fixtures

    def add_gateway(self, name: str, gateway_class: str = GLOBAL_EXTERNAL_MANAGED,
                    namespace: str = "default", *, port: int = 80) -> dict[str, Any]:
        """Create a Gateway with one HTTP listener; returns the stored object."""
        return self.store.create(GATEWAY, {
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"gatewayClassName": gateway_class,
                     "listeners": [{"name": "http", "protocol": "HTTP", "port": port}]}})

    def add_service(self, name: str, *, port: int = 443, app_protocol: str | None = "HTTP2",
                    endpoints: int = 1, namespace: str = "default") -> dict[str, Any]:
        """Create a Service plus its Endpoints and EndpointSlice with ``endpoints`` ready
        addresses (0: a Service without endpoints); returns the Service."""
        svc_port: dict[str, Any] = {"name": "grpc", "port": port, "targetPort": port,
                                    "protocol": "TCP"}
        if app_protocol:
            svc_port["appProtocol"] = app_protocol
        service = self.store.create(SERVICE, {
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": {"app": name}, "ports": [svc_port], "type": "ClusterIP",
                     "clusterIP": f"10.96.{len(name) % 250}.{(port % 250) + 1}"}})
        addresses = [f"10.0.0.{i + 1}" for i in range(endpoints)]
        subsets = [{"addresses": [{"ip": a} for a in addresses],
                    "ports": [{"name": "grpc", "port": port, "protocol": "TCP"}]}]
        self.store.create(ENDPOINTS, {"metadata": {"name": name, "namespace": namespace},
                                      **({"subsets": subsets} if addresses else {})})
        self.store.create(ENDPOINT_SLICE, {
            "metadata": {"name": f"{name}-sim", "namespace": namespace,
                         "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [a], "conditions": {"ready": True}} for a in addresses],
            "ports": [{"name": "grpc", "port": port, "protocol": "TCP"}]})
        return service

    def add_http_route(self, name: str, *, gateway: str, service: str, port: int = 80,
                       namespace: str = "default", path: str = "/",
                       hostnames: list[str] | None = None) -> dict[str, Any]:
        """Create an HTTPRoute attached to ``gateway`` sending ``path`` to ``service``."""
        spec: dict[str, Any] = {
            "parentRefs": [{"name": gateway}],
            "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": path}}],
                       "backendRefs": [{"name": service, "port": port}]}]}
        if hostnames:
            spec["hostnames"] = hostnames
        return self.store.create(HTTP_ROUTE, {
            "metadata": {"name": name, "namespace": namespace}, "spec": spec})

    def add_image(self, image_uri: str, digest: str | None = None) -> str:
        """Make a container image exist in the simulated Artifact Registry; its digest.

        ``image_uri`` may carry the digest as ``URI=sha256:...`` (the shell's ``--image``).
        """
        if digest is None and "=" in image_uri:
            image_uri, digest = image_uri.split("=", 1)
        if self.gcp_state is None:
            raise RuntimeError("the GKE simulator runs without its Google Cloud part")
        return str(self.gcp_state.register_image(image_uri, digest))
