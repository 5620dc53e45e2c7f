"""Benchmarks of the models layer: import time and validation throughput.

Run: ``python benchmarks/bench_models.py`` (or ``nox -s bench``). Every figure is printed as a
ratio to a baseline measured in the same run on the same machine.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import best_of, ratio_line, time_import

ROOT = Path(__file__).resolve().parents[1]
CRDS = ROOT / "tests" / "data" / "crds"
N = 10_000


def check_import_is_light() -> None:
    code = ("import sys, gke_service_extensions; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('grpc', 'kubernetes', 'celpy', 'lark') or m.startswith('google.cloud')); "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.strip()
    if out:
        raise SystemExit(f"import gke_service_extensions pulled in heavy modules: {out}")
    print("import gke_service_extensions imports none of google.cloud, grpc, kubernetes, celpy")


def bench_import() -> None:
    pyd = time_import("import pydantic")
    pyd_model = time_import("from pydantic import BaseModel")
    ours = time_import("import gke_service_extensions")
    print("\n# import time (median of 15 fresh interpreters)")
    print(ratio_line("import pydantic (baseline)", pyd, pyd))
    print(ratio_line("from pydantic import BaseModel", pyd_model, pyd))
    print(ratio_line("import gke_service_extensions  vs import pydantic", ours, pyd,
                     target=1.5))
    print(ratio_line("import gke_service_extensions  vs BaseModel import", ours, pyd_model))


def _manifests() -> list[dict[str, Any]]:
    docs = []
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        if path.name == "traffic-extension.yaml":
            continue  # valid only under the gke-1.33 profile
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    out = []
    for i in range(N):
        d = copy.deepcopy(docs[i % len(docs)])
        d["metadata"]["name"] = f"obj-{i}"
        out.append(d)
    return out


def bench_validation() -> None:
    import jsonschema

    from gke_service_extensions.models import model_for, validate_manifest

    manifests = _manifests()
    schemas: dict[str, Any] = {}
    for name in ("networking.gke.io_gcptrafficextensions.yaml",
                 "networking.gke.io_gcproutingextensions.yaml"):
        crd = yaml.safe_load((CRDS / name).read_text())
        schemas[crd["spec"]["names"]["kind"]] = crd["spec"]["versions"][0]["schema"][
            "openAPIV3Schema"]
    schemas["GCPWasmPlugin"] = json.loads((CRDS / "gcpwasmplugin_v1.schema.json").read_text())
    validators = {k: jsonschema.Draft7Validator(v) for k, v in schemas.items()}

    def run_jsonschema() -> None:
        for m in manifests:
            errors = list(validators[m["kind"]].iter_errors(m))
            assert not errors, errors[0].message

    def run_ours() -> None:
        for m in manifests:
            assert not validate_manifest(m)

    def run_from_manifest() -> None:
        for m in manifests:
            model = model_for(m["apiVersion"], m["kind"])
            assert model is not None
            model.from_manifest(m)

    run_ours()  # warm caches (compiled field plans, parsed CEL matchers)
    base = best_of(run_jsonschema)
    ours = best_of(run_ours)
    full = best_of(run_from_manifest)
    print(f"\n# validating {N:,} manifests (best of 3)")
    print(ratio_line("jsonschema + CRD openAPIV3Schema, structure only (baseline)", base, base))
    print(ratio_line("validate_manifest: structure + CEL rules + matchers", ours, base))
    print(ratio_line("from_manifest: validate + build typed objects", full, base))
    print(f"{'throughput of from_manifest':<58} {N / full:9.0f} manifests/s")


if __name__ == "__main__":
    check_import_is_light()
    bench_import()
    bench_validation()
