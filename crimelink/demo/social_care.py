"""Social care datasets: children known to children's social care, and adults known to adult social care.

Both are OFFICIAL-SENSITIVE. Each person keeps one client reference (LCS / Mosaic style) across all of
their contacts, as the real case systems do.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from crimelink.demo.agencies import ADULTS, CHILDREN
from crimelink.demo.facts import AdultFact, ChildFact
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
from crimelink.demo.world import PERIOD_END, PERIOD_START, Person, World
from crimelink.domain.codes import DataCategory, DatasetKind

CHILDREN_SPEC = DatasetSpec(
    agency=CHILDREN,
    dataset="children-known",
    title="Children known to children's social care (contacts and referrals)",
    kind=DatasetKind.CASES,
    category=DataCategory.CHILDREN_SOCIAL_CARE,
    file_format="csv",
    record_id="Contact ID",
    share=0.06,
    defaults=Defaults(
        handling_code="C",
        handling_conditions=("REFER_TO_ORIGINATOR_BEFORE_ACTION",),
        classification="OFFICIAL-SENSITIVE",
        caveats=("CHILDREN",),
        review_after_days=180,
    ),
    columns=(
        Column("Contact ID"),
        Column("LCS ID", "child.lcs_id", type="code"),
        Column("First Name", "child.given_name"),
        Column("Last Name", "child.family_name"),
        Column("DOB", "child.dob"),
        Column("Address", "child.address"),
        Column("Postcode", "child.postcode"),
        Column("Child Mobile", "child.phone"),
        Column("Carer Name", "carer.full_name"),
        Column("Carer Phone", "carer.phone"),
        Column("Contact Date", "record.received"),
        Column("Category", "child.contact_category", type="code"),
        Column("Exploitation Type", "record.threats"),
        Column("Missing Episodes (12m)", "child.missing_episodes", type="integer"),
        Column("Concerns", "record.text"),
    ),
)
CHILDREN_STYLE = Style(
    date_style="dmy_slash",
    abbreviate=0.3,
    phone_styles=("national", "compact"),
    missing_dob=0.01,
    nickname=0.02,
)

ADULTS_SPEC = DatasetSpec(
    agency=ADULTS,
    dataset="vulnerable-adults",
    title="Adults known to adult social care (contacts and safeguarding concerns)",
    kind=DatasetKind.CASES,
    category=DataCategory.ADULT_SOCIAL_CARE,
    file_format="csv",
    record_id="Contact No",
    share=0.05,
    defaults=Defaults(
        classification="OFFICIAL-SENSITIVE", caveats=("ADULT-SAFEGUARDING",), review_after_days=365
    ),
    columns=(
        Column("Contact No"),
        Column("Client ID", "client.mosaic_id", type="code"),
        Column("Client Name", "client.full_name"),
        Column("Date of Birth", "client.dob"),
        Column("Address", "client.address"),
        Column("UPRN", "client.uprn"),
        Column("Telephone", "client.phone"),
        Column("Primary Support Reason", "client.primary_support_reason", type="code"),
        Column("Cuckooing Risk", "client.cuckooing_risk", type="boolean"),
        Column("Contact Date", "record.received"),
        Column("Safeguarding Concern", "record.text"),
    ),
)
ADULTS_STYLE = Style(
    name_style="family_comma",
    date_style="dmy_text",
    abbreviate=0.2,
    phone_styles=("national", "intl", "bare"),
)

_CHILD_CONTACTS = (
    ("EARLY_HELP", "Family support requested by school; attendance concerns."),
    ("NEGLECT", "Health visitor concern about home conditions."),
    ("DOMESTIC_ABUSE", "Police notification of domestic incident at home address; child present."),
    ("SEN", "Referral for assessment of special educational needs."),
    ("MISSING", "Reported missing overnight; returned next day, no concerns disclosed."),
    ("PARENTAL_MENTAL_HEALTH", "Parent unwell; young carer assessment offered."),
)
_ADULT_CONTACTS = (
    ("PHYSICAL_SUPPORT", "Care package review; no concerns."),
    ("MEMORY_COGNITION", "Family report increasing confusion; assessment booked."),
    ("LEARNING_DISABILITY", "Annual review of supported living placement."),
    ("MENTAL_HEALTH", "Referral from GP; low mood and isolation."),
    ("SUBSTANCE_MISUSE", "Referral to drug and alcohol service; engaging."),
    ("SOCIAL_SUPPORT", "Carer's assessment completed."),
)


def _client_ref(ctx: RenderContext, person: Person, prefix: str) -> str:
    ref = ctx.memo.get(person.index)
    if ref is None:
        ref = ctx.world.codes.client_number(prefix)
        ctx.memo[person.index] = ref
    return ref


def render_child(fact: ChildFact, ctx: RenderContext) -> tuple[Row, Truth]:
    fmt, child, carer = ctx.fmt, fact.child, fact.carer
    given, family = fmt.split_name(child)
    exploitation = fact.category if fact.category in ("CSE", "CCE") else ""
    if fact.category == "CCE" and "line" in fact.concerns:
        exploitation = "CCE;COUNTY_LINES"
    row: Row = {
        "Contact ID": f"C{ctx.number:07d}",
        "LCS ID": _client_ref(ctx, child, "LCS"),
        "First Name": given,
        "Last Name": family,
        "DOB": fmt.dob(child),
        "Address": fmt.address(child.home, with_town=False),
        "Postcode": fmt.postcode(child.home),
        "Child Mobile": fmt.phone(child.phone, allow_missing=True),
        "Carer Name": fmt.full_name(carer) if carer else "",
        "Carer Phone": fmt.phone(carer.phone) if carer else "",
        "Contact Date": fmt.date(fact.contacted),
        "Category": fact.category,
        "Exploitation Type": exploitation,
        "Missing Episodes (12m)": fact.missing_episodes,
        "Concerns": fact.concerns,
    }
    truth: Truth = {}
    person_truth(truth, "child", child, address=child.home)
    person_truth(truth, "carer", carer)
    return row, truth


def carer_of(child: Person) -> Person | None:
    return next((p for p in child.home.residents if not p.is_child), None)


def background_children(world: World) -> Iterator[ChildFact]:
    rng = world.rng
    while True:
        child = rng.choice(world.children)
        if child.dob > PERIOD_END - timedelta(days=60):
            continue
        contacted = world.recent(start=max(child.dob + timedelta(days=30), PERIOD_START))
        category, concerns = rng.choice(_CHILD_CONTACTS)
        if category == "MISSING" and child.age_on(contacted) < 10:
            category, concerns = _CHILD_CONTACTS[0]
        episodes = rng.randint(1, 2) if category == "MISSING" else 0
        yield ChildFact(child, contacted, category, concerns, episodes, carer_of(child))


def render_adult(fact: AdultFact, ctx: RenderContext) -> tuple[Row, Truth]:
    fmt, adult = ctx.fmt, fact.adult
    row: Row = {
        "Contact No": f"A{ctx.number:07d}",
        "Client ID": _client_ref(ctx, adult, "MOS"),
        "Client Name": fmt.full_name(adult),
        "Date of Birth": fmt.dob(adult),
        "Address": fmt.address(adult.home, with_postcode=True),
        "UPRN": adult.home.uprn if fmt.chance(0.5) else "",
        "Telephone": fmt.phone(adult.phone),
        "Primary Support Reason": fact.need,
        "Cuckooing Risk": "Yes" if fact.cuckooing_risk else "No",
        "Contact Date": fmt.date(fact.contacted),
        "Safeguarding Concern": fact.concern,
    }
    truth: Truth = {}
    person_truth(truth, "client", adult, address=adult.home)
    return row, truth


def background_adults(world: World) -> Iterator[AdultFact]:
    rng = world.rng
    while True:
        adult = rng.choice(world.vulnerable)
        # A person's primary support reason stays the same across their contacts.
        need, concern = _ADULT_CONTACTS[adult.index % len(_ADULT_CONTACTS)]
        yield AdultFact(adult, world.recent(), need, concern)


CHILDREN_KNOWN = Dataset(CHILDREN_SPEC, CHILDREN_STYLE, ChildFact, render_child, background_children)
VULNERABLE_ADULTS = Dataset(ADULTS_SPEC, ADULTS_STYLE, AdultFact, render_adult, background_adults)
