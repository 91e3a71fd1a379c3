"""Partnership meetings: call one, build its agenda from live items, record minutes and resolutions.

A meeting is PLANNED when called (title, when, where, chair, attendees). Until it is held its agenda may
be built from live items and rebuilt, and the chair may add and remove items
(:mod:`crimelink.services.meeting_agenda` says what is picked up and how each reader sees it). From the
day it sits, minutes are recorded and **resolutions** passed: a resolution given to an agency (with an
assignee if named) and a due date becomes a tracked action (approved at once, its note naming the
meeting), linked from the resolution; the next meeting's agenda lists those actions with their status
then. Marking the meeting HELD closes its agenda; a planned meeting may instead be CANCELLED.

Every reader of the partnership (``partnership.view``) reads meetings; the Organised Crime Advisors and
the co-ordinator (``partnership.manage``) run them. Everything is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, allowed
from crimelink.deconflict.windows import as_utc
from crimelink.domain import ActionStatus, MeetingStatus
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.services.callers import Caller, SystemCaller, authorise, record_event
from crimelink.services.meeting_agenda import (
    AgendaItemView,
    agenda_view,
    item,
    next_item_ref,
    previous_meeting,
    rebuild,
)
from crimelink.services.plan_actions import ActionInput, ActionView, action_view, create_action
from crimelink.store.models import Agency, Meeting, MeetingResolution, PlanAction
from crimelink.store.models.base import utcnow

MAX_TITLE = 200
MAX_PLACE = 300
MAX_PERSON = 200
MAX_ATTENDEES = 100
MAX_MINUTES = 100_000
MAX_RESOLUTION = 10_000
MAX_AGENDA_TEXT = 2_000


@dataclass(frozen=True)
class MeetingInput:
    title: str
    held_at: datetime | None
    location: str = ""
    chair: str = ""
    attendees: Sequence[str] = ()


@dataclass(frozen=True)
class ResolutionInput:
    """What was resolved; with an agency and a due date it becomes a tracked action."""

    text: str
    agency_id: int | None = None
    assignee: str = ""
    due_on: date | None = None


@dataclass(frozen=True)
class ResolutionView:
    id: int
    text: str
    agency_id: int | None
    agency_code: str
    assignee: str
    due_on: date | None
    action: ActionView | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class MeetingSummary:
    id: int
    title: str
    held_at: datetime
    location: str
    chair: str
    status: MeetingStatus
    agenda_items: int
    resolutions: int


@dataclass(frozen=True)
class MeetingView:
    id: int
    title: str
    held_at: datetime
    location: str
    chair: str
    attendees: tuple[str, ...]
    status: MeetingStatus
    agenda: list[AgendaItemView]
    minutes: str
    minutes_by: str | None
    minutes_at: datetime | None
    resolutions: list[ResolutionView]
    previous_meeting_id: int | None
    created_by: str
    created_at: datetime
    #: What the reader may do now.
    may_edit_agenda: bool
    may_record: bool
    may_mark_held: bool


def _name(caller: Caller) -> str:
    return f"system:{caller.command}" if isinstance(caller, SystemCaller) else caller.username


def _manages(caller: Caller) -> bool:
    return isinstance(caller, SystemCaller) or bool(allowed(caller, Action.PARTNERSHIP_MANAGE))


def _meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFoundError(f"there is no meeting {meeting_id}: check the number, or open the meetings list")
    return meeting


def _clean(data: MeetingInput) -> dict[str, object]:
    problems: dict[str, str] = {}
    title = data.title.strip()
    if not title:
        problems["title"] = "name the meeting (for example: SOC Partnership Board)"
    elif len(title) > MAX_TITLE:
        problems["title"] = f"at most {MAX_TITLE} characters"
    if data.held_at is None:
        problems["held_at"] = "give the date and time of the meeting"
    location = data.location.strip()
    if len(location) > MAX_PLACE:
        problems["location"] = f"at most {MAX_PLACE} characters"
    chair = data.chair.strip()
    if len(chair) > MAX_PERSON:
        problems["chair"] = f"at most {MAX_PERSON} characters"
    attendees = [a.strip() for a in data.attendees if a.strip()]
    if len(attendees) > MAX_ATTENDEES:
        problems["attendees"] = f"at most {MAX_ATTENDEES} attendees"
    elif any(len(a) > MAX_PERSON for a in attendees):
        problems["attendees"] = f"each attendee at most {MAX_PERSON} characters"
    if problems or data.held_at is None:
        raise InvalidInputError(problems)
    return {
        "title": title,
        "held_at": as_utc(data.held_at),
        "location": location,
        "chair": chair,
        "attendees": list(dict.fromkeys(attendees)),
    }


def call_meeting(
    session: Session,
    caller: Caller,
    data: MeetingInput,
    *,
    build_agenda: bool = True,
    now: datetime | None = None,
) -> MeetingView:
    """Call a meeting (``partnership.manage``), its agenda built from live items at once. Audited.

    Example: ``call_meeting(session, coordinator, MeetingInput(title="SOC Partnership Board",
    held_at=datetime(2026, 12, 10, 10, 0, tzinfo=UTC), location="Town Hall, Room 2",
    chair="Cllr Ade Okafor", attendees=["DS Priya Shah (OCC)", "Jo Bell (Housing)"]))``.
    """
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    now = as_utc(now or utcnow())
    values = _clean(data)
    meeting = Meeting(
        **values, status=MeetingStatus.PLANNED, agenda=[], created_by=_name(caller), created_at=now
    )
    session.add(meeting)
    session.flush()
    if build_agenda:
        meeting.agenda = rebuild(session, meeting, today=now.date())
    record_event(
        session,
        caller,
        action="create",
        resource_type="meeting",
        resource_id=str(meeting.id),
        details={"held_at": meeting.held_at.isoformat(), "agenda_items": len(meeting.agenda)},
    )
    return meeting_view(session, caller, meeting, today=now.date())


def _planned(meeting: Meeting, doing: str) -> None:
    if meeting.status is not MeetingStatus.PLANNED:
        raise InvalidInputError(
            "status",
            f"meeting {meeting.id} is {meeting.status.value.lower()}: its {doing} can no longer change",
        )


def update_meeting(
    session: Session, caller: Caller, meeting_id: int, data: MeetingInput, *, now: datetime | None = None
) -> MeetingView:
    """Change a planned meeting's details. Audited with what changed."""
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    meeting = _meeting(session, meeting_id)
    _planned(meeting, "details")
    values = _clean(data)
    changed = sorted(name for name, value in values.items() if getattr(meeting, name) != value)
    for name, value in values.items():
        setattr(meeting, name, value)
    record_event(
        session,
        caller,
        action="update",
        resource_type="meeting",
        resource_id=str(meeting.id),
        details={"changed": changed},
    )
    return meeting_view(session, caller, meeting, today=as_utc(now or utcnow()).date())


def rebuild_agenda(
    session: Session, caller: Caller, meeting_id: int, *, now: datetime | None = None
) -> MeetingView:
    """Build the agenda again from live items as of now, keeping the chair's own items. Audited."""
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    meeting = _meeting(session, meeting_id)
    _planned(meeting, "agenda")
    today = as_utc(now or utcnow()).date()
    meeting.agenda = rebuild(session, meeting, today=today)
    record_event(
        session,
        caller,
        action="update",
        resource_type="meeting",
        resource_id=str(meeting.id),
        details={"agenda": "rebuilt", "agenda_items": len(meeting.agenda)},
    )
    return meeting_view(session, caller, meeting, today=today)


def add_agenda_item(
    session: Session,
    caller: Caller,
    meeting_id: int,
    *,
    title: str,
    detail: str = "",
    now: datetime | None = None,
) -> MeetingView:
    """The chair's own item (kept when the agenda is rebuilt). Audited."""
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    meeting = _meeting(session, meeting_id)
    _planned(meeting, "agenda")
    problems: dict[str, str] = {}
    if not title.strip():
        problems["title"] = "say what the item is"
    elif len(title.strip()) > MAX_TITLE:
        problems["title"] = f"at most {MAX_TITLE} characters"
    if len(detail.strip()) > MAX_AGENDA_TEXT:
        problems["detail"] = f"at most {MAX_AGENDA_TEXT} characters"
    if problems:
        raise InvalidInputError(problems)
    ref = next_item_ref(meeting.agenda)
    meeting.agenda = [*meeting.agenda, item("item", title.strip(), detail.strip(), ref)]
    record_event(
        session,
        caller,
        action="update",
        resource_type="meeting",
        resource_id=str(meeting.id),
        details={"agenda": "item added", "ref": ref},
    )
    return meeting_view(session, caller, meeting, today=as_utc(now or utcnow()).date())


def remove_agenda_item(
    session: Session, caller: Caller, meeting_id: int, *, ref: str, now: datetime | None = None
) -> MeetingView:
    """Take an item the caller can see off the agenda (a live one returns if the agenda is rebuilt)."""
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    meeting = _meeting(session, meeting_id)
    _planned(meeting, "agenda")
    today = as_utc(now or utcnow()).date()
    visible = {v.ref for v in agenda_view(session, caller, meeting, today=today) if v.ref}
    if not ref or ref not in visible:
        raise InvalidInputError("ref", f"there is no agenda item '{ref}' you can see on meeting {meeting.id}")
    meeting.agenda = [i for i in meeting.agenda if i.get("ref") != ref]
    record_event(
        session,
        caller,
        action="update",
        resource_type="meeting",
        resource_id=str(meeting.id),
        details={"agenda": "item removed", "ref": ref},
    )
    return meeting_view(session, caller, meeting, today=today)


def _sitting(meeting: Meeting, today: date, doing: str) -> None:
    if meeting.status is MeetingStatus.CANCELLED:
        raise InvalidInputError("status", f"meeting {meeting.id} was cancelled: it has no {doing}")
    held_on = as_utc(meeting.held_at).date()
    if held_on > today:
        raise InvalidInputError(
            "status",
            f"meeting {meeting.id} sits on {held_on.strftime('%d %b %Y')}: record its {doing} from that day",
        )


def record_minutes(
    session: Session, caller: Caller, meeting_id: int, *, minutes: str, now: datetime | None = None
) -> MeetingView:
    """Record (or correct) the minutes, from the day the meeting sits. Audited."""
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    meeting = _meeting(session, meeting_id)
    now = as_utc(now or utcnow())
    _sitting(meeting, now.date(), "minutes")
    text = minutes.strip()
    if not text:
        raise InvalidInputError("minutes", "write the minutes of the meeting")
    if len(text) > MAX_MINUTES:
        raise InvalidInputError("minutes", f"at most {MAX_MINUTES} characters")
    meeting.minutes = text
    meeting.minutes_by = _name(caller)
    meeting.minutes_at = now
    record_event(
        session,
        caller,
        action="update",
        resource_type="meeting",
        resource_id=str(meeting.id),
        details={"minutes": len(text)},
    )
    return meeting_view(session, caller, meeting, today=now.date())


def add_resolution(
    session: Session,
    caller: Caller,
    meeting_id: int,
    data: ResolutionInput,
    *,
    now: datetime | None = None,
) -> ResolutionView:
    """Record a resolution; given to an agency with a due date, it becomes a tracked action. Audited.

    Example: ``add_resolution(session, coordinator, 4, ResolutionInput(text="Housing to serve a closure
    notice on 14 Canal Road", agency_id=housing.id, assignee="Jo Bell", due_on=date(2026, 12, 18)))``.
    """
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    meeting = _meeting(session, meeting_id)
    now = as_utc(now or utcnow())
    _sitting(meeting, now.date(), "resolutions")
    problems: dict[str, str] = {}
    text = data.text.strip()
    if not text:
        problems["text"] = "say what the meeting resolved"
    elif len(text) > MAX_RESOLUTION:
        problems["text"] = f"at most {MAX_RESOLUTION} characters"
    assignee = data.assignee.strip()
    if len(assignee) > MAX_PERSON:
        problems["assignee"] = f"at most {MAX_PERSON} characters"
    if data.agency_id is not None and session.get(Agency, data.agency_id) is None:
        problems["agency_id"] = f"there is no agency {data.agency_id}"
    if data.agency_id is None and (data.due_on is not None or assignee):
        problems["agency_id"] = "say which agency owns it (an assignee or due date needs an owner)"
    if data.agency_id is not None and data.due_on is None:
        problems["due_on"] = "give a due date, so that the action can be tracked"
    if data.due_on is not None and data.due_on < as_utc(meeting.held_at).date():
        problems["due_on"] = "the due date is before the meeting"
    if problems:
        raise InvalidInputError(problems)
    resolution = MeetingResolution(
        meeting_id=meeting.id,
        text=text,
        agency_id=data.agency_id,
        assignee=assignee,
        due_on=data.due_on,
        created_by=_name(caller),
        created_at=now,
    )
    meeting.resolutions.append(resolution)
    session.flush()
    if data.agency_id is not None:
        title, description = (text, "") if len(text) <= 300 else (text[:297].rstrip() + "...", text)
        action = create_action(
            session,
            caller,
            ActionInput(
                title=title,
                description=description,
                agency_id=data.agency_id,
                assignee=assignee,
                due_on=data.due_on,
                meeting_id=meeting.id,
                status=ActionStatus.APPROVED,
                note=f"resolved at {meeting.title} on {as_utc(meeting.held_at).strftime('%d %b %Y')} "
                f"(meeting {meeting.id})",
            ),
            now=now,
        )
        resolution.action_id = action.id
    record_event(
        session,
        caller,
        action="create",
        resource_type="meeting_resolution",
        resource_id=str(resolution.id),
        details={"meeting_id": meeting.id, "action_id": resolution.action_id},
    )
    return _resolution_view(session, caller, resolution, today=now.date())


def mark_held(
    session: Session, caller: Caller, meeting_id: int, *, now: datetime | None = None
) -> MeetingView:
    """The meeting has sat: its agenda is kept as it stood. Audited."""
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    meeting = _meeting(session, meeting_id)
    now = as_utc(now or utcnow())
    _planned(meeting, "status")
    _sitting(meeting, now.date(), "holding")
    meeting.status = MeetingStatus.HELD
    record_event(
        session,
        caller,
        action="update",
        resource_type="meeting",
        resource_id=str(meeting.id),
        details={"status": MeetingStatus.HELD.value},
    )
    return meeting_view(session, caller, meeting, today=now.date())


def cancel_meeting(
    session: Session, caller: Caller, meeting_id: int, *, now: datetime | None = None
) -> MeetingView:
    """Cancel a planned meeting. Audited."""
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    meeting = _meeting(session, meeting_id)
    _planned(meeting, "status")
    meeting.status = MeetingStatus.CANCELLED
    record_event(
        session,
        caller,
        action="update",
        resource_type="meeting",
        resource_id=str(meeting.id),
        details={"status": MeetingStatus.CANCELLED.value},
    )
    return meeting_view(session, caller, meeting, today=as_utc(now or utcnow()).date())


# --- reading ----------------------------------------------------------------------------------------


def _resolution_view(
    session: Session, caller: Caller, resolution: MeetingResolution, *, today: date
) -> ResolutionView:
    agency = session.get(Agency, resolution.agency_id) if resolution.agency_id is not None else None
    action = session.get(PlanAction, resolution.action_id) if resolution.action_id is not None else None
    return ResolutionView(
        id=resolution.id,
        text=resolution.text,
        agency_id=resolution.agency_id,
        agency_code=agency.code if agency else "",
        assignee=resolution.assignee,
        due_on=resolution.due_on,
        action=action_view(session, caller, action, today=today) if action is not None else None,
        created_by=resolution.created_by,
        created_at=resolution.created_at,
    )


def meeting_view(session: Session, caller: Caller, meeting: Meeting, *, today: date) -> MeetingView:
    """The meeting as ``caller`` may read it (its agenda filtered item by item)."""
    manages = _manages(caller)
    planned = meeting.status is MeetingStatus.PLANNED
    sits = as_utc(meeting.held_at).date() <= today
    previous = previous_meeting(session, meeting)
    return MeetingView(
        id=meeting.id,
        title=meeting.title,
        held_at=as_utc(meeting.held_at),
        location=meeting.location,
        chair=meeting.chair,
        attendees=tuple(meeting.attendees),
        status=meeting.status,
        agenda=agenda_view(session, caller, meeting, today=today, may_edit=manages and planned),
        minutes=meeting.minutes,
        minutes_by=meeting.minutes_by,
        minutes_at=meeting.minutes_at,
        resolutions=[_resolution_view(session, caller, r, today=today) for r in meeting.resolutions],
        previous_meeting_id=previous.id if previous is not None else None,
        created_by=meeting.created_by,
        created_at=meeting.created_at,
        may_edit_agenda=manages and planned,
        may_record=manages and meeting.status is not MeetingStatus.CANCELLED and sits,
        may_mark_held=manages and planned and sits,
    )


def get_meeting(
    session: Session, caller: Caller, meeting_id: int, *, today: date | None = None
) -> MeetingView:
    """One meeting: agenda (as the reader may see it), minutes, resolutions and their actions. Audited."""
    authorise(caller, Action.PARTNERSHIP_VIEW)
    meeting = _meeting(session, meeting_id)
    record_event(session, caller, action="view", resource_type="meeting", resource_id=str(meeting.id))
    return meeting_view(session, caller, meeting, today=today or utcnow().date())


def list_meetings(session: Session, caller: Caller) -> list[MeetingSummary]:
    """Every meeting, the latest first. Audited."""
    authorise(caller, Action.PARTNERSHIP_VIEW)
    rows = session.scalars(select(Meeting).order_by(Meeting.held_at.desc(), Meeting.id.desc())).all()
    record_event(session, caller, action="view", resource_type="meetings", details={"shown": len(rows)})
    return [
        MeetingSummary(
            id=m.id,
            title=m.title,
            held_at=as_utc(m.held_at),
            location=m.location,
            chair=m.chair,
            status=m.status,
            agenda_items=len(m.agenda),
            resolutions=len(m.resolutions),
        )
        for m in rows
    ]
