"""A random partnership for property tests, and docs/access.md transcribed as the oracle.

``rule_allows`` is written from the document, not from the implementation.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from access_factories import actor_for, make_agency, make_agreement, make_dataset, make_record, make_user
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.domain import Classification, DataCategory, HandlingCode, Purpose, UserRole

TODAY = date.today()  # the conditions above end long before or after any day this runs
CATEGORIES = [DataCategory.INTELLIGENCE, DataCategory.HOUSING, DataCategory.CHILDREN_SOCIAL_CARE]
PURPOSES = [Purpose.CRIME_PREVENTION_DETECTION, Purpose.SAFEGUARDING]
CONDITIONS = [
    {"code": "POLICE_ONLY"},
    {"code": "NAMED_RECIPIENTS", "recipients": ["A1"]},
    {"code": "NAMED_RECIPIENTS", "recipients": ["A2", "A3"]},
    {"code": "NO_FURTHER_DISSEMINATION"},
    {"code": "TIME_LIMITED", "until": "2099-12-31"},
    {"code": "TIME_LIMITED", "until": "2020-01-31"},
    {"code": "REFER_TO_ORIGINATOR_BEFORE_ACTION"},
    {"code": "NOT_FOR_EVIDENTIAL_USE"},
    {"code": "FREE_TEXT", "text": "ask first"},
]


def condition_json(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": raw["code"],
        "text": raw.get("text", ""),
        "recipients": raw.get("recipients", []),
        "until": raw.get("until"),
    }


record_strategy = st.fixed_dictionaries(
    {
        "agency": st.integers(0, 3),
        "category": st.sampled_from(CATEGORIES),
        "handling": st.sampled_from(list(HandlingCode)),
        "conditions": st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=2, unique_by=json.dumps),
        "classification": st.sampled_from(list(Classification)),
        "compartments": st.lists(st.sampled_from(["CHILDREN", "OPS"]), max_size=2, unique=True),
    }
)
world_strategy = st.fixed_dictionaries(
    {
        "police": st.lists(st.booleans(), min_size=4, max_size=4),
        "agreements": st.lists(
            st.tuples(
                st.integers(0, 3), st.integers(0, 3), st.sampled_from(CATEGORIES), st.sampled_from(PURPOSES)
            ),
            max_size=8,
        ),
        "records": st.lists(record_strategy, min_size=1, max_size=10),
        # Per record: also agree to share exactly its category with the actor's agency for the actor's purpose,
        # so that the sharing path is exercised as often as the refusals.
        "cover": st.lists(st.booleans(), min_size=10, max_size=10),
        "actor": st.fixed_dictionaries(
            {
                "agency": st.integers(0, 3),
                "clearance": st.sampled_from(
                    [
                        Classification.OFFICIAL_SENSITIVE,
                        Classification.OFFICIAL_SENSITIVE,
                        Classification.OFFICIAL,
                    ]
                ),
                "compartments": st.lists(st.sampled_from(["CHILDREN", "OPS"]), max_size=2, unique=True),
                "purpose": st.sampled_from(PURPOSES),
            }
        ),
    }
)


def agreements_of(world: dict[str, Any]) -> set[tuple[int, int, DataCategory, Purpose]]:
    actor = world["actor"]
    covered = {
        (spec["agency"], actor["agency"], spec["category"], actor["purpose"])
        for spec, cover in zip(world["records"], world["cover"], strict=False)
        if cover
    }
    return {tuple(x) for x in world["agreements"]} | covered  # type: ignore[misc]


def rule_allows(world: dict[str, Any], record: dict[str, Any]) -> bool:
    """docs/access.md, transcribed: originator; or clearance, compartments, and agreement + handling."""
    actor = world["actor"]
    a, h = actor["agency"], record["agency"]
    if a == h:
        return True
    rank = {Classification.OFFICIAL: 0, Classification.OFFICIAL_SENSITIVE: 1}
    if rank[record["classification"]] > rank[actor["clearance"]]:
        return False
    if record["classification"] is Classification.OFFICIAL_SENSITIVE and not set(
        record["compartments"]
    ) <= set(actor["compartments"]):
        return False
    if (h, a, record["category"], actor["purpose"]) not in agreements_of(world):
        return False
    if record["handling"] is HandlingCode.PERMITTED:
        return True
    code_of = f"A{a}"
    for condition in record["conditions"]:
        code = condition["code"]
        if code == "POLICE_ONLY" and not world["police"][a]:
            return False
        if code == "NAMED_RECIPIENTS" and code_of not in condition["recipients"]:
            return False
        if code in {"NO_FURTHER_DISSEMINATION", "FREE_TEXT"}:
            return False
        if code == "TIME_LIMITED" and date.fromisoformat(condition["until"]) < TODAY:
            return False
    return True


def build(session: Session, world: dict[str, Any]) -> tuple[Actor, list[int], dict[int, dict[str, Any]]]:
    agencies = [make_agency(session, f"A{i}", police=world["police"][i]) for i in range(4)]
    datasets = {
        (i, category): make_dataset(session, agencies[i], category)
        for i in range(4)
        for category in CATEGORIES
    }
    for source, recipient, category, purpose in agreements_of(world):
        make_agreement(session, agencies[source], agencies[recipient], category, [purpose])
    ids, specs = [], {}
    for n, spec in enumerate(world["records"]):
        record = make_record(
            session,
            datasets[(spec["agency"], spec["category"])],
            f"R{n}",
            name=f"ZEBEDEE MARKER{n}X",
            handling=spec["handling"],
            conditions=[condition_json(c) for c in spec["conditions"]]
            if spec["handling"] is HandlingCode.CONDITIONS
            else [],
            classification=spec["classification"],
            caveats=spec["compartments"],
        )
        ids.append(record.id)
        specs[record.id] = spec
    who = world["actor"]
    user = make_user(
        session,
        agencies[who["agency"]],
        "subject-actor",
        roles=[UserRole.PARTNER_OFFICER.value],
        clearance=who["clearance"],
        compartments=who["compartments"],
    )
    return actor_for(user, agencies[who["agency"]], purpose=who["purpose"]), ids, specs
