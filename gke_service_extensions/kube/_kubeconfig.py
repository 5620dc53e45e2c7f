"""Our own kubeconfig and in-cluster loader: no ``kubernetes`` import.

:func:`read_kubeconfig` / :func:`read_in_cluster` return a :class:`Connection` (where the
server is, how to trust it, how to authenticate) for the configurations they fully support,
and ``None`` for anything else: ``ExtensionsClient.from_kubeconfig()`` / ``in_cluster()`` then
fall back to the ``kubernetes`` library's loader and ``ApiClientTransport`` (whose errors,
for a malformed file, are the ones users see).

Supported (see docs/kubernetes.md, "Which transport"):

* files: ``$KUBECONFIG`` path lists merged as kubectl merges them (the first file to set a
  value or a named entry wins, empty names ignored, missing files skipped), else
  ``~/.kube/config``; relative file paths resolve against the file that holds the entry;
* context: ``current-context`` or an explicit one; its ``namespace``;
* cluster: ``server``, ``certificate-authority(-data)``, ``insecure-skip-tls-verify``,
  ``tls-server-name``, ``proxy-url`` (``http://`` / ``https://`` proxies);
* user: ``client-certificate(-data)`` + ``client-key(-data)``, ``token``, ``tokenFile``
  (re-read when the file changes), ``username`` / ``password``, ``exec`` plugins
  (``client.authentication.k8s.io/v1`` and ``v1beta1``, see :class:`ExecPlugin`);
* in cluster: the service account's token (re-read when the file changes), ``ca.crt`` and
  ``namespace``, ``KUBERNETES_SERVICE_HOST`` / ``_PORT``.

Not supported (fallback): ``auth-provider`` (gcp, oidc, azure), SOCKS proxies, exec plugins
with ``interactiveMode: Always``, any file that does not parse or lacks what is needed.
Precedence of credentials is the ``kubernetes`` library's: ``token`` / ``tokenFile``, then
``exec``, then ``username`` / ``password``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from .._errors import KubeConfigError
from ._redact import REDACTED

__all__ = [
    "Connection",
    "Credentials",
    "ExecPlugin",
    "FileOrData",
    "read_in_cluster",
    "read_kubeconfig",
]

EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")


class _Unsupported(Exception):
    """This configuration is for the ``kubernetes`` library's loader."""


@dataclass(frozen=True, slots=True)
class FileOrData:
    """A PEM blob given inline (``*-data``, base64) or as a file (read when needed)."""

    path: str | None = None
    data: bytes | None = None

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        return Path(self.path).read_bytes()

    def __bool__(self) -> bool:
        return self.path is not None or self.data is not None


@dataclass(frozen=True, slots=True)
class ExecPlugin:
    """A ``users[].user.exec`` entry: a command printing an ``ExecCredential`` on stdout.

    Run without a terminal (``spec.interactive: false``; ``interactiveMode: Always`` is left
    to the ``kubernetes`` library), with the kubeconfig's ``env`` added to ours and
    ``KUBERNETES_EXEC_INFO`` set (with ``spec.cluster`` when ``provideClusterInfo``). The
    token is cached until its ``expirationTimestamp`` and refreshed once on a 401. Its stderr
    is never shown: it may hold credentials.
    """

    api_version: str
    command: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    install_hint: str | None = None
    cwd: str | None = None
    cluster: Mapping[str, Any] | None = None  # spec.cluster when provideClusterInfo

    def run(self, timeout: float = 60.0) -> tuple[str, float | None]:
        """Run the plugin: ``(token, expiry as epoch seconds or None)``."""
        info: dict[str, Any] = {"apiVersion": self.api_version, "kind": "ExecCredential",
                                "spec": {"interactive": False}}
        if self.cluster is not None:
            info["spec"]["cluster"] = dict(self.cluster)
        env = {**os.environ, **dict(self.env), "KUBERNETES_EXEC_INFO": json.dumps(info)}
        where = f"exec plugin {self.command!r}"
        try:
            proc = subprocess.run(  # noqa: S603 (the kubeconfig names the plugin)
                [self.command, *self.args], env=env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                capture_output=True, timeout=timeout, check=False,
                shell=sys.platform in ("win32", "cygwin"))
        except FileNotFoundError:
            hint = f" ({self.install_hint.strip()})" if self.install_hint else ""
            raise KubeConfigError(f"{where}: command not found{hint}") from None
        except subprocess.TimeoutExpired:
            raise KubeConfigError(f"{where}: no answer within {timeout:g}s") from None
        except OSError as exc:
            raise KubeConfigError(f"{where}: cannot run: {exc.strerror}") from None
        if proc.returncode != 0:
            # Never the stderr itself: a plugin may print the token it failed to refresh.
            said = f". stderr: {REDACTED}" if proc.stderr.strip() else ""
            raise KubeConfigError(f"{where}: exec: process returned {proc.returncode}{said}")
        try:
            data = json.loads(proc.stdout)
        except ValueError:
            raise KubeConfigError(f"{where}: output is not an ExecCredential (not JSON)"
                                  ) from None
        status = data.get("status") if isinstance(data, dict) else None
        if not isinstance(status, dict) or data.get("kind") != "ExecCredential":
            raise KubeConfigError(f"{where}: output is not an ExecCredential")
        if data.get("apiVersion") != self.api_version:
            raise KubeConfigError(f"{where}: answered apiVersion {data.get('apiVersion')!r}, "
                                  f"expected {self.api_version!r}")
        token = status.get("token")
        if not isinstance(token, str) or not token:
            what = ("client certificates (clientCertificateData), which only the kubernetes "
                    "library's transport supports: set GKE_SE_KUBE_TRANSPORT=kubernetes"
                    if "clientCertificateData" in status else "no token")
            raise KubeConfigError(f"{where}: the ExecCredential holds {what}")
        expiry = status.get("expirationTimestamp")
        return token, (_epoch(expiry) if isinstance(expiry, str) and expiry else None)


def _epoch(rfc3339: str) -> float:
    try:
        return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise KubeConfigError(f"exec plugin: bad expirationTimestamp {rfc3339!r}") from None


class Credentials:
    """How requests authenticate; thread-safe; knows its secrets for the redactor.

    ``authorization()`` is the ``Authorization`` header value (or None): a static token,
    a token file re-read when it changes (mtime or size), an exec plugin's token (cached
    until it expires), or basic auth. ``refresh()`` after a 401 forgets a cached exec token
    and says whether a retry may help.
    """

    def __init__(self, *, token: str | None = None, token_file: str | None = None,
                 username: str | None = None, password: str | None = None,
                 exec_plugin: ExecPlugin | None = None,
                 client_key: FileOrData | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._token = token
        self._token_file = token_file
        self._file_stamp: tuple[int, int] | None = None
        self._file_token_value = ""
        self._username = username
        self._password = password
        self._exec = exec_plugin
        self._exec_token: str | None = None
        self._exec_expiry: float | None = None
        self._client_key = client_key
        self._clock = clock
        self._lock = threading.Lock()
        self._known: set[str] = set()
        if token:
            self._known.add(token)
        if password:
            self._known.add(password)
            self._known.add(self._basic())
        if client_key is not None and client_key.data is not None:
            self._known.add(client_key.data.decode("utf-8", "replace").strip())

    @property
    def present(self) -> bool:
        """Whether any credential (header) is configured."""
        return bool(self._token or self._token_file or self._exec
                    or (self._username is not None and self._password is not None))

    def _basic(self) -> str:
        pair = f"{self._username or ''}:{self._password or ''}".encode()
        return base64.b64encode(pair).decode()

    def authorization(self) -> str | None:
        if self._token:
            return f"Bearer {self._token}"
        if self._token_file:
            return f"Bearer {self._file_token()}"
        if self._exec is not None:
            return f"Bearer {self._exec_bearer()}"
        if self._username is not None and self._password is not None:
            return f"Basic {self._basic()}"
        return None

    def refresh(self) -> bool:
        """Forget what a 401 proved stale; True if the next ``authorization()`` may differ."""
        with self._lock:
            if self._exec is not None and not self._token and not self._token_file:
                self._exec_token = None
                return True
            if self._token_file and not self._token:
                self._file_stamp = None
                return True
        return False

    def _file_token(self) -> str:
        assert self._token_file is not None
        with self._lock:
            try:
                st = os.stat(self._token_file)
                stamp = (st.st_mtime_ns, st.st_size)
                if stamp != self._file_stamp:
                    text = Path(self._token_file).read_text(encoding="utf-8").strip()
                    if not text:
                        raise KubeConfigError(f"token file {self._token_file} is empty")
                    self._file_token_value = text
                    self._known.add(text)
                    self._file_stamp = stamp
            except OSError as exc:
                raise KubeConfigError(
                    f"token file {self._token_file}: {exc.strerror or exc}") from None
            return self._file_token_value

    def _exec_bearer(self) -> str:
        assert self._exec is not None
        with self._lock:
            now = self._clock()
            if self._exec_token is None or (self._exec_expiry is not None
                                            and now >= self._exec_expiry):
                token, expiry = self._exec.run()
                self._exec_token, self._exec_expiry = token, expiry
                self._known.add(token)
            return self._exec_token

    def secrets(self) -> list[str]:
        """Every credential value this connection has used or holds."""
        with self._lock:
            found = list(self._known)
        if self._client_key is not None and self._client_key.path is not None:
            # read when asked: redaction is rare and the file may be rotated
            with contextlib.suppress(OSError):
                found.append(Path(self._client_key.path).read_text("utf-8", "replace").strip())
        return found


@dataclass(frozen=True, slots=True)
class Connection:
    """Everything needed to talk to one API server, as loaded from a kubeconfig or a pod."""

    server: str
    credentials: Credentials
    where: str
    namespace: str | None = None
    context: str | None = None
    certificate_authority: FileOrData = field(default_factory=FileOrData)
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    proxy_url: str | None = None
    client_certificate: FileOrData = field(default_factory=FileOrData)
    client_key: FileOrData = field(default_factory=FileOrData)


# --------------------------------------------------------------------------- kubeconfig


def kubeconfig_paths(path: str | os.PathLike[str] | None) -> list[str]:
    """The files named by ``path``, else ``$KUBECONFIG``, else ``~/.kube/config``."""
    source = (os.fspath(path) if path is not None
              else os.environ.get("KUBECONFIG") or "~/.kube/config")
    return [os.path.expanduser(p) for p in source.split(os.pathsep) if p]


def read_kubeconfig(path: str | os.PathLike[str] | None = None,
                    context: str | None = None) -> Connection | None:
    """The connection of ``context`` (default: the current one), or None when this loader
    does not fully support the configuration (see the module docstring)."""
    try:
        return _read_kubeconfig(kubeconfig_paths(path), context)
    except (_Unsupported, KubeConfigError):
        return None
    except (KeyError, TypeError, ValueError, AttributeError, OSError, yaml.YAMLError):
        return None  # malformed: the kubernetes loader reports it in its words


def _read_kubeconfig(paths: list[str], context: str | None) -> Connection:
    merged: dict[str, Any] = {}
    named: dict[str, dict[str, tuple[dict[str, Any], str]]] = {
        "clusters": {}, "contexts": {}, "users": {}}
    for p in paths:
        if not os.path.isfile(p):
            continue
        with open(p, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise _Unsupported(f"{p}: not a mapping")
        base = os.path.dirname(os.path.abspath(p))
        for key in ("current-context",):
            if doc.get(key) and key not in merged:
                merged[key] = doc[key]
        for section, entries in named.items():
            for item in doc.get(section) or []:
                name = item["name"]
                if name not in entries:  # the first file to set a name wins
                    entries[name] = (item, base)
    ctx_name = context or merged.get("current-context")
    if not ctx_name or ctx_name not in named["contexts"]:
        raise _Unsupported("no such context")
    ctx = named["contexts"][ctx_name][0].get("context") or {}
    cluster_entry = named["clusters"].get(str(ctx.get("cluster")))
    if cluster_entry is None:
        raise _Unsupported("no such cluster")
    cluster, cluster_base = cluster_entry[0].get("cluster") or {}, cluster_entry[1]
    user: dict[str, Any] = {}
    user_base = cluster_base
    if ctx.get("user") and ctx["user"] in named["users"]:
        entry = named["users"][ctx["user"]]
        user, user_base = entry[0].get("user") or {}, entry[1]
    server = str(cluster["server"]).rstrip("/")
    https = server.lower().startswith("https")
    proxy = cluster.get("proxy-url") or None
    if proxy is not None and not str(proxy).lower().startswith(("http://", "https://")):
        raise _Unsupported("proxy-url scheme")
    if "auth-provider" in user:
        raise _Unsupported("auth-provider")
    credentials = _credentials(user, user_base, cluster, server)
    namespace = ctx.get("namespace")
    return Connection(
        server=server,
        credentials=credentials,
        where=f"kubeconfig {os.pathsep.join(paths)}",
        namespace=namespace if isinstance(namespace, str) and namespace else None,
        context=str(ctx_name),
        certificate_authority=(_file_or_data(cluster, "certificate-authority", cluster_base)
                               if https else FileOrData()),
        insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify", False)),
        tls_server_name=cluster.get("tls-server-name") or None,
        proxy_url=str(proxy) if proxy else None,
        client_certificate=(_file_or_data(user, "client-certificate", user_base)
                            if https else FileOrData()),
        client_key=_file_or_data(user, "client-key", user_base) if https else FileOrData(),
    )


def _file_or_data(obj: Mapping[str, Any], key: str, base: str) -> FileOrData:
    data = obj.get(f"{key}-data")
    if data:
        return FileOrData(data=base64.b64decode(data))
    name = obj.get(key)
    if name:
        path = os.path.normpath(os.path.join(base, os.path.expanduser(str(name))))
        if not os.path.isfile(path):
            raise _Unsupported(f"{key}: no such file")  # the kubernetes loader says so
        return FileOrData(path=path)
    return FileOrData()


def _credentials(user: Mapping[str, Any], base: str, cluster: Mapping[str, Any],
                 server: str) -> Credentials:
    key = _file_or_data(user, "client-key", base) if user.get("client-key-data") or \
        user.get("client-key") else None
    token = user.get("token") or None
    token_file = None
    if not token and user.get("tokenFile"):
        token_file = os.path.normpath(os.path.join(base, str(user["tokenFile"])))
        if not os.path.isfile(token_file):
            raise _Unsupported("tokenFile: no such file")
    if token or token_file:
        return Credentials(token=str(token) if token else None, token_file=token_file,
                           client_key=key)
    if user.get("exec"):
        return Credentials(exec_plugin=_exec_plugin(user["exec"], base, cluster, server),
                           client_key=key)
    if "username" in user and "password" in user:
        return Credentials(username=str(user["username"]), password=str(user["password"]),
                           client_key=key)
    return Credentials(client_key=key)


def _exec_plugin(spec: Mapping[str, Any], base: str, cluster: Mapping[str, Any],
                 server: str) -> ExecPlugin:
    api_version = spec["apiVersion"]
    if api_version not in EXEC_API_VERSIONS:
        raise _Unsupported(f"exec apiVersion {api_version}")
    if spec.get("interactiveMode") == "Always":
        raise _Unsupported("exec interactiveMode Always")
    info: dict[str, Any] | None = None
    if spec.get("provideClusterInfo"):
        info = {"server": server}
        for ours, theirs in (("certificate-authority-data", "certificate-authority-data"),
                             ("insecure-skip-tls-verify", "insecure-skip-tls-verify"),
                             ("tls-server-name", "tls-server-name"),
                             ("proxy-url", "proxy-url")):
            if theirs in cluster:
                info[_camel(ours)] = cluster[theirs]
        for ext in cluster.get("extensions") or []:
            if ext.get("name") == "client.authentication.k8s.io/exec":
                info["config"] = ext.get("extension")
    command = str(spec["command"])
    if os.sep in command and not os.path.isabs(command):
        command = os.path.normpath(os.path.join(base, command))  # as kubectl resolves it
    return ExecPlugin(
        api_version=str(api_version),
        command=command,
        args=tuple(str(a) for a in spec.get("args") or ()),
        env=tuple((str(e["name"]), str(e["value"])) for e in spec.get("env") or ()),
        install_hint=spec.get("installHint") or None,
        cwd=base or None,
        cluster=info,
    )


def _camel(name: str) -> str:
    head, *rest = name.split("-")
    return head + "".join(w.capitalize() for w in rest)


# --------------------------------------------------------------------------- in cluster


def read_in_cluster(account_dir: Path, environ: Mapping[str, str] | None = None
                    ) -> Connection | None:
    """The pod's connection (service account token, CA, namespace), or None when something
    is missing (the ``kubernetes`` loader then says what)."""
    env = os.environ if environ is None else environ
    host, port = env.get("KUBERNETES_SERVICE_HOST"), env.get("KUBERNETES_SERVICE_PORT")
    token, ca = account_dir / "token", account_dir / "ca.crt"
    try:
        if not host or not port or not token.read_text(encoding="utf-8").strip() \
                or not ca.read_bytes():
            return None
        ns_file = account_dir / "namespace"
        namespace = (ns_file.read_text(encoding="utf-8").strip() or None
                     if ns_file.is_file() else None)
    except OSError:
        return None
    netloc = f"[{host}]:{port}" if ":" in host or "%" in host else f"{host}:{port}"
    return Connection(server=f"https://{netloc}",
                      credentials=Credentials(token_file=str(token)),
                      where="in-cluster config", namespace=namespace,
                      certificate_authority=FileOrData(path=str(ca)))


# --------------------------------------------------------------------------- the choice

#: Environment variable: ``kubernetes`` makes ``from_kubeconfig()`` / ``in_cluster()`` always
#: use the ``kubernetes`` library (``ApiClientTransport``); ``auto`` (default) uses
#: ``Urllib3Transport`` whenever this loader supports the configuration.
TRANSPORT_ENV = "GKE_SE_KUBE_TRANSPORT"


def light_transport_allowed() -> bool:
    """Whether :data:`TRANSPORT_ENV` lets ``from_kubeconfig()`` skip the ``kubernetes`` package."""
    value = os.environ.get(TRANSPORT_ENV, "").strip().lower()
    if value in ("", "auto"):
        return True
    if value == "kubernetes":
        return False
    raise KubeConfigError(f"{TRANSPORT_ENV}={value!r}: expected 'auto' or 'kubernetes'")
