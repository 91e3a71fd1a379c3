"""Planted scenarios: an unlicensed waste carrier fly-tipping gang, and a protection racket."""

from __future__ import annotations

from dataclasses import dataclass

from crimelink.demo.facts import ComplaintFact, FlytipFact, IntelFact, NominalFact
from crimelink.demo.regulatory import flytip_at, licence_for
from crimelink.demo.scenario_kit import ScenarioContext, Window
from crimelink.demo.world import Business, Person, Premises, Vehicle
from crimelink.domain.codes import CriminalityType, GroupStructure, MemberRole

_VICTIM_SECTORS = ("TAKEAWAY", "CONVENIENCE_STORE", "RESTAURANT", "CAFE", "BARBER", "PUB_BAR", "PHONE_SHOP")


@dataclass
class _Waste:
    principal: Person
    drivers: list[Person]
    company: Business
    yard: Premises
    vehicles: list[Vehicle]
    account: str


def waste_crime(ctx: ScenarioContext, copy: int) -> None:
    """A clearance firm with no waste carrier registration that dumps what it collects."""
    rng, world = ctx.rng, ctx.world
    principal = ctx.adult(30, 52, female=False)
    drivers = [ctx.adult(20, 40, female=False) for _ in range(2)]
    company = ctx.business("WASTE_CLEARANCE", principal)
    company.handle = "@" + company.name.lower().replace(" ltd", "").replace(" ", "_")
    cast = _Waste(
        principal=principal,
        drivers=drivers,
        company=company,
        yard=world.add_premises(rng.choice(world.commercial_streets)),
        vehicles=[
            ctx.vehicle(principal, "Iveco", "Daily Tipper"),
            ctx.vehicle(drivers[0], "Ford", "Transit Luton"),
        ],
        account=f"{rng.randrange(10, 99)}-{rng.randrange(10, 99)}-{rng.randrange(10, 99)} {rng.randrange(10**7, 10**8)}",
    )
    group = ctx.group(
        f"{company.name} fly-tipping gang",
        "WASTE_CRIME",
        [CriminalityType.WASTE_CRIME_FLY_TIPPING, CriminalityType.FRAUD],
        GroupStructure.CORE_GROUP,
    )
    group.members = [
        (principal, MemberRole.PRINCIPAL),
        (drivers[0], MemberRole.LIEUTENANT_COORDINATOR),
        (drivers[1], MemberRole.ASSOCIATE),
    ]
    group.vehicles = list(cast.vehicles)
    group.phones = [p.phone for p in (principal, *drivers) if p.phone]
    group.businesses = [company]
    window = ctx.window()
    sites = _waste_flytips(ctx, cast, window)
    group.premises = [company.premises, cast.yard, *sites]
    _waste_complaints_and_intel(ctx, cast, window)


def _waste_flytips(ctx: ScenarioContext, cast: _Waste, window: Window) -> list[Premises]:
    rng, sites = ctx.rng, []
    for n in range(8 + rng.randint(0, 4)):
        when = ctx.moment(window, night=rng.random() < 0.6)
        fact = flytip_at(ctx.world, when, near=rng.random() < 0.6)
        fact.vehicle = cast.vehicles[n % 2]
        fact.waste_type = rng.choice(("BUILDING_RUBBLE", "MIXED", "FURNITURE", "WHITE_GOODS"))
        fact.size_code = rng.choice(("TRANSIT_VAN", "TIPPER_LORRY"))
        fact.reporter = ctx.world.rng.choice(ctx.world.adults)
        fact.notes = (
            "Witness saw the load tipped from the vehicle; no waste transfer note found with the waste."
        )
        if n % 3 == 0:
            fact.carrier = cast.company
            fact.notes = "Waste included paperwork from a clearance job booked through a social media advert."
        if n % 4 == 1:
            # Alternate the two drivers (n % 2 would always be 1 here, leaving the first never stopped).
            fact.suspect = cast.drivers[(n // 4) % 2]
            fact.notes = (
                "Driver stopped nearby and gave the name shown; could not produce a waste carrier licence."
            )
        if fact.site is not None:
            sites.append(fact.site)
        ctx.emit(fact)
    yard = cast.yard
    ctx.emit(
        FlytipFact(
            reported=ctx.moment(window),
            lon=yard.lon,
            lat=yard.lat,
            location=f"Yard at {yard.line()}",
            ward=yard.ward.name,
            waste_type="MIXED",
            size_code="TIPPER_LORRY",
            vehicle=cast.vehicles[0],
            carrier=cast.company,
            site=yard,
            notes="Large stockpile of mixed waste and signs of burning at a rented yard; the tipper was parked inside.",
        )
    )
    return sites


def _waste_complaints_and_intel(ctx: ScenarioContext, cast: _Waste, window: Window) -> None:
    rng = ctx.rng
    for _ in range(3 + rng.randint(0, 1)):
        ctx.emit(
            ComplaintFact(
                ctx.day(window),
                rng.choice(ctx.world.adults),
                "SERVICES",
                "Paid cash for a house clearance advertised on social media; days later the waste was found "
                "dumped and the council fined me.",
                business=cast.company,
                trader=cast.drivers[0] if rng.random() < 0.5 else cast.principal,
                trader_phone=cast.principal.phone,
                account=cast.account,
                handle=cast.company.handle,
            )
        )
    ctx.emit(
        NominalFact(cast.principal, ctx.day(window), (), vehicle=cast.vehicles[0]),
        IntelFact(
            ctx.day(window),
            "The subject's clearance firm is believed to dump collected waste across the borough and to use "
            "cloned plates on the tipper.",
            "Environmental enforcement officer and ANPR hits in two places at once.",
            (CriminalityType.WASTE_CRIME_FLY_TIPPING,),
            subject=cast.principal,
            associate=cast.drivers[1],
            business=cast.company,
            vehicle=cast.vehicles[0],
            location=cast.yard,
        ),
    )


def protection_racket(ctx: ScenarioContext, copy: int) -> None:
    """Enforcers from a sham security firm making shopkeepers on one parade pay weekly."""
    world = ctx.world
    principal = ctx.adult(32, 52, female=False)
    enforcers = [ctx.adult(20, 35, female=False) for _ in range(3)]
    front = ctx.business("SECURITY", principal)
    victims = _victims(ctx)
    car = ctx.vehicle(principal, "Land Rover", "Range Rover Sport")
    group = ctx.group(
        f"{front.name} protection racket",
        "PROTECTION_RACKET",
        [CriminalityType.EXTORTION_RACKETEERING, CriminalityType.SERIOUS_VIOLENCE_WEAPONS],
        GroupStructure.HIERARCHICAL,
    )
    group.members = [(principal, MemberRole.PRINCIPAL), *((e, MemberRole.ENFORCER) for e in enforcers)]
    group.premises = [front.premises]
    group.vehicles = [car]
    group.phones = [p.phone for p in (principal, *enforcers) if p.phone]
    group.businesses = [front]
    group.victim_businesses = victims
    window = ctx.window()
    for n, victim in enumerate(victims[:3]):
        enforcer = enforcers[n % len(enforcers)]
        ctx.emit(
            ComplaintFact(
                ctx.day(window),
                victim.owner,
                "AGGRESSIVE_PRACTICES",
                "Two men from the company said the shop must sign a 'security' contract at £150 a week; they "
                "said the windows would get broken otherwise.",
                business=front,
                trader=enforcer,
                trader_phone=enforcer.phone,
            )
        )
    for victim in victims:
        licence = licence_for(world, victim)
        if licence is not None:
            ctx.emit(licence)
    _racket_police(ctx, principal, enforcers, victims, car, window)


def _victims(ctx: ScenarioContext) -> list[Business]:
    rng, world = ctx.rng, ctx.world
    candidates = [b for b in world.businesses if b.sector in _VICTIM_SECTORS]
    street = rng.choice(candidates).premises.street
    victims = [b for b in candidates if b.premises.street is street][:5]
    while len(victims) < 4:
        extra = rng.choice(candidates)
        if extra not in victims:
            victims.append(extra)
    return victims


def _racket_police(
    ctx: ScenarioContext,
    principal: Person,
    enforcers: list[Person],
    victims: list[Business],
    car: Vehicle,
    window: Window,
) -> None:
    for enforcer in enforcers:
        ctx.emit(NominalFact(enforcer, ctx.day(window), ("VIOLENCE", "WEAPONS")))
    ctx.emit(
        IntelFact(
            ctx.day(window),
            "Shopkeepers on the parade are believed to pay weekly cash to men claiming to provide security; "
            "a shop that refused had its window smashed.",
            "Two shopkeepers spoke to the neighbourhood team off the record; both too frightened to give statements.",
            (CriminalityType.EXTORTION_RACKETEERING,),
            subject=enforcers[0],
            associate=enforcers[1],
            business=victims[0],
            location=victims[0].premises,
            conditions=("REFER_TO_ORIGINATOR_BEFORE_ACTION",),
        ),
        IntelFact(
            ctx.day(window),
            "The subject is believed to run the racket through a security company and to collect the cash from "
            "the enforcers in the vehicle.",
            "Surveillance log: the vehicle met the enforcers on the parade on Friday evenings.",
            (CriminalityType.EXTORTION_RACKETEERING, CriminalityType.MONEY_LAUNDERING),
            subject=principal,
            associate=enforcers[2],
            vehicle=car,
            strong=True,
        ),
        IntelFact(
            ctx.day(window),
            "The subject is believed to carry a machete when collecting payments from businesses.",
            "Victim's CCTV reviewed by officers; the subject is recognisable.",
            (CriminalityType.SERIOUS_VIOLENCE_WEAPONS, CriminalityType.EXTORTION_RACKETEERING),
            subject=enforcers[1],
            location=victims[-1].premises,
            business=victims[-1],
        ),
    )
