"""Base classes shared by every model: wire-form aliases, unknown-field preservation and
validated field assignment."""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from .._errors import ManifestValidationError, ObjectRef, Problem
from ._context import UnknownFields
from ._meta import ResourceInfo

if TYPE_CHECKING:
    from ._profiles import ProfileChoice

__all__ = ["KubeModel", "UnknownFields", "WireModel"]


_SCALARS = (str, int, float)


class WireModel(BaseModel):
    """A part of a Kubernetes object; attribute names are snake_case, wire names camelCase.

    Assigning a field is validated: the value's type (pydantic) and the field's own CRD
    rules (length, pattern, enum, range, item count; the rules every CRD profile shares) are
    checked, and a bad value raises :class:`~gke_service_extensions.ManifestValidationError`
    leaving the object unchanged. Assigning an attribute the model does not have is refused
    the same way (a typo would otherwise be kept as an unknown field). Rules that relate
    several fields, or differ between CRD profiles, run at ``validated()`` / ``problems()``
    and before the client sends anything.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        validate_assignment=True,
        protected_namespaces=(),
        defer_build=True,
    )

    def __setattr__(self, name: str, value: Any) -> None:
        cls = type(self)
        field = cls.__pydantic_fields__.get(name)
        if field is None:
            extra = self.__pydantic_extra__
            if name.startswith("_") or (extra is not None and name in extra):
                super().__setattr__(name, value)  # private attribute, or a preserved field
                return
            raise ManifestValidationError([Problem(name, _unknown_attribute(cls, name))],
                                          obj=ObjectRef(cls.__name__))
        wire = field.alias or name
        old = self.__dict__.get(name)
        was_set = name in self.__pydantic_fields_set__
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            problems = [Problem(_path(wire, err["loc"][1:]), err["msg"]) for err in exc.errors()]
            raise ManifestValidationError(problems, obj=ObjectRef(cls.__name__)) from None
        new = self.__dict__.get(name)
        if new is None or isinstance(new, _SCALARS):  # bool is an int
            wire_value = new.value if isinstance(new, enum.Enum) else new
        else:
            wire_value = self.model_dump(include={name}, by_alias=True, mode="json").get(wire)
        problems = _check_assignment()(cls, name, wire_value)
        if problems:
            self.__dict__[name] = old  # nothing changed
            if not was_set:
                self.__pydantic_fields_set__.discard(name)
            raise ManifestValidationError(problems, obj=ObjectRef(cls.__name__))

    def to_wire(self) -> dict[str, Any]:
        """The wire (camelCase) form of this part, with only the fields that were set."""
        # warnings=False: a trusted object keeps ill-typed values as given (see build())
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json", warnings=False)

    def __repr_args__(self) -> Any:
        # Concise in notebooks and logs: only the fields that hold something (not None).
        for name, value in super().__repr_args__():
            if value is not None:
                yield name, value

    def _repr_html_(self) -> str:
        """Jupyter: the wire form as YAML (only what is set)."""
        import html

        import yaml

        title = getattr(self, "ref", type(self).__name__)
        body = yaml.safe_dump(self.to_wire(), sort_keys=False).rstrip()
        return (f"<details open><summary><b>{html.escape(str(title))}</b></summary>"
                f"<pre>{html.escape(body)}</pre></details>")


class KubeModel(WireModel):
    """A whole Kubernetes object of a kind described by ``__resource__``."""

    __resource__: ClassVar[ResourceInfo]

    def __init__(self, **data: Any) -> None:
        typed = "api_version" in type(self).__pydantic_fields__
        if typed:
            info = self.__resource__
            if "apiVersion" not in data and "api_version" not in data:
                data["apiVersion"] = info.api_version
            if "kind" not in data:
                data["kind"] = info.kind
        super().__init__(**data)
        # apiVersion and kind belong in the manifest even when the caller left them out.
        if typed:
            self.__pydantic_fields_set__.update(("api_version", "kind"))

    @classmethod
    def from_manifest(
        cls,
        data: Mapping[str, Any],
        *,
        unknown_fields: UnknownFields = UnknownFields.REJECT,
        profile: ProfileChoice = None,
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

    def problems(self, *, profile: ProfileChoice = None) -> list[Problem]:
        """Every CRD rule this object breaks under ``profile`` (empty when valid).

        Objects built in Python are type-checked by pydantic only; this applies the CRD
        rules too, exactly as :meth:`from_manifest` does.
        """
        from ._validation import validate_model_data

        return validate_model_data(type(self), self.to_manifest(), profile=profile)

    def validated(self, *, profile: ProfileChoice = None) -> Self:
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
        return str(ObjectRef(self.__resource__.kind, name, getattr(meta, "namespace", None)))


@functools.cache
def _check_assignment() -> Callable[[type[WireModel], str, Any], list[Problem]]:
    from ._validation import check_assignment  # imports this module: loaded on first use

    return check_assignment


def _unknown_attribute(model: type[WireModel], name: str) -> str:
    import difflib

    known = sorted(model.model_fields)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{model.__name__} has no field {name!r}{hint}"


def _path(wire: str, loc: tuple[int | str, ...]) -> str:
    out = wire
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out
