"""Keep credentials out of messages, logs and reprs.

A :class:`Redactor` knows the secrets of one connection (bearer token, basic-auth password,
exec-plugin output that ended up as a token) by reading the ``kubernetes`` ``Configuration``
each time it runs, so a token refreshed by an exec plugin is covered too. It also scrubs
anything shaped like an ``Authorization`` value, in case a server or proxy echoes one back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["REDACTED", "RedactingFilter", "Redactor", "secrets_of"]

REDACTED = "<redacted>"

# "Bearer abc.def", "Basic dXNlcjpwYXNz", also inside JSON or header dumps.
_SCHEME_VALUE = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/=:]+")
# "authorization: xyz" / "'Authorization': 'xyz'" / "authorization=xyz"
_AUTH_FIELD = re.compile(
    r"(?i)(\bauthorization\b['\"]?\s*[:=]\s*['\"]?)(?!<redacted>)[^'\"\s,;}]+"
)
# PEM private keys (client-key-data decoded, exec clientKeyData).
_PEM_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL
)
# Secrets shorter than this are not substituted literally: too likely to hit normal text.
_MIN_SECRET_LEN = 6


def secrets_of(configuration: Any) -> list[str]:
    """Every credential value held by a ``kubernetes.client.Configuration``."""
    found: list[str] = []
    api_key = getattr(configuration, "api_key", None) or {}
    for value in dict(api_key).values():
        if isinstance(value, str) and value:
            found.append(value)
            # "Bearer <token>": the bare token may appear on its own.
            parts = value.split(None, 1)
            if len(parts) == 2:
                found.append(parts[1])
    for attr in ("password", "access_token"):
        value = getattr(configuration, attr, None)
        if isinstance(value, str) and value:
            found.append(value)
    return found


class Redactor:
    """Replace known secrets and credential-shaped text with ``<redacted>``."""

    def __init__(self, source: Callable[[], Iterable[str]] | None = None) -> None:
        self._source = source

    def secrets(self) -> list[str]:
        """The literal secrets currently known, longest first."""
        if self._source is None:
            return []
        try:
            values = [s for s in self._source() if len(s) >= _MIN_SECRET_LEN]
        except Exception:  # a broken config must never stop an error from being reported
            values = []
        return sorted(set(values), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, REDACTED)
        text = _PEM_KEY.sub(REDACTED, text)
        text = _SCHEME_VALUE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
        return _AUTH_FIELD.sub(lambda m: f"{m.group(1)}{REDACTED}", text)

    def __repr__(self) -> str:
        return "Redactor()"


class RedactingFilter(logging.Filter):
    """A logging filter that redacts every record it sees.

    Not installed automatically (loggers of other libraries are global state); attach it to a
    handler if you log at DEBUG with third-party code that might print credentials::

        handler.addFilter(RedactingFilter(client.redactor))
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        record.msg = self._redactor(message)
        record.args = None
        return True
