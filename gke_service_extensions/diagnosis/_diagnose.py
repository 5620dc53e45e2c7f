"""``diagnose`` and ``preflight``: why is (or would) this object not be programmed?

Both read what they need once (:mod:`._snapshot`), run the pure checks (:mod:`._checks`)
and, for ``diagnose`` with a :class:`~gke_service_extensions.gcp.GCPClient`, compare with
Google Cloud (plugin images in Artifact Registry, what the Gateway's annotations name).
The GCP layer is imported only when a client is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._errors import GCPError, ManifestError, ObjectRef, PreflightFailed
from .._gke import KIND_BINDINGS, WASM_PLUGIN
from ..models import MODELS
from ._checks import Findings, check_cel, check_snapshot, check_status, gke_entries
from ._findings import Check, Diagnosis, Severity
from ._snapshot import Obj, Snapshot, read_snapshot

if TYPE_CHECKING:
    from ..gcp import GCPClient
    from ..kube import ExtensionsClient
    from ..models import GCPRoutingExtension, GCPTrafficExtension, GCPWasmPlugin
    from ..models._cel import SampleRequest

    Diagnosable = GCPTrafficExtension | GCPRoutingExtension | GCPWasmPlugin

__all__ = ["CREATION_TIME_CHECKS", "diagnose", "preflight", "raise_if_refused"]

#: The checks whose failure GKE reports by refusing the create (SPEC §7), in GKE's words.
CREATION_TIME_CHECKS = frozenset({Check.GATEWAY_NOT_FOUND, Check.SERVICE_NOT_FOUND,
                                  Check.SERVICE_PORT_NOT_FOUND, Check.SERVICE_NO_ENDPOINTS})


def diagnose(
    client: ExtensionsClient,
    obj: Diagnosable,
    *,
    gcp: GCPClient | None = None,
    sample_requests: Iterable[SampleRequest | Mapping[str, Any]] | None = None,
) -> Diagnosis:
    """Why is ``obj`` not programmed, and what to do about it?

    ``obj`` is a GCPTrafficExtension, GCPRoutingExtension or GCPWasmPlugin (its namespace
    defaults to the client's); the diagnosis reads it as stored in the cluster, with the
    Gateways, Services, endpoints, plugins and extensions around it, each collection once.
    With ``gcp``, Google Cloud is compared too (plugin images in Artifact Registry, the
    resources the Gateway's annotations name). With ``sample_requests``
    (:class:`~gke_service_extensions.SampleRequest` or mappings), extension chains that no
    sample reaches are reported. Returns a :class:`Diagnosis` (empty when all is well);
    raises KubernetesError when the cluster cannot be read, ManifestError for bad input.
    """
    _check_obj(obj)
    samples = _samples(sample_requests)
    snap = read_snapshot(client, obj, read_live=True)
    out = Findings()
    gateways = check_snapshot(snap, out, preflight=False)
    subject = snap.live if snap.live is not None else snap.given
    if samples and snap.kind != WASM_PLUGIN.kind:
        check_cel(snap, subject, samples, out)
    if gcp is not None and snap.live is not None and snap.kind == WASM_PLUGIN.kind:
        _check_images(gcp, snap, snap.live, out)
    check_status(snap, gateways, out)
    if gcp is not None and snap.live is not None:
        _check_drift(gcp, snap, snap.live, out)
    return Diagnosis(str(snap.ref), tuple(out.findings), tuple(out.checks),
                     requests=snap.requests)


def preflight(client: ExtensionsClient, obj: Diagnosable) -> Diagnosis:
    """The checks possible before applying ``obj``: what would make GKE refuse it or never
    program it.

    Target Gateways exist in the object's namespace and their class supports the kind, the
    cluster version, no other extension of the kind already on the Gateway, backend
    Services, ports (``appProtocol: HTTP2``) and ready endpoints, referenced plugins. The
    three errors GKE gives at creation (gateway not found, service not found, no network
    endpoints) are worded as GKE words them.
    """
    _check_obj(obj)
    snap = read_snapshot(client, obj, read_live=False)
    out = Findings()
    check_snapshot(snap, out, preflight=True)
    return Diagnosis(str(snap.ref), tuple(out.findings), tuple(out.checks), preflight=True,
                     requests=snap.requests)


def raise_if_refused(client: ExtensionsClient, obj: Any) -> None:
    """``apply(obj, preflight=True)``: raise PreflightFailed if :func:`preflight` finds an
    error; nothing is sent then."""
    result = preflight(client, obj)
    if result.ok:
        return
    info = type(obj).__resource__
    meta = obj.to_manifest().get("metadata") or {}
    name, ns = str(meta.get("name")), str(meta.get("namespace") or client.default_namespace)
    gke = [f.found for f in result.errors if f.check in CREATION_TIME_CHECKS]
    if gke:
        head = f'{info.kind}.{info.group} "{name}" is invalid: {"; ".join(gke)}'
    else:
        head = f"{result.obj} would not be programmed: {result.errors[0].found}"
    raise PreflightFailed(f"{head}\n{result}", obj=ObjectRef(info.kind, name, ns),
                          diagnosis=result)


# --------------------------------------------------------------------------- helpers


def _check_obj(obj: Any) -> None:
    if isinstance(obj, type) or type(obj) not in MODELS:
        kinds = ", ".join(m.__resource__.kind for m in MODELS)
        raise ManifestError(f"diagnose takes a {kinds} object, got {type(obj).__name__}")
    name = obj.to_manifest().get("metadata", {}).get("name")
    if not name:
        raise ManifestError(f"{type(obj).__name__}: metadata.name is required to diagnose it")


def _samples(samples: Iterable[Any] | None) -> list[Any]:
    if samples is None:
        return []
    if isinstance(samples, (str, bytes, Mapping)):
        raise ManifestError("sample_requests must be a list of SampleRequest or mappings")
    from ..models._cel import SampleRequest

    return [s if isinstance(s, SampleRequest) else SampleRequest.from_mapping(s)
            for s in samples]


def _check_images(gcp: GCPClient, snap: Snapshot, live: Obj, out: Findings) -> None:
    out.ran("plugin images exist in Artifact Registry")
    for i, version in enumerate(_list(_dict(live.get("spec")).get("versions"))):
        image = str(_dict(version).get("image", ""))
        where = f'spec.versions[{i}].image of version "{_dict(version).get("name")}"'
        try:
            exists = gcp.image_exists(image)
        except ManifestError as exc:
            out.add(Check.PLUGIN_IMAGE_NOT_FOUND, Severity.ERROR, checked=where,
                    found=f"{image!r} is not an Artifact Registry image: {exc}",
                    fix="use LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE[:TAG][@DIGEST]",
                    explains={"InvalidGCPWasmPlugin"})
            continue
        except GCPError as exc:
            out.add(Check.PLUGIN_IMAGE_NOT_FOUND, Severity.INFO, checked=where,
                    found=f"could not check {image!r} in Artifact Registry: {exc}",
                    fix="check the credentials' access to Artifact Registry "
                        "(roles/artifactregistry.reader)")
            continue
        if not exists:
            out.add(Check.PLUGIN_IMAGE_NOT_FOUND, Severity.ERROR, checked=where,
                    found=f'image "{image}" not found in Artifact Registry',
                    fix="push the image (docker push / gcloud builds submit), or fix the "
                        "tag or digest",
                    explains={"InvalidGCPWasmPlugin"})


def _check_drift(gcp: GCPClient, snap: Snapshot, live: Obj, out: Findings) -> None:
    """Per Gateway GKE reports the object on: the resource GKE made for it exists in Google
    Cloud and matches it field by field (:meth:`GCPClient.drift
    <gke_service_extensions.gcp.GCPClient.drift>`)."""
    from ..gcp import Difference

    binding = KIND_BINDINGS.get(snap.kind)
    if binding is None:
        return
    # Only where GKE says Programmed: elsewhere it has (rightly) built nothing yet.
    names = dict.fromkeys(
        str(_dict(e.get("ancestorRef")).get("name")) for e in gke_entries(live)
        if any(_dict(c).get("type") == "Programmed" and _dict(c).get("status") == "True"
               for c in _list(e.get("conditions"))))
    for name in names:
        gateway = snap.gateways.get((snap.namespace, name))
        if gateway is None:
            continue
        ancestor = f"{snap.namespace}/{name}"
        checked = (f"{snap.ref} against the {binding.collection.value} GKE made for it, "
                   f"found through Gateway {ancestor}'s {binding.annotation.value}")
        out.ran("the Google Cloud resource matches the custom resource (drift)")
        try:
            differences = gcp.drift(live, gateway)
        except GCPError as exc:
            out.add(Check.GCP_DRIFT, Severity.INFO, ancestor=ancestor, checked=checked,
                    found=f"could not read Google Cloud: {exc}",
                    fix="check the credentials and project given to GCPClient")
            continue
        gone = [d for d in differences if d.path == "metadata.name" and d.actual is None]
        changed = [d for d in differences if d not in gone]
        if gone:
            out.add(Check.GCP_DRIFT, Severity.ERROR, ancestor=ancestor, checked=checked,
                    found=f"Google Cloud has no {binding.collection.value} for {snap.ref}, "
                          f"although GKE reports it Programmed on Gateway {ancestor}",
                    fix="GKE recreates what it manages on its next reconcile: touch the object "
                        "(e.g. add a label) and wait; if it stays missing, look for a manual "
                        "deletion in the project's audit log")
        if changed:
            out.add(Check.GCP_DRIFT, Severity.WARNING, ancestor=ancestor, checked=checked,
                    found="Google Cloud differs from the custom resource: "
                          + "; ".join(Difference.__str__(d) for d in changed),
                    fix="GKE reconciles what it manages: touch the object and wait; a change "
                        "made in Google Cloud by hand is overwritten, so make it in the "
                        "manifest")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
