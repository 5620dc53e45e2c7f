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
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar, Union

import pydantic

from .._errors import ManifestValidationError, ObjectRef, Problem
from ._base import KubeModel, WireModel
from ._common import ObjectMeta, PolicyStatus
from ._context import Context, UnknownFields
from ._fast import CRD_KINDS, is_valid
from ._limits import MAX_PROBLEMS, LimitError, clip, describe, path_of, scan
from ._profiles import CRDProfile, ProfileChoice, get_profile
from ._rules import Choice, Items, MapOf, Number, PatternSpec, Text

__all__ = ["Context", "build", "check_assignment", "ensure_valid", "validate_manifest",
           "validate_model_data", "walk"]

M = TypeVar("M", bound=KubeModel)

# Kinds with compiled checkers: a manifest they accept needs no walk (see ._codegen).
_FAST_KINDS = frozenset(CRD_KINDS.values())

# Parts of an object whose unknown fields are never errors: metadata carries many
# server-populated fields, and status is written by controllers, not by people.
_OPEN_MODELS: frozenset[type[WireModel]] = frozenset({ObjectMeta, PolicyStatus})


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


_describe = describe


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
                got = _describe(value)
                if lo is not None and hi is not None:
                    ctx.add(path, f"must be between {lo} and {hi}, got {got}")
                elif lo is not None:
                    ctx.add(path, f"must be at least {lo}, got {got}")
                else:
                    ctx.add(path, f"must be at most {hi}, got {got}")
        elif isinstance(rule, Items):
            n = len(value)
            most = rule.max_items
            if callable(most):
                most = most(ctx.rules) if ctx.rules is not None else None
            if rule.min_items is not None and n < rule.min_items:
                ctx.add(path, f"must have at least {_plural(rule.min_items, 'item')}, got {n}")
            elif most is not None and n > most:
                ctx.add(path, f"must have at most {_plural(most, 'item')}, got {n}")
                return  # the items of a list that is too long are not looked at
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
        return  # the entries of a map that is too big are not looked at
    for key, val in value.items():
        if ctx.full:  # the rest of the map is not looked at
            ctx.dropped += 1
            break
        kpath = f"{path}[{clip(key) if isinstance(key, str) else _describe(key)}]"
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
                    if ctx.full:  # counted only: no suggestion is computed
                        ctx.dropped += 1
                        continue
                    shown = clip(key) if isinstance(key, str) else _describe(key)
                    ctx.add(f"{path}.{shown}" if path else shown, _unknown_message(key, known))
        for rule in _cross_rules(model):
            rule(data, path, ctx)
    finally:
        if is_open:
            ctx.open_depth -= 1


def _unknown_message(key: Any, known: frozenset[str]) -> str:
    import difflib

    if not isinstance(key, str):
        return f"keys must be strings, got {_describe(key)}"
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6) if len(
        key) <= 100 else []
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown field {clip(key)!r}{hint}"


CrossRule = Callable[[Mapping[str, Any], str, Context], None]


@cache
def _cross_rules(model: type[WireModel]) -> tuple[CrossRule, ...]:
    from ._crossfield import CROSS_FIELD_RULES

    return CROSS_FIELD_RULES.get(model.__name__, ())


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
    """Every problem of ``data`` as a manifest of ``model`` (empty when valid).

    The compiled checker answers first (see :mod:`._codegen`); only a manifest it does not
    accept is walked, to list its problems."""
    prof = get_profile(profile)
    kind = model.__resource__.kind
    if kind in _FAST_KINDS and is_valid(data, kind, prof, unknown_fields):
        return []
    return walk(model, data, prof, unknown_fields)


def walk(model: type[KubeModel], data: Mapping[str, Any], prof: CRDProfile,
         unknown_fields: UnknownFields = UnknownFields.REJECT) -> list[Problem]:
    """Every problem of ``data`` as a manifest of ``model``, found by walking the model
    (what the compiled checkers must agree with)."""
    info = model.__resource__
    ctx = Context(kind=info.kind, profile=prof, rules=prof.rules_for(info.kind),
                  unknown_fields=unknown_fields)
    if not isinstance(data, Mapping):
        ctx.add("", f"a manifest must be a mapping, got {_describe(data)}")
        return ctx.problems
    try:
        scan(data)
    except LimitError as err:
        return [Problem(path_of(err.parts[::-1]), err.message)]
    api_version, kind = data.get("apiVersion"), data.get("kind")
    # Missing apiVersion/kind are reported as required fields by the model walk below.
    if api_version is not None and api_version != info.api_version:
        ctx.add("apiVersion", f"must be {info.api_version!r}, got {_describe(api_version)}")
    if kind is not None and kind != info.kind:
        ctx.add("kind", f"must be {info.kind!r}, got {_describe(kind)}")
    if data.get("metadata") is None:
        ctx.add("metadata.name", "is required (or metadata.generateName)")
    _check_model(model, data, "", ctx)
    return ctx.finish()


def validate_manifest(
    manifest: Mapping[str, Any],
    *,
    profile: ProfileChoice = None,
    unknown_fields: UnknownFields = UnknownFields.REJECT,
) -> list[Problem]:
    """Every problem of a manifest of one of the modelled kinds (empty when valid).

    The kind is taken from the manifest's ``apiVersion`` and ``kind``. This is the walk:
    :func:`gke_service_extensions.models.validate_manifest` tries the compiled checker
    first and comes here only for a manifest it did not accept.
    """
    if not isinstance(manifest, Mapping):
        return [Problem("", f"a manifest must be a mapping, got {_describe(manifest)}")]
    api_version, kind = manifest.get("apiVersion"), manifest.get("kind")
    model = None
    if isinstance(api_version, str) and isinstance(kind, str):
        model = _crd_models().get((api_version, kind))
    if model is None:
        known = ", ".join(f"{a}/{k}" for a, k in _crd_models())
        return [Problem("kind", f"unknown apiVersion/kind {_show(api_version)}/"
                                f"{_show(kind)}; known: {known}")]
    return walk(model, manifest, get_profile(profile), unknown_fields)


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


def _show(value: Any) -> str:
    return clip(value) if isinstance(value, str) else _describe(value)


def _object_ref(model: type[KubeModel], data: Mapping[str, Any]) -> ObjectRef:
    meta = data.get("metadata") if isinstance(data, Mapping) else None
    name = meta.get("name") if isinstance(meta, Mapping) else None
    ns = meta.get("namespace") if isinstance(meta, Mapping) else None
    # names are echoed in messages: bounded, whatever was given
    return ObjectRef(model.__resource__.kind, clip(name, 253) if isinstance(name, str) else None,
                     clip(ns, 63) if isinstance(ns, str) else None)


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
    """Validate (unless the object is trusted) and build the typed object.

    A trusted object (``UnknownFields.PRESERVE``, or a lenient read-side kind) is not
    coerced: a value of the wrong type is kept exactly as given, so that ``to_manifest()``
    gives back what the cluster sent.
    """
    fixes: list[tuple[tuple[str | int, ...], Any]] = []
    if unknown_fields is UnknownFields.REJECT and model in _crd_models().values():
        ensure_valid(model, data, profile=profile, document_index=document_index)
    else:
        if not isinstance(data, Mapping):
            raise ManifestValidationError(
                [Problem("", f"a manifest must be a mapping, got {_describe(data)}")],
                obj=ObjectRef(model.__resource__.kind), document_index=document_index)
        try:
            scan(data)
        except LimitError as err:
            raise ManifestValidationError([Problem(path_of(err.parts[::-1]), err.message)],
                                          obj=_object_ref(model, data),
                                          document_index=document_index) from None
        data = _split_ill_typed(model, data, (), fixes)
    try:
        obj = model.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = [Problem(_loc_path(err["loc"]), err["msg"])
                    for err in exc.errors()[:MAX_PROBLEMS]]
        raise ManifestValidationError(problems, obj=_object_ref(model, data),
                                      document_index=document_index) from None
    for attrs, raw in fixes:
        _put_back(obj, attrs, raw)
    return obj


# --------------------------------------------------------------------------- trusted objects

_DROP: Any = object()


def _placeholder(shape: _Shape) -> Any:
    """A value of the right type, standing in for an ill-typed one while pydantic builds."""
    if shape.kind == "model" and shape.model is not None:
        plans, _ = _plan(shape.model)
        return {w: _placeholder(p.shape) for w, p in plans.items() if p.required}
    return {"str": "", "int": 0, "bool": False, "float": 0.0, "list": [], "map": {}}.get(
        shape.kind)


def _split_value(shape: _Shape, value: Any, attrs: tuple[str | int, ...],
                 fixes: list[tuple[tuple[str | int, ...], Any]]) -> Any:
    kind = shape.kind
    if not _type_ok(kind, value):
        return _DROP
    if kind == "list" and shape.item is not None:
        out: list[Any] | None = None
        for i, item in enumerate(value):
            new = _DROP if item is None else _split_value(shape.item, item, (*attrs, i), fixes)
            if new is _DROP:
                fixes.append(((*attrs, i), item))
                new = _placeholder(shape.item)
            if new is not item:
                if out is None:
                    out = list(value)
                out[i] = new
        return value if out is None else out
    if kind == "map":
        ok = all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        return value if ok else _DROP
    if kind == "model" and shape.model is not None:
        return _split_ill_typed(shape.model, value, attrs, fixes)
    return value


def _split_ill_typed(model: type[WireModel], data: Mapping[str, Any],
                     attrs: tuple[str | int, ...],
                     fixes: list[tuple[tuple[str | int, ...], Any]]) -> Mapping[str, Any]:
    """``data`` with every value of the wrong type for ``model`` replaced by a stand-in (or
    removed); each original is recorded in ``fixes`` to be put back after pydantic built
    the object, so that nothing is coerced (``'443'`` stays a string)."""
    plans, _ = _plan(model)
    out: dict[str, Any] | None = None
    for wire, plan in plans.items():
        value = data.get(wire)
        if value is None:
            continue
        new = _split_value(plan.shape, value, (*attrs, plan.attr), fixes)
        if new is _DROP:
            fixes.append(((*attrs, plan.attr), value))
            if out is None:
                out = dict(data)
            if plan.required:
                out[wire] = _placeholder(plan.shape)
            else:
                del out[wire]
        elif new is not value:
            if out is None:
                out = dict(data)
            out[wire] = new
    return data if out is None else out


def _put_back(obj: Any, attrs: tuple[str | int, ...], raw: Any) -> None:
    for part in attrs[:-1]:
        obj = obj[part] if isinstance(part, int) else getattr(obj, part)
    last = attrs[-1]
    if isinstance(last, int):
        obj[last] = raw
    else:
        obj.__dict__[last] = raw
        obj.model_fields_set.add(last)


def _loc_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
