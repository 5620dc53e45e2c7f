"""Hostile requests to the simulated Google APIs: a 400 INVALID_ARGUMENT, nothing stored."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import requests

from gke_service_extensions.testing._gcp import GCPServer, GCPState

PROJECT = "sim-project"
GLOBAL = f"projects/{PROJECT}/locations/global"

EXTENSION: dict[str, Any] = {
    "forwardingRules": [f"projects/{PROJECT}/global/forwardingRules/fr"],
    "loadBalancingScheme": "EXTERNAL_MANAGED",
    "extensionChains": [{
        "name": "chain1",
        "matchCondition": {"celExpression": "true"},
        "extensions": [{"name": "ext1", "service": "svc", "supportedEvents": ["REQUEST_HEADERS"],
                        "timeout": "1s", "failOpen": True}],
    }],
}
URL = f"/v1/{GLOBAL}/lbTrafficExtensions/ext"


@pytest.fixture
def stored(state: GCPState) -> dict[str, Any]:
    return state.put_lb_traffic_extension("global", "ext", copy.deepcopy(EXTENSION))


@pytest.mark.parametrize("body", [
    {"extensionChains": "notalist"},
    {"extensionChains": ["notamessage"]},
    {"extensionChains": [{"name": 7}]},
    {"extensionChains": [{"name": "c", "extensions": [{"name": "e", "failOpen": "yes"}]}]},
    {"extensionChains": [{"name": "c", "extensions": [{"name": "e", "timeout": 5}]}]},
    {"extensionChains": [{"name": "c", "extensions": [{"name": "e",
                                                        "supportedEvents": [{}]}]}]},
    {"forwardingRules": "fr"},
    {"labels": ["a"]},
    {"labels": {"a": 1}},
    {"loadBalancingScheme": []},
    {"metadata": 5},
    {"notAField": 1},
])
def test_a_patch_of_the_wrong_shape_is_invalid_and_changes_nothing(
        server: GCPServer, state: GCPState, stored: dict[str, Any], body: dict[str, Any]
) -> None:
    resp = requests.patch(server.endpoint + URL, json=body, timeout=10)
    assert resp.status_code == 400
    assert resp.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert state.get(f"{GLOBAL}/lbTrafficExtensions/ext") == stored
    got = requests.get(server.endpoint + URL, timeout=10).json()
    assert got["extensionChains"] == EXTENSION["extensionChains"]


def test_a_create_of_the_wrong_shape_is_invalid(server: GCPServer, state: GCPState) -> None:
    resp = requests.post(server.endpoint + f"/v1/{GLOBAL}/lbTrafficExtensions",
                         params={"lbTrafficExtensionId": "bad"},
                         json={**EXTENSION, "extensionChains": {"name": "x"}}, timeout=10)
    assert resp.status_code == 400
    assert state.get(f"{GLOBAL}/lbTrafficExtensions/bad") is None


def test_a_patch_of_the_right_shape_still_works(server: GCPServer,
                                                stored: dict[str, Any]) -> None:
    resp = requests.patch(server.endpoint + URL, params={"updateMask": "description"},
                          json={"description": "new", "labels": {"a": "b"}}, timeout=10)
    assert resp.status_code == 200
    assert requests.get(server.endpoint + URL, timeout=10).json()["description"] == "new"


def test_100000_deep_json_is_invalid_not_a_server_error(server: GCPServer,
                                                        stored: dict[str, Any]) -> None:
    body = '{"labels": ' + "[" * 100_000 + "]" * 100_000 + "}"
    resp = requests.patch(server.endpoint + URL, data=body,
                          headers={"Content-Type": "application/json"}, timeout=30)
    assert resp.status_code == 400
    assert resp.json()["error"]["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("constant", ["NaN", "Infinity"])
def test_nan_is_not_json(server: GCPServer, stored: dict[str, Any], constant: str) -> None:
    resp = requests.patch(server.endpoint + URL, data='{"description": ' + constant + "}",
                          headers={"Content-Type": "application/json"}, timeout=10)
    assert resp.status_code == 400
    assert constant in json.dumps(resp.json())
