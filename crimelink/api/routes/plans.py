"""/api/plans: disruption plans against groups and single targets, and the actions added to them.

Reading needs ``plan.view``; opening, changing, reviewing and closing a plan and adding actions need
``plan.manage`` (the ``write`` scope). A closed plan is read-only. Audited.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import MAX_ID, ErrorPublic, IdPath
from crimelink.api.schemas.plans import (
    ActionCreate,
    ActionPublic,
    NoteCreate,
    PlanCreate,
    PlanListPublic,
    PlanPublic,
    PlanUpdate,
)
from crimelink.services import disruption_plans
from crimelink.services.plan_actions import ActionInput, action_view
from crimelink.store.models.base import utcnow

router = APIRouter(prefix="/plans", tags=["plans"])

#: A stored row's id in a query string (ids no database could hold are refused with 422).
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]

CLOSED: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "The plan is closed: it is kept read-only"}
}


def plan_input(body: PlanCreate) -> disruption_plans.PlanInput:
    return disruption_plans.PlanInput(
        title=body.title,
        owner_agency_id=body.owner_agency_id,
        owner_officer=body.owner_officer,
        objectives=body.objectives,
        group_id=body.group_id,
        target_entity_id=body.target_entity_id,
        objective_id=body.objective_id,
        review_every_days=body.review_every_days,
        next_review_on=body.next_review_on,
    )


def _today() -> date:
    return utcnow().date()


def _plan(db: Session, actor: Actor, plan_id: int) -> PlanPublic:
    view = disruption_plans.plan_view(db, actor, plan_id, today=_today())
    return PlanPublic.model_validate(asdict(view))


@router.get("")
def list_plans(
    db: SessionDep,
    actor: CurrentActor,
    status: str | None = None,
    group_id: IdQuery = None,
    owner_agency_id: IdQuery = None,
    review_overdue: bool = False,
) -> PlanListPublic:
    """Plans (filter by ``status`` ACTIVE or CLOSED, group, owner agency, or a review overdue)."""
    plans = disruption_plans.list_plans(
        db,
        actor,
        today=_today(),
        status=status,
        group_id=group_id,
        owner_agency_id=owner_agency_id,
        review_overdue_only=review_overdue,
    )
    db.commit()
    return PlanListPublic.model_validate({"plans": [asdict(p) for p in plans]})


@router.post("", status_code=201)
def open_plan(body: PlanCreate, db: SessionDep, actor: CurrentActor) -> PlanPublic:
    """Open a plan against one confirmed group or one single target."""
    plan = disruption_plans.open_plan(db, actor, plan_input(body))
    answer = _plan(db, actor, plan.id)
    db.commit()
    return answer


@router.get("/{plan_id}")
def get_plan(plan_id: IdPath, db: SessionDep, actor: CurrentActor) -> PlanPublic:
    """A plan with every action, counts by status, overdue actions and outcomes."""
    answer = _plan(db, actor, plan_id)
    db.commit()
    return answer


@router.put("/{plan_id}", responses=CLOSED)
def update_plan(plan_id: IdPath, body: PlanUpdate, db: SessionDep, actor: CurrentActor) -> PlanPublic:
    """Change an active plan's owner, objectives, subject or review cadence."""
    disruption_plans.update_plan(db, actor, plan_id, plan_input(body))
    answer = _plan(db, actor, plan_id)
    db.commit()
    return answer


@router.post("/{plan_id}/review", responses=CLOSED)
def review_plan(plan_id: IdPath, body: NoteCreate, db: SessionDep, actor: CurrentActor) -> PlanPublic:
    """Record a review: the next is due ``review_every_days`` from today."""
    disruption_plans.review_plan(db, actor, plan_id, note=body.note)
    answer = _plan(db, actor, plan_id)
    db.commit()
    return answer


@router.post("/{plan_id}/close", responses=CLOSED)
def close_plan(plan_id: IdPath, body: NoteCreate, db: SessionDep, actor: CurrentActor) -> PlanPublic:
    """Close the plan with a note (required); its open actions are abandoned with it."""
    disruption_plans.close_plan(db, actor, plan_id, note=body.note)
    answer = _plan(db, actor, plan_id)
    db.commit()
    return answer


@router.post("/{plan_id}/actions", status_code=201, responses=CLOSED)
def add_action(plan_id: IdPath, body: ActionCreate, db: SessionDep, actor: CurrentActor) -> ActionPublic:
    """Add an action (agency, assignee, due date, 4P, optionally a tactic of the menu) to an active plan."""
    action = disruption_plans.add_action(
        db,
        actor,
        plan_id,
        ActionInput(
            title=body.title,
            agency_id=body.agency_id,
            due_on=body.due_on,
            assignee=body.assignee,
            description=body.description,
            four_p=body.four_p,
            tactic=body.tactic,
            target_entity_id=body.target_entity_id,
        ),
    )
    view = action_view(db, actor, action, today=_today())
    db.commit()
    return ActionPublic.model_validate(asdict(view))
