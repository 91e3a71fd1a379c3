"""Disruption plans (``crimelink.services.disruption_plans``) and actions that follow their operations
through deconfliction (``crimelink.services.plan_operations``). Real SQLite, the deconfliction tests'
partnership and its factories."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from plans_factories import (
    HERE,
    NOW,
    TODAY,
    action_input,
    actor,
    agency_id,
    audit_events,
    build_world,
    location,
    make_entity,
    make_group,
    make_plan,
    operation_input,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.domain import ActionStatus, DisruptionImpact, OutcomeKind, PlanStatus
from crimelink.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from crimelink.services import deconfliction
from crimelink.services.disruption_plans import (
    PlanInput,
    add_action,
    close_plan,
    create_operation,
    group_plan_id,
    link_operation,
    list_plans,
    open_plan,
    operation_draft,
    plan_view,
    review_plan,
    update_plan,
)
from crimelink.services.plan_actions import action_view, get_action, list_actions, move_action
from crimelink.store.models import OperationConflict, Outcome, PlanAction


@pytest.fixture
def session(sqlite_engine: Engine) -> Iterator[Session]:
    with Session(sqlite_engine) as session:
        build_world(session)
        yield session


# --- plans ----------------------------------------------------------------------------------------


def test_a_plan_is_against_exactly_one_confirmed_group_or_target_and_each_problem_is_named(
    session: Session,
) -> None:
    oca = actor(session, "pc.covert")
    police = agency_id(session, "POLICE")
    with pytest.raises(InvalidInputError) as refused:
        open_plan(session, oca, PlanInput(title=" ", owner_agency_id=police, review_every_days=0), now=NOW)
    assert set(refused.value.problems) == {"title", "group_id", "review_every_days"}
    with pytest.raises(InvalidInputError) as refused:
        open_plan(session, oca, PlanInput(title="X", owner_agency_id=police, group_id=999), now=NOW)
    assert refused.value.problems == {"group_id": "there is no confirmed organised crime group 999"}
    group = make_group(session)
    first = make_plan(session, group_id=group.id)
    with pytest.raises(InvalidInputError) as refused:
        make_plan(session, group_id=group.id)
    assert f"active plan ({first.id})" in refused.value.problems["group_id"]
    target = make_entity(session)
    single = make_plan(session, target_entity_id=target.id, title="The cannabis factory at Unit 2")
    assert single.next_review_on == TODAY + timedelta(days=28)
    assert group_plan_id(session, oca, group.id) == first.id
    assert [e.action for e in audit_events(session, "disruption_plan")] == ["create", "create"]


def test_only_plan_managers_open_plans_and_only_plan_readers_read_them(session: Session) -> None:
    plan = make_plan(session)
    with pytest.raises(PermissionDeniedError):
        make_plan(session, by="glaa.officer", group_id=make_group(session, name="Other").id)
    with pytest.raises(PermissionDeniedError):
        plan_view(session, actor(session, "glaa.officer"), plan.id, today=TODAY)
    analyst = plan_view(session, actor(session, "ts.analyst"), plan.id, today=TODAY)
    assert analyst.group_name == "Canal Yard car wash network"
    assert not analyst.may_manage


def test_the_list_filters_by_status_group_owner_and_overdue_review(session: Session) -> None:
    oca = actor(session, "pc.covert")
    police_plan = make_plan(session)
    occ_plan = make_plan(
        session,
        by="occ.ds",
        group_id=make_group(session, name="Eastside line").id,
        owner_agency_id=agency_id(session, "OCC"),
        review_every_days=7,
    )
    ids = [p.id for p in list_plans(session, oca, today=TODAY)]
    assert sorted(ids) == sorted([police_plan.id, occ_plan.id])
    assert [
        p.id for p in list_plans(session, oca, today=TODAY, owner_agency_id=agency_id(session, "OCC"))
    ] == [occ_plan.id]
    assert [p.id for p in list_plans(session, oca, today=TODAY, group_id=police_plan.group_id)] == [
        police_plan.id
    ]
    a_fortnight_on = TODAY + timedelta(days=14)
    overdue = list_plans(session, oca, today=a_fortnight_on, review_overdue_only=True)
    assert [p.id for p in overdue] == [occ_plan.id]
    assert overdue[0].review_overdue
    review_plan(session, oca, occ_plan.id, note="reviewed at tasking", now=NOW + timedelta(days=14))
    assert list_plans(session, oca, today=a_fortnight_on, review_overdue_only=True) == []
    close_plan(session, oca, police_plan.id, note="group dismantled", now=NOW)
    assert [p.id for p in list_plans(session, oca, today=TODAY, status="CLOSED")] == [police_plan.id]
    with pytest.raises(InvalidInputError):
        list_plans(session, oca, today=TODAY, status="FINISHED")


def test_the_plan_view_counts_actions_by_status_overdue_ones_and_outcomes(session: Session) -> None:
    oca = actor(session, "pc.covert")
    plan = make_plan(session)
    late = add_action(session, oca, plan.id, action_input(session, due_on=TODAY - timedelta(days=2)), now=NOW)
    done = add_action(
        session, oca, plan.id, action_input(session, agency="TS", title="Test purchase"), now=NOW
    )
    add_action(session, oca, plan.id, action_input(session, agency="BF", title="Port alert"), now=NOW)
    move_action(session, oca, done.id, to_status="APPROVED", now=NOW)
    move_action(session, oca, done.id, to_status="DONE", now=NOW)
    session.add(
        Outcome(
            kind=OutcomeKind.PREMISES_CLOSURE,
            occurred_on=TODAY,
            agency_id=agency_id(session, "TS"),
            action_id=done.id,
            impact=DisruptionImpact.MODERATE,
        )
    )
    session.add(
        Outcome(
            kind=OutcomeKind.ARREST,
            occurred_on=TODAY,
            agency_id=agency_id(session, "POLICE"),
            plan_id=plan.id,
        )
    )
    session.flush()
    view = plan_view(session, oca, plan.id, today=TODAY)
    assert view.counts["PROPOSED"] == 2
    assert view.counts["DONE"] == 1
    assert view.counts["ABANDONED"] == 0
    assert view.actions_overdue == 1
    assert view.actions_open == 2
    assert view.actions[0].id == late.id
    assert view.actions[0].overdue
    assert view.actions[-1].id == done.id  # the closed ones last
    assert sorted(o.kind for o in view.outcomes) == ["ARREST", "PREMISES_CLOSURE"]
    assert view.may_manage


def test_a_partner_sees_its_actions_but_not_the_plan(session: Session) -> None:
    oca = actor(session, "pc.covert")
    plan = make_plan(session)
    mine = add_action(session, oca, plan.id, action_input(session), now=NOW)
    add_action(session, oca, plan.id, action_input(session, agency="TS"), now=NOW)
    glaa = actor(session, "glaa.officer")
    views = list_actions(session, glaa, today=TODAY, agency_id=glaa.agency_id)
    assert [v.id for v in views] == [mine.id]
    assert views[0].plan_id is None
    assert views[0].plan_title == ""
    with pytest.raises(PermissionDeniedError):
        plan_view(session, glaa, plan.id, today=TODAY)
    with pytest.raises(PermissionDeniedError):
        list_plans(session, glaa, today=TODAY)


def test_a_closed_plan_is_read_only_and_its_open_actions_are_abandoned_with_the_note(
    session: Session,
) -> None:
    oca = actor(session, "pc.covert")
    plan = make_plan(session)
    open_action = add_action(session, oca, plan.id, action_input(session), now=NOW)
    with pytest.raises(InvalidInputError) as refused:
        close_plan(session, oca, plan.id, note="")
    assert "note" in refused.value.problems
    close_plan(session, oca, plan.id, note="Group dismantled after the day of action", now=NOW)
    assert plan.status == PlanStatus.CLOSED
    assert plan.closing_note == "Group dismantled after the day of action"
    assert open_action.status == ActionStatus.ABANDONED
    assert open_action.events[-1].note == "plan closed: Group dismantled after the day of action"
    with pytest.raises(ConflictError, match="closed"):
        add_action(session, oca, plan.id, action_input(session), now=NOW)
    with pytest.raises(ConflictError, match="closed"):
        move_action(session, oca, open_action.id, to_status="PROPOSED", note="reopen")
    with pytest.raises(ConflictError, match="closed"):
        update_plan(
            session,
            oca,
            plan.id,
            PlanInput(title="New", owner_agency_id=plan.owner_agency_id, group_id=plan.group_id),
        )
    with pytest.raises(ConflictError, match="closed"):
        close_plan(session, oca, plan.id, note="again and again")
    assert [e.action for e in audit_events(session, "disruption_plan")][-1] == "close"


def test_editing_a_plan_changes_its_owner_and_cadence_and_is_audited(session: Session) -> None:
    oca = actor(session, "pc.covert")
    plan = make_plan(session)
    update_plan(
        session,
        oca,
        plan.id,
        PlanInput(
            title="Disrupt the car wash network",
            owner_agency_id=agency_id(session, "OCC"),
            owner_officer="DI Sam Okafor",
            group_id=plan.group_id,
            review_every_days=14,
            next_review_on=date(2026, 3, 16),
        ),
        now=NOW,
    )
    assert plan.owner_officer == "DI Sam Okafor"
    assert plan.next_review_on == date(2026, 3, 16)
    event = audit_events(session, "disruption_plan", "update")[-1]
    assert "owner_agency_id" in event.details["changed"]
    assert "objectives" in event.details["changed"]


# --- actions that are operations ------------------------------------------------------------------


def _glaa_action(session: Session) -> PlanAction:
    plan = make_plan(session)
    return add_action(session, actor(session, "pc.covert"), plan.id, action_input(session), now=NOW)


def test_an_action_follows_its_operation_through_deconfliction_to_done(session: Session) -> None:
    action = _glaa_action(session)
    glaa = actor(session, "glaa.officer")
    draft = operation_draft(session, glaa, action.id)
    assert draft.name == action.title
    assert draft.operation_type == "GLAA_INSPECTION"
    assert draft.group_id is None  # a partner is not told the plan's group
    result = create_operation(
        session, glaa, action.id, operation_input(name="Car wash inspection"), submit=False, now=NOW
    )
    op_id = result.operation.id
    assert action.operation_id == op_id
    assert action.status == ActionStatus.PROPOSED
    # Trading standards plans a visit at the same place and time: amber, a hold on both.
    ts = actor(session, "ts.officer")
    deconfliction.register_operation(
        session, ts, operation_input(name="Test purchase", operation_type="TRADING_STANDARDS_VISIT"), now=NOW
    )
    deconfliction.submit_operation(session, glaa, op_id, now=NOW)
    assert action.status == ActionStatus.DECONFLICTING
    note = action.events[-1].note
    assert f"operation {op_id} (Car wash inspection) has an open conflict" in note
    assert "Test purchase" not in note
    assert "Trading" not in note
    assert action.events[-1].by == "system:deconfliction"
    # The desk lets both proceed: the operation is cleared, the action approved.
    conflict = session.scalars(select(OperationConflict)).one()
    desk = actor(session, "desk")
    deconfliction.resolve_conflict(
        session, desk, conflict.id, resolution="JOINT", rationale="Go in together at 06:00", now=NOW
    )
    assert action.status == ActionStatus.APPROVED
    assert "is cleared by deconfliction" in action.events[-1].note
    deconfliction.start_operation(session, glaa, op_id)
    assert action.status == ActionStatus.IN_PROGRESS
    deconfliction.complete_operation(
        session, glaa, op_id, outcome_summary="Nine workers safeguarded", now=NOW
    )
    assert action.status == ActionStatus.DONE
    assert action.completed_at is not None
    assert [e.to_status for e in action.events] == [
        ActionStatus.PROPOSED,
        ActionStatus.PROPOSED,  # registered and linked: a note
        ActionStatus.DECONFLICTING,
        ActionStatus.APPROVED,
        ActionStatus.IN_PROGRESS,
        ActionStatus.DONE,
    ]
    moves = [e for e in audit_events(session, "plan_action", "update") if e.actor == "system:deconfliction"]
    assert len(moves) == 4


def test_another_agencys_new_operation_holds_the_action_again(session: Session) -> None:
    action = _glaa_action(session)
    glaa = actor(session, "glaa.officer")
    result = create_operation(
        session, glaa, action.id, operation_input(name="Car wash inspection"), submit=True, now=NOW
    )
    assert result.operation.status == "CLEARED"
    assert action.status == ActionStatus.APPROVED
    # Border Force registers later at the same place: the GLAA operation is held, so is the action.
    deconfliction.register_operation(
        session,
        actor(session, "bf.officer"),
        operation_input(name="Port follow-up", operation_type="BORDER_INTERDICTION"),
        now=NOW,
    )
    session.expire(action)
    assert action.status == ActionStatus.DECONFLICTING


def test_a_cancelled_operation_abandons_the_action_with_its_reason(session: Session) -> None:
    action = _glaa_action(session)
    glaa = actor(session, "glaa.officer")
    op_id = deconfliction.register_operation(session, glaa, operation_input(), now=NOW).operation.id
    link_operation(session, glaa, action.id, op_id)
    assert action.status == ActionStatus.APPROVED  # the operation was already cleared
    deconfliction.cancel_operation(session, glaa, op_id, reason="the site is empty now", now=NOW)
    assert action.status == ActionStatus.ABANDONED
    assert (
        action.events[-1].note == f"operation {op_id} (Operation Test) was cancelled: the site is empty now"
    )


def test_only_the_actions_own_agencys_operations_can_be_linked(session: Session) -> None:
    action = _glaa_action(session)
    ts_op = deconfliction.register_operation(
        session, actor(session, "ts.officer"), operation_input(), now=NOW
    )
    glaa = actor(session, "glaa.officer")
    with pytest.raises(NotFoundError):  # blind: GLAA cannot learn of trading standards' operation
        link_operation(session, glaa, action.id, ts_op.operation.id)
    with pytest.raises(NotFoundError):  # nor can another partner reach GLAA's action
        link_operation(session, actor(session, "ts.officer"), action.id, ts_op.operation.id)
    police_op = deconfliction.register_operation(
        session,
        actor(session, "pc.covert"),
        operation_input(locations=[location((HERE[0] + 0.2, HERE[1]))]),
        now=NOW,
    )
    with pytest.raises(InvalidInputError) as refused:  # the plan's manager, but the police's operation
        link_operation(session, actor(session, "pc.covert"), action.id, police_op.operation.id)
    assert "operation_id" in refused.value.problems
    with pytest.raises(PermissionDeniedError, match="ask Gangmasters"):
        create_operation(session, actor(session, "pc.covert"), action.id, operation_input(), now=NOW)


def test_an_action_of_a_closed_plan_no_longer_follows_its_operation(session: Session) -> None:
    action = _glaa_action(session)
    glaa = actor(session, "glaa.officer")
    op_id = create_operation(session, glaa, action.id, operation_input(), submit=True, now=NOW).operation.id
    assert action.plan is not None
    close_plan(session, actor(session, "pc.covert"), action.plan.id, note="Handed to the NCA", now=NOW)
    deconfliction.start_operation(session, glaa, op_id)
    assert get_action(session, glaa, action.id).status == ActionStatus.ABANDONED
    assert action_view(session, glaa, action, today=TODAY).next_moves == ()
