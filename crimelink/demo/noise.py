"""How each agency writes people, dates, addresses and phones, with deterministic noise.

A :class:`Style` says how an agency's export looks (``SMITH, John`` or ``John Smith``, ``03/04/1990`` or
``3 Apr 1990``, ``Rd`` or ``Road``, ``+44 7700 900123`` or ``7700900123``). A :class:`Formatter` writes the
true values in that style and adds the noise seen in real registers: typos (one character swapped,
dropped or doubled), nicknames and spelling variants, given and family names swapped, missing values and
day/month transposed dates of birth. All randomness comes from the generator's ``random.Random``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime

from crimelink.demo.geography import TOWN
from crimelink.demo.identifiers import Phone
from crimelink.demo.names import NICKNAMES, SPELLING_VARIANTS
from crimelink.demo.world import REFERENCE_DATE, Person, Premises, Vehicle

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DateValue = str | date | datetime


@dataclass(frozen=True)
class Style:
    """One agency's writing habits and noise rates."""

    name_style: str = "given_family"  # given_family | family_comma | title | given_upper_family | upper
    family_upper: bool = False  # split-name columns: surname in capitals
    date_style: str = "dmy_slash"  # dmy_slash | dmy_text | iso | mdy_slash | dmy_dot | native
    abbreviate: float = 0.0  # share of addresses written with "Rd", "St" ...
    address_upper: bool = False
    phone_styles: tuple[str, ...] = ("national",)
    middle_names: float = 0.0  # share of full names that include middle names
    nickname: float = 0.04
    typo: float = 0.02
    swap_names: float = 0.015
    transpose_dob: float = 0.01
    missing_dob: float = 0.05
    missing_phone: float = 0.15
    postcode_untidy: float = 0.08


def typo(rng: random.Random, text: str) -> str:
    """One character swapped with its neighbour, dropped or doubled (never the first one)."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    roll = rng.random()
    if roll < 0.4:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if roll < 0.8:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


def format_date(value: date, style: str) -> DateValue:
    if style == "dmy_slash":
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if style == "mdy_slash":
        return f"{value.month:02d}/{value.day:02d}/{value.year}"
    if style == "dmy_text":
        return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    if style == "dmy_dot":
        return f"{value.day}.{value.month}.{value.year}"
    if style == "iso":
        return value.isoformat()
    return value  # native: a real date cell (XLSX) or ISO in JSON


def impossible_date(style: str) -> str:
    """A date that cannot exist, written in ``style`` (for the deliberately broken rows)."""
    return {
        "dmy_slash": "31/02/1988",
        "mdy_slash": "02/31/1988",
        "dmy_text": "31 Feb 1988",
        "dmy_dot": "30.2.1979",
        "iso": "1988-02-31",
    }.get(style, "31/02/1988")


def phone_text(number: str, style: str) -> str:
    """Write national digits (``07700900123``) the way a partner system might."""
    if number.startswith(("07", "01632")):
        head, tail = number[:5], number[5:]
        parts = [head, tail]
    elif number.startswith("020"):
        parts = [number[:3], number[3:7], number[7:]]
    else:
        parts = [number[:4], number[4:7], number[7:]]
    if style == "intl":
        return "+44 " + " ".join([parts[0][1:], *parts[1:]])
    if style == "bare":
        return number[1:]
    if style == "compact":
        return number
    if style == "brackets" and not number.startswith("07"):
        return f"({parts[0]}) " + " ".join(parts[1:])
    return " ".join(parts)


class Formatter:
    """Writes true values in one agency's :class:`Style`, adding that agency's noise."""

    def __init__(self, rng: random.Random, style: Style) -> None:
        self.rng = rng
        self.style = style

    def chance(self, probability: float) -> bool:
        return probability > 0 and self.rng.random() < probability

    def given(self, person: Person) -> str:
        rng, name = self.rng, person.given
        variants = SPELLING_VARIANTS.get(name)
        if variants and rng.random() < 0.4:
            name = rng.choice(variants)
        elif self.chance(self.style.nickname) and name in NICKNAMES:
            name = rng.choice(NICKNAMES[name])
        if self.chance(self.style.typo):
            name = typo(rng, name)
        return name

    def family(self, person: Person) -> str:
        name = person.family
        if self.chance(self.style.typo):
            name = typo(self.rng, name)
        return name

    def split_name(self, person: Person) -> tuple[str, str]:
        """(given, family) for agencies with separate columns; occasionally entered the wrong way round."""
        given = self.given(person)
        if person.middle and self.chance(self.style.middle_names):
            given = f"{given} {person.middle}"
        family = self.family(person)
        if self.style.family_upper:
            family = family.upper()
        if self.chance(self.style.swap_names):
            return family, given
        return given, family

    def full_name(self, person: Person) -> str:
        given, family = self.given(person), self.family(person)
        if person.middle and self.chance(self.style.middle_names):
            given = f"{given} {person.middle}"
        style = self.style.name_style
        if style == "family_comma":
            return f"{family.upper()}, {given}"
        if self.chance(self.style.swap_names):
            given, family = family, given
        if style == "title":
            title = ("Ms" if self.rng.random() < 0.5 else "Mrs") if person.female else "Mr"
            return f"{title} {given} {family}"
        if style == "given_upper_family":
            return f"{given} {family.upper()}"
        if style == "upper":
            return f"{given} {family}".upper()
        return f"{given} {family}"

    def date(self, value: date) -> DateValue:
        return format_date(value, self.style.date_style)

    def datetime(self, value: datetime) -> str:
        if self.style.date_style == "iso" or self.style.date_style == "native":
            return value.isoformat(timespec="minutes")
        return f"{format_date(value.date(), self.style.date_style)} {value:%H:%M}"

    def dob(self, person: Person, *, allow_missing: bool = True) -> DateValue:
        if allow_missing and self.chance(self.style.missing_dob):
            return ""
        value = person.dob
        if value.day <= 12 and value.day != value.month and self.chance(self.style.transpose_dob):
            swapped = value.replace(day=value.month, month=value.day)
            if swapped < REFERENCE_DATE:
                value = swapped
        return self.date(value)

    def address(self, premises: Premises, *, with_postcode: bool = False, with_town: bool = True) -> str:
        text = premises.line(abbreviate=self.chance(self.style.abbreviate))
        if premises.flat and self.chance(0.02):
            text = premises.line().split(", ", 1)[1]  # flat number lost on entry
        if with_town:
            text += f", {TOWN}"
        if with_postcode:
            text += f" {premises.postcode}" if self.rng.random() < 0.5 else f", {premises.postcode}"
        return text.upper() if self.style.address_upper else text

    def postcode(self, premises: Premises) -> str:
        code = premises.postcode
        if self.chance(self.style.postcode_untidy):
            code = code.replace(" ", "") if self.rng.random() < 0.6 else code.lower()
        return code

    def phone(self, phone: Phone | None, *, allow_missing: bool = True) -> str:
        if phone is None or (allow_missing and self.chance(self.style.missing_phone)):
            return ""
        return phone_text(phone.number, self.rng.choice(self.style.phone_styles))

    def vrm(self, vehicle: Vehicle | None) -> str:
        if vehicle is None:
            return ""
        vrm = vehicle.vrm
        roll = self.rng.random()
        if roll < 0.5:
            return f"{vrm[:4]} {vrm[4:]}"
        return vrm.lower() if roll > 0.95 else vrm
