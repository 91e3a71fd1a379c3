"""/api/partnership: the partnership plan: objectives under the 4Ps, joint initiatives, the plan board.

Reading needs ``partnership.view`` (every reader); setting objectives, running initiatives and giving
them actions needs ``partnership.manage`` (Organised Crime Advisors and the co-ordinator; the ``write``
scope). Audited.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.api.schemas.partnership import (
    InitiativeCreate,
    InitiativeMove,
    InitiativePublic,
    ObjectiveCreate,
    ObjectivePublic,
    PlanActionCreate,
    PlanActionPublic,
    PlanBoardPublic,
)
from crimelink.services import partnership_plan as plan
from crimelink.services.plan_actions import action_view
from crimelink.store.models.base import utcnow

router = APIRouter(prefix="/partnership", tags=["partnership plan"])


def objective_input(body: ObjectiveCreate) -> plan.ObjectiveInput:
    return plan.ObjectiveInput(
        title=body.title,
        four_p=body.four_p,
        description=body.description,
        phase=body.phase,
        owner_agency_id=body.owner_agency_id,
        measure=body.measure,
        status=body.status,
    )


def initiative_input(body: InitiativeCreate) -> plan.InitiativeInput:
    return plan.InitiativeInput(
        name=body.name,
        lead_agency_id=body.lead_agency_id,
        description=body.description,
        phase=body.phase,
        area=body.area,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        partner_agency_ids=list(body.partner_agency_ids),
        objective_id=body.objective_id,
        measures=body.measures,
    )


@router.get("/board")
def plan_board(db: SessionDep, actor: CurrentActor, include_closed: bool = False) -> PlanBoardPublic:
    """Objectives under the 4Ps, each with its actions counted by status (and overdue) and initiatives."""
    board = plan.plan_board(db, actor, include_closed=include_closed)
    db.commit()
    return PlanBoardPublic.model_validate(asdict(board))


@router.get("/objectives")
def list_objectives(db: SessionDep, actor: CurrentActor) -> list[ObjectivePublic]:
    views = plan.list_objectives(db, actor)
    db.commit()
    return [ObjectivePublic.model_validate(asdict(v)) for v in views]


@router.post("/objectives", status_code=201)
def create_objective(body: ObjectiveCreate, db: SessionDep, actor: CurrentActor) -> ObjectivePublic:
    view = plan.create_objective(db, actor, objective_input(body))
    db.commit()
    return ObjectivePublic.model_validate(asdict(view))


@router.get("/objectives/{objective_id}")
def get_objective(objective_id: IdPath, db: SessionDep, actor: CurrentActor) -> ObjectivePublic:
    """One objective with its actions, initiatives and (for readers of plans) disruption plans."""
    view = plan.get_objective(db, actor, objective_id)
    db.commit()
    return ObjectivePublic.model_validate(asdict(view))


@router.put("/objectives/{objective_id}")
def update_objective(
    objective_id: IdPath, body: ObjectiveCreate, db: SessionDep, actor: CurrentActor
) -> ObjectivePublic:
    """Change an objective (every field as given), including marking it ACHIEVED or DROPPED."""
    view = plan.update_objective(db, actor, objective_id, objective_input(body))
    db.commit()
    return ObjectivePublic.model_validate(asdict(view))


@router.post("/objectives/{objective_id}/actions", status_code=201)
def add_objective_action(
    objective_id: IdPath, body: PlanActionCreate, db: SessionDep, actor: CurrentActor
) -> PlanActionPublic:
    """Give an action serving the objective to an agency (approved at once)."""
    action = plan.add_plan_action(
        db,
        actor,
        objective_id=objective_id,
        title=body.title,
        agency_id=body.agency_id,
        due_on=body.due_on,
        assignee=body.assignee,
        description=body.description,
    )
    view = action_view(db, actor, action, today=utcnow().date())
    db.commit()
    return PlanActionPublic.model_validate(asdict(view))


@router.get("/initiatives")
def list_initiatives(db: SessionDep, actor: CurrentActor) -> list[InitiativePublic]:
    views = plan.list_initiatives(db, actor)
    db.commit()
    return [InitiativePublic.model_validate(asdict(v)) for v in views]


@router.post("/initiatives", status_code=201)
def create_initiative(body: InitiativeCreate, db: SessionDep, actor: CurrentActor) -> InitiativePublic:
    view = plan.create_initiative(db, actor, initiative_input(body))
    db.commit()
    return InitiativePublic.model_validate(asdict(view))


@router.get("/initiatives/{initiative_id}")
def get_initiative(initiative_id: IdPath, db: SessionDep, actor: CurrentActor) -> InitiativePublic:
    view = plan.get_initiative(db, actor, initiative_id)
    db.commit()
    return InitiativePublic.model_validate(asdict(view))


@router.put("/initiatives/{initiative_id}")
def update_initiative(
    initiative_id: IdPath, body: InitiativeCreate, db: SessionDep, actor: CurrentActor
) -> InitiativePublic:
    view = plan.update_initiative(db, actor, initiative_id, initiative_input(body))
    db.commit()
    return InitiativePublic.model_validate(asdict(view))


@router.post("/initiatives/{initiative_id}/status")
def move_initiative(
    initiative_id: IdPath, body: InitiativeMove, db: SessionDep, actor: CurrentActor
) -> InitiativePublic:
    """Start, complete or cancel the initiative."""
    view = plan.move_initiative(db, actor, initiative_id, to_status=body.status)
    db.commit()
    return InitiativePublic.model_validate(asdict(view))


@router.post("/initiatives/{initiative_id}/actions", status_code=201)
def add_initiative_action(
    initiative_id: IdPath, body: PlanActionCreate, db: SessionDep, actor: CurrentActor
) -> PlanActionPublic:
    """Give one of the initiative's actions to an agency (approved at once)."""
    action = plan.add_plan_action(
        db,
        actor,
        initiative_id=initiative_id,
        title=body.title,
        agency_id=body.agency_id,
        due_on=body.due_on,
        assignee=body.assignee,
        description=body.description,
    )
    view = action_view(db, actor, action, today=utcnow().date())
    db.commit()
    return PlanActionPublic.model_validate(asdict(view))
