"""Keep credentials out of messages, logs and reprs.

A :class:`Redactor` knows the secrets of one connection (bearer token, basic-auth password,
exec-plugin output that ended up as a token) by reading the ``kubernetes`` ``Configuration``
each time it runs, so a token refreshed by an exec plugin is covered too. It also scrubs
anything shaped like an ``Authorization`` value, in case a server or proxy echoes one back,
and the stderr of a failed exec credential plugin (it may print the token it failed to use).

The ``kubernetes`` library logs exec-plugin failures, stderr included, on the root logger at
ERROR. :func:`install_library_redaction` (called for every connection loaded by
``ExtensionsClient.from_kubeconfig`` / ``in_cluster``) puts one :class:`RedactingFilter` on the
root logger, acting only on records that come from the ``kubernetes`` package, and on the
library's own named loggers; installing it again changes nothing.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["REDACTED", "RedactingFilter", "Redactor", "install_library_redaction", "secrets_of"]

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
# "token: x", '"access_token": "x"', "password=x", "client-secret: x".
_SECRET_FIELD = re.compile(
    r"(?i)(\b(?:access[_-]?token|id[_-]?token|refresh[_-]?token|token|password|"
    r"client[_-]?secret)\b['\"]?\s*[:=]\s*['\"]?)(?!<redacted>)[^'\"\s,;}]+"
)
# The kubernetes library's message for a failed exec plugin: "exec: process returned N. <stderr>"
_EXEC_STDERR = re.compile(r"(exec: process returned -?\d+)\. .*", re.DOTALL)
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
        text = _EXEC_STDERR.sub(lambda m: f"{m.group(1)}. stderr: {REDACTED}", text)
        text = _PEM_KEY.sub(REDACTED, text)
        text = _SCHEME_VALUE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
        text = _SECRET_FIELD.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
        return _AUTH_FIELD.sub(lambda m: f"{m.group(1)}{REDACTED}", text)

    def __repr__(self) -> str:
        return "Redactor()"


class RedactingFilter(logging.Filter):
    """A logging filter that redacts every record it sees (it never drops one).

    The client installs one on the ``kubernetes`` library's loggers (see
    :func:`install_library_redaction`). Attach another to your own handler if you log at DEBUG
    with other third-party code that might print credentials::

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


# --------------------------------------------------------------------------- library loggers

# Loggers of the kubernetes library that log under their own name (the ApiClient's debug
# logger is called "client"); exec-plugin failures go to the root logger instead.
_LIBRARY_LOGGERS = ("kubernetes", "client")


class _LibraryFilter(RedactingFilter):
    """The one filter on the kubernetes library's loggers: redacts records of the library
    with the secrets of every live connection; other records on the root logger pass as is."""

    def __init__(self) -> None:
        self._configurations: weakref.WeakSet[Any] = weakref.WeakSet()
        self.library_dir = os.sep + "kubernetes" + os.sep  # set to the real one on install
        super().__init__(Redactor(self._secrets))

    def watch(self, configuration: Any) -> None:
        self._configurations.add(configuration)

    def _secrets(self) -> list[str]:
        return [s for c in list(self._configurations) for s in secrets_of(c)]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "root" and not (record.pathname or "").startswith(self.library_dir):
            return True  # the application's own root-logger record: not ours to touch
        return super().filter(record)


_LIBRARY_FILTER = _LibraryFilter()
_INSTALL_LOCK = threading.Lock()


def install_library_redaction(configuration: Any = None) -> RedactingFilter:
    """Put the library filter on the root logger and the ``kubernetes`` library's loggers
    (once; later calls only add ``configuration``'s secrets) and return it.

    ``configuration`` is a ``kubernetes.client.Configuration`` whose credentials (read each
    time a record is filtered, so refreshed tokens are covered) are scrubbed from the library's
    log records while it is alive. Patterns (``Bearer ...``, ``token: ...``, exec-plugin
    stderr) are scrubbed regardless.
    """
    import kubernetes

    with _INSTALL_LOCK:
        _LIBRARY_FILTER.library_dir = os.path.dirname(os.path.abspath(kubernetes.__file__)) + os.sep
        if configuration is not None:
            _LIBRARY_FILTER.watch(configuration)
        names = [*_LIBRARY_LOGGERS,
                 *(n for n in list(logging.Logger.manager.loggerDict)
                   if n.startswith("kubernetes."))]
        for logger in (logging.getLogger(), *(logging.getLogger(n) for n in names)):
            if _LIBRARY_FILTER not in logger.filters:
                logger.addFilter(_LIBRARY_FILTER)
    return _LIBRARY_FILTER
