"""Base classes shared by every model: wire-form aliases and unknown-field preservation."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from .._errors import Problem
from ._meta import ResourceInfo

__all__ = ["KubeModel", "UnknownFields", "WireModel"]


class UnknownFields(enum.Enum):
    """What to do with fields the models do not know.

    ``REJECT`` (the default) is for manifests a person wrote: an unknown field is almost
    always a typo (``extensionChain``) and is reported as a problem. ``PRESERVE`` is for
    objects read from a cluster: fields of newer CRDs and server-populated fields are kept
    and written back unchanged by ``to_manifest()``; the object is trusted as the API server
    already admitted it, so CRD rules are not re-checked.
    """

    REJECT = "reject"
    PRESERVE = "preserve"


class WireModel(BaseModel):
    """A part of a Kubernetes object; attribute names are snake_case, wire names camelCase."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        validate_assignment=False,
        protected_namespaces=(),
        defer_build=True,
    )

    def to_wire(self) -> dict[str, Any]:
        """The wire (camelCase) form of this part, with only the fields that were set."""
        # warnings=False: a trusted object keeps ill-typed values as given (see build())
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json", warnings=False)


class KubeModel(WireModel):
    """A whole Kubernetes object of a kind described by ``__resource__``."""

    __resource__: ClassVar[ResourceInfo]

    def __init__(self, **data: Any) -> None:
        if "api_version" in type(self).model_fields:
            info = self.__resource__
            if "apiVersion" not in data and "api_version" not in data:
                data["apiVersion"] = info.api_version
            if "kind" not in data:
                data["kind"] = info.kind
        super().__init__(**data)
        # apiVersion and kind belong in the manifest even when the caller left them out.
        if "api_version" in type(self).model_fields:
            self.model_fields_set.update({"api_version", "kind"})

    @classmethod
    def from_manifest(
        cls,
        data: Mapping[str, Any],
        *,
        unknown_fields: UnknownFields = UnknownFields.REJECT,
        profile: str | None = None,
    ) -> Self:
        """Validate a manifest (wire-form mapping) and build the typed object.

        Raises :class:`~gke_service_extensions.ManifestValidationError` listing every problem,
        each with its YAML path.
        """
        from ._validation import build

        return build(cls, data, unknown_fields=unknown_fields, profile=profile)

    def to_manifest(self) -> dict[str, Any]:
        """The manifest (wire form), exactly as given: nothing defaulted is added."""
        return self.to_wire()

    def problems(self, *, profile: str | None = None) -> list[Problem]:
        """Every CRD rule this object breaks under ``profile`` (empty when valid).

        Objects built in Python are type-checked by pydantic only; this applies the CRD
        rules too, exactly as :meth:`from_manifest` does.
        """
        from ._validation import validate_model_data

        return validate_model_data(type(self), self.to_manifest(), profile=profile)

    def validated(self, *, profile: str | None = None) -> Self:
        """Return ``self`` if it satisfies every CRD rule, else raise
        :class:`~gke_service_extensions.ManifestValidationError` listing every problem."""
        from ._validation import ensure_valid

        ensure_valid(type(self), self.to_manifest(), profile=profile)
        return self

    @property
    def ref(self) -> str:
        """``Kind namespace/name``, as used in messages."""
        meta = getattr(self, "metadata", None)
        name = getattr(meta, "name", None) or "<unnamed>"
        ns = getattr(meta, "namespace", None)
        return f"{self.__resource__.kind} {ns}/{name}" if ns else f"{self.__resource__.kind} {name}"
