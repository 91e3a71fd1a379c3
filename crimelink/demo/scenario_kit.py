"""Shared tools for planting organised-crime scenarios in the synthetic borough.

A scenario picks its cast from the same population as everyone else (so names carry no signal), gives
them phones nobody else has, and emits facts into several agencies' datasets. Its ground truth (members
and roles, premises, vehicles, phones, businesses) goes to ``ground_truth/truth.json`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from crimelink.demo.identifiers import Phone
from crimelink.demo.population import business_name
from crimelink.demo.world import Business, Person, Premises, Vehicle, World
from crimelink.domain.codes import CriminalityType, GroupStructure, MemberRole

SCENARIO_START = date(2025, 1, 6)
SCENARIO_END = date(2026, 10, 25)
Window = tuple[date, date]


@dataclass(eq=False)
class GroupTruth:
    id: str
    name: str
    scenario: str
    threats: list[CriminalityType]
    structure: GroupStructure
    members: list[tuple[Person, MemberRole]] = field(default_factory=list)
    premises: list[Premises] = field(default_factory=list)
    vehicles: list[Vehicle] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    businesses: list[Business] = field(default_factory=list)
    victim_businesses: list[Business] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "scenario": self.scenario,
            "threats": [t.value for t in self.threats],
            "structure": self.structure.value,
            "members": [{"person": p.id, "role": r.value} for p, r in self.members],
            "premises": [p.id for p in self.premises],
            "vehicles": [v.id for v in self.vehicles],
            "phones": [p.id for p in self.phones],
            "businesses": [b.id for b in self.businesses],
            "victim_businesses": [b.id for b in self.victim_businesses],
        }


class Planted:
    """Scenario facts waiting to be written, per fact type, in runs of rows that belong together."""

    def __init__(self) -> None:
        self.runs: dict[type, list[list[object]]] = {}

    def add(self, facts: Sequence[object]) -> None:
        if facts:
            self.runs.setdefault(type(facts[0]), []).append(list(facts))


class ScenarioContext:
    """The world plus bookkeeping: who is already cast, what has been planted, the groups' truth."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = world.rng
        self.planted = Planted()
        self.groups: list[GroupTruth] = []
        self.exploited: list[Person] = []
        self._cast: set[int] = set()
        self.start = SCENARIO_START
        self.end = SCENARIO_END

    # -- cast ---------------------------------------------------------------------------------
    def _take(self, person: Person, *, phone: bool = True) -> Person:
        self._cast.add(person.index)
        if phone:
            person.phone = self.world.phones.reserved()
        return person

    def adult(self, low: int = 20, high: int = 55, *, female: bool | None = None) -> Person:
        """An adult not yet in any scenario and not a vulnerable adult, given a phone of their own."""
        rng, ref = self.rng, self.end
        while True:
            person = rng.choice(self.world.adults)
            if person.index in self._cast or person.vulnerable:
                continue
            if female is not None and person.female != female:
                continue
            if low <= person.age_on(ref) <= high:
                return self._take(person)

    def child(self, low: int = 13, high: int = 16, *, female: bool | None = None) -> Person:
        """A child who lives with an adult carer."""
        rng, ref = self.rng, self.end
        while True:
            person = rng.choice(self.world.children)
            if person.index in self._cast or not any(not p.is_child for p in person.home.residents):
                continue
            if female is not None and person.female != female:
                continue
            if low <= person.age_on(ref) <= high:
                return self._take(person)

    def vulnerable_adult(self, *, living_alone: bool = True) -> Person:
        rng = self.rng
        for _ in range(2000):
            person = rng.choice(self.world.vulnerable)
            if person.index in self._cast or (living_alone and len(person.home.residents) != 1):
                continue
            return self._take(person, phone=False)
        # Small worlds may have few vulnerable adults living alone.
        return self.vulnerable_adult(living_alone=False)

    def new_person(
        self, *, home: Premises, age: tuple[int, int], family: str = "", female: bool | None = None
    ) -> Person:
        person = self.world.new_person(home=home, age=age, family=family, female=female)
        if not person.is_child:
            person.nino = self.world.codes.nino() if self.rng.random() < 0.6 else ""
        return self._take(person)

    def exploit(self, *people: Person) -> None:
        self.exploited.extend(people)

    # -- things -------------------------------------------------------------------------------
    def phone(self) -> Phone:
        return self.world.phones.reserved()

    def vehicle(self, keeper: Person | None, make: str, model: str) -> Vehicle:
        return self.world.add_vehicle(keeper, make=make, model=model)

    def business(self, sector: str, owner: Person, *, incorporated: bool = True, name: str = "") -> Business:
        world = self.world
        premises = world.add_premises(self.rng.choice(world.commercial_streets))
        name = name or business_name(self.rng, sector, incorporated=incorporated)
        business = world.add_business(name=name, sector=sector, premises=premises, owner=owner)
        if incorporated:
            business.company_number = world.codes.company_number()
        business.phone = self.phone()
        return business

    def home(self) -> Premises:
        """An empty residential address of its own (a new flat or house)."""
        return self.world.add_premises(self.rng.choice(self.world.residential_streets))

    # -- time ---------------------------------------------------------------------------------
    def window(self, days: int = 300) -> Window:
        first = self.world.random_date(self.start, self.end - timedelta(days=days))
        return first, first + timedelta(days=days)

    def day(self, window: Window) -> date:
        return self.world.random_date(*window)

    def moment(self, window: Window, *, night: bool = False) -> datetime:
        day = self.day(window)
        hour = self.rng.choice((22, 23, 0, 1, 2, 4, 5)) if night else self.rng.randrange(7, 20)
        return datetime(day.year, day.month, day.day, hour, self.rng.randrange(60))

    # -- output -------------------------------------------------------------------------------
    def emit(self, *facts: object) -> None:
        """Plant facts; each becomes one row, placed independently in its dataset."""
        for fact in facts:
            self.planted.add([fact])

    def emit_run(self, facts: Sequence[object]) -> None:
        """Plant rows that belong together (one case's occupants, one inspection's workers)."""
        self.planted.add(facts)

    def group(
        self, name: str, scenario: str, threats: list[CriminalityType], structure: GroupStructure
    ) -> GroupTruth:
        group = GroupTruth(f"G{len(self.groups) + 1:03d}", name, scenario, threats, structure)
        self.groups.append(group)
        return group
