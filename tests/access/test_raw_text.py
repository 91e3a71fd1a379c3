"""Raw intelligence text: the originator sees it; police see police raw text; nobody else does."""

from __future__ import annotations

from datetime import date

import pytest

from crimelink.access import Action, Actor, RecordResource, SharingState, allowed
from crimelink.domain import Classification, DataCategory, HandlingCode, Purpose, UserRole

POLICE_A, POLICE_B, HOUSING, GLAA = 1, 2, 3, 4
EVERYONE_SHARES = SharingState(
    agreements=frozenset(
        (source, recipient, DataCategory.INTELLIGENCE, Purpose.CRIME_PREVENTION_DETECTION)
        for source in (POLICE_A, POLICE_B, HOUSING, GLAA)
        for recipient in (POLICE_A, POLICE_B, HOUSING, GLAA)
    ),
    grants=frozenset(),
    today=date(2026, 11, 28),
)


def actor(agency: int) -> Actor:
    return Actor(
        user_id=agency,
        username=f"user{agency}",
        agency_id=agency,
        agency_code=f"A{agency}",
        agency_is_police=agency in (POLICE_A, POLICE_B),
        roles=frozenset({UserRole.ANALYST}),
        clearance=Classification.OFFICIAL,
        compartments=frozenset(),
        purpose=Purpose.CRIME_PREVENTION_DETECTION,
    )


def report_of(agency: int) -> RecordResource:
    return RecordResource(
        record_id=10 + agency,
        agency_id=agency,
        category=DataCategory.INTELLIGENCE,
        handling_code=HandlingCode.PERMITTED,
        conditions=(),
        classification=Classification.OFFICIAL,
        compartments=frozenset(),
        sharing=EVERYONE_SHARES,
        police_agency_ids=frozenset({POLICE_A, POLICE_B}),
    )


@pytest.mark.parametrize(
    ("reader", "holder", "sees_raw"),
    [
        (POLICE_A, POLICE_A, True),  # originator
        (HOUSING, HOUSING, True),  # a partner's own narrative
        (POLICE_B, POLICE_A, True),  # police intelligence among the police
        (HOUSING, POLICE_A, False),  # raw police intelligence never leaves the police
        (POLICE_A, HOUSING, False),  # a partner's raw narrative stays with the partner
        (GLAA, HOUSING, False),
    ],
)
def test_raw_text_follows_the_written_rule(reader: int, holder: int, sees_raw: bool) -> None:
    resource = report_of(holder)
    assert allowed(actor(reader), Action.RECORD_VIEW, resource)  # everyone may see the sanitised report
    assert bool(allowed(actor(reader), Action.INTELLIGENCE_VIEW_RAW, resource)) is sees_raw
