"""Build a ``kubernetes`` ``ApiClient`` from a kubeconfig or the in-cluster service account.

Never touches the library's global default ``Configuration``: each load fills a fresh
``Configuration`` object. Never writes the kubeconfig back (``persist_config=False``).
TLS verification stays on unless the cluster entry says ``insecure-skip-tls-verify: true``.
The kubeconfig is parsed by the ``kubernetes`` loader with ``yaml.safe_load`` only.

Every load installs the redacting filter on the ``kubernetes`` library's loggers first (an
exec credential plugin runs during the load and its failure is logged with its stderr), and
warns with :class:`InsecureCredentialsWarning` when credentials would be sent over plain
``http://`` to a host that is not loopback.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from .._errors import KubeConfigError
from ._redact import Redactor, install_library_redaction, secrets_of

__all__ = [
    "SERVICE_ACCOUNT_DIR",
    "InsecureCredentialsWarning",
    "KubeConfigError",
    "LoadedConfig",
    "check_transport",
    "load_in_cluster",
    "load_kubeconfig",
]

_log = logging.getLogger("gke_service_extensions.kube")

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")

# Warnings point at the user's code: load_* <- ExtensionsClient.from_kubeconfig <- the caller.
_CALLER = 3

# Scrub credential-shaped text from loader messages (exec-plugin stderr may be in them).
_SCRUB = Redactor()


class InsecureCredentialsWarning(UserWarning):
    """Credentials (a bearer token or a password) will be sent over plain ``http://`` to a
    host that is not loopback: anyone on the path can read them. Use ``https://``.

    Issued once per client, when it is built; never for ``localhost``, ``127.0.0.0/8`` or
    ``::1``. Silence it with ``warnings.filterwarnings("ignore",
    category=InsecureCredentialsWarning)`` if the network really is trusted.
    """


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(configuration: Any, *, stacklevel: int = 2) -> bool:
    """Warn (:class:`InsecureCredentialsWarning`) if ``configuration`` sends credentials over
    plain HTTP to a non-loopback host; return whether it warned."""
    parts = urlsplit(str(getattr(configuration, "host", "") or ""))
    if parts.scheme.lower() != "http" or _is_loopback(parts.hostname or ""):
        return False
    if not (secrets_of(configuration) or getattr(configuration, "username", None)):
        return False
    host = parts.hostname or "?"
    warnings.warn(
        f"credentials will be sent unencrypted to http://{host}"
        f"{f':{parts.port}' if parts.port else ''}: use https:// (only loopback hosts are "
        "exempt from this warning)",
        InsecureCredentialsWarning, stacklevel=stacklevel + 1,
    )
    return True


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """An ``ApiClient`` plus what else the config said."""

    api_client: Any  # kubernetes.client.ApiClient
    namespace: str | None
    context: str | None


def _fresh_configuration() -> Any:
    from kubernetes.client import Configuration

    # type.__call__ skips nothing here, but makes explicit that no default is copied in.
    configuration = type.__call__(Configuration)
    # Our RetryPolicy owns retries; urllib3 must not retry (or wrap errors) underneath it.
    configuration.retries = False
    # Before loading: an exec credential plugin runs during the load and may fail loudly.
    install_library_redaction(configuration)
    return configuration


def load_kubeconfig(path: str | os.PathLike[str] | None = None,
                    context: str | None = None) -> LoadedConfig:
    """Load ``path`` (default: ``$KUBECONFIG``, else ``~/.kube/config``) for ``context``."""
    import yaml
    from kubernetes.client import ApiClient
    from kubernetes.config import kube_config
    from kubernetes.config.config_exception import ConfigException

    # $KUBECONFIG is read now: the kubernetes library froze its default at import time.
    source = (os.fspath(path) if path is not None
              else os.environ.get("KUBECONFIG") or "~/.kube/config")
    where = f"kubeconfig {source}"
    paths = [p for p in source.split(os.pathsep) if p]
    if not any(Path(p).expanduser().is_file() for p in paths):
        raise KubeConfigError(f"{where}: no such file")
    configuration = _fresh_configuration()
    try:
        loader = cast(Any, kube_config)._get_kube_config_loader(
            filename=source, active_context=context, persist_config=False
        )
        loader.load_and_set(configuration)
        current = loader.current_context
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        # The YAML error text can quote the offending line (which may hold a token): drop it.
        raise KubeConfigError(f"{where}: not valid YAML{at}") from None
    except ConfigException as exc:
        raise KubeConfigError(f"{where}: {_SCRUB(str(exc))}") from None
    except (KeyError, TypeError, ValueError, AttributeError, OSError) as exc:
        raise KubeConfigError(
            f"{where}: malformed ({type(exc).__name__}: {_SCRUB(str(exc))[:200]})"
        ) from None
    ctx_name = current.get("name") if isinstance(current, Mapping) else None
    ctx = current.get("context") if isinstance(current, Mapping) else None
    namespace = ctx.get("namespace") if isinstance(ctx, Mapping) else None
    if not configuration.verify_ssl:
        _log.warning("%s: TLS verification disabled by insecure-skip-tls-verify", where)
    check_transport(configuration, stacklevel=_CALLER)
    return LoadedConfig(
        ApiClient(configuration=configuration),
        namespace if isinstance(namespace, str) and namespace else None,
        ctx_name if isinstance(ctx_name, str) else None,
    )


def load_in_cluster(
    *,
    account_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> LoadedConfig:
    """Load the pod's service account (token, CA, namespace) and ``KUBERNETES_SERVICE_*``."""
    account_dir = SERVICE_ACCOUNT_DIR if account_dir is None else account_dir
    from kubernetes.client import ApiClient
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.incluster_config import InClusterConfigLoader

    configuration = _fresh_configuration()
    loader = cast(Any, InClusterConfigLoader)(
        token_filename=str(account_dir / "token"),
        cert_filename=str(account_dir / "ca.crt"),
        environ=os.environ if environ is None else environ,
    )
    try:
        loader.load_and_set(configuration)
    except ConfigException as exc:
        raise KubeConfigError(f"in-cluster config: {_SCRUB(str(exc))}") from None
    except OSError as exc:
        raise KubeConfigError(f"in-cluster config: {type(exc).__name__}: {exc.strerror}") from None
    check_transport(configuration, stacklevel=_CALLER)
    namespace: str | None = None
    ns_file = account_dir / "namespace"
    if ns_file.is_file():
        namespace = ns_file.read_text(encoding="utf-8").strip() or None
    return LoadedConfig(ApiClient(configuration=configuration), namespace, None)
