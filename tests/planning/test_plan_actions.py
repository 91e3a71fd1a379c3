"""The action flow (``crimelink.services.plan_actions``): every move allowed and refused, who may make it,
abandoning with a note, the history and audit of each move, and overdue actions. Real SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from plans_factories import NOW, TODAY, action_input, actor, audit_events, build_world, make_plan
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crimelink.domain import ActionStatus
from crimelink.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from crimelink.services.plan_actions import (
    ACTION_FLOW,
    action_view,
    create_action,
    get_action,
    is_overdue,
    list_actions,
    move_action,
    overdue_actions,
)
from crimelink.store.models import PlanAction


@pytest.fixture
def session(sqlite_engine: Engine) -> Iterator[Session]:
    with Session(sqlite_engine) as session:
        build_world(session)
        yield session


def new_action(session: Session, plan_id: int, status: ActionStatus = ActionStatus.PROPOSED) -> PlanAction:
    action = create_action(
        session, actor(session, "pc.covert"), action_input(session, plan_id=plan_id), now=NOW
    )
    action.status = status  # set up the state under test directly; the moves themselves go through the flow
    session.flush()
    return action


def test_every_move_the_flow_allows_is_made_and_every_other_is_refused_naming_the_way_on(
    session: Session,
) -> None:
    plan = make_plan(session)
    oca = actor(session, "pc.covert")
    for start in ActionStatus:
        for target in ActionStatus:
            action = new_action(session, plan.id, start)
            if target in ACTION_FLOW[start]:
                move_action(
                    session, oca, action.id, to_status=target, note="agreed at the tasking meeting", now=NOW
                )
                assert action.status == target
                assert action.events[-1].from_status == start
                assert action.events[-1].to_status == target
            else:
                with pytest.raises(InvalidInputError) as refused:
                    move_action(session, oca, action.id, to_status=target, note="why not", now=NOW)
                assert "status" in refused.value.problems
                assert start.value in refused.value.problems["status"]
                assert action.status == start


def test_an_unknown_status_names_the_statuses_there_are(session: Session) -> None:
    action = new_action(session, make_plan(session).id)
    with pytest.raises(InvalidInputError) as refused:
        move_action(session, actor(session, "pc.covert"), action.id, to_status="FINISHED")
    assert "IN_PROGRESS" in refused.value.problems["status"]


def test_the_agency_an_action_is_given_to_may_only_start_and_finish_it(session: Session) -> None:
    action = new_action(session, make_plan(session).id, ActionStatus.APPROVED)
    glaa = actor(session, "glaa.officer")
    view = action_view(session, glaa, action, today=TODAY)
    assert view.next_moves == (ActionStatus.IN_PROGRESS, ActionStatus.DONE)  # in flow order
    assert view.plan_title == ""
    assert view.plan_id is None
    with pytest.raises(PermissionDeniedError, match="plan's owner"):
        move_action(session, glaa, action.id, to_status="ABANDONED", note="no staff")
    with pytest.raises(PermissionDeniedError):
        move_action(session, glaa, action.id, to_status="DECONFLICTING")
    move_action(session, glaa, action.id, to_status="IN_PROGRESS", note="visit booked", now=NOW)
    move_action(session, glaa, action.id, to_status="DONE", note="three workers safeguarded", now=NOW)
    assert action.status == ActionStatus.DONE
    assert action.completed_at is not None
    assert [e.by for e in action.events[-2:]] == ["glaa.officer", "glaa.officer"]


def test_another_partner_agency_cannot_see_or_move_the_action(session: Session) -> None:
    action = new_action(session, make_plan(session).id, ActionStatus.APPROVED)
    trading_standards = actor(session, "ts.officer")
    with pytest.raises(NotFoundError):
        get_action(session, trading_standards, action.id)
    with pytest.raises(NotFoundError):
        move_action(session, trading_standards, action.id, to_status="IN_PROGRESS")
    assert list_actions(session, trading_standards, today=TODAY) == []


def test_abandoning_needs_a_note_saying_why(session: Session) -> None:
    action = new_action(session, make_plan(session).id)
    oca = actor(session, "pc.covert")
    with pytest.raises(InvalidInputError) as refused:
        move_action(session, oca, action.id, to_status="ABANDONED", note="   ")
    assert refused.value.problems == {"note": "say why the action is abandoned"}
    move_action(
        session, oca, action.id, to_status="ABANDONED", note="premises closed by the landlord", now=NOW
    )
    assert action.events[-1].note == "premises closed by the landlord"
    move_action(session, oca, action.id, to_status="PROPOSED", note="it reopened", now=NOW)
    assert action.status == ActionStatus.PROPOSED
    assert action.completed_at is None


def test_each_move_is_kept_in_the_history_and_audited(session: Session) -> None:
    action = new_action(session, make_plan(session).id)
    oca = actor(session, "pc.covert")
    later = NOW + timedelta(hours=3)
    move_action(session, oca, action.id, to_status="APPROVED", note="tasking meeting agreed", now=later)
    history = action_view(session, oca, action, today=TODAY).events
    assert [(e.from_status, e.to_status) for e in history] == [
        (None, ActionStatus.PROPOSED),
        (ActionStatus.PROPOSED, ActionStatus.APPROVED),
    ]
    assert history[-1].note == "tasking meeting agreed"
    assert history[-1].by == "pc.covert"
    assert history[-1].at.replace(tzinfo=None) == later.replace(tzinfo=None)
    events = audit_events(session, "plan_action")
    assert [e.action for e in events] == ["create", "update"]
    assert events[-1].actor == "pc.covert"
    assert events[-1].details == {"from": "PROPOSED", "to": "APPROVED"}


def test_a_new_action_names_each_problem_by_its_field(session: Session) -> None:
    plan = make_plan(session)
    with pytest.raises(InvalidInputError) as refused:
        create_action(
            session,
            actor(session, "pc.covert"),
            action_input(session, plan_id=plan.id, title=" ", four_p="PERSUADE", tactic="no-such-tactic"),
        )
    assert set(refused.value.problems) == {"title", "four_p", "tactic"}
    with pytest.raises(PermissionDeniedError):
        create_action(session, actor(session, "glaa.officer"), action_input(session, plan_id=plan.id))


def test_overdue_actions_are_open_ones_past_their_due_date(session: Session) -> None:
    plan = make_plan(session)
    oca = actor(session, "pc.covert")
    late = create_action(
        session, oca, action_input(session, plan_id=plan.id, due_on=TODAY - timedelta(days=3)), now=NOW
    )
    done_late = create_action(
        session, oca, action_input(session, plan_id=plan.id, due_on=TODAY - timedelta(days=5)), now=NOW
    )
    on_time = create_action(session, oca, action_input(session, plan_id=plan.id), now=NOW)
    move_action(session, oca, done_late.id, to_status="APPROVED", now=NOW)
    move_action(session, oca, done_late.id, to_status="DONE", now=NOW)
    assert is_overdue(late, TODAY)
    assert not is_overdue(done_late, TODAY)
    assert not is_overdue(on_time, TODAY)
    assert [a.id for a in overdue_actions(session, today=TODAY)] == [late.id]
    view = action_view(session, oca, late, today=TODAY)
    assert view.overdue
    assert view.days_overdue == 3
    glaa = actor(session, "glaa.officer")
    mine = list_actions(session, glaa, today=TODAY, agency_id=glaa.agency_id)
    assert next(v.id for v in mine) == late.id  # the overdue one first
    assert [v.id for v in list_actions(session, glaa, today=TODAY, overdue_only=True)] == [late.id]
