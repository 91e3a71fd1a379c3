"""The desk: ownership, resolution (proceed, joint, delay, cancel, no conflict) and escalation, all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from deconflict_world import (
    NEARBY,
    NOW,
    actor,
    audit_events,
    build_store,
    interest_input,
    location,
    operation_input,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.domain.deconfliction import ConflictResolution, ConflictStatus
from crimelink.errors import ConflictError, InvalidInputError, PermissionDeniedError
from crimelink.services import deconfliction as dc
from crimelink.services.callers import SystemCaller
from crimelink.services.deconfliction import LocationInput, TargetInput
from crimelink.store.models import OperationConflict

UPRN = "100023336956"


@pytest.fixture
def store(sqlite_engine: Engine) -> Engine:
    build_store(sqlite_engine)
    return sqlite_engine


def red_conflict(session: Session, *, visibility: str = "OVERT") -> tuple[int, int, int]:
    """Trading Standards and the GLAA at the same premises: (conflict, TS operation, GLAA operation)."""
    ts = dc.register_operation(
        session,
        actor(session, "ts.officer"),
        operation_input(name="TS visit", visibility=visibility, locations=[LocationInput(uprn=UPRN)]),
        now=NOW,
    )
    glaa = dc.register_operation(
        session,
        actor(session, "glaa.officer"),
        operation_input(locations=[LocationInput(uprn=UPRN)]),
        now=NOW,
    )
    (conflict,) = glaa.conflicts
    return conflict.conflict_id, ts.operation.id, glaa.operation.id


@pytest.mark.parametrize("resolution", ["PROCEED", "JOINT", "NO_CONFLICT"])
def test_a_resolution_clears_both_operations_and_is_audited(store: Engine, resolution: str) -> None:
    with Session(store) as session:
        conflict_id, ts_id, glaa_id = red_conflict(session)
        desk = actor(session, "desk")
        view = dc.resolve_conflict(
            session,
            desk,
            conflict_id,
            resolution=resolution,
            rationale="Spoke to both: TS at 9, GLAA at 11",
            now=NOW,
        )
        assert (view.status, view.resolution, view.resolved_by) == ("RESOLVED", resolution, "desk")
        assert view.rationale == "Spoke to both: TS at 9, GLAA at 11"
        assert view.desk_owner == "desk"
        for user, op_id in (("ts.officer", ts_id), ("glaa.officer", glaa_id)):
            mine = dc.get_operation(session, actor(session, user), op_id)
            assert mine.status == "CLEARED"
            (seen,) = mine.conflicts
            assert seen.resolution == resolution
            assert seen.you_give_way is None
            assert "Spoke to both" not in str(seen), "the rationale stays with the desk"
            assert dc.my_notifications(session, actor(session, user))[0].event == "RESOLVED"
        (event,) = audit_events(session, "conflict", "resolve")
        assert event.actor == "desk"
        assert event.resource_id == str(conflict_id)
        assert event.details["resolution"] == resolution
        with pytest.raises(ConflictError, match="resolved"):
            dc.resolve_conflict(
                session, desk, conflict_id, resolution="PROCEED", rationale="again, twice", now=NOW
            )


def test_delay_names_the_operation_that_gives_way(store: Engine) -> None:
    with Session(store) as session:
        conflict_id, ts_id, glaa_id = red_conflict(session)
        desk = actor(session, "desk")
        with pytest.raises(InvalidInputError) as unnamed:
            dc.resolve_conflict(
                session, desk, conflict_id, resolution="DELAY", rationale="GLAA to move", now=NOW
            )
        assert unnamed.value.field == "yielding_operation_id"
        dc.resolve_conflict(
            session,
            desk,
            conflict_id,
            resolution="delay",
            yielding_operation_id=glaa_id,
            rationale="GLAA to move",
            now=NOW,
        )
        (glaa_side,) = dc.get_operation(session, actor(session, "glaa.officer"), glaa_id).conflicts
        (ts_side,) = dc.get_operation(session, actor(session, "ts.officer"), ts_id).conflicts
        assert glaa_side.you_give_way is True
        assert ts_side.you_give_way is False
        assert "(your operation)" in dc.my_notifications(session, actor(session, "glaa.officer"))[0].message
        assert "(the other side)" in dc.my_notifications(session, actor(session, "ts.officer"))[0].message


def test_cancel_cancels_the_operation_named_and_lapses_its_other_conflicts(store: Engine) -> None:
    with Session(store) as session:
        conflict_id, ts_id, glaa_id = red_conflict(session)
        other = dc.register_operation(
            session,
            actor(session, "bf.officer"),
            operation_input(locations=[LocationInput(uprn=UPRN)]),
            now=NOW,
        )
        desk = actor(session, "desk")
        dc.resolve_conflict(
            session,
            desk,
            conflict_id,
            resolution=ConflictResolution.CANCEL.value,
            yielding_operation_id=glaa_id,
            rationale="GLAA stands down: TS leads at this address",
            now=NOW,
        )
        glaa = dc.get_operation(session, actor(session, "glaa.officer"), glaa_id)
        assert glaa.status == "CANCELLED"
        assert "conflict" in (glaa.cancel_reason or "")
        rows = {r.id: r for r in session.scalars(select(OperationConflict))}
        glaa_bf = next(
            r
            for r in rows.values()
            if {r.operation_id, r.other_operation_id} == {glaa_id, other.operation.id}
        )
        assert glaa_bf.status is ConflictStatus.LAPSED
        ts_bf = next(
            r for r in rows.values() if {r.operation_id, r.other_operation_id} == {ts_id, other.operation.id}
        )
        assert ts_bf.status is ConflictStatus.OPEN, "the other agencies' conflict still stands"


def test_only_the_desk_resolves_and_a_rationale_is_needed(store: Engine) -> None:
    with Session(store) as session:
        conflict_id, _, _ = red_conflict(session)
        for user in ("glaa.officer", "pc.covert", "occ.ds"):
            with pytest.raises(PermissionDeniedError, match=r"deconfliction\.resolve"):
                dc.resolve_conflict(
                    session, actor(session, user), conflict_id, resolution="PROCEED", rationale="Fine by me"
                )
            with pytest.raises(PermissionDeniedError, match=r"deconfliction\.board"):
                dc.desk_board(session, actor(session, user))
        desk = actor(session, "desk")
        with pytest.raises(InvalidInputError) as short:
            dc.resolve_conflict(session, desk, conflict_id, resolution="PROCEED", rationale="ok")
        assert short.value.field == "rationale"
        with pytest.raises(InvalidInputError) as unknown:
            dc.resolve_conflict(session, desk, conflict_id, resolution="IGNORE", rationale="Let them sort it")
        assert unknown.value.field == "resolution"


def test_the_desk_takes_ownership_of_a_conflict(store: Engine) -> None:
    with Session(store) as session:
        conflict_id, _, _ = red_conflict(session)
        desk = actor(session, "desk")
        before = dc.desk_conflict(session, desk, conflict_id, now=NOW)
        assert (before.desk_owner, before.next_actions) == (None, ["claim", "resolve"])
        after = dc.claim_conflict(session, desk, conflict_id, now=NOW)
        assert (after.desk_owner, after.next_actions) == ("desk", ["resolve"])
        (claimed,) = [e for e in audit_events(session, "conflict", "update") if e.details.get("desk_owner")]
        assert claimed.details == {"desk_owner": "desk", "was": None}
        assert audit_events(session, "conflict", "view"), "reading a conflict is audited"


def test_an_unresolved_red_conflict_is_escalated_once_after_the_set_time(store: Engine) -> None:
    with Session(store) as session:
        conflict_id, _, _ = red_conflict(session)
        dc.register_operation(
            session,
            actor(session, "ts.officer"),
            operation_input(name="amber", locations=[location(NEARBY)]),
            now=NOW,
        )
        system = SystemCaller("deconflict escalate")
        assert dc.escalate_overdue(session, system, now=NOW + timedelta(minutes=59)) == []
        assert dc.escalate_overdue(session, system, now=NOW + timedelta(hours=1)) == [conflict_id]
        assert dc.escalate_overdue(session, system, now=NOW + timedelta(hours=5)) == [], "escalated once"
        desk = actor(session, "desk")
        board = dc.desk_board(session, desk, now=NOW + timedelta(hours=2))
        (red,) = board.red
        assert red.overdue
        assert red.escalated_at is not None
        assert (board.overdue, board.escalated) == (1, 1)
        notice = dc.desk_notifications(session, desk)[0]
        assert notice.event == "ESCALATED"
        assert "duty inspector" in notice.message
        (event,) = audit_events(session, "conflict", "escalate")
        assert event.actor == "system:deconflict escalate"
        assert event.resource_id == str(conflict_id)
        with pytest.raises(PermissionDeniedError):
            dc.escalate_overdue(session, actor(session, "glaa.officer"), now=NOW)


def test_the_board_lists_open_conflicts_by_grade_and_those_closed_lately(store: Engine) -> None:
    with Session(store) as session:
        conflict_id, _, _ = red_conflict(session)
        dc.register_interest(
            session, actor(session, "occ.ds"), interest_input(TargetInput("PHONE", "07700900123")), now=NOW
        )
        dc.register_operation(
            session,
            actor(session, "bf.officer"),
            operation_input(
                locations=[location((51.60, 0.2))], targets=[TargetInput("PHONE", "07700 900123")]
            ),
            now=NOW,
        )
        desk = actor(session, "desk")
        board = dc.desk_board(session, desk, now=NOW)
        assert board.counts == {"RED": 1, "AMBER": 0, "INFORMATION": 1}
        assert [c.id for c in board.red] == [conflict_id]
        dc.resolve_conflict(
            session, desk, conflict_id, resolution="PROCEED", rationale="Agreed on the phone", now=NOW
        )
        later = dc.desk_board(session, desk, now=NOW)
        assert later.counts["RED"] == 0
        assert [c.id for c in later.recently_closed] == [conflict_id]
        assert audit_events(session, "deconfliction_board", "view")


def test_notices_are_marked_read_by_their_agency_only(store: Engine) -> None:
    with Session(store) as session:
        red_conflict(session)
        glaa = actor(session, "glaa.officer")
        mine = dc.my_notifications(session, glaa, unread_only=True)
        theirs = dc.my_notifications(session, actor(session, "ts.officer"), unread_only=True)
        assert dc.mark_notifications_read(session, glaa, [n.id for n in mine + theirs], now=NOW) == len(mine)
        assert dc.my_notifications(session, glaa, unread_only=True) == []
        assert len(dc.my_notifications(session, actor(session, "ts.officer"), unread_only=True)) == len(
            theirs
        )
