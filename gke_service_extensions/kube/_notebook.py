"""Jupyter: HTML of programming states, and a wait's progress without a callback.

In an IPython kernel, a wait started without ``on_change`` shows its progress in one
display (a display handle updated in place); ``GKE_SE_NOTEBOOK_PROGRESS=0`` turns it off.
Nothing here imports IPython outside a kernel.
"""

from __future__ import annotations

import html
import os
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["in_notebook", "notebook_progress", "state_html"]

_COLOURS = {"Programmed": "#2e7d32", "Failed": "#c62828", "Pending": "#ef6c00",
            "Deleted": "#616161"}


def in_notebook() -> bool:
    """Whether this code runs in an IPython kernel (Jupyter, VS Code notebooks...)."""
    if "ipykernel" not in sys.modules:
        return False
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def state_html(state: Any, note: str = "") -> str:
    """A :class:`~gke_service_extensions.ProgrammingState` as an HTML table."""
    e = html.escape
    outcome = state.outcome.value
    head = (f'<p><b>{e(str(state.obj))}</b>: <span style="color:{_COLOURS.get(outcome, "")};'
            f'font-weight:bold">{e(outcome)}</span> {e(note)}</p>')
    rows = "".join(
        f"<tr><td>{e(str(a.ancestor))}</td>"
        f'<td style="color:{_COLOURS.get(a.state.value, "")}">{e(a.state.value)}</td>'
        f"<td>{e(a.condition)}={e(str(a.status))}</td><td>{e(a.reason or '')}</td>"
        f"<td>{e(a.message or '')}</td></tr>" for a in state.ancestors)
    if not rows:
        return head
    return (head + "<table><thead><tr><th>Gateway</th><th>state</th><th>condition</th>"
            f"<th>reason</th><th>message</th></tr></thead><tbody>{rows}</tbody></table>")


def notebook_progress() -> Callable[[Any], None] | None:
    """An ``on_change`` that shows the wait in one updating display, in a kernel; else None."""
    if os.environ.get("GKE_SE_NOTEBOOK_PROGRESS") == "0" or not in_notebook():
        return None
    import IPython.display

    ipd: Any = IPython.display  # typed or not depending on the IPython version
    handle: Any = None
    states: dict[str, Any] = {}

    def on_change(state: Any) -> None:
        nonlocal handle
        states[str(state.obj)] = state
        body = ipd.HTML("".join(state_html(s) for s in states.values()))
        if handle is None:
            handle = ipd.display(body, display_id=True)
        else:
            handle.update(body)

    return on_change
