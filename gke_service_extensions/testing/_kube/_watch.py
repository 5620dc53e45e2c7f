"""One watch stream: initial state or backlog, then live events, bookmarks, deadline."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ...models._meta import ResourceInfo
from ._status import gone_status
from ._store import ObjectStore, StoreGone, WatchEvent

__all__ = ["WatchStream", "event_line"]


def event_line(type_: str, obj: Mapping[str, Any]) -> bytes:
    """One watch event as the JSON line the API server sends."""
    return json.dumps({"type": type_, "object": obj}, separators=(",", ":")).encode() + b"\n"


class WatchStream:
    """The JSON lines of one watch of ``info`` (in ``namespace`` if given).

    It subscribes to the store when created, so nothing written afterwards is missed;
    events seen both in the backlog and live are deduplicated by resourceVersion. With
    ``resource_version`` unset or ``"0"`` it starts with ADDED for every existing object,
    otherwise with the kept events after it (an ERROR 410 event when they are gone).
    Iterating yields ``b""`` when idle for ``idle_check_interval`` so the HTTP layer can
    notice a client that left. :meth:`close` ends the stream from another thread.
    ``render`` turns each object into what is sent (e.g. a one-row Table).
    """

    def __init__(self, store: ObjectStore, info: ResourceInfo, namespace: str | None,
                 match: Callable[[Mapping[str, Any]], bool], *, resource_version: str,
                 bookmarks: bool, bookmark_interval: float, idle_check_interval: float,
                 deadline: float | None, expire: bool, stopping: threading.Event,
                 on_done: Callable[[WatchStream], None],
                 render: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
                 silent: bool = False) -> None:
        self._store, self._info, self._namespace, self._match = store, info, namespace, match
        self._rv = resource_version
        self._bookmarks, self._bookmark_interval = bookmarks, bookmark_interval
        self._idle = idle_check_interval
        self._deadline, self._expire, self._stopping = deadline, expire, stopping
        self._on_done = on_done
        self._render = render or (lambda obj: obj)
        self._silent = silent
        self._queue: queue.Queue[WatchEvent | None] = queue.Queue()
        self._unsubscribe = store.subscribe(self._queue.put)

    def close(self) -> None:
        """End the stream (thread-safe)."""
        self._queue.put(None)

    def __iter__(self) -> Iterator[bytes]:
        try:
            if self._silent:  # a fault: the line stays open, nothing is sent
                yield from self._say_nothing()
                return
            yield from self._lines()
        finally:
            self._unsubscribe()
            self._on_done(self)

    def _lines(self) -> Iterator[bytes]:
        info = self._info
        if self._expire:
            yield event_line("ERROR", gone_status(self._rv or "0"))
            return
        from_now = self._rv in ("", "0")
        backlog: list[WatchEvent]
        if from_now:
            items, list_rv = self._store.list(info, self._namespace)
            last = int(list_rv)
            backlog = [WatchEvent("ADDED", info, o) for o in items]
        else:
            last = int(self._rv)
            try:
                backlog = self._store.events_since(last)
            except StoreGone as err:
                yield event_line("ERROR", gone_status(self._rv, str(err)))
                return
        # keys of objects the client has seen matching: changes that make an object match
        # or stop matching the selectors become ADDED / DELETED, as on the real server
        self._matched: set[tuple[str, str]] = set()
        self._known = from_now
        for ev in backlog:
            if not from_now:
                last = max(last, ev.resource_version)
            if ev.info == info:
                yield from self._filtered(ev)
        next_bookmark = time.monotonic() + self._bookmark_interval
        while not self._stopping.is_set():
            now = time.monotonic()
            if self._deadline is not None and now >= self._deadline:
                return
            wait = self._idle
            if self._bookmarks:
                wait = min(wait, next_bookmark - now)
            if self._deadline is not None:
                wait = min(wait, self._deadline - now)
            try:
                item = self._queue.get(timeout=max(wait, 0.0))
            except queue.Empty:
                yield b""
                if self._bookmarks and time.monotonic() >= next_bookmark:
                    yield event_line("BOOKMARK", {
                        "kind": info.kind, "apiVersion": info.api_version,
                        "metadata": {"resourceVersion": str(last)}})
                    next_bookmark = time.monotonic() + self._bookmark_interval
                continue
            if item is None:
                return
            if item.resource_version <= last:
                continue
            last = item.resource_version
            if item.info == info:
                yield from self._filtered(item)

    def _say_nothing(self) -> Iterator[bytes]:
        while not self._stopping.is_set():
            now = time.monotonic()
            if self._deadline is not None and now >= self._deadline:
                return
            wait = self._idle if self._deadline is None else min(self._idle,
                                                                 self._deadline - now)
            try:
                if self._queue.get(timeout=max(wait, 0.0)) is None:
                    return
            except queue.Empty:
                pass
            yield b""

    def _filtered(self, ev: WatchEvent) -> Iterator[bytes]:
        meta = ev.object.get("metadata") or {}
        key = (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        matches = self._match(ev.object)
        if ev.type == "DELETED":
            if matches or key in self._matched:
                yield event_line("DELETED", self._render(ev.object))
            self._matched.discard(key)
        elif matches:
            new = ev.type == "MODIFIED" and self._known and key not in self._matched
            self._matched.add(key)
            yield event_line("ADDED" if new else ev.type, self._render(ev.object))
        elif key in self._matched:
            self._matched.discard(key)
            yield event_line("DELETED", self._render(ev.object))
