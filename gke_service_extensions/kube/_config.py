"""Build a ``kubernetes`` ``ApiClient`` from a kubeconfig or the in-cluster service account.

Never touches the library's global default ``Configuration``: each load fills a fresh
``Configuration`` object. Never writes the kubeconfig back (``persist_config=False``).
TLS verification stays on unless the cluster entry says ``insecure-skip-tls-verify: true``.
The kubeconfig is parsed by the ``kubernetes`` loader with ``yaml.safe_load`` only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from .._errors import KubeConfigError
from ._redact import Redactor

__all__ = [
    "SERVICE_ACCOUNT_DIR",
    "KubeConfigError",
    "LoadedConfig",
    "load_in_cluster",
    "load_kubeconfig",
]

_log = logging.getLogger("gke_service_extensions.kube")

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")

# Scrub credential-shaped text from loader messages (exec-plugin stderr may be in them).
_SCRUB = Redactor()


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
    namespace: str | None = None
    ns_file = account_dir / "namespace"
    if ns_file.is_file():
        namespace = ns_file.read_text(encoding="utf-8").strip() or None
    return LoadedConfig(ApiClient(configuration=configuration), namespace, None)
