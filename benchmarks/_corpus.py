"""A deterministic corpus of distinct manifests for the validation benchmarks.

``generate(n, seed)`` returns ``n`` :class:`Sample` s: manifests of the three kinds in
realistic proportions (about 55% GCPTrafficExtension, 25% GCPRoutingExtension, 20%
GCPWasmPlugin), every one different: 1-5 extension chains of 1-3 extensions each, callout
Services, ServiceImports, Apigee backends, ``googleAPIServiceName`` callouts and Wasm plugin
backends, varied ``supportedEvents``, timeouts, metadata, forwarded headers and body send
modes, and CEL matchers that are all different (built from the allowed attributes and
functions, header indexing, comparisons, ``&&``, ``||``, ``!`` and parentheses; every string
literal has its own contents). About 5% (``invalid_fraction``) are broken on purpose, in one of
five ways (:data:`FLAWS`): a field off its pattern, too many items, an unknown field, a bad CEL
matcher, a cross-field rule broken. The valid ones are valid under the default CRD profile
(``newest``) and under the CRDs' own openAPIV3Schema (``tests/test_benchmark_corpus.py``
checks both).

The same ``(n, seed, invalid_fraction)`` always gives the same corpus; different seeds give
corpora with no CEL matcher in common, so that a benchmark can give each repeat a fresh corpus
and no per-expression cache serves a repeat from an earlier one.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["FLAWS", "KINDS", "Sample", "generate", "manifests", "write_cli_file"]

API_VERSION = "networking.gke.io/v1"
TRAFFIC, ROUTING, WASM = "GCPTrafficExtension", "GCPRoutingExtension", "GCPWasmPlugin"
KINDS = (TRAFFIC, ROUTING, WASM)
KIND_WEIGHTS = (55, 25, 20)
FLAWS = ("pattern", "too-many", "unknown-field", "cel", "cross-field")

ALL_EVENTS = ("RequestHeaders", "RequestBody", "ResponseHeaders", "ResponseBody",
              "RequestTrailers", "ResponseTrailers")
REQUEST_EVENTS = ("RequestHeaders", "RequestBody", "RequestTrailers")
WASM_EVENTS = ("RequestHeaders", "RequestBody", "ResponseHeaders", "ResponseBody")

WORDS = ("checkout", "cart", "orders", "payments", "search", "catalog", "users", "auth",
         "login", "profile", "inventory", "shipping", "billing", "reviews", "media", "images",
         "assets", "reports", "admin", "metrics", "ledger", "quotes", "tickets", "chat",
         "stream", "upload", "export", "partners", "mobile", "edge", "promo", "wallet")
NAMESPACES = ("default", "prod", "staging", "team-a", "team-b", "payments", "edge", "platform")
GATEWAYS = ("external-http", "internal-http", "gke-l7-global", "edge-gw", "shop-gw", "api-gw",
            "regional-gw", "mc-gateway")
HEADERS = ("x-tenant", "x-user-id", "x-request-id", "x-canary", "x-api-version", "x-region",
           "x-client", "x-device", "x-experiment", "x-feature", "user-agent", "accept",
           "content-type", "authorization", "x-forwarded-for", "cookie")
FORWARD_HEADERS = ("x-request-id", "x-b3-traceid", "x-cloud-trace-context", "traceparent",
                   "authorization", "cookie", "x-user-id", "x-tenant", "user-agent",
                   "x-forwarded-for", "content-type", "x-api-key", "accept-language")
METADATA_KEYS = ("tenant", "env", "team", "policy", "mode", "version", "region", "owner",
                 "tier", "feature_flags", "model_armor_settings", "sampling")
GOOGLE_APIS = ("modelarmor.googleapis.com", "dlp.googleapis.com")
REGIONS = ("us-central1", "us-east1", "europe-west1", "europe-west4", "asia-east1",
           "asia-northeast1", "us-west2", "southamerica-east1")
TLS_VERSIONS = ("TLSv1.2", "TLSv1.3")
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
EXTENSIONS = ("json", "html", "png", "jpg", "js", "css", "csv", "xml", "pdf", "webp")
TIMEOUTS = ("10ms", "50ms", "100ms", "200ms", "250ms", "300ms", "500ms", "750ms", "1s", "2s",
            "3s", "5s", "10s", "1s500ms", "2s250ms", "9s999ms", "10000ms")
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL")
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Sample:
    """One manifest of the corpus; ``flaw`` is None for a valid one, else one of FLAWS."""

    manifest: dict[str, Any]
    flaw: str | None = None
    #: what exactly was broken, in words (empty for a valid manifest)
    detail: str = ""

    @property
    def valid(self) -> bool:
        return self.flaw is None


def _b36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _B36[r] + out
        if not n:
            return out


class _Gen:
    """The generator's state: its random source and the counter that makes literals unique."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.counter = 0

    # ------------------------------------------------------------------ small parts

    def tag(self) -> str:
        """A short lowercase token never returned before (for this seed, or any other)."""
        self.counter += 1
        return _b36((self.seed << 24) | self.counter)

    def pick(self, seq: tuple[str, ...]) -> str:
        return self.rng.choice(seq)

    def some(self, seq: tuple[str, ...], lo: int, hi: int) -> list[str]:
        """``lo``..``hi`` distinct items of ``seq``, in ``seq``'s order."""
        chosen = set(self.rng.sample(seq, self.rng.randint(lo, min(hi, len(seq)))))
        return [x for x in seq if x in chosen]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def host(self) -> str:
        return f"{self.pick(WORDS)}-{self.tag()}.example.com"

    def path(self) -> str:
        return f"/{self.pick(WORDS)}/{self.pick(WORDS)}-{self.tag()}"

    # ------------------------------------------------------------------ CEL matchers

    def cel_atom(self, traffic: bool) -> str:
        """One bool-valued comparison or call; most carry a fresh string literal."""
        r = self.rng
        q = r.choice("'\"")
        choices: list[Callable[[], str]] = [
            lambda: f"request.path.startsWith({q}{self.path()}{q})",
            lambda: f"request.path.endsWith({q}-{self.tag()}.{self.pick(EXTENSIONS)}{q})",
            lambda: f"request.path.contains({q}{self.pick(WORDS)}-{self.tag()}{q})",
            lambda: f"request.path.matches({q}/{self.pick(WORDS)}/v\\\\d+/{self.tag()}/.*{q})",
            lambda: f'request.path.matches(R"/{self.pick(WORDS)}-{self.tag()}/\\d+$")',
            lambda: f"request.host == {q}{self.host()}{q}",
            lambda: f"request.host.endsWith({q}.{self.tag()}.example.com{q})",
            lambda: f"request.host.lowerAscii().startsWith({q}{self.pick(WORDS)}-{self.tag()}{q})",
            lambda: f"request.headers[{q}{self.pick(HEADERS)}{q}] == "
                    f"{q}{self.pick(WORDS)}-{self.tag()}{q}",
            lambda: f"request.headers[{q}{self.pick(HEADERS)}{q}].lowerAscii()."
                    f"contains({q}{self.pick(WORDS)}-{self.tag()}{q})",
            lambda: f"request.headers[{q}{self.pick(HEADERS)}{q}].upperAscii() == "
                    f"{q}{self.pick(WORDS).upper()}-{self.tag().upper()}{q}",
            lambda: f"int(request.headers[{q}x-{self.pick(WORDS)}-{self.tag()}{q}]) "
                    f"{r.choice(('<', '<=', '>', '>=', '==', '!='))} {r.randint(0, 99999)}",
            lambda: f"request.query.contains({q}{self.pick(WORDS)}={self.tag()}{q})",
            lambda: f"request.method == {q}{self.pick(METHODS)}{q} && "
                    f"request.path.startsWith({q}{self.path()}{q})",
            lambda: f"request.method != {q}{self.pick(METHODS)}{q}",
            lambda: f"request.scheme == {q}{r.choice(('http', 'https'))}{q}",
            lambda: f"request.host + request.path == {q}{self.host()}{self.path()}{q}",
            lambda: f"source.address == {q}10.{r.randint(0, 255)}.{r.randint(0, 255)}."
                    f"{r.randint(1, 254)}{q}",
            lambda: f"source.port {r.choice(('>=', '<', '=='))} {r.randint(1, 65535)}",
            lambda: f"connection.requested_server_name.endsWith({q}.{self.tag()}.example.com{q})",
            lambda: f"connection.tls_version == {q}{self.pick(TLS_VERSIONS)}{q}",
            lambda: f"connection.sha256_peer_certificate_digest == "
                    f"{q}{r.getrandbits(256):064x}{q}",
        ]
        if traffic:
            choices += [
                lambda: f"response.code {r.choice(('>=', '==', '!=', '<'))} "
                        f"{r.choice((200, 204, 301, 400, 401, 403, 404, 429, 500, 502, 503))}",
                lambda: f"response.grpc_status == {r.randint(0, 16)}",
                lambda: f"response.headers[{q}content-type{q}].startsWith("
                        f"{q}application/{self.pick(WORDS)}-{self.tag()}{q})",
                lambda: f"request.backend_service_num_endpoints {r.choice(('>', '<', '>='))} "
                        f"{r.randint(0, 50)}",
            ]
        return r.choice(choices)()

    def cel(self, traffic: bool) -> str:
        """A matcher of 1-4 atoms joined by && and ||, some negated or parenthesised."""
        while True:
            start = self.counter
            expr = self._cel_tree(self.rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0],
                                  traffic)
            if self.counter == start:  # no fresh literal: make it distinct all the same
                expr = f"{expr} && request.path.startsWith('{self.path()}')"
            if len(expr) <= 512:
                return expr

    def _cel_tree(self, atoms: int, traffic: bool) -> str:
        if atoms == 1:
            atom = self.cel_atom(traffic)
            if "&&" in atom or "||" in atom:
                atom = f"({atom})"
            if self.chance(0.1):  # a lone call may go unparenthesised; a comparison may not
                return f"!{atom}" if " " not in atom and self.chance(0.5) else f"!({atom})"
            return atom
        left = self.rng.randint(1, atoms - 1)
        op = self.rng.choice(("&&", "||"))
        a, b = self._cel_tree(left, traffic), self._cel_tree(atoms - left, traffic)
        expr = f"{a} {op} {b}"
        return f"({expr})" if self.chance(0.4) else expr

    # ------------------------------------------------------------------ shared parts

    def metadata(self, i: int, kind: str) -> dict[str, Any]:
        r = self.rng
        meta: dict[str, Any] = {
            "name": f"{self.pick(WORDS)}-{kind[3:].lower()}-{i:05d}",
            "namespace": self.pick(NAMESPACES),
        }
        if self.chance(0.7):
            meta["labels"] = {"app.kubernetes.io/name": self.pick(WORDS),
                              "team": f"team-{r.randint(1, 40)}"}
            if self.chance(0.5):
                meta["labels"]["env"] = r.choice(("prod", "staging", "dev"))
        if self.chance(0.3):
            meta["annotations"] = {"owner": f"{self.pick(WORDS)}@example.com",
                                   "change-id": f"chg-{self.tag()}"}
        return meta

    def target_refs(self) -> list[dict[str, Any]]:
        names = self.rng.sample(GATEWAYS, self.rng.choice((1, 1, 1, 1, 2, 2, 3)))
        return [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": n}
                for n in names]

    def service_ref(self) -> dict[str, Any]:
        return {"group": "", "kind": "Service",
                "name": f"{self.pick(WORDS)}-callout-{self.tag()}",
                "port": self.rng.choice((443, 8443, 50051, 9000, 8080))}

    def authority(self, ref: dict[str, Any]) -> str:
        if self.chance(0.5):
            return f"{ref['name']}.{self.pick(NAMESPACES)}.svc.cluster.local"
        return f"{self.pick(WORDS)}-ext-{self.tag()}.example.com" + (
            f":{ref['port']}" if "port" in ref and self.chance(0.3) else "")

    def ext_metadata(self) -> dict[str, str]:
        keys = self.rng.sample(METADATA_KEYS, self.rng.randint(1, 4))
        out = {}
        for k in keys:
            if k == "model_armor_settings":
                region = self.pick(REGIONS)
                out[k] = ('[{"response_template_id": "projects/p-' + self.tag() +
                          f'/locations/{region}/templates/t1", "request_template_id": '
                          f'"projects/p-{self.tag()}/locations/{region}/templates/t2"}}]')
            else:
                out[k] = f"{self.pick(WORDS)}-{self.tag()}"
        return out

    def events(self, allowed: tuple[str, ...], lo: int = 1) -> list[str]:
        return self.some(allowed, lo, len(allowed))

    # ------------------------------------------------------------------ extensions

    def traffic_extension(self, name: str) -> dict[str, Any]:
        r = self.rng
        backend = r.choices(("service", "import", "wasm", "google", "apigee"),
                            weights=(55, 5, 20, 15, 5))[0]
        ext: dict[str, Any] = {"name": name}
        if backend == "wasm":
            ext["backendRef"] = {"group": "networking.gke.io", "kind": "GCPWasmPlugin",
                                 "name": f"{self.pick(WORDS)}-plugin-{self.tag()}"}
            ext["supportedEvents"] = self.events(WASM_EVENTS)
            if self.chance(0.3):
                ext["failOpen"] = r.random() < 0.5
            return ext
        if backend == "google":
            service = (f"modelarmor.{self.pick(REGIONS)}.rep.googleapis.com"
                       if self.chance(0.6) else self.pick(GOOGLE_APIS))
            ext["googleAPIServiceName"] = service
        elif backend == "apigee":
            ext["backendRef"] = {"group": "apim.googleapis.com", "kind": "ApigeeBackendService",
                                 "name": f"apigee-{self.pick(WORDS)}-{self.tag()}"}
        else:
            ref = self.service_ref()
            if backend == "import":
                ref["group"], ref["kind"] = "net.gke.io", "ServiceImport"
            ext["backendRef"] = ref
            ext["authority"] = self.authority(ref)
        events = self.events(ALL_EVENTS)
        ext["supportedEvents"] = events
        if self.chance(0.7):
            ext["timeout"] = self.pick(TIMEOUTS)
        if self.chance(0.4):
            ext["failOpen"] = r.random() < 0.5
        if self.chance(0.35) or backend == "google":
            ext["metadata"] = self.ext_metadata()
        if self.chance(0.3):
            ext["forwardHeaders"] = self.some(FORWARD_HEADERS, 1, 6)
        observe = self.chance(0.1)
        if observe:
            ext["observabilityMode"] = True
        if backend != "google":
            for side in ("request", "response"):
                body = "RequestBody" if side == "request" else "ResponseBody"
                trailers = "RequestTrailers" if side == "request" else "ResponseTrailers"
                if body in events and self.chance(0.5):
                    full = trailers in events and not observe and self.chance(0.5)
                    ext[f"{side}BodySendMode"] = "FullDuplexStreamed" if full else "Streamed"
        return ext

    def routing_extension(self, name: str) -> dict[str, Any]:
        r = self.rng
        ext: dict[str, Any] = {"name": name}
        if self.chance(0.15):
            ext["googleAPIServiceName"] = (f"{self.pick(('modelarmor', 'dlp'))}."
                                           f"{self.pick(REGIONS)}.rep.googleapis.com")
        else:
            ref = self.service_ref()
            ext["backendRef"] = ref
            ext["authority"] = self.authority(ref)
        if self.chance(0.6):
            ext["timeout"] = self.pick(TIMEOUTS)
        if self.chance(0.3):
            ext["failOpen"] = r.random() < 0.5
        if self.chance(0.2):
            ext["metadata"] = self.ext_metadata()
        if self.chance(0.2):
            ext["forwardHeaders"] = self.some(FORWARD_HEADERS, 1, 4)
        if self.chance(0.4):
            events = self.events(REQUEST_EVENTS)
            ext["supportedEvents"] = events
            if "backendRef" in ext and "RequestBody" in events and self.chance(0.5):
                full = "RequestTrailers" in events and self.chance(0.5)
                ext["requestBodySendMode"] = "FullDuplexStreamed" if full else "Streamed"
        return ext

    def chains(self, traffic: bool) -> list[dict[str, Any]]:
        r = self.rng
        count = r.choices((1, 2, 3, 4, 5), weights=(45, 25, 15, 10, 5))[0]
        chains = []
        for c in range(count):
            chain: dict[str, Any] = {"name": f"{self.pick(WORDS)}-chain-{c}"}
            if self.chance(0.93):
                exprs = []
                for _ in range(r.choices((1, 2, 3, 4), weights=(75, 18, 5, 2))[0]):
                    expr: dict[str, Any] = {"celMatcher": self.cel(traffic)}
                    if self.chance(0.08):
                        ref = self.service_ref()
                        if traffic and self.chance(0.3):
                            ref["group"], ref["kind"] = "net.gke.io", "ServiceImport"
                        expr["backendRefs"] = [ref]
                    exprs.append(expr)
                chain["matchCondition"] = {"celExpressions": exprs}
            make = self.traffic_extension if traffic else self.routing_extension
            n_ext = r.choices((1, 2, 3), weights=(60, 28, 12))[0]
            chain["extensions"] = [make(f"ext-{c}-{e}-{self.tag()}") for e in range(n_ext)]
            chains.append(chain)
        return chains

    # ------------------------------------------------------------------ objects

    def extension_object(self, i: int, kind: str) -> dict[str, Any]:
        return {"apiVersion": API_VERSION, "kind": kind, "metadata": self.metadata(i, kind),
                "spec": {"targetRefs": self.target_refs(),
                         "extensionChains": self.chains(kind == TRAFFIC)}}

    def image(self) -> str:
        r = self.rng
        base = (f"{self.pick(REGIONS)}-docker.pkg.dev/{self.pick(WORDS)}-{self.tag()}/"
                f"plugins/{self.pick(WORDS)}-{self.pick(WORDS)}")
        if self.chance(0.3):
            return f"{base}@sha256:{r.getrandbits(256):064x}"
        return f"{base}:v{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 99)}"

    def wasm_object(self, i: int) -> dict[str, Any]:
        r = self.rng
        n_versions = r.choices((1, 2, 3, 4), weights=(50, 30, 15, 5))[0]
        serving = r.randrange(n_versions)
        versions = []
        for v in range(n_versions):
            version: dict[str, Any] = {"name": f"v{v}-{self.tag()}", "image": self.image(),
                                       "weight": 1_000_000 if v == serving else 0}
            if v == serving and self.chance(0.2):
                version["weight"] = r.randint(1, 1_000_000)
            if self.chance(0.5):
                version["description"] = (f"{self.pick(WORDS)} plugin, build {self.tag()} "
                                          f"({self.pick(METHODS)} requests)")
            if self.chance(0.25):
                version["pluginConfigURI"] = self.image()
            versions.append(version)
        spec: dict[str, Any] = {"versions": versions}
        if self.chance(0.6):
            if self.chance(0.8):
                log: dict[str, Any] = {"enabled": True}
                if self.chance(0.7):
                    log["sampleRate"] = r.randint(0, 1_000_000)
                if self.chance(0.7):
                    log["minLogLevel"] = self.pick(LOG_LEVELS)
            else:
                log = {"enabled": False}
            spec["logConfig"] = log
        if self.chance(0.15):
            spec["kmsKeyName"] = (f"projects/{self.pick(WORDS)}-{self.tag()}/locations/"
                                  f"{self.pick(REGIONS)}/keyRings/ring-{self.tag()}/cryptoKeys/"
                                  f"key-{self.tag()}")
        return {"apiVersion": API_VERSION, "kind": WASM, "metadata": self.metadata(i, WASM),
                "spec": spec}

    def valid(self, i: int) -> dict[str, Any]:
        kind = self.rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
        return self.wasm_object(i) if kind == WASM else self.extension_object(i, kind)

    # ------------------------------------------------------------------ flaws

    def break_(self, m: dict[str, Any], flaw: str) -> tuple[str, str]:
        """Break ``m`` in the way ``flaw`` names; returns the flaw and what was done, in
        words (a Wasm plugin has no CEL matcher: it gets a pattern flaw instead)."""
        spec = m["spec"]
        wasm = m["kind"] == WASM
        r = self.rng
        if wasm:
            version = spec["versions"][0]
            options: dict[str, list[tuple[str, Callable[[], None]]]] = {
                "pattern": [
                    ("image in upper case", lambda: version.update(image=version["image"].upper())),
                    ("version name with '_'", lambda: version.update(name=f"V_{self.tag()}")),
                    ("kmsKeyName off its pattern",
                     lambda: spec.update(kmsKeyName=f"keys/{self.tag()}")),
                ],
                "too-many": [
                    ("11 versions", lambda: spec.update(versions=[
                        {**version, "name": f"v{k}-{self.tag()}", "weight": 0 if k else 1}
                        for k in range(11)])),
                    ("weight above 1000000", lambda: version.update(weight=1_000_001 + r.randint(
                        0, 999))),
                ],
                "unknown-field": [
                    ("'imageUrl' instead of 'image'",
                     lambda: version.update(imageUrl=version.pop("image"))),
                    ("'logconfig' (lower case)",
                     lambda: spec.update(logconfig={"enabled": True})),
                ],
                "cross-field": [
                    ("two versions serving", lambda: spec.update(versions=[
                        {**version, "weight": 500_000},
                        {**version, "name": f"v-{self.tag()}", "weight": 500_000}])),
                    ("no version serving", lambda: [v.update(weight=0)
                                                    for v in spec["versions"]]),
                    ("duplicate version names", lambda: spec.update(versions=[
                        *spec["versions"], {**version, "weight": 0}])),
                    ("sampleRate with logging disabled", lambda: spec.update(
                        logConfig={"enabled": False, "sampleRate": r.randint(1, 1000)})),
                ],
            }
            if flaw == "cel":  # a Wasm plugin has no matcher: break its extension instead
                flaw = "pattern"
        else:
            chain = spec["extensionChains"][0]
            ext = chain["extensions"][0]
            traffic = m["kind"] == TRAFFIC

            def set_matcher(expr: str) -> None:
                chain["matchCondition"] = {"celExpressions": [{"celMatcher": expr}]}

            def service_without_authority() -> None:
                for key in ("authority", "googleAPIServiceName", "requestBodySendMode",
                            "responseBodySendMode"):
                    ext.pop(key, None)
                ext["backendRef"] = self.service_ref()

            def streamed_without_body() -> None:
                ext.pop("googleAPIServiceName", None)
                ext["backendRef"] = ref = self.service_ref()
                ext["authority"] = self.authority(ref)
                ext["supportedEvents"] = ["RequestHeaders"]
                ext["requestBodySendMode"] = "Streamed"

            def six_chains() -> None:
                chains = spec["extensionChains"]
                while len(chains) < 6:
                    chains += self.chains(traffic)
                for k, c in enumerate(chains):
                    c["name"] = f"c{k}-{self.tag()}"

            options = {
                "pattern": [
                    ("extension name with '_' and capitals",
                     lambda: ext.update(name=f"Ext_{self.tag()}")),
                    ("timeout '1.5s'", lambda: ext.update(timeout="1.5s")),
                    ("chain name with a space", lambda: chain.update(name=f"chain {self.tag()}")),
                    ("forwarded header with a space",
                     lambda: ext.update(forwardHeaders=[f"x {self.tag()}"])),
                    ("metadata.name in capitals",
                     lambda: m["metadata"].update(name=m["metadata"]["name"].upper())),
                ],
                "too-many": [
                    ("6 chains", six_chains),
                    ("4 extensions in a chain", lambda: chain.update(extensions=[
                        {**ext, "name": f"e{k}-{self.tag()}"} for k in range(4)])),
                    ("11 targetRefs", lambda: spec.update(targetRefs=[
                        {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                         "name": f"gw-{k}-{self.tag()}"} for k in range(11)])),
                    ("11 celExpressions", lambda: chain.update(matchCondition={
                        "celExpressions": [{"celMatcher": self.cel(traffic)}
                                           for _ in range(11)]})),
                    ("17 metadata entries", lambda: ext.update(metadata={
                        f"k{k}": self.tag() for k in range(17)})),
                ],
                "unknown-field": [
                    ("'extensionChain' (singular)",
                     lambda: spec.update(extensionChain=spec.pop("extensionChains"))),
                    ("'timeOut' in an extension", lambda: ext.update(timeOut="1s")),
                    ("'celMatchers' in a CEL expression",
                     lambda: chain.update(matchCondition={"celExpressions": [
                         {"celMatchers": self.cel(traffic)}]})),
                    ("'retries' in an extension", lambda: ext.update(retries=3)),
                ],
                "cel": [
                    ("unknown attribute request.url",
                     lambda: set_matcher(f"request.url.startsWith('{self.path()}')")),
                    ("function size() not allowed",
                     lambda: set_matcher(f"request.headers['x-{self.tag()}'].size() > 3")),
                    ("comparing a string to an int",
                     lambda: set_matcher(f"request.path == {r.randint(1, 99999)}")),
                    ("not a bool", lambda: set_matcher(f"request.host + '{self.path()}'")),
                    ("unbalanced parenthesis",
                     lambda: set_matcher(f"(request.path.startsWith('{self.path()}')")),
                    ("invalid RE2 in matches()",
                     lambda: set_matcher(f"request.path.matches('({self.tag()}')")),
                    ("has() not allowed",
                     lambda: set_matcher(f"has(request.headers) && request.host == "
                                         f"'{self.host()}'")),
                ],
                "cross-field": [
                    ("Service backend without authority", service_without_authority),
                    ("backendRef and googleAPIServiceName both set", lambda: ext.update(
                        backendRef=self.service_ref(),
                        googleAPIServiceName="modelarmor.googleapis.com")),
                    ("requestBodySendMode Streamed without RequestBody", streamed_without_body),
                    ("timeout 20s out of range", lambda: ext.update(timeout="20s")),
                    ("Service backend in group net.gke.io", lambda: ext.update(backendRef={
                        **self.service_ref(), "group": "net.gke.io"})),
                ],
            }
        what, apply = r.choice(options[flaw])
        apply()
        return flaw, what


def generate(n: int = 10_000, seed: int = 0, invalid_fraction: float = 0.05) -> list[Sample]:
    """``n`` distinct manifests; ``round(n * invalid_fraction)`` of them broken on purpose.

    The broken ones are spread at random through the corpus and cycle through :data:`FLAWS`.
    """
    gen = _Gen(seed)
    invalid = sorted(random.Random(seed ^ 0x5EED).sample(range(n), round(n * invalid_fraction)))
    flaw_of = {idx: FLAWS[k % len(FLAWS)] for k, idx in enumerate(invalid)}
    out = []
    for i in range(n):
        m = gen.valid(i)
        flaw, detail = flaw_of.get(i), ""
        if flaw is not None:
            flaw, detail = gen.break_(m, flaw)
        out.append(Sample(m, flaw, detail))
    return out


def manifests(n: int = 10_000, seed: int = 0, invalid_fraction: float = 0.05
              ) -> list[dict[str, Any]]:
    """The manifests of :func:`generate`, without their labels."""
    return [s.manifest for s in generate(n, seed, invalid_fraction)]


def cli_objects(seed: int = 7) -> list[dict[str, Any]]:
    """Three valid objects a team would keep in one file: a Wasm plugin, the traffic
    extension that runs it (next to a callout chain), and a routing extension."""
    gen = _Gen(seed)
    plugin = gen.wasm_object(0)
    plugin["metadata"]["namespace"] = "default"
    traffic = gen.extension_object(1, TRAFFIC)
    traffic["metadata"]["namespace"] = "default"
    chains = traffic["spec"]["extensionChains"]
    wasm_ext = {"name": "plugin", "supportedEvents": ["RequestHeaders", "ResponseHeaders"],
                "backendRef": {"group": "networking.gke.io", "kind": "GCPWasmPlugin",
                               "name": plugin["metadata"]["name"]}}
    chains.insert(0, {"name": "wasm-chain", "matchCondition": {"celExpressions": [
        {"celMatcher": gen.cel(True)}]}, "extensions": [wasm_ext]})
    del chains[3:]
    routing = gen.extension_object(2, ROUTING)
    routing["metadata"]["namespace"] = "default"
    return [plugin, traffic, routing]


def write_cli_file(path: str | Path, seed: int = 7) -> Path:
    """Write :func:`cli_objects` as one multi-document YAML file; returns its path."""
    path = Path(path)
    text = yaml.safe_dump_all(cli_objects(seed), sort_keys=False, width=100)
    path.write_text(text)
    return path


if __name__ == "__main__":
    # python benchmarks/_corpus.py [N [SEED]]      print N manifests (default 3) as YAML
    # python benchmarks/_corpus.py --cli-file [PATH]  write (or print) the CLI timing file
    import sys

    args = sys.argv[1:]
    if args[:1] == ["--cli-file"]:
        if len(args) > 1:
            print(write_cli_file(args[1]))
        else:
            print(yaml.safe_dump_all(cli_objects(), sort_keys=False, width=100), end="")
    else:
        count = int(args[0]) if args else 3
        for sample in generate(count, seed=int(args[1]) if len(args) > 1 else 0):
            print(f"# {sample.flaw or 'valid'}{': ' + sample.detail if sample.detail else ''}")
            print(yaml.safe_dump(sample.manifest, sort_keys=False, width=100), end="---\n")
