"""The package root: an explicit public surface that imports lightly."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys

import pytest

import gke_service_extensions

# The package root and the documented subpackages: everything public is in their __all__.
PUBLIC_PACKAGES = ("gke_service_extensions", "gke_service_extensions.models",
                   "gke_service_extensions.kube", "gke_service_extensions.testing")


def _public_names() -> list[tuple[str, str]]:
    return [(pkg, name) for pkg in PUBLIC_PACKAGES
            for name in importlib.import_module(pkg).__all__]


def test_the_walk_covers_every_public_package() -> None:
    names = _public_names()
    assert len(names) > 150
    assert {pkg for pkg, _ in names} == set(PUBLIC_PACKAGES)


@pytest.mark.parametrize(("package", "name"), _public_names())
def test_every_public_name_imports(package: str, name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {package} import {name}", namespace)
    module = importlib.import_module(package)
    assert namespace[name] is getattr(module, name)
    assert name in dir(module)
    origin = getattr(namespace[name], "__module__", None)
    if isinstance(namespace[name], type) or callable(namespace[name]):
        assert isinstance(origin, str)
        assert origin.startswith("gke_service_extensions"), (name, origin)


def test_no_public_package_lists_a_name_twice() -> None:
    for package in PUBLIC_PACKAGES:
        names = importlib.import_module(package).__all__
        assert len(names) == len(set(names)), package


def test_root_loads_lazy_names_from_public_subpackages_only() -> None:
    lazy: dict[str, str] = vars(gke_service_extensions)["_LAZY"]
    assert "ExtensionsClient" in lazy
    for name, target in lazy.items():
        module = target.partition(":")[0]
        assert module in (".kube", ".models", ".diagnosis", ".gcp", ".rollout"), (name, target)
        assert name in gke_service_extensions.__all__


def test_root_reexports_the_kube_wait_types_as_the_same_objects() -> None:
    from gke_service_extensions import kube

    for name in ("WaitResult", "WatchBackoff", "Outcome", "WaitMode", "GatewayRef",
                 "ProgrammingState", "AncestorStatus", "AncestorState", "Freshness",
                 "KubeConfigError", "ExtensionsClient", "RetryPolicy", "NO_RETRY"):
        assert getattr(gke_service_extensions, name) is getattr(kube, name), name
    assert gke_service_extensions.wait_until_programmed is kube.wait_with_kubeconfig


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        gke_service_extensions.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def test_import_pulls_in_no_heavy_clients() -> None:
    code = (
        "import sys, gke_service_extensions\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('kubernetes', 'grpc', 'celpy', 'lark', 'urllib3', 'tenacity') "
        "or m.startswith('google.cloud'))\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == ""


def test_every_error_derives_from_the_one_root() -> None:
    from gke_service_extensions import GKEServiceExtensionsError

    errors = [getattr(gke_service_extensions, n) for n in gke_service_extensions.__all__
              if n.endswith(("Error", "Failed"))]
    assert len(errors) >= 20
    for err in errors:
        assert issubclass(err, GKEServiceExtensionsError), err


def test_kube_config_error_is_in_the_error_tree() -> None:
    from gke_service_extensions import ApiConnectionError, KubeConfigError
    from gke_service_extensions.kube import KubeConfigError as FromKube

    assert FromKube is KubeConfigError
    assert KubeConfigError.__mro__[1] is ApiConnectionError
    assert KubeConfigError.__module__ == "gke_service_extensions._errors"


def test_error_tree_drawings_name_every_error() -> None:
    from pathlib import Path

    from gke_service_extensions import _errors

    errors_md = (Path(__file__).resolve().parents[1] / "docs" / "errors.md").read_text()
    names = [n for n in gke_service_extensions.__all__ if n.endswith(("Error", "Failed"))]
    assert "KubeConfigError" in names
    doc = _errors.__doc__ or ""
    for name in names:
        line = re.compile(rf"^[ │├└─]*{name}\b", re.M)
        assert line.search(doc), f"{name} missing from the tree in _errors.py"
        assert line.search(errors_md), f"{name} missing from the tree in docs/errors.md"
