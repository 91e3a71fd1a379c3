"""The deconfliction desk: the board of every conflict, one conflict in full, claim, resolve, escalate.

JSON twins: /api/deconfliction/desk, /api/deconfliction/conflicts/{id} (with claim and resolve),
/api/deconfliction/desk/escalate and /api/deconfliction/desk/notifications. Only the desk role opens
these pages (``deconfliction.board``; acting needs ``deconfliction.resolve``). The desk sees both sides
in full, the reasons, and what each side was told; it records proceed, joint, delay or cancel (naming
the operation that gives way) or no conflict, always with a rationale, which the sides never see.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access import Action
from crimelink.api.deps import RulesDep, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.domain import Classification
from crimelink.errors import ConflictError, InvalidInputError
from crimelink.services import deconfliction
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.pages.operations import shared_context
from crimelink.web.pages.records import without_nul
from crimelink.web.rendering import render

router = APIRouter()

FIELD_LABELS = {
    "resolution": "What was agreed",
    "yielding_operation_id": "The operation that gives way",
    "rationale": "Rationale",
    "conflict": "Conflict",
}
RESOLUTION_HINTS = {
    "PROCEED": "Both go ahead as planned, knowing of each other.",
    "JOINT": "The agencies run it together.",
    "DELAY": "One operation waits: name it.",
    "CANCEL": "One operation is called off: name it (it is cancelled).",
    "NO_CONFLICT": "On a closer look they do not collide.",
}
DONE = {
    "claim": "Conflict claimed: it is yours to resolve.",
    "resolve": "Resolution recorded; both sides told.",
}


@router.get("/deconfliction")
def board_page(
    request: Request, viewer: Viewer, db: SessionDep, rules: RulesDep, escalated: str = ""
) -> Response:
    board = deconfliction.desk_board(db, viewer.actor, rules=rules)
    notices = deconfliction.desk_notifications(db, viewer.actor, unread_only=True)
    db.commit()  # the views' audit events
    notice = ""
    if escalated.isdigit() and len(escalated) < 6:
        notice = f"{escalated} overdue red conflict{'' if escalated == '1' else 's'} escalated to the duty inspector."
    return render(
        request,
        "deconfliction/board.html",
        viewer=viewer,
        title="Deconfliction desk",
        marking=Classification.OFFICIAL_SENSITIVE,
        json_url="/api/deconfliction/desk",
        nav_key="deconfliction",
        notice=notice,
        board=board,
        notices=notices[:20],
        **shared_context(),
    )


@router.post("/deconfliction/escalate")
def escalate(viewer: Viewer, form: CheckedForm, db: SessionDep, rules: RulesDep) -> Response:
    escalated = deconfliction.escalate_overdue(db, viewer.actor, rules=rules)
    db.commit()
    return RedirectResponse(f"/deconfliction?escalated={len(escalated)}", status_code=303)


@router.get("/deconfliction/conflicts/{conflict_id}")
def conflict_page(
    request: Request, conflict_id: IdPath, viewer: Viewer, db: SessionDep, rules: RulesDep, done: str = ""
) -> Response:
    view = deconfliction.desk_conflict(db, viewer.actor, conflict_id, rules=rules)
    db.commit()
    return _conflict_page(request, viewer, view, values={}, errors={}, notice=DONE.get(done, ""))


def _conflict_page(
    request: Request,
    viewer: SignedIn,
    view: deconfliction.DeskConflictView,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    notice: str = "",
    status_code: int = 200,
) -> Response:
    sides = [s.operation for s in (view.first, view.second) if s.operation is not None]
    return render(
        request,
        "deconfliction/conflict.html",
        viewer=viewer,
        title=f"Conflict {view.id}: {view.first.title} and {view.second.title}",
        status_code=status_code,
        marking=Classification.OFFICIAL_SENSITIVE,
        json_url=f"/api/deconfliction/conflicts/{view.id}",
        nav_key="deconfliction",
        notice=notice,
        view=view,
        values=values,
        errors=errors,
        field_labels=FIELD_LABELS,
        resolution_hints=RESOLUTION_HINTS,
        yielding_choices=[(str(o.id), f"Operation {o.id}: {o.name} ({o.agency_code})") for o in sides],
        **shared_context(),
    )


@router.post("/deconfliction/conflicts/{conflict_id}/claim")
def claim(
    conflict_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep, rules: RulesDep
) -> Response:
    deconfliction.claim_conflict(db, viewer.actor, conflict_id, rules=rules)
    db.commit()
    return RedirectResponse(f"/deconfliction/conflicts/{conflict_id}?done=claim", status_code=303)


@router.post("/deconfliction/conflicts/{conflict_id}/resolve")
def resolve(
    request: Request, conflict_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep, rules: RulesDep
) -> Response:
    """Record what was agreed; come back with each problem next to its field."""
    authorise(viewer.actor, Action.DECONFLICTION_RESOLVE)
    values = {
        name: without_nul(text(form, name)) for name in ("resolution", "yielding_operation_id", "rationale")
    }
    errors: dict[str, str] = {}
    if not values["resolution"]:
        errors["resolution"] = "choose what was agreed"
    yielding = values["yielding_operation_id"]
    if yielding and not (yielding.isdigit() and len(yielding) < 19):
        errors["yielding_operation_id"] = "choose an operation from the list"
    if not errors:
        try:
            deconfliction.resolve_conflict(
                db,
                viewer.actor,
                conflict_id,
                resolution=values["resolution"],
                rationale=values["rationale"],
                yielding_operation_id=int(yielding) if yielding else None,
                rules=rules,
            )
        except InvalidInputError as exc:
            db.rollback()
            errors = {
                (name if name in FIELD_LABELS else "rationale"): problem
                for name, problem in exc.problems.items()
            }
            view = deconfliction.desk_conflict(db, viewer.actor, conflict_id, rules=rules)
            db.commit()
            status_code = 409 if isinstance(exc, ConflictError) else 400
            return _conflict_page(
                request, viewer, view, values=values, errors=errors, status_code=status_code
            )
    if errors:
        view = deconfliction.desk_conflict(db, viewer.actor, conflict_id, rules=rules)
        db.commit()
        return _conflict_page(request, viewer, view, values=values, errors=errors, status_code=400)
    db.commit()
    return RedirectResponse(f"/deconfliction/conflicts/{conflict_id}?done=resolve", status_code=303)
