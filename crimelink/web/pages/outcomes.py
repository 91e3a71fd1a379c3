"""Outcomes: record one (with its links and disruption grade), the list, one outcome with how its grade
was reached, the performance dashboard with charts, and the reminders (log, preview, send now).

JSON twins: /api/outcomes, /api/outcomes/{id}, /api/outcomes/dashboard, /api/outcomes/grading,
/api/reminders and /api/reminders/send. The pages call the same services with the same checks.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from crimelink.access import Action, allowed
from crimelink.api.deps import SessionDep, SettingsDep
from crimelink.api.routes.outcomes import grading_of
from crimelink.api.schemas.common import MAX_ID, IdPath
from crimelink.domain import DisruptionImpact, OutcomeKind
from crimelink.errors import ConfigurationError, InvalidInputError
from crimelink.planning.grading import OUTCOME_KIND_LABELS, money
from crimelink.reports.charts import horizontal_bars, stacked_bars
from crimelink.services import outcomes, reminders
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.services.mail import SmtpMailer
from crimelink.services.outcome_dashboard import GRADE_ORDER, OutcomeDashboard, default_span
from crimelink.store.models import Agency
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.pages.records import without_nul
from crimelink.web.rendering import render, today

router = APIRouter()

LINKS = ("action_id", "plan_id", "group_id", "initiative_id", "operation_id")
FIGURES = ("quantity", "value_gbp", "cost_gbp")
FIELD_LABELS = {
    "kind": "Kind of outcome",
    "occurred_on": "Date",
    "quantity": "Quantity",
    "unit": "Unit",
    "value_gbp": "Value (£)",
    "cost_gbp": "Cost to the partnership (£)",
    "impact": "Disruption grade",
    "override_reason": "Why this grade",
    "notes": "Notes",
    "action_id": "Action number",
    "plan_id": "Disruption plan number",
    "group_id": "Organised crime group number",
    "initiative_id": "Joint initiative number",
    "operation_id": "Your operation's number",
}
GRADE_LABELS = {g: g.value.capitalize() for g in DisruptionImpact}


def _number(value: str, name: str, errors: dict[str, str]) -> int | None:
    if not value:
        return None
    if value.isdigit() and 0 < int(value) <= MAX_ID:
        return int(value)
    errors[name] = "enter a number (digits only)"
    return None


def _figure(value: str, name: str, errors: dict[str, str]) -> float | None:
    cleaned = value.replace(",", "").replace("£", "").strip()
    if not cleaned:
        return None
    try:
        number = float(cleaned)
    except ValueError:
        errors[name] = "enter a number, like 12500 or 3.5"
        return None
    if not math.isfinite(number):
        errors[name] = "enter a number, like 12500 or 3.5"
        return None
    return number


def _date(value: str, name: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "enter a date like 2026-03-16"
        return None


def _agencies(db: SessionDep) -> list[Agency]:
    return list(db.scalars(select(Agency).order_by(Agency.name)))


# --- record ------------------------------------------------------------------------------------------


def _form(
    request: Request,
    viewer: SignedIn,
    settings: SettingsDep,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    grading = grading_of(settings)
    return render(
        request,
        "outcomes/new.html",
        viewer=viewer,
        title="Record an outcome",
        status_code=status_code,
        json_url="/api/outcomes/grading",
        nav_key="outcomes",
        values=values,
        errors=errors,
        field_labels=FIELD_LABELS,
        kind_choices=[(k.value, OUTCOME_KIND_LABELS[k]) for k in OutcomeKind],
        grade_choices=[(g.value, f"{GRADE_LABELS[g]}: {grading.meaning(g)}") for g in GRADE_ORDER],
        grading=grading,
        kind_labels=OUTCOME_KIND_LABELS,
        grade_labels=GRADE_LABELS,
        money=money,
    )


@router.get("/outcomes/new")
def new_outcome(request: Request, viewer: Viewer, settings: SettingsDep) -> Response:
    authorise(viewer.actor, Action.OUTCOME_RECORD)
    values = {name: request.query_params.get(name, "") for name in LINKS}
    values["occurred_on"] = today().isoformat()
    return _form(request, viewer, settings, values=values, errors={})


@router.post("/outcomes/new")
def record_outcome(
    request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep, settings: SettingsDep
) -> Response:
    authorise(viewer.actor, Action.OUTCOME_RECORD)
    values = {name: without_nul(text(form, name)) for name in FIELD_LABELS}
    errors: dict[str, str] = {}
    links = {name: _number(values[name], name, errors) for name in LINKS}
    figures = {name: _figure(values[name], name, errors) for name in FIGURES}
    occurred_on = _date(values["occurred_on"], "occurred_on", errors)
    if not values["kind"]:
        errors["kind"] = "choose the kind of outcome"
    view = None
    if not errors:
        try:
            view = outcomes.record_outcome(
                db,
                viewer.actor,
                outcomes.OutcomeInput(
                    kind=values["kind"],
                    occurred_on=occurred_on,
                    unit=values["unit"],
                    notes=values["notes"],
                    impact=values["impact"] or None,
                    override_reason=values["override_reason"],
                    quantity=figures["quantity"],
                    value_gbp=figures["value_gbp"],
                    cost_gbp=figures["cost_gbp"],
                    action_id=links["action_id"],
                    plan_id=links["plan_id"],
                    group_id=links["group_id"],
                    initiative_id=links["initiative_id"],
                    operation_id=links["operation_id"],
                ),
                grading=grading_of(settings),
            )
        except InvalidInputError as exc:
            db.rollback()
            for key, problem in exc.problems.items():
                errors.setdefault(key if key in FIELD_LABELS else "kind", problem)
    if errors or view is None:
        return _form(request, viewer, settings, values=values, errors=errors, status_code=400)
    db.commit()
    return RedirectResponse(f"/outcomes/{view.id}?done=recorded", status_code=303)


# --- list and one --------------------------------------------------------------------------------------


@router.get("/outcomes")
def outcomes_page(request: Request, viewer: Viewer, db: SessionDep, settings: SettingsDep) -> Response:
    authorise(viewer.actor, Action.OUTCOME_VIEW)
    params = {
        name: request.query_params.get(name, "").strip()
        for name in ("since", "until", "agency_id", "kind", "impact")
    }
    errors: dict[str, str] = {}
    since = _date(params["since"], "since", errors)
    until = _date(params["until"], "until", errors)
    agency_id = _number(params["agency_id"], "agency_id", errors)
    kind = OutcomeKind(params["kind"]) if params["kind"] in OutcomeKind.__members__ else None
    impact = DisruptionImpact(params["impact"]) if params["impact"] in DisruptionImpact.__members__ else None
    views: list[outcomes.OutcomeView] = []
    if not errors:
        try:
            views = outcomes.list_outcomes(
                db,
                viewer.actor,
                since=since,
                until=until,
                agency_id=agency_id,
                kind=kind,
                impact=impact,
                grading=grading_of(settings),
            )
        except InvalidInputError as exc:
            errors.update(exc.problems)
    db.commit()
    query = "&".join(f"{k}={v}" for k, v in params.items() if v and k not in errors)
    return render(
        request,
        "outcomes/list.html",
        viewer=viewer,
        title="Outcomes",
        status_code=400 if errors else 200,
        json_url="/api/outcomes" + (f"?{query}" if query else ""),
        nav_key="outcomes",
        outcomes=views,
        params=params,
        errors=errors,
        agency_choices=[(str(a.id), a.name) for a in _agencies(db)],
        kind_choices=[(k.value, OUTCOME_KIND_LABELS[k]) for k in OutcomeKind],
        grade_choices=[(g.value, GRADE_LABELS[g]) for g in GRADE_ORDER],
        may_record=bool(allowed(viewer.actor, Action.OUTCOME_RECORD)),
        money=money,
    )


@router.get("/outcomes/dashboard")
def dashboard_page(request: Request, viewer: Viewer, db: SessionDep, settings: SettingsDep) -> Response:
    authorise(viewer.actor, Action.OUTCOME_VIEW)
    params = {
        name: request.query_params.get(name, "").strip()
        for name in ("since", "until", "agency_id", "group_id")
    }
    errors: dict[str, str] = {}
    default_since, default_until = default_span(today())
    since = _date(params["since"], "since", errors) or default_since
    until = _date(params["until"], "until", errors) or default_until
    agency_id = _number(params["agency_id"], "agency_id", errors)
    group_id = _number(params["group_id"], "group_id", errors)
    board: OutcomeDashboard | None = None
    if not errors:
        try:
            board = outcomes.outcomes_dashboard(
                db,
                viewer.actor,
                since=since,
                until=until,
                agency_id=agency_id,
                group_id=group_id,
                today=today(),
                grading=grading_of(settings),
            )
        except InvalidInputError as exc:
            errors.update(exc.problems)
    db.commit()
    query = "&".join(f"{k}={v}" for k, v in params.items() if v and k not in errors)
    return render(
        request,
        "outcomes/dashboard.html",
        viewer=viewer,
        title="Performance: outcomes and actions",
        status_code=400 if errors else 200,
        json_url="/api/outcomes/dashboard" + (f"?{query}" if query else ""),
        nav_key="performance",
        board=board,
        charts=_charts(board) if board is not None else {},
        params={
            **params,
            "since": params["since"] or since.isoformat(),
            "until": params["until"] or until.isoformat(),
        },
        errors=errors,
        agency_choices=[(str(a.id), a.name) for a in _agencies(db)],
        grade_labels=GRADE_LABELS,
        grade_order=GRADE_ORDER,
        money=money,
    )


def _charts(board: OutcomeDashboard) -> dict[str, Any]:
    # Short month labels ("Mar 26") so that a year of bars keeps its labels apart; the tables say it in full.
    short = {m.label: m.month.strftime("%b %y") for m in board.months}
    months = list(short.values())
    by_grade = stacked_bars(
        "Outcomes by month, by disruption grade",
        months,
        [(g.value, GRADE_LABELS[g]) for g in reversed(GRADE_ORDER)],
        {short[m.label]: {g.value: float(n) for g, n in m.by_grade.items()} for m in board.months},
        description=", ".join(f"{m.label}: {m.outcomes}" for m in board.months),
    )
    actions = stacked_bars(
        "Actions done each month, and overdue at each month's end",
        months,
        [("done", "Done in the month"), ("overdue", "Overdue at the month's end")],
        {
            short[m.label]: {"done": float(m.actions_done), "overdue": float(m.actions_overdue or 0)}
            for m in board.months
        },
        description=", ".join(
            f"{m.label}: {m.actions_done} done, {m.actions_overdue or 0} overdue" for m in board.months
        ),
    )
    kinds = horizontal_bars(
        "Outcomes by kind",
        [(k.label, float(k.outcomes)) for k in board.by_kind],
        description=", ".join(f"{k.label}: {k.outcomes}" for k in board.by_kind),
    )
    return {"by_grade": by_grade, "actions": actions, "kinds": kinds}


@router.get("/outcomes/{outcome_id}")
def outcome_page(
    outcome_id: IdPath,
    request: Request,
    viewer: Viewer,
    db: SessionDep,
    settings: SettingsDep,
    done: str = "",
) -> Response:
    grading = grading_of(settings)
    view = outcomes.get_outcome(db, viewer.actor, outcome_id, grading=grading)
    db.commit()
    return render(
        request,
        "outcomes/detail.html",
        viewer=viewer,
        title=f"{view.kind_label} on {view.occurred_on:%d %b %Y}",
        json_url=f"/api/outcomes/{view.id}",
        nav_key="outcomes",
        notice="Outcome recorded." if done == "recorded" else "",
        outcome=view,
        grade_labels=GRADE_LABELS,
        grading=grading,
        money=money,
    )


# --- reminders -----------------------------------------------------------------------------------------


def _reminders_page(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    settings: SettingsDep,
    *,
    run: reminders.ReminderRun | None = None,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    policy = reminders.ReminderPolicy.from_settings(settings)
    preview = reminders.send_reminders(db, viewer.actor, mailer=None, policy=policy, dry_run=True)
    log = reminders.recent_reminders(db, viewer.actor)
    db.commit()
    return render(
        request,
        "outcomes/reminders.html",
        viewer=viewer,
        title="Reminders",
        status_code=status_code,
        json_url="/api/reminders",
        nav_key="reminders",
        run=run,
        problem=problem,
        preview=preview,
        log=log,
        smtp_server=f"{settings.smtp_host}:{settings.smtp_port}" if settings.smtp_host else "",
        interval_hours=settings.reminder_interval_hours,
        pending_days=settings.request_pending_days,
    )


@router.get("/reminders")
def reminders_page(request: Request, viewer: Viewer, db: SessionDep, settings: SettingsDep) -> Response:
    authorise(viewer.actor, Action.REMINDER_SEND)
    return _reminders_page(request, viewer, db, settings)


@router.post("/reminders/send")
def send_reminders(
    request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep, settings: SettingsDep
) -> Response:
    authorise(viewer.actor, Action.REMINDER_SEND)
    try:
        run = reminders.send_reminders(
            db,
            viewer.actor,
            mailer=SmtpMailer.from_settings(settings),
            policy=reminders.ReminderPolicy.from_settings(settings),
        )
    except ConfigurationError as exc:
        db.rollback()
        return _reminders_page(request, viewer, db, settings, problem=str(exc), status_code=503)
    db.commit()
    return _reminders_page(request, viewer, db, settings, run=run, problem=run.problem)
