"""What one validation run carries besides the data (light: no pydantic, no models)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .._errors import Problem
from ._limits import MAX_PROBLEMS
from ._profiles import CRDProfile, KindRules

__all__ = ["Context", "UnknownFields"]


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


@dataclass(slots=True)
class Context:
    """What a validation run needs besides the data."""

    kind: str
    profile: CRDProfile
    rules: KindRules | None
    unknown_fields: UnknownFields
    problems: list[Problem] = field(default_factory=list)
    open_depth: int = 0
    #: problems found beyond MAX_PROBLEMS (counted, not listed)
    dropped: int = 0

    @property
    def full(self) -> bool:
        """True once MAX_PROBLEMS problems are listed: further ones are only counted."""
        return len(self.problems) >= MAX_PROBLEMS

    def add(self, path: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(path, message))
        else:
            self.dropped += 1

    def finish(self) -> list[Problem]:
        """The problems, with a last one saying how many more were found, if any."""
        if self.dropped:
            self.problems.append(Problem("", f"... and at least {self.dropped:,} more "
                                             f"problem{'s' if self.dropped != 1 else ''}, "
                                             "not listed"))
            self.dropped = 0
        return self.problems
