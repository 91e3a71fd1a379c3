"""How many partner rows a second the field normalisers sustain.

Plain script, not a test: ``.venv/bin/python benchmarks/bench_normalise.py``. It generates 100,000
deterministic synthetic rows of eight canonical fields, shaped like real partner files (mixed name
orders, day-first dates, phones in several spellings, some XLSX floats), and times one pass of
``is_blank`` + ``normalise_field`` over every cell, as the importer does. The target is 20,000 rows/s.
"""

from __future__ import annotations

import random
import string
import time
from datetime import date, timedelta

from crimelink.ingest.normalise import NormaliseContext, is_blank, normalise_field

ROWS = 100_000
TARGET_ROWS_PER_SECOND = 20_000

GIVEN = [
    "John", "Mary", "Mohammed", "Olivia", "Jack", "Amelia", "Harry", "Isla", "Oliver", "Ava", "Charlie",
    "Zoë", "Liam", "Siobhán", "Noah", "Grace", "Aaliyah", "Kwame", "Priya", "Wei", "Tomasz", "Ana-Maria",
    "George", "Freya", "Jamal", "Chloe", "Dylan", "Evie", "Rhys", "Niamh",
]  # fmt: skip
FAMILY = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright",
    "O'Brien", "Robinson", "Thompson", "Evans", "Walker", "Khan", "Ahmed", "Nowak", "Kowalski", "Murphy",
    "Hughes", "Edwards", "Green", "Hall", "Lewis", "Harris", "Clarke", "Jackson", "Wood", "Turner",
    "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison",
    "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett",
    "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins",
    "Bell", "Shaw", "Murray", "Cox", "Adams", "Richards", "Chapman", "Marshall", "Webb", "Ellis",
    "Smith-Jones", "de la Cruz", "Nguyen", "Okafor", "Mensah", "Begum", "Hussain", "Ali", "Singh", "Kaur",
]  # fmt: skip
TITLES = ["", "", "", "Mr ", "Mrs ", "Ms ", "Dr "]
STREETS = ["High", "Church", "Station", "Victoria", "Mill", "Park", "London", "Queen's", "Manor", "Kings"]
STREET_TYPES = ["Street", "St", "Road", "Rd", "Avenue", "Ave", "Lane", "Close", "Gdns", "Terrace"]
TOWNS = ["Leeds", "Bradford", "Manchester", "Salford", "Sheffield", "Hull", "York", "Wakefield", "London"]
AREAS = ["LS", "BD", "M", "S", "HU", "YO", "WF", "E", "SW", "N", "B", "L", "CR", "NE", "G", "EH"]
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
DOMAINS = ["example.com", "example.org", "mail.example.co.uk", "test.example.net"]


def _name(rng: random.Random) -> str:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    shape = rng.random()
    if shape < 0.25:
        return f"{family.upper()}, {given}"
    if shape < 0.40:
        return f"{family.upper()} {given}"
    middle = f" {rng.choice(GIVEN)}" if rng.random() < 0.3 else ""
    return f"{rng.choice(TITLES)}{given}{middle} {family}"


def _dob(rng: random.Random) -> object:
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(25_000))
    shape = rng.random()
    if shape < 0.6:
        return born.strftime("%d/%m/%Y")
    if shape < 0.8:
        return born.isoformat()
    if shape < 0.9:
        return born  # an XLSX date cell
    return f"{born.day} {born.strftime('%B %Y')}"


def _postcode(rng: random.Random) -> str:
    outward = f"{rng.choice(AREAS)}{rng.randrange(1, 30)}"
    unit = rng.choice(UNIT_LETTERS) + rng.choice(UNIT_LETTERS)
    code = f"{outward} {rng.randrange(10)}{unit}"
    return code.lower().replace(" ", "") if rng.random() < 0.2 else code


def _phone(rng: random.Random) -> object:
    last = rng.randrange(1000)
    shape = rng.random()
    if shape < 0.35:
        return f"07{rng.randrange(100, 600)} {rng.randrange(100_000, 1_000_000)}"  # mobiles 071-075
    if shape < 0.55:
        return f"07700 900{last:03d}"
    if shape < 0.65:
        return 7700900000 + last  # XLSX number cell, leading zero lost
    if shape < 0.8:
        return f"+44 (0)20 7946 0{last:03d}"
    if shape < 0.9:
        return f"0161 496 0{last:03d}"
    return f"0{rng.choice(['113', '114', '116', '117', '118', '121'])}{rng.randrange(2_000_000, 8_000_000)}"


def _address(rng: random.Random) -> str:
    flat = f"Flat {rng.randrange(1, 20)}, " if rng.random() < 0.3 else ""
    street = f"{rng.randrange(1, 300)} {rng.choice(STREETS)} {rng.choice(STREET_TYPES)}"
    return f"{flat}{street}, {rng.choice(TOWNS)}"


def _vrm(rng: random.Random) -> str:
    letters = string.ascii_uppercase
    mark = f"{rng.choice(letters)}{rng.choice(letters)}{rng.randrange(10, 75)} "
    return mark + "".join(rng.choice(letters) for _ in range(3))


def make_rows(count: int, seed: int = 1) -> list[dict[str, object]]:
    """``count`` synthetic partner rows keyed by canonical field; the same every run."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        name = _name(rng)
        local = "".join(character for character in name.lower() if character.isalpha())[:12]
        rows.append(
            {
                "full_name": name,
                "dob": _dob(rng),
                "postcode": _postcode(rng),
                "phone": _phone(rng),
                "email": f"{local}{index}@{rng.choice(DOMAINS)}",
                "address": _address(rng),
                "vrm": _vrm(rng),
                "uprn": float(rng.randrange(10_000_000, 100_099_999_999)),  # as XLSX hands it over
            }
        )
    return rows


def main() -> None:
    rows = make_rows(ROWS)
    context = NormaliseContext(today=date(2026, 1, 1))
    rejected = 0
    started = time.perf_counter()
    for row in rows:
        for field, value in row.items():
            if is_blank(value):
                continue
            try:
                normalise_field(field, value, context)
            except ValueError:
                rejected += 1
    elapsed = time.perf_counter() - started
    rate = ROWS / elapsed
    fields = sum(len(row) for row in rows)
    print(f"{ROWS:,} rows, {fields:,} fields in {elapsed:.2f} s: {rate:,.0f} rows/s")
    print(f"{elapsed / fields * 1e6:.2f} us per field; {rejected:,} values rejected")
    print(
        f"target {TARGET_ROWS_PER_SECOND:,} rows/s: {'met' if rate >= TARGET_ROWS_PER_SECOND else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
