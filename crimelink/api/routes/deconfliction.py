"""/api/deconfliction: checks, your agency's notices, the desk's board and resolutions, the map outline.

``POST /check`` checks one of your operations again (``operation.register``; the ``write`` scope) and
``/notifications`` are your agency's notices (``operation.view``). The desk (``deconfliction.board`` to
read, ``deconfliction.resolve`` to act; the desk role only) sees every conflict in full, claims, resolves
with a rationale and escalates overdue red conflicts. ``/geography`` is the outline the maps draw (no
tiles needed). Every read and action is audited.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response

from crimelink.access import Action
from crimelink.api.deps import CredentialsDep, CurrentActor, RulesDep, SessionDep, authenticate_actor
from crimelink.api.schemas.common import ErrorPublic, IdPath
from crimelink.api.schemas.deconfliction import (
    CheckAllPublic,
    CheckCreate,
    CheckResultPublic,
    DeskBoardPublic,
    DeskConflictPublic,
    EscalatedPublic,
    NotificationListPublic,
    NotificationsRead,
    ReadCountPublic,
    ResolutionCreate,
)
from crimelink.errors import ConfigurationError
from crimelink.services import deconfliction
from crimelink.services.callers import authorise
from crimelink.services.map_outline import map_outline
from crimelink.settings import Settings
from crimelink.store.pipeline import plan_once

router = APIRouter(prefix="/deconfliction", tags=["deconfliction"])

_STATUS: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "The conflict's or operation's status does not allow this"}
}


@router.post("/check", responses=_STATUS, response_model=CheckResultPublic)
async def check(
    body: CheckCreate, request: Request, db: SessionDep, rules: RulesDep, credentials: CredentialsDep
) -> Response:
    """Check one of your submitted operations against every agency's operations and interests again.

    Idempotent: the same conflicts are found and nothing is raised twice; those that no longer hold lapse.
    """
    # Run on the event loop's own thread, not handed to the thread pool: the busiest call of the API, and
    # CPU-bound (the interpreter's lock lets one thread of a process run at a time anyway). Handing it to a
    # worker thread and back, and two checks of a process each holding a transaction, cost more than the
    # waits on the database the pool overlaps: on PostgreSQL, 2 processes answered 18-23% more checks a
    # second, each check costing the server process 15% less CPU and the database 16% less
    # (benchmarks/RESULTS.md, seventeenth session). Serve with as many processes as cores. What it gives
    # up: while a check waits (for the database, or for a lock another transaction holds), its process
    # answers nothing else, as the pool's two threads do when both wait.
    # Signed in here, in the check's own transaction. Its reads, the sign-in's among them, are key and
    # index lookups: planned once.
    plan_once(db)
    actor = authenticate_actor(request, db, credentials)
    result = deconfliction.check_operation(db, actor, body.operation_id, rules=rules)
    db.commit()
    # Its JSON made here, from the model it was validated as: returned as a model, FastAPI would validate
    # it again before writing the same JSON.
    answer = CheckResultPublic.model_validate(result, from_attributes=True)
    return Response(answer.model_dump_json(), media_type="application/json")


@router.get("/notifications")
def my_notifications(
    db: SessionDep, actor: CurrentActor, unread_only: bool = False
) -> NotificationListPublic:
    """Notices to your agency, newest first: new, changed, lapsed, resolved, escalated, outcomes."""
    notices = deconfliction.my_notifications(db, actor, unread_only=unread_only)
    db.commit()
    return NotificationListPublic.model_validate({"notifications": [asdict(n) for n in notices]})


@router.post("/notifications/read")
def mark_read(body: NotificationsRead, db: SessionDep, actor: CurrentActor) -> ReadCountPublic:
    """Mark notices read (your agency's; the desk's too for the desk). Returns how many changed."""
    count = deconfliction.mark_notifications_read(db, actor, body.ids)
    db.commit()
    return ReadCountPublic(marked_read=count)


@router.get("/geography")
def geography(request: Request, actor: CurrentActor) -> dict[str, Any]:
    """The area's boundary and wards as GeoJSON (with ``bbox``), which the maps draw with no tiles."""
    authorise(actor, Action.OPERATION_VIEW)
    settings: Settings = request.app.state.settings
    try:
        outline = map_outline(settings)
    except ConfigurationError as error:
        raise HTTPException(503, detail=str(error)) from None
    if outline is None:
        raise HTTPException(
            404,
            detail="no map outline is configured: set CRIMELINK_MAP_OUTLINE_FILE, or generate the demo borough",
        )
    return outline


@router.get("/desk")
def desk_board(db: SessionDep, rules: RulesDep, actor: CurrentActor) -> DeskBoardPublic:
    """The desk's board: open conflicts by grade (overdue red first), and those closed in the last week."""
    board = deconfliction.desk_board(db, actor, rules=rules)
    db.commit()
    return DeskBoardPublic.model_validate(board, from_attributes=True)


@router.get("/desk/notifications")
def desk_notifications(
    db: SessionDep, actor: CurrentActor, unread_only: bool = False
) -> NotificationListPublic:
    """The desk's own notices, newest first."""
    notices = deconfliction.desk_notifications(db, actor, unread_only=unread_only)
    db.commit()
    return NotificationListPublic.model_validate({"notifications": [asdict(n) for n in notices]})


@router.post("/desk/escalate")
def escalate(db: SessionDep, rules: RulesDep, actor: CurrentActor) -> EscalatedPublic:
    """Escalate every red conflict left unresolved past the escalation time (each once)."""
    escalated = deconfliction.escalate_overdue(db, actor, rules=rules)
    db.commit()
    return EscalatedPublic(escalated=escalated)


@router.post("/desk/check-all")
def check_all(db: SessionDep, rules: RulesDep, actor: CurrentActor) -> CheckAllPublic:
    """Check every live operation again and lapse the conflicts of expired interests (after linkage)."""
    summary = deconfliction.check_all(db, actor, rules=rules)
    db.commit()
    return CheckAllPublic.model_validate(summary, from_attributes=True)


@router.get("/conflicts/{conflict_id}")
def desk_conflict(
    conflict_id: IdPath, db: SessionDep, rules: RulesDep, actor: CurrentActor
) -> DeskConflictPublic:
    """A conflict in full: both sides, the reasons, and what each side was told (the desk only)."""
    view = deconfliction.desk_conflict(db, actor, conflict_id, rules=rules)
    db.commit()
    return DeskConflictPublic.model_validate(view, from_attributes=True)


@router.post("/conflicts/{conflict_id}/claim", responses=_STATUS)
def claim(conflict_id: IdPath, db: SessionDep, rules: RulesDep, actor: CurrentActor) -> DeskConflictPublic:
    """Take ownership of an open conflict."""
    view = deconfliction.claim_conflict(db, actor, conflict_id, rules=rules)
    db.commit()
    return DeskConflictPublic.model_validate(view, from_attributes=True)


@router.post("/conflicts/{conflict_id}/resolve", responses=_STATUS)
def resolve(
    conflict_id: IdPath, body: ResolutionCreate, db: SessionDep, rules: RulesDep, actor: CurrentActor
) -> DeskConflictPublic:
    """Record proceed, joint, delay, cancel (delay and cancel name the operation giving way) or no
    conflict, with a rationale. Each side is told blind; cancel cancels the operation named."""
    view = deconfliction.resolve_conflict(
        db,
        actor,
        conflict_id,
        resolution=body.resolution,
        rationale=body.rationale,
        yielding_operation_id=body.yielding_operation_id,
        rules=rules,
    )
    db.commit()
    return DeskConflictPublic.model_validate(view, from_attributes=True)
