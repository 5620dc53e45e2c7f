"""Label/field selectors and the patch formats, as pure functions."""

from __future__ import annotations

from typing import Any

import pytest

from gke_service_extensions.testing._kube._patch import (
    PatchError,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)
from gke_service_extensions.testing._kube._selectors import (
    SelectorError,
    matches_fields,
    matches_labels,
    parse_field_selector,
    parse_label_selector,
)


def _labelled(**labels: str) -> dict[str, Any]:
    return {"metadata": {"name": "n", "namespace": "ns", "labels": labels}}


@pytest.mark.parametrize(("selector", "labels", "expected"), [
    ("app=web", {"app": "web"}, True),
    ("app==web", {"app": "web"}, True),
    ("app=web", {"app": "db"}, False),
    ("app!=web", {"app": "db"}, True),
    ("app!=web", {}, True),
    ("app in (web, db)", {"app": "db"}, True),
    ("app in (web,db)", {"app": "x"}, False),
    ("app notin (web)", {}, True),
    ("app notin (web)", {"app": "web"}, False),
    ("app", {"app": "x"}, True),
    ("app", {}, False),
    ("!app", {}, True),
    ("!app", {"app": ""}, False),
    ("app=web,tier in (fe),!debug", {"app": "web", "tier": "fe"}, True),
    ("example.com/role=edge", {"example.com/role": "edge"}, True),
])
def test_label_selector_operators(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert matches_labels(parse_label_selector(selector), _labelled(**labels)) is expected


@pytest.mark.parametrize("bad", ["app in web", "=x", "a b c", "app in (web"])
def test_malformed_label_selector_is_rejected(bad: str) -> None:
    with pytest.raises(SelectorError):
        parse_label_selector(bad)


def test_field_selector_on_name_namespace_and_event_fields() -> None:
    obj = {"metadata": {"name": "a", "namespace": "ns"},
           "involvedObject": {"name": "ext", "uid": "u1"}, "source": {"component": "c"}}
    assert matches_fields(parse_field_selector("metadata.name=a,metadata.namespace==ns",
                                               "Gateway"), obj)
    assert not matches_fields(parse_field_selector("metadata.name!=a", "Gateway"), obj)
    sel = parse_field_selector("involvedObject.name=ext,involvedObject.uid=u1,source=c", "Event")
    assert matches_fields(sel, obj)


def test_field_selector_on_unsupported_field_is_rejected() -> None:
    with pytest.raises(SelectorError, match=r"field label not supported: spec\.x"):
        parse_field_selector("spec.x=1", "Gateway")
    with pytest.raises(SelectorError):
        parse_field_selector("involvedObject.name=x", "Gateway")


def test_merge_patch_merges_maps_deletes_nulls_replaces_lists() -> None:
    target = {"a": {"b": 1, "c": 2}, "l": [1, 2], "k": "v"}
    patched = merge_patch(target, {"a": {"b": None, "d": 3}, "l": [3], "k": None})
    assert patched == {"a": {"c": 2, "d": 3}, "l": [3]}
    assert target["a"] == {"b": 1, "c": 2}


def test_json_patch_operations() -> None:
    doc = {"spec": {"list": [1, 2], "x": 1}}
    out = json_patch(doc, [
        {"op": "add", "path": "/spec/list/-", "value": 3},
        {"op": "replace", "path": "/spec/x", "value": 2},
        {"op": "copy", "from": "/spec/x", "path": "/spec/y"},
        {"op": "move", "from": "/spec/y", "path": "/spec/z"},
        {"op": "remove", "path": "/spec/list/0"},
        {"op": "test", "path": "/spec/z", "value": 2},
        {"op": "add", "path": "/spec/a~1b", "value": True},
    ])
    assert out == {"spec": {"list": [2, 3], "x": 2, "z": 2, "a/b": True}}


def test_json_patch_failures_are_invalid_or_bad_request() -> None:
    with pytest.raises(PatchError) as failed_test:
        json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": 2}])
    assert failed_test.value.invalid
    with pytest.raises(PatchError) as missing:
        json_patch({}, [{"op": "remove", "path": "/nope"}])
    assert missing.value.invalid
    with pytest.raises(PatchError) as malformed:
        json_patch({}, {"op": "add"})
    assert not malformed.value.invalid


def test_strategic_merge_patch_merges_ports_by_port_and_honours_directives() -> None:
    svc = {"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "grpc"}],
                    "selector": {"app": "a", "tier": "x"}},
           "metadata": {"finalizers": ["a"]}}
    patch = {"spec": {"ports": [{"port": 443, "appProtocol": "HTTP2"},
                                {"port": 80, "$patch": "delete"}],
                      "$setElementOrder/ports": [{"port": 443}],
                      "selector": {"$patch": "replace", "app": "b"}},
             "metadata": {"finalizers": ["b"], "$deleteFromPrimitiveList/finalizers": ["a"]}}
    out = strategic_merge_patch(svc, patch)
    assert out["spec"]["ports"] == [{"port": 443, "name": "grpc", "appProtocol": "HTTP2"}]
    assert out["spec"]["selector"] == {"app": "b"}
    assert out["metadata"]["finalizers"] == ["b"]
