"""CRDs generated from the models match the published CRDs field for field."""

from __future__ import annotations

from typing import Any

import crd_oracle
import jsonschema
import pytest
from samples import SAMPLES

from gke_service_extensions.models import (
    GCPRoutingExtension,
    GCPTrafficExtension,
    GCPWasmPlugin,
    KubeModel,
    to_crd,
)

KINDS: list[type[KubeModel]] = [GCPTrafficExtension, GCPRoutingExtension, GCPWasmPlugin]
COMPARED = ("type", "maxLength", "minLength", "pattern", "minimum", "maximum", "minItems",
            "maxItems", "maxProperties")


def _walk(schema: dict[str, Any], path: str = "") -> dict[str, dict[str, Any]]:
    out = {path: {k: schema[k] for k in COMPARED if k in schema}}
    if "enum" in schema:
        out[path]["enum"] = sorted(schema["enum"])
    for name, sub in schema.get("properties", {}).items():
        out.update(_walk(sub, f"{path}.{name}"))
    if "items" in schema:
        out.update(_walk(schema["items"], f"{path}[]"))
    if isinstance(schema.get("additionalProperties"), dict):
        out.update(_walk(schema["additionalProperties"], f"{path}{{}}"))
    return out


def _openapi(model: type[KubeModel]) -> dict[str, Any]:
    return to_crd(model)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("model", KINDS, ids=lambda m: m.__resource__.kind)
def test_generated_spec_schema_matches_the_published_crd(model: type[KubeModel]) -> None:
    ours = {k: v for k, v in _walk(_openapi(model)).items() if k.startswith(".spec")}
    theirs = {k: v for k, v in _walk(crd_oracle.schema(model.__resource__.kind)).items()
              if k.startswith(".spec")}
    assert ours == theirs


@pytest.mark.parametrize("model", KINDS, ids=lambda m: m.__resource__.kind)
def test_generated_crd_names_the_kind(model: type[KubeModel]) -> None:
    crd = to_crd(model)
    info = model.__resource__
    assert crd["metadata"]["name"] == f"{info.plural}.{info.group}"
    assert crd["spec"]["names"]["kind"] == info.kind
    assert crd["spec"]["versions"][0]["subresources"] == {"status": {}}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_generated_schema_admits_the_samples(name: str) -> None:
    data = SAMPLES[name]()
    model = {"GCPTrafficExtension": GCPTrafficExtension,
             "GCPRoutingExtension": GCPRoutingExtension,
             "GCPWasmPlugin": GCPWasmPlugin}[data["kind"]]
    errors = list(jsonschema.Draft7Validator(_openapi(model)).iter_errors(data))
    assert errors == []
