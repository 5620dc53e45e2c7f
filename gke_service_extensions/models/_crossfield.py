"""Cross-field rules: the CRDs' ``x-kubernetes-validations`` and GKE's documented rules.

Each rule reads the wire-form mapping defensively (a field of the wrong type counts as
absent: the structural check reports it) and adds problems with YAML paths. The rules that
differ between CRD generations read :class:`~._profiles.KindRules`; the table is in
:mod:`._profiles`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeGuard

from ._profiles import ALL_EVENTS, BACKEND_KIND_GROUPS

if TYPE_CHECKING:
    from ._context import Context

__all__ = ["CROSS_FIELD_RULES", "parse_duration_ms"]

_DURATION_PART = re.compile(r"([0-9]{1,5})(h|ms|m|s)")
_UNIT_MS = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
MIN_TIMEOUT_MS, MAX_TIMEOUT_MS = 10, 10_000
WASM_EVENTS = ("RequestHeaders", "RequestBody", "ResponseHeaders", "ResponseBody")
BODY_MODE_BACKENDS = ("Service", "ServiceImport", "ApigeeBackendService")
_BODY_MODES = (("requestBodySendMode", "RequestBody", "RequestTrailers"),
               ("responseBodySendMode", "ResponseBody", "ResponseTrailers"))


@functools.lru_cache(maxsize=1024)
def parse_duration_ms(text: str) -> float | None:
    """Milliseconds of a CRD duration such as ``1s500ms`` (``None`` if it does not parse)."""
    pos, total = 0, 0.0
    for m in _DURATION_PART.finditer(text):
        if m.start() != pos:
            return None
        total += int(m.group(1)) * _UNIT_MS[m.group(2)]
        pos = m.end()
    return total if pos == len(text) and pos > 0 else None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _is_map(value: Any) -> TypeGuard[Mapping[str, Any]]:
    # a dict first: isinstance() against the Mapping ABC is slow on the common path
    return type(value) is dict or isinstance(value, Mapping)


def _str(data: Mapping[str, Any], key: str) -> str | None:
    v = data.get(key)
    return v if isinstance(v, str) else None


def _indexed_events(data: Mapping[str, Any]) -> list[tuple[int, str]]:
    v = data.get("supportedEvents")
    return [(i, e) for i, e in enumerate(v) if e in ALL_EVENTS] if isinstance(v, list) else []


def _fmt(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


# --------------------------------------------------------------------------- backendRef


def _backend_ref_rules(data: Mapping[str, Any], path: str, ctx: Context) -> None:
    kind = data.get("kind", "Service")
    group = data.get("group", "")
    if not isinstance(kind, str) or not isinstance(group, str):
        return
    want = BACKEND_KIND_GROUPS.get(kind)
    if want is not None and group != want:
        shown = '"" (empty)' if want == "" else want
        ctx.add(_join(path, "group"), f"must be {shown} when kind is {kind}, got {group!r}")
    if kind in ("Service", "ServiceImport") and data.get("port") is None:
        ctx.add(_join(path, "port"), f"is required when kind is {kind}")
    if kind == "GCPWasmPlugin" and data.get("port") is not None:
        ctx.add(_join(path, "port"), "must not be set when kind is GCPWasmPlugin")


# --------------------------------------------------------------------------- extension


def _extension_rules(data: Mapping[str, Any], path: str, ctx: Context) -> None:
    rules = ctx.rules
    if rules is None:
        return
    timeout = data.get("timeout")
    if not isinstance(timeout, str):
        timeout = None
    ref: Any = data.get("backendRef")
    has_backend = _is_map(ref)
    kind: str | None = None
    if has_backend:
        kind = ref.get("kind", "Service")
        if not isinstance(kind, str):
            kind = None
    has_google = data.get("googleAPIServiceName") is not None
    authority = data.get("authority")
    indexed_events = _indexed_events(data)
    events = [e for _, e in indexed_events]

    # 1. timeout range
    if timeout is not None:
        ms = parse_duration_ms(timeout)
        if ms is not None and not MIN_TIMEOUT_MS <= ms <= MAX_TIMEOUT_MS:
            ctx.add(_join(path, "timeout"),
                    f"timeout must be between 10ms and 10s, got {timeout}")

    # 4. exactly one of backendRef / googleAPIServiceName
    if has_backend and has_google:
        ctx.add(path, "exactly one of backendRef or googleAPIServiceName must be set, got both")
    elif not has_backend and not has_google:
        ctx.add(path, "exactly one of backendRef or googleAPIServiceName must be set, "
                      "got neither")

    # 3. authority
    if kind in ("Service", "ServiceImport") and not authority:
        ctx.add(_join(path, "authority"), f"is required when backendRef.kind is {kind}")
    if authority is not None:
        if kind in ("GCPWasmPlugin", "ApigeeBackendService"):
            ctx.add(_join(path, "authority"), f"must not be set when backendRef.kind is {kind}")
        elif has_google:
            ctx.add(_join(path, "authority"),
                    "must not be set when googleAPIServiceName is set")

    # 2. GCPWasmPlugin backends
    if kind == "GCPWasmPlugin":
        if timeout is not None:
            ctx.add(_join(path, "timeout"), "must not be set when backendRef.kind is GCPWasmPlugin")
        if data.get("metadata") is not None:
            ctx.add(_join(path, "metadata"),
                    "must not be set when backendRef.kind is GCPWasmPlugin")
        for i, e in indexed_events:
            if e not in WASM_EVENTS:
                ctx.add(f"{_join(path, 'supportedEvents')}[{i}]",
                        f"GCPWasmPlugin backends support only {_fmt(WASM_EVENTS)}, got {e}")

    # 7. events required / allowed for the kind
    if rules.require_supported_events and not events:
        ctx.add(_join(path, "supportedEvents"),
                f"must list at least one event for {ctx.kind} (required by the "
                f"{ctx.profile.name!r} CRD profile)")
    for i, e in indexed_events:
        if e not in rules.allowed_events:
            ctx.add(f"{_join(path, 'supportedEvents')}[{i}]",
                    f"{ctx.kind} supports only request events "
                    f"({_fmt(rules.allowed_events)}), got {e}")

    # 5. body send modes
    for key, body_event, trailer_event in _BODY_MODES:
        mode = _str(data, key)
        if mode is None:
            continue
        if kind not in BODY_MODE_BACKENDS:
            ctx.add(_join(path, key), "can be set only for backendRef kinds "
                                      f"{_fmt(BODY_MODE_BACKENDS).replace(' and ', ' or ')}")
        if mode == "Streamed" and body_event not in events:
            ctx.add(_join(path, key),
                    f"Streamed needs {body_event} in supportedEvents")
        elif mode == "FullDuplexStreamed" and not (body_event in events
                                                   and trailer_event in events):
            ctx.add(_join(path, key),
                    f"FullDuplexStreamed needs both {body_event} and {trailer_event} "
                    "in supportedEvents")

    # 6. observabilityMode
    obs = data.get("observabilityMode")
    if obs is not None and not rules.observability_mode:
        ctx.add(_join(path, "observabilityMode"),
                f"is not supported by {ctx.kind} under the {ctx.profile.name!r} CRD profile")
    elif obs is True:
        for key in ("requestBodySendMode", "responseBodySendMode"):
            mode = _str(data, key)
            if mode is not None and mode != "Streamed":
                ctx.add(_join(path, key),
                        f"must be unset or Streamed when observabilityMode is true, got {mode}")


# --------------------------------------------------------------------------- CEL expression


def _cel_expression_rules(data: Mapping[str, Any], path: str, ctx: Context) -> None:
    rules = ctx.rules
    if rules is None:
        return
    refs = data.get("backendRefs")
    if isinstance(refs, list):
        rpath = _join(path, "backendRefs")
        for i, ref in enumerate(refs):
            if not _is_map(ref):
                continue
            kind = ref.get("kind", "Service")
            if isinstance(kind, str) and kind in rules.backend_kinds \
                    and kind not in rules.cel_backend_kinds:
                ctx.add(f"{rpath}[{i}].kind",
                        f"only {_fmt(rules.cel_backend_kinds).replace(' and ', ' or ')} "
                        f"backendRefs are supported in a CEL expression, got {kind}")
    matcher = _str(data, "celMatcher")
    if matcher is not None and len(matcher) <= 512:
        for message in _check_matcher()(matcher, rules.cel_extra_attributes):
            ctx.add(_join(path, "celMatcher"), message)


@functools.cache
def _check_matcher() -> Callable[[str, frozenset[str]], list[str]]:
    from ._cel import check_matcher  # loaded once, on the first matcher

    return check_matcher


# --------------------------------------------------------------------------- wasm plugin


def _wasm_spec_rules(data: Mapping[str, Any], path: str, ctx: Context) -> None:
    versions = data.get("versions")
    if not isinstance(versions, list):
        return
    vpath = _join(path, "versions")
    seen: dict[str, int] = {}
    for i, v in enumerate(versions):
        if not _is_map(v) or not isinstance(v.get("name"), str):
            continue
        name = v["name"]
        if name in seen:
            ctx.add(f"{vpath}[{i}].name",
                    f"version name {name!r} is already used by {vpath}[{seen[name]}]; "
                    "version names must be unique")
        else:
            seen[name] = i
    serving = [
        str(v.get("name", f"[{i}]")) for i, v in enumerate(versions)
        if _is_map(v) and isinstance(v.get("weight"), int) and v.get("weight") != 0
    ]
    allowed = ctx.profile.wasm_serving_versions
    if versions and len(serving) != allowed:
        found = f"got {len(serving)}" + (f" ({', '.join(serving)})" if serving else "")
        ctx.add(vpath, f"exactly {allowed} version must have a non-zero weight, {found}")


def _log_config_rules(data: Mapping[str, Any], path: str, ctx: Context) -> None:
    enabled = data.get("enabled") is True
    for key in ("sampleRate", "minLogLevel"):
        if data.get(key) is not None and not enabled:
            ctx.add(_join(path, key), "can be set only when logging is enabled (enabled: true)")


Rule = Callable[[Mapping[str, Any], str, "Context"], None]

def _object_meta_rules(data: Mapping[str, Any], path: str, ctx: Context) -> None:
    if data.get("name") is None and data.get("generateName") is None:
        ctx.add(_join(path, "name"), "is required (or metadata.generateName)")


#: The rules of each model, by model class name (this module imports no model, so that
#: validation of plain data needs neither pydantic nor the model classes).
CROSS_FIELD_RULES: dict[str, tuple[Rule, ...]] = {
    "ObjectMeta": (_object_meta_rules,),
    "BackendRef": (_backend_ref_rules,),
    "Extension": (_extension_rules,),
    "CelExpression": (_cel_expression_rules,),
    "WasmPluginSpec": (_wasm_spec_rules,),
    "LogConfig": (_log_config_rules,),
}
