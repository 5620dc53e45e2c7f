"""Reading and writing multi-document YAML manifests."""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .._errors import ManifestParseError, UnknownKindError
from ._base import KubeModel, UnknownFields
from ._profiles import ProfileChoice
from ._registry import model_for

__all__ = ["OtherKinds", "dump_manifests", "load_manifests"]



def _yaml() -> tuple[Any, type[Any], type[Any]]:
    """PyYAML with its safe loader and dumper (C versions when built); imported on first use."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml, loader, dumper


class OtherKinds(enum.Enum):
    """What :func:`load_manifests` does with a document of a kind it does not model."""

    ERROR = "error"
    RETURN_DICT = "return_dict"


def _read(source: str | os.PathLike[str]) -> str:
    if isinstance(source, os.PathLike):
        return Path(source).read_text(encoding="utf-8")
    if "\n" not in source and source.strip().endswith((".yaml", ".yml", ".json")):
        path = Path(source)
        if path.is_file():
            return path.read_text(encoding="utf-8")
        raise ManifestParseError(f"no such manifest file: {source}")
    return source


def load_manifests(
    source: str | os.PathLike[str],
    *,
    other_kinds: OtherKinds = OtherKinds.ERROR,
    unknown_fields: UnknownFields = UnknownFields.REJECT,
    profile: ProfileChoice = None,
) -> list[KubeModel | dict[str, Any]]:
    """Read multi-document YAML (text, or a path) into typed objects.

    Documents are dispatched on ``apiVersion`` + ``kind``. A document of another kind is an
    :class:`~gke_service_extensions.UnknownKindError` naming its index, unless
    ``other_kinds=OtherKinds.RETURN_DICT`` asks for it back as a plain dict. Empty documents
    are skipped. Invalid documents raise :class:`ManifestValidationError` for the first
    invalid document, naming its index and listing all of its problems. ``profile`` picks
    the CRD rules (a name or a :class:`CRDProfile`; None: ``$GKE_SE_CRD_PROFILE`` if set,
    else :data:`DEFAULT_PROFILE`).
    """
    from ._validation import build

    text = _read(source)
    yaml, loader, _ = _yaml()
    try:
        # A safe loader: CSafeLoader when available, else SafeLoader.
        documents = list(yaml.load_all(text, Loader=loader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ManifestParseError(f"manifest is not valid YAML{where}: {problem}") from None
    out: list[KubeModel | dict[str, Any]] = []
    for index, doc in enumerate(documents):
        if doc is None:
            continue
        if not isinstance(doc, Mapping):
            raise ManifestParseError(
                f"document {index} is not a mapping (got {type(doc).__name__})",
                document_index=index,
            )
        api_version, kind = doc.get("apiVersion"), doc.get("kind")
        model = model_for(api_version if isinstance(api_version, str) else None,
                          kind if isinstance(kind, str) else None)
        if model is None:
            if other_kinds is OtherKinds.RETURN_DICT:
                out.append(dict(doc))
                continue
            raise UnknownKindError(
                f"document {index} has apiVersion/kind {api_version}/{kind}, which is not "
                "modelled (pass other_kinds=OtherKinds.RETURN_DICT to get it back as a dict)",
                api_version=api_version if isinstance(api_version, str) else None,
                kind=kind if isinstance(kind, str) else None,
                document_index=index,
            )
        out.append(build(model, doc, unknown_fields=unknown_fields, profile=profile,
                         document_index=index))
    return out


def dump_manifests(objects: Iterable[KubeModel | Mapping[str, Any]]) -> str:
    """Multi-document YAML of the given objects (models or plain mappings)."""
    yaml, _, dumper = _yaml()
    docs = [o.to_manifest() if isinstance(o, KubeModel) else dict(o) for o in objects]
    return str(yaml.dump_all(docs, Dumper=dumper, sort_keys=False, default_flow_style=False,
                         explicit_start=True, allow_unicode=True))
