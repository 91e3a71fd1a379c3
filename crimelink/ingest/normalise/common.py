"""What every normaliser shares: the per-file context, blank detection and cell-to-text coercion."""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from crimelink.errors import MappingError


@dataclass(frozen=True)
class NormaliseContext:
    """How the ambiguous values of one partner file are read.

    ``date_order`` comes from the mapping and decides how ``03/04/1990`` is read. ``phone_region`` is
    the region assumed for numbers written without an international prefix. ``today`` pins "now" for
    rejecting future dates of birth and for the two-digit-year pivot; ``None`` means the real date.
    """

    date_order: Literal["DMY", "MDY"] = "DMY"
    phone_region: str = "GB"
    today: date | None = None

    def __post_init__(self) -> None:
        # The mapping YAML is typed by people; a stray "dmy" must not silently read dates month-first.
        if self.date_order not in ("DMY", "MDY"):
            raise MappingError(f"date_order must be DMY or MDY, not {self.date_order!r}")

    def current_date(self) -> date:
        return self.today if self.today is not None else _CLOCK.today()


class _Clock:
    """Today's date, re-read at most once a second.

    ``date.today()`` costs about a microsecond, as much as the whole date-of-birth check it serves.
    """

    def __init__(self) -> None:
        self._day = date.today()
        self._read_at = time.monotonic()

    def today(self) -> date:
        now = time.monotonic()
        if now - self._read_at >= 1.0:
            self._day = date.today()
            self._read_at = now
        return self._day


_CLOCK = _Clock()


# Values repeat across a file (the same postcode, person, date of birth), so the normalisers memoise
# on the text; 32,768 entries per cache keeps a long import's memory to tens of megabytes.
CACHE_SIZE = 1 << 15

# Spreadsheet and database exports spell "no value" in many ways; all of them mean a missing cell.
_BLANK_WORDS = frozenset({"", "n/a", "#n/a", "null", "-", "unknown", "none"})
_LONGEST_BLANK_WORD = max(len(word) for word in _BLANK_WORDS)


def is_blank(value: object) -> bool:
    """Whether a cell holds no value (``None``, empty, ``N/A``, ``NULL``, ``-``, ``unknown``, NaN ...).

    >>> is_blank("  n/a "), is_blank("Smith"), is_blank(float("nan")), is_blank(0)
    (True, False, True, False)
    """
    if value is None:
        return True
    if isinstance(value, str):
        stripped = value.strip()
        # The length test keeps ordinary values (names, addresses) from paying for lower().
        return len(stripped) <= _LONGEST_BLANK_WORD and stripped.lower() in _BLANK_WORDS
    if isinstance(value, float):
        return value != value  # NaN is the only float unequal to itself
    return False


def cell_text(value: object) -> str:
    """The text of a cell as a partner meant it, whatever type the file reader produced.

    XLSX readers hand back every number as a float, so ``100023336956.0`` is the UPRN
    ``100023336956``, not a decimal.
    """
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans(
    {
        # NFKD leaves these as single non-ASCII letters, so without a table they would vanish.
        "ß": "ss",
        "ẞ": "SS",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Ø": "O",
        "ø": "o",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ð": "D",
        "ð": "d",
        "Þ": "TH",
        "þ": "th",
        "ı": "i",
        # Typographic apostrophes and dashes from word processors are the ASCII ones in disguise.
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u00b4": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)


def fold_to_ascii(text: str) -> str:
    """``text`` with accents removed and anything that has no ASCII form dropped; case is kept.

    >>> fold_to_ascii("Zoë Ødegård-Łukasz")
    'Zoe Odegard-Lukasz'
    """
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS_WITHOUT_DECOMPOSITION))
    return decomposed.encode("ascii", "ignore").decode("ascii")
