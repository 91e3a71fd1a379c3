"""Your agency's operations: the list with their conflicts (blind), one operation, its status, the map.

JSON twins: /api/operations, /api/operations/{id} (and its submit, check, start, complete and cancel),
/api/operations/conflicts, /api/operations/map and /api/deconfliction/notifications. An agency sees its
own operations in full and the other side of each conflict only as the blind rule allows: the agency and
whom to call, or for another agency's covert operation only "Hold: contact the police SOC desk". The map
(``static/opmap.js``) draws the area's outline served by the application, so it needs no internet, and
tiles only when a tile server is configured; it shows the operations the viewer may see (their agency's;
the desk: every agency's) and nothing of anyone else's.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access import Action, allowed
from crimelink.api.deps import RulesDep, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.domain import Classification
from crimelink.domain.deconfliction import ConflictKind
from crimelink.errors import ConfigurationError, ConflictError, InvalidInputError
from crimelink.services import deconfliction
from crimelink.services.auth import SignedIn
from crimelink.services.map_outline import map_outline
from crimelink.settings import Settings
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.pages.records import without_nul
from crimelink.web.rendering import render

router = APIRouter()

try:
    LOCAL = ZoneInfo("Europe/London")
except ZoneInfoNotFoundError:  # no time zone database: UTC, as the rest of the pages do
    LOCAL = ZoneInfo("UTC")

TYPE_LABELS = {
    "UNDERCOVER_TEST_PURCHASE": "Undercover test purchase",
    "MULTI_AGENCY_DAY_OF_ACTION": "Multi-agency day of action",
    "HOUSING_HMO_INSPECTION": "Housing (HMO) inspection",
    "ENV_ENFORCEMENT_FLYTIP_OP": "Fly-tipping enforcement operation",
    "EA_SITE_VISIT": "Environment Agency site visit",
    "GLAA_INSPECTION": "GLAA inspection",
}
STATUS_LABELS = {
    "DRAFT": "Draft",
    "SUBMITTED": "Submitted",
    "CONFLICT_PENDING": "Conflict pending",
    "CLEARED": "Cleared",
    "ACTIVE": "Active",
    "COMPLETED": "Completed",
    "CANCELLED": "Cancelled",
}
STATUS_CLASSES = {
    "DRAFT": "status-ended",
    "SUBMITTED": "status-warning",
    "CONFLICT_PENDING": "status-warning",
    "CLEARED": "status-ok",
    "ACTIVE": "status-ok",
    "COMPLETED": "status-ended",
    "CANCELLED": "status-ended",
}
GRADE_CLASSES = {"RED": "grade-red", "AMBER": "grade-amber", "INFORMATION": "grade-information"}
RESOLUTION_LABELS = {
    "PROCEED": "Proceed",
    "JOINT": "Run jointly",
    "DELAY": "Delay",
    "CANCEL": "Cancel",
    "NO_CONFLICT": "No conflict",
}
EVENT_LABELS = {
    "CONFLICT": "New conflict",
    "REGRADED": "Conflict regraded",
    "LAPSED": "Conflict lapsed",
    "RESOLVED": "Conflict resolved",
    "ESCALATED": "Conflict escalated",
    "OUTCOME": "Outcome to ask about",
}
DONE = {
    "registered": "Operation registered.",
    "changed": "Operation changed and checked again.",
    "submit": "Submitted and checked.",
    "check": "Checked again.",
    "start": "Operation started: it is active.",
    "complete": "Completion recorded: agencies with an interest in its targets have been told.",
    "cancel": "Operation cancelled: the other sides of its conflicts have been told.",
}
ACTIONS = ("submit", "check", "start", "complete", "cancel")


def type_label(value: str) -> str:
    """An operation type in words.

    >>> type_label("GLAA_INSPECTION"), type_label("SEARCH_WARRANT")
    ('GLAA inspection', 'Search warrant')
    """
    return TYPE_LABELS.get(value) or value.replace("_", " ").capitalize()


def kind_words(value: str) -> str:
    try:
        return ConflictKind(value).words
    except ValueError:
        return value.lower()


def map_settings(request: Request) -> dict[str, Any]:
    """What the map script needs: the outline's URL (if one is configured), tiles, their credit."""
    settings: Settings = request.app.state.settings
    problem = ""
    try:
        outline = map_outline(settings)
    except ConfigurationError as error:
        outline, problem = None, str(error)
    return {
        "outline_url": "/api/deconfliction/geography" if outline is not None else "",
        "outline_name": next(
            (
                f["properties"]["name"]
                for f in (outline or {}).get("features", [])
                if f["properties"]["kind"] == "borough"
            ),
            "",
        ),
        "tile_url": settings.map_tile_url or "",
        "attribution": settings.map_tile_attribution,
        "problem": problem,
    }


def check_summary(view: deconfliction.OperationView) -> str:
    """What the check says now, as the submitter was told it (RISSafe: accepted with or without conflict)."""
    if view.status == "DRAFT":
        return "A draft: not checked until you submit it."
    if view.status in ("COMPLETED", "CANCELLED"):
        return ""
    open_conflicts = [c for c in view.conflicts if c.status == "OPEN"]
    holds = sum(1 for c in open_conflicts if c.counterpart.hold)
    if not open_conflicts:
        return "Accepted with no open conflict."
    words = f"Accepted with {len(open_conflicts)} open conflict{'s' if len(open_conflicts) != 1 else ''}"
    if holds:
        return f"{words}, {holds} of them a hold: contact the desk before you act."
    return f"{words}: contact the agencies named."


def shared_context() -> dict[str, Any]:
    return {
        "type_label": type_label,
        "kind_words": kind_words,
        "status_labels": STATUS_LABELS,
        "status_classes": STATUS_CLASSES,
        "grade_classes": GRADE_CLASSES,
        "resolution_labels": RESOLUTION_LABELS,
        "event_labels": EVENT_LABELS,
    }


# --- the list ----------------------------------------------------------------------------------


@router.get("/operations")
def operations_page(
    request: Request, viewer: Viewer, db: SessionDep, rules: RulesDep, closed: str = ""
) -> Response:
    include_closed = closed == "yes"
    operations = deconfliction.my_operations(db, viewer.actor, include_closed=include_closed, rules=rules)
    conflicts = deconfliction.my_conflicts(db, viewer.actor, rules=rules)
    unread = deconfliction.my_notifications(db, viewer.actor, unread_only=True)
    db.commit()  # the views' audit events
    marking = (
        Classification.OFFICIAL_SENSITIVE
        if any(o.classification == Classification.OFFICIAL_SENSITIVE.value for o in operations)
        else Classification.OFFICIAL
    )
    return render(
        request,
        "operations/list.html",
        viewer=viewer,
        title="Operations",
        marking=marking,
        json_url="/api/operations" + ("?include_closed=true" if include_closed else ""),
        nav_key="operations",
        operations=operations,
        conflicts=conflicts,
        unread=len(unread),
        include_closed=include_closed,
        may_register=bool(allowed(viewer.actor, Action.OPERATION_REGISTER)),
        may_flag=bool(allowed(viewer.actor, Action.INTEREST_REGISTER)),
        **shared_context(),
    )


# --- one operation -----------------------------------------------------------------------------


@router.get("/operations/map")
def map_page(request: Request, viewer: Viewer, db: SessionDep) -> Response:
    """The operations the viewer may see, on the area's outline; a table lists the same."""
    found = deconfliction.operations_map(db, viewer.actor)
    db.commit()
    is_desk = bool(allowed(viewer.actor, Action.DECONFLICTION_BOARD))
    return render(
        request,
        "operations/map.html",
        viewer=viewer,
        title="Map of current operations",
        marking=Classification.OFFICIAL_SENSITIVE if found else Classification.OFFICIAL,
        json_url="/api/operations/map",
        nav_key="operations",
        operations=found,
        is_desk=is_desk,
        map=map_settings(request),
        **shared_context(),
    )


@router.get("/operations/notifications")
def notifications_page(request: Request, viewer: Viewer, db: SessionDep, done: str = "") -> Response:
    notices = deconfliction.my_notifications(db, viewer.actor)
    db.commit()
    marked = done.isdigit() and len(done) < 6
    return render(
        request,
        "operations/notifications.html",
        viewer=viewer,
        title="Deconfliction notices",
        json_url="/api/deconfliction/notifications",
        nav_key="operations",
        notice=f"{done} notice{'' if done == '1' else 's'} marked read." if marked else "",
        notices=notices,
        **shared_context(),
    )


@router.post("/operations/notifications/read")
def mark_read(viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    ids = [int(v) for v in form.getlist("notification") if isinstance(v, str) and v.isdigit() and len(v) < 19]
    count = deconfliction.mark_notifications_read(db, viewer.actor, ids)
    db.commit()
    return RedirectResponse(f"/operations/notifications?done={count}", status_code=303)


@router.get("/operations/{operation_id}")
def operation_page(
    request: Request, operation_id: IdPath, viewer: Viewer, db: SessionDep, rules: RulesDep, done: str = ""
) -> Response:
    view = deconfliction.get_operation(db, viewer.actor, operation_id, rules=rules)
    db.commit()  # the view's audit event
    return _operation_page(request, viewer, view, notice=DONE.get(done, ""))


def _operation_page(
    request: Request,
    viewer: SignedIn,
    view: deconfliction.OperationView,
    *,
    notice: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "operations/operation.html",
        viewer=viewer,
        title=f"Operation {view.id}: {view.name}",
        status_code=status_code,
        marking=Classification(view.marking),
        json_url=f"/api/operations/{view.id}",
        nav_key="operations",
        notice=notice,
        view=view,
        check_summary=check_summary(view),
        values=values or {},
        errors=errors or {},
        may_act=bool(allowed(viewer.actor, Action.OPERATION_REGISTER)),
        map=map_settings(request),
        **shared_context(),
    )


@router.post("/operations/{operation_id}/actions")
def act(
    request: Request, operation_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep, rules: RulesDep
) -> Response:
    """The button pressed names the step: submit, check, start, complete (with an outcome) or cancel
    (with a reason)."""
    action = text(form, "action")
    values = {name: without_nul(text(form, name)) for name in ("reason", "outcome_summary")}
    try:
        if action == "submit":
            deconfliction.submit_operation(db, viewer.actor, operation_id, rules=rules)
        elif action == "check":
            deconfliction.check_operation(db, viewer.actor, operation_id, rules=rules)
        elif action == "start":
            deconfliction.start_operation(db, viewer.actor, operation_id, rules=rules)
        elif action == "complete":
            deconfliction.complete_operation(
                db, viewer.actor, operation_id, outcome_summary=values["outcome_summary"], rules=rules
            )
        elif action == "cancel":
            deconfliction.cancel_operation(
                db, viewer.actor, operation_id, reason=values["reason"], rules=rules
            )
        else:
            raise InvalidInputError("action", f"choose one of {', '.join(ACTIONS)}")
    except InvalidInputError as exc:
        db.rollback()
        view = deconfliction.get_operation(db, viewer.actor, operation_id, rules=rules)
        db.commit()
        errors = {
            (name if name in ("reason", "outcome_summary") else "status"): problem
            for name, problem in exc.problems.items()
        }
        status_code = 409 if isinstance(exc, ConflictError) else 400
        return _operation_page(request, viewer, view, values=values, errors=errors, status_code=status_code)
    db.commit()
    return RedirectResponse(f"/operations/{operation_id}?done={action}", status_code=303)
