"""/api/operations: register, change and follow your agency's operations; the conflicts they meet, blind.

Registering and changing need ``operation.register`` (an Organised Crime Advisor, a partner officer or
the desk; the ``write`` scope), reading ``operation.view`` (the ``read`` scope). You see your agency's
operations (those cleared to you) in full, and the other side of each conflict only blind: the agency and
whom to call, or for another agency's covert operation only "hold: contact the police SOC desk".
Registration and every change are checked at once; every read and change is audited.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request

from crimelink.api.deps import CurrentActor, RulesDep, SessionDep
from crimelink.api.schemas.common import ErrorPublic, IdPath
from crimelink.api.schemas.deconfliction import (
    CancelCreate,
    CheckResultPublic,
    CompleteCreate,
    ConflictListPublic,
    LocationCreate,
    MapOperationPublic,
    OperationCreate,
    OperationListPublic,
    OperationPublic,
    OperationRegister,
    OperationsMapPublic,
    TargetCreate,
)
from crimelink.errors import ConfigurationError
from crimelink.services import deconfliction
from crimelink.services.map_outline import map_outline
from crimelink.settings import Settings

router = APIRouter(prefix="/operations", tags=["deconfliction"])

_STATUS: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "The operation's status does not allow this"}
}


def operation_input(body: OperationCreate) -> deconfliction.OperationInput:
    """The service's input from a request (the pages build the same from their forms)."""
    return deconfliction.OperationInput(
        name=body.name,
        officer=body.officer,
        contact_24h=body.contact_24h,
        operation_type=body.operation_type,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        standing=body.standing,
        visibility=body.visibility,
        classification=body.classification,
        armed=body.armed,
        locations=[location_input(loc) for loc in body.locations],
        targets=[target_input(t) for t in body.targets],
        group_id=body.group_id,
        retrospective_reason=body.retrospective_reason,
    )


def location_input(body: LocationCreate) -> deconfliction.LocationInput:
    return deconfliction.LocationInput(
        address=body.address,
        postcode=body.postcode,
        uprn=body.uprn,
        latitude=body.latitude,
        longitude=body.longitude,
        radius_m=body.radius_m,
    )


def target_input(body: TargetCreate) -> deconfliction.TargetInput:
    return deconfliction.TargetInput(kind=body.kind, value=body.value, dob=body.dob, entity_id=body.entity_id)


@router.get("")
def my_operations(
    db: SessionDep, rules: RulesDep, actor: CurrentActor, include_closed: bool = False
) -> OperationListPublic:
    """Your agency's operations (those cleared to you), latest start first, with open conflicts and holds."""
    summaries = deconfliction.my_operations(db, actor, include_closed=include_closed, rules=rules)
    db.commit()  # the view's audit event
    return OperationListPublic.model_validate({"operations": [asdict(s) for s in summaries]})


@router.post("", status_code=201)
def register_operation(
    body: OperationRegister, db: SessionDep, rules: RulesDep, actor: CurrentActor
) -> CheckResultPublic:
    """Register an operation and check it at once (``submit`` false keeps a draft, not checked).

    The answer says whether it was accepted with or without conflicts, and lists them blind.
    """
    result = deconfliction.register_operation(
        db, actor, operation_input(body), submit=body.submit, agency_id=body.agency_id, rules=rules
    )
    db.commit()
    return CheckResultPublic.model_validate(result, from_attributes=True)


@router.get("/map")
def operations_map(request: Request, db: SessionDep, actor: CurrentActor) -> OperationsMapPublic:
    """Live operations you may see, placed (your agency's; the desk: every agency's)."""
    found = deconfliction.operations_map(db, actor)
    db.commit()  # the view's audit event
    settings: Settings = request.app.state.settings
    try:
        has_outline = map_outline(settings) is not None
    except ConfigurationError:  # a broken outline file: the map still shows the operations
        has_outline = False
    return OperationsMapPublic(
        operations=[MapOperationPublic.model_validate(o, from_attributes=True) for o in found],
        outline_url="/api/deconfliction/geography" if has_outline else None,
        tile_url=settings.map_tile_url,
    )


@router.get("/conflicts")
def my_conflicts(
    db: SessionDep, rules: RulesDep, actor: CurrentActor, include_closed: bool = False
) -> ConflictListPublic:
    """The conflicts of your agency's operations and interests, blind (open ones unless asked)."""
    views = deconfliction.my_conflicts(db, actor, include_closed=include_closed, rules=rules)
    db.commit()
    return ConflictListPublic.model_validate({"conflicts": [asdict(v) for v in views]})


@router.get("/{operation_id}")
def get_operation(
    operation_id: IdPath, db: SessionDep, rules: RulesDep, actor: CurrentActor
) -> OperationPublic:
    """One of your agency's operations in full (the desk: any), its conflicts blind."""
    view = deconfliction.get_operation(db, actor, operation_id, rules=rules)
    db.commit()
    return OperationPublic.model_validate(view, from_attributes=True)


@router.put("/{operation_id}", responses=_STATUS)
def update_operation(
    operation_id: IdPath, body: OperationCreate, db: SessionDep, rules: RulesDep, actor: CurrentActor
) -> CheckResultPublic:
    """Replace the operation's definition; a submitted one is checked again (a draft stays a draft)."""
    result = deconfliction.update_operation(db, actor, operation_id, operation_input(body), rules=rules)
    db.commit()
    return CheckResultPublic.model_validate(result, from_attributes=True)


@router.post("/{operation_id}/submit", responses=_STATUS)
def submit_operation(
    operation_id: IdPath, db: SessionDep, rules: RulesDep, actor: CurrentActor
) -> CheckResultPublic:
    """Submit a draft: it is checked, and others' checks meet it from now on."""
    result = deconfliction.submit_operation(db, actor, operation_id, rules=rules)
    db.commit()
    return CheckResultPublic.model_validate(result, from_attributes=True)


@router.post("/{operation_id}/check", responses=_STATUS)
def check_operation(
    operation_id: IdPath, db: SessionDep, rules: RulesDep, actor: CurrentActor
) -> CheckResultPublic:
    """Check the operation again: idempotent, it finds the same conflicts and lapses those gone."""
    result = deconfliction.check_operation(db, actor, operation_id, rules=rules)
    db.commit()
    return CheckResultPublic.model_validate(result, from_attributes=True)


@router.post("/{operation_id}/start", responses=_STATUS)
def start_operation(
    operation_id: IdPath, db: SessionDep, rules: RulesDep, actor: CurrentActor
) -> OperationPublic:
    """A cleared operation goes live (one with an unresolved conflict waits for the desk)."""
    view = deconfliction.start_operation(db, actor, operation_id, rules=rules)
    db.commit()
    return OperationPublic.model_validate(view, from_attributes=True)


@router.post("/{operation_id}/complete", responses=_STATUS)
def complete_operation(
    operation_id: IdPath, body: CompleteCreate, db: SessionDep, rules: RulesDep, actor: CurrentActor
) -> OperationPublic:
    """Record completion; agencies with an interest in its targets are told there is an outcome."""
    view = deconfliction.complete_operation(
        db, actor, operation_id, outcome_summary=body.outcome_summary, rules=rules
    )
    db.commit()
    return OperationPublic.model_validate(view, from_attributes=True)


@router.post("/{operation_id}/cancel", responses=_STATUS)
def cancel_operation(
    operation_id: IdPath, body: CancelCreate, db: SessionDep, rules: RulesDep, actor: CurrentActor
) -> OperationPublic:
    """Cancel, with a reason; its open conflicts lapse and the other sides are told."""
    view = deconfliction.cancel_operation(db, actor, operation_id, reason=body.reason, rules=rules)
    db.commit()
    return OperationPublic.model_validate(view, from_attributes=True)
