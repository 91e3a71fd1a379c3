"""Populate the world: streets, homes, households, phones, vehicles and local businesses."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

from crimelink.demo.geography import Borough
from crimelink.demo.names import NamePools
from crimelink.demo.world import REFERENCE_DATE, Business, Premises, World

SECTORS: dict[str, int] = {
    "TAKEAWAY": 14, "CONVENIENCE_STORE": 14, "PUB_BAR": 6, "RESTAURANT": 8, "CAFE": 8, "NAIL_BAR": 5,
    "BARBER": 6, "BEAUTY_MASSAGE": 3, "CAR_WASH": 3, "GARAGE": 4, "PHONE_SHOP": 4, "MINICAB_OFFICE": 3,
    "BUILDER": 6, "WASTE_CLEARANCE": 3, "LOGISTICS": 4, "TATTOO_STUDIO": 1, "SECURITY": 2, "CLEANING": 3,
}  # fmt: skip
_SECTOR_NAMES = tuple(SECTORS)
_SECTOR_CUMULATIVE = tuple(itertools.accumulate(SECTORS.values()))

_NAME_WORDS = (
    "Golden", "Royal", "Star", "Sunrise", "Crown", "Village", "Corner", "Express", "City", "Eastside", "Lucky",
    "Supreme", "Perfect", "Classic", "Premier", "Prime", "Diamond", "Ashvale", "Canal", "Victoria", "Tip Top",
    "Happy", "Fresh", "Elite", "Marsh", "Riverside", "Jubilee", "Phoenix", "Rainbow", "Silver",
)  # fmt: skip
_SECTOR_NOUNS: dict[str, tuple[str, ...]] = {
    "TAKEAWAY": ("Fried Chicken", "Pizza", "Kebab House", "Grill", "Fish Bar", "Noodle Bar", "Peri Peri"),
    "CONVENIENCE_STORE": ("Food & Wine", "Mini Market", "Convenience Store", "Off Licence", "Supermarket"),
    "PUB_BAR": ("Arms", "Tavern", "Inn", "Bar & Lounge"),
    "RESTAURANT": ("Restaurant", "Kitchen", "Bistro", "Brasserie"),
    "CAFE": ("Cafe", "Coffee House", "Tea Rooms"),
    "NAIL_BAR": ("Nails", "Nail Bar", "Nails & Beauty"),
    "BARBER": ("Barbers", "Cuts", "Trims"),
    "BEAUTY_MASSAGE": ("Beauty", "Massage & Spa", "Therapy Rooms"),
    "CAR_WASH": ("Hand Car Wash", "Car Valeting"),
    "GARAGE": ("Motors", "Autos", "Tyres & Exhausts"),
    "PHONE_SHOP": ("Mobiles", "Phone Repairs", "Telecom"),
    "MINICAB_OFFICE": ("Cars", "Minicabs", "Executive Cars"),
    "BUILDER": ("Builders", "Construction", "Building Services"),
    "WASTE_CLEARANCE": ("Clearances", "Rubbish Removal", "Waste Services", "Skip Hire"),
    "LOGISTICS": ("Logistics", "Freight", "Haulage"),
    "TATTOO_STUDIO": ("Tattoo Studio", "Ink"),
    "SECURITY": ("Security Services", "Security Solutions"),
    "CLEANING": ("Cleaning Services", "Cleaners"),
}
_INCORPORATED_SECTORS = ("BUILDER", "WASTE_CLEARANCE", "LOGISTICS", "SECURITY", "CLEANING", "GARAGE")

Progress = Callable[[str, int, int], None]


def business_name(rng: random.Random, sector: str, *, incorporated: bool) -> str:
    noun = rng.choice(_SECTOR_NOUNS[sector])
    if sector == "PUB_BAR" and noun in ("Arms", "Tavern", "Inn"):
        name = f"The {rng.choice(_NAME_WORDS)} {noun}"
    else:
        name = f"{rng.choice(_NAME_WORDS)} {noun}"
    return f"{name} Ltd" if incorporated else name


def build_world(
    rng: random.Random, borough: Borough, names: NamePools, *, size: int, progress: Progress | None = None
) -> World:
    """Create the borough's people, homes, businesses and vehicles for a run of about ``size`` rows."""
    world = World(rng, borough, names)
    target_people = max(1500, int(size * 0.55))
    target_businesses = max(150, int(size * 0.05))
    # A real borough has a couple of thousand streets; beyond that, streets just get longer.
    for _ in range(min(max(30, target_people // 80), 2_400)):
        world.add_street(commercial=False)
    for _ in range(min(max(8, target_businesses // 25), 500)):
        world.add_street(commercial=True)
    pending_flats: list[Premises] = []
    while len(world.persons) < target_people:
        _add_household(world, _next_home(world, pending_flats))
        if progress is not None and len(world.persons) % 20_000 < 4:
            progress("world", len(world.persons), target_people)
    _give_people_things(world)
    for _ in range(target_businesses):
        _add_background_business(world)
    return world


def _next_home(world: World, pending_flats: list[Premises]) -> Premises:
    if pending_flats:
        return pending_flats.pop()
    rng = world.rng
    street = rng.choice(world.residential_streets)
    if rng.random() < 0.25:
        number = street.next_number
        street.next_number += 1
        flats = [
            world.add_premises(street, number=number, flat=f"Flat {n}") for n in range(1, rng.randint(3, 10))
        ]
        flats.reverse()
        pending_flats.extend(flats)
        return pending_flats.pop()
    return world.add_premises(street)


def _add_household(world: World, home: Premises) -> None:
    rng = world.rng
    kind = rng.random()
    family = rng.choice(world.names.family)
    if kind < 0.30:
        world.new_person(home=home, age=(19, 90), family=family)
    elif kind < 0.52:
        first = world.new_person(home=home, age=(22, 85), family=family)
        low, high = max(19, first.age_on(REFERENCE_DATE) - 8), first.age_on(REFERENCE_DATE) + 8
        world.new_person(home=home, age=(low, high), family=family if rng.random() < 0.8 else "")
    elif kind < 0.85:
        parent = world.new_person(home=home, age=(25, 55), family=family)
        if rng.random() < 0.6:
            world.new_person(home=home, age=(25, 58), family=family if rng.random() < 0.85 else "")
        oldest_child = min(17, parent.age_on(REFERENCE_DATE) - 18)
        for _ in range(rng.randint(1, 3)):
            world.new_person(home=home, age=(0, max(0, oldest_child)), family=family)
    else:
        for _ in range(rng.randint(2, 5)):
            world.new_person(home=home, age=(19, 45))


def _give_people_things(world: World) -> None:
    rng = world.rng
    for person in world.persons:
        if person.is_child:
            if person.age_on(REFERENCE_DATE) >= 11 and rng.random() < 0.55:
                person.phone = world.phones.background()
            continue
        if rng.random() < 0.75:
            person.phone = world.phones.background()
        if rng.random() < 0.55:
            person.nino = world.codes.nino()
        if rng.random() < 0.28:
            world.add_vehicle(person)
        if rng.random() < 0.06:
            person.vulnerable = True
            world.vulnerable.append(person)


def _add_background_business(world: World) -> Business:
    rng = world.rng
    sector = rng.choices(_SECTOR_NAMES, cum_weights=_SECTOR_CUMULATIVE)[0]
    incorporated = sector in _INCORPORATED_SECTORS or rng.random() < 0.35
    owner = rng.choice(world.adults)
    premises = world.add_premises(rng.choice(world.commercial_streets))
    business = world.add_business(
        name=business_name(rng, sector, incorporated=incorporated),
        sector=sector,
        premises=premises,
        owner=owner,
    )
    if incorporated:
        business.company_number = world.codes.company_number()
    if rng.random() < 0.8:
        business.phone = world.phones.background()
    if rng.random() < 0.2:
        business.handle = "@" + business.name.lower().replace(" ", "").replace("&", "and").replace("ltd", "")
    if sector in ("WASTE_CLEARANCE", "BUILDER"):
        business.waste_carrier_registration = f"CBDU9{rng.randrange(10**5):05d}"
    return business
