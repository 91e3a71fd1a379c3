"""The true state of the synthetic borough: people, premises, vehicles, phones and businesses.

Partner registers are *views* of this world, written with each agency's habits and noise; the ground
truth file maps every row back to the ids here. People are created in households (shared address, mostly
a shared family name), so related addresses and families arise naturally.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from crimelink.demo.geography import Borough, Ward
from crimelink.demo.identifiers import Phone, PhoneBook, UniqueCodes
from crimelink.demo.names import NamePools
from crimelink.linkage.attach import REGISTERED_FORMS

REFERENCE_DATE = date(2026, 11, 1)
PERIOD_START = date(2023, 1, 1)  # records in the demo are dated from here ...
PERIOD_END = date(2026, 10, 25)  # ... to here
_CHILD_IF_BORN_AFTER = date(REFERENCE_DATE.year - 18, REFERENCE_DATE.month, REFERENCE_DATE.day)

STREET_SUFFIXES: dict[str, str] = {
    "Road": "Rd", "Street": "St", "Avenue": "Ave", "Lane": "Ln", "Close": "Cl", "Grove": "Gr",
    "Gardens": "Gdns", "Place": "Pl", "Terrace": "Terr", "Crescent": "Cres", "Drive": "Dr",
    "Court": "Ct", "Square": "Sq", "Parade": "Pde", "Way": "Way", "Mews": "Mews", "Row": "Row",
}  # fmt: skip
_RESIDENTIAL_SUFFIXES = tuple(s for s in STREET_SUFFIXES if s != "Parade")
_COMMERCIAL_SUFFIXES = ("Road", "Street", "Parade", "Broadway", "High Street")
_STREET_PREFIXES = ("Upper", "Lower", "North", "South", "East", "West", "Old", "New", "Little", "Great")
_NUMBERS_PER_POSTCODE = 18


@dataclass(slots=True, eq=False)
class Street:
    name: str
    ward: Ward
    commercial: bool
    anchor: tuple[float, float]
    direction: tuple[float, float]
    postcodes: list[str] = field(default_factory=list)
    next_number: int = 1

    def abbreviated(self) -> str:
        head, _, suffix = self.name.rpartition(" ")
        short = STREET_SUFFIXES.get(suffix)
        return f"{head} {short}" if short and head else self.name


@dataclass(slots=True, eq=False)
class Premises:
    index: int
    street: Street
    number: int
    flat: str
    postcode: str
    uprn: str
    lon: float
    lat: float
    commercial: bool
    residents: list[Person] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"H{self.index:06d}"

    @property
    def ward(self) -> Ward:
        return self.street.ward

    def line(self, *, abbreviate: bool = False) -> str:
        """First line of the address, e.g. ``Flat 3, 12 Marlowe Road``."""
        street = self.street.abbreviated() if abbreviate else self.street.name
        prefix = f"{self.flat}, " if self.flat else ""
        return f"{prefix}{self.number} {street}"


@dataclass(slots=True, eq=False)
class Vehicle:
    index: int
    vrm: str
    make: str
    model: str
    colour: str
    keeper: Person | None = None

    @property
    def id(self) -> str:
        return f"V{self.index:06d}"

    @property
    def description(self) -> str:
        return f"{self.colour} {self.make} {self.model}"


@dataclass(slots=True, eq=False)
class Person:
    index: int
    given: str
    middle: str
    family: str
    female: bool
    dob: date
    home: Premises
    phone: Phone | None = None
    vehicle: Vehicle | None = None
    nino: str = ""
    vulnerable: bool = False

    @property
    def id(self) -> str:
        return f"P{self.index:06d}"

    @property
    def is_child(self) -> bool:
        return self.dob > _CHILD_IF_BORN_AFTER

    def age_on(self, day: date) -> int:
        return day.year - self.dob.year - ((day.month, day.day) < (self.dob.month, self.dob.day))


@dataclass(slots=True, eq=False)
class Business:
    index: int
    name: str
    sector: str
    premises: Premises
    owner: Person
    company_number: str = ""
    phone: Phone | None = None
    handle: str = ""
    waste_carrier_registration: str = ""

    @property
    def id(self) -> str:
        return f"B{self.index:06d}"


_VEHICLES = (
    ("Ford", "Fiesta"), ("Ford", "Focus"), ("Ford", "Transit"), ("Vauxhall", "Corsa"), ("Vauxhall", "Astra"),
    ("Volkswagen", "Golf"), ("Volkswagen", "Polo"), ("Toyota", "Prius"), ("Toyota", "Yaris"),
    ("Mercedes-Benz", "Sprinter"), ("Mercedes-Benz", "A-Class"), ("BMW", "3 Series"), ("Audi", "A3"),
    ("Nissan", "Qashqai"), ("Kia", "Sportage"), ("Peugeot", "208"), ("Renault", "Master"),
    ("Citroen", "Berlingo"), ("Honda", "Civic"), ("Skoda", "Octavia"),
)  # fmt: skip
_COLOURS = ("Black", "White", "Silver", "Grey", "Blue", "Red", "Green")


class World:
    """Everything that really exists in the demo borough. Build with :func:`build_world`."""

    def __init__(self, rng: random.Random, borough: Borough, names: NamePools) -> None:
        self.rng = rng
        self.borough = borough
        self.names = names
        self.codes = UniqueCodes(rng)
        self.phones = PhoneBook(rng)
        self.streets: list[Street] = []
        self.residential_streets: list[Street] = []
        self.commercial_streets: list[Street] = []
        self.premises: list[Premises] = []
        self.residential: list[Premises] = []
        self.commercial: list[Premises] = []
        self.persons: list[Person] = []
        self.adults: list[Person] = []
        self.children: list[Person] = []
        self.vulnerable: list[Person] = []
        self.vehicles: list[Vehicle] = []
        self.businesses: list[Business] = []
        self._street_names: set[str] = set()
        #: Registered (incorporated) business names already taken, upper case.
        self._registered_names: set[str] = set()

    # -- places -------------------------------------------------------------------------------
    def add_street(self, *, commercial: bool, ward: Ward | None = None) -> Street:
        rng = self.rng
        ward = ward or rng.choice(self.borough.wards)
        suffixes = _COMMERCIAL_SUFFIXES if commercial else _RESIDENTIAL_SUFFIXES
        attempt = 0
        while True:
            name = f"{rng.choice(self.names.street_bases)} {rng.choice(suffixes)}"
            if attempt > 20:  # the plain names are used up: London has plenty of "Upper" and "New" streets
                name = f"{rng.choice(_STREET_PREFIXES)} {name}"
            attempt += 1
            if name not in self._street_names:
                break
        self._street_names.add(name)
        anchor = (rng.uniform(0.08, 0.92), rng.uniform(0.08, 0.92))
        direction = (rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4))
        street = Street(name, ward, commercial, anchor, direction)
        self.streets.append(street)
        (self.commercial_streets if commercial else self.residential_streets).append(street)
        return street

    def add_premises(self, street: Street, *, number: int | None = None, flat: str = "") -> Premises:
        rng = self.rng
        if number is None:
            number = street.next_number
            street.next_number += 1 if rng.random() < 0.8 else 2
        block = (number - 1) // _NUMBERS_PER_POSTCODE
        while len(street.postcodes) <= block:
            street.postcodes.append(street.ward.new_postcode(rng))
        # Numbers run along the street from its anchor; 150 numbers span its direction vector.
        t = min(number, 300) / 150.0
        u = min(max(street.anchor[0] + street.direction[0] * t + rng.uniform(-0.01, 0.01), 0.02), 0.98)
        v = min(max(street.anchor[1] + street.direction[1] * t + rng.uniform(-0.01, 0.01), 0.02), 0.98)
        lon, lat = street.ward.point(u, v)
        premises = Premises(
            index=len(self.premises) + 1,
            street=street,
            number=number,
            flat=flat,
            postcode=street.postcodes[block],
            uprn=self.codes.uprn(),
            lon=lon,
            lat=lat,
            commercial=street.commercial and not flat,
        )
        self.premises.append(premises)
        (self.commercial if premises.commercial else self.residential).append(premises)
        return premises

    def add_flat_above(self, shop: Premises) -> Premises:
        """A residential flat over a shop, at the same street number."""
        return self.add_premises(shop.street, number=shop.number, flat="Flat A")

    # -- people and things --------------------------------------------------------------------
    def add_person(
        self, *, given: str, family: str, female: bool, dob: date, home: Premises, middle: str = ""
    ) -> Person:
        person = Person(len(self.persons) + 1, given, middle, family, female, dob, home)
        self.persons.append(person)
        home.residents.append(person)
        (self.children if person.is_child else self.adults).append(person)
        return person

    def move(self, person: Person, home: Premises) -> None:
        if person in person.home.residents:
            person.home.residents.remove(person)
        person.home = home
        home.residents.append(person)

    def add_vehicle(self, keeper: Person | None, *, make: str = "", model: str = "") -> Vehicle:
        rng = self.rng
        if not make:
            make, model = rng.choice(_VEHICLES)
        vehicle = Vehicle(len(self.vehicles) + 1, self.codes.vrm(), make, model, rng.choice(_COLOURS), keeper)
        self.vehicles.append(vehicle)
        if keeper is not None and keeper.vehicle is None:
            keeper.vehicle = vehicle
        return vehicle

    def add_business(self, *, name: str, sector: str, premises: Premises, owner: Person) -> Business:
        """A new business; a registered name (ending Ltd, PLC, LLP or CIC) is made unique.

        Companies House never registers two companies under one name (the Company, Limited Liability
        Partnership and Business (Names and Trading Disclosures) Regulations 2015), so a registered
        name already taken gets its street in brackets, as real companies do ("Prime Convenience Store
        (Kemp Street) Ltd"), then a number. Unregistered trading names may repeat. No random draw is
        made, so the rest of the borough is the same for a seed.
        """
        name = self._registrable(name, premises)
        business = Business(len(self.businesses) + 1, name, sector, premises, owner)
        self.businesses.append(business)
        return business

    def _registrable(self, name: str, premises: Premises) -> str:
        head, _, form = name.rpartition(" ")
        if not head or form.upper() not in REGISTERED_FORMS:
            return name
        candidate, number = name, 1
        while candidate.upper() in self._registered_names:
            candidate = f"{head} ({premises.street.name}){f' {number}' if number > 1 else ''} {form}"
            number += 1
        self._registered_names.add(candidate.upper())
        return candidate

    def dob_for_age(self, low: int, high: int) -> date:
        """A date of birth for someone aged ``low`` to ``high`` on the reference date."""
        latest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - low).toordinal() - 1
        earliest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - high - 1).toordinal() + 1
        return date.fromordinal(self.rng.randrange(earliest, latest + 1))

    def new_person(
        self, *, home: Premises, age: tuple[int, int], family: str = "", female: bool | None = None
    ) -> Person:
        rng = self.rng
        female = rng.random() < 0.5 if female is None else female
        middle = self.names.given(rng, female) if rng.random() < 0.3 else ""
        return self.add_person(
            given=self.names.given(rng, female),
            middle=middle,
            family=family or rng.choice(self.names.family),
            female=female,
            dob=self.dob_for_age(*age),
            home=home,
        )

    def random_date(self, start: date, end: date) -> date:
        return date.fromordinal(self.rng.randrange(start.toordinal(), end.toordinal() + 1))

    def recent(self, *, start: date = PERIOD_START, end: date = PERIOD_END) -> date:
        """A day within the demo's recording period."""
        return self.random_date(start, end)
