"""Make the shared builders (``controller_builders.py``) importable by the tests here.

pytest 9 imports test modules with ``importlib`` mode, which does not put the test folder
on ``sys.path``; the builders are plain functions, not fixtures, so they are imported.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
