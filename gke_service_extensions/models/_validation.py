"""Validation of manifests in wire form, with YAML paths and plain-English messages.

Structural rules (types, lengths, patterns, enums, item counts, ranges) are read from the
``Annotated`` metadata of the model fields (see :mod:`._rules`), compiled once per class.
Cross-field rules (the CRDs' ``x-kubernetes-validations`` and GKE's documented rules) are
functions in :mod:`._crossfield`. Every problem is collected; nothing stops at the first.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar, Union

import pydantic

from .._errors import ManifestValidationError, ObjectRef, Problem
from ._base import KubeModel, UnknownFields, WireModel
from ._common import ObjectMeta, PolicyStatus
from ._profiles import CRDProfile, KindRules, ProfileChoice, get_profile
from ._rules import Choice, Items, MapOf, Number, PatternSpec, Text

__all__ = ["Context", "build", "check_assignment", "ensure_valid", "validate_manifest",
           "validate_model_data"]

M = TypeVar("M", bound=KubeModel)

# Parts of an object whose unknown fields are never errors: metadata carries many
# server-populated fields, and status is written by controllers, not by people.
_OPEN_MODELS: frozenset[type[WireModel]] = frozenset({ObjectMeta, PolicyStatus})


@dataclass(slots=True)
class Context:
    """What a validation run needs besides the data."""

    kind: str
    profile: CRDProfile
    rules: KindRules | None
    unknown_fields: UnknownFields
    problems: list[Problem] = field(default_factory=list)
    open_depth: int = 0

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))


# --------------------------------------------------------------------------- shapes


@dataclass(frozen=True, slots=True)
class _Shape:
    kind: str  # "str" | "int" | "bool" | "float" | "list" | "map" | "model" | "any"
    constraints: tuple[Any, ...] = ()
    item: _Shape | None = None
    model: type[WireModel] | None = None


@dataclass(frozen=True, slots=True)
class _FieldPlan:
    attr: str
    wire: str
    required: bool
    shape: _Shape


def _shape_of(annotation: Any, extra: tuple[Any, ...] = ()) -> _Shape:
    constraints = list(extra)
    origin = typing.get_origin(annotation)
    while origin is typing.Annotated:
        args = typing.get_args(annotation)
        annotation = args[0]
        constraints.extend(args[1:])
        origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        non_none = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(non_none) == 1:
            return _shape_of(non_none[0], tuple(constraints))
        return _Shape("any", tuple(constraints))
    rules = tuple(c for c in constraints if isinstance(c, Text | Number | Items | Choice | MapOf))
    if origin is list:
        (item_ann,) = typing.get_args(annotation)
        return _Shape("list", rules, item=_shape_of(item_ann))
    if origin is dict:
        return _Shape("map", rules)
    if isinstance(annotation, type) and issubclass(annotation, WireModel):
        return _Shape("model", rules, model=annotation)
    if annotation is str:
        return _Shape("str", rules)
    if annotation is bool:
        return _Shape("bool", rules)
    if annotation is int:
        return _Shape("int", rules)
    if annotation is float:
        return _Shape("float", rules)
    return _Shape("any", rules)


@cache
def _plan(model: type[WireModel]) -> tuple[dict[str, _FieldPlan], frozenset[str]]:
    plans: dict[str, _FieldPlan] = {}
    for attr, info in model.model_fields.items():
        wire = info.alias or attr
        shape = _shape_of(info.annotation, tuple(info.metadata))
        plans[wire] = _FieldPlan(attr, wire, info.is_required(), shape)
    return plans, frozenset(plans)


# --------------------------------------------------------------------------- messages

_TYPE_WORDS = {"str": "a string", "int": "an integer", "bool": "a boolean (true or false)",
               "float": "a number", "list": "a list", "map": "a mapping", "model": "a mapping"}


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 80 else repr(value[:77] + "...")
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return repr(value)


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    if kind in ("map", "model"):
        return isinstance(value, Mapping)
    return True


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --------------------------------------------------------------------------- structure


def _check_text(rule: Text, value: str, path: str, ctx: Context) -> None:
    n = len(value)
    if rule.min_len is not None and n < rule.min_len:
        if rule.min_len == 1:
            ctx.add(path, "must not be empty")
        else:
            ctx.add(path, f"must be at least {_plural(rule.min_len, 'character')}, got {n}")
        return
    if rule.max_len is not None and n > rule.max_len:
        ctx.add(path, f"must be at most {_plural(rule.max_len, 'character')}, got {n}")
        return
    pattern = rule.pattern
    if pattern is None:
        return
    if not isinstance(pattern, PatternSpec):
        if ctx.rules is None:
            return
        pattern = pattern(ctx.rules)
    if not pattern.matches(value):
        ctx.add(path, f"must be {pattern.means}, got {_describe(value)}")


def _check_value(shape: _Shape, value: Any, path: str, ctx: Context) -> None:
    if not _type_ok(shape.kind, value):
        ctx.add(path, f"must be {_TYPE_WORDS[shape.kind]}, got {_describe(value)}")
        return
    for rule in shape.constraints:
        if isinstance(rule, Choice):
            values = rule.values
            if callable(values):
                if ctx.rules is None:
                    continue
                values = values(ctx.rules)
            if value not in values:
                shown = ", ".join(repr(v) if v == "" else v for v in values)
                hint = f" ({rule.hint})" if rule.hint else ""
                if len(values) == 1:
                    ctx.add(path, f"must be {shown}{hint}, got {_describe(value)}")
                else:
                    ctx.add(path, f"must be one of {shown}{hint}, got {_describe(value)}")
                break
        elif isinstance(rule, Text) and isinstance(value, str):
            _check_text(rule, value, path, ctx)
        elif isinstance(rule, Number):
            if rule.when is not None and (ctx.rules is None or not rule.when(ctx.rules)):
                continue
            lo, hi = rule.minimum, rule.maximum
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                if lo is not None and hi is not None:
                    ctx.add(path, f"must be between {lo} and {hi}, got {value}")
                elif lo is not None:
                    ctx.add(path, f"must be at least {lo}, got {value}")
                else:
                    ctx.add(path, f"must be at most {hi}, got {value}")
        elif isinstance(rule, Items):
            n = len(value)
            most = rule.max_items
            if callable(most):
                most = most(ctx.rules) if ctx.rules is not None else None
            if rule.min_items is not None and n < rule.min_items:
                ctx.add(path, f"must have at least {_plural(rule.min_items, 'item')}, got {n}")
            elif most is not None and n > most:
                ctx.add(path, f"must have at most {_plural(most, 'item')}, got {n}")
        elif isinstance(rule, MapOf):
            _check_map(rule, value, path, ctx)
    if shape.kind == "list" and shape.item is not None:
        for i, item in enumerate(value):
            _check_value(shape.item, item, f"{path}[{i}]", ctx)
    elif shape.kind == "model" and shape.model is not None:
        _check_model(shape.model, value, path, ctx)


def _check_map(rule: MapOf, value: Mapping[Any, Any], path: str, ctx: Context) -> None:
    if rule.max_props is not None and len(value) > rule.max_props:
        ctx.add(path, f"must have at most {_plural(rule.max_props, 'entry')}"
                      .replace("entrys", "entries") + f", got {len(value)}")
    for key, val in value.items():
        kpath = f"{path}[{key}]"
        if not isinstance(key, str):
            ctx.add(kpath, f"keys must be strings, got {_describe(key)}")
            continue
        if rule.key is not None:
            before = len(ctx.problems)
            _check_text(rule.key, key, kpath, ctx)
            for i in range(before, len(ctx.problems)):
                p = ctx.problems[i]
                ctx.problems[i] = Problem(p.path, "key " + p.message)
        if not isinstance(val, str):
            ctx.add(kpath, f"must be a string, got {_describe(val)}")
        elif rule.value is not None:
            _check_text(rule.value, val, kpath, ctx)


def _check_model(model: type[WireModel], data: Mapping[str, Any], path: str, ctx: Context) -> None:
    plans, known = _plan(model)
    is_open = model in _OPEN_MODELS
    if is_open:
        ctx.open_depth += 1
    try:
        for wire, plan in plans.items():
            fpath = f"{path}.{wire}" if path else wire
            value = data.get(wire)
            if value is None:
                if plan.required:
                    ctx.add(fpath, "is required" if wire not in data else "is required, got null")
                continue
            _check_value(plan.shape, value, fpath, ctx)
        if ctx.unknown_fields is UnknownFields.REJECT and ctx.open_depth == 0:
            for key in data:
                if key not in known:
                    ctx.add(f"{path}.{key}" if path else str(key), _unknown_message(key, known))
        for rule in _cross_rules(model):
            rule(data, path, ctx)
    finally:
        if is_open:
            ctx.open_depth -= 1


def _unknown_message(key: Any, known: frozenset[str]) -> str:
    import difflib

    close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown field {str(key)!r}{hint}"


CrossRule = Callable[[Mapping[str, Any], str, Context], None]


@cache
def _cross_rules(model: type[WireModel]) -> tuple[CrossRule, ...]:
    from ._crossfield import CROSS_FIELD_RULES

    return tuple(CROSS_FIELD_RULES.get(model, ()))


# --------------------------------------------------------------------------- entry points


@cache
def _crd_models() -> dict[tuple[str, str], type[KubeModel]]:
    """The three CRD models (the kinds validated against CRD rules) by apiVersion/kind."""
    from ._registry import MODELS

    return {(m.__resource__.api_version, m.__resource__.kind): m for m in MODELS}


def validate_model_data(
    model: type[KubeModel],
    data: Mapping[str, Any],
    *,
    profile: ProfileChoice = None,
    unknown_fields: UnknownFields = UnknownFields.REJECT,
) -> list[Problem]:
    """Every problem of ``data`` as a manifest of ``model`` (empty when valid)."""
    prof = get_profile(profile)
    info = model.__resource__
    rules: KindRules | None = None
    if info.kind == "GCPTrafficExtension":
        rules = prof.traffic
    elif info.kind == "GCPRoutingExtension":
        rules = prof.routing
    ctx = Context(kind=info.kind, profile=prof, rules=rules, unknown_fields=unknown_fields)
    if not isinstance(data, Mapping):
        ctx.add("", f"a manifest must be a mapping, got {_describe(data)}")
        return ctx.problems
    api_version, kind = data.get("apiVersion"), data.get("kind")
    # Missing apiVersion/kind are reported as required fields by the model walk below.
    if api_version is not None and api_version != info.api_version:
        ctx.add("apiVersion", f"must be {info.api_version!r}, got {_describe(api_version)}")
    if kind is not None and kind != info.kind:
        ctx.add("kind", f"must be {info.kind!r}, got {_describe(kind)}")
    if data.get("metadata") is None:
        ctx.add("metadata.name", "is required (or metadata.generateName)")
    _check_model(model, data, "", ctx)
    return ctx.problems


def validate_manifest(
    manifest: Mapping[str, Any],
    *,
    profile: ProfileChoice = None,
    unknown_fields: UnknownFields = UnknownFields.REJECT,
) -> list[Problem]:
    """Every problem of a manifest of one of the modelled kinds (empty when valid).

    The kind is taken from the manifest's ``apiVersion`` and ``kind``. This is what the
    simulator's API server answers 422 Invalid with; :meth:`from_manifest` raises instead.
    """
    if not isinstance(manifest, Mapping):
        return [Problem("", f"a manifest must be a mapping, got {_describe(manifest)}")]
    model = _crd_models().get((manifest.get("apiVersion"), manifest.get("kind")))  # type: ignore[arg-type]
    if model is None:
        known = ", ".join(f"{a}/{k}" for a, k in _crd_models())
        return [Problem("kind", f"unknown apiVersion/kind {manifest.get('apiVersion')}/"
                                f"{manifest.get('kind')}; known: {known}")]
    return validate_model_data(model, manifest, profile=profile, unknown_fields=unknown_fields)


@cache
def _plans_by_attr(model: type[WireModel]) -> dict[str, _FieldPlan]:
    return {p.attr: p for p in _plan(model)[0].values()}


@cache
def _default_profile() -> CRDProfile:
    return get_profile(None)


def check_assignment(model: type[WireModel], attr: str, value: Any) -> list[Problem]:
    """Problems of ``value`` (wire form) as the new value of ``model.attr``: the field's own
    rules shared by every CRD profile (profile-dependent and cross-field rules are left to
    ``validated()``); unknown fields inside ``value`` are kept, not reported."""
    plan = _plans_by_attr(model).get(attr)
    if plan is None:
        return []
    ctx = Context(kind=model.__name__, profile=_default_profile(), rules=None,
                  unknown_fields=UnknownFields.PRESERVE)
    if value is None:
        if plan.required:
            ctx.add(plan.wire, "is required, got null")
        return ctx.problems
    _check_value(plan.shape, value, plan.wire, ctx)
    return ctx.problems


def _object_ref(model: type[KubeModel], data: Mapping[str, Any]) -> ObjectRef:
    meta = data.get("metadata") if isinstance(data, Mapping) else None
    name = meta.get("name") if isinstance(meta, Mapping) else None
    ns = meta.get("namespace") if isinstance(meta, Mapping) else None
    return ObjectRef(model.__resource__.kind, name if isinstance(name, str) else None,
                     ns if isinstance(ns, str) else None)


def ensure_valid(
    model: type[KubeModel],
    data: Mapping[str, Any],
    *,
    profile: ProfileChoice = None,
    document_index: int | None = None,
) -> None:
    """Raise ManifestValidationError listing every problem of ``data`` as a ``model``."""
    prof = get_profile(profile)
    problems = validate_model_data(model, data, profile=prof)
    if problems:
        raise ManifestValidationError(problems, obj=_object_ref(model, data),
                                      profile=prof.name, document_index=document_index,
                                      profile_source=prof.source)


def build(
    model: type[M],
    data: Mapping[str, Any],
    *,
    unknown_fields: UnknownFields = UnknownFields.REJECT,
    profile: ProfileChoice = None,
    document_index: int | None = None,
) -> M:
    """Validate (unless the object is trusted) and build the typed object."""
    if unknown_fields is UnknownFields.REJECT and model in _crd_models().values():
        ensure_valid(model, data, profile=profile, document_index=document_index)
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = [Problem(_loc_path(err["loc"]), err["msg"]) for err in exc.errors()]
        raise ManifestValidationError(problems, obj=_object_ref(model, data),
                                      document_index=document_index) from None


def _loc_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
