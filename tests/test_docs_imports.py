"""Docs and the README show only the public surface: no example imports a ``_`` module."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
_BLOCK = re.compile(r"```(?:python|py|pycon)\n(.*?)```", re.S)
# Import statements, also in blocks that do not parse as a whole (``...`` placeholders).
_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\s+\(?([\w\s,]+)\)?|import\s+([\w.]+))",
                     re.M)


def _imports(text: str) -> list[tuple[str, list[str]]]:
    """``(module, names)`` of every import in the page's Python examples."""
    found: list[tuple[str, list[str]]] = []
    for block in _BLOCK.findall(text):
        try:
            tree = ast.parse(block)
        except SyntaxError:
            for m in _IMPORT.finditer(block):
                names = [n.strip() for n in (m.group(2) or "").split(",") if n.strip()]
                found.append((m.group(1) or m.group(3), names))
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.append((node.module, [a.name for a in node.names]))
            elif isinstance(node, ast.Import):
                found += [(a.name, []) for a in node.names]
    return found


def _ours(module: str) -> bool:
    return module.split(".")[0] == "gke_service_extensions"


def _private(module: str, names: list[str]) -> list[str]:
    parts = module.split(".") + names
    return [p for p in parts if p.startswith("_") and not p.startswith("__")]


def test_the_pages_have_examples_that_import_the_package() -> None:
    ours = [m for page in PAGES for m, _ in _imports(page.read_text()) if _ours(m)]
    assert len(ours) >= 8


def test_the_checker_sees_a_private_import() -> None:
    text = "```python\nfrom gke_service_extensions.kube._wait import WaitResult\n```\n"
    ((module, names),) = _imports(text)
    assert _private(module, names) == ["_wait"]
    text = "```python\nfrom gke_service_extensions.models import (\n    _cel,\n)\n...x = (\n```"
    ((module, names),) = _imports(text)
    assert _private(module, names) == ["_cel"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_examples_import_no_private_module(page: Path) -> None:
    bad = [f"{m} import {', '.join(n)}" for m, n in _imports(page.read_text())
           if _ours(m) and _private(m, n)]
    assert bad == []


def test_every_name_the_examples_import_is_public() -> None:
    checked, missing = 0, []
    for page in PAGES:
        for module, names in _imports(page.read_text()):
            if not _ours(module):
                continue
            imported = importlib.import_module(module)
            public = set(getattr(imported, "__all__", ()))
            missing += [f"{page.name}: from {module} import {n}" for n in names
                        if n not in public or not hasattr(imported, n)]
            checked += len(names)
    assert checked >= 20
    assert missing == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_reference_directives_and_dotted_names_avoid_private_modules(page: Path) -> None:
    dotted = re.findall(r"gke_service_extensions(?:\.\w+)+", page.read_text())
    assert [d for d in dotted if any(p.startswith("_") for p in d.split(".")[1:])] == []
