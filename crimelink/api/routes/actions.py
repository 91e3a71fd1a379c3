"""/api/actions: the actions given to your agency, each with its history; moving them on; operations.

Needs ``action.update`` (every reader; the ``write`` scope to move). The agency an action is given to may
start and finish it; the plan's managers may make any move the flow allows. An action that is an
operation is linked to one of its agency's operations (or registers it) and then follows it through
deconfliction. Audited.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter

from crimelink.api.deps import CurrentActor, RulesDep, SessionDep
from crimelink.api.routes.operations import operation_input
from crimelink.api.schemas.common import ErrorPublic, IdPath
from crimelink.api.schemas.deconfliction import CheckResultPublic
from crimelink.api.schemas.plans import (
    ActionListPublic,
    ActionOperationCreate,
    ActionOperationPublic,
    ActionPublic,
    ActionStatusName,
    MoveCreate,
    OperationLink,
)
from crimelink.services import disruption_plans, plan_actions
from crimelink.store.models.base import utcnow

router = APIRouter(prefix="/actions", tags=["plans"])

REFUSED_MOVE: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorPublic,
        "description": "The plan is closed, or the action already follows an operation",
    }
}


def _today() -> date:
    return utcnow().date()


@router.get("")
def my_actions(
    db: SessionDep,
    actor: CurrentActor,
    status: ActionStatusName | None = None,
    overdue: bool = False,
) -> ActionListPublic:
    """Your agency's actions, overdue first, then by due date (filter by ``status``, or ``overdue``)."""
    views = disruption_plans.my_actions(db, actor, today=_today(), status=status, overdue_only=overdue)
    db.commit()  # the view's audit event
    return ActionListPublic.model_validate({"actions": [asdict(v) for v in views]})


@router.get("/{action_id}")
def get_action(action_id: IdPath, db: SessionDep, actor: CurrentActor) -> ActionPublic:
    """An action you may see, with its history and the moves you may make."""
    view = disruption_plans.read_action(db, actor, action_id, today=_today())
    db.commit()
    return ActionPublic.model_validate(asdict(view))


@router.post("/{action_id}/move", responses=REFUSED_MOVE)
def move_action(action_id: IdPath, body: MoveCreate, db: SessionDep, actor: CurrentActor) -> ActionPublic:
    """Move the action on in its flow, with a note (required to abandon it)."""
    action = plan_actions.move_action(db, actor, action_id, to_status=body.status, note=body.note)
    view = plan_actions.action_view(db, actor, action, today=_today())
    db.commit()
    return ActionPublic.model_validate(asdict(view))


@router.post("/{action_id}/operation", responses=REFUSED_MOVE)
def link_operation(
    action_id: IdPath, body: OperationLink, db: SessionDep, actor: CurrentActor
) -> ActionPublic:
    """Link the action to an operation of the agency it is given to; it follows it from now on."""
    action = disruption_plans.link_operation(db, actor, action_id, body.operation_id)
    view = plan_actions.action_view(db, actor, action, today=_today())
    db.commit()
    return ActionPublic.model_validate(asdict(view))


@router.post("/{action_id}/operation/new", status_code=201, responses=REFUSED_MOVE)
def create_operation(
    action_id: IdPath, body: ActionOperationCreate, db: SessionDep, rules: RulesDep, actor: CurrentActor
) -> ActionOperationPublic:
    """Register the action's operation (a draft unless ``submit``) through deconfliction, and link it."""
    result = disruption_plans.create_operation(
        db, actor, action_id, operation_input(body), submit=body.submit, rules=rules
    )
    action = plan_actions.get_action(db, actor, action_id)
    view = plan_actions.action_view(db, actor, action, today=_today())
    db.commit()
    return ActionOperationPublic(
        action=ActionPublic.model_validate(asdict(view)),
        registered=CheckResultPublic.model_validate(asdict(result)),
    )
