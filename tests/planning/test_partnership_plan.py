"""The partnership plan: objectives under the 4Ps, joint initiatives with their actions, and the board."""

from __future__ import annotations

import pytest
from partnership_factories import NOW, TODAY, actor, agency_id, due, make_plan, session
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import ActionStatus, FourP, InitiativeStatus, ObjectiveStatus
from crimelink.errors import InvalidInputError, PermissionDeniedError
from crimelink.services.partnership_plan import (
    InitiativeInput,
    ObjectiveInput,
    add_plan_action,
    create_initiative,
    create_objective,
    get_initiative,
    get_objective,
    move_initiative,
    plan_board,
    update_objective,
)
from crimelink.services.plan_actions import move_action
from crimelink.store.models import AuditEvent

__all__ = ["session"]


def county_lines(db: Session, **overrides: object) -> ObjectiveInput:
    values: dict[str, object] = {
        "title": "Close the county lines running into Ashvale",
        "four_p": "pursue",
        "phase": "CLEAR",
        "owner_agency_id": agency_id(db, "OCC"),
        "measure": "Lines closed; exploited children safeguarded",
    }
    values.update(overrides)
    return ObjectiveInput(**values)  # type: ignore[arg-type]


def week_of_action(db: Session, objective_id: int | None, **overrides: object) -> InitiativeInput:
    values: dict[str, object] = {
        "name": "County lines week of action",
        "lead_agency_id": agency_id(db, "OCC"),
        "partner_agency_ids": [agency_id(db, "HOUSING"), agency_id(db, "CSC"), agency_id(db, "OCC")],
        "area": "Ashvale and Brookfield",
        "starts_on": due(10),
        "ends_on": due(16),
        "phase": "CLEAR",
        "objective_id": objective_id,
        "measures": "Addresses visited; referrals made",
    }
    values.update(overrides)
    return InitiativeInput(**values)  # type: ignore[arg-type]


def test_the_board_sets_objectives_under_their_p_with_actions_and_initiatives(session: Session) -> None:
    coordinator = actor(session, "coordinator")
    pursue = create_objective(session, coordinator, county_lines(session), now=NOW)
    prevent = create_objective(
        session,
        coordinator,
        county_lines(
            session,
            title="Keep children out of county lines",
            four_p="PREVENT",
            phase="BUILD",
            owner_agency_id=agency_id(session, "CSC"),
        ),
        now=NOW,
    )
    week = create_initiative(session, coordinator, week_of_action(session, pursue.id), now=NOW)
    assert [a.code for a in week.partner_agencies] == ["HOUSING", "CSC"]  # the lead is not its own partner

    housing = agency_id(session, "HOUSING")
    overdue = add_plan_action(
        session,
        coordinator,
        title="Closure notice on 14 Canal Road",
        agency_id=housing,
        objective_id=pursue.id,
        due_on=due(-2),
        now=NOW,
    )
    done = add_plan_action(
        session,
        coordinator,
        title="Visit every cuckooed address",
        agency_id=housing,
        initiative_id=week.id,
        due_on=due(12),
        now=NOW,
    )
    assert overdue.four_p is FourP.PURSUE
    assert overdue.status is ActionStatus.APPROVED
    assert done.four_p is FourP.PURSUE  # through the initiative's objective
    move_action(session, actor(session, "housing.officer"), done.id, to_status="IN_PROGRESS", now=NOW)

    plan = make_plan(session, objective_id=pursue.id)
    board = plan_board(session, actor(session, "housing.officer"), today=TODAY)
    columns = {c.four_p: c for c in board.columns}
    assert [o.title for o in columns[FourP.PURSUE].objectives] == [pursue.title]
    assert [o.title for o in columns[FourP.PREVENT].objectives] == [prevent.title]
    assert columns[FourP.PROTECT].objectives == []
    shown = columns[FourP.PURSUE].objectives[0]
    assert shown.counts.overdue == 1
    assert shown.counts.by_status["APPROVED"] == 1
    assert [i.name for i in shown.initiatives] == ["County lines week of action"]
    assert shown.initiatives[0].counts.by_status["IN_PROGRESS"] == 1
    assert shown.plans == ()  # a partner officer does not read disruption plans
    assert board.totals.total == 2
    assert board.totals.overdue == 1
    oca_view = plan_board(session, actor(session, "oca"), today=TODAY)
    assert [p.id for p in oca_view.columns[0].objectives[0].plans] == [plan.id]

    detail = get_objective(session, actor(session, "glaa.officer"), pursue.id, today=TODAY)
    assert [a.title for a in detail.actions] == ["Closure notice on 14 Canal Road"]
    assert detail.actions[0].overdue
    assert [a.title for a in get_initiative(session, coordinator, week.id, today=TODAY).actions] == [
        "Visit every cuckooed address"
    ]


def test_achieved_objectives_leave_the_board_unless_asked(session: Session) -> None:
    coordinator = actor(session, "coordinator")
    objective = create_objective(session, coordinator, county_lines(session), now=NOW)
    update_objective(session, coordinator, objective.id, county_lines(session, status="ACHIEVED"), now=NOW)
    assert plan_board(session, coordinator, today=TODAY).columns[0].objectives == []
    everything = plan_board(session, coordinator, today=TODAY, include_closed=True)
    assert everything.columns[0].objectives[0].status is ObjectiveStatus.ACHIEVED
    changes = session.scalars(
        select(AuditEvent).where(AuditEvent.resource_type == "objective", AuditEvent.action == "update")
    ).all()
    assert changes[0].details["changed"] == ["status"]


def test_an_initiative_runs_planned_active_completed(session: Session) -> None:
    coordinator = actor(session, "coordinator")
    week = create_initiative(session, coordinator, week_of_action(session, None), now=NOW)
    assert week.status is InitiativeStatus.PLANNED
    assert [i.name for i in plan_board(session, coordinator, today=TODAY).unattached_initiatives] == [
        week.name
    ]
    assert (
        move_initiative(session, coordinator, week.id, to_status="active").status is InitiativeStatus.ACTIVE
    )
    with pytest.raises(InvalidInputError) as backwards:
        move_initiative(session, coordinator, week.id, to_status="PLANNED")
    assert "COMPLETED" in str(backwards.value)
    move_initiative(session, coordinator, week.id, to_status="COMPLETED")
    with pytest.raises(InvalidInputError) as finished:
        add_plan_action(
            session, coordinator, title="More", agency_id=agency_id(session, "OCC"), initiative_id=week.id
        )
    assert "completed" in str(finished.value)


def test_bad_input_is_named_and_partners_may_only_read(session: Session) -> None:
    coordinator = actor(session, "coordinator")
    with pytest.raises(InvalidInputError) as refused:
        create_objective(
            session,
            coordinator,
            county_lines(session, title=" ", four_p="PERSUADE", phase="SWEEP", owner_agency_id=999),
        )
    assert set(refused.value.problems) == {"title", "four_p", "phase", "owner_agency_id"}
    with pytest.raises(InvalidInputError) as dates:
        create_initiative(
            session, coordinator, week_of_action(session, 999, starts_on=due(5), ends_on=due(1), name="")
        )
    assert set(dates.value.problems) == {"name", "ends_on", "objective_id"}
    with pytest.raises(PermissionDeniedError):
        create_objective(session, actor(session, "housing.officer"), county_lines(session))
    with pytest.raises(PermissionDeniedError):
        plan_board(session, actor(session, "admin"))
