"""Blind notification: each side learns whom to call and why, never the other side's details.

The leak test runs a day of the partnership around a covert police operation, gathers everything each
partner could read (results, pages' data, notices, the map, error messages) and searches it for every
detail of the covert operation.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from deconflict_world import (
    DAY,
    FAR,
    NOW,
    actor,
    build_store,
    covert_surveillance,
    interest_input,
    location,
    operation_input,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crimelink.deconflict.rules import DEFAULT_RULES
from crimelink.errors import CrimelinkError, NotFoundError
from crimelink.services import deconfliction as dc
from crimelink.services.deconfliction import LocationInput, TargetInput

UPRN = "100023336956"
#: The covert operation's own point: distinctive digits, so a search for them means something.
COVERT_POINT = (51.53817, 0.03023)
#: Every detail of the covert operation that must never reach a partner.
SECRETS = (
    "Nightjar",
    "Harriet Quill",
    "07700 900777",
    "Quarry Row",
    "QUARRY ROW",
    "E15 4QR",
    UPRN,
    "Zielinski",
    "ZIELINSKI",
    "1983-11-09",
    "+447700900555",
    "07700 900555",
    "KX19ZZT",
    "KX19 ZZT",
    "51.53817",
    "0.03023",
    "SURVEILLANCE",
    "2026-03-03 00:00",
    "2026-03-03T00:00",
    "2026-03-06 06:00",
    "2026-03-06T06:00",
    "Ashvale Police",
    '"POLICE"',
)
DESK = DEFAULT_RULES.desk_contact


def serialised(things: list[Any]) -> str:
    """Everything as a page or the API would send it."""
    return json.dumps(
        [dataclasses.asdict(t) if dataclasses.is_dataclass(t) else t for t in things],
        default=str,
        sort_keys=True,
    )


#: What each partner typed itself: in its own views, these are its own words, not a leak.
OWN_WORDS = {
    "glaa.officer": {UPRN},
    "ts.officer": {"+447700900555", "07700 900555"},
    "bf.officer": {"Zielinski", "ZIELINSKI", "1983-11-09", "KX19ZZT", "KX19 ZZT"},
    "ts.analyst": set(),
}


def leaked(text: str, own: set[str] | None = None) -> list[str]:
    return [secret for secret in SECRETS if secret in text and secret not in (own or set())]


def the_covert_operation(session: Session, *, started: bool = False) -> int:
    result = dc.register_operation(
        session,
        actor(session, "pc.covert"),
        covert_surveillance(
            locations=[
                location(
                    COVERT_POINT, address="Flat 3, 14 Quarry Row", postcode="E15 4QR", uprn=UPRN, radius_m=150
                )
            ]
        ),
        now=NOW,
    )
    if started:
        dc.start_operation(session, actor(session, "pc.covert"), result.operation.id)
    return result.operation.id


def a_partners_day(session: Session, covert_id: int) -> dict[str, list[Any]]:
    """Partners meet the covert operation every way there is; returns what each partner user could read."""
    seen: dict[str, list[Any]] = {"glaa.officer": [], "ts.officer": [], "bf.officer": [], "ts.analyst": []}

    def attempt(user: str, call: Callable[[], Any]) -> None:
        try:
            seen[user].append(call())
        except CrimelinkError as error:  # what an error page or problem response would say
            seen[user].append({"error": type(error).__name__, "message": str(error)})

    glaa, ts, bf = (actor(session, u) for u in ("glaa.officer", "ts.officer", "bf.officer"))
    # A GLAA day of action at six addresses, one of them the covert operation's premises.
    addresses = [LocationInput(uprn=UPRN, latitude=51.5382, longitude=0.0304)] + [
        LocationInput(address=f"{n} Mill Lane", postcode="E7 9QA", latitude=51.545 + n / 1000, longitude=0.05)
        for n in range(1, 6)
    ]
    day = dc.register_operation(
        session, glaa, operation_input(name="GLAA day of action", locations=addresses), now=NOW
    )
    seen["glaa.officer"].append(day)
    # Trading Standards targets the same phone, far away; Border Force flags the same person and VRM.
    visit = dc.register_operation(
        session,
        ts,
        operation_input(
            name="Vape shop visit", locations=[location(FAR)], targets=[TargetInput("PHONE", "07700900555")]
        ),
        now=NOW,
    )
    seen["ts.officer"].append(visit)
    seen["bf.officer"].append(
        dc.register_interest(
            session,
            bf,
            interest_input(
                TargetInput("PERSON", "Marek Zielinski", dob="9 Nov 1983"), consult_before_action=True
            ),
            now=NOW,
        )
    )
    seen["bf.officer"].append(
        dc.register_interest(session, bf, interest_input(TargetInput("VRM", "KX19ZZT")), now=NOW)
    )
    # The desk resolves one conflict, escalates the rest, the police complete the operation.
    desk = actor(session, "desk")
    board = dc.desk_board(session, desk, now=NOW)
    glaa_conflict = next(c for c in board.red if "GLAA day of action" in c.first + c.second)
    dc.resolve_conflict(
        session,
        desk,
        glaa_conflict.id,
        resolution="DELAY",
        yielding_operation_id=day.operation.id,
        rationale="GLAA to skip Flat 3, 14 Quarry Row until Nightjar ends (DS Harriet Quill agrees)",
        now=NOW,
    )
    dc.escalate_overdue(session, desk, now=NOW + timedelta(hours=3))
    police = actor(session, "pc.covert")
    dc.start_operation(session, police, covert_id) if dc.get_operation(
        session, police, covert_id
    ).status == "CLEARED" else None
    for user, who in (("glaa.officer", glaa), ("ts.officer", ts), ("bf.officer", bf)):
        attempt(user, lambda who=who: dc.my_operations(session, who, include_closed=True))
        attempt(user, lambda who=who: dc.my_conflicts(session, who, include_closed=True))
        attempt(user, lambda who=who: dc.my_notifications(session, who))
        attempt(user, lambda who=who: dc.operations_map(session, who))
        attempt(user, lambda who=who: dc.get_operation(session, who, covert_id))
        attempt(user, lambda who=who: dc.check_operation(session, who, covert_id, now=NOW))
        attempt(user, lambda who=who: dc.cancel_operation(session, who, covert_id, reason="let me see it"))
        attempt(user, lambda who=who: dc.desk_board(session, who, now=NOW))
        attempt(user, lambda who=who: dc.desk_conflict(session, who, glaa_conflict.id, now=NOW))
    attempt("glaa.officer", lambda: dc.get_operation(session, glaa, day.operation.id))
    attempt("glaa.officer", lambda: dc.check_operation(session, glaa, day.operation.id, now=NOW))
    attempt("ts.officer", lambda: dc.get_operation(session, ts, visit.operation.id))
    attempt("bf.officer", lambda: dc.my_interests(session, bf, include_inactive=True, today=NOW.date()))
    analyst = actor(session, "ts.analyst")
    attempt("ts.analyst", lambda: dc.my_conflicts(session, analyst, include_closed=True))
    attempt("ts.analyst", lambda: dc.my_interests(session, analyst))
    # The covert operation completes: Border Force is told there is an outcome to ask about.
    dc.complete_operation(
        session, police, covert_id, outcome_summary="Zielinski arrested at Quarry Row", now=NOW
    )
    attempt("bf.officer", lambda: dc.my_notifications(session, bf))
    attempt("bf.officer", lambda: dc.my_interests(session, bf, include_inactive=True, today=NOW.date()))
    attempt("glaa.officer", lambda: dc.my_notifications(session, glaa))
    return seen


def test_no_detail_of_a_covert_operation_reaches_a_partner(engine: Engine) -> None:
    build_store(engine)
    with Session(engine) as session:
        covert_id = the_covert_operation(session, started=True)
        seen = a_partners_day(session, covert_id)
        for user, things in seen.items():
            text = serialised(things)
            assert text, user
            assert leaked(text, OWN_WORDS[user]) == [], f"{user} could read {leaked(text, OWN_WORDS[user])}"
        glaa_text = serialised(seen["glaa.officer"])
        assert "Hold: contact the police SOC desk." in glaa_text
        assert DESK in glaa_text
        bf_events = [n.event for n in seen["bf.officer"][-2]]
        assert "OUTCOME" in bf_events, "Border Force hears there is an outcome (from the desk)"
        # The search itself works: the desk's view of the same conflicts holds the secrets.
        desk = actor(session, "desk")
        board = dc.desk_board(session, desk, now=NOW)
        everything = [
            dc.desk_conflict(session, desk, c.id, now=NOW) for c in board.recently_closed + board.red
        ]
        assert set(leaked(serialised(everything))) >= {
            "Nightjar",
            "Harriet Quill",
            UPRN,
            "ZIELINSKI",
            "+447700900555",
        }
        session.commit()


def test_a_police_user_below_the_operations_clearance_sees_nothing_of_it(engine: Engine) -> None:
    build_store(engine)
    with Session(engine) as session:
        covert_id = the_covert_operation(session)
        dc.register_operation(
            session,
            actor(session, "glaa.officer"),
            operation_input(locations=[LocationInput(uprn=UPRN)]),
            now=NOW,
        )
        junior = actor(session, "pc.junior")
        with pytest.raises(NotFoundError, match="you have no operation"):
            dc.get_operation(session, junior, covert_id)
        text = serialised(
            [
                dc.my_operations(session, junior, include_closed=True),
                dc.my_conflicts(session, junior, include_closed=True),
                dc.my_notifications(session, junior),
                dc.operations_map(session, junior),
            ]
        )
        assert [s for s in leaked(text) if s not in ('"POLICE"', "Ashvale Police")] == []
        officer = actor(session, "pc.covert")
        assert [o.id for o in dc.my_operations(session, officer)] == [covert_id]


# --- every pair of roles ----------------------------------------------------------------------

#: (viewer, covert?, other, covert?) -> what the viewer learns: hold, agency code shown, contact shown.
PAIRS = [
    pytest.param("glaa.officer", False, "pc.covert", True, True, None, DESK, id="partner-vs-covert-police"),
    pytest.param(
        "glaa.officer",
        False,
        "pc.covert",
        False,
        False,
        "POLICE",
        "07700 900777",
        id="partner-vs-overt-police",
    ),
    pytest.param("occ.ds", False, "pc.covert", True, False, "POLICE", DESK, id="police-vs-covert-police"),
    pytest.param(
        "occ.ds", False, "pc.covert", False, False, "POLICE", "07700 900777", id="police-vs-overt-police"
    ),
    pytest.param(
        "pc.covert", True, "glaa.officer", False, False, "GLAA", "07700 900111", id="covert-police-vs-partner"
    ),
    pytest.param("pc.covert", False, "occ.ds", False, False, "OCC", "07700 900111", id="police-vs-police"),
    pytest.param(
        "glaa.officer", False, "ts.officer", False, False, "TS", "07700 900111", id="partner-vs-partner"
    ),
    pytest.param("glaa.officer", False, "bf.officer", True, True, None, DESK, id="partner-vs-covert-partner"),
    pytest.param("occ.ds", False, "bf.officer", True, False, "BF", DESK, id="police-vs-covert-partner"),
]


@pytest.mark.parametrize(
    ("viewer", "viewer_covert", "other", "other_covert", "hold", "agency", "contact"), PAIRS
)
def test_what_each_role_learns_of_the_other(
    sqlite_engine: Engine,
    viewer: str,
    viewer_covert: bool,
    other: str,
    other_covert: bool,
    hold: bool,
    agency: str | None,
    contact: str,
) -> None:
    build_store(sqlite_engine)
    with Session(sqlite_engine) as session:
        theirs = dc.register_operation(
            session,
            actor(session, other),
            operation_input(
                name="Their operation",
                officer="Their Officer",
                contact_24h="07700 900777" if other.startswith("pc.") else "07700 900111",
                visibility="COVERT" if other_covert else "OVERT",
                locations=[LocationInput(uprn=UPRN, address="Their Address")],
                targets=[TargetInput("VRM", "AB12CDE")],
            ),
            now=NOW,
        )
        mine = dc.register_operation(
            session,
            actor(session, viewer),
            operation_input(
                name="My operation",
                visibility="COVERT" if viewer_covert else "OVERT",
                contact_24h="07700 900111",
                locations=[LocationInput(uprn=UPRN, address="My Address")],
            ),
            now=NOW,
        )
        (told,) = mine.conflicts
        assert told.counterpart.hold is hold
        assert told.counterpart.agency_code == agency
        assert told.counterpart.contact == contact
        text = serialised([mine, dc.my_notifications(session, actor(session, viewer))])
        for detail in ("Their operation", "Their Officer", "Their Address", "AB12CDE"):
            assert detail not in text, f"{detail} reached the viewer"
        if hold:
            assert (told.counterpart.kinds, told.counterpart.grade, told.your_items) == ((), None, [])
            assert "Hold: contact the police SOC desk" in text
        else:
            assert told.counterpart.kinds == ("PREMISES",)
            assert told.counterpart.grade == "RED"
            assert told.your_items == [f"My Address, UPRN {UPRN} (within 300 m)"]
        # The other side is told, blind to the viewer in its turn (a covert viewer holds a partner).
        (back,) = dc.get_operation(session, actor(session, other), theirs.operation.id).conflicts
        other_is_partner = other in ("glaa.officer", "ts.officer", "bf.officer")
        assert back.counterpart.hold is (viewer_covert and other_is_partner)
        assert "My operation" not in serialised([back])
        # The desk sees both in full.
        view = dc.desk_conflict(session, actor(session, "desk"), told.conflict_id, now=NOW)
        assert {view.first.title, view.second.title} >= {
            f"operation {theirs.operation.id} 'Their operation' ({theirs.operation.agency_code})",
        }
        assert {r.kind for r in view.reasons} == {"PREMISES"}
        assert view.first.told.hold or view.second.told.hold or not hold


@pytest.mark.parametrize(
    ("holder", "hold", "agency"),
    [
        pytest.param("bf.officer", True, None, id="partner-interest-vs-covert-police"),
        pytest.param("occ.ds", False, "POLICE", id="police-interest-vs-covert-police"),
    ],
)
def test_an_interest_holder_learns_of_a_covert_operation_only_as_the_rule_allows(
    sqlite_engine: Engine, holder: str, hold: bool, agency: str | None
) -> None:
    build_store(sqlite_engine)
    with Session(sqlite_engine) as session:
        interest = dc.register_interest(
            session, actor(session, holder), interest_input(TargetInput("PHONE", "07700 900555")), now=NOW
        )
        the_covert_operation(session)
        (told,) = dc.get_interest(session, actor(session, holder), interest.id).conflicts
        assert told.counterpart.hold is hold
        assert told.counterpart.agency_code == agency
        assert told.counterpart.contact == DESK
        text = serialised([told, dc.my_notifications(session, actor(session, holder))])
        assert "Nightjar" not in text
        assert "07700 900777" not in text
        # The covert operation's owner sees whose interest it met, and whom to call.
        police = actor(session, "pc.covert")
        (mine,) = [c for c in dc.my_conflicts(session, police) if c.counterpart.about == "interest"]
        assert mine.counterpart.contact == "DS Priya Shah 07700 900456"
        assert mine.your_items == ["phone: +447700900555"]


def test_the_desk_sees_every_detail_and_what_each_side_was_told(sqlite_engine: Engine) -> None:
    build_store(sqlite_engine)
    with Session(sqlite_engine) as session:
        the_covert_operation(session)
        dc.register_operation(
            session,
            actor(session, "glaa.officer"),
            operation_input(
                starts_at=DAY,
                locations=[LocationInput(uprn=UPRN, latitude=51.5382, longitude=0.0304)],
            ),
            now=NOW,
        )
        desk = actor(session, "desk")
        (summary,) = dc.desk_board(session, desk, now=NOW).red
        view = dc.desk_conflict(session, desk, summary.id, now=NOW)
        covert = view.first if view.first.agency_code == "POLICE" else view.second
        partner = view.second if covert is view.first else view.first
        assert covert.operation is not None
        assert covert.operation.name == "Operation Nightjar"
        assert covert.operation.officer == "DS Harriet Quill"
        assert [t.value for t in covert.operation.targets] == [
            "MAREK ZIELINSKI (born 1983-11-09)",
            "+447700900555",
            "KX19ZZT",
        ]
        assert partner.told.hold, "the desk sees that the partner was told only to hold"
        assert not covert.told.hold
        assert covert.told.agency_code == "GLAA"
        assert {r.kind for r in view.reasons} == {"PREMISES", "PLACE_TIME"}
        distance = next(r for r in view.reasons if r.kind == "PLACE_TIME").detail["distance_m"]
        assert 10 < distance < 15, "about 12 m apart"
        notices = dc.desk_notifications(session, desk)
        assert "Operation Nightjar" in notices[0].message
