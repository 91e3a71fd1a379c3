"""Names of people and businesses: upper case, accents folded, titles and legal-form noise removed.

Linkage compares these strings directly, so every spelling a partner might use for the same person
("Mr John O'Brien", "O'BRIEN, John", "O'BRIEN John") has to come out identical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from crimelink.errors import NormalisationError
from crimelink.ingest.normalise.common import CACHE_SIZE, cell_text, fold_to_ascii

_TITLES = frozenset(
    {"MR", "MRS", "MS", "MISS", "MX", "DR", "PROF", "PROFESSOR", "REV", "REVD", "SIR", "DAME", "LORD", "LADY"}
)
_SUFFIXES = frozenset({"JR", "JNR", "JUNIOR", "SR", "SNR", "SENIOR", "II", "III", "IV", "ESQ"})
# Words that belong to the surname that follows them, so "Maria de la Cruz" and "DE LA CRUZ, Maria"
# give the same family name.
_SURNAME_PARTICLES = frozenset(
    {"VAN", "VON", "DER", "DEN", "DE", "DEL", "DELLA", "DI", "DA", "DOS", "DAS", "DU", "LA", "LE", "ST", "BIN", "AP"}
)  # fmt: skip

_NOT_NAME_CHARACTERS = re.compile(r"[^A-Za-z'\-, ]+")
_NOT_ALIAS_CHARACTERS = re.compile(r"[^A-Za-z0-9'\- ]+")
_SPACED_HYPHEN = re.compile(r"\s*-\s*")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class PersonName:
    """A person's name split into parts, each already normalised; ``full`` is given-middle-family."""

    full: str
    given: str | None
    middle: str | None
    family: str | None

    def as_fields(self) -> dict[str, str]:
        """The canonical fields of the name, leaving out parts that are absent."""
        fields = {"full_name": self.full}
        if self.given:
            fields["given_name"] = self.given
        if self.middle:
            fields["middle_names"] = self.middle
        if self.family:
            fields["family_name"] = self.family
        return fields


def normalise_person_name(value: object) -> PersonName:
    """Split and normalise a person's full name.

    >>> normalise_person_name("Mr John  O'Brien-Smith")
    PersonName(full="JOHN O'BRIEN-SMITH", given='JOHN', middle=None, family="O'BRIEN-SMITH")
    >>> normalise_person_name("SMITH, Mary Ann").full
    'MARY ANN SMITH'

    A name of one word is taken as the family name: partners record a surname without forenames far
    more often than a mononym.
    """
    return _person_name(cell_text(value))


def normalise_name_part(value: object) -> str:
    """One part of a name (a given or family name column): upper case, accents folded.

    >>> normalise_name_part("  Zoë ")
    'ZOE'
    """
    text = cell_text(value)
    return _name_part(text)


def normalise_alias(value: object) -> str:
    """A nickname or street name; unlike a legal name it may contain digits ("K2", "Smokey 2")."""
    text = cell_text(value)
    cleaned = _NOT_ALIAS_CHARACTERS.sub(" ", fold_to_ascii(text)).upper()
    tokens = [token.strip("'-") for token in cleaned.split()]
    alias = " ".join(token for token in tokens if token)
    if not alias:
        raise NormalisationError("alias", f"'{text}' has no letters or digits")
    return alias


@lru_cache(maxsize=CACHE_SIZE)
def _name_part(text: str) -> str:
    words = _words(_cleaned("name", text).replace(",", " "))
    if not words:
        raise _no_letters("name", text)
    return " ".join(words).upper()


@lru_cache(maxsize=CACHE_SIZE)
def _person_name(text: str) -> PersonName:
    cleaned = _cleaned("full_name", text)
    if "," in cleaned:
        family_part, _, given_part = cleaned.partition(",")
        given = _words(given_part.replace(",", " "))
        # "John Smith, Jr" is not "surname, forenames": only a suffix follows the comma.
        if not given or not all(word.upper() in _SUFFIXES for word in given):
            return _comma_name(text, _words(family_part), given)
        cleaned = family_part
    words = _words(cleaned)
    if not words:
        raise _no_letters("full_name", text)
    uppers = " ".join(words).upper().split()
    start = _title_count(text, uppers)
    end = _end_without_suffixes(uppers, start)
    family_first = _family_first_count(words, start, end)
    if family_first:
        return _assemble(uppers[start + family_first : end], uppers[start : start + family_first])
    if end - start == 1:
        return _assemble([], uppers[start:end])
    family_from = end - 1
    while family_from > start + 1 and uppers[family_from - 1] in _SURNAME_PARTICLES:
        family_from -= 1
    return _assemble(uppers[start:family_from], uppers[family_from:end])


def _comma_name(text: str, family_words: list[str], given_words: list[str]) -> PersonName:
    family = " ".join(family_words).upper().split()
    family = family[_title_count(text, family) : _end_without_suffixes(family, 0)] if family else family
    # After the comma a title may stand alone ("SMITH, Mr"): the surname before it is the name.
    given = [word for word in " ".join(given_words).upper().split() if word not in _TITLES]
    given = given[: _end_without_suffixes(given, 0)]
    if not family and not given:
        raise _no_letters("full_name", text)
    return _assemble(given, family)


def _assemble(forenames: list[str], family: list[str]) -> PersonName:
    return PersonName(
        full=" ".join(forenames + family),
        given=forenames[0] if forenames else None,
        middle=" ".join(forenames[1:]) or None,
        family=" ".join(family) or None,
    )


def _cleaned(field: str, text: str) -> str:
    """``text`` folded to ASCII with everything but letters, apostrophes, hyphens and commas blanked."""
    folded = fold_to_ascii(text)
    if _DIGIT.search(folded):
        raise NormalisationError(field, f"'{text}' contains digits, which a name cannot")
    cleaned = _NOT_NAME_CHARACTERS.sub(" ", folded)
    return _SPACED_HYPHEN.sub("-", cleaned) if "-" in cleaned else cleaned


def _words(part: str) -> list[str]:
    """The words of a name, original case kept (the all-caps surname convention needs it)."""
    if "'" not in part and "-" not in part:
        return part.split()
    return [word for word in (word.strip("'-") for word in part.split()) if word]


def _no_letters(field: str, text: str) -> NormalisationError:
    return NormalisationError(
        field, f"'{text}' has no Latin letters (names in other scripts must be transliterated first)"
    )


def _title_count(text: str, uppers: list[str]) -> int:
    if len(uppers) == 1 and uppers[0] in _TITLES:
        raise NormalisationError("full_name", f"'{text}' is only a title, not a name")
    start = 0
    # The last word is never dropped: in "Mr Lord" the second title-like word is the surname.
    while start < len(uppers) - 1 and uppers[start] in _TITLES:
        start += 1
    return start


def _end_without_suffixes(uppers: list[str], start: int) -> int:
    end = len(uppers)
    while end > start + 1 and uppers[end - 1] in _SUFFIXES:
        end -= 1
    return end


def _family_first_count(words: list[str], start: int, end: int) -> int:
    """How many leading words are an all-caps surname written first ("SMITH John", "DE LA CRUZ Maria").

    Only mixed-case input carries that signal; single capitals are initials, not surnames.
    """
    count = start
    while count < end and len(words[count]) > 1 and words[count].isupper():
        count += 1
    if count in (start, end):
        return 0
    rest = words[count:end]
    has_lower_case = any(not word.isupper() for word in rest)
    all_not_capitals = all(len(word) == 1 or not word.isupper() for word in rest)
    return count - start if has_lower_case and all_not_capitals else 0


# Legal forms are written many ways; linkage needs one spelling of each.
_BUSINESS_REWRITES = (
    (re.compile(r"\bPUBLIC LIMITED COMPANY\b"), "PLC"),
    (re.compile(r"\bLIMITED LIABILITY PARTNERSHIP\b"), "LLP"),
    (re.compile(r"\bLIMITED\b"), "LTD"),
)
_TRADING_AS = re.compile(r"\bT\s*/\s*A\b|\bTRADING\s+AS\b")
_TRADING_AS_MARK = "\x00"
_NOT_BUSINESS_CHARACTERS = re.compile(r"[^A-Z0-9\x00 ]+")


def normalise_business_name(value: object) -> str:
    """A business name: upper case, ``LIMITED`` -> ``LTD``, ``&`` -> ``AND``, punctuation removed.

    >>> normalise_business_name("Joe's Café & Bar Limited t/a The Place")
    'JOES CAFE AND BAR LTD T/A THE PLACE'
    """
    return _business_name(cell_text(value))


@lru_cache(maxsize=CACHE_SIZE)
def _business_name(text: str) -> str:
    name = fold_to_ascii(text).upper().replace("&", " AND ").replace("'", "")
    # "T/A" survives punctuation removal: it separates the legal name from the trading name.
    name = _TRADING_AS.sub(f" {_TRADING_AS_MARK} ", name)
    name = " ".join(_NOT_BUSINESS_CHARACTERS.sub(" ", name).split())
    for pattern, replacement in _BUSINESS_REWRITES:
        name = pattern.sub(replacement, name)
    name = name.replace(_TRADING_AS_MARK, "T/A")
    if not any(character.isalnum() for character in name):
        raise NormalisationError("business_name", f"'{text}' has no letters or digits")
    return name
