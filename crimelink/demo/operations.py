"""The demo borough's deconfliction scenarios: operations and interests with known conflicts.

Three scenarios (issue 6), picked from the world so they are true to it:

- **a GLAA day of action** at six workplaces: the nail bar and the hand car wash of the planted modern
  slavery group and four other nail bars, car washes, beauty rooms or cleaning firms. The police are
  already watching the car wash covertly (the group's driver and his minibus), so the day of action
  meets a red conflict, and GLAA is told only to hold and call the police SOC desk;
- **a trading standards visit** to a shop on the parade the protection racket preys on, which the
  police have flagged ("consult us before action": their intelligence on it says refer to the
  originator before acting), so the visit meets the police interest (amber);
- **the same person under two spellings**: the police plan to arrest the county line's runner
  ("Jon SMYTHE"), and housing plan a welfare visit to the vulnerable tenant whose flat he is using,
  naming him as housing wrote him ("SMITH, John"), same date of birth; linkage resolves both to one
  entity, so the two operations meet as a target conflict (amber: a week apart).

Every window falls in the weeks after the demo's reference date, and the scenarios' days never overlap,
so these are the only conflicts. :func:`plan_operations` returns ``operations.json`` (what each agency
typed, in the order they registered it, read by ``crimelink demo operations``) and the expected conflicts
for the ground truth, which the product never reads.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from crimelink.demo.geography import TOWN
from crimelink.demo.names import NICKNAMES, SPELLING_VARIANTS
from crimelink.demo.scenario_kit import GroupTruth, ScenarioContext
from crimelink.demo.world import REFERENCE_DATE, Business, Person, Premises
from crimelink.domain.codes import MemberRole

OPERATIONS_FILE = "operations.json"
#: When the agencies registered them: the morning of the demo's reference date.
REGISTERED_AT = datetime.combine(REFERENCE_DATE, time(8, 0), tzinfo=UTC)
#: What the deconfliction desk's rules tell a partner facing a covert police operation.
HOLD_MESSAGE = "Hold: contact the police SOC desk."

_GLAA_SECTORS = ("NAIL_BAR", "CAR_WASH", "BEAUTY_MASSAGE", "CLEANING")
_CODENAMES = ("Kestrel", "Larkspur", "Merlin", "Bracken", "Corvid", "Halyard", "Tamarisk", "Wren")


@dataclass(frozen=True)
class PlannedOperations:
    """``document``: ``operations.json``; ``truth``: the ``deconfliction`` part of the ground truth;
    ``referenced``: the ground-truth ids (people, premises, businesses) the scenarios name."""

    document: dict[str, Any]
    truth: dict[str, Any]
    referenced: list[str]


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(REFERENCE_DATE + timedelta(days=days), time(hour, minute), tzinfo=UTC)


def _location(premises: Premises, *, radius_m: float) -> dict[str, Any]:
    return {
        "address": f"{premises.line()}, {TOWN}",
        "postcode": premises.postcode,
        "uprn": premises.uprn,
        "latitude": round(premises.lat, 6),
        "longitude": round(premises.lon, 6),
        "radius_m": radius_m,
    }


def _group(scenarios: ScenarioContext, scenario: str) -> GroupTruth:
    return next(g for g in scenarios.groups if g.scenario == scenario)


def _member(group: GroupTruth, role: MemberRole) -> Person:
    return next(person for person, r in group.members if r is role)


def respelt(family: str) -> str:
    """A family name as another agency might mishear or mistype it (Smith -> Smyth, Hussain -> Hussein).

    >>> respelt("Smith"), respelt("Baker"), respelt("Jones")
    ('Smyth', 'Bakar', 'Jonnes')
    """
    variants = SPELLING_VARIANTS.get(family)
    if variants:
        return variants[0]
    lower = family.lower()
    for old, new in (("i", "y"), ("y", "i"), ("ph", "f"), ("er", "ar"), ("ou", "ow")):
        at = lower.find(old, 1)
        if at > 0:
            return family[:at] + new + family[at + len(old) :]
    double = next((i for i in range(1, len(family)) if family[i].lower() in "nlmrst"), None)
    if double is None:
        return family + "e"
    return family[: double + 1] + family[double] + family[double + 1 :]


def police_spelling(person: Person) -> str:
    """``Jon SMYTH``: a familiar given name and a misheard family name, in capitals."""
    given = NICKNAMES.get(person.given, (person.given,))[0]
    return f"{given} {respelt(person.family).upper()}"


def housing_spelling(person: Person) -> str:
    """``SMITH, John``: the tenancy system's family-first style."""
    return f"{person.family.upper()}, {person.given}"


def _glaa_workplaces(
    rng: random.Random, slavery: GroupTruth, businesses: list[Business], seen: set[int]
) -> list[Business]:
    """The group's nail bar and car wash, and four other workplaces GLAA would look at (those the
    partnership's records know first)."""
    own = list(slavery.businesses)
    taken = {b.index for b in own}
    others = [b for b in businesses if b.sector in _GLAA_SECTORS and b.index not in taken]
    known = [b for b in others if b.index in seen]
    unknown = [b for b in others if b.index not in seen]
    rng.shuffle(known)
    rng.shuffle(unknown)
    return own + (known + unknown)[:4]


def plan_operations(
    scenarios: ScenarioContext, *, seed: int, known_businesses: set[int] | None = None
) -> PlannedOperations:
    """The three scenarios' operations and interests, from the planted groups of ``scenarios``.

    ``known_businesses``: indexes of businesses some agency's records mention (the day of action's other
    workplaces are picked from those first). Its own random stream, so the partner files do not change.
    """
    rng = random.Random(f"demo-operations-{seed}")
    world = scenarios.world
    slavery = _group(scenarios, "MODERN_SLAVERY")
    line = _group(scenarios, "COUNTY_LINES")
    racket = _group(scenarios, "PROTECTION_RACKET")
    controller = _member(slavery, MemberRole.PRINCIPAL)
    driver = _member(slavery, MemberRole.LIEUTENANT_COORDINATOR)
    nail_bar, car_wash = slavery.businesses[0], slavery.businesses[1]
    workplaces = _glaa_workplaces(rng, slavery, world.businesses, known_businesses or set())
    runner = _member(line, MemberRole.COURIER_RUNNER)
    cuckooed_flat = line.premises[-1]
    shop = racket.victim_businesses[0]
    surveillance_name, arrest_name = (f"Operation {n}" for n in rng.sample(_CODENAMES, 2))
    # GLAA name the nail bar's controller as the licence register has him, and the company.
    controller_targets = [
        {
            "kind": "PERSON",
            "value": f"{controller.family.upper()}, {controller.given}",
            "dob": controller.dob.strftime("%d/%m/%Y"),
        }
    ]
    if nail_bar.company_number:
        controller_targets.append({"kind": "COMPANY_NUMBER", "value": nail_bar.company_number})

    operations: list[dict[str, Any]] = [
        {
            "key": "police-covert-surveillance",
            "agency": "POLICE",
            "name": surveillance_name,
            "officer": "DS Harriet Okonjo",
            "contact_24h": "07700 900713",
            "operation_type": "SURVEILLANCE",
            "visibility": "COVERT",
            "classification": "OFFICIAL-SENSITIVE",
            "starts_at": _at(1, 6).isoformat(),
            "ends_at": _at(7, 22).isoformat(),
            "locations": [_location(car_wash.premises, radius_m=150.0)],
            "targets": [
                {"kind": "PERSON", "value": f"{driver.given} {driver.family}", "dob": driver.dob.isoformat()},
                {"kind": "VRM", "value": slavery.vehicles[0].vrm},
            ],
        },
        {
            "key": "glaa-day-of-action",
            "agency": "GLAA",
            "name": f"Day of action: {nail_bar.name} and five other workplaces",
            "officer": "Senior Investigating Officer Kieran Walsh",
            "contact_24h": "0115 496 0878",
            "operation_type": "MULTI_AGENCY_DAY_OF_ACTION",
            "visibility": "OVERT",
            "classification": "OFFICIAL",
            "starts_at": _at(3, 6).isoformat(),
            "ends_at": _at(3, 14).isoformat(),
            "locations": [_location(b.premises, radius_m=100.0) for b in workplaces],
            "targets": controller_targets,
        },
        {
            "key": "trading-standards-visit",
            "agency": "LBA-TS",
            "name": f"Test purchase and inspection: {shop.name}",
            "officer": "Trading Standards Officer Bernadette Lowe",
            "contact_24h": "020 7946 0212",
            "operation_type": "TRADING_STANDARDS_VISIT",
            "visibility": "OVERT",
            "classification": "OFFICIAL",
            "starts_at": _at(10, 10).isoformat(),
            "ends_at": _at(10, 12, 30).isoformat(),
            "locations": [_location(shop.premises, radius_m=50.0)],
            "targets": [],
        },
        {
            "key": "police-arrest",
            "agency": "POLICE",
            "name": arrest_name,
            "officer": "DC Marcus Feld",
            "contact_24h": "07700 900714",
            "operation_type": "ARREST",
            "visibility": "OVERT",
            "classification": "OFFICIAL",
            "starts_at": _at(16, 5).isoformat(),
            "ends_at": _at(16, 9).isoformat(),
            "locations": [_location(runner.home, radius_m=100.0)],
            "targets": [
                {"kind": "PERSON", "value": police_spelling(runner), "dob": runner.dob.strftime("%d/%m/%Y")}
            ],
        },
        {
            "key": "housing-welfare-visit",
            "agency": "LBA-HOUSING",
            "name": f"Tenancy welfare visit: {cuckooed_flat.line()}",
            "officer": "Tenancy Officer Dawn Achebe",
            "contact_24h": "020 7946 0434",
            "operation_type": "WELFARE_CHECK",
            "visibility": "OVERT",
            "classification": "OFFICIAL",
            "starts_at": _at(23, 10).isoformat(),
            "ends_at": _at(23, 12).isoformat(),
            "locations": [_location(cuckooed_flat, radius_m=50.0)],
            "targets": [{"kind": "PERSON", "value": housing_spelling(runner), "dob": runner.dob.isoformat()}],
        },
    ]
    interests: list[dict[str, Any]] = [
        {
            "key": "police-interest-in-shop",
            "agency": "POLICE",
            "contact": "DS Priya Nair, SOC Unit, 020 7946 0101",
            "subject": {"kind": "UPRN", "value": shop.premises.uprn},
            "label": f"{shop.name}, {shop.premises.line()}",
            "reason": "Shopkeepers on this parade are being extorted; intelligence says refer to the "
            "originator before any action at the premises.",
            "consult_before_action": True,
            "expires_on": (REFERENCE_DATE + timedelta(days=365)).isoformat(),
        }
    ]
    # Registered in this order: the police's standing interests first, then operations as listed.
    document = {"registered_at": REGISTERED_AT.isoformat(), "interests": interests, "operations": operations}
    truth = _truth(workplaces, car_wash, shop, runner, cuckooed_flat, driver, controller)
    referenced = [
        *(b.id for b in (*workplaces, shop)),
        *(b.premises.id for b in (*workplaces, shop)),
        *(p.id for p in (runner, driver, controller)),
        runner.home.id,
        cuckooed_flat.id,
    ]
    return PlannedOperations(document, truth, referenced)


def _truth(
    workplaces: list[Business],
    car_wash: Business,
    shop: Business,
    runner: Person,
    cuckooed_flat: Premises,
    driver: Person,
    controller: Person,
) -> dict[str, Any]:
    def hold() -> dict[str, Any]:
        return {"hold": True, "agency_code": None, "kinds": [], "grade": None, "message": HOLD_MESSAGE}

    def told(agency: str, kinds: list[str], grade: str, about: str) -> dict[str, Any]:
        return {"hold": False, "agency_code": agency, "kinds": kinds, "grade": grade, "about": about}

    return {
        "registered_at": REGISTERED_AT.isoformat(),
        "scenarios": {
            "glaa-day-of-action": {
                "premises": [b.premises.id for b in workplaces],
                "businesses": [b.id for b in workplaces],
                "under_covert_surveillance": car_wash.premises.id,
                "surveillance_targets": [driver.id],
                "day_of_action_targets": [controller.id],
            },
            "trading-standards-visit": {"premises": shop.premises.id, "business": shop.id},
            "same-person-two-spellings": {
                "person": runner.id,
                "dob": runner.dob.isoformat(),
                "spellings": {"POLICE": police_spelling(runner), "LBA-HOUSING": housing_spelling(runner)},
                "police_location": runner.home.id,
                "housing_location": cuckooed_flat.id,
            },
        },
        # Each conflict: its two sides (an operation or interest key), kinds, grade, and what each
        # side's agency is told about the other. The deconfliction desk sees both sides in full.
        "expected_conflicts": [
            {
                "scenario": "glaa-day-of-action",
                "sides": ["police-covert-surveillance", "glaa-day-of-action"],
                "kinds": ["PLACE_TIME", "PREMISES"],
                "grade": "RED",
                "told": {
                    "GLAA": hold(),
                    "POLICE": told("GLAA", ["PLACE_TIME", "PREMISES"], "RED", "operation"),
                },
            },
            {
                "scenario": "trading-standards-visit",
                "sides": ["trading-standards-visit", "police-interest-in-shop"],
                "kinds": ["PREMISES"],
                "grade": "AMBER",
                "told": {
                    "LBA-TS": told("POLICE", ["PREMISES"], "AMBER", "interest"),
                    "POLICE": told("LBA-TS", ["PREMISES"], "AMBER", "operation"),
                },
            },
            {
                "scenario": "same-person-two-spellings",
                "sides": ["police-arrest", "housing-welfare-visit"],
                "kinds": ["TARGET"],
                "grade": "AMBER",
                "told": {
                    "POLICE": told("LBA-HOUSING", ["TARGET"], "AMBER", "operation"),
                    "LBA-HOUSING": told("POLICE", ["TARGET"], "AMBER", "operation"),
                },
            },
        ],
        "desk_sees": "every conflict, both sides in full",
    }
