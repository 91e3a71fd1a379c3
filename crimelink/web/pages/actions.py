"""Actions: your agency's actions with the moves you may make, one action's page with its history, and
linking an action to its operation (or registering the operation from the action).

JSON twins: /api/actions, /api/actions/{id}, /api/actions/{id}/move, /api/actions/{id}/operation and
/api/actions/{id}/operation/new. The plan behind an action is named only to readers of plans; its
operation is linked only for its own agency (and the desk), as deconfliction's blind rule says.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access import Action, allowed
from crimelink.api.deps import RulesDep, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.domain import ActionStatus, OperationType, Visibility
from crimelink.errors import InvalidInputError
from crimelink.services import deconfliction, disruption_plans
from crimelink.services.auth import SignedIn
from crimelink.services.plan_actions import move_action
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.pages.operation_form import local_input, parse_local
from crimelink.web.pages.operations import type_label
from crimelink.web.pages.plans import number, shared
from crimelink.web.pages.records import without_nul
from crimelink.web.rendering import render, today

router = APIRouter()

DONE = {
    "moved": "Action moved on.",
    "linked": "Action linked: it follows its operation through deconfliction from now on.",
}
OPERATION_FIELDS = (
    "name",
    "officer",
    "contact_24h",
    "operation_type",
    "visibility",
    "starts_at",
    "ends_at",
    "address",
    "postcode",
    "latitude",
    "longitude",
    "radius_m",
    "target_entity_id",
    "group_id",
    "retrospective_reason",
)
OPERATION_LABELS = {
    "name": "Operation name",
    "officer": "Officer in charge",
    "contact_24h": "24-hour contact",
    "operation_type": "Type",
    "visibility": "Overt or covert",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "address": "Address",
    "postcode": "Postcode",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "radius_m": "Radius (metres)",
    "target_entity_id": "Target (entity number)",
    "group_id": "Organised crime group number",
    "retrospective_reason": "Why it was not registered before it started",
    "operation_id": "Operation",
}


def _back(value: str, action_id: int) -> str:
    """Where a move form returns to: a page of ours, never another site."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return f"/actions/{action_id}"


# --- my agency's actions --------------------------------------------------------------------------


def _list_page(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    *,
    status: str,
    overdue: bool,
    errors: dict[str, str],
    notes: dict[int, str],
    notice: str = "",
    status_code: int = 200,
) -> Response:
    views = disruption_plans.my_actions(
        db, viewer.actor, today=today(), status=status or None, overdue_only=overdue
    )
    db.commit()  # the view's audit event
    query = "&".join(
        part for part in (f"status={status}" if status else "", "overdue=true" if overdue else "") if part
    )
    return render(
        request,
        "actions/list.html",
        viewer=viewer,
        title="Actions",
        status_code=status_code,
        json_url="/api/actions" + (f"?{query}" if query else ""),
        nav_key="actions",
        notice=notice,
        actions=views,
        errors=errors,
        notes=notes,
        filters={"status": status, "overdue": overdue},
        back=f"/actions?{query}" if query else "/actions",
        **shared(),
    )


@router.get("/actions")
def actions_page(
    request: Request, viewer: Viewer, db: SessionDep, status: str = "", overdue: str = "", done: str = ""
) -> Response:
    status = status if status in ActionStatus.__members__ else ""
    return _list_page(
        request,
        viewer,
        db,
        status=status,
        overdue=bool(overdue),
        errors={},
        notes={},
        notice=DONE.get(done, ""),
    )


# --- one action -----------------------------------------------------------------------------------


def _action_page(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    action_id: int,
    *,
    errors: dict[str, str],
    note: str = "",
    notice: str = "",
    status_code: int = 200,
) -> Response:
    view = disruption_plans.read_action(db, viewer.actor, action_id, today=today())
    operations = disruption_plans.linkable_operations(db, viewer.actor, view)
    db.commit()  # the views' audit events
    actor = viewer.actor
    open_action = view.status not in (ActionStatus.DONE, ActionStatus.ABANDONED)
    may_link = (
        open_action
        and view.operation_id is None
        and (
            allowed(actor, Action.PLAN_MANAGE)
            or (view.agency_id == actor.agency_id and allowed(actor, Action.ACTION_UPDATE))
        )
    )
    return render(
        request,
        "actions/action.html",
        viewer=viewer,
        title=view.title,
        status_code=status_code,
        json_url=f"/api/actions/{action_id}",
        nav_key="actions",
        notice=notice,
        action=view,
        errors=errors,
        note=note,
        may_open_operation=disruption_plans.may_open_operation(actor, view),
        meeting_url=f"/meetings/{view.meeting_id}" if view.meeting_id is not None else "",
        may_link=may_link,
        may_register=may_link
        and view.agency_id == actor.agency_id
        and allowed(actor, Action.OPERATION_REGISTER),
        operations=[(c.value, c.text) for c in operations],
        may_record_outcome=bool(allowed(actor, Action.OUTCOME_RECORD)),
        field_labels={f"note-{action_id}": "Note", **OPERATION_LABELS},
        **shared(),
    )


@router.get("/actions/{action_id}")
def action_page(
    request: Request, action_id: IdPath, viewer: Viewer, db: SessionDep, done: str = ""
) -> Response:
    return _action_page(request, viewer, db, action_id, errors={}, notice=DONE.get(done, ""))


@router.post("/actions/{action_id}/move")
def move(request: Request, action_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    note = without_nul(text(form, "note"))
    back = _back(text(form, "back"), action_id)
    try:
        move_action(db, viewer.actor, action_id, to_status=text(form, "status"), note=note)
    except InvalidInputError as exc:
        db.rollback()
        problem = exc.problems.get("note") or exc.problems.get("status") or str(exc)
        errors = {f"note-{action_id}": problem}
        if back.startswith("/actions?") or back == "/actions":
            filters = dict(part.split("=", 1) for part in back.partition("?")[2].split("&") if "=" in part)
            return _list_page(
                request,
                viewer,
                db,
                status=filters.get("status", ""),
                overdue=bool(filters.get("overdue")),
                errors=errors,
                notes={action_id: note},
                status_code=400,
            )
        return _action_page(request, viewer, db, action_id, errors=errors, note=note, status_code=400)
    db.commit()
    separator = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{separator}done=moved", status_code=303)


@router.post("/actions/{action_id}/operation")
def link(request: Request, action_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    errors: dict[str, str] = {}
    operation_id = number(text(form, "operation_id"), "operation_id", errors)
    if operation_id is None and not errors:
        errors["operation_id"] = "choose one of your agency's operations"
    if operation_id is not None:
        try:
            disruption_plans.link_operation(db, viewer.actor, action_id, operation_id)
        except InvalidInputError as exc:
            db.rollback()
            if exc.problems.keys() == {"status"}:
                raise
            errors["operation_id"] = next(iter(exc.problems.values()))
    if errors:
        return _action_page(request, viewer, db, action_id, errors=errors, status_code=400)
    db.commit()
    return RedirectResponse(f"/actions/{action_id}?done=linked", status_code=303)


# --- registering the action's operation -----------------------------------------------------------


def _operation_page(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    action_id: int,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    view = disruption_plans.read_action(db, viewer.actor, action_id, today=today())
    db.commit()
    return render(
        request,
        "actions/operation_form.html",
        viewer=viewer,
        title="Register the action's operation",
        status_code=status_code,
        json_url=f"/api/actions/{action_id}",
        nav_key="actions",
        action=view,
        values=values,
        errors=errors,
        field_labels=OPERATION_LABELS,
        types=[(t.value, type_label(t.value)) for t in OperationType],
        visibilities=[(v.value, v.value.title()) for v in Visibility],
    )


@router.get("/actions/{action_id}/operation/new")
def new_operation_page(request: Request, action_id: IdPath, viewer: Viewer, db: SessionDep) -> Response:
    draft = disruption_plans.operation_draft(db, viewer.actor, action_id)
    target = next((t.entity_id for t in draft.targets if t.entity_id), None)
    values = dict.fromkeys(OPERATION_FIELDS, "")
    values.update(
        name=draft.name,
        officer=draft.officer,
        contact_24h=draft.contact_24h,
        operation_type=draft.operation_type,
        visibility=Visibility.OVERT.value,
        starts_at=local_input(draft.starts_at),
        ends_at=local_input(draft.ends_at),
        radius_m="300",
        target_entity_id=str(target or ""),
        group_id=str(draft.group_id or ""),
    )
    return _operation_page(request, viewer, db, action_id, values=values, errors={})


def _operation_input(values: dict[str, str], errors: dict[str, str]) -> deconfliction.OperationInput:
    starts = parse_local(values["starts_at"], "starts_at", errors)
    ends = parse_local(values["ends_at"], "ends_at", errors)
    point: dict[str, float | None] = {}
    for name in ("latitude", "longitude", "radius_m"):
        point[name] = None
        if values[name]:
            try:
                point[name] = float(values[name])
            except ValueError:
                errors[name] = (
                    "enter a number, e.g. 51.538" if name != "radius_m" else "enter metres, e.g. 300"
                )
    place = any(values[name] for name in ("address", "postcode", "latitude", "longitude"))
    locations = (
        [
            deconfliction.LocationInput(
                address=values["address"],
                postcode=values["postcode"] or None,
                latitude=point["latitude"],
                longitude=point["longitude"],
                radius_m=point["radius_m"],
            )
        ]
        if place
        else []
    )
    target = number(values["target_entity_id"], "target_entity_id", errors)
    group = number(values["group_id"], "group_id", errors)
    return deconfliction.OperationInput(
        name=values["name"],
        officer=values["officer"],
        contact_24h=values["contact_24h"],
        operation_type=values["operation_type"],
        starts_at=starts,
        ends_at=ends,
        visibility=values["visibility"] or Visibility.OVERT.value,
        locations=locations,
        targets=[deconfliction.TargetInput("ENTITY", entity_id=target)] if target else [],
        group_id=group,
        retrospective_reason=values["retrospective_reason"] or None,
    )


def _field_of(problem_key: str) -> str:
    """The form field a service problem is about (``locations[0].postcode`` is ``postcode``)."""
    name = problem_key.rsplit(".", 1)[-1]
    if problem_key.startswith("targets"):
        return "target_entity_id"
    if problem_key in ("locations", "locations[0]"):
        return "address"
    return name if name in OPERATION_LABELS else "name"


@router.post("/actions/{action_id}/operation/new")
def register_operation(
    request: Request, action_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep, rules: RulesDep
) -> Response:
    values = {name: without_nul(text(form, name)) for name in OPERATION_FIELDS}
    errors: dict[str, str] = {}
    data = _operation_input(values, errors)
    if not errors:
        try:
            result = disruption_plans.create_operation(
                db, viewer.actor, action_id, data, submit=text(form, "submit_mode") == "submit", rules=rules
            )
        except InvalidInputError as exc:
            db.rollback()
            if exc.problems.keys() <= {"status", "operation_id"}:
                raise
            for key, problem in exc.problems.items():
                errors.setdefault(_field_of(key), problem)
    if errors:
        return _operation_page(request, viewer, db, action_id, values=values, errors=errors, status_code=400)
    db.commit()
    return RedirectResponse(f"/operations/{result.operation.id}", status_code=303)
