"""Fixtures of the model tests."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from samples import SAMPLES


@pytest.fixture
def sample() -> Callable[[str], dict[str, Any]]:
    """``sample(name)`` returns a fresh copy of a valid sample manifest."""
    return lambda name: copy.deepcopy(SAMPLES[name]())
