"""Planted scenarios: a county line with cuckooing, and a crime family importing firearms and drugs."""

from __future__ import annotations

from dataclasses import dataclass

from crimelink.demo.facts import (
    AdultFact,
    ChildFact,
    IntelFact,
    LicenceFact,
    NominalFact,
    SeizureFact,
    TenancyCase,
    TenancyFact,
)
from crimelink.demo.identifiers import Phone
from crimelink.demo.scenario_kit import ScenarioContext, Window
from crimelink.demo.social_care import carer_of
from crimelink.demo.world import Business, Person, Premises, Vehicle
from crimelink.domain.codes import CriminalityType, GroupStructure, MemberRole

_LINE_TAGS = ("DEX", "TJ", "BENZ", "ACE", "KAYZ", "MONEY", "SKI", "ZEE", "REEM", "GUCCI", "NITRO", "BLADE")
_EXPORT_TOWNS = ("Southend", "Ipswich", "Margate", "Colchester", "Norwich", "Chelmsford", "Hastings")


@dataclass
class _Line:
    tag: str
    town: str
    principal: Person
    holder: Person
    runner: Person
    children: list[Person]
    cuckooed: list[Person]
    line: Phone
    car: Vehicle


def county_line(ctx: ScenarioContext, copy: int) -> None:
    """A deal line run from the borough, with child runners and cuckooed vulnerable adults."""
    rng = ctx.rng
    cast = _Line(
        tag=_LINE_TAGS[copy % len(_LINE_TAGS)],
        town=_EXPORT_TOWNS[copy % len(_EXPORT_TOWNS)],
        principal=ctx.adult(24, 34, female=False),
        holder=ctx.adult(19, 26),
        runner=ctx.adult(18, 21),
        children=[ctx.child(14, 16) for _ in range(2 + rng.randint(0, 1))],
        cuckooed=[ctx.vulnerable_adult() for _ in range(2)],
        line=ctx.phone(),
        car=ctx.vehicle(None, "Audi", "A3"),
    )
    cast.car.keeper = cast.principal
    group = ctx.group(
        f"'{cast.tag}' line (Ashvale to {cast.town})",
        "COUNTY_LINES",
        [
            CriminalityType.COUNTY_LINES,
            CriminalityType.DRUG_SUPPLY,
            CriminalityType.CCE,
            CriminalityType.CUCKOOING,
        ],
        GroupStructure.STREET_GANG,
    )
    group.members = [
        (cast.principal, MemberRole.PRINCIPAL),
        (cast.holder, MemberRole.LINE_HOLDER),
        (cast.runner, MemberRole.COURIER_RUNNER),
        *((child, MemberRole.EXPLOITED_PERSON) for child in cast.children),
        *((adult, MemberRole.EXPLOITED_PERSON) for adult in cast.cuckooed),
    ]
    group.premises = [adult.home for adult in cast.cuckooed]
    group.vehicles = [cast.car]
    group.phones = [cast.line, *(p.phone for p in (cast.principal, cast.holder) if p.phone)]
    ctx.exploit(*cast.children, *cast.cuckooed)
    _line_safeguarding(ctx, cast)
    _line_police(ctx, cast)


def _line_safeguarding(ctx: ScenarioContext, cast: _Line) -> None:
    rng, window = ctx.rng, ctx.window()
    for child in cast.children:
        for _ in range(rng.randint(1, 2)):
            ctx.emit(
                ChildFact(
                    child,
                    ctx.day(window),
                    "CCE",
                    f"Missing overnight; found in {cast.town} with older males. Unexplained cash, a second "
                    "phone and new clothes. Believed to be running drugs on a county line.",
                    missing_episodes=rng.randint(3, 8),
                    carer=carer_of(child),
                )
            )
    for adult in cast.cuckooed:
        ctx.emit(
            AdultFact(
                adult,
                ctx.day(window),
                "SUBSTANCE_MISUSE" if rng.random() < 0.6 else "LEARNING_DISABILITY",
                "Neighbours report young males coming and going at all hours; resident not seen for days and "
                "reluctant to open the door. Door frame damaged.",
                cuckooing_risk=True,
            )
        )
    home = cast.cuckooed[0].home
    case = TenancyCase(
        ctx.day(window), home, "ASB", "Reports of drug dealing from the flat; unknown males staying."
    )
    ctx.emit_run(
        [
            TenancyFact(case, cast.cuckooed[0], "TENANT"),
            TenancyFact(case, cast.holder, "VISITOR"),
            TenancyFact(case, cast.runner, "VISITOR"),
        ]
    )


def _line_police(ctx: ScenarioContext, cast: _Line) -> None:
    window = ctx.window(200)
    threats = (CriminalityType.COUNTY_LINES, CriminalityType.DRUG_SUPPLY)
    ctx.emit(
        NominalFact(cast.principal, ctx.day(window), ("DRUGS", "VIOLENCE"), alias=cast.tag, vehicle=cast.car),
        NominalFact(cast.holder, ctx.day(window), ("DRUGS", "WEAPONS"), extra_phone=cast.line),
        NominalFact(cast.runner, ctx.day(window), ("DRUGS",)),
        IntelFact(
            ctx.day(window),
            f"The '{cast.tag}' deal line is believed to be held by the subject and used to supply crack cocaine "
            f"and heroin to users in {cast.town}.",
            f"CHIS reports the subject holds the '{cast.tag}' line phone and sends bulk messages to users.",
            threats,
            subject=cast.holder,
            line=cast.line,
            strong=True,
        ),
        IntelFact(
            ctx.day(window),
            f"The '{cast.tag}' line is believed to be controlled by the subject, who collects cash from runners "
            "using the vehicle.",
            "Subject seen by surveillance collecting cash from two youths at the address.",
            threats,
            subject=cast.principal,
            line=cast.line,
            vehicle=cast.car,
        ),
    )
    for child, home in zip(cast.children, [a.home for a in cast.cuckooed] * 2, strict=False):
        ctx.emit(
            IntelFact(
                ctx.day(window),
                "A child is believed to be staying at the address and running drugs for the line.",
                f"Child stopped nearby with cash and two phones; one phone received messages from the "
                f"'{cast.tag}' line.",
                (CriminalityType.CCE, CriminalityType.COUNTY_LINES, CriminalityType.CUCKOOING),
                subject=child,
                associate=cast.runner,
                location=home,
                line=cast.line,
                sensitive=True,
                caveats=("CHILDREN",),
                conditions=("NAMED_RECIPIENTS:LBA-CSC+LBA-ASC",),
            )
        )
    ctx.emit(
        IntelFact(
            ctx.day(window),
            "Subject is believed to be using the home of a vulnerable adult at the address to store drugs.",
            "Neighbour states the resident has not been seen for a week and the subject has a key.",
            (CriminalityType.CUCKOOING, CriminalityType.DRUG_SUPPLY),
            subject=cast.runner,
            associate=cast.holder,
            location=cast.cuckooed[-1].home,
        )
    )


_PORT_NAMES = ("Dover", "Felixstowe", "Purfleet", "Harwich")


@dataclass
class _Family:
    father: Person
    mother: Person
    sons: list[Person]
    cousin: Person
    flats: list[Premises]
    lorry: Vehicle
    car: Vehicle


def crime_family(ctx: ScenarioContext, copy: int) -> None:
    """A family importing drugs and firearms through its haulage firm, laundering through a pub."""
    rng, world = ctx.rng, ctx.world
    family_name = rng.choice(world.names.family)
    home = ctx.home()
    father = ctx.new_person(home=home, age=(52, 62), family=family_name, female=False)
    mother = ctx.new_person(home=home, age=(48, 58), family=family_name, female=True)
    flats = [ctx.home(), ctx.home()]
    sons = [
        ctx.new_person(home=flats[0], age=(26, 32), family=family_name, female=False),
        ctx.new_person(home=flats[1], age=(21, 26), family=family_name, female=False),
    ]
    cousin = ctx.new_person(home=ctx.home(), age=(28, 42), family=family_name, female=False)
    cast = _Family(
        father,
        mother,
        sons,
        cousin,
        flats,
        ctx.vehicle(father, "DAF", "XF"),
        ctx.vehicle(sons[1], "BMW", "M3"),
    )
    haulier = ctx.business("LOGISTICS", father, name=f"{family_name} Freight Ltd")
    pub = ctx.business("PUB_BAR", mother, incorporated=False)
    group = ctx.group(
        f"{family_name} family",
        "CRIME_FAMILY",
        [
            CriminalityType.DRUG_IMPORTATION,
            CriminalityType.FIREARMS_SUPPLY_IMPORT,
            CriminalityType.MONEY_LAUNDERING,
            CriminalityType.CRIME_FAMILY_GANG,
        ],
        GroupStructure.CRIME_FAMILY,
    )
    group.members = [
        (father, MemberRole.PRINCIPAL),
        (mother, MemberRole.MONEY_MULE_LAUNDERER),
        (sons[0], MemberRole.LIEUTENANT_COORDINATOR),
        (sons[1], MemberRole.ENFORCER),
        (cousin, MemberRole.COURIER_RUNNER),
    ]
    group.premises = [home, *flats, haulier.premises, pub.premises]
    group.vehicles = [cast.lorry, cast.car]
    group.phones = [p.phone for p, _ in group.members if p.phone]
    group.businesses = [haulier, pub]
    window = ctx.window()
    ctx.emit(
        LicenceFact(
            pub, mother, "PREMISES_LICENCE", ctx.day(window), dps=sons[0], activities="Sale of alcohol"
        )
    )
    _family_border(ctx, cast, haulier, window)
    _family_police(ctx, cast, haulier, pub, window)


def _family_border(ctx: ScenarioContext, cast: _Family, haulier: Business, window: Window) -> None:
    rng = ctx.rng
    ctx.emit(
        SeizureFact(
            ctx.day(window),
            rng.choice(_PORT_NAMES),
            "COCAINE",
            round(rng.uniform(8, 30), 1),
            "kg",
            "Cocaine concealed in a consignment of catering supplies imported by the company; driver detained.",
            consignee_business=haulier,
            delivery=haulier.premises,
            contact_phone=cast.father.phone,
            driver=cast.cousin,
            vehicle=cast.lorry,
        ),
        SeizureFact(
            ctx.day(window),
            "Coventry International Hub",
            "FIREARM_PARTS",
            2,
            "items",
            "Two pistol frames and slides in a fast parcel declared as car parts.",
            consignee=cast.sons[1],
            delivery=cast.flats[1],
            contact_phone=cast.sons[1].phone,
        ),
        SeizureFact(
            ctx.day(window),
            "London Stansted",
            "CASH",
            rng.randrange(40_000, 90_000),
            "GBP",
            "Undeclared cash in hand luggage on an outbound flight; passenger gave the home address shown.",
            consignee=cast.mother,
            delivery=cast.mother.home,
        ),
    )


def _family_police(
    ctx: ScenarioContext, cast: _Family, haulier: Business, pub: Business, window: Window
) -> None:
    father, mother, sons, cousin = cast.father, cast.mother, cast.sons, cast.cousin
    ctx.emit(
        NominalFact(father, ctx.day(window), ("FIREARMS", "VIOLENCE")),
        NominalFact(sons[0], ctx.day(window), ("DRUGS",), vehicle=None),
        NominalFact(sons[1], ctx.day(window), ("FIREARMS", "WEAPONS", "VIOLENCE"), vehicle=cast.car),
        NominalFact(cousin, ctx.day(window), (), vehicle=cast.lorry),
        IntelFact(
            ctx.day(window),
            "Subject is believed to arrange the importation of class A drugs through his haulage company, "
            "concealed in legitimate loads.",
            "Source with direct access states the subject meets drivers at the yard before each run.",
            (CriminalityType.DRUG_IMPORTATION, CriminalityType.CRIME_FAMILY_GANG),
            subject=father,
            associate=cousin,
            business=haulier,
            location=haulier.premises,
            vehicle=cast.lorry,
            strong=True,
            conditions=("POLICE_ONLY",),
        ),
        IntelFact(
            ctx.day(window),
            "Subject is believed to have access to a handgun kept at a family address and to use violence "
            "to collect drug debts for the family.",
            "CHIS reports seeing the firearm at the flat; subject drives the BMW shown.",
            (CriminalityType.FIREARMS_SUPPLY_IMPORT, CriminalityType.SERIOUS_VIOLENCE_WEAPONS),
            subject=sons[1],
            associate=sons[0],
            location=cast.flats[1],
            vehicle=cast.car,
            sensitive=True,
            conditions=("NO_FURTHER_DISSEMINATION",),
        ),
        IntelFact(
            ctx.day(window),
            "Cash from drug supply is believed to be paid into the takings of the public house run by the "
            "subject's family and banked as bar sales.",
            "Financial investigator notes takings far above comparable premises.",
            (CriminalityType.MONEY_LAUNDERING,),
            subject=mother,
            associate=father,
            business=pub,
            location=pub.premises,
        ),
        IntelFact(
            ctx.day(window),
            "Subject is believed to be co-ordinating onward supply of imported cocaine to street dealers in "
            "east London.",
            "Telephone number shown is used by the subject to arrange meetings at the public house.",
            (CriminalityType.DRUG_SUPPLY, CriminalityType.CRIME_FAMILY_GANG),
            subject=sons[0],
            location=pub.premises,
        ),
    )
