"""Government Security Classifications as Crimelink holds them.

Crimelink holds OFFICIAL and OFFICIAL-SENSITIVE only. SECRET and TOP SECRET material must never be
entered; :func:`parse_classification` refuses it with a clear error.

>>> parse_classification("official sensitive")
<Classification.OFFICIAL_SENSITIVE: 'OFFICIAL-SENSITIVE'>
"""

from __future__ import annotations

import re
from enum import StrEnum

from crimelink.errors import ClassificationError


class Classification(StrEnum):
    """A marking Crimelink accepts. OFFICIAL-SENSITIVE is OFFICIAL with the SENSITIVE caveat."""

    OFFICIAL = "OFFICIAL"
    OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"

    @property
    def rank(self) -> int:
        return 0 if self is Classification.OFFICIAL else 1

    @property
    def sensitive(self) -> bool:
        return self is Classification.OFFICIAL_SENSITIVE


class LegacyMarking(StrEnum):
    """GPMS markings, kept as given on legacy material. Never converted automatically."""

    NOT_PROTECTIVELY_MARKED = "NOT PROTECTIVELY MARKED"
    PROTECT = "PROTECT"
    RESTRICTED = "RESTRICTED"
    CONFIDENTIAL = "CONFIDENTIAL"
    SECRET = "SECRET"
    TOP_SECRET = "TOP SECRET"


_REFUSED = {"SECRET", "TOP SECRET", "TOPSECRET", "UK SECRET", "UK TOP SECRET", "CONFIDENTIAL"}


def parse_classification(
    text: str | None, *, default: Classification = Classification.OFFICIAL
) -> Classification:
    """Read a marking as written in a partner file (case and punctuation are forgiven).

    Blank means ``default``. SECRET and above are refused: that material belongs on an accredited system.
    """
    if text is None or not str(text).strip():
        return default
    key = re.sub(r"[\s_\-]+", " ", str(text).strip().upper())
    if key in {"OFFICIAL", "O"}:
        return Classification.OFFICIAL
    if key in {"OFFICIAL SENSITIVE", "OS", "O S"}:
        return Classification.OFFICIAL_SENSITIVE
    if key in _REFUSED or key.startswith(("SECRET", "TOP SECRET")):
        raise ClassificationError(
            f"{text!r} is above OFFICIAL-SENSITIVE; Crimelink must not hold SECRET or TOP SECRET material. "
            "Keep it on an accredited system and record only a reference here."
        )
    raise ClassificationError(f"unknown classification {text!r}; use OFFICIAL or OFFICIAL-SENSITIVE")
