"""Postal addresses: one upper-case line with tidy spacing and the common street types spelled out.

Addresses are compared word by word during linkage, so "Flat 2, 10 High St." and "FLAT 2 10 HIGH
STREET" must become the same string. The postcode is its own canonical field; a copy left at the end
of the address is removed so that it does not count twice.
"""

from __future__ import annotations

import re
from functools import lru_cache

from crimelink.errors import NormalisationError
from crimelink.ingest.normalise.common import CACHE_SIZE, cell_text, fold_to_ascii
from crimelink.ingest.normalise.identifiers import POSTCODE_PATTERN

# Expanded only as the last word of a part of the address (before a comma or at the end): "ST" there
# is a street, while "ST JOHNS ROAD" starts with a saint, and "DR" before a name is a doctor.
_STREET_TYPES = {
    "ST": "STREET",
    "RD": "ROAD",
    "AVE": "AVENUE",
    "LN": "LANE",
    "CL": "CLOSE",
    "CRES": "CRESCENT",
    "DR": "DRIVE",
    "GDNS": "GARDENS",
    "PL": "PLACE",
    "SQ": "SQUARE",
    "TER": "TERRACE",
    "TERR": "TERRACE",
    "CT": "COURT",
    "GRN": "GREEN",
    "PK": "PARK",
    "GR": "GROVE",
    "PDE": "PARADE",
}
_NOT_ADDRESS_CHARACTERS = re.compile(r"[^A-Z0-9/\-, ]+")
_NUMBER_RANGE = re.compile(r"(?<=[0-9]) *- *(?=[0-9])")


def normalise_address(value: object) -> str:
    """An address as one tidy upper-case line.

    >>> normalise_address("Flat 2, 10 High St., Leeds LS1 4AB")
    'FLAT 2 10 HIGH STREET LEEDS'
    """
    return _address(cell_text(value))


@lru_cache(maxsize=CACHE_SIZE)
def _address(text: str) -> str:
    # Apostrophes join ("ST JOHN'S" -> "ST JOHNS"); other punctuation separates words.
    upper = fold_to_ascii(text).upper().replace("'", "")
    cleaned = _NOT_ADDRESS_CHARACTERS.sub(" ", upper)
    if "-" in cleaned:
        cleaned = _NUMBER_RANGE.sub("-", cleaned)
    parts = [_words(part) for part in cleaned.split(",")]
    parts = [words for words in parts if words]
    if parts:
        _remove_trailing_postcode(parts)
    words: list[str] = []
    for part in parts:
        if len(part) > 1 and part[-1] in _STREET_TYPES:
            part[-1] = _STREET_TYPES[part[-1]]
        words.extend(part)
    if not words:
        if any(character.isalnum() for character in cleaned):
            raise NormalisationError("address", f"'{text}' is only a postcode; map it to the postcode field")
        raise NormalisationError("address", f"'{text}' has no letters or digits")
    return " ".join(words)


def _words(part: str) -> list[str]:
    if "-" not in part and "/" not in part:
        return part.split()
    # A hyphen or slash on its own ("HIGH STREET - LEEDS") is punctuation, not part of a word.
    return [word for word in part.split() if word.strip("-/")]


def _remove_trailing_postcode(parts: list[list[str]]) -> None:
    last = parts[-1]
    # Every postcode ends digit-letter-letter; most addresses end in a town and skip the full check.
    if len(last[-1]) < 3 or not last[-1][-3].isdigit():
        return
    if len(last) >= 2 and POSTCODE_PATTERN.fullmatch(last[-2] + last[-1]):
        del last[-2:]
    elif last and POSTCODE_PATTERN.fullmatch(last[-1]):
        del last[-1]
    if not last:
        parts.pop()
