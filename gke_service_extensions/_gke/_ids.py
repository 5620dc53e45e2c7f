"""The ids GKE gives the Google Cloud resources it makes (SPEC §5).

GKE names a plugin or extension ``PREFIX-NAMESPACE-NAME-SUFFIX`` and each plugin version
``PREFIX-VERSIONNAME-SUFFIX``. The prefix and suffix are hashes GKE does not document:
:func:`generated_id` is the simulator's deterministic stand-in
(``gkegw1-<4>-<parts...>-<12>``, at most 63 characters); :func:`id_names` recognises a
generated id from its readable middle (parts possibly cut short), whatever produced it.
"""

from __future__ import annotations

import functools
import hashlib
import re

__all__ = ["MAX_ID_LENGTH", "generated_id", "id_names", "short_hash"]

MAX_ID_LENGTH = 63
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


@functools.lru_cache(maxsize=8192)
def _hash(text: str, length: int) -> str:
    n = int(hashlib.sha256(text.encode()).hexdigest(), 16)
    out = []
    for _ in range(length):
        n, r = divmod(n, 36)
        out.append(_B36[r])
    return "".join(out)


def short_hash(text: str, length: int) -> str:
    """``length`` base-36 characters derived from ``text`` (deterministic)."""
    return _hash(text, length)


def _clean(part: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", part.lower()).strip("-") or "x"


def generated_id(cluster: str, *parts: str, salt: str = "") -> str:
    """``gkegw1-<4>-<parts...>-<12>``, readable parts shortened to fit 63 characters."""
    prefix = f"gkegw1-{_hash(cluster, 4)}"
    suffix = _hash("/".join((cluster, salt, *parts)), 12)
    room = MAX_ID_LENGTH - len(prefix) - len(suffix) - 2
    cleaned = [_clean(p) for p in parts]
    each = max(1, (room - (len(cleaned) - 1)) // max(1, len(cleaned)))
    middle = "-".join(p[:each].rstrip("-") or "x" for p in cleaned)[:room].rstrip("-")
    return f"{prefix}-{middle}-{suffix}"


def id_names(resource_id: str, *parts: str) -> bool:
    """Whether ``resource_id`` is the id GKE made for ``parts`` (a version name, or a
    namespace and name): the parts joined by ``-`` as they are, or ``PREFIX-<parts>-SUFFIX``
    (``test-k18j-default-gcp-wasm-plugin-itle20jj9nyk`` names ``default``,
    ``gcp-wasm-plugin``). GKE shortens parts to fit 63 characters, so each part may appear
    cut short (``extension-se`` for ``extension-service``).
    """
    cleaned = [_clean(p) for p in parts]
    if resource_id in ("-".join(parts), "-".join(cleaned)):
        return True
    middle = "-".join(
        "(?:" + "|".join(re.escape(c[:k].rstrip("-")) for k in range(len(c), 0, -1)
                         if c[:k].rstrip("-")) + ")"
        for c in cleaned)
    return re.fullmatch(rf".+-{middle}-[a-z0-9]+", resource_id) is not None
