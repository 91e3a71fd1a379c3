"""Meetings: the list, calling one, and the meeting page (agenda, minutes, resolutions and their actions).

JSON twins: /api/meetings and /api/meetings/{id}. The agenda is shown to each reader as the access
policy allows (what they may not see in detail is a count). The co-ordinator walks a meeting through:
build (and rebuild) the agenda from live items and add items of their own; on the day, record the
minutes and the resolutions (each given to an agency with a due date becomes an action, linked to its
page at /actions/{id}); then mark the meeting held.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access import Action
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.errors import InvalidInputError
from crimelink.services import meetings
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.services.meeting_agenda import AgendaItemView
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.pages.partnership import (
    agency_options,
    form_date,
    form_number,
    form_values,
    may,
    shown_errors,
)
from crimelink.web.rendering import render, today

router = APIRouter()


def _local_zone() -> tzinfo:
    try:
        return ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:  # no time zone database: the form's times are taken as UTC
        return UTC


_LOCAL = _local_zone()

MEETING_LABELS = {
    "title": "Meeting",
    "held_at": "Date and time",
    "location": "Where",
    "chair": "Chair",
    "attendees": "Attendees",
}
ITEM_LABELS = {"item-title": "Agenda item", "item-detail": "Detail"}
MINUTES_LABELS = {"minutes": "Minutes"}
RESOLUTION_LABELS = {
    "text": "Resolution",
    "agency_id": "Owner agency",
    "assignee": "Assignee",
    "due_on": "Due on",
}
DONE = {
    "called": "Meeting called; its agenda was built from live items.",
    "saved": "Meeting changed.",
    "rebuilt": "Agenda rebuilt from live items; your own items were kept.",
    "item": "Item added to the agenda.",
    "removed": "Item taken off the agenda.",
    "minutes": "Minutes recorded.",
    "resolution": "Resolution recorded.",
    "resolution-action": "Resolution recorded, and it is now a tracked action.",
    "held": "Meeting marked as held.",
    "cancelled": "Meeting cancelled.",
}


def _local_time(value: str, errors: dict[str, str]) -> datetime | None:
    """A ``datetime-local`` field (UK local time) as an aware time."""
    if not value:
        errors["held_at"] = "give the date and time of the meeting"
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors["held_at"] = "enter a date and time like 2026-12-10T10:00"
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=_LOCAL)


@router.get("/meetings")
def meetings_page(request: Request, viewer: Viewer, db: SessionDep) -> Response:
    rows = meetings.list_meetings(db, viewer.actor)
    db.commit()
    now = datetime.now(_LOCAL)
    return render(
        request,
        "meetings/list.html",
        viewer=viewer,
        title="Meetings",
        json_url="/api/meetings",
        nav_key="meetings",
        upcoming=[m for m in rows if m.held_at >= now and m.status == "PLANNED"][::-1],
        past=[m for m in rows if not (m.held_at >= now and m.status == "PLANNED")],
        may_manage=may(viewer, Action.PARTNERSHIP_MANAGE),
    )


def _meeting_form(
    request: Request,
    viewer: SignedIn,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    meeting_id: int | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "meetings/form.html",
        viewer=viewer,
        title="Change the meeting" if meeting_id else "Call a meeting",
        status_code=status_code,
        json_url="/api/meetings",
        nav_key="meetings",
        values=values,
        errors=errors,
        field_labels=MEETING_LABELS,
        meeting_id=meeting_id,
    )


@router.get("/meetings/new")
def new_meeting(request: Request, viewer: Viewer) -> Response:
    authorise(viewer.actor, Action.PARTNERSHIP_MANAGE)
    return _meeting_form(request, viewer, values={"title": "SOC Partnership Board"}, errors={})


def _meeting_input(values: dict[str, str], errors: dict[str, str]) -> meetings.MeetingInput:
    return meetings.MeetingInput(
        title=values["title"],
        held_at=_local_time(values["held_at"], errors),
        location=values["location"],
        chair=values["chair"],
        attendees=[line for line in values["attendees"].splitlines() if line.strip()],
    )


@router.post("/meetings/new")
def call_meeting(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.PARTNERSHIP_MANAGE)
    values = form_values(form, tuple(MEETING_LABELS))
    errors: dict[str, str] = {}
    data = _meeting_input(values, errors)
    meeting_id = 0
    try:
        meeting_id = meetings.call_meeting(db, viewer.actor, data).id
    except InvalidInputError as error:
        db.rollback()
        errors = {**shown_errors(error, MEETING_LABELS, "title"), **errors}
    if errors:
        return _meeting_form(request, viewer, values=values, errors=errors, status_code=400)
    db.commit()
    return RedirectResponse(f"/meetings/{meeting_id}?done=called", status_code=303)


@router.get("/meetings/{meeting_id}/edit")
def edit_meeting(meeting_id: IdPath, request: Request, viewer: Viewer, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.PARTNERSHIP_MANAGE)
    view = meetings.get_meeting(db, viewer.actor, meeting_id, today=today())
    db.commit()
    values = {
        "title": view.title,
        "held_at": view.held_at.astimezone(_LOCAL).strftime("%Y-%m-%dT%H:%M"),
        "location": view.location,
        "chair": view.chair,
        "attendees": "\n".join(view.attendees),
    }
    return _meeting_form(request, viewer, values=values, errors={}, meeting_id=meeting_id)


@router.post("/meetings/{meeting_id}/edit")
def update_meeting(
    meeting_id: IdPath, request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    authorise(viewer.actor, Action.PARTNERSHIP_MANAGE)
    values = form_values(form, tuple(MEETING_LABELS))
    errors: dict[str, str] = {}
    data = _meeting_input(values, errors)
    try:
        meetings.update_meeting(db, viewer.actor, meeting_id, data)
    except InvalidInputError as error:
        db.rollback()
        errors = {**shown_errors(error, MEETING_LABELS, "title"), **errors}
    if errors:
        return _meeting_form(
            request, viewer, values=values, errors=errors, meeting_id=meeting_id, status_code=400
        )
    db.commit()
    return RedirectResponse(f"/meetings/{meeting_id}?done=saved", status_code=303)


def _meeting_page(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    meeting_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    view = meetings.get_meeting(db, viewer.actor, meeting_id, today=today())
    db.commit()
    sections: list[tuple[str, list[AgendaItemView]]] = []
    for agenda_item in view.agenda:
        if not sections or sections[-1][0] != agenda_item.section:
            sections.append((agenda_item.section, []))
        sections[-1][1].append(agenda_item)
    return render(
        request,
        "meetings/meeting.html",
        viewer=viewer,
        title=view.title,
        status_code=status_code,
        json_url=f"/api/meetings/{meeting_id}",
        nav_key="meetings",
        notice=notice,
        meeting=view,
        sections=sections,
        values=values or {"minutes": view.minutes},
        errors=errors or {},
        field_labels={**ITEM_LABELS, **MINUTES_LABELS, **RESOLUTION_LABELS},
        agency_options=agency_options(db),
    )


@router.get("/meetings/{meeting_id}")
def meeting_page(
    meeting_id: IdPath, request: Request, viewer: Viewer, db: SessionDep, done: str = ""
) -> Response:
    return _meeting_page(request, viewer, db, meeting_id, notice=DONE.get(done, ""))


def _back(meeting_id: int, done: str, anchor: str = "") -> Response:
    return RedirectResponse(f"/meetings/{meeting_id}?done={done}{anchor}", status_code=303)


@router.post("/meetings/{meeting_id}/agenda/rebuild")
def rebuild_agenda(meeting_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    meetings.rebuild_agenda(db, viewer.actor, meeting_id)
    db.commit()
    return _back(meeting_id, "rebuilt", "#agenda-title")


@router.post("/meetings/{meeting_id}/agenda/items")
def add_agenda_item(
    meeting_id: IdPath, request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    values = form_values(form, tuple(ITEM_LABELS))
    try:
        meetings.add_agenda_item(
            db, viewer.actor, meeting_id, title=values["item-title"], detail=values["item-detail"]
        )
    except InvalidInputError as error:
        db.rollback()
        errors = {
            f"item-{k}" if f"item-{k}" in ITEM_LABELS else "item-title": v for k, v in error.problems.items()
        }
        return _meeting_page(request, viewer, db, meeting_id, values=values, errors=errors, status_code=400)
    db.commit()
    return _back(meeting_id, "item", "#agenda-title")


@router.post("/meetings/{meeting_id}/agenda/remove")
def remove_agenda_item(meeting_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    meetings.remove_agenda_item(db, viewer.actor, meeting_id, ref=text(form, "ref"))
    db.commit()
    return _back(meeting_id, "removed", "#agenda-title")


@router.post("/meetings/{meeting_id}/minutes")
def record_minutes(
    meeting_id: IdPath, request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    values = form_values(form, ("minutes",))
    try:
        meetings.record_minutes(db, viewer.actor, meeting_id, minutes=values["minutes"])
        if text(form, "mark_held"):
            meetings.mark_held(db, viewer.actor, meeting_id)
    except InvalidInputError as error:
        db.rollback()
        errors = {"minutes": "; ".join(error.problems.values())}
        return _meeting_page(request, viewer, db, meeting_id, values=values, errors=errors, status_code=400)
    db.commit()
    return _back(meeting_id, "held" if text(form, "mark_held") else "minutes", "#minutes-title")


@router.post("/meetings/{meeting_id}/resolutions")
def add_resolution(
    meeting_id: IdPath, request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    values = form_values(form, tuple(RESOLUTION_LABELS))
    errors: dict[str, str] = {}
    due_on = form_date(values["due_on"], "due_on", errors)
    agency = form_number(values["agency_id"], "agency_id", errors)
    view = None
    if not errors:
        try:
            view = meetings.add_resolution(
                db,
                viewer.actor,
                meeting_id,
                meetings.ResolutionInput(
                    text=values["text"], agency_id=agency, assignee=values["assignee"], due_on=due_on
                ),
            )
        except InvalidInputError as error:
            db.rollback()
            errors = shown_errors(error, RESOLUTION_LABELS, "text")
    if errors or view is None:
        return _meeting_page(request, viewer, db, meeting_id, values=values, errors=errors, status_code=400)
    db.commit()
    return _back(meeting_id, "resolution-action" if view.action else "resolution", "#resolutions-title")


@router.post("/meetings/{meeting_id}/held")
def mark_held(meeting_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    meetings.mark_held(db, viewer.actor, meeting_id)
    db.commit()
    return _back(meeting_id, "held")


@router.post("/meetings/{meeting_id}/cancel")
def cancel_meeting(meeting_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    meetings.cancel_meeting(db, viewer.actor, meeting_id)
    db.commit()
    return _back(meeting_id, "cancelled")
