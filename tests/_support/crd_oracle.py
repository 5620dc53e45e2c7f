"""An independent judge of manifests: the real CRD files, applied the API server's way.

Structure is checked by ``jsonschema`` against the CRD's ``openAPIV3Schema`` (after applying
its ``default``s, as the API server does before validation); every
``x-kubernetes-validations`` rule is evaluated by a CEL interpreter (cel-python) with
``self`` bound to the node, and an evaluation error counts as a rejection, as it does on the
API server. It shares no code with the SDK's validator.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import yaml
from celpy import json_to_cel

CRDS = Path(__file__).resolve().parents[1] / "data" / "crds"
FILES = {
    "GCPTrafficExtension": "networking.gke.io_gcptrafficextensions.yaml",
    "GCPRoutingExtension": "networking.gke.io_gcproutingextensions.yaml",
    "GCPWasmPlugin": "gcpwasmplugin_v1.schema.json",
}


@cache
def schema(kind: str) -> dict[str, Any]:
    text = (CRDS / FILES[kind]).read_text()
    if FILES[kind].endswith(".json"):
        return json.loads(text)  # type: ignore[no-any-return]
    crd = yaml.safe_load(text)
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]  # type: ignore[no-any-return]


_ENV = celpy.Environment()


@cache
def _program(rule: str) -> Any:
    return _ENV.program(_ENV.compile(rule))


def _apply_defaults(node: Any, sch: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        for key, sub in sch.get("properties", {}).items():
            if key not in node and "default" in sub:
                node[key] = copy.deepcopy(sub["default"])
            if key in node:
                node[key] = _apply_defaults(node[key], sub)
    elif isinstance(node, list) and "items" in sch:
        return [_apply_defaults(x, sch["items"]) for x in node]
    return node


def _rules(node: Any, sch: dict[str, Any], path: str, out: list[str]) -> None:
    for rule in sch.get("x-kubernetes-validations", []):
        try:
            ok = _program(rule["rule"]).evaluate({"self": json_to_cel(node)})
        except Exception as exc:  # CEL runtime errors reject, as on the API server
            out.append(f"{path}: {rule['message']} (evaluation error: {exc})")
            continue
        if isinstance(ok, celpy.CELEvalError) or not bool(ok):
            out.append(f"{path}: {rule['message']}")
    if isinstance(node, dict):
        for key, sub in sch.get("properties", {}).items():
            if key in node and node[key] is not None:
                _rules(node[key], sub, f"{path}.{key}", out)
    elif isinstance(node, list) and "items" in sch:
        for i, item in enumerate(node):
            _rules(item, sch["items"], f"{path}[{i}]", out)


def problems(manifest: dict[str, Any]) -> list[str]:
    """What the CRD of ``manifest['kind']`` rejects (empty: the API server would admit it)."""
    sch = schema(manifest["kind"])
    data = _apply_defaults(copy.deepcopy(manifest), sch)
    out = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
           for e in jsonschema.Draft7Validator(sch).iter_errors(data)]
    if not out:
        _rules(data, sch, "", out)
    return out
