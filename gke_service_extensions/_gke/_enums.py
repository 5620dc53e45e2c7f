"""How the CRDs and the Network Services API spell the same values.

The CRDs write events and body send modes in CamelCase (``RequestHeaders``, ``Streamed``);
the API uses enum names (``REQUEST_HEADERS``, ``BODY_SEND_MODE_STREAMED``) in REST JSON and
their numbers on the wire of the ``google-cloud-*`` REST clients. Log sample rates are an
integer 0..1_000_000 in the CRD and a fraction 0..1 in the API. Timeouts are Go durations in
the CRD (``100ms``) and protobuf JSON Durations in the API (``0.100s``).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "BODY_SEND_MODES",
    "EVENTS",
    "LOAD_BALANCING_SCHEMES",
    "LOG_LEVELS",
    "SAMPLE_RATE_SCALE",
    "body_mode_from_api",
    "body_mode_number",
    "body_mode_to_api",
    "duration_nanos",
    "event_from_api",
    "event_number",
    "event_to_api",
    "go_duration_to_proto",
    "log_level_number",
    "sample_rate_from_api",
    "sample_rate_to_api",
]

#: (CRD name, API enum name, API number) of each ``supportedEvents`` value (EventType).
EVENTS: Final[tuple[tuple[str, str, int], ...]] = (
    ("RequestHeaders", "REQUEST_HEADERS", 1),
    ("RequestBody", "REQUEST_BODY", 2),
    ("ResponseHeaders", "RESPONSE_HEADERS", 3),
    ("ResponseBody", "RESPONSE_BODY", 4),
    ("RequestTrailers", "REQUEST_TRAILERS", 5),
    ("ResponseTrailers", "RESPONSE_TRAILERS", 6),
)
#: (CRD name, API enum name, API number) of each body send mode (BodySendMode).
BODY_SEND_MODES: Final[tuple[tuple[str, str, int], ...]] = (
    ("Streamed", "BODY_SEND_MODE_STREAMED", 1),
    ("FullDuplexStreamed", "BODY_SEND_MODE_FULL_DUPLEX_STREAMED", 2),
)
#: WasmPlugin ``logConfig.minLogLevel``: same names in the CRD and the API (LogLevel).
LOG_LEVELS: Final[dict[str, int]] = {
    "TRACE": 1, "DEBUG": 2, "INFO": 3, "WARN": 4, "ERROR": 5, "CRITICAL": 6}
#: ``loadBalancingScheme`` of LbTrafficExtension / LbRouteExtension (LoadBalancingScheme).
LOAD_BALANCING_SCHEMES: Final[dict[str, int]] = {"INTERNAL_MANAGED": 1, "EXTERNAL_MANAGED": 2}
#: The CRD's ``logConfig.sampleRate`` is the API's fraction times this.
SAMPLE_RATE_SCALE: Final = 1_000_000


def _table(rows: tuple[tuple[str, str, int], ...]) -> dict[str, tuple[str, str, int]]:
    out: dict[str, tuple[str, str, int]] = {}
    for row in rows:
        out[row[0]] = out[row[1]] = out[str(row[2])] = row
    return out


_EVENTS = _table(EVENTS)
_MODES = _table(BODY_SEND_MODES)


def _row(table: dict[str, tuple[str, str, int]], value: str | int, what: str
         ) -> tuple[str, str, int]:
    try:
        return table[str(value)]
    except KeyError:
        raise ValueError(f"not a {what}: {value!r}") from None


def event_to_api(event: str | int) -> str:
    """``RequestHeaders`` (or ``REQUEST_HEADERS`` or ``1``) -> ``REQUEST_HEADERS``."""
    return _row(_EVENTS, event, "supported event")[1]


def event_from_api(event: str | int) -> str:
    """``REQUEST_HEADERS`` or ``1`` (or ``RequestHeaders``) -> ``RequestHeaders``."""
    return _row(_EVENTS, event, "supported event")[0]


def event_number(event: str | int) -> int:
    """The API's EventType number of an event in either spelling."""
    return _row(_EVENTS, event, "supported event")[2]


def body_mode_to_api(mode: str | int) -> str:
    """``Streamed`` -> ``BODY_SEND_MODE_STREAMED`` (either spelling or the number in)."""
    return _row(_MODES, mode, "body send mode")[1]


def body_mode_from_api(mode: str | int) -> str:
    """``BODY_SEND_MODE_FULL_DUPLEX_STREAMED`` or ``2`` -> ``FullDuplexStreamed``."""
    return _row(_MODES, mode, "body send mode")[0]


def body_mode_number(mode: str | int) -> int:
    """The API's BodySendMode number of a mode in either spelling."""
    return _row(_MODES, mode, "body send mode")[2]


def log_level_number(level: str) -> int:
    """The API's LogLevel number of ``TRACE`` .. ``CRITICAL``."""
    try:
        return LOG_LEVELS[level]
    except KeyError:
        raise ValueError(f"not a log level: {level!r}") from None


def sample_rate_to_api(rate: int) -> float:
    """CRD ``sampleRate`` (0..1_000_000) -> API fraction (0..1)."""
    if isinstance(rate, bool) or not isinstance(rate, int) or not 0 <= rate <= SAMPLE_RATE_SCALE:
        raise ValueError(f"sampleRate must be an integer 0..{SAMPLE_RATE_SCALE}, got {rate!r}")
    return rate / SAMPLE_RATE_SCALE


def sample_rate_from_api(fraction: float) -> int:
    """API fraction (0..1) -> CRD ``sampleRate`` (0..1_000_000), rounded."""
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not (
            0 <= fraction <= 1):
        raise ValueError(f"sampleRate must be a fraction 0..1, got {fraction!r}")
    return round(fraction * SAMPLE_RATE_SCALE)


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
            "m": 60_000_000_000, "h": 3_600_000_000_000}


def duration_nanos(text: str) -> int:
    """Nanoseconds of a Go duration (``1m30s``, ``100ms``) or a JSON Duration (``0.100s``).

    Both spellings parse the same way, so ``1s``, ``1.000s`` and ``1000ms`` are equal.
    Raises ``ValueError`` for anything else.
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"empty duration: {text!r}")
    pos, nanos = 0, 0
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if m is None:
            raise ValueError(f"not a Go duration: {text!r}")
        whole, _, frac = m.group(1).partition(".")
        unit = _UNIT_NS[m.group(2)]
        nanos += int(whole or "0") * unit
        if frac:
            nanos += int(frac) * unit // 10 ** len(frac)
        pos = m.end()
    return nanos


def go_duration_to_proto(text: str) -> str:
    """A Go duration (``1s``, ``100ms``, ``1m30s``) as a protobuf JSON Duration (``0.100s``)."""
    seconds, rest = divmod(duration_nanos(text), 1_000_000_000)
    if rest == 0:
        return f"{seconds}s"
    if rest % 1_000_000 == 0:
        return f"{seconds}.{rest // 1_000_000:03d}s"
    if rest % 1_000 == 0:
        return f"{seconds}.{rest // 1_000:06d}s"
    return f"{seconds}.{rest:09d}s"
