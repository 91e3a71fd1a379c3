"""Synthetic identifiers that can never belong to a real person, place, vehicle or company.

- Phone numbers come only from Ofcom's drama ranges (07700 900xxx, 020 7946 0xxx, the 0113 ... 0191
  496 0xxx ranges and 01632 960xxx): about 15,000 numbers in all. Numbers kept for the planted
  scenarios are handed out once and never reused. Background people draw from the rest without
  repeats until the ranges run out; at large sizes (more than ~14,000 people with phones) numbers are
  then **reused across unrelated people**, which the ground truth records (one phone id per number).
- UPRNs are 12-digit numbers starting with 9 (real UPRNs for English addresses are far smaller).
- VRMs follow the current GB format (two letters, age identifier, three letters); they are random.
- Company numbers are 8 random digits; NI numbers have a valid format and random digits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

_GEOGRAPHIC_DRAMA_CODES = ("0113", "0114", "0115", "0116", "0117", "0118", "0121", "0131", "0141", "0151")
_GEOGRAPHIC_DRAMA_CODES_2 = ("0161", "0191")
_VRM_AREA_FIRST = "ABCDEFGHKLMNOPRSVWY"
_VRM_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"
_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NINO_BANNED = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")


def drama_mobiles() -> list[str]:
    return [f"07700900{n:03d}" for n in range(1000)]


def drama_landlines() -> list[str]:
    numbers = [f"0207946{n:04d}" for n in range(1000)]
    for code in _GEOGRAPHIC_DRAMA_CODES + _GEOGRAPHIC_DRAMA_CODES_2:
        numbers.extend(f"{code}496{n:04d}" for n in range(1000))
    numbers.extend(f"01632960{n:03d}" for n in range(1000))
    return numbers


@dataclass(slots=True)
class Phone:
    """A phone number (national digits, e.g. ``07700900123``) and its ground-truth id."""

    index: int
    number: str

    @property
    def id(self) -> str:
        return f"T{self.index:06d}"

    @property
    def e164(self) -> str:
        return "+44" + self.number[1:]


class PhoneBook:
    """Hands out drama-range numbers: unique ones for the scenarios, then the rest for everyone else."""

    def __init__(self, rng: random.Random, *, reserved_mobiles: int = 400) -> None:
        mobiles = drama_mobiles()
        landlines = drama_landlines()
        rng.shuffle(mobiles)
        rng.shuffle(landlines)
        self._reserved = mobiles[:reserved_mobiles]
        self._background = mobiles[reserved_mobiles:] + landlines
        rng.shuffle(self._background)
        self._phones: dict[str, Phone] = {}
        self._next_reserved = 0
        self._next_background = 0
        self.reused = False

    def _phone(self, number: str) -> Phone:
        phone = self._phones.get(number)
        if phone is None:
            phone = Phone(len(self._phones) + 1, number)
            self._phones[number] = phone
        return phone

    def reserved(self) -> Phone:
        """A number nobody else will ever be given (planted scenario phones)."""
        if self._next_reserved >= len(self._reserved):
            # More scenario copies than reserved mobiles: fall back to unused landlines.
            return self.background()
        number = self._reserved[self._next_reserved]
        self._next_reserved += 1
        return self._phone(number)

    def background(self) -> Phone:
        """The next background number; cycles (reuse) once every number has been handed out."""
        if self._next_background >= len(self._background):
            self._next_background = 0
            self.reused = True
        number = self._background[self._next_background]
        self._next_background += 1
        return self._phone(number)

    def all(self) -> list[Phone]:
        return list(self._phones.values())


class UniqueCodes:
    """Random identifiers that are unique within one generation run."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def _unique(self, make: str) -> bool:
        if make in self._seen:
            return False
        self._seen.add(make)
        return True

    def uprn(self) -> str:
        while True:
            value = f"9{self._rng.randrange(10**11):011d}"
            if self._unique(value):
                return value

    def vrm(self) -> str:
        rng = self._rng
        while True:
            year = rng.randrange(2, 26)
            age = year if rng.random() < 0.5 else year + 50
            letters = "".join(rng.choice(_VRM_LETTERS) for _ in range(3))
            value = f"{rng.choice(_VRM_AREA_FIRST)}{rng.choice(_VRM_LETTERS)}{age:02d}{letters}"
            if self._unique(value):
                return value

    def company_number(self) -> str:
        while True:
            value = f"{self._rng.randrange(10**8):08d}"
            if value[:2] != "00" and self._unique(value):
                return value

    def nino(self) -> str:
        rng = self._rng
        while True:
            prefix = rng.choice(_NINO_FIRST) + rng.choice(_NINO_SECOND)
            if prefix in _NINO_BANNED:
                continue
            value = f"{prefix}{rng.randrange(10**6):06d}{rng.choice('ABCD')}"
            if self._unique(value):
                return value

    def client_number(self, prefix: str, digits: int = 7) -> str:
        while True:
            value = f"{prefix}{self._rng.randrange(10 ** (digits - 1), 10**digits)}"
            if self._unique(value):
                return value
