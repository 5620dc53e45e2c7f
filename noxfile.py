"""Developer sessions: ``nox -s tests lint typecheck docs bench``."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = ["3.11"]


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite against the embedded simulator."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over the package, tests, benchmarks and this file."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", "gke_service_extensions", "tests", "benchmarks", "noxfile.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[lint]")
    session.run("mypy", "--strict", "gke_service_extensions")


@nox.session(python=PYTHON)
def codegen(session: nox.Session) -> None:
    """Regenerate the compiled validation checkers (models/_checkers/) from the models."""
    session.install("-e", ".")
    session.run("python", "-m", "gke_service_extensions.models._codegen")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site (strict: warnings are errors)."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run every benchmark (benchmarks/bench_*.py); each prints ratios against baselines
    measured in the same run, and MET/MISSED for its targets."""
    session.install("-e", ".[test,bench]")
    for script in sorted(Path("benchmarks").glob("bench_*.py")):
        session.run("python", str(script))
