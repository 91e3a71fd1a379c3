"""Council regulatory datasets: trading standards complaints, licences, fly-tipping cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from crimelink.demo.agencies import ENVIRONMENT, LICENSING, TRADING_STANDARDS
from crimelink.demo.facts import ComplaintFact, FlytipFact, LicenceFact
from crimelink.demo.noise import Style
from crimelink.demo.spec import (
    Column,
    Dataset,
    DatasetSpec,
    RenderContext,
    Row,
    Truth,
    person_truth,
)
from crimelink.demo.world import Business, World
from crimelink.domain.codes import DataCategory, DatasetKind

COMPLAINTS_SPEC = DatasetSpec(
    agency=TRADING_STANDARDS,
    dataset="complaints",
    title="Trading standards complaints",
    kind=DatasetKind.CASES,
    category=DataCategory.TRADING_STANDARDS,
    file_format="csv",
    record_id="Complaint Ref",
    share=0.09,
    columns=(
        Column("Complaint Ref"),
        Column("Date Received", "record.received"),
        Column("Complainant", "complainant.full_name"),
        Column("Complainant Address", "complainant.address"),
        Column("Complainant Tel", "complainant.phone"),
        Column("Complainant Email", "complainant.email"),
        Column("Trader Name", "trader.business_name"),
        Column("Trader Company No", "trader.company_number"),
        Column("Trader Address", "trader_premises.address"),
        Column("Trader Postcode", "trader_premises.postcode"),
        Column("Trader Phone", "trader.phone"),
        Column("Trader Web/Social", "trader.handle"),
        Column("Payment Account", "trader.account"),
        Column("Trader Contact", "trader_contact.full_name"),
        Column("Contact Mobile", "trader_contact.phone"),
        Column("Category"),
        Column("Summary", "record.text"),
        Column("Officer"),
    ),
)
COMPLAINTS_STYLE = Style(
    date_style="dmy_text", abbreviate=0.5, phone_styles=("national", "bare", "compact"), missing_phone=0.25
)

LICENCES_SPEC = DatasetSpec(
    agency=LICENSING,
    dataset="premises-licences",
    title="Premises, special treatment and late night refreshment licences",
    kind=DatasetKind.REGISTER,
    category=DataCategory.LICENSING,
    file_format="xlsx",
    sheet="Licences",
    record_id="Licence Number",
    share=0.05,
    columns=(
        Column("Licence Number"),
        Column("Licence Type", "premises.licence_type", type="code"),
        Column("Premises Name", "business.business_name"),
        Column("Company Number", "business.company_number"),
        Column("Premises Address", "premises.address"),
        Column("Postcode", "premises.postcode"),
        Column("UPRN", "premises.uprn"),
        Column("Licence Holder", "holder.full_name"),
        Column("DPS Name", "dps.full_name"),
        Column("DPS DOB", "dps.dob"),
        Column("Granted", "record.received"),
        Column("Expiry", "premises.licence_expiry", type="date"),
        Column("Licensable Activities", "premises.licensable_activities", type="text"),
    ),
)
LICENCES_STYLE = Style(name_style="title", date_style="native", abbreviate=0.1, missing_dob=0.1)

FLYTIPPING_SPEC = DatasetSpec(
    agency=ENVIRONMENT,
    dataset="flytipping-cases",
    title="Fly-tipping and waste enforcement cases",
    kind=DatasetKind.CASES,
    category=DataCategory.ENVIRONMENTAL,
    file_format="jsonl",
    record_id="case_id",
    share=0.16,
    columns=(
        Column("case_id"),
        Column("reported_on", "record.received"),
        Column("observed_at", "site.observed_at", type="datetime"),
        Column("latitude", "site.latitude", type="decimal"),
        Column("longitude", "site.longitude", type="decimal"),
        Column("location", "site.address"),
        Column("postcode", "site.postcode"),
        Column("ward", "site.ward", type="text"),
        Column("waste_type", "site.waste_type", type="code"),
        Column("size", "site.size_category", type="code"),
        Column("vehicle_vrm", "vehicle.vrm"),
        Column("vehicle_description", "vehicle.description", type="text"),
        Column("suspect_name", "suspect.full_name"),
        Column("suspect_address", "suspect.address"),
        Column("carrier_name", "carrier.business_name"),
        Column("carrier_registration", "carrier.waste_carrier_registration", type="code"),
        Column("advert_handle", "carrier.handle"),
        Column("reporter_name", "reporter.full_name"),
        Column("reporter_phone", "reporter.phone"),
        Column("notes", "record.text"),
    ),
)
FLYTIPPING_STYLE = Style(
    name_style="given_upper_family", date_style="iso", abbreviate=0.4, phone_styles=("intl", "national")
)

_COMPLAINTS = (
    ("FAULTY_GOODS", "Bought a {thing} that stopped working within a week; trader refuses a refund."),
    ("SERVICES", "Paid a deposit for work that was never started; trader no longer answers calls."),
    ("PRICING", "Price charged at the till was higher than the shelf price."),
    ("FOOD", "Food sold past its use-by date."),
    ("UNDERAGE_SALES", "Shop believed to be selling alcohol and vapes to children after school."),
    ("COUNTERFEIT", "Designer trainers sold as genuine appear to be fake."),
    ("ILLICIT_TOBACCO", "Cheap cigarettes with foreign health warnings sold from under the counter."),
)
_THINGS = ("phone charger", "washing machine", "laptop", "pram", "mobility scooter", "boiler part")
_LICENCE_TYPES = {
    "PUB_BAR": ("PREMISES_LICENCE", "Sale of alcohol on and off the premises; regulated entertainment"),
    "CONVENIENCE_STORE": ("PREMISES_LICENCE", "Sale of alcohol off the premises"),
    "RESTAURANT": ("PREMISES_LICENCE", "Sale of alcohol on the premises; late night refreshment"),
    "TAKEAWAY": ("LATE_NIGHT_REFRESHMENT", "Late night refreshment 23:00-02:00"),
    "NAIL_BAR": ("SPECIAL_TREATMENT", "Manicure and nail treatments"),
    "BEAUTY_MASSAGE": ("SPECIAL_TREATMENT", "Massage, beauty treatments"),
    "TATTOO_STUDIO": ("SPECIAL_TREATMENT", "Tattooing and piercing"),
    "CAFE": ("STREET_TRADING", "Tables and chairs on the highway"),
}
_ALCOHOL_TYPES = ("PREMISES_LICENCE",)
_WASTE = ("HOUSEHOLD_BAGS", "BUILDING_RUBBLE", "WHITE_GOODS", "FURNITURE", "GARDEN_WASTE", "TYRES", "MIXED")
_SIZES = ("SINGLE_BAG", "CAR_BOOT", "SMALL_VAN", "TRANSIT_VAN", "TIPPER_LORRY")


def render_complaint(fact: ComplaintFact, ctx: RenderContext) -> tuple[Row, Truth]:
    fmt, person, business = ctx.fmt, fact.complainant, fact.business
    email_ok = fmt.chance(0.35)
    row: Row = {
        "Complaint Ref": f"TS{ctx.number:06d}",
        "Date Received": fmt.date(fact.received),
        "Complainant": fmt.full_name(person),
        "Complainant Address": fmt.address(person.home, with_postcode=fmt.chance(0.7)),
        "Complainant Tel": fmt.phone(person.phone),
        "Complainant Email": f"{person.given}.{person.family}{person.index % 97}@example.com".lower().replace(
            " ", ""
        )
        if email_ok
        else "",
        "Trader Name": business.name if business else "",
        "Trader Company No": business.company_number if business and fmt.chance(0.6) else "",
        "Trader Address": fmt.address(business.premises) if business and fmt.chance(0.8) else "",
        "Trader Postcode": fmt.postcode(business.premises) if business else "",
        "Trader Phone": fmt.phone(business.phone) if business else "",
        "Trader Web/Social": fact.handle,
        "Payment Account": fact.account,
        "Trader Contact": fmt.full_name(fact.trader) if fact.trader else "",
        "Contact Mobile": fmt.phone(fact.trader_phone, allow_missing=False),
        "Category": fact.category,
        "Summary": fact.summary,
        "Officer": ctx.world.rng.choice(("JB", "KM", "AO", "RS", "TW")),
    }
    truth: Truth = {}
    person_truth(truth, "complainant", person, address=person.home)
    if business is not None:
        truth["trader"] = business.id
        if row["Trader Address"] or row["Trader Postcode"]:
            truth["trader_premises"] = business.premises.id
    person_truth(truth, "trader_contact", fact.trader)
    return row, truth


def background_complaints(world: World) -> Iterator[ComplaintFact]:
    rng = world.rng
    while True:
        category, summary = rng.choice(_COMPLAINTS)
        summary = summary.format(thing=rng.choice(_THINGS))
        complainant = rng.choice(world.adults)
        if category == "SERVICES" and rng.random() < 0.5:
            trader = rng.choice(world.adults)
            yield ComplaintFact(
                world.recent(), complainant, "DOORSTEP", summary, trader=trader, trader_phone=trader.phone
            )
            continue
        yield ComplaintFact(
            world.recent(), complainant, category, summary, business=rng.choice(world.businesses)
        )


def render_licence(fact: LicenceFact, ctx: RenderContext) -> tuple[Row, Truth]:
    fmt, business = ctx.fmt, fact.business
    prefix = {"PREMISES_LICENCE": "PL", "SPECIAL_TREATMENT": "ST", "LATE_NIGHT_REFRESHMENT": "LN"}.get(
        fact.licence_type, "SR"
    )
    row: Row = {
        "Licence Number": f"{prefix}{ctx.number:06d}",
        "Licence Type": fact.licence_type,
        "Premises Name": business.name,
        "Company Number": business.company_number,
        "Premises Address": fmt.address(business.premises, with_town=False),
        "Postcode": fmt.postcode(business.premises),
        "UPRN": business.premises.uprn if fmt.chance(0.85) else "",
        "Licence Holder": fmt.full_name(fact.holder),
        "DPS Name": fmt.full_name(fact.dps) if fact.dps else "",
        "DPS DOB": fmt.dob(fact.dps) if fact.dps else "",
        "Granted": fact.granted,
        "Expiry": fact.expires,
        "Licensable Activities": fact.activities,
    }
    truth: Truth = {"business": business.id, "premises": business.premises.id}
    person_truth(truth, "holder", fact.holder)
    person_truth(truth, "dps", fact.dps)
    return row, truth


def licence_for(world: World, business: Business) -> LicenceFact | None:
    """The licence a business of this sector would hold, or ``None`` if its sector needs none."""
    kind = _LICENCE_TYPES.get(business.sector)
    if kind is None:
        return None
    rng = world.rng
    licence_type, activities = kind
    if licence_type == "SPECIAL_TREATMENT":
        granted = world.random_date(date(2025, 1, 1), date(2026, 10, 1))
        expires: date | None = granted + timedelta(days=365)
    else:
        granted = world.random_date(date(2005, 11, 24), date(2026, 10, 1))
        expires = None
    dps = None
    if licence_type in _ALCOHOL_TYPES:
        dps = business.owner if rng.random() < 0.5 else rng.choice(world.adults)
    return LicenceFact(business, business.owner, licence_type, granted, expires, dps, activities)


def background_licences(world: World) -> Iterator[LicenceFact]:
    rng = world.rng
    while True:
        fact = licence_for(world, rng.choice(world.businesses))
        if fact is not None:
            yield fact


def render_flytip(fact: FlytipFact, ctx: RenderContext) -> tuple[Row, Truth]:
    fmt = ctx.fmt
    carrier, vehicle, suspect, reporter = fact.carrier, fact.vehicle, fact.suspect, fact.reporter
    row: Row = {
        "case_id": f"FT{ctx.number:07d}",
        "reported_on": fmt.date(fact.reported.date()),
        "observed_at": fmt.datetime(fact.reported),
        "latitude": fact.lat,
        "longitude": fact.lon,
        "location": fact.location,
        "postcode": fmt.postcode(fact.site) if fact.site else fact.postcode,
        "ward": fact.ward,
        "waste_type": fact.waste_type,
        "size": fact.size_code,
        "vehicle_vrm": fmt.vrm(vehicle),
        "vehicle_description": vehicle.description if vehicle else "",
        "suspect_name": fmt.full_name(suspect) if suspect else "",
        "suspect_address": fmt.address(suspect.home, with_postcode=True)
        if suspect and fmt.chance(0.5)
        else "",
        "carrier_name": carrier.name if carrier else "",
        "carrier_registration": carrier.waste_carrier_registration if carrier else "",
        "advert_handle": carrier.handle if carrier else "",
        "reporter_name": fmt.full_name(reporter) if reporter else "",
        "reporter_phone": fmt.phone(reporter.phone) if reporter else "",
        "notes": fact.notes,
    }
    truth: Truth = {}
    if fact.site is not None:
        truth["site"] = fact.site.id
    if vehicle is not None:
        truth["vehicle"] = vehicle.id
    person_truth(
        truth, "suspect", suspect, address=suspect.home if suspect and row["suspect_address"] else None
    )
    if carrier is not None:
        truth["carrier"] = carrier.id
    person_truth(truth, "reporter", reporter)
    return row, truth


def flytip_at(world: World, when: datetime, *, near: bool = True) -> FlytipFact:
    """A fly-tip next to a random premises (``near``) or in an alley off a random street."""
    rng = world.rng
    premises = rng.choice(world.premises)
    site = None
    if near:
        # Fly-tips lie outside buildings: a block of flats is described by its street number only.
        location = rng.choice(("Outside", "Rear of", "Side of", "Opposite"))
        location += f" {premises.number} {premises.street.name}"
        site = None if premises.flat else premises
    else:
        location = rng.choice(("Alleyway off", "Garages behind", "Verge on", "Service road off"))
        location += f" {premises.street.name}"
    return FlytipFact(
        reported=when,
        lon=round(premises.lon + rng.uniform(-0.0004, 0.0004), 6),
        lat=round(premises.lat + rng.uniform(-0.0003, 0.0003), 6),
        location=location,
        ward=premises.ward.name,
        waste_type=rng.choice(_WASTE),
        size_code=rng.choice(_SIZES[:4]),
        site=site,
        postcode=premises.postcode if rng.random() < 0.7 else "",
    )


def background_flytips(world: World) -> Iterator[FlytipFact]:
    rng = world.rng
    while True:
        day = world.recent()
        when = datetime(day.year, day.month, day.day, rng.randrange(6, 23), rng.randrange(60))
        fact = flytip_at(world, when, near=rng.random() < 0.7)
        if rng.random() < 0.7:
            fact.reporter = rng.choice(world.adults)
        if rng.random() < 0.12 and world.vehicles:
            fact.vehicle = rng.choice(world.vehicles)
            fact.notes = "Witness saw waste unloaded from a vehicle."
        elif rng.random() < 0.05:
            fact.suspect = rng.choice(world.adults)
            fact.notes = "Waste searched; documents found bearing a name and address."
        else:
            fact.notes = "Reported via the council app. Cleared by contractor."
        yield fact


COMPLAINTS = Dataset(
    COMPLAINTS_SPEC, COMPLAINTS_STYLE, ComplaintFact, render_complaint, background_complaints
)
LICENCES = Dataset(LICENCES_SPEC, LICENCES_STYLE, LicenceFact, render_licence, background_licences)
FLYTIPPING = Dataset(FLYTIPPING_SPEC, FLYTIPPING_STYLE, FlytipFact, render_flytip, background_flytips)
