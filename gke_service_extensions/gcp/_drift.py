"""Drift: what a custom resource asks for against what Google Cloud has. Pure, no I/O.

:func:`drift` builds the resource GKE should produce from the object with the one mapping
(:func:`gke_service_extensions._gke.expected_resource`) and compares it, field by field, with
the resource Google Cloud returned in REST JSON (camelCase, enum names: what the API,
``gcloud ... --format=json`` and the simulator return). Each difference is reported at its
path in the custom resource's YAML.

Compared, for GCPTrafficExtension / GCPRoutingExtension: the chains (by position) and their
names, the CEL matchers (as a set of ORed terms, however GKE joined them), each extension's
name, authority, backend (the backend service of a Service, the WasmPlugin of a
GCPWasmPlugin, ``googleAPIServiceName``), supportedEvents (as a set; CamelCase vs enum
names; a route extension without events has RequestHeaders), timeout (by value: ``1s`` =
``1.000s``), failOpen, forwardHeaders (as a set, case-insensitive), metadata, body send
modes and observabilityMode. A field the API leaves out counts as its proto3 default
(false, empty). A timeout the CRD leaves out is not compared (GKE's default applies).

For GCPWasmPlugin: the serving version (the one with weight > 0) against ``mainVersionId``,
every version's presence (GKE generates version ids ``PREFIX-VERSIONNAME-SUFFIX``: a CRD
version matches the id mapped to it, its own name, or a generated id that names it), each
version's image (the URI; a digest pin against ``imageDigest``; with ``resolve_digest``, a
tag against the digest it points at now), ``pluginConfigURI`` and ``logConfig``.

Backends: a Service (or GCPWasmPlugin) whose Google Cloud path the caller does not pass in
``backend_services`` (``wasm_plugins``) is still checked: the actual ``service`` must be a
backend service (a WasmPlugin) whose GKE-generated id names the namespace and Service (the
plugin). Resource names compare equal across project number and id when ``projects`` pairs
them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._errors import ManifestError, ObjectRef
from .._gke import (
    KIND_BINDINGS,
    ROUTING_EXTENSION,
    WASM_PLUGIN,
    GKEContext,
    SupportsManifest,
    backend_kind,
    duration_nanos,
    event_from_api,
    expected_resource,
    id_names,
    parse_resource_name,
    same_resource,
    sample_rate_from_api,
    wire_form,
)
from .._gke import body_mode_from_api as _body_mode_from_api

__all__ = ["Difference", "DigestResolver", "Drift", "drift"]

#: An image reference (tag) -> the digest it points at now (``sha256:...``), None if unknown.
DigestResolver = Callable[[str], str | None]

@dataclass(frozen=True, slots=True)
class Difference:
    """One field where Google Cloud differs from what the custom resource asks for.

    ``path`` is where the field is in the custom resource's YAML
    (``spec.extensionChains[0].extensions[0].timeout``); ``wanted`` is what the cluster asks
    for and ``actual`` what Google Cloud has, in the CRD's spelling where there is one
    (``None``: absent); ``what`` names the thing when the path alone does not (``serving
    version``).
    """

    path: str
    wanted: Any
    actual: Any
    what: str = ""

    def __str__(self) -> str:
        what = f"{self.what} " if self.what else ""
        return (f"{self.path}: cluster asks {what}{_show(self.wanted)}, "
                f"Google Cloud has {_show(self.actual)}")


class Drift(list[Difference]):
    """The differences :meth:`GCPClient.drift` found: a list (empty when in sync) that
    Jupyter shows as a table."""

    def _repr_html_(self) -> str:
        import html

        e = html.escape
        if not self:
            return "<p><b>No drift</b>: Google Cloud has what the cluster asks for</p>"
        rows = "".join(
            f"<tr><td>{e(getattr(d, 'gateway', '') or '')}</td><td><code>{e(d.path)}</code>"
            f"</td><td>{e(d.what)}</td><td>{e(_show(d.wanted))}</td>"
            f"<td>{e(_show(d.actual))}</td></tr>" for d in self)
        return (f"<p><b>{len(self)} difference{'s' if len(self) != 1 else ''}</b></p>"
                "<table><thead><tr><th>Gateway</th><th>path</th><th>what</th>"
                "<th>cluster asks</th><th>Google Cloud has</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>")


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return "[" + ", ".join(_show(v) for v in items) + "]"
    return str(value)


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _seq(value: Any) -> Sequence[Any]:
    return value if isinstance(value, Sequence) and not isinstance(value, str) else ()


def drift(
    obj: Mapping[str, Any] | SupportsManifest,
    gcp_resource: Mapping[str, Any],
    *,
    backend_services: Mapping[str, str] | None = None,
    wasm_plugins: Mapping[str, str] | None = None,
    version_ids: Mapping[str, str] | None = None,
    projects: Iterable[tuple[str, str]] = (),
    resolve_digest: DigestResolver | None = None,
) -> list[Difference]:
    """Every difference between ``obj`` and the Google Cloud resource GKE made for it.

    ``obj``: a GCPTrafficExtension, GCPRoutingExtension or GCPWasmPlugin (model or wire-form
    manifest). ``gcp_resource``: the LbTrafficExtension / LbRouteExtension / WasmPlugin in
    REST JSON (a WasmPlugin in the FULL view, with ``versions``). ``backend_services`` maps a
    Service name (or ``name:port``) to its backend service path, ``wasm_plugins`` a
    GCPWasmPlugin name to its WasmPlugin path, ``version_ids`` a plugin version name to its
    WasmPluginVersion id; all optional. ``projects``: (number, id) pairs of the same project.
    ``resolve_digest`` resolves a tagged image to its current digest. Returns ``[]`` when in
    sync. An object of another kind, or a ``gcp_resource`` that is not a mapping, is a
    :class:`~gke_service_extensions.ManifestError`.
    """
    try:
        manifest = wire_form(obj)
    except TypeError as exc:
        raise ManifestError(f"drift compares a custom resource: {exc}") from None
    kind = manifest.get("kind")
    meta = _map(manifest.get("metadata"))
    if kind not in KIND_BINDINGS:
        raise ManifestError(
            f"drift compares {', '.join(KIND_BINDINGS)} with Google Cloud; got kind {kind!r}")
    if not isinstance(gcp_resource, Mapping):
        raise ManifestError(
            f"gcp_resource must be the Google Cloud resource as REST JSON (a mapping), got "
            f"{type(gcp_resource).__name__}",
            obj=ObjectRef(str(kind), str(meta.get("name")), meta.get("namespace")))
    pairs = tuple(projects)
    name = str(gcp_resource.get("name") or "")
    try:
        parsed = parse_resource_name(name) if name else None
    except ValueError:
        parsed = None
    context = GKEContext(
        (parsed.project or "-") if parsed else "-",
        (parsed.location or "global") if parsed else "global",
        backend_services=dict(backend_services or {}),
        wasm_plugins=dict(wasm_plugins or {}),
        version_ids=dict(version_ids or {}))
    expected = expected_resource(manifest, context)
    if manifest.get("kind") == WASM_PLUGIN.kind:
        return _plugin_drift(manifest, expected.body, gcp_resource, context, pairs,
                             resolve_digest)
    return _extension_drift(manifest, expected.body, gcp_resource, pairs)


# --------------------------------------------------------------------------- extensions


def _cel_terms(expression: str) -> frozenset[str]:
    """The top-level ``||`` terms of a CEL expression, outer parentheses and spaces removed."""
    terms: list[str] = []
    depth, quote, start, i = 0, "", 0, 0
    text = expression
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith("||", i):
            terms.append(text[start:i])
            start = i + 2
            i += 1
        i += 1
    terms.append(text[start:])
    return frozenset(_strip_parens(t) for t in terms if t.strip())


def _strip_parens(term: str) -> str:
    term = term.strip()
    while term.startswith("(") and term.endswith(")") and _balanced(term[1:-1]):
        term = term[1:-1].strip()
    if "||" in term and len(_cel_terms(term)) > 1:
        return "||".join(sorted(_cel_terms(term)))
    return re.sub(r"\s+", "", term)


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        depth += c == "("
        depth -= c == ")"
        if depth < 0:
            return False
    return depth == 0


def _matcher_terms(chain: Mapping[str, Any]) -> frozenset[str]:
    out: set[str] = set()
    for expr in _seq(_map(chain.get("matchCondition")).get("celExpressions")):
        matcher = _map(expr).get("celMatcher")
        if matcher:
            out |= _cel_terms(str(matcher))
    return frozenset(out)


def _extension_drift(manifest: Mapping[str, Any], expected: Mapping[str, Any],
                     actual: Mapping[str, Any], projects: tuple[tuple[str, str], ...]
                     ) -> list[Difference]:
    out: list[Difference] = []
    namespace = str(_map(manifest.get("metadata")).get("namespace") or "default")
    crd_chains = _seq(_map(manifest.get("spec")).get("extensionChains"))
    want_chains = _seq(expected.get("extensionChains"))
    have_chains = _seq(actual.get("extensionChains"))
    for ci in range(max(len(want_chains), len(have_chains))):
        path = f"spec.extensionChains[{ci}]"
        if ci >= len(have_chains):
            out.append(Difference(path, _map(want_chains[ci]).get("name"), None, "chain"))
            continue
        if ci >= len(want_chains):
            out.append(Difference(path, None, _map(have_chains[ci]).get("name"), "chain"))
            continue
        crd, want, have = _map(crd_chains[ci]), _map(want_chains[ci]), _map(have_chains[ci])
        if want.get("name") != have.get("name"):
            out.append(Difference(f"{path}.name", want.get("name"), have.get("name")))
        have_cel = _map(have.get("matchCondition")).get("celExpression")
        want_terms = _matcher_terms(crd)
        have_terms = _cel_terms(str(have_cel)) if have_cel else frozenset()
        if want_terms != have_terms:
            wanted = [str(_map(e).get("celMatcher")) for e in
                      _seq(_map(crd.get("matchCondition")).get("celExpressions"))] or None
            out.append(Difference(f"{path}.matchCondition.celExpressions", wanted,
                                  have_cel or None))
        crd_exts = _seq(crd.get("extensions"))
        want_exts = _seq(want.get("extensions"))
        have_exts = _seq(have.get("extensions"))
        for ei in range(max(len(want_exts), len(have_exts))):
            epath = f"{path}.extensions[{ei}]"
            if ei >= len(have_exts):
                out.append(Difference(epath, _map(want_exts[ei]).get("name"), None,
                                      "extension"))
            elif ei >= len(want_exts):
                out.append(Difference(epath, None, _map(have_exts[ei]).get("name"),
                                      "extension"))
            else:
                out += _one_extension(epath, _map(crd_exts[ei]), _map(want_exts[ei]),
                                      _map(have_exts[ei]), namespace, projects,
                                      routing=manifest.get("kind") == ROUTING_EXTENSION.kind)
    return out


def _events(values: Any) -> frozenset[str]:
    out = set()
    for value in _seq(values):
        try:
            out.add(event_from_api(value))
        except ValueError:
            out.add(str(value))
    return frozenset(out)


def _body_mode(value: Any) -> str | None:
    if value in (None, "", 0, "BODY_SEND_MODE_UNSPECIFIED"):
        return None
    try:
        return _body_mode_from_api(value)
    except ValueError:
        return str(value)


def _nanos(value: Any) -> int | None:
    try:
        return duration_nanos(str(value))
    except ValueError:
        return None


def _one_extension(path: str, crd: Mapping[str, Any], want: Mapping[str, Any],
                   have: Mapping[str, Any], namespace: str,
                   projects: tuple[tuple[str, str], ...], *, routing: bool) -> list[Difference]:
    out: list[Difference] = []
    for key in ("name", "authority"):
        if (want.get(key) or None) != (have.get(key) or None):
            out.append(Difference(f"{path}.{key}", want.get(key) or None, have.get(key) or None))
    backend = _backend_difference(path, crd, want, have, namespace, projects)
    if backend is not None:
        out.append(backend)
    want_events, have_events = _events(want.get("supportedEvents")), _events(
        have.get("supportedEvents"))
    if routing and not have_events:  # route extensions: REQUEST_HEADERS when left out
        have_events = frozenset({"RequestHeaders"})
    if want_events != have_events:
        crd_events = list(_seq(crd.get("supportedEvents"))) or sorted(want_events)
        out.append(Difference(f"{path}.supportedEvents", crd_events, sorted(have_events)))
    if "timeout" in want:
        have_timeout = have.get("timeout")
        if _nanos(want["timeout"]) != _nanos(have_timeout) or have_timeout is None:
            out.append(Difference(f"{path}.timeout", crd.get("timeout"), have_timeout))
    if "failOpen" in want and bool(want["failOpen"]) != bool(have.get("failOpen", False)):
        out.append(Difference(f"{path}.failOpen", bool(want["failOpen"]),
                              bool(have.get("failOpen", False))))
    want_headers = {str(h).lower() for h in _seq(want.get("forwardHeaders"))}
    have_headers = {str(h).lower() for h in _seq(have.get("forwardHeaders"))}
    if want_headers != have_headers:
        out.append(Difference(f"{path}.forwardHeaders", list(_seq(crd.get("forwardHeaders")))
                              or None, list(_seq(have.get("forwardHeaders"))) or None))
    want_meta = {str(k): str(v) for k, v in _map(want.get("metadata")).items()}
    have_meta = {str(k): str(v) for k, v in _map(have.get("metadata")).items()}
    if want_meta != have_meta:
        out.append(Difference(f"{path}.metadata", want_meta or None, have_meta or None))
    for key in ("requestBodySendMode", "responseBodySendMode"):
        if _body_mode(want.get(key)) != _body_mode(have.get(key)):
            out.append(Difference(f"{path}.{key}", _body_mode(want.get(key)),
                                  _body_mode(have.get(key))))
    if bool(want.get("observabilityMode")) != bool(have.get("observabilityMode")):
        out.append(Difference(f"{path}.observabilityMode", bool(want.get("observabilityMode")),
                              bool(have.get("observabilityMode"))))
    return out


def _backend_difference(path: str, crd: Mapping[str, Any], want: Mapping[str, Any],
                        have: Mapping[str, Any], namespace: str,
                        projects: tuple[tuple[str, str], ...]) -> Difference | None:
    kind = backend_kind(crd)
    field = f"{path}.backendRef" if kind is not None else f"{path}.googleAPIServiceName"
    actual = have.get("service")
    if "service" in want:
        wanted = want["service"]
        if actual is not None and (wanted == actual or (
                kind is not None and same_resource(str(wanted), str(actual),
                                                   projects=projects))):
            return None
        return Difference(field, wanted, actual)
    # The caller did not say which path GKE gave this backend: recognise it by its id.
    ref = _map(crd.get("backendRef"))
    name = str(ref.get("name"))
    parts: list[tuple[str, ...]] = [(namespace, name)]
    if kind == WASM_PLUGIN.kind:
        collection, wanted = "wasmPlugins", f"{kind} {name}"
    else:
        port = ref.get("port")
        if port is not None:
            parts.insert(0, (namespace, name, str(port)))
        collection, wanted = "backendServices", f"backend service of {kind} {name}" + (
            f" port {port}" if port is not None else "")
    try:
        got = parse_resource_name(str(actual)) if actual else None
    except ValueError:
        got = None
    if got is not None and got.collection == collection and any(
            id_names(got.resource_id, *p) for p in parts):
        return None
    return Difference(field, wanted, actual)


# --------------------------------------------------------------------------- plugins

_IMAGE = re.compile(
    r"^(?P<repo>[^@]+?)(?::(?P<tag>[^:/@]+))?(?:@(?P<digest>sha256:[0-9a-fA-F]+))?$")


def _image_parts(uri: str) -> tuple[str, str | None, str | None]:
    m = _IMAGE.match(uri.strip())
    if m is None:
        return uri.strip(), None, None
    digest = m.group("digest")
    return m.group("repo"), m.group("tag"), digest.lower() if digest else None


def _match_versions(names: Sequence[str], ids: Iterable[str],
                    version_ids: Mapping[str, str]) -> dict[str, str]:
    """CRD version name -> actual version id (names without one are left out)."""
    free = list(ids)
    out: dict[str, str] = {}
    for name in names:  # explicit ids and exact names first
        vid = version_ids.get(name, name)
        if vid in free:
            out[name] = vid
            free.remove(vid)
    for name in sorted((n for n in names if n not in out), key=len, reverse=True):
        found = [i for i in free if id_names(i, name)]
        if found:
            out[name] = found[0]
            free.remove(found[0])
    return out


def _plugin_drift(manifest: Mapping[str, Any], expected: Mapping[str, Any],
                  actual: Mapping[str, Any], context: GKEContext,
                  projects: tuple[tuple[str, str], ...],
                  resolve_digest: DigestResolver | None) -> list[Difference]:
    out: list[Difference] = []
    crd_versions = [_map(v) for v in _seq(_map(manifest.get("spec")).get("versions"))]
    names = [str(v.get("name")) for v in crd_versions]
    have_versions = _map(actual.get("versions"))
    matched = _match_versions(names, have_versions, context.version_ids)
    main = actual.get("mainVersionId") or None
    serving = next((i for i, v in enumerate(crd_versions)
                    if isinstance(v.get("weight"), int) and v["weight"] > 0), None)
    if serving is not None:
        sname = names[serving]
        ok = main is not None and (main == matched.get(sname) or (
            sname not in matched and (main == context.version_id(sname)
                                      or id_names(str(main), sname))))
        if not ok:
            out.append(Difference(f"spec.versions[{serving}].weight", sname, main,
                                  "serving version"))
    elif main is not None:
        out.append(Difference("spec.versions", None, main, "serving version"))
    for i, (name, version) in enumerate(zip(names, crd_versions, strict=True)):
        vid = matched.get(name)
        if vid is None:
            out.append(Difference(f"spec.versions[{i}]", name, None, "version"))
            continue
        out += _version_drift(f"spec.versions[{i}]", version, _map(have_versions[vid]),
                              resolve_digest)
    for vid in have_versions:
        if vid not in matched.values():
            out.append(Difference("spec.versions", None, vid, "version"))
    out += _log_drift(_map(expected.get("logConfig")) if "logConfig" in expected else None,
                      _map(actual.get("logConfig")))
    return out


def _version_drift(path: str, version: Mapping[str, Any], have: Mapping[str, Any],
                   resolve_digest: DigestResolver | None) -> list[Difference]:
    out: list[Difference] = []
    image = str(version.get("image") or "")
    uri = str(have.get("imageUri") or "")
    have_digest = str(have.get("imageDigest") or "").lower() or None
    repo, tag, pinned = _image_parts(image)
    have_repo, have_tag, have_pinned = _image_parts(uri)
    have_digest = have_digest or have_pinned
    shown_actual = f"{uri} ({have_digest})" if have_digest else (uri or None)
    if repo != have_repo:
        out.append(Difference(f"{path}.image", image, shown_actual))
    elif pinned is not None:
        if pinned != have_digest:
            out.append(Difference(f"{path}.image", image, shown_actual))
    elif resolve_digest is not None:
        current = resolve_digest(image)
        current = current.lower() if current else None
        if current is None or current != have_digest:
            out.append(Difference(f"{path}.image", f"{image} ({current or 'unresolved'})",
                                  shown_actual))
    elif (tag or "latest") != (have_tag or "latest"):
        out.append(Difference(f"{path}.image", image, shown_actual))
    want_config = version.get("pluginConfigURI") or None
    have_config = have.get("pluginConfigUri") or None
    if want_config != have_config:
        out.append(Difference(f"{path}.pluginConfigURI", want_config, have_config))
    return out


def _log_drift(want: Mapping[str, Any] | None, have: Mapping[str, Any]) -> list[Difference]:
    want_on = bool(want and want.get("enable"))
    have_on = bool(have.get("enable"))
    if want_on != have_on:
        return [Difference("spec.logConfig.enabled", want_on, have_on)]
    if not want_on or want is None:
        return []
    out: list[Difference] = []
    want_rate = sample_rate_from_api(float(want.get("sampleRate", 1.0)))
    try:
        have_rate: int | None = sample_rate_from_api(float(have.get("sampleRate", 0.0)))
    except (TypeError, ValueError):
        have_rate = None
    if want_rate != have_rate:
        out.append(Difference("spec.logConfig.sampleRate", want_rate, have_rate))
    want_level = str(want.get("minLogLevel") or "INFO")
    have_level = str(have.get("minLogLevel") or "LOG_LEVEL_UNSPECIFIED")
    if want_level != have_level:
        out.append(Difference("spec.logConfig.minLogLevel", want_level, have_level))
    return out
