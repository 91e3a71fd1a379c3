"""The safeguarding inbox and alerts: children and adults at risk found in exploitation intelligence.

JSON twins: /api/safeguarding/alerts and /api/safeguarding/alerts/{id}. The inbox lists alerts with the
person (as the records the lead may see name them), the threats and the suggested routes. An alert's page
shows why it was raised (the rule, the indicators found and where), the routes each with its rule, the
evidence the lead may see and a holding notice for the rest, what has been done, and the forms to act:
acknowledge, then refer, record no further action, or close, each with a rationale.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access import Action, allowed
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.domain import Classification
from crimelink.domain.reference import default_reference
from crimelink.errors import ConflictError, InvalidInputError
from crimelink.network.screening import ROUTE_LABELS, Route
from crimelink.services import safeguarding
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.pages.records import field_label, without_nul
from crimelink.web.rendering import render, today

router = APIRouter()

#: Alerts per page of the inbox.
PAGE_SIZE = 25
KIND_LABELS = {"child": "Child", "adult_at_risk": "Adult at risk"}
KIND_PLURALS = {"child": "children", "adult_at_risk": "adults at risk"}
STATUS_LABELS = {
    "raised": "Raised",
    "acknowledged": "Acknowledged",
    "referred": "Referred",
    "no_further_action": "No further action",
    "closed": "Closed",
}
STATUS_CLASSES = {
    "raised": "status-warning",
    "acknowledged": "status-warning",
    "referred": "status-ok",
    "no_further_action": "status-ended",
    "closed": "status-ended",
}
FILTER_LABELS = {"open": "Open (raised or acknowledged)", "all": "All", **STATUS_LABELS}
ACTION_LABELS = {
    "raise": "Raised by a scan",
    "add_evidence": "New evidence added by a scan",
    "acknowledge": "Acknowledged",
    "refer": "Referred",
    "no_further_action": "No further action",
    "close": "Closed",
}
BUTTON_LABELS = {
    "acknowledge": "Acknowledge",
    "refer": "Record the referral",
    "no_further_action": "No further action",
    "close": "Close the alert",
}
WHERE_LABELS = {"text": "the record's text"}
FIELD_LABELS = {"rationale": "Rationale", "route": "Route", "action": "Action"}


def where_text(where: str) -> str:
    """Where an indicator was found, in words.

    >>> where_text("text"), where_text("worker.interview_notes")
    ("the record's text", 'worker: interview notes')
    """
    if where in WHERE_LABELS:
        return WHERE_LABELS[where]
    party, _, name = where.partition(".")
    return f"{party.replace('_', ' ')}: {field_label(name).lower()}" if name else where


def threat_label(threat: str) -> str:
    """A threat as the partnership's threat areas name it (its code when unknown).

    >>> threat_label("CSE"), threat_label("NOT_A_THREAT")
    ('Child sexual exploitation', 'NOT_A_THREAT')
    """
    try:
        return default_reference().threat_area(threat).label
    except KeyError:
        return threat


def route_label(route: str | None) -> str:
    if not route:
        return ""
    try:
        return ROUTE_LABELS[Route(route)]
    except ValueError:
        return route


def _context() -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS,
        "kind_plurals": KIND_PLURALS,
        "status_labels": STATUS_LABELS,
        "status_classes": STATUS_CLASSES,
        "action_labels": ACTION_LABELS,
        "button_labels": BUTTON_LABELS,
        "where_text": where_text,
        "route_label": route_label,
        "threat_label": threat_label,
        "field_labels": FIELD_LABELS,
        "field_label": field_label,
    }


# --- the inbox -----------------------------------------------------------------------------------


@router.get("/safeguarding")
def inbox_page(
    request: Request,
    viewer: Viewer,
    db: SessionDep,
    status: str = "open",
    kind: str = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    scanned: str = "",
) -> Response:
    status = without_nul(status) if without_nul(status) in safeguarding.STATUS_FILTERS else "open"
    chosen_kind = kind if kind in KIND_LABELS else None
    inbox = safeguarding.alert_inbox(
        db, viewer.actor, status=status, kind=chosen_kind, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    db.commit()  # the view's audit event
    filters = {k: v for k, v in (("status", status), ("kind", chosen_kind or "")) if v and v != "open"}
    pages = max(1, -(-inbox.total // PAGE_SIZE))
    return render(
        request,
        "safeguarding/inbox.html",
        viewer=viewer,
        title="Safeguarding alerts",
        marking=Classification(inbox.marking),
        json_url="/api/safeguarding/alerts?"
        + urlencode(filters | {"limit": PAGE_SIZE, "offset": inbox.offset}),
        nav_key="safeguarding",
        notice=_scan_notice(scanned),
        inbox=inbox,
        status=status,
        kind=chosen_kind or "",
        filter_labels=FILTER_LABELS,
        may_scan=bool(allowed(viewer.actor, Action.SAFEGUARDING_SCAN)),
        page=page,
        pages=pages,
        previous_url=_page_url(filters, page - 1) if page > 1 else "",
        next_url=_page_url(filters, page + 1) if page < pages else "",
        **_context(),
    )


def _page_url(filters: dict[str, str], page: int) -> str:
    query = urlencode(filters | ({"page": str(page)} if page > 1 else {}))
    return f"/safeguarding?{query}" if query else "/safeguarding"


def _scan_notice(scanned: str) -> str:
    parts = scanned.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return ""
    raised, updated, people = (int(p) for p in parts)
    return (
        f"Scan finished: {raised} alert{'' if raised == 1 else 's'} raised, {updated} given new evidence; "
        f"{people} child{'' if people == 1 else 'ren'} or adult{'' if people == 1 else 's'} at risk found in "
        "exploitation intelligence."
    )


@router.post("/safeguarding/scan")
def scan(viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    """Screen the store now (as of today) and come back to the inbox with what the scan did.

    The form carries nothing but its CSRF token, which ``CheckedForm`` checks.
    """
    authorise(viewer.actor, Action.SAFEGUARDING_SCAN)
    summary = safeguarding.scan_safeguarding(db, actor=viewer.actor, today=today())
    db.commit()
    counts = f"{summary.alerts_raised}-{summary.alerts_updated}-{summary.people_found}"
    return RedirectResponse(f"/safeguarding?scanned={counts}", status_code=303)


# --- one alert -----------------------------------------------------------------------------------


@router.get("/safeguarding/alerts/{alert_id}")
def alert_page(
    request: Request, alert_id: IdPath, viewer: Viewer, db: SessionDep, done: str = ""
) -> Response:
    view = safeguarding.get_alert(db, viewer.actor, alert_id)
    db.commit()  # the view's audit event
    notice = f"{ACTION_LABELS[done]}: recorded." if done in BUTTON_LABELS else ""
    return _alert_page(request, viewer, view, values={}, errors={}, notice=notice)


def _alert_page(
    request: Request,
    viewer: SignedIn,
    view: safeguarding.AlertView,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    notice: str = "",
    status_code: int = 200,
) -> Response:
    suggested = [r.route for r in view.routes]
    others = [r.value for r in Route if r.value not in suggested]
    name = view.subject_name or f"Person {view.subject_entity_id}"
    return render(
        request,
        "safeguarding/alert.html",
        viewer=viewer,
        title=f"Alert {view.id}: {KIND_LABELS.get(view.kind, view.kind).lower()}, {name}",
        status_code=status_code,
        marking=Classification(view.marking),
        json_url=f"/api/safeguarding/alerts/{view.id}",
        nav_key="safeguarding",
        notice=notice,
        view=view,
        name=name,
        may_act=bool(allowed(viewer.actor, Action.SAFEGUARDING_ACT)),
        route_choices=[(r, route_label(r)) for r in suggested + others],
        values=values,
        errors=errors,
        **_context(),
    )


@router.post("/safeguarding/alerts/{alert_id}/actions")
def act(request: Request, alert_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    """The button pressed names the action; the route (for a referral) and the rationale come with it."""
    values = {name: without_nul(text(form, name)) for name in ("action", "route", "rationale")}
    try:
        safeguarding.act_on_alert(
            db,
            viewer.actor,
            alert_id,
            action=values["action"],
            rationale=values["rationale"],
            route=values["route"] or None,
        )
    except InvalidInputError as exc:
        db.rollback()
        view = safeguarding.get_alert(db, viewer.actor, alert_id)
        db.commit()  # the view's audit event
        errors = {
            name if name in FIELD_LABELS else "rationale": problem for name, problem in exc.problems.items()
        }
        status_code = 409 if isinstance(exc, ConflictError) else 422
        return _alert_page(request, viewer, view, values=values, errors=errors, status_code=status_code)
    db.commit()
    return RedirectResponse(f"/safeguarding/alerts/{alert_id}?done={values['action']}", status_code=303)
