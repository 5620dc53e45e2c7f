"""CustomResourceDefinition manifests generated from the models.

The structural schema (types, required fields, lengths, patterns, enums, item counts,
ranges) comes from the same field metadata the validator reads, under a CRD profile. The
cross-field rules live in Python (:mod:`._crossfield`), not in CEL: a server that needs them
should call :func:`~gke_service_extensions.models.validate_manifest`, as the simulator does.
Only the cross-field rules that differ between generations are also written as
``x-kubernetes-validations``, with the real CRDs' rule and message, so that the generation
can be read back from a served CRD (:func:`~._crd_rules.profile_from_crds`).
"""

from __future__ import annotations

from typing import Any

from ._base import KubeModel, WireModel
from ._common import ObjectMeta
from ._profiles import KindRules, ProfileChoice, get_profile
from ._rules import Choice, Items, MapOf, Number, PatternSpec, Text
from ._validation import _plan, _Shape

__all__ = ["to_crd"]

_TYPES = {"str": "string", "int": "integer", "bool": "boolean", "float": "number",
          "list": "array", "map": "object", "model": "object"}


def _text(rule: Text, rules: KindRules | None, out: dict[str, Any]) -> None:
    if rule.min_len is not None:
        out["minLength"] = rule.min_len
    if rule.max_len is not None:
        out["maxLength"] = rule.max_len
    pattern = rule.pattern
    if pattern is not None and not isinstance(pattern, PatternSpec) and rules is not None:
        pattern = pattern(rules)
    if isinstance(pattern, PatternSpec):
        out["pattern"] = pattern.regex


def _schema(shape: _Shape, rules: KindRules | None) -> dict[str, Any]:
    if shape.kind == "any":
        return {"x-kubernetes-preserve-unknown-fields": True}
    out: dict[str, Any] = {"type": _TYPES[shape.kind]}
    for rule in shape.constraints:
        if isinstance(rule, Text):
            _text(rule, rules, out)
        elif isinstance(rule, Choice):
            values = rule.values
            if callable(values):
                if rules is None:
                    continue
                values = values(rules)
            out["enum"] = list(values)
        elif isinstance(rule, Number):
            if rule.when is not None and (rules is None or not rule.when(rules)):
                continue
            if rule.minimum is not None:
                out["minimum"] = rule.minimum
            if rule.maximum is not None:
                out["maximum"] = rule.maximum
        elif isinstance(rule, Items):
            if rule.min_items is not None:
                out["minItems"] = rule.min_items
            most = rule.max_items
            if callable(most):
                most = most(rules) if rules is not None else None
            if most is not None:
                out["maxItems"] = most
        elif isinstance(rule, MapOf):
            value: dict[str, Any] = {"type": "string"}
            if rule.value is not None:
                _text(rule.value, rules, value)
            out["additionalProperties"] = value
            if rule.max_props is not None:
                out["maxProperties"] = rule.max_props
    if shape.kind == "map" and "additionalProperties" not in out:
        out["additionalProperties"] = {"type": "string"}
    if shape.kind == "list" and shape.item is not None:
        out["items"] = _schema(shape.item, rules)
    if shape.kind == "model" and shape.model is not None:
        out.update(_object(shape.model, rules))
    return out


def _object(model: type[WireModel], rules: KindRules | None) -> dict[str, Any]:
    if model is ObjectMeta:
        return {}
    plans, _ = _plan(model)
    props = {wire: _schema(plan.shape, rules) for wire, plan in plans.items()}
    out: dict[str, Any] = {"properties": props}
    required = [wire for wire, plan in plans.items() if plan.required]
    if required:
        out["required"] = required
    return out


# The CRDs' token pattern for celMatcher; our own check of it is in ._cel, which can say
# where a matcher stops matching (this regex cannot, and backtracks badly in Python).
_CEL_ATTRIBUTES = (
    "request.headers", "request.method", "request.host", "request.path", "request.query",
    "request.scheme", "request.backend_service_num_endpoints", "response.code",
    "response.grpc_status", "response.headers", "source.address", "source.port",
    "connection.requested_server_name", "connection.tls_version",
    "connection.sha256_peer_certificate_digest",
)
_CEL_TAIL = (
    r"""(endsWith)|(startsWith)|(matches)|(contains)|(lowerAscii)|(upperAscii)|(int)|(==)|"""
    r"""(!=)|(&&)|(>=)|(<=)|(>)|(<)|(\|\|)|(!)|(\+)|(\.)|(/)|"""
    r"""('[a-zA-Z0-9\/\-._~%!$&'()*+,;=:\"\\]*')|("[a-zA-Z0-9\/\-._~%!$&'()*+,;=:\"\\]*")|"""
    "(\u201c[a-zA-Z0-9\\/\\-._~%!$&'()*+,;=:\\\"\\\\]*\u201d)|"
    r"""(R"[a-zA-Z0-9\/\-._~%!$&'()*+,;=:\\]*")|[0-9]|(\()|(\))|(\[)|(\]))+$"""
)


def _cel_matcher_pattern(rules: KindRules) -> str:
    from ._cel import ALLOWED_ATTRIBUTES

    allowed = ALLOWED_ATTRIBUTES | rules.cel_extra_attributes
    names = "".join(f"({a})|" for a in _CEL_ATTRIBUTES if a in allowed)
    return f"^(( )|{names}{_CEL_TAIL}"


def _profile_fields(schema: dict[str, Any], rules: KindRules | None, kind: str) -> None:
    """Adjust the extension schema for what the profile allows."""
    if rules is None:
        return
    chain = schema["properties"]["spec"]["properties"]["extensionChains"]["items"]
    ext = chain["properties"]["extensions"]["items"]
    if not rules.observability_mode:
        ext["properties"].pop("observabilityMode", None)
    cel = chain["properties"]["matchCondition"]["properties"]["celExpressions"]["items"]
    cel["properties"]["celMatcher"]["pattern"] = _cel_matcher_pattern(rules)
    if rules.require_supported_events:
        schema["properties"]["spec"]["properties"]["extensionChains"][
            "x-kubernetes-validations"] = [{
                "message": f"supportedEvents must be set for {kind}",
                "rule": "self.all(ec, ec.extensions.all(e, size(e.supportedEvents) > 0))"}]
    if set(rules.backend_kinds) - set(rules.cel_backend_kinds):
        kinds = rules.cel_backend_kinds
        cel["properties"]["backendRefs"]["x-kubernetes-validations"] = [{
            "message": f"Only backendRefs of kind {' or '.join(kinds)} are supported in CEL "
                       "expression",
            "rule": "self.all(ref, " + " || ".join(f"ref.kind == '{k}'" for k in kinds) + ")"}]


def to_crd(model: type[KubeModel], *, profile: ProfileChoice = None) -> dict[str, Any]:
    """A ``CustomResourceDefinition`` (apiextensions.k8s.io/v1) manifest for ``model``."""
    prof = get_profile(profile)
    info = model.__resource__
    rules = prof.rules_for(model.__resource__.kind)
    schema = {"type": "object", **_object(model, rules)}
    _profile_fields(schema, rules, info.kind)
    schema["properties"]["metadata"] = {"type": "object"}
    schema["required"] = [r for r in schema.get("required", ())
                          if r not in ("apiVersion", "kind", "metadata")]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{info.plural}.{info.group}",
            "labels": {"gateway.networking.k8s.io/policy": "Direct"},
            "annotations": {"gke-service-extensions/profile": prof.name},
        },
        "spec": {
            "group": info.group,
            "names": {"kind": info.kind, "listKind": info.list_kind, "plural": info.plural,
                      "singular": info.singular},
            "scope": "Namespaced" if info.namespaced else "Cluster",
            "versions": [{
                "name": info.version,
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": schema},
                "subresources": {"status": {}},
            }],
        },
    }
