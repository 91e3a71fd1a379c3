"""Council housing datasets: the HMO licence register and tenancy cases (one row per occupant)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from crimelink.demo.agencies import HOUSING
from crimelink.demo.facts import HmoFact, TenancyCase, TenancyFact
from crimelink.demo.noise import Style
from crimelink.demo.spec import Column, Dataset, DatasetSpec, RenderContext, Row, Truth, person_truth
from crimelink.demo.world import World
from crimelink.domain.codes import DataCategory, DatasetKind

HMO_SPEC = DatasetSpec(
    agency=HOUSING,
    dataset="hmo-register",
    title="HMO licence register",
    kind=DatasetKind.REGISTER,
    category=DataCategory.HOUSING,
    file_format="csv",
    record_id="Licence No",
    share=0.06,
    columns=(
        Column("Licence No"),
        Column("Property Address", "premises.address"),
        Column("Postcode", "premises.postcode"),
        Column("UPRN", "premises.uprn"),
        Column("Landlord Forename", "landlord.given_name"),
        Column("Landlord Surname", "landlord.family_name"),
        Column("Landlord DOB", "landlord.dob"),
        Column("Landlord Phone", "landlord.phone"),
        Column("Landlord Address", "landlord.address"),
        Column("Licence Granted", "record.received"),
        Column("Permitted Occupants", "premises.permitted_occupants", type="integer"),
        Column("Reported Occupants", "premises.reported_occupants", type="integer"),
        Column("Storeys", "premises.storeys", type="integer"),
        Column("Inspection Notes", "record.text"),
    ),
)
HMO_STYLE = Style(date_style="iso", abbreviate=0.2, phone_styles=("national", "intl"), missing_dob=0.15)

TENANCY_SPEC = DatasetSpec(
    agency=HOUSING,
    dataset="tenancy-cases",
    title="Housing and tenancy management cases (one row per occupant)",
    kind=DatasetKind.CASES,
    category=DataCategory.HOUSING,
    file_format="csv",
    encoding="utf-8-sig",
    record_id="Case Line",
    share=0.16,
    columns=(
        Column("Case Line"),
        Column("Case No"),
        Column("Opened", "record.received"),
        Column("Case Type", "property.case_type", type="code"),
        Column("Property", "property.address"),
        Column("UPRN", "property.uprn"),
        Column("Occupant Name", "occupant.full_name"),
        Column("Occupant DOB", "occupant.dob"),
        Column("Occupant Phone", "occupant.phone"),
        Column("Relationship", "occupant.relationship", type="code"),
        Column("Case Notes", "record.text"),
    ),
)
TENANCY_STYLE = Style(
    date_style="dmy_slash",
    abbreviate=0.6,
    address_upper=True,
    phone_styles=("compact", "national"),
    missing_dob=0.2,
)

_HMO_NOTES = (
    "Annual inspection: fire doors and alarms satisfactory.",
    "Inspection: minor disrepair to kitchen; schedule of works issued.",
    "Licence renewed; no concerns.",
    "Inspection: bedroom sizes compliant; waste storage inadequate.",
)
_CASES = (
    ("REPAIRS", "Tenant reports damp and mould in bedroom."),
    ("RENT_ARREARS", "Arrears letter sent; payment plan agreed."),
    ("ASB", "Neighbour complaint about loud music late at night."),
    ("NOISE", "Noise complaint; diary sheets issued."),
    ("WELFARE", "Welfare check requested by family; tenant well."),
    ("SUCCESSION", "Succession claim after death of tenant."),
    ("OVERCROWDING", "Household on transfer list due to overcrowding."),
)


def render_hmo(fact: HmoFact, ctx: RenderContext) -> tuple[Row, Truth]:
    fmt, landlord = ctx.fmt, fact.landlord
    given, family = fmt.split_name(landlord)
    row: Row = {
        "Licence No": f"HMO{ctx.number:06d}",
        "Property Address": fmt.address(fact.premises, with_town=False),
        "Postcode": fmt.postcode(fact.premises),
        "UPRN": fact.premises.uprn,
        "Landlord Forename": given,
        "Landlord Surname": family,
        "Landlord DOB": fmt.dob(landlord),
        "Landlord Phone": fmt.phone(landlord.phone),
        "Landlord Address": fmt.address(landlord.home, with_postcode=True),
        "Licence Granted": fmt.date(fact.granted),
        "Permitted Occupants": fact.permitted,
        "Reported Occupants": fact.reported,
        "Storeys": fact.storeys,
        "Inspection Notes": fact.notes,
    }
    truth: Truth = {"premises": fact.premises.id}
    person_truth(truth, "landlord", landlord, address=landlord.home)
    return row, truth


def background_hmos(world: World) -> Iterator[HmoFact]:
    rng = world.rng
    # Landlords often hold several licences: draw them from a smaller pool of adults.
    landlords = rng.sample(world.adults, max(20, len(world.adults) // 25))
    while True:
        premises = rng.choice(world.residential)
        permitted = rng.randint(4, 9)
        reported = permitted - rng.randint(0, 3) if rng.random() < 0.93 else permitted + rng.randint(1, 2)
        yield HmoFact(
            premises=premises,
            landlord=rng.choice(landlords),
            granted=world.random_date(date(2019, 1, 1), date(2026, 10, 1)),
            permitted=permitted,
            reported=reported,
            storeys=rng.randint(2, 4),
            notes=rng.choice(_HMO_NOTES),
        )


def render_tenancy(fact: TenancyFact, ctx: RenderContext) -> tuple[Row, Truth]:
    fmt, case, occupant = ctx.fmt, fact.case, fact.occupant
    if case.number == 0:
        ctx.counter += 1
        case.number = ctx.counter
    case.lines += 1
    row: Row = {
        "Case Line": f"HC{case.number:06d}-{case.lines:02d}",
        "Case No": f"HC{case.number:06d}",
        "Opened": fmt.date(case.opened),
        "Case Type": case.case_type,
        "Property": fmt.address(case.premises, with_postcode=True),
        "UPRN": case.premises.uprn if fmt.chance(0.7) else "",
        "Occupant Name": fmt.full_name(occupant),
        "Occupant DOB": fmt.dob(occupant),
        "Occupant Phone": fmt.phone(occupant.phone) if not occupant.is_child else "",
        "Relationship": fact.relationship,
        "Case Notes": case.notes,
    }
    truth: Truth = {"property": case.premises.id}
    person_truth(truth, "occupant", occupant)
    return row, truth


def background_tenancies(world: World) -> Iterator[TenancyFact]:
    rng = world.rng
    while True:
        premises = rng.choice(world.residential)
        if not premises.residents:
            continue
        case_type, notes = rng.choice(_CASES)
        case = TenancyCase(world.recent(), premises, case_type, notes)
        occupants = [p for p in premises.residents if p.dob < case.opened][:5]
        for n, occupant in enumerate(occupants):
            relationship = "TENANT" if n == 0 else "HOUSEHOLD_MEMBER"
            yield TenancyFact(case, occupant, relationship)


HMO = Dataset(HMO_SPEC, HMO_STYLE, HmoFact, render_hmo, background_hmos)
TENANCY = Dataset(TENANCY_SPEC, TENANCY_STYLE, TenancyFact, render_tenancy, background_tenancies)
