"""Targets and interest subjects as normalised identifiers, with the key conflicts are matched on.

Every identifier goes through the importer's own normaliser, so a phone typed ``07700 900123`` is the
``+447700900123`` partner records hold and a VRM ``kx19 zzt`` is ``KX19ZZT``. The match key is
``KIND:value``; a person's is their date of birth with the phonetic codes (metaphone) of their first
given name and their family name, so ``Jon Smyth`` and ``John Smith`` born the same day share a key even
where linkage has no records to resolve them to one entity (nicknames, ``Bob`` for ``Robert``, are
linkage's to resolve).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field

import jellyfish

from crimelink.domain import EntityKind
from crimelink.domain.deconfliction import InterestSubject, TargetKind
from crimelink.errors import NormalisationError
from crimelink.ingest.normalise import (
    NormaliseContext,
    normalise_account,
    normalise_company_number,
    normalise_dob,
    normalise_email,
    normalise_person_name,
    normalise_phone,
    normalise_uprn,
    normalise_vin,
    normalise_vrm,
)

#: What each kind of identifier is the subject of, for an interest.
SUBJECT_OF_KIND = {
    TargetKind.PERSON: InterestSubject.PERSON,
    TargetKind.PHONE: InterestSubject.PHONE,
    TargetKind.VRM: InterestSubject.VEHICLE,
    TargetKind.VIN: InterestSubject.VEHICLE,
    TargetKind.EMAIL: InterestSubject.EMAIL,
    TargetKind.COMPANY_NUMBER: InterestSubject.BUSINESS,
    TargetKind.UPRN: InterestSubject.PREMISES,
    TargetKind.IP_ADDRESS: InterestSubject.ONLINE_ACCOUNT,
    TargetKind.BANK_ACCOUNT: InterestSubject.BANK_ACCOUNT,
}
#: What each kind of entity is the subject of, for an interest.
SUBJECT_OF_ENTITY = {
    EntityKind.PERSON: InterestSubject.PERSON,
    EntityKind.PREMISES: InterestSubject.PREMISES,
    EntityKind.VEHICLE: InterestSubject.VEHICLE,
    EntityKind.PHONE: InterestSubject.PHONE,
    EntityKind.EMAIL: InterestSubject.EMAIL,
    EntityKind.BUSINESS: InterestSubject.BUSINESS,
    EntityKind.BANK_ACCOUNT: InterestSubject.BANK_ACCOUNT,
    EntityKind.ONLINE_ACCOUNT: InterestSubject.ONLINE_ACCOUNT,
}
_SIMPLE: dict[TargetKind, tuple[str, Callable[[object], str]]] = {
    TargetKind.PHONE: ("phone", normalise_phone),
    TargetKind.VRM: ("vrm", normalise_vrm),
    TargetKind.VIN: ("vin", normalise_vin),
    TargetKind.EMAIL: ("email", normalise_email),
    TargetKind.COMPANY_NUMBER: ("company_number", normalise_company_number),
    TargetKind.UPRN: ("uprn", normalise_uprn),
    TargetKind.BANK_ACCOUNT: ("account", normalise_account),
}


@dataclass(frozen=True)
class Identifier:
    """One normalised identifier: what it is, how it reads, its match key and its linkage fields."""

    kind: TargetKind
    value: str
    match_key: str
    #: The party fields linkage resolves it with (empty: linkage holds no such thing).
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def subject(self) -> InterestSubject:
        return SUBJECT_OF_KIND[self.kind]


def parse_kind(text: str) -> TargetKind:
    """A target kind from a form value (case and spacing forgiven)."""
    cleaned = text.strip().upper().replace(" ", "_").replace("-", "_")
    try:
        return TargetKind(cleaned)
    except ValueError:
        raise NormalisationError(
            "kind",
            f"'{text}' is not a kind of target; choose one of {', '.join(k.value for k in TargetKind)}",
        ) from None


def normalise_identifier(
    kind: TargetKind, value: str, *, dob: str | None = None, context: NormaliseContext | None = None
) -> Identifier:
    """Normalise an identifier typed in a form; a person needs a name and a date of birth.

    >>> normalise_identifier(TargetKind.PHONE, "07700 900123").match_key
    'PHONE:+447700900123'
    >>> normalise_identifier(TargetKind.PERSON, "Jon Smyth", dob="02/01/1990").match_key == (
    ...     normalise_identifier(TargetKind.PERSON, "SMITH, John", dob="1990-01-02").match_key)
    True

    Raises :class:`NormalisationError` naming the field (``value`` or ``dob``) and what is wrong.
    """
    context = context or NormaliseContext()
    text = (value or "").replace("\x00", "").strip()
    if kind is TargetKind.ENTITY:
        raise NormalisationError("kind", "an entity target is given by its number, not typed")
    if not text:
        raise NormalisationError("value", f"enter the {kind.value.lower().replace('_', ' ')}")
    if kind is TargetKind.PERSON:
        return _person(text, dob, context)
    if kind is TargetKind.IP_ADDRESS:
        try:
            address = ipaddress.ip_address(text).compressed
        except ValueError:
            raise NormalisationError("value", f"'{text}' is not an IPv4 or IPv6 address") from None
        return Identifier(kind, address, f"IP_ADDRESS:{address}")
    name, normaliser = _SIMPLE[kind]
    try:
        normalised = normaliser(text)
    except NormalisationError as error:
        raise NormalisationError("value", error.reason) from None
    return Identifier(kind, normalised, f"{kind.value}:{normalised}", {name: normalised})


def _person(text: str, dob: str | None, context: NormaliseContext) -> Identifier:
    try:
        name = normalise_person_name(text)
    except NormalisationError as error:
        raise NormalisationError("value", error.reason) from None
    if not (dob or "").strip():
        raise NormalisationError("dob", "a person target needs a date of birth as well as a name")
    try:
        born = normalise_dob(dob, context)
    except NormalisationError as error:
        raise NormalisationError("dob", error.reason) from None
    fields = {**name.as_fields(), "dob": born}
    key = f"PERSON:{born}|{_sound(name.family)}|{_sound(name.given)}"
    return Identifier(TargetKind.PERSON, f"{name.full} (born {born})", key, fields)


def _sound(name: str | None) -> str:
    """The metaphone code of a name's first word (``""`` for no name)."""
    if not name:
        return ""
    return str(jellyfish.metaphone(name.split()[0]))
