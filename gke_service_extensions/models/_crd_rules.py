"""Which generation-dependent rules a served CustomResourceDefinition enforces.

Pure: given the CRD manifests a cluster serves (``apiextensions.k8s.io/v1``), read each
rule of :class:`~._profiles.KindRules` from the CRD's ``openAPIV3Schema`` the way the API
server would apply it: enum lists, required lists, patterns, ``maxItems``, bounds and the
``x-kubernetes-validations`` rules. No hashing of whole schemas: a CRD that differs from a
known generation only in descriptions still yields that generation's rules.

Two rules are GKE's in every generation and not stated by any schema: backendRef kinds we
do not model (their API group is unknown) are left out, and routing extensions take only
request-side events.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from ._meta import ROUTING_EXTENSION, TRAFFIC_EXTENSION, ResourceInfo
from ._profiles import (
    ALL_EVENTS,
    ANY_GOOGLE_API,
    BACKEND_KIND_GROUPS,
    DEFAULT_PROFILE,
    MODELARMOR_OR_DLP,
    PROFILES,
    REQUEST_EVENTS,
    CRDProfile,
    KindRules,
)
from ._rules import PatternSpec

__all__ = ["CLUSTER_PROFILE_NAME", "crd_name", "kind_rules_from_schema", "profile_from_crds"]

#: Name of a profile read from a cluster whose CRDs match no named profile.
CLUSTER_PROFILE_NAME = "cluster"

#: Events each kind can take whatever its schema's enum says (GKE's rule, not the CRD's).
_KIND_EVENTS = {TRAFFIC_EXTENSION.kind: ALL_EVENTS, ROUTING_EXTENSION.kind: REQUEST_EVENTS}
_KNOWN_PATTERNS = {p.regex: p for p in (ANY_GOOGLE_API, MODELARMOR_OR_DLP)}

# "supportedEvents must be set": an unconditional size(x.supportedEvents) > 0 (or has()).
_REQUIRES_EVENTS = re.compile(
    r"size\(\s*[\w.]*\bsupportedEvents\s*\)\s*(?:>\s*0|>=\s*1|!=\s*0)"
    r"|^\s*has\(\s*self\.supportedEvents\s*\)\s*$")
# self.all(ref, ref.kind == 'A' || ref.kind == 'B')   or, on an item, self.kind == 'A' || ...
_ALL_OF = re.compile(r"\s*self\.all\(\s*(\w+)\s*,(.*)\)\s*", re.S)
_KIND_IS = r"\s*{var}\.kind\s*==\s*['\"]([\w.-]+)['\"]\s*"
# the attribute names a celMatcher pattern lists as alternatives: (request.path)
_ATTRIBUTE = re.compile(r"\(([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)\)")


def crd_name(info: ResourceInfo) -> str:
    """The CustomResourceDefinition name of a kind: ``<plural>.<group>``."""
    return f"{info.plural}.{info.group}"


def _map(node: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return dict(node) if isinstance(node, Mapping) else {}


def _prop(schema: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The schema of a nested property; array steps go through ``items`` (empty: absent)."""
    node: dict[str, Any] = dict(schema)
    for name in names:
        node = _map(node, "items") if name == "[]" else _map(node, "properties", name)
    return node


def _rules_text(*schemas: Mapping[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for schema in schemas:
        for entry in schema.get("x-kubernetes-validations") or ():
            if isinstance(entry, Mapping) and isinstance(entry.get("rule"), str):
                out.append((str(entry["rule"]), str(entry.get("message") or "")))
    return out


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [v for v in value if isinstance(v, str)]


def _kinds(ref_schema: Mapping[str, Any], every: tuple[str, ...]) -> tuple[str, ...]:
    """The backendRef kinds a reference schema admits (its enum; all if it has none)."""
    enum = _strings(_prop(ref_schema, "kind").get("enum"))
    allowed = every if enum is None else tuple(k for k in every if k in enum)
    return allowed


def _kinds_by_rules(rules: list[tuple[str, str]], item_rules: list[tuple[str, str]]
                    ) -> set[str] | None:
    """Kinds allowed by ``self.all(r, r.kind == 'A' || ...)`` rules (None: no such rule)."""
    allowed: set[str] | None = None
    candidates = [(m.group(1), m.group(2)) for rule, _ in rules
                  if (m := _ALL_OF.fullmatch(rule))]
    candidates += [("self", rule) for rule, _ in item_rules]
    for var, body in candidates:
        kinds: set[str] = set()
        for term in body.split("||"):
            m = re.fullmatch(_KIND_IS.format(var=re.escape(var)), term.strip("() \n"))
            if m is None:
                break
            kinds.add(m.group(1))
        else:
            allowed = kinds if allowed is None else allowed & kinds
    return allowed


def _google_api_pattern(ext: Mapping[str, Any]) -> PatternSpec:
    regex = _prop(ext, "googleAPIServiceName").get("pattern")
    if not isinstance(regex, str) or not regex:
        return PatternSpec("", "any Google API service name")
    return _KNOWN_PATTERNS.get(regex) or PatternSpec(regex, f"a name matching {regex}")


def _cel_extra_attributes(cel: Mapping[str, Any]) -> frozenset[str]:
    pattern = _prop(cel, "celMatcher").get("pattern")
    if not isinstance(pattern, str):
        return frozenset()
    from ._cel import ALLOWED_ATTRIBUTES

    return frozenset(_ATTRIBUTE.findall(pattern)) - ALLOWED_ATTRIBUTES


def _requires_events(ext: Mapping[str, Any], *around: Mapping[str, Any]) -> bool:
    if "supportedEvents" in (_strings(ext.get("required")) or ()):
        return True
    return any("?" not in rule and _REQUIRES_EVENTS.search(rule)
               for rule, _ in _rules_text(ext, *around))


def kind_rules_from_schema(kind: str, schema: Mapping[str, Any]) -> KindRules:
    """The generation-dependent rules of ``kind`` (GCPTrafficExtension or
    GCPRoutingExtension) that the ``openAPIV3Schema`` ``schema`` enforces."""
    every = tuple(BACKEND_KIND_GROUPS)
    spec = _prop(schema, "spec")
    chains = _prop(spec, "extensionChains")
    chain = _prop(chains, "[]")
    exts = _prop(chain, "extensions")
    ext = _prop(exts, "[]")
    backend = _prop(ext, "backendRef")
    port = _prop(backend, "port")
    events = _strings(_prop(ext, "supportedEvents", "[]").get("enum"))
    cel = _prop(chain, "matchCondition", "celExpressions", "[]")
    cel_refs = _prop(cel, "backendRefs")
    cel_ref = _prop(cel_refs, "[]")
    most = cel_refs.get("maxItems")

    cel_kinds = _kinds(cel_ref, every)
    by_rules = _kinds_by_rules(_rules_text(cel_refs), _rules_text(cel_ref))
    if by_rules is not None:
        cel_kinds = tuple(k for k in cel_kinds if k in by_rules)
    kind_events = _KIND_EVENTS.get(kind, ALL_EVENTS)
    return KindRules(
        backend_kinds=_kinds(backend, every),
        require_supported_events=_requires_events(ext, spec, chains, chain, exts),
        allowed_events=tuple(e for e in kind_events if events is None or e in events),
        google_api_service_name=_google_api_pattern(ext),
        # an extension schema without properties (open) lets the field through
        observability_mode=("observabilityMode" in _map(ext, "properties")
                            or not _map(ext, "properties")),
        backend_port_range="minimum" in port or "maximum" in port,
        cel_backend_refs_max=most if isinstance(most, int) and not isinstance(most, bool)
        else None,
        cel_backend_kinds=cel_kinds,
        cel_extra_attributes=_cel_extra_attributes(cel),
    )


def _served_schema(crd: Mapping[str, Any], info: ResourceInfo) -> dict[str, Any] | None:
    """The ``openAPIV3Schema`` of ``info``'s version in a CRD manifest, if it is that kind's."""
    spec = _map(crd, "spec")
    if spec.get("group") != info.group or _map(spec, "names").get("kind") != info.kind:
        return None
    for version in spec.get("versions") or ():
        if (isinstance(version, Mapping) and version.get("name") == info.version
                and version.get("served", True)):
            schema = _map(version, "schema", "openAPIV3Schema")
            return schema or None
    return None


def profile_from_crds(
    crds: Iterable[Mapping[str, Any]],
    *,
    fallback: CRDProfile | None = None,
    source: str = "from the cluster",
) -> CRDProfile:
    """The CRD profile that served CustomResourceDefinition manifests enforce.

    A kind whose CRD is not among ``crds`` keeps the rules of ``fallback`` (default:
    :data:`~._profiles.DEFAULT_PROFILE`). When the rules equal a named profile's, that
    profile is returned under its name; otherwise a profile named ``"cluster"``. Either
    way ``source`` (for error messages) says where the rules came from.
    """
    base = fallback or PROFILES[DEFAULT_PROFILE]
    found: dict[str, KindRules] = {}
    for crd in crds:
        for info in (TRAFFIC_EXTENSION, ROUTING_EXTENSION):
            schema = _served_schema(crd, info) if isinstance(crd, Mapping) else None
            if schema is not None:
                found[info.kind] = kind_rules_from_schema(info.kind, schema)
    traffic = found.get(TRAFFIC_EXTENSION.kind, base.traffic)
    routing = found.get(ROUTING_EXTENSION.kind, base.routing)
    for named in PROFILES.values():
        if named.traffic == traffic and named.routing == routing:
            return replace(named, source=source)
    return CRDProfile(
        name=CLUSTER_PROFILE_NAME,
        description="the rules of the CRDs the cluster serves (no named profile matches)",
        traffic=traffic, routing=routing,
        wasm_serving_versions=base.wasm_serving_versions, source=source)
