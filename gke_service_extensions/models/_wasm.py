"""GCPWasmPlugin (``networking.gke.io/v1``)."""

from __future__ import annotations

import enum
from typing import Annotated

from pydantic import Field

from ._base import KubeModel, WireModel
from ._common import DNS_LABEL, ObjectMeta, PolicyStatus
from ._meta import WASM_PLUGIN
from ._rules import Choice, Items, Number, PatternSpec, Text

__all__ = ["GCPWasmPlugin", "LogConfig", "LogLevel", "WasmPluginSpec", "WasmPluginVersion"]

IMAGE = PatternSpec(
    r"^(https://)?([^/][a-z0-9-.]+)/[a-z0-9-./:@?=]+$",
    "an image reference such as us-docker.pkg.dev/PROJECT/REPO/IMAGE:TAG (lowercase)",
)
KMS_KEY = PatternSpec(
    r"^projects/([^/]+)/locations/([^/]+)/keyRings/([^/]+)/cryptoKeys/([^/]+)$",
    "projects/P/locations/L/keyRings/K/cryptoKeys/C",
)
MAX_WEIGHT = 1_000_000


class LogLevel(enum.StrEnum):
    """The lowest level of plugin logs exported to Cloud Logging."""

    TRACE = "TRACE"
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


class WasmPluginVersion(WireModel):
    """One version of a plugin. The version with a non-zero weight is the one serving."""

    name: Annotated[str, Text(min_len=1, max_len=63, pattern=DNS_LABEL)]
    description: Annotated[str | None, Text(max_len=1024)] = None
    image: Annotated[str, Text(max_len=2000, pattern=IMAGE)]
    weight: Annotated[int, Number(0, MAX_WEIGHT)]
    plugin_config_uri: Annotated[str | None, Text(max_len=2000, pattern=IMAGE)] = Field(
        default=None, alias="pluginConfigURI"
    )

    @property
    def serving(self) -> bool:
        """Whether this version carries traffic (non-zero weight)."""
        return self.weight != 0


class LogConfig(WireModel):
    """Cloud Logging settings of a plugin; logging is off when absent."""

    enabled: bool
    sample_rate: Annotated[int | None, Number(0, MAX_WEIGHT)] = None
    min_log_level: Annotated[str | None, Choice(tuple(LogLevel))] = None


class WasmPluginSpec(WireModel):
    """``spec`` of GCPWasmPlugin."""

    versions: Annotated[list[WasmPluginVersion], Items(1, 10)]
    log_config: LogConfig | None = None
    kms_key_name: Annotated[str | None, Text(max_len=1000, pattern=KMS_KEY)] = None

    @property
    def serving_version(self) -> WasmPluginVersion | None:
        """The version with a non-zero weight (``None`` if there is none)."""
        return next((v for v in self.versions if v.serving), None)


class GCPWasmPlugin(KubeModel):
    """A Wasm module run inside the load balancer's data path (GCP ``WasmPlugin``)."""

    __resource__ = WASM_PLUGIN

    api_version: str = Field(alias="apiVersion")
    kind: str
    metadata: ObjectMeta
    spec: WasmPluginSpec
    status: PolicyStatus | None = None
