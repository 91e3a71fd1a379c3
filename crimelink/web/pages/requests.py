"""Requests for assistance: raise one, follow your agency's, answer those routed to you, route them all.

JSON twins: /api/requests?box=raised|received|all and /api/requests/{id} (with /suggestions). A partner
raises a request and follows it; the agency it is routed to accepts it, then closes it with a response
or declines it with a reason; the router (``request.route``) sees the queue of every pending request,
the specialists the directory suggests for each (with why), and routes it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access import Action
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.domain import RequestUrgency, Specialism
from crimelink.errors import InvalidInputError
from crimelink.services import assistance
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.services.contacts import directory
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.pages.partnership import form_date, form_number, form_values, may, shown_errors
from crimelink.web.rendering import render, today

router = APIRouter()

REQUEST_LABELS = {
    "title": "What help you need",
    "specialism": "Kind of help",
    "urgency": "Urgency",
    "details": "Details",
    "group_id": "Organised crime group number",
    "entity_id": "Entity number",
    "due_on": "Answer needed by",
}
ANSWER_LABELS = {"contact_id": "Route to", "response": "Response", "reason": "Why it is declined"}
DONE = {
    "raised": "Request raised: the Organised Crime Command's router will send it to a specialist.",
    "routed": "Request routed; the agency now sees it.",
    "accepted": "Request accepted.",
    "closed": "Request closed with your response.",
    "declined": "Request declined; the router may send it elsewhere.",
}


def specialism_choices() -> list[tuple[str, str]]:
    return [(s.value, s.value.replace("_", " ").capitalize()) for s in Specialism]


@router.get("/requests")
def requests_page(request: Request, viewer: Viewer, db: SessionDep, done: str = "") -> Response:
    authorise(viewer.actor, Action.REQUEST_SUBMIT)
    raised = assistance.list_requests(db, viewer.actor, box=assistance.RequestBox.RAISED, today=today())
    received = assistance.list_requests(db, viewer.actor, box=assistance.RequestBox.RECEIVED, today=today())
    router_queue = (
        assistance.list_requests(
            db, viewer.actor, box=assistance.RequestBox.ALL, pending_only=True, today=today()
        )
        if may(viewer, Action.REQUEST_ROUTE)
        else None
    )
    db.commit()
    return render(
        request,
        "requests/list.html",
        viewer=viewer,
        title="Requests for assistance",
        json_url="/api/requests",
        nav_key="requests",
        notice=DONE.get(done, ""),
        raised=raised,
        received=received,
        queue=router_queue,
    )


def _request_form(
    request: Request,
    viewer: SignedIn,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "requests/form.html",
        viewer=viewer,
        title="Ask for assistance",
        status_code=status_code,
        json_url="/api/requests",
        nav_key="requests",
        values=values,
        errors=errors,
        field_labels=REQUEST_LABELS,
        specialism_options=specialism_choices(),
        urgency_options=[(u.value, u.value.capitalize()) for u in RequestUrgency],
    )


@router.get("/requests/new")
def new_request(request: Request, viewer: Viewer, group: str = "", entity: str = "") -> Response:
    authorise(viewer.actor, Action.REQUEST_SUBMIT)
    values = {"urgency": "ROUTINE", "group_id": group, "entity_id": entity}
    return _request_form(request, viewer, values=values, errors={})


@router.post("/requests/new")
def raise_request(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.REQUEST_SUBMIT)
    values = form_values(form, tuple(REQUEST_LABELS))
    errors: dict[str, str] = {}
    due_on = form_date(values["due_on"], "due_on", errors)
    group = form_number(values["group_id"], "group_id", errors)
    entity = form_number(values["entity_id"], "entity_id", errors)
    for name in ("group_id", "entity_id"):
        if name in errors:
            errors[name] = "enter a number (digits only)"
    request_id = 0
    if not errors:
        try:
            request_id = assistance.raise_request(
                db,
                viewer.actor,
                assistance.RequestInput(
                    title=values["title"],
                    specialism=values["specialism"],
                    details=values["details"],
                    urgency=values["urgency"] or "ROUTINE",
                    group_id=group,
                    entity_id=entity,
                    due_on=due_on,
                ),
            ).id
        except InvalidInputError as error:
            db.rollback()
            errors = shown_errors(error, REQUEST_LABELS, "title")
    if errors:
        return _request_form(request, viewer, values=values, errors=errors, status_code=400)
    db.commit()
    return RedirectResponse(f"/requests/{request_id}?done=raised", status_code=303)


def _request_page(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    request_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    view = assistance.get_request(db, viewer.actor, request_id, today=today())
    suggestions: list[assistance.Suggestion] = []
    others: list[tuple[str, str]] = []
    if view.may_route:
        suggestions = assistance.suggest_specialists(db, viewer.actor, request_id)
        found = directory(db, viewer.actor)
        others = [
            (str(c.id), f"{c.name}, {c.agency_code}{' – ' + c.job_title if c.job_title else ''}")
            for c in found.contacts
        ]
    db.commit()
    return render(
        request,
        "requests/request.html",
        viewer=viewer,
        title=view.title,
        status_code=status_code,
        json_url=f"/api/requests/{request_id}",
        nav_key="requests",
        notice=notice,
        item=view,
        suggestions=suggestions,
        contact_options=others,
        values=values or {},
        errors=errors or {},
        field_labels=ANSWER_LABELS,
    )


@router.get("/requests/{request_id}")
def request_page(
    request_id: IdPath, request: Request, viewer: Viewer, db: SessionDep, done: str = ""
) -> Response:
    return _request_page(request, viewer, db, request_id, notice=DONE.get(done, ""))


def _answer(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    request_id: int,
    form_fields: dict[str, str],
    step: str,
) -> Response:
    errors: dict[str, str] = {}
    try:
        if step == "routed":
            contact = form_number(form_fields.get("contact_id", ""), "contact_id", errors)
            if contact is None:
                errors.setdefault("contact_id", "choose the specialist to route it to")
            else:
                assistance.route_request(
                    db, viewer.actor, request_id, contact_id=contact, note=form_fields.get("note", "")
                )
        elif step == "accepted":
            assistance.accept_request(db, viewer.actor, request_id)
        elif step == "closed":
            assistance.close_request(db, viewer.actor, request_id, response=form_fields.get("response", ""))
        else:
            assistance.decline_request(db, viewer.actor, request_id, reason=form_fields.get("reason", ""))
    except InvalidInputError as error:
        if "status" in error.problems:
            raise  # the request has moved on: the error page says where it stands
        db.rollback()
        errors = shown_errors(error, ANSWER_LABELS, "contact_id")
    if errors:
        return _request_page(
            request, viewer, db, request_id, values=form_fields, errors=errors, status_code=400
        )
    db.commit()
    return RedirectResponse(f"/requests/{request_id}?done={step}", status_code=303)


@router.post("/requests/{request_id}/route")
def route_request(
    request_id: IdPath, request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    return _answer(request, viewer, db, request_id, form_values(form, ("contact_id", "note")), "routed")


@router.post("/requests/{request_id}/accept")
def accept_request(
    request_id: IdPath, request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    return _answer(request, viewer, db, request_id, {}, "accepted")


@router.post("/requests/{request_id}/close")
def close_request(
    request_id: IdPath, request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    return _answer(request, viewer, db, request_id, {"response": text(form, "response")}, "closed")


@router.post("/requests/{request_id}/decline")
def decline_request(
    request_id: IdPath, request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    return _answer(request, viewer, db, request_id, {"reason": text(form, "reason")}, "declined")
