"""Reading and writing multi-document YAML manifests."""

from __future__ import annotations

import codecs
import enum
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .._errors import ManifestParseError, UnknownKindError
from ._base import KubeModel, UnknownFields
from ._limits import clip, describe
from ._profiles import ProfileChoice
from ._registry import model_for

__all__ = ["OtherKinds", "dump_manifests", "load_manifests"]



def _yaml() -> tuple[Any, type[Any], type[Any]]:
    from ._yaml import yaml_modules

    return yaml_modules()


class OtherKinds(enum.Enum):
    """What :func:`load_manifests` does with a document of a kind it does not model."""

    ERROR = "error"
    RETURN_DICT = "return_dict"


def _show(value: Any) -> str:
    return clip(value) if isinstance(value, str) else describe(value)


def _decode(data: bytes, where: str) -> str:
    """Text of a manifest file: UTF-8 (a BOM allowed), or UTF-16/32 with a BOM."""
    encoding = "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ManifestParseError(f"{where} is not UTF-8 text: byte {data[err.start]:#04x} at "
                                 f"line {line} (save it as UTF-8)", line=line) from None


def _read_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ManifestParseError(f"no such manifest file: {path}") from None
    except IsADirectoryError:
        raise ManifestParseError(f"{path} is a directory, not a manifest file") from None
    except OSError as err:
        raise ManifestParseError(f"cannot read manifest file {path}: "
                                 f"{err.strerror or err}") from None
    return _decode(data, str(path))


def _read(source: str | os.PathLike[str]) -> str:
    if isinstance(source, os.PathLike):
        return _read_file(Path(source))
    if "\n" not in source and source.strip().endswith((".yaml", ".yml", ".json")):
        path = Path(source)
        try:
            is_file = path.is_file()
        except (OSError, ValueError):
            is_file = False
        if is_file:
            return _read_file(path)
        raise ManifestParseError(f"no such manifest file: {clip(source, 300)}")
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
    from ._yaml import load_documents

    documents = load_documents(_read(source))
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
                f"document {index} has apiVersion/kind {_show(api_version)}/{_show(kind)}, "
                "which is not "
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
