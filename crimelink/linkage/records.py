"""Person records for linkage: one party's normalised fields plus the derived columns matching needs.

The normalisers (``crimelink.ingest.normalise``) have already upper-cased names, put dates in ISO form and
spaced postcodes canonically; this module only adds what makes spelling variants comparable: a
nickname-canonical given name (BOB -> ROBERT), phonetic codes and address tokens.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import jellyfish

#: Columns of the person table every engine receives, in order.
PERSON_COLUMNS = (
    "unique_id",
    "source",
    "record_id",
    "given_name",
    "family_name",
    "full_name",
    "given_canonical",
    "given_metaphone",
    "family_metaphone",
    "family_soundex",
    "dob",
    "postcode",
    "address",
    "address_tokens",
    "address_numbers",
    "address_letters",
    "phone",
    "email",
    "nino",
    "identifier",
    "identifier_anagram",
    "identifier_head",
    "identifier_tail",
)


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One person as described by one row of one file."""

    unique_id: int
    source: str
    record_id: str
    given_name: str | None
    family_name: str | None
    full_name: str | None
    dob: str | None
    postcode: str | None
    address: str | None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    nino: str | None = None
    extra_identifiers: dict[str, str] = field(default_factory=dict)

    @property
    def given_canonical(self) -> str | None:
        return canonical_given_name(self.given_name)

    def as_row(self) -> dict[str, Any]:
        """The record as a row of the person table (see :data:`PERSON_COLUMNS`)."""
        canonical = self.given_canonical
        return {
            "unique_id": self.unique_id,
            "source": self.source,
            "record_id": self.record_id,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "full_name": self.full_name,
            "given_canonical": canonical,
            "given_metaphone": _metaphone(canonical),
            "family_metaphone": _metaphone(self.family_name),
            "family_soundex": jellyfish.soundex(self.family_name) if self.family_name else None,
            "dob": self.dob,
            "postcode": self.postcode,
            "address": self.address,
            "address_tokens": address_tokens(self.address),
            "address_numbers": address_numbers(self.address),
            "address_letters": address_letters(self.address),
            "phone": self.phones[0] if self.phones else None,
            "email": self.emails[0] if self.emails else None,
            "nino": self.nino,
            "identifier": self.identifier,
            # The identifier's characters in order: two of them typed the wrong way round keep it.
            "identifier_anagram": "".join(sorted(self.identifier)) if self.identifier else None,
            # One character mistyped leaves one of the two halves as it was.
            "identifier_head": identifier_head(self.identifier),
            "identifier_tail": identifier_tail(self.identifier),
        }

    @property
    def identifier(self) -> str | None:
        """The person's national identifier (NINO, else the first declared identifier), for typo matching."""
        if self.nino:
            return self.nino
        return self.extra_identifiers[min(self.extra_identifiers)] if self.extra_identifiers else None

    def identifiers(self) -> list[tuple[str, str]]:
        """Strong identifiers as (kind, value): equal values mean the same person (for ``phone+dob``, only
        where the given names agree too: see :func:`shared_identifier`)."""
        found: list[tuple[str, str]] = []
        if self.nino:
            found.append(("nino", self.nino))
        found.extend(("email", email) for email in self.emails)
        if self.dob:
            # A phone alone is shared by households and burner handsets; with a date of birth, rarely.
            found.extend((PHONE_AND_DOB, f"{phone}|{self.dob}") for phone in self.phones)
        found.extend(sorted(self.extra_identifiers.items()))
        return found


#: The strong identifier a phone number and a date of birth make together.
PHONE_AND_DOB = "phone+dob"


def given_names_agree(left: PersonRecord, right: PersonRecord) -> bool:
    """Whether two records' given names could be one person's: either is missing, they are the same name
    (nicknames included), one is the other's initial, they are a typo apart (Jaro-Winkler >= 0.9), or one
    record has the names the other way round.

    >>> bob = person_from_party({"given_name": "BOB", "dob": "1980-04-03"}, unique_id=1, source="a", record_id="1")
    >>> robert = person_from_party({"given_name": "ROBERT", "dob": "1980-04-03"}, unique_id=2, source="b", record_id="2")
    >>> ruth = person_from_party({"given_name": "RUTH", "dob": "1980-04-03"}, unique_id=3, source="b", record_id="3")
    >>> given_names_agree(bob, robert), given_names_agree(robert, ruth)
    (True, False)
    """
    first, second = left.given_name, right.given_name
    if not first or not second or left.given_canonical == right.given_canonical:
        return True
    if first == right.family_name or second == left.family_name:
        return True
    if len(first) == 1 or len(second) == 1:
        return first[0] == second[0]
    return jellyfish.jaro_winkler_similarity(first, second) >= GIVEN_NAMES_AGREE_FROM


#: Jaro-Winkler similarity from which two given names count as one mistyped (JON and JOHN: 0.93).
GIVEN_NAMES_AGREE_FROM = 0.9


def shared_identifier(left: PersonRecord, right: PersonRecord) -> str | None:
    """The kind of a strong identifier two records share that makes them one person, else ``None``.

    A phone and a date of birth do only where the given names agree (:func:`given_names_agree`): a hostel's
    or a care home's landline, or a family phone and twins, give two people both.
    """
    theirs = set(right.identifiers())
    return next(
        (
            kind
            for kind, value in left.identifiers()
            if (kind, value) in theirs and links_outright(kind, left, right)
        ),
        None,
    )


def links_outright(kind: str, left: PersonRecord, right: PersonRecord) -> bool:
    """Whether two records sharing a strong identifier of ``kind`` are one person for that reason alone."""
    return kind != PHONE_AND_DOB or given_names_agree(left, right)


def person_from_party(
    fields: dict[str, Any],
    *,
    unique_id: int,
    source: str,
    record_id: str,
    identifier_attributes: tuple[str, ...] = (),
) -> PersonRecord | None:
    """Build a person from one party's normalised fields; None when nothing identifies a person.

    >>> bob = person_from_party({"given_name": "BOB", "family_name": "SMITH"}, unique_id=1, source="a", record_id="7")
    >>> bob.given_canonical
    'ROBERT'
    """
    given = _first(fields.get("given_name"))
    family = _first(fields.get("family_name"))
    full = _first(fields.get("full_name")) or (" ".join(p for p in (given, family) if p) or None)
    extra = {name: str(fields[name]).strip().upper() for name in identifier_attributes if fields.get(name)}
    record = PersonRecord(
        unique_id=unique_id,
        source=source,
        record_id=record_id,
        given_name=given,
        family_name=family,
        full_name=full,
        dob=_first(fields.get("dob")),
        postcode=_first(fields.get("postcode")),
        # Several address columns (lines, town) arrive as a list: their words are compared together.
        address=" ".join(_many(fields.get("address"))) or None,
        phones=_many(fields.get("phone")),
        emails=_many(fields.get("email")),
        nino=_first(fields.get("nino")),
        extra_identifiers=extra,
    )
    if not (record.full_name or record.dob or record.identifiers()):
        return None
    return record


def canonical_given_name(given: str | None) -> str | None:
    """The full given name a nickname usually stands for (BOB -> ROBERT); other names unchanged."""
    if not given:
        return None
    return nicknames().get(given, given)


@lru_cache(maxsize=1)
def nicknames() -> dict[str, str]:
    """The shipped nickname table (``crimelink/linkage/data/nicknames.csv``)."""
    text = resources.files("crimelink.linkage").joinpath("data/nicknames.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return {row["nickname"].upper(): row["canonical"].upper() for row in csv.DictReader(lines)}


def address_tokens(address: str | None) -> list[str]:
    """Distinct words of an address, for a Jaccard comparison that ignores order and missing parts."""
    if not address:
        return []
    return sorted({token for token in address.replace(",", " ").split() if token})


def address_numbers(address: str | None) -> str | None:
    """The address's numbers (house, flat), in order of size: a typo in a street name leaves them.

    ``''`` for an address with no number, so two named houses compare equal on this part.
    """
    if not address:
        return None
    return " ".join(sorted(_DIGITS.findall(address), key=lambda number: (len(number), number)))


def address_letters(address: str | None) -> str | None:
    """The address's letters in order, without spaces or punctuation: ``COPLAN D RIVE`` is ``COPLANDRIVE``."""
    letters = _NOT_LETTERS.sub("", address.upper()) if address else ""
    return letters or None


#: Identifiers shorter than this have no halves: a half of two characters would pair far too many.
_HALVED_FROM = 6


def identifier_head(identifier: str | None) -> str | None:
    """The first half of an identifier (the longer half when its length is odd)."""
    if not identifier or len(identifier) < _HALVED_FROM:
        return None
    return identifier[: len(identifier) - len(identifier) // 2]


def identifier_tail(identifier: str | None) -> str | None:
    """The last half of an identifier; with :func:`identifier_head`, one of them survives one slip."""
    if not identifier or len(identifier) < _HALVED_FROM:
        return None
    return identifier[len(identifier) - len(identifier) // 2 :]


_DIGITS = re.compile(r"[0-9]+")
_NOT_LETTERS = re.compile(r"[^A-Z]+")


def _metaphone(name: str | None) -> str | None:
    if not name:
        return None
    code = str(jellyfish.metaphone(name.split()[0]))
    return code or None


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)


def _many(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return (str(value),)
