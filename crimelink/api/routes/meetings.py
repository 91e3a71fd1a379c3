"""/api/meetings: call meetings, build their agendas from live items, record minutes and resolutions.

Reading needs ``partnership.view``; the agenda comes back filtered for the caller, item by item (what
they may not see in detail is a count). Running meetings needs ``partnership.manage``. A resolution with
an ``agency_id`` and a ``due_on`` becomes a tracked action (``/api/actions/{id}``). Audited.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from pydantic import BaseModel, Field

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.api.schemas.partnership import (
    AgendaItemCreate,
    MeetingCreate,
    MeetingListPublic,
    MeetingPublic,
    MinutesBody,
    ResolutionCreate,
    ResolutionPublic,
)
from crimelink.services import meetings

router = APIRouter(prefix="/meetings", tags=["meetings"])


class AgendaItemRemove(BaseModel):
    """The ``ref`` of an agenda item you can see (``item:2``, ``action:14`` ...)."""

    ref: str = Field(max_length=60)


def _public(view: meetings.MeetingView) -> MeetingPublic:
    return MeetingPublic.model_validate(asdict(view))


@router.get("")
def list_meetings(db: SessionDep, actor: CurrentActor) -> MeetingListPublic:
    """Every meeting, the latest first."""
    rows = meetings.list_meetings(db, actor)
    db.commit()
    return MeetingListPublic.model_validate({"meetings": [asdict(r) for r in rows]})


@router.post("", status_code=201)
def call_meeting(body: MeetingCreate, db: SessionDep, actor: CurrentActor) -> MeetingPublic:
    """Call a meeting; its agenda is built from live items at once unless ``build_agenda`` is false."""
    view = meetings.call_meeting(
        db,
        actor,
        meetings.MeetingInput(
            title=body.title,
            held_at=body.held_at,
            location=body.location,
            chair=body.chair,
            attendees=body.attendees,
        ),
        build_agenda=body.build_agenda,
    )
    db.commit()
    return _public(view)


@router.get("/{meeting_id}")
def get_meeting(meeting_id: IdPath, db: SessionDep, actor: CurrentActor) -> MeetingPublic:
    """The meeting with its agenda (as you may see it), minutes and resolutions with their actions."""
    view = meetings.get_meeting(db, actor, meeting_id)
    db.commit()
    return _public(view)


@router.put("/{meeting_id}")
def update_meeting(
    meeting_id: IdPath, body: MeetingCreate, db: SessionDep, actor: CurrentActor
) -> MeetingPublic:
    """Change a planned meeting's title, time, place, chair or attendees."""
    view = meetings.update_meeting(
        db,
        actor,
        meeting_id,
        meetings.MeetingInput(
            title=body.title,
            held_at=body.held_at,
            location=body.location,
            chair=body.chair,
            attendees=body.attendees,
        ),
    )
    db.commit()
    return _public(view)


@router.post("/{meeting_id}/agenda/rebuild")
def rebuild_agenda(meeting_id: IdPath, db: SessionDep, actor: CurrentActor) -> MeetingPublic:
    """Build the agenda again from live items, keeping the chair's own items."""
    view = meetings.rebuild_agenda(db, actor, meeting_id)
    db.commit()
    return _public(view)


@router.post("/{meeting_id}/agenda/items", status_code=201)
def add_agenda_item(
    meeting_id: IdPath, body: AgendaItemCreate, db: SessionDep, actor: CurrentActor
) -> MeetingPublic:
    """Add the chair's own item (kept when the agenda is rebuilt)."""
    view = meetings.add_agenda_item(db, actor, meeting_id, title=body.title, detail=body.detail)
    db.commit()
    return _public(view)


@router.post("/{meeting_id}/agenda/remove")
def remove_agenda_item(
    meeting_id: IdPath, body: AgendaItemRemove, db: SessionDep, actor: CurrentActor
) -> MeetingPublic:
    """Take an item off the agenda (a live one returns if the agenda is rebuilt)."""
    view = meetings.remove_agenda_item(db, actor, meeting_id, ref=body.ref)
    db.commit()
    return _public(view)


@router.post("/{meeting_id}/minutes")
def record_minutes(
    meeting_id: IdPath, body: MinutesBody, db: SessionDep, actor: CurrentActor
) -> MeetingPublic:
    """Record the minutes (from the day the meeting sits)."""
    view = meetings.record_minutes(db, actor, meeting_id, minutes=body.minutes)
    db.commit()
    return _public(view)


@router.post("/{meeting_id}/resolutions", status_code=201)
def add_resolution(
    meeting_id: IdPath, body: ResolutionCreate, db: SessionDep, actor: CurrentActor
) -> ResolutionPublic:
    """Record a resolution; with an agency and a due date it becomes a tracked action."""
    view = meetings.add_resolution(
        db,
        actor,
        meeting_id,
        meetings.ResolutionInput(
            text=body.text, agency_id=body.agency_id, assignee=body.assignee, due_on=body.due_on
        ),
    )
    db.commit()
    return ResolutionPublic.model_validate(asdict(view))


@router.post("/{meeting_id}/held")
def mark_held(meeting_id: IdPath, db: SessionDep, actor: CurrentActor) -> MeetingPublic:
    """The meeting has sat: its agenda is kept as it stood."""
    view = meetings.mark_held(db, actor, meeting_id)
    db.commit()
    return _public(view)


@router.post("/{meeting_id}/cancel")
def cancel_meeting(meeting_id: IdPath, db: SessionDep, actor: CurrentActor) -> MeetingPublic:
    view = meetings.cancel_meeting(db, actor, meeting_id)
    db.commit()
    return _public(view)
