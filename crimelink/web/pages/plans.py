"""Disruption plans: the list, opening and changing a plan, a plan's page with its actions, reviews, closing.

JSON twins: /api/plans (list, open), /api/plans/{id} (read, change), /api/plans/{id}/actions,
/api/plans/{id}/review and /api/plans/{id}/close. A group's page links to ``/groups/{id}/plan``: its
active plan, or the form to open one. The add-action form takes ``?tactic=<slug>`` so the tactics pages
can link "add to plan".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access import Action, allowed
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.domain import ActionStatus, FourP
from crimelink.errors import InvalidInputError
from crimelink.services import disruption_plans
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.services.plan_actions import ActionInput
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.pages.records import without_nul
from crimelink.web.rendering import render, today

router = APIRouter()

PLAN_FIELDS = (
    "title",
    "owner_agency_id",
    "owner_officer",
    "group_id",
    "target_entity_id",
    "objective_id",
    "objectives",
    "review_every_days",
    "next_review_on",
)
PLAN_LABELS = {
    "title": "Title",
    "owner_agency_id": "Owner agency",
    "owner_officer": "Owner officer",
    "group_id": "Organised crime group number",
    "target_entity_id": "Single target (entity number)",
    "objective_id": "Partnership objective it serves",
    "objectives": "Objectives",
    "review_every_days": "Review every (days)",
    "next_review_on": "Next review on",
}
ACTION_FIELDS = ("title", "agency_id", "assignee", "due_on", "four_p", "tactic", "description")
ACTION_LABELS = {
    "title": "What is to be done",
    "agency_id": "Agency",
    "assignee": "Officer",
    "due_on": "Due on",
    "four_p": "4P",
    "tactic": "Tactic from the menu",
    "description": "Details",
    "close_note": "Why the plan closes",
    "review_note": "Review note",
}
STATUS_LABELS = {
    ActionStatus.PROPOSED: "Proposed",
    ActionStatus.DECONFLICTING: "Deconflicting",
    ActionStatus.APPROVED: "Approved",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.DONE: "Done",
    ActionStatus.ABANDONED: "Abandoned",
}
DONE = {
    "opened": "Plan opened. Add its actions below.",
    "changed": "Plan changed.",
    "action": "Action added.",
    "reviewed": "Review recorded: the next review date has moved on.",
    "closed": "Plan closed: it is kept read-only.",
}


def number(value: str, name: str, errors: dict[str, str]) -> int | None:
    """A whole number typed in a form; blank is "not given"."""
    if not value:
        return None
    if value.isdigit() and len(value) < 19:
        return int(value)
    errors[name] = "enter a number (digits only)"
    return None


def day(value: str, name: str, errors: dict[str, str]) -> date | None:
    """A date field's value; blank is "not given"."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "enter a date like 2026-12-31"
        return None


def shared() -> dict[str, Any]:
    return {"status_labels": STATUS_LABELS, "statuses": list(ActionStatus)}


# --- the list -------------------------------------------------------------------------------------


@router.get("/plans")
def plans_page(
    request: Request,
    viewer: Viewer,
    db: SessionDep,
    status: str = "",
    group_id: str = "",
    owner_agency_id: str = "",
    review_overdue: str = "",
) -> Response:
    errors: dict[str, str] = {}
    group = number(group_id, "group_id", errors)
    owner = number(owner_agency_id, "owner_agency_id", errors)
    status = status if status in ("ACTIVE", "CLOSED") else ""
    plans = disruption_plans.list_plans(
        db,
        viewer.actor,
        today=today(),
        status=status or None,
        group_id=group,
        owner_agency_id=owner,
        review_overdue_only=bool(review_overdue),
    )
    agencies = disruption_plans.agency_choices(db)
    db.commit()  # the view's audit event
    query = "&".join(
        f"{name}={value}"
        for name, value in (
            ("status", status),
            ("group_id", group or ""),
            ("owner_agency_id", owner or ""),
            ("review_overdue", "true" if review_overdue else ""),
        )
        if value
    )
    return render(
        request,
        "plans/list.html",
        viewer=viewer,
        title="Disruption plans",
        json_url="/api/plans" + (f"?{query}" if query else ""),
        nav_key="plans",
        plans=plans,
        agencies=agencies,
        errors=errors,
        filters={
            "status": status,
            "group_id": group_id if group else "",
            "owner_agency_id": str(owner or ""),
            "review_overdue": bool(review_overdue),
        },
        may_manage=bool(allowed(viewer.actor, Action.PLAN_MANAGE)),
    )


# --- opening and changing -------------------------------------------------------------------------


def _plan_form(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    plan_id: int | None = None,
    status_code: int = 200,
    then_tactic: str = "",
) -> Response:
    return render(
        request,
        "plans/form.html",
        viewer=viewer,
        title="Change the disruption plan" if plan_id else "Open a disruption plan",
        status_code=status_code,
        json_url=f"/api/plans/{plan_id}" if plan_id else "/api/plans",
        nav_key="plans",
        values=values,
        errors=errors,
        field_labels=PLAN_LABELS,
        plan_id=plan_id,
        agencies=[(c.value, c.text) for c in disruption_plans.agency_choices(db)],
        objectives=[(c.value, c.text) for c in disruption_plans.objective_choices(db)],
        then_tactic=then_tactic,
    )


def _read_plan(values: dict[str, str], errors: dict[str, str]) -> disruption_plans.PlanInput | None:
    owner = number(values["owner_agency_id"], "owner_agency_id", errors)
    if owner is None and "owner_agency_id" not in errors:
        errors["owner_agency_id"] = "choose the agency that owns the plan"
    group = number(values["group_id"], "group_id", errors)
    target = number(values["target_entity_id"], "target_entity_id", errors)
    objective = number(values["objective_id"], "objective_id", errors)
    cadence = number(values["review_every_days"], "review_every_days", errors)
    next_review = day(values["next_review_on"], "next_review_on", errors)
    if errors or owner is None:
        return None
    return disruption_plans.PlanInput(
        title=values["title"],
        owner_agency_id=owner,
        owner_officer=values["owner_officer"],
        objectives=values["objectives"],
        group_id=group,
        target_entity_id=target,
        objective_id=objective,
        review_every_days=cadence if cadence is not None else disruption_plans.DEFAULT_CADENCE,
        next_review_on=next_review,
    )


def _form_values(form: Any) -> dict[str, str]:
    return {name: without_nul(text(form, name)) for name in PLAN_FIELDS}


def _keep(problems: dict[str, str], errors: dict[str, str], labels: dict[str, str], fallback: str) -> None:
    for name, problem in problems.items():
        errors.setdefault(name if name in labels else fallback, problem)


def _slug(tactic: str) -> str:
    """A tactic's slug as passed between pages (letters, digits and hyphens only)."""
    return "".join(c for c in tactic if c.isalnum() or c == "-")[:100]


@router.get("/plans/new")
def new_plan_page(
    request: Request,
    viewer: Viewer,
    db: SessionDep,
    group_id: str = "",
    target_entity_id: str = "",
    tactic: str = "",
) -> Response:
    """The form to open a plan; ``?tactic=`` (from "add to plan") is offered on the new plan's action form."""
    authorise(viewer.actor, Action.PLAN_MANAGE)
    values = dict.fromkeys(PLAN_FIELDS, "")
    values.update(
        group_id=group_id if group_id.isdigit() else "",
        target_entity_id=target_entity_id if target_entity_id.isdigit() else "",
        owner_agency_id=str(viewer.actor.agency_id),
        review_every_days=str(disruption_plans.DEFAULT_CADENCE),
    )
    return _plan_form(request, viewer, db, values=values, errors={}, then_tactic=_slug(tactic))


@router.post("/plans/new")
def open_plan(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.PLAN_MANAGE)
    values = _form_values(form)
    errors: dict[str, str] = {}
    data = _read_plan(values, errors)
    if data is not None:
        try:
            plan = disruption_plans.open_plan(db, viewer.actor, data)
        except InvalidInputError as exc:
            db.rollback()
            _keep(exc.problems, errors, PLAN_LABELS, "title")
    then_tactic = _slug(without_nul(text(form, "then_tactic")))
    if errors:
        return _plan_form(
            request, viewer, db, values=values, errors=errors, status_code=400, then_tactic=then_tactic
        )
    db.commit()
    follow = f"&tactic={then_tactic}#add-title" if then_tactic else ""
    return RedirectResponse(f"/plans/{plan.id}?done=opened{follow}", status_code=303)


@router.get("/groups/{group_id}/plan")
def group_plan(group_id: IdPath, viewer: Viewer, db: SessionDep, tactic: str = "") -> Response:
    """The group's active plan; or the form to open one (for a plan manager), or the group's plans.

    ``?tactic=<slug>`` is passed on to the plan's add-action form ("add to plan" from the tactics pages).
    """
    plan_id = disruption_plans.group_plan_id(db, viewer.actor, group_id)
    if plan_id is not None:
        slug = _slug(tactic)
        return RedirectResponse(
            f"/plans/{plan_id}" + (f"?tactic={slug}#add-title" if slug else ""), status_code=303
        )
    if allowed(viewer.actor, Action.PLAN_MANAGE):
        return RedirectResponse(
            f"/plans/new?group_id={group_id}" + (f"&tactic={_slug(tactic)}" if _slug(tactic) else ""),
            status_code=303,
        )
    return RedirectResponse(f"/plans?group_id={group_id}", status_code=303)


@router.get("/plans/{plan_id}/edit")
def edit_plan_page(request: Request, plan_id: IdPath, viewer: Viewer, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.PLAN_MANAGE)
    view = disruption_plans.plan_view(db, viewer.actor, plan_id, today=today())
    db.commit()
    values = {
        "title": view.title,
        "owner_agency_id": str(view.owner_agency_id),
        "owner_officer": view.owner_officer,
        "group_id": str(view.group_id or ""),
        "target_entity_id": str(view.target_entity_id or ""),
        "objective_id": str(view.objective_id or ""),
        "objectives": view.objectives,
        "review_every_days": str(view.review_every_days),
        "next_review_on": view.next_review_on.isoformat() if view.next_review_on else "",
    }
    return _plan_form(request, viewer, db, values=values, errors={}, plan_id=plan_id)


@router.post("/plans/{plan_id}/edit")
def change_plan(
    request: Request, plan_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    values = _form_values(form)
    errors: dict[str, str] = {}
    data = _read_plan(values, errors)
    if data is not None:
        try:
            disruption_plans.update_plan(db, viewer.actor, plan_id, data)
        except InvalidInputError as exc:
            db.rollback()
            if exc.problems.keys() == {"status"}:
                raise
            _keep(exc.problems, errors, PLAN_LABELS, "title")
    if errors:
        return _plan_form(request, viewer, db, values=values, errors=errors, plan_id=plan_id, status_code=400)
    db.commit()
    return RedirectResponse(f"/plans/{plan_id}?done=changed", status_code=303)


# --- a plan's page --------------------------------------------------------------------------------


def _plan_page(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    plan_id: int,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    notice: str = "",
    status_code: int = 200,
) -> Response:
    view = disruption_plans.plan_view(db, viewer.actor, plan_id, today=today())
    db.commit()  # the view's audit event
    tactics = disruption_plans.tactic_choices()
    by_area: dict[str, list[tuple[str, str]]] = {}
    for choice in tactics:
        by_area.setdefault(choice.group, []).append((choice.value, choice.text))
    return render(
        request,
        "plans/plan.html",
        viewer=viewer,
        title=view.title,
        status_code=status_code,
        json_url=f"/api/plans/{plan_id}",
        nav_key="plans",
        notice=notice,
        plan=view,
        values=values,
        errors=errors,
        field_labels=ACTION_LABELS,
        agencies=[(c.value, c.text) for c in disruption_plans.agency_choices(db)],
        tactics_by_area=by_area,
        four_ps=[(p.value, p.value.title()) for p in FourP],
        recommended_url=_recommended_url(view.group_id, view.target_entity_id),
        **shared(),
    )


def _recommended_url(group_id: int | None, target_entity_id: int | None) -> str:
    """The tactics pages' recommendations for the plan's group or single target."""
    if group_id is not None:
        return f"/groups/{group_id}/tactics"
    return f"/entities/{target_entity_id}/tactics" if target_entity_id is not None else ""


@router.get("/plans/{plan_id}")
def plan_page(
    request: Request, plan_id: IdPath, viewer: Viewer, db: SessionDep, done: str = "", tactic: str = ""
) -> Response:
    values = {"tactic": tactic.strip()[:100]}
    return _plan_page(request, viewer, db, plan_id, values=values, errors={}, notice=DONE.get(done, ""))


@router.post("/plans/{plan_id}/actions")
def add_action(
    request: Request, plan_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    values = {name: without_nul(text(form, name)) for name in ACTION_FIELDS}
    errors: dict[str, str] = {}
    agency = number(values["agency_id"], "agency_id", errors)
    if agency is None and "agency_id" not in errors:
        errors["agency_id"] = "choose the agency the action is given to"
    due = day(values["due_on"], "due_on", errors)
    if not errors and agency is not None:
        try:
            disruption_plans.add_action(
                db,
                viewer.actor,
                plan_id,
                ActionInput(
                    title=values["title"],
                    agency_id=agency,
                    due_on=due,
                    assignee=values["assignee"],
                    description=values["description"],
                    four_p=values["four_p"] or None,
                    tactic=values["tactic"] or None,
                ),
            )
        except InvalidInputError as exc:
            db.rollback()
            if exc.problems.keys() <= {"status", "plan_id"}:
                raise
            _keep(exc.problems, errors, ACTION_LABELS, "title")
    if errors:
        return _plan_page(request, viewer, db, plan_id, values=values, errors=errors, status_code=400)
    db.commit()
    return RedirectResponse(f"/plans/{plan_id}?done=action#actions-title", status_code=303)


@router.post("/plans/{plan_id}/review")
def review_plan(
    request: Request, plan_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    note = without_nul(text(form, "review_note"))
    try:
        disruption_plans.review_plan(db, viewer.actor, plan_id, note=note)
    except InvalidInputError as exc:
        db.rollback()
        if "note" not in exc.problems:
            raise
        errors = {"review_note": exc.problems["note"]}
        return _plan_page(
            request, viewer, db, plan_id, values={"review_note": note}, errors=errors, status_code=400
        )
    db.commit()
    return RedirectResponse(f"/plans/{plan_id}?done=reviewed", status_code=303)


@router.post("/plans/{plan_id}/close")
def close_plan(
    request: Request, plan_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    note = without_nul(text(form, "close_note"))
    try:
        disruption_plans.close_plan(db, viewer.actor, plan_id, note=note)
    except InvalidInputError as exc:
        db.rollback()
        if "note" not in exc.problems:
            raise
        errors = {"close_note": exc.problems["note"]}
        return _plan_page(
            request, viewer, db, plan_id, values={"close_note": note}, errors=errors, status_code=400
        )
    db.commit()
    return RedirectResponse(f"/plans/{plan_id}?done=closed", status_code=303)
