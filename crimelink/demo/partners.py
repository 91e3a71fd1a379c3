"""Partner agency datasets: GLAA labour inspections, Border Force seizures, Immigration Enforcement referrals."""

from __future__ import annotations

from collections.abc import Iterator

from crimelink.demo.agencies import BORDER_FORCE, GLAA, IMMIGRATION
from crimelink.demo.facts import Inspection, InspectionFact, ReferralFact, SeizureFact
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
from crimelink.domain.codes import DataCategory, DatasetKind

INSPECTIONS_SPEC = DatasetSpec(
    agency=GLAA,
    dataset="labour-inspections",
    title="GLAA labour inspections (one row per worker spoken to)",
    kind=DatasetKind.CASES,
    category=DataCategory.LABOUR_MARKET,
    file_format="csv",
    record_id="Worker Ref",
    share=0.07,
    columns=(
        Column("Worker Ref"),
        Column("Inspection Ref"),
        Column("Inspection Date", "record.received"),
        Column("Business Name", "business.business_name"),
        Column("Company No", "business.company_number"),
        Column("Site Address", "site.address"),
        Column("Site Postcode", "site.postcode"),
        Column("Licence Status", "business.glaa_licence_status", type="code"),
        Column("Outcome", "business.inspection_outcome", type="code"),
        Column("Worker Name", "worker.full_name"),
        Column("Worker DOB", "worker.dob"),
        Column("Worker NINO", "worker.nino"),
        Column("Worker Phone", "worker.phone"),
        Column("Accommodation Address", "accommodation.address"),
        Column("Accommodation Postcode", "accommodation.postcode"),
        Column("Worker Notes", "worker.interview_notes", type="text"),
        Column("Findings", "record.text"),
    ),
)
INSPECTIONS_STYLE = Style(
    date_style="dmy_dot",
    abbreviate=0.5,
    phone_styles=("national", "intl", "bare"),
    missing_dob=0.1,
    typo=0.04,
)

SEIZURES_SPEC = DatasetSpec(
    agency=BORDER_FORCE,
    dataset="seizures",
    title="Border Force seizures and detections with a local delivery or subject",
    kind=DatasetKind.REFERRALS,
    category=DataCategory.BORDER,
    file_format="jsonl",
    record_id="seizure_ref",
    share=0.06,
    defaults=Defaults(handling_code="C", handling_conditions=("REFER_TO_ORIGINATOR_BEFORE_ACTION",)),
    columns=(
        Column("seizure_ref"),
        Column("seizure_date", "record.event_date"),
        Column("port", "seizure.port", type="text"),
        Column("commodity", "seizure.commodity", type="code"),
        Column("quantity", "seizure.quantity", type="decimal"),
        Column("unit", "seizure.unit", type="code"),
        Column("consignee_name", "consignee.full_name"),
        Column("consignee_dob", "consignee.dob"),
        Column("consignee_company", "consignee_company.business_name"),
        Column("company_number", "consignee_company.company_number"),
        Column("delivery_address", "delivery.address"),
        Column("delivery_postcode", "delivery.postcode"),
        Column("contact_phone", "contact.phone"),
        Column("driver_name", "driver.full_name"),
        Column("driver_dob", "driver.dob"),
        Column("vehicle_vrm", "vehicle.vrm"),
        Column("narrative", "record.text"),
    ),
)
SEIZURES_STYLE = Style(name_style="upper", date_style="iso", phone_styles=("intl",), missing_dob=0.3)

REFERRALS_SPEC = DatasetSpec(
    agency=IMMIGRATION,
    dataset="referrals",
    title="Immigration Enforcement referrals and encounters",
    kind=DatasetKind.REFERRALS,
    category=DataCategory.IMMIGRATION,
    file_format="csv",
    delimiter=";",
    date_order="MDY",
    record_id="Referral ID",
    share=0.10,
    defaults=Defaults(classification="OFFICIAL-SENSITIVE"),
    columns=(
        Column("Referral ID"),
        Column("Referral Date", "record.received"),
        Column("Surname", "subject.family_name"),
        Column("Given Names", "subject.given_name"),
        Column("DOB", "subject.dob"),
        Column("Address", "subject.address"),
        Column("Postcode", "subject.postcode"),
        Column("Phone", "subject.phone"),
        Column("Employer", "employer.business_name"),
        Column("Employer Address", "workplace.address"),
        Column("Reason", "subject.referral_reason", type="code"),
        Column("Notes", "record.text"),
    ),
)
REFERRALS_STYLE = Style(
    family_upper=True,
    date_style="mdy_slash",
    abbreviate=0.3,
    phone_styles=("intl", "compact"),
    middle_names=0.6,
)

_SECTORS_INSPECTED = ("CAR_WASH", "NAIL_BAR", "CLEANING", "LOGISTICS", "RESTAURANT", "TAKEAWAY", "BUILDER")
_ROUTINE_FINDINGS = (
    ("COMPLIANT", "Records checked; workers paid by bank transfer; no concerns."),
    ("ADVICE_GIVEN", "Holiday pay records incomplete; advice given."),
    ("COMPLIANT", "Licence and right-to-work checks in order."),
)
_COMMODITIES = (
    ("CIGARETTES", "sticks", 2000, 40000, "Undeclared cigarettes in a parcel addressed to the consignee."),
    (
        "HAND_ROLLING_TOBACCO",
        "kg",
        1,
        25,
        "Hand rolling tobacco over the allowance in a passenger's luggage.",
    ),
    ("CANNABIS", "kg", 0.1, 3, "Herbal cannabis in a postal packet addressed to the consignee."),
    (
        "COUNTERFEIT_GOODS",
        "items",
        20,
        400,
        "Counterfeit clothing in a consignment for delivery to the address.",
    ),
    ("CASH", "GBP", 10001, 30000, "Undeclared cash over the declaration limit carried by a passenger."),
    ("ALCOHOL", "litres", 20, 300, "Alcohol well over personal allowances found in the passenger's vehicle."),
)
_PORTS = ("Dover", "Felixstowe", "Harwich", "Purfleet", "Tilbury", "London Stansted", "London Heathrow")
_REASONS = (
    ("OVERSTAYER", "Encountered during routine check; visa expired. Reporting conditions imposed."),
    ("ILLEGAL_WORKING", "Found working during visit; no right to work. Civil penalty referral for employer."),
    ("ABSCONDER", "Failed to report; last known address as shown."),
    ("HOUSING_REFERRAL", "Referral from council housing about right-to-rent checks."),
    ("STATUS_CHECK", "Status check requested by partner agency; lawful status confirmed."),
)


def render_inspection(fact: InspectionFact, ctx: RenderContext) -> tuple[Row, Truth]:
    fmt, inspection, worker = ctx.fmt, fact.inspection, fact.worker
    if inspection.number == 0:
        ctx.counter += 1
        inspection.number = ctx.counter
    inspection.lines += 1
    business, lodging = inspection.business, fact.accommodation
    row: Row = {
        "Worker Ref": f"GI{inspection.number:05d}-W{inspection.lines:02d}",
        "Inspection Ref": f"GI{inspection.number:05d}",
        "Inspection Date": fmt.date(inspection.visited),
        "Business Name": business.name,
        "Company No": business.company_number,
        "Site Address": fmt.address(business.premises),
        "Site Postcode": fmt.postcode(business.premises),
        "Licence Status": "NOT_REQUIRED" if business.sector not in ("CLEANING", "LOGISTICS") else "LICENSED",
        "Outcome": inspection.outcome,
        "Worker Name": fmt.full_name(worker),
        "Worker DOB": fmt.dob(worker),
        "Worker NINO": worker.nino if fmt.chance(0.7) else "",
        "Worker Phone": fmt.phone(worker.phone),
        "Accommodation Address": fmt.address(lodging) if lodging else "",
        "Accommodation Postcode": fmt.postcode(lodging) if lodging else "",
        "Worker Notes": fact.worker_notes,
        "Findings": inspection.findings,
    }
    truth: Truth = {"business": business.id, "site": business.premises.id}
    person_truth(truth, "worker", worker)
    if lodging is not None:
        truth["accommodation"] = lodging.id
    return row, truth


def background_inspections(world: World) -> Iterator[InspectionFact]:
    rng = world.rng
    candidates = [b for b in world.businesses if b.sector in _SECTORS_INSPECTED] or world.businesses
    while True:
        outcome, findings = rng.choice(_ROUTINE_FINDINGS)
        inspection = Inspection(world.recent(), rng.choice(candidates), outcome, findings)
        for _ in range(rng.randint(1, 5)):
            worker = rng.choice(world.adults)
            yield InspectionFact(inspection, worker, worker.home if rng.random() < 0.8 else None)


def render_seizure(fact: SeizureFact, ctx: RenderContext) -> tuple[Row, Truth]:
    fmt = ctx.fmt
    consignee, company, delivery, driver = fact.consignee, fact.consignee_business, fact.delivery, fact.driver
    row: Row = {
        "seizure_ref": f"BFS{ctx.number:07d}",
        "seizure_date": fmt.date(fact.seized),
        "port": fact.port,
        "commodity": fact.commodity,
        "quantity": fact.quantity,
        "unit": fact.unit,
        "consignee_name": fmt.full_name(consignee) if consignee else "",
        "consignee_dob": fmt.dob(consignee) if consignee else "",
        "consignee_company": company.name if company else "",
        "company_number": company.company_number if company else "",
        "delivery_address": fmt.address(delivery) if delivery else "",
        "delivery_postcode": fmt.postcode(delivery) if delivery else "",
        "contact_phone": fmt.phone(fact.contact_phone, allow_missing=False),
        "driver_name": fmt.full_name(driver) if driver else "",
        "driver_dob": fmt.dob(driver) if driver else "",
        "vehicle_vrm": fmt.vrm(fact.vehicle),
        "narrative": fact.notes,
    }
    truth: Truth = {}
    person_truth(truth, "consignee", consignee)
    for party, thing in (
        ("consignee_company", company),
        ("delivery", delivery),
        ("contact", fact.contact_phone),
        ("vehicle", fact.vehicle),
    ):
        if thing is not None:
            truth[party] = thing.id
    person_truth(truth, "driver", driver)
    return row, truth


def background_seizures(world: World) -> Iterator[SeizureFact]:
    rng = world.rng
    while True:
        commodity, unit, low, high, narrative = rng.choice(_COMMODITIES)
        quantity = round(rng.uniform(low, high), 1 if unit in ("kg", "litres") else 0)
        consignee = rng.choice(world.adults)
        fact = SeizureFact(
            seized=world.recent(),
            port=rng.choice(_PORTS),
            commodity=commodity,
            quantity=quantity if unit in ("kg", "litres") else int(quantity),
            unit=unit,
            notes=narrative,
            consignee=consignee,
            delivery=consignee.home,
            contact_phone=consignee.phone if rng.random() < 0.6 else None,
        )
        if commodity == "ALCOHOL" and consignee.vehicle is not None:
            fact.driver, fact.vehicle = consignee, consignee.vehicle
        yield fact


def render_referral(fact: ReferralFact, ctx: RenderContext) -> tuple[Row, Truth]:
    fmt, subject, employer = ctx.fmt, fact.subject, fact.employer
    given, family = fmt.split_name(subject)
    row: Row = {
        "Referral ID": f"IE{ctx.number:07d}",
        "Referral Date": fmt.date(fact.referred),
        "Surname": family,
        "Given Names": given,
        "DOB": fmt.dob(subject, allow_missing=False),
        "Address": fmt.address(subject.home, with_town=False),
        "Postcode": fmt.postcode(subject.home),
        "Phone": fmt.phone(subject.phone),
        "Employer": employer.name if employer else "",
        "Employer Address": fmt.address(employer.premises, with_postcode=True) if employer else "",
        "Reason": fact.reason,
        "Notes": fact.notes,
    }
    truth: Truth = {}
    person_truth(truth, "subject", subject, address=subject.home)
    if employer is not None:
        truth["employer"] = employer.id
        truth["workplace"] = employer.premises.id
    return row, truth


def background_referrals(world: World) -> Iterator[ReferralFact]:
    rng = world.rng
    while True:
        reason, notes = rng.choice(_REASONS)
        employer = rng.choice(world.businesses) if reason == "ILLEGAL_WORKING" else None
        yield ReferralFact(world.recent(), rng.choice(world.adults), reason, notes, employer)


INSPECTIONS = Dataset(
    INSPECTIONS_SPEC, INSPECTIONS_STYLE, InspectionFact, render_inspection, background_inspections
)
SEIZURES = Dataset(SEIZURES_SPEC, SEIZURES_STYLE, SeizureFact, render_seizure, background_seizures)
REFERRALS = Dataset(REFERRALS_SPEC, REFERRALS_STYLE, ReferralFact, render_referral, background_referrals)
