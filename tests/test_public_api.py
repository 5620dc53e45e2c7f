"""The package root: an explicit public surface that imports lightly."""

from __future__ import annotations

import subprocess
import sys

import pytest

import gke_service_extensions


def test_every_public_name_resolves() -> None:
    for name in gke_service_extensions.__all__:
        assert getattr(gke_service_extensions, name) is not None


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
