"""Hostile input to load_manifests/from_manifest: refused with an error of our tree (a path
or a line), quickly and with bounded messages; never an exception of another type."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gke_service_extensions import ManifestParseError, ManifestValidationError
from gke_service_extensions.models import (
    GCPTrafficExtension,
    GCPWasmPlugin,
    UnknownFields,
    dump_manifests,
    load_manifests,
)

Sample = Callable[[str], dict[str, Any]]
MODES = [UnknownFields.REJECT, UnknownFields.PRESERVE]


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False)


# --------------------------------------------------------------------------- aliases


def _alias_bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"  a{i}: &a{i} [{refs}]")
    return ("apiVersion: networking.gke.io/v1\nkind: GCPWasmPlugin\nmetadata:\n  name: p\n"
            "  annotations: {}\n  bomb:\n    " + "\n    ".join(
                line.strip() for line in lines) + "\nspec: {versions: []}\n")


@pytest.mark.parametrize("mode", MODES)
def test_an_alias_bomb_is_refused_at_load_quickly(mode: UnknownFields) -> None:
    start = time.monotonic()
    with pytest.raises(ManifestParseError, match=r"more than 100,000 values") as info:
        load_manifests(_alias_bomb(8), unknown_fields=mode)
    assert time.monotonic() - start < 5
    assert info.value.line is not None


def test_a_recursive_alias_is_refused_at_load_with_its_line() -> None:
    text = ("apiVersion: networking.gke.io/v1\nkind: GCPWasmPlugin\nmetadata:\n  name: p\n"
            "  x: &r [*r]\nspec: {versions: []}\n")
    with pytest.raises(ManifestParseError, match="recursive alias") as info:
        load_manifests(text, unknown_fields=UnknownFields.PRESERVE)
    assert info.value.line == 5


def test_a_few_aliases_still_load_expanded(sample: Sample) -> None:
    text = _yaml(sample("traffic")).replace(
        "metadata:\n", "metadata:\n  labels: &l {app: web}\n  annotations: *l\n", 1)
    (obj,) = load_manifests(text)
    assert isinstance(obj, GCPTrafficExtension)
    assert obj.metadata.annotations == obj.metadata.labels == {"app": "web"}
    merged = ("apiVersion: v1\nkind: ConfigMap\nbase: &b {a: 1, b: 2}\n"
              "data:\n  <<: *b\n  b: 3\n")
    from gke_service_extensions.models import OtherKinds

    (doc,) = load_manifests(merged, other_kinds=OtherKinds.RETURN_DICT)
    assert doc["data"] == {"a": 1, "b": 3}


# --------------------------------------------------------------------------- foreign exceptions


def test_a_bad_int_tag_is_a_parse_error_with_its_line(sample: Sample) -> None:
    text = _yaml(sample("wasm")).replace("weight: 1000000", "weight: !!int x")
    with pytest.raises(ManifestParseError, match=r"line \d+: 'x' is not an integer"):
        load_manifests(text)


@pytest.mark.parametrize("mode", MODES)
def test_a_5000_digit_port_is_refused_with_a_path_or_line(sample: Sample,
                                                           mode: UnknownFields) -> None:
    data = sample("traffic")
    data["spec"]["extensionChains"][0]["extensions"][0]["backendRef"]["port"] = 10**5000
    with pytest.raises(ManifestValidationError, match=r"backendRef\.port: must be a 64-bit"):
        GCPTrafficExtension.from_manifest(data, unknown_fields=mode)
    text = _yaml(sample("traffic")).replace("port: 443", "port: " + "9" * 5000)
    with pytest.raises(ManifestParseError, match=r"line \d+"):
        load_manifests(text, unknown_fields=mode)


def test_an_out_of_range_port_message_does_not_print_the_whole_number(sample: Sample) -> None:
    data = sample("traffic")
    data["spec"]["extensionChains"][0]["extensions"][0]["backendRef"]["port"] = 10**40
    with pytest.raises(ManifestValidationError) as info:
        GCPTrafficExtension.from_manifest(data)
    assert "41 digits" in str(info.value)


def test_latin1_file_is_a_parse_error_with_its_line(tmp_path: Path, sample: Sample) -> None:
    path = tmp_path / "m.yaml"
    text = _yaml(sample("wasm")) + "# caf\u00e9\n"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ManifestParseError, match=r"not UTF-8 text: byte 0xe9 at line \d+"):
        load_manifests(path)


def test_utf16_file_with_a_bom_loads(tmp_path: Path, sample: Sample) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(_yaml(sample("wasm")), encoding="utf-16")
    (obj,) = load_manifests(path)
    assert isinstance(obj, GCPWasmPlugin)


@pytest.mark.parametrize("text", ["metadata:\n  name: \ud800\n", 'metadata:\n  name: "\\ud800"\n'])
def test_a_lone_surrogate_is_a_parse_error(text: str) -> None:
    with pytest.raises(ManifestParseError, match=r"line 4.*Unicode|Unicode.*line 4"):
        load_manifests("apiVersion: networking.gke.io/v1\nkind: GCPWasmPlugin\n" + text)


@pytest.mark.parametrize("mode", MODES)
def test_a_lone_surrogate_in_a_mapping_is_a_validation_error(sample: Sample,
                                                             mode: UnknownFields) -> None:
    data = sample("wasm")
    data["metadata"]["annotations"] = {"a": "x\udc80"}
    with pytest.raises(ManifestValidationError, match=r"metadata\.annotations\.a: .*surrogate"):
        GCPWasmPlugin.from_manifest(data, unknown_fields=mode)


def test_a_missing_file_or_a_directory_given_as_a_path_is_a_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestParseError, match="no such manifest file"):
        load_manifests(tmp_path / "missing.yaml")
    with pytest.raises(ManifestParseError, match="is a directory"):
        load_manifests(tmp_path)
    with pytest.raises(ManifestParseError, match="no such manifest file"):
        load_manifests("x" * 5000 + ".yaml")  # too long a name for the file system


@pytest.mark.parametrize("where", ["metadata", "status"])
def test_binary_values_are_refused(sample: Sample, where: str) -> None:
    text = _yaml(sample("wasm")) + f"{where}x: 1\n"
    text = text.replace(f"{where}x: 1", "") + (
        "status:\n  blob: !!binary gIGC\n" if where == "status" else "")
    if where == "metadata":
        text = text.replace("metadata:\n", "metadata:\n  blob: !!binary gIGC\n", 1)
    for mode in MODES:
        with pytest.raises(ManifestParseError, match="binary"):
            load_manifests(text, unknown_fields=mode)
    data = sample("wasm")
    data.setdefault(where, {})["blob"] = b"\x80\x81"
    for mode in MODES:
        with pytest.raises(ManifestValidationError, match=rf"{where}\.blob: binary"):
            GCPWasmPlugin.from_manifest(data, unknown_fields=mode)


@pytest.mark.parametrize("mode", MODES)
def test_non_string_keys_are_refused(sample: Sample, mode: UnknownFields) -> None:
    data = sample("wasm")
    data["metadata"]["labels"] = {1: "a"}
    with pytest.raises(ManifestValidationError, match="keys must be strings"):
        GCPWasmPlugin.from_manifest(data, unknown_fields=mode)
    data = sample("wasm")
    data[7] = "x"
    with pytest.raises(ManifestValidationError, match="keys must be strings"):
        GCPWasmPlugin.from_manifest(data, unknown_fields=mode)
    text = _yaml(sample("wasm")).replace("metadata:\n", "metadata:\n  1: x\n", 1)
    with pytest.raises(ManifestParseError, match=r"line 4: mapping keys must be strings"):
        load_manifests(text, unknown_fields=mode)


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_non_finite_numbers_are_refused(sample: Sample, value: float) -> None:
    data = sample("wasm")
    data["status"] = {"x": value}
    with pytest.raises(ManifestValidationError, match=r"status\.x: must be a finite number"):
        GCPWasmPlugin.from_manifest(data, unknown_fields=UnknownFields.PRESERVE)


# --------------------------------------------------------------------------- duplicate keys


def test_a_duplicate_kind_is_refused_with_both_lines() -> None:
    text = ("apiVersion: networking.gke.io/v1\nkind: GCPWasmPlugin\nmetadata:\n  name: p\n"
            "kind: GCPTrafficExtension\n")
    with pytest.raises(ManifestParseError, match=r"line 5: duplicate key 'kind' \(first at "
                                                 r"line 2\)") as info:
        load_manifests(text)
    assert info.value.line == 5
    assert info.value.document_index == 0


def test_a_duplicate_name_is_refused(sample: Sample) -> None:
    text = _yaml(sample("wasm")).replace("metadata:\n", "metadata:\n  name: first\n", 1)
    with pytest.raises(ManifestParseError, match="duplicate key 'name'"):
        load_manifests(text)


# --------------------------------------------------------------------------- full matches


@pytest.mark.parametrize("path", [
    ("metadata", "name"),
    ("spec", "extensionChains", 0, "name"),
    ("spec", "extensionChains", 0, "extensions", 0, "timeout"),
    ("metadata", "labels", "app"),
])
def test_a_trailing_newline_does_not_pass_a_pattern(sample: Sample,
                                                    path: tuple[str | int, ...]) -> None:
    data = sample("traffic")
    data["metadata"]["labels"] = {"app": "web"}
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] += "\n"
    with pytest.raises(ManifestValidationError):
        GCPTrafficExtension.from_manifest(data)


# --------------------------------------------------------------------------- depth and size


def _nested(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = {"a": value}
    return value


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("levels", [260, 5000])
def test_deep_nesting_in_open_parts_is_refused(sample: Sample, mode: UnknownFields,
                                               levels: int) -> None:
    data = sample("wasm")
    data["metadata"]["deep"] = _nested(levels)
    with pytest.raises(ManifestValidationError, match="nests deeper than 100 levels"):
        GCPWasmPlugin.from_manifest(data, unknown_fields=mode)
    text = "x: " + "[" * 150 + "]" * 150 + "\n"
    with pytest.raises(ManifestParseError, match="nested deeper than 100 levels"):
        load_manifests("apiVersion: networking.gke.io/v1\nkind: GCPWasmPlugin\n" + text,
                       unknown_fields=mode)


def test_nesting_within_the_limit_round_trips(sample: Sample) -> None:
    data = sample("wasm")
    data["metadata"]["deep"] = _nested(90)
    obj = GCPWasmPlugin.from_manifest(data, unknown_fields=UnknownFields.PRESERVE)
    assert obj.to_manifest() == data
    assert repr(obj)
    assert dump_manifests([obj])


def test_a_too_long_list_is_reported_once_not_walked(sample: Sample) -> None:
    data = sample("traffic")
    ref = {"group": "gateway.networking.k8s.io", "kind": "Not A Kind!", "name": "gw"}
    data["spec"]["targetRefs"] = [dict(ref) for _ in range(10_000)]
    start = time.monotonic()
    with pytest.raises(ManifestValidationError) as info:
        GCPTrafficExtension.from_manifest(data)
    assert time.monotonic() - start < 2
    paths = [p.path for p in info.value.problems]
    assert "spec.targetRefs" in paths
    assert not any(p.startswith("spec.targetRefs[") for p in paths)


def test_a_huge_list_is_refused_quickly(sample: Sample) -> None:
    data = sample("traffic")
    ref = {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"}
    data["spec"]["targetRefs"] = [ref] * 280_000
    start = time.monotonic()
    with pytest.raises(ManifestValidationError, match="more than 100,000 values"):
        GCPTrafficExtension.from_manifest(data)
    assert time.monotonic() - start < 2


def test_many_unknown_fields_give_a_bounded_message(sample: Sample) -> None:
    data = sample("traffic")
    data["spec"].update({f"unknown{i}": 1 for i in range(20_000)})
    with pytest.raises(ManifestValidationError) as info:
        GCPTrafficExtension.from_manifest(data)
    assert len(info.value.problems) == 101
    assert "more problems, not listed" in info.value.problems[-1].message
    assert len(str(info.value)) < 20_000


@pytest.mark.parametrize("mode", MODES)
def test_a_huge_name_is_not_echoed_whole(sample: Sample, mode: UnknownFields) -> None:
    data = sample("traffic")
    data["metadata"]["name"] = "a" * 10_000_000
    if mode is UnknownFields.REJECT:
        data["spec"]["targetRefs"] = "not a list"
    else:
        del data["spec"]["targetRefs"]  # PRESERVE keeps ill-typed values, not missing ones
    data["metadata"]["b" * 1_000_000] = {"c" * 1_000_000: 1}
    data["spec"]["d" * 1_000_000] = 1
    with pytest.raises(ManifestValidationError) as info:
        GCPTrafficExtension.from_manifest(data, unknown_fields=mode)
    assert len(str(info.value)) < 5_000


# --------------------------------------------------------------------------- no coercion


@pytest.mark.parametrize(("path", "value"), [
    (("spec", "extensionChains", 0, "extensions", 0, "backendRef", "port"), "443"),
    (("spec", "extensionChains", 0, "extensions", 0, "failOpen"), "true"),
    (("spec", "extensionChains", 0, "extensions", 0, "failOpen"), 1),
    (("spec", "extensionChains", 0, "name"), 7),
    (("spec", "extensionChains", 0, "extensions"), "none"),
    (("spec", "targetRefs", 0), "gw"),
    (("spec", "extensionChains", 0, "extensions", 0, "supportedEvents", 0), 1),
    (("metadata", "labels"), {"a": 1}),
    (("metadata", "generation"), "3"),
    (("spec",), []),
])
def test_preserve_mode_keeps_ill_typed_values_exactly(sample: Sample,
                                                      path: tuple[str | int, ...],
                                                      value: Any) -> None:
    data = sample("traffic")
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    original = copy.deepcopy(data)
    obj = GCPTrafficExtension.from_manifest(data, unknown_fields=UnknownFields.PRESERVE)
    assert obj.to_manifest() == original
    assert obj.problems()  # the ill-typed value is still reported as a problem
    assert repr(obj)
    assert yaml.safe_load(dump_manifests([obj])) == original


def test_preserve_mode_does_not_turn_a_quoted_port_into_a_number(sample: Sample) -> None:
    data = sample("traffic")
    data["spec"]["extensionChains"][0]["extensions"][0]["backendRef"]["port"] = "443"
    obj = GCPTrafficExtension.from_manifest(data, unknown_fields=UnknownFields.PRESERVE)
    backend = obj.spec.extension_chains[0].extensions[0].backend_ref
    assert backend is not None
    assert backend.port == "443"
