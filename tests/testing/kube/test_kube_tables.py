"""Server-side Tables for ``kubectl get`` and the Service defaults they show."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._kube._resources import EVENT, SERVICE
from gke_service_extensions.testing._kube._table import human_duration, wants_table

KUBECTL_ACCEPT = ("application/json;as=Table;v=v1;g=meta.k8s.io,"
                  "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")


def _get(sim: GKESimulator, path: str, accept: str = KUBECTL_ACCEPT) -> Any:
    url = urlsplit(sim.kube_url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    conn.request("GET", path, headers={"Accept": accept})
    resp = conn.getresponse()
    first = resp.readline() if "watch=1" in path else resp.read()
    conn.close()
    return json.loads(first)


@pytest.mark.parametrize(("seconds", "text"), [
    (-5, "<invalid>"), (0, "0s"), (59, "59s"), (119, "119s"), (150, "2m30s"), (600, "10m"),
    (7200, "120m"), (3 * 3600 + 600, "3h10m"), (30 * 3600, "30h"), (50 * 3600, "2d2h"),
    (10 * 86400, "10d"), (3 * 365 * 86400, "3y"), (9 * 365 * 86400, "9y"),
])
def test_human_duration_matches_kubernetes(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_wants_table_only_for_the_v1_table_media_type() -> None:
    assert wants_table(KUBECTL_ACCEPT)
    assert not wants_table("application/json")
    assert not wants_table("application/json;as=Table;v=v1beta1;g=meta.k8s.io")


def test_gateway_list_as_table_has_the_crd_printer_columns(sim: GKESimulator) -> None:
    sim.add_gateway("gw")
    body = _get(sim, "/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways")
    assert (body["kind"], body["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert [c["name"] for c in body["columnDefinitions"]] == [
        "Name", "Class", "Address", "Programmed", "Age"]
    (row,) = body["rows"]
    assert row["cells"][:4] == ["gw", "gke-l7-global-external-managed", "", "Unknown"]
    assert row["cells"][4].endswith("s")
    assert row["object"]["metadata"]["name"] == "gw"
    assert body["metadata"]["resourceVersion"]


def test_plain_json_is_still_the_default(sim: GKESimulator) -> None:
    body = _get(sim, "/api/v1/namespaces", accept="application/json")
    assert body["kind"] == "NamespaceList"


def test_watch_events_are_one_row_tables_when_asked(sim: GKESimulator) -> None:
    sim.add_gateway("gw")
    event = _get(sim, "/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways"
                      "?watch=1")
    assert event["type"] == "ADDED"
    assert event["object"]["kind"] == "Table"
    assert event["object"]["rows"][0]["cells"][0] == "gw"


def test_new_services_get_the_api_server_defaults(core: Any) -> None:
    created = core.create_namespaced_service("default", {
        "metadata": {"name": "svc"}, "spec": {"ports": [{"port": 443}]}})
    other = core.create_namespaced_service("default", {
        "metadata": {"name": "other"}, "spec": {"ports": [{"port": 80}]}})
    assert created.spec.type == "ClusterIP"
    assert created.spec.cluster_ip != other.spec.cluster_ip
    assert created.spec.ports[0].protocol == "TCP"
    assert created.spec.ports[0].target_port == 443


def test_service_table_matches_kubectl_get_svc(sim: GKESimulator) -> None:
    sim.add_service("callout", port=8443)
    body = _get(sim, "/api/v1/namespaces/default/services")
    assert [c["name"] for c in body["columnDefinitions"]] == [
        "Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"]
    svc = sim.store.get(SERVICE, "default", "callout")
    assert svc is not None
    assert body["rows"][0]["cells"][:5] == ["callout", "ClusterIP", svc["spec"]["clusterIP"],
                                            "<none>", "8443/TCP"]


def test_event_namespace_and_endpoints_tables(sim: GKESimulator) -> None:
    sim.store.create(EVENT, {"metadata": {"name": "e1", "namespace": "default"},
                             "involvedObject": {"kind": "Gateway", "name": "gw"},
                             "reason": "SYNC", "type": "Normal", "message": "ok"})
    events = _get(sim, "/api/v1/namespaces/default/events")
    assert [c["name"] for c in events["columnDefinitions"]] == [
        "Last Seen", "Type", "Reason", "Object", "Message"]
    assert events["rows"][0]["cells"][1:] == ["Normal", "SYNC", "gateway/gw", "ok"]
    namespaces = _get(sim, "/api/v1/namespaces")
    assert {r["cells"][1] for r in namespaces["rows"]} == {"Active"}
    sim.add_service("callout", port=443, endpoints=2)
    endpoints = _get(sim, "/api/v1/namespaces/default/endpoints")
    assert endpoints["rows"][0]["cells"][:2] == ["callout", "10.0.0.1:443,10.0.0.2:443"]
