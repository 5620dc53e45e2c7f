"""How the command writes: machine output (``-o json|yaml``), progress and colour.

Progress and colour only on a terminal (``rich``, imported on first use); elsewhere (CI logs,
pipes, files) plain lines, each prefixed with a UTC timestamp. ``NO_COLOR`` turns colour
off; ``GKE_SE_PROGRESS=plain`` forces plain lines on a terminal.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, TextIO

__all__ = ["Reporter", "emit", "plain"]

_STYLES = {"Programmed": "green", "Failed": "bold red", "Pending": "yellow",
           "ok": "green", "error": "bold red", "warning": "yellow"}


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data (dataclasses, enums, datetimes, tuples, models)."""
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)
                if f.repr}
    if hasattr(value, "to_manifest"):
        return plain(value.to_manifest())
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def emit(data: Any, fmt: str, out: TextIO) -> None:
    """Write ``data`` as JSON (indented, keys in the order given) or YAML."""
    if fmt == "json":
        print(json.dumps(plain(data), indent=2), file=out)
    else:
        import yaml

        print(yaml.safe_dump(plain(data), sort_keys=False, default_flow_style=False).rstrip(),
              file=out)


def _is_terminal(stream: TextIO) -> bool:
    if os.environ.get("GKE_SE_PROGRESS", "").lower() == "plain":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Reporter:
    """Lines and live progress for one command, on ``out``.

    On a terminal: colour, and a spinner with the latest state while waiting. Elsewhere:
    ``2026-11-27T13:30:01Z line`` for every progress line, no colour.
    """

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.terminal = _is_terminal(out)
        self._console: Any = None
        self._status: Any = None
        self._seen: set[str] = set()

    def _rich(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=self.out, highlight=False,
                                    no_color=bool(os.environ.get("NO_COLOR")))
        return self._console

    def line(self, text: str, style: str | None = None) -> None:
        """A result line: coloured on a terminal, as is elsewhere."""
        if self.terminal:
            from rich.text import Text

            self._rich().print(Text(text, style=style or ""))
        else:
            print(text, file=self.out, flush=True)

    def progress(self, text: str, state: str | None = None) -> None:
        """A progress line: coloured on a terminal, timestamped elsewhere."""
        if self.terminal:
            from rich.text import Text

            shown = Text("  ")
            for word in text.split(" "):
                key = word.rstrip(":,")
                shown.append(word + " ", style=_STYLES.get(state or key, ""))
            self._rich().print(shown)
            if self._status is not None:
                self._status.update(f"waiting: {text}")
        else:
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            print(f"{stamp}   {text}", file=self.out, flush=True)

    def on_change(self) -> Callable[[Any], None]:
        """A wait's ``on_change``: each new ancestor line once."""
        def on_change(state: Any) -> None:
            for text in state.summary_lines():
                if text not in self._seen:
                    self._seen.add(text)
                    self.progress(text, _state_word(text))

        return on_change

    def __enter__(self) -> Reporter:
        if self.terminal:
            self._status = self._rich().status("waiting for GKE...", spinner="dots")
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


def _state_word(text: str) -> str | None:
    for word in ("Programmed", "Failed", "Pending"):
        if f": {word}" in text:
            return word
    return None


def stderr_line(text: str) -> None:
    """One line on stderr (errors)."""
    print(text, file=sys.stderr, flush=True)
