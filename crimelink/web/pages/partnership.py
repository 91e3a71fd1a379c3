"""The partnership plan: the plan board, objectives and joint initiatives, with their actions.

JSON twins: /api/partnership/board, /api/partnership/objectives/{id}, /api/partnership/initiatives/{id}.
Every reader of the partnership reads the plan; Organised Crime Advisors and the co-ordinator
(``partnership.manage``) set objectives, run initiatives and give them actions (each action's own page,
``/actions/{id}``, is where the agency moves it on).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from crimelink.access import Action, allowed
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.domain import ClearHoldBuild, FourP, ObjectiveStatus
from crimelink.errors import InvalidInputError
from crimelink.services import partnership_plan as plan
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import many, text
from crimelink.web.pages.records import without_nul
from crimelink.web.rendering import render, today

router = APIRouter()

FOUR_P_LABELS = {
    FourP.PURSUE: "Pursue: prosecute and disrupt",
    FourP.PREVENT: "Prevent: stop people getting involved",
    FourP.PROTECT: "Protect: increase protection",
    FourP.PREPARE: "Prepare: reduce the impact",
}
PHASE_LABELS = {
    ClearHoldBuild.CLEAR: "Clear: enforcement removes the groups",
    ClearHoldBuild.HOLD: "Hold: stabilise so no other group moves in",
    ClearHoldBuild.BUILD: "Build: long-term community resilience",
}
OBJECTIVE_LABELS = {
    "title": "Objective",
    "four_p": "Under which P",
    "phase": "Clear-Hold-Build phase",
    "owner_agency_id": "Owning agency",
    "measure": "How it is measured",
    "description": "Description",
    "status": "Status",
}
INITIATIVE_LABELS = {
    "name": "Name",
    "lead_agency_id": "Lead agency",
    "partner_agency_ids": "Partner agencies",
    "objective_id": "Objective it serves",
    "phase": "Clear-Hold-Build phase",
    "area": "Where",
    "starts_on": "Starts on",
    "ends_on": "Ends on",
    "measures": "Measures",
    "description": "Description",
}
ACTION_LABELS = {
    "title": "What is to be done",
    "agency_id": "Agency it is given to",
    "assignee": "Officer (assignee)",
    "due_on": "Due on",
    "description": "Details",
}
DONE = {
    "objective": "Objective saved.",
    "initiative": "Initiative saved.",
    "action": "Action given; the agency sees it in its actions.",
    "moved": "Initiative moved on.",
}


# --- helpers shared by the partnership pages ---------------------------------------------------------


def form_values(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    return {name: without_nul(text(form, name)) for name in names}


def form_date(value: str, name: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "enter a date like 2026-12-31"
        return None


def form_number(value: str, name: str, errors: dict[str, str]) -> int | None:
    if not value:
        return None
    if value.isdigit() and len(value) < 19:
        return int(value)
    errors[name] = "choose one from the list"
    return None


def shown_errors(error: InvalidInputError, known: dict[str, str], fallback: str) -> dict[str, str]:
    """A service's problems keyed by the form's fields (unknown ones shown against ``fallback``)."""
    shown: dict[str, str] = {}
    for name, problem in error.problems.items():
        shown.setdefault(name if name in known else fallback, problem)
    return shown


def may(viewer: SignedIn, action: Action) -> bool:
    return bool(allowed(viewer.actor, action))


def agency_options(db: SessionDep) -> list[tuple[str, str]]:
    return [(str(a.id), f"{a.name} ({a.code})") for a in plan.agency_choices(db)]


def _context(db: SessionDep) -> dict[str, Any]:
    return {
        "four_p_labels": FOUR_P_LABELS,
        "phase_labels": PHASE_LABELS,
        "four_p_choices": [(p.value, label) for p, label in FOUR_P_LABELS.items()],
        "phase_choices": [(p.value, label) for p, label in PHASE_LABELS.items()],
        "agency_options": agency_options(db),
        "action_labels": ACTION_LABELS,
    }


# --- the board ---------------------------------------------------------------------------------------


@router.get("/plan")
def board_page(
    request: Request, viewer: Viewer, db: SessionDep, closed: str = "", done: str = ""
) -> Response:
    board = plan.plan_board(db, viewer.actor, today=today(), include_closed=bool(closed))
    db.commit()
    return render(
        request,
        "partnership/board.html",
        viewer=viewer,
        title="Partnership plan",
        json_url="/api/partnership/board" + ("?include_closed=true" if closed else ""),
        nav_key="plan",
        notice=DONE.get(done, ""),
        board=board,
        may_manage=may(viewer, Action.PARTNERSHIP_MANAGE),
        **_context(db),
    )


# --- objectives -------------------------------------------------------------------------------------

OBJECTIVE_FIELDS = ("title", "four_p", "phase", "owner_agency_id", "measure", "description", "status")


def _objective_form(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    objective_id: int | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "partnership/objective_form.html",
        viewer=viewer,
        title="Change the objective" if objective_id else "Add an objective",
        status_code=status_code,
        json_url="/api/partnership/objectives",
        nav_key="plan",
        values=values,
        errors=errors,
        field_labels=OBJECTIVE_LABELS,
        objective_id=objective_id,
        status_choices=[(s.value, s.value.title()) for s in ObjectiveStatus],
        **_context(db),
    )


@router.get("/plan/objectives/new")
def new_objective(request: Request, viewer: Viewer, db: SessionDep, four_p: str = "") -> Response:
    authorise(viewer.actor, Action.PARTNERSHIP_MANAGE)
    return _objective_form(
        request, viewer, db, values={"four_p": four_p.upper(), "status": "ACTIVE"}, errors={}
    )


def _save_objective(
    request: Request, viewer: SignedIn, form: FormData, db: SessionDep, objective_id: int | None
) -> Response:
    authorise(viewer.actor, Action.PARTNERSHIP_MANAGE)
    values = form_values(form, OBJECTIVE_FIELDS)
    errors: dict[str, str] = {}
    owner = form_number(values["owner_agency_id"], "owner_agency_id", errors)
    data = plan.ObjectiveInput(
        title=values["title"],
        four_p=values["four_p"],
        description=values["description"],
        phase=values["phase"] or None,
        owner_agency_id=owner,
        measure=values["measure"],
        status=values["status"] or "ACTIVE",
    )
    saved_id = objective_id
    if not errors:
        try:
            if objective_id is None:
                saved_id = plan.create_objective(db, viewer.actor, data).id
            else:
                plan.update_objective(db, viewer.actor, objective_id, data)
        except InvalidInputError as error:
            db.rollback()
            errors = shown_errors(error, OBJECTIVE_LABELS, "title")
    if errors:
        return _objective_form(
            request, viewer, db, values=values, errors=errors, objective_id=objective_id, status_code=400
        )
    db.commit()
    return RedirectResponse(f"/plan/objectives/{saved_id}?done=objective", status_code=303)


@router.post("/plan/objectives/new")
def create_objective(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    return _save_objective(request, viewer, form, db, None)


@router.get("/plan/objectives/{objective_id}/edit")
def edit_objective(objective_id: IdPath, request: Request, viewer: Viewer, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.PARTNERSHIP_MANAGE)
    view = plan.get_objective(db, viewer.actor, objective_id, today=today())
    db.commit()
    values = {
        "title": view.title,
        "four_p": view.four_p.value,
        "phase": view.phase.value if view.phase else "",
        "owner_agency_id": str(view.owner_agency.id) if view.owner_agency else "",
        "measure": view.measure,
        "description": view.description,
        "status": view.status.value,
    }
    return _objective_form(request, viewer, db, values=values, errors={}, objective_id=objective_id)


@router.post("/plan/objectives/{objective_id}/edit")
def update_objective(
    objective_id: IdPath, request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    return _save_objective(request, viewer, form, db, objective_id)


def _objective_page(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    objective_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    view = plan.get_objective(db, viewer.actor, objective_id, today=today())
    db.commit()
    return render(
        request,
        "partnership/objective.html",
        viewer=viewer,
        title=view.title,
        status_code=status_code,
        json_url=f"/api/partnership/objectives/{objective_id}",
        nav_key="plan",
        notice=notice,
        objective=view,
        may_manage=may(viewer, Action.PARTNERSHIP_MANAGE),
        values=values or {},
        errors=errors or {},
        action_url=f"/plan/objectives/{objective_id}/actions",
        **_context(db),
    )


@router.get("/plan/objectives/{objective_id}")
def objective_page(
    objective_id: IdPath, request: Request, viewer: Viewer, db: SessionDep, done: str = ""
) -> Response:
    return _objective_page(request, viewer, db, objective_id, notice=DONE.get(done, ""))


ACTION_FIELDS = ("title", "agency_id", "assignee", "due_on", "description")


def _add_action(
    viewer: SignedIn, form: FormData, db: SessionDep, *, objective_id: int | None, initiative_id: int | None
) -> tuple[dict[str, str], dict[str, str]]:
    authorise(viewer.actor, Action.PARTNERSHIP_MANAGE)
    values = form_values(form, ACTION_FIELDS)
    errors: dict[str, str] = {}
    due_on = form_date(values["due_on"], "due_on", errors)
    agency = form_number(values["agency_id"], "agency_id", errors)
    if agency is None and "agency_id" not in errors:
        errors["agency_id"] = "choose the agency the action is given to"
    if not errors and agency is not None:
        try:
            plan.add_plan_action(
                db,
                viewer.actor,
                objective_id=objective_id,
                initiative_id=initiative_id,
                title=values["title"],
                agency_id=agency,
                due_on=due_on,
                assignee=values["assignee"],
                description=values["description"],
            )
        except InvalidInputError as error:
            db.rollback()
            errors = shown_errors(error, ACTION_LABELS, "title")
    return values, errors


@router.post("/plan/objectives/{objective_id}/actions")
def add_objective_action(
    objective_id: IdPath, request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    values, errors = _add_action(viewer, form, db, objective_id=objective_id, initiative_id=None)
    if errors:
        return _objective_page(
            request, viewer, db, objective_id, values=values, errors=errors, status_code=400
        )
    db.commit()
    return RedirectResponse(f"/plan/objectives/{objective_id}?done=action", status_code=303)


# --- initiatives ------------------------------------------------------------------------------------

INITIATIVE_FIELDS = (
    "name",
    "lead_agency_id",
    "objective_id",
    "phase",
    "area",
    "starts_on",
    "ends_on",
    "measures",
    "description",
)


def _initiative_form(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    *,
    values: dict[str, str],
    partners: list[str],
    errors: dict[str, str],
    initiative_id: int | None = None,
    status_code: int = 200,
) -> Response:
    objectives = plan.list_objectives(db, viewer.actor, today=today())
    db.commit()
    return render(
        request,
        "partnership/initiative_form.html",
        viewer=viewer,
        title="Change the initiative" if initiative_id else "Plan a joint initiative",
        status_code=status_code,
        json_url="/api/partnership/initiatives",
        nav_key="plan",
        values=values,
        partners=partners,
        errors=errors,
        field_labels=INITIATIVE_LABELS,
        initiative_id=initiative_id,
        objective_options=[(str(o.id), f"{o.title} ({o.four_p.value.title()})") for o in objectives],
        **_context(db),
    )


@router.get("/plan/initiatives/new")
def new_initiative(request: Request, viewer: Viewer, db: SessionDep, objective: str = "") -> Response:
    authorise(viewer.actor, Action.PARTNERSHIP_MANAGE)
    return _initiative_form(request, viewer, db, values={"objective_id": objective}, partners=[], errors={})


def _save_initiative(
    request: Request, viewer: SignedIn, form: FormData, db: SessionDep, initiative_id: int | None
) -> Response:
    authorise(viewer.actor, Action.PARTNERSHIP_MANAGE)
    values = form_values(form, INITIATIVE_FIELDS)
    partners = many(form, "partner_agency_ids")
    errors: dict[str, str] = {}
    starts = form_date(values["starts_on"], "starts_on", errors)
    ends = form_date(values["ends_on"], "ends_on", errors)
    lead = form_number(values["lead_agency_id"], "lead_agency_id", errors)
    if lead is None and "lead_agency_id" not in errors:
        errors["lead_agency_id"] = "choose the lead agency"
    objective = form_number(values["objective_id"], "objective_id", errors)
    partner_ids = [int(p) for p in partners if p.isdigit() and len(p) < 19]
    if len(partner_ids) != len(partners):
        errors["partner_agency_ids"] = "choose partner agencies from the list"
    saved_id = initiative_id
    if not errors and lead is not None:
        data = plan.InitiativeInput(
            name=values["name"],
            lead_agency_id=lead,
            description=values["description"],
            phase=values["phase"] or None,
            area=values["area"],
            starts_on=starts,
            ends_on=ends,
            partner_agency_ids=partner_ids,
            objective_id=objective,
            measures=values["measures"],
        )
        try:
            if initiative_id is None:
                saved_id = plan.create_initiative(db, viewer.actor, data).id
            else:
                plan.update_initiative(db, viewer.actor, initiative_id, data)
        except InvalidInputError as error:
            db.rollback()
            errors = shown_errors(error, INITIATIVE_LABELS, "name")
    if errors:
        return _initiative_form(
            request,
            viewer,
            db,
            values=values,
            partners=partners,
            errors=errors,
            initiative_id=initiative_id,
            status_code=400,
        )
    db.commit()
    return RedirectResponse(f"/plan/initiatives/{saved_id}?done=initiative", status_code=303)


@router.post("/plan/initiatives/new")
def create_initiative(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    return _save_initiative(request, viewer, form, db, None)


@router.get("/plan/initiatives/{initiative_id}/edit")
def edit_initiative(initiative_id: IdPath, request: Request, viewer: Viewer, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.PARTNERSHIP_MANAGE)
    view = plan.get_initiative(db, viewer.actor, initiative_id, today=today())
    values = {
        "name": view.name,
        "lead_agency_id": str(view.lead_agency.id) if view.lead_agency else "",
        "objective_id": str(view.objective_id or ""),
        "phase": view.phase.value if view.phase else "",
        "area": view.area,
        "starts_on": view.starts_on.isoformat() if view.starts_on else "",
        "ends_on": view.ends_on.isoformat() if view.ends_on else "",
        "measures": view.measures,
        "description": view.description,
    }
    partners = [str(a.id) for a in view.partner_agencies]
    return _initiative_form(
        request, viewer, db, values=values, partners=partners, errors={}, initiative_id=initiative_id
    )


@router.post("/plan/initiatives/{initiative_id}/edit")
def update_initiative(
    initiative_id: IdPath, request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    return _save_initiative(request, viewer, form, db, initiative_id)


def _initiative_page(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    initiative_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    view = plan.get_initiative(db, viewer.actor, initiative_id, today=today())
    db.commit()
    return render(
        request,
        "partnership/initiative.html",
        viewer=viewer,
        title=view.name,
        status_code=status_code,
        json_url=f"/api/partnership/initiatives/{initiative_id}",
        nav_key="plan",
        notice=notice,
        initiative=view,
        may_manage=may(viewer, Action.PARTNERSHIP_MANAGE),
        values=values or {},
        errors=errors or {},
        action_url=f"/plan/initiatives/{initiative_id}/actions",
        **_context(db),
    )


@router.get("/plan/initiatives/{initiative_id}")
def initiative_page(
    initiative_id: IdPath, request: Request, viewer: Viewer, db: SessionDep, done: str = ""
) -> Response:
    return _initiative_page(request, viewer, db, initiative_id, notice=DONE.get(done, ""))


@router.post("/plan/initiatives/{initiative_id}/actions")
def add_initiative_action(
    initiative_id: IdPath, request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    values, errors = _add_action(viewer, form, db, objective_id=None, initiative_id=initiative_id)
    if errors:
        return _initiative_page(
            request, viewer, db, initiative_id, values=values, errors=errors, status_code=400
        )
    db.commit()
    return RedirectResponse(f"/plan/initiatives/{initiative_id}?done=action", status_code=303)


@router.post("/plan/initiatives/{initiative_id}/status")
def move_initiative(initiative_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    plan.move_initiative(db, viewer.actor, initiative_id, to_status=text(form, "status"))
    db.commit()
    return RedirectResponse(f"/plan/initiatives/{initiative_id}?done=moved", status_code=303)
