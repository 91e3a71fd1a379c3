"""Police datasets: the BCU SOC unit's nominals register and its intelligence reports."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

from crimelink.demo.agencies import POLICE
from crimelink.demo.facts import IntelFact, NominalFact
from crimelink.demo.noise import Style
from crimelink.demo.spec import (
    Column,
    Dataset,
    DatasetSpec,
    Defaults,
    RenderContext,
    Row,
    Truth,
    person_truth,
)
from crimelink.demo.world import World
from crimelink.domain.codes import CriminalityType, DataCategory, DatasetKind

NOMINALS_SPEC = DatasetSpec(
    agency=POLICE,
    dataset="nominals",
    title="BCU nominals register",
    kind=DatasetKind.REGISTER,
    category=DataCategory.NOMINALS,
    file_format="csv",
    record_id="Nominal Ref",
    share=0.06,
    defaults=Defaults(review_after_days=730),
    columns=(
        Column("Nominal Ref"),
        Column("Surname", "nominal.family_name"),
        Column("Forenames", "nominal.given_name"),
        Column("DOB", "nominal.dob"),
        Column("Alias", "nominal.alias"),
        Column("Home Address", "nominal.address"),
        Column("Postcode", "nominal.postcode"),
        Column("Phone Numbers", "nominal.phone", multiple=True, separator=";"),
        Column("NI Number", "nominal.nino"),
        Column("Linked VRM", "vehicle.vrm"),
        Column("Warning Markers", "nominal.warning_markers", type="text"),
        Column("Last Updated", "record.received"),
        Column("OIC"),
    ),
)
NOMINALS_STYLE = Style(
    family_upper=True,
    date_style="dmy_slash",
    abbreviate=0.3,
    phone_styles=("national", "compact", "intl"),
    middle_names=0.5,
    missing_phone=0.1,
)

INTEL_SPEC = DatasetSpec(
    agency=POLICE,
    dataset="intelligence-reports",
    title="BCU intelligence reports (3x5x2)",
    kind=DatasetKind.INTELLIGENCE,
    category=DataCategory.INTELLIGENCE,
    file_format="csv",
    record_id="URN",
    share=0.08,
    columns=(
        Column("URN"),
        Column("Date Recorded", "record.received"),
        Column("Date of Information", "record.event_date"),
        Column("Grade", "record.grading"),
        Column("Legacy Grade", "record.legacy_grading"),
        Column("Handling Code", "record.handling_code"),
        Column("Handling Conditions", "record.handling_conditions"),
        Column("Classification", "record.classification"),
        Column("Caveats", "record.caveats"),
        Column("Threats", "record.threats"),
        Column("Sanitised Text", "record.text"),
        Column("Raw Text", "record.text_raw"),
        Column("Subject Name", "subject.full_name"),
        Column("Subject DOB", "subject.dob"),
        Column("Subject Address", "subject.address"),
        Column("Subject Postcode", "subject.postcode"),
        Column("Subject Phone", "subject.phone"),
        Column("Associate Name", "associate.full_name"),
        Column("Associate DOB", "associate.dob"),
        Column("Location Address", "location.address"),
        Column("Location Postcode", "location.postcode"),
        Column("Phone Number", "line.phone"),
        Column("VRM", "vehicle.vrm"),
        Column("Business", "business.business_name"),
    ),
)
INTEL_STYLE = Style(
    name_style="family_comma",
    date_style="dmy_slash",
    abbreviate=0.15,
    address_upper=True,
    phone_styles=("national", "compact"),
    missing_dob=0.2,
    missing_phone=0.3,
)

_MARKERS = ("DRUGS", "WEAPONS", "VIOLENCE", "FIREARMS", "MENTAL HEALTH", "SELF HARM", "ESCAPER", "CONTAGIOUS")
_CONDITIONS = (
    "POLICE_ONLY",
    "NO_FURTHER_DISSEMINATION",
    "REFER_TO_ORIGINATOR_BEFORE_ACTION",
    "NAMED_RECIPIENTS:LBA-HOUSING+LBA-ASC",
    "NAMED_RECIPIENTS:GLAA+HOIE",
    "NOT_FOR_EVIDENTIAL_USE",
    "TIME_LIMITED:2027-03-31",
)
_LEGACY_SHAREABLE = ("B21", "B31", "C31", "B32", "C21", "A21", "C42", "B23")
_LEGACY_RESTRICTED = ("B35", "C35", "B24", "C44")


def render_nominal(fact: NominalFact, ctx: RenderContext) -> tuple[Row, Truth]:
    fmt, person = ctx.fmt, fact.person
    given, family = fmt.split_name(person)
    phones = [fmt.phone(person.phone)] + (
        [fmt.phone(fact.extra_phone, allow_missing=False)] if fact.extra_phone else []
    )
    row: Row = {
        "Nominal Ref": f"N{400000 + ctx.number:07d}",
        "Surname": family,
        "Forenames": given,
        "DOB": fmt.dob(person, allow_missing=False),
        "Alias": fact.alias,
        "Home Address": fmt.address(person.home, with_town=False),
        "Postcode": fmt.postcode(person.home),
        "Phone Numbers": ";".join(p for p in phones if p),
        "NI Number": person.nino if fmt.chance(0.6) else "",
        "Linked VRM": fmt.vrm(fact.vehicle),
        "Warning Markers": ";".join(fact.markers),
        "Last Updated": fmt.date(fact.updated),
        "OIC": f"PC {ctx.world.rng.randrange(100, 999)}{ctx.world.rng.choice('KLMNP')}",
    }
    truth: Truth = {}
    person_truth(truth, "nominal", person, address=person.home)
    if fact.vehicle is not None:
        truth["vehicle"] = fact.vehicle.id
    return row, truth


def background_nominals(world: World) -> Iterator[NominalFact]:
    rng = world.rng
    while True:
        person = rng.choice(world.adults)
        markers = tuple(rng.sample(_MARKERS, rng.choice((0, 0, 1, 1, 2))))
        alias = rng.choice(world.names.family) if rng.random() < 0.05 else ""
        vehicle = person.vehicle if rng.random() < 0.5 else None
        yield NominalFact(person, world.recent(), markers=markers, alias=alias, vehicle=vehicle)


def _grading(rng: random.Random, fact: IntelFact) -> tuple[str, str, str, str]:
    """(grade, legacy grade, handling code, conditions) for one report."""
    conditions = ";".join(fact.conditions)
    if not fact.conditions and rng.random() < 0.15:
        conditions = rng.choice(_CONDITIONS)
    if not fact.strong and rng.random() < 0.08:
        if conditions:
            return "", rng.choice(_LEGACY_RESTRICTED), "C", conditions
        return "", rng.choice(_LEGACY_SHAREABLE), "P", ""
    if fact.strong:
        source = rng.choice("1112")
        assessment = rng.choice("AABB")
    else:
        source = rng.choices("123", weights=(25, 55, 20))[0]
        assessment = rng.choices("ABCDE", weights=(8, 35, 37, 16, 4))[0]
    handling = "C" if conditions else "P"
    return f"{source}{assessment} {handling}", "", handling, conditions


def render_intel(fact: IntelFact, ctx: RenderContext) -> tuple[Row, Truth]:
    fmt, rng = ctx.fmt, ctx.world.rng
    grade, legacy, handling, conditions = _grading(rng, fact)
    subject, associate, location = fact.subject, fact.associate, fact.location
    row: Row = {
        "URN": f"IR{ctx.number:07d}",
        "Date Recorded": fmt.date(fact.reported + timedelta(days=rng.randrange(0, 4))),
        "Date of Information": fmt.date(fact.reported),
        "Grade": grade,
        "Legacy Grade": legacy,
        "Handling Code": handling,
        "Handling Conditions": conditions,
        "Classification": "OFFICIAL-SENSITIVE" if fact.sensitive else "OFFICIAL",
        "Caveats": ";".join(fact.caveats),
        "Threats": ";".join(t.value for t in fact.threats),
        "Sanitised Text": fact.text,
        "Raw Text": fact.raw,
        "Subject Name": fmt.full_name(subject) if subject else "",
        "Subject DOB": fmt.dob(subject) if subject else "",
        "Subject Address": fmt.address(subject.home) if subject and fmt.chance(0.7) else "",
        "Subject Postcode": fmt.postcode(subject.home) if subject and fmt.chance(0.6) else "",
        "Subject Phone": fmt.phone(subject.phone) if subject else "",
        "Associate Name": fmt.full_name(associate) if associate else "",
        "Associate DOB": fmt.dob(associate) if associate else "",
        "Location Address": fmt.address(location) if location else "",
        "Location Postcode": fmt.postcode(location) if location else "",
        "Phone Number": fmt.phone(fact.line, allow_missing=False),
        "VRM": fmt.vrm(fact.vehicle),
        "Business": fact.business.name if fact.business else "",
    }
    truth: Truth = {}
    address = subject.home if subject and row["Subject Address"] else None
    person_truth(truth, "subject", subject, address=address)
    person_truth(truth, "associate", associate)
    for party, thing in (("location", location), ("line", fact.line), ("vehicle", fact.vehicle)):
        if thing is not None:
            truth[party] = thing.id
    if fact.business is not None:
        truth["business"] = fact.business.id
    return row, truth


_BACKGROUND_REPORTS: tuple[tuple[str, str, CriminalityType], ...] = (
    (
        "Subject is believed to be drinking in the street in breach of the PSPO near the address.",
        "Reported by a local business owner who does not want to be named.",
        CriminalityType.OTHER,
    ),
    (
        "Subject is believed to carry a knife when out in the area at night.",
        "Information from a member of the public known to the reporting officer.",
        CriminalityType.SERIOUS_VIOLENCE_WEAPONS,
    ),
    (
        "Subject is believed to be selling cannabis to local youths from the address.",
        "Neighbour reports a smell of cannabis and short visits at all hours.",
        CriminalityType.DRUG_SUPPLY,
    ),
    (
        "Subject is believed to be selling illicit tobacco from a vehicle.",
        "Seen by a PCSO on patrol; vehicle parked outside the address most evenings.",
        CriminalityType.ILLICIT_TOBACCO_ALCOHOL,
    ),
    (
        "Subject is believed to be handling stolen pedal cycles at the address.",
        "Caller reports several high-value bikes being resprayed in the front garden.",
        CriminalityType.ORGANISED_ACQUISITIVE,
    ),
    (
        "Subject is believed to be selling counterfeit clothing online and from the address.",
        "Information from a brand protection investigator.",
        CriminalityType.COUNTERFEIT_GOODS,
    ),
    (
        "Subject is believed to be working cash in hand while claiming benefits.",
        "Anonymous call to the reporting line.",
        CriminalityType.FRAUD,
    ),
    (
        "Subject is believed to be driving the vehicle without insurance.",
        "Reported by a neighbour during a parking dispute.",
        CriminalityType.OTHER,
    ),
)


def background_intel(world: World) -> Iterator[IntelFact]:
    rng = world.rng
    while True:
        text, raw, threat = rng.choice(_BACKGROUND_REPORTS)
        subject = rng.choice(world.adults)
        location = subject.home if rng.random() < 0.6 else rng.choice(world.premises)
        vehicle = subject.vehicle if "vehicle" in text else None
        yield IntelFact(
            reported=world.recent(),
            text=text,
            raw=f"{text} {raw}",
            threats=(threat,),
            subject=subject,
            location=location,
            vehicle=vehicle,
            sensitive=rng.random() < 0.1,
        )


NOMINALS = Dataset(NOMINALS_SPEC, NOMINALS_STYLE, NominalFact, render_nominal, background_nominals)
INTELLIGENCE = Dataset(INTEL_SPEC, INTEL_STYLE, IntelFact, render_intel, background_intel)
