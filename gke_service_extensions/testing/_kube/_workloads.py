"""Enough of Kubernetes' workload controllers for the guide's callout app to come up.

:class:`WorkloadController` runs one thread that, after every store change to a Deployment,
ReplicaSet, Pod or Service, reconciles level-triggered:

* Deployment -> a ReplicaSet ``<name>-<pod-template-hash>`` with the Deployment's replicas
  (older ReplicaSets of the Deployment are scaled to 0), status and the ``Available`` /
  ``Progressing`` conditions ``kubectl rollout status`` and ``kubectl wait`` read;
* ReplicaSet -> that many Pods ``<rs>-<5 chars>``, at once Running and Ready with an IP
  from ``10.8.0.0/16`` (no image is pulled, no container runs);
* Service with a selector -> the ready Pods it selects as ``Endpoints`` and one
  ``EndpointSlice`` (``<service>-<5 chars>``), ports resolved through ``targetPort``
  (numbers or the containers' port names). A Service whose selector matches no Pod and
  whose endpoints this controller never wrote is left alone (``GKESimulator.add_service``
  writes its own).
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from ..._errors import ConflictError, NotFoundError
from ..._gke import (
    DEPLOYMENT,
    ENDPOINT_SLICE,
    ENDPOINTS,
    POD,
    REPLICA_SET,
    SERVICE,
    ResourceInfo,
    short_hash,
)
from ._store import ObjectStore, StoreError

__all__ = ["WorkloadController"]

_log = logging.getLogger(__name__)
_WATCHED = frozenset(i.kind for i in (DEPLOYMENT, REPLICA_SET, POD, SERVICE))
_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
_SLICE_CONTROLLER = "endpointslice-controller.k8s.io"
_SERVICE_NAME = "kubernetes.io/service-name"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _selects(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    """A LabelSelector (``matchLabels`` / ``matchExpressions``) or a Service's plain map."""
    if "matchLabels" in selector or "matchExpressions" in selector:
        for k, v in _dict(selector.get("matchLabels")).items():
            if labels.get(k) != v:
                return False
        for expr in _list(selector.get("matchExpressions")):
            key, op = str(_dict(expr).get("key")), _dict(expr).get("operator")
            values = _list(_dict(expr).get("values"))
            if op == "In" and labels.get(key) not in values:
                return False
            if op == "NotIn" and labels.get(key) in values:
                return False
            if op == "Exists" and key not in labels:
                return False
            if op == "DoesNotExist" and key in labels:
                return False
        return True
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _owner(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = _dict(obj.get("metadata"))
    return {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"),
            "name": meta.get("name"), "uid": meta.get("uid"), "controller": True,
            "blockOwnerDeletion": True}


def _owned_by(obj: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    uid = _dict(owner.get("metadata")).get("uid")
    return any(_dict(r).get("uid") == uid
               for r in _list(_dict(obj.get("metadata")).get("ownerReferences")))


def _ready(pod: Mapping[str, Any]) -> bool:
    return any(_dict(c).get("type") == "Ready" and _dict(c).get("status") == "True"
               for c in _list(_dict(pod.get("status")).get("conditions")))


class WorkloadController:
    """Deployments -> ReplicaSets -> Pods -> Endpoints and EndpointSlices (module doc)."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self._cv = threading.Condition()
        self._dirty = True
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._next_ip = 0
        self._managed: set[tuple[str, str]] = set()
        self.errors: list[BaseException] = []

    def start(self) -> None:
        """Subscribe to the store and start the worker thread (idempotent)."""
        if self._thread is not None:
            return
        self._unsubscribe = self.store.subscribe(self._on_event)
        self._thread = threading.Thread(target=self._run, name="gke-sim-workloads",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Unsubscribe and stop the worker thread."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        thread, self._thread = self._thread, None
        if thread is None:
            return
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        thread.join(timeout)

    def _on_event(self, event: Any) -> None:
        info = getattr(event, "info", None)
        if info is None or info.kind in _WATCHED:
            with self._cv:
                self._dirty = True
                self._cv.notify_all()

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._dirty and not self._stopping:
                    self._cv.wait()
                if self._stopping:
                    return
                self._dirty = False
            try:
                self.reconcile_once()
            except Exception as exc:  # keep the simulator alive
                _log.exception("workload controller pass failed")
                self.errors.append(exc)

    # ------------------------------------------------------------------ one pass

    def reconcile_once(self) -> None:
        """One level-triggered pass over Deployments, ReplicaSets, Pods and Services."""
        for deployment in self._live(DEPLOYMENT):
            self._deployment(deployment)
        for rs in self._live(REPLICA_SET):
            self._replica_set(rs)
        for deployment in self._live(DEPLOYMENT):
            self._deployment_status(deployment)
        for service in self._live(SERVICE):
            self._endpoints(service)

    def _live(self, info: ResourceInfo) -> list[dict[str, Any]]:
        items, _ = self.store.list(info)
        return [o for o in items if not _dict(o.get("metadata")).get("deletionTimestamp")]

    def _write(self, info: ResourceInfo, obj: dict[str, Any], *, create: bool = False,
               subresource: str | None = None) -> dict[str, Any] | None:
        try:
            if create:
                return self.store.create(info, obj)
            return self.store.update(info, obj, subresource=subresource)
        except (ConflictError, NotFoundError, StoreError) as exc:  # next pass retries
            _log.debug("workloads: writing %s failed: %s", info.kind, exc)
            with self._cv:
                self._dirty = True
            return None

    # ------------------------------------------------------------------ deployments

    def _deployment(self, deployment: dict[str, Any]) -> None:
        meta, spec = _dict(deployment.get("metadata")), _dict(deployment.get("spec"))
        ns, name = str(meta.get("namespace") or "default"), str(meta.get("name"))
        template = _dict(spec.get("template"))
        pod_hash = short_hash(json.dumps(template, sort_keys=True), 10)
        rs_name = f"{name}-{pod_hash}"[:253]
        replicas = spec.get("replicas", 1)
        for rs in self._live(REPLICA_SET):
            if not _owned_by(rs, deployment) or _dict(rs.get("metadata")).get("name") == rs_name:
                continue
            if _dict(rs.get("spec")).get("replicas") != 0:
                rs = copy.deepcopy(rs)
                rs["spec"]["replicas"] = 0
                self._write(REPLICA_SET, rs)
        labels = {**_dict(_dict(template.get("metadata")).get("labels")),
                  "pod-template-hash": pod_hash}
        current = self.store.get(REPLICA_SET, ns, rs_name)
        if current is None:
            selector = copy.deepcopy(_dict(spec.get("selector")))
            selector.setdefault("matchLabels", {})["pod-template-hash"] = pod_hash
            tmpl = copy.deepcopy(template)
            tmpl.setdefault("metadata", {})["labels"] = labels
            self._write(REPLICA_SET, {
                "apiVersion": REPLICA_SET.api_version, "kind": REPLICA_SET.kind,
                "metadata": {"name": rs_name, "namespace": ns, "labels": labels,
                             "annotations": {"deployment.kubernetes.io/revision": "1"},
                             "ownerReferences": [_owner(deployment)]},
                "spec": {"replicas": replicas, "selector": selector, "template": tmpl}},
                create=True)
        elif _dict(current.get("spec")).get("replicas") != replicas:
            current = copy.deepcopy(current)
            current["spec"]["replicas"] = replicas
            self._write(REPLICA_SET, current)

    def _deployment_status(self, deployment: dict[str, Any]) -> None:
        meta, spec = _dict(deployment.get("metadata")), _dict(deployment.get("spec"))
        replicas = spec.get("replicas", 1)
        owned = [rs for rs in self._live(REPLICA_SET) if _owned_by(rs, deployment)]
        pod_hash = short_hash(json.dumps(_dict(spec.get("template")), sort_keys=True), 10)
        new = [rs for rs in owned
               if _dict(_dict(rs.get("metadata")).get("labels")).get("pod-template-hash")
               == pod_hash]
        total = sum(int(_dict(rs.get("status")).get("replicas") or 0) for rs in owned)
        ready = sum(int(_dict(rs.get("status")).get("readyReplicas") or 0) for rs in owned)
        updated = sum(int(_dict(rs.get("status")).get("replicas") or 0) for rs in new)
        available = ready >= replicas
        old_status = _dict(deployment.get("status"))
        old_conditions = {str(_dict(c).get("type")): _dict(c)
                          for c in _list(old_status.get("conditions"))}
        stamp = _now()

        def condition(type_: str, ok: bool, reason: str, message: str) -> dict[str, Any]:
            status = "True" if ok else "False"
            before = old_conditions.get(type_, {})
            since = before.get("lastTransitionTime") if before.get("status") == status else None
            return {"type": type_, "status": status, "reason": reason, "message": message,
                    "lastUpdateTime": before.get("lastUpdateTime") or stamp
                    if since else stamp, "lastTransitionTime": since or stamp}

        rs_name = _dict(new[0].get("metadata")).get("name") if new else ""
        status: dict[str, Any] = {
            "observedGeneration": int(meta.get("generation") or 1),
            "replicas": total, "updatedReplicas": updated, "readyReplicas": ready,
            "availableReplicas": ready,
            "conditions": [
                condition("Available", available,
                          "MinimumReplicasAvailable" if available
                          else "MinimumReplicasUnavailable",
                          "Deployment has minimum availability." if available
                          else "Deployment does not have minimum availability."),
                condition("Progressing", True,
                          "NewReplicaSetAvailable" if available and updated == replicas
                          else "ReplicaSetUpdated",
                          f'ReplicaSet "{rs_name}" has successfully progressed.'
                          if available else f'ReplicaSet "{rs_name}" is progressing.')]}
        if ready == 0:
            del status["readyReplicas"], status["availableReplicas"]
            status["unavailableReplicas"] = replicas
        if {k: v for k, v in old_status.items() if k != "conditions"} == {
                k: v for k, v in status.items() if k != "conditions"} and [
                (c["type"], c["status"], c["reason"]) for c in status["conditions"]] == [
                (c.get("type"), c.get("status"), c.get("reason"))
                for c in _list(old_status.get("conditions"))]:
            return
        self._write(DEPLOYMENT, {**copy.deepcopy(deployment), "status": status},
                    subresource="status")

    # ------------------------------------------------------------------ replica sets

    def _replica_set(self, rs: dict[str, Any]) -> None:
        meta, spec = _dict(rs.get("metadata")), _dict(rs.get("spec"))
        ns, name = str(meta.get("namespace") or "default"), str(meta.get("name"))
        want = int(spec.get("replicas", 1) or 0)
        pods = [p for p in self._live(POD) if _owned_by(p, rs)]
        template = _dict(spec.get("template"))
        for pod in pods[want:]:
            try:
                self.store.delete(POD, ns, str(_dict(pod.get("metadata")).get("name")))
            except StoreError as exc:
                _log.debug("workloads: deleting a pod failed: %s", exc)
        i = 0
        while len(pods) < want:
            i += 1
            uid = meta.get("uid")
            pod_name = f"{name}-{short_hash(f'{uid}/{len(pods)}/{i}', 5)}"
            if self.store.get(POD, ns, pod_name) is not None:
                continue
            created = self._write(POD, self._pod(rs, ns, pod_name, template), create=True)
            if created is None:
                break
            pods.append(created)
        live = pods[:want]
        ready = sum(1 for p in live if _ready(p))
        status = {"replicas": len(live), "fullyLabeledReplicas": len(live),
                  "readyReplicas": ready, "availableReplicas": ready,
                  "observedGeneration": int(meta.get("generation") or 1)}
        if want == 0:
            status = {"replicas": 0, "observedGeneration": status["observedGeneration"]}
        if _dict(rs.get("status")) != status:
            current = self.store.get(REPLICA_SET, ns, name)
            if current is not None:
                self._write(REPLICA_SET, {**current, "status": status}, subresource="status")

    def _pod(self, rs: Mapping[str, Any], ns: str, name: str,
             template: Mapping[str, Any]) -> dict[str, Any]:
        self._next_ip += 1
        ip = f"10.8.{self._next_ip // 250 % 250}.{self._next_ip % 250 + 1}"
        tmeta = _dict(template.get("metadata"))
        spec = copy.deepcopy(_dict(template.get("spec")))
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("dnsPolicy", "ClusterFirst")
        spec.setdefault("schedulerName", "default-scheduler")
        spec.setdefault("terminationGracePeriodSeconds", 30)
        spec.setdefault("nodeName", "gke-sim-default-pool-node-0")
        stamp = _now()
        containers = [_dict(c) for c in _list(spec.get("containers"))]
        return {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns,
                         "labels": copy.deepcopy(_dict(tmeta.get("labels"))),
                         "annotations": copy.deepcopy(_dict(tmeta.get("annotations"))),
                         "ownerReferences": [_owner(rs)]},
            "spec": spec,
            "status": {
                "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
                "hostIP": "10.128.0.2", "startTime": stamp, "qosClass": "BestEffort",
                "conditions": [{"type": t, "status": "True", "lastTransitionTime": stamp}
                               for t in ("Initialized", "Ready", "ContainersReady",
                                         "PodScheduled")],
                "containerStatuses": [{
                    "name": c.get("name"), "image": c.get("image"), "ready": True,
                    "started": True, "restartCount": 0,
                    "imageID": f"{c.get('image')}@sha256:"
                               + short_hash(str(c.get("image")), 40).ljust(64, "0"),
                    "containerID": "containerd://" + short_hash(f"{name}/{c.get('name')}",
                                                                40).ljust(64, "0"),
                    "state": {"running": {"startedAt": stamp}}} for c in containers]},
        }

    # ------------------------------------------------------------------ endpoints

    def _endpoints(self, service: dict[str, Any]) -> None:
        meta, spec = _dict(service.get("metadata")), _dict(service.get("spec"))
        ns, name = str(meta.get("namespace") or "default"), str(meta.get("name"))
        selector = _dict(spec.get("selector"))
        if not selector:
            return
        pods = [p for p in self._live(POD)
                if _dict(p.get("metadata")).get("namespace") == ns
                and _selects(selector, _dict(_dict(p.get("metadata")).get("labels")))]
        if not pods and (ns, name) not in self._managed:
            return
        self._managed.add((ns, name))
        ready = [p for p in pods if _ready(p) and _dict(p.get("status")).get("podIP")]
        ports = []
        for port in _list(spec.get("ports")):
            port = _dict(port)
            target = port.get("targetPort", port.get("port"))
            number = target if isinstance(target, int) else None
            if number is None:
                for pod in ready:
                    for c in _list(_dict(pod.get("spec")).get("containers")):
                        for cp in _list(_dict(c).get("ports")):
                            if _dict(cp).get("name") == target:
                                number = _dict(cp).get("containerPort")
            if number is None:
                continue
            entry: dict[str, Any] = {"port": number, "protocol": port.get("protocol", "TCP")}
            if port.get("name"):
                entry["name"] = port["name"]
            if port.get("appProtocol"):
                entry["appProtocol"] = port["appProtocol"]
            ports.append(entry)

        def ref(pod: Mapping[str, Any]) -> dict[str, Any]:
            pmeta = _dict(pod.get("metadata"))
            return {"kind": "Pod", "namespace": ns, "name": pmeta.get("name"),
                    "uid": pmeta.get("uid")}

        addresses = [{"ip": _dict(p.get("status"))["podIP"],
                      "nodeName": _dict(p.get("spec")).get("nodeName"), "targetRef": ref(p)}
                     for p in ready]
        subsets = [{"addresses": addresses, "ports": ports}] if addresses and ports else []
        endpoints: dict[str, Any] = {"apiVersion": "v1", "kind": "Endpoints",
                                     "metadata": {"name": name, "namespace": ns,
                                                  "labels": dict(_dict(meta.get("labels")))}}
        if subsets:
            endpoints["subsets"] = subsets
        self._put(ENDPOINTS, ns, name, endpoints, ("subsets",))
        slice_name = f"{name}-{short_hash(f'{ns}/{name}', 5)}"
        eps = {"apiVersion": ENDPOINT_SLICE.api_version, "kind": ENDPOINT_SLICE.kind,
               "metadata": {"name": slice_name, "namespace": ns,
                            "labels": {_SERVICE_NAME: name, _MANAGED_BY: _SLICE_CONTROLLER},
                            "ownerReferences": [_owner(service)]},
               "addressType": "IPv4",
               "endpoints": [{"addresses": [a["ip"]],
                              "conditions": {"ready": True, "serving": True,
                                             "terminating": False},
                              "nodeName": a["nodeName"], "targetRef": a["targetRef"]}
                             for a in addresses],
               "ports": ports}
        self._put(ENDPOINT_SLICE, ns, slice_name, eps, ("endpoints", "ports"))

    def _put(self, info: ResourceInfo, ns: str, name: str, obj: dict[str, Any],
             fields: tuple[str, ...]) -> None:
        current = self.store.get(info, ns, name)
        if current is None:
            self._write(info, obj, create=True)
            return
        if all(current.get(f) == obj.get(f) for f in fields):
            return
        body = copy.deepcopy(current)
        for f in fields:
            if f in obj:
                body[f] = obj[f]
            else:
                body.pop(f, None)
        self._write(info, body)
