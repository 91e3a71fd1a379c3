"""Requests for assistance: a partner asks the Organised Crime Command (or another agency) for help.

A request names what help is wanted (a :class:`~crimelink.domain.Specialism`), how urgent it is, and
optionally the organised crime group or entity it is about and when an answer is needed. It is tracked::

    OPEN -> ROUTED -> ACCEPTED -> CLOSED (with the response)
              |  \\________________-> DECLINED (with the reason) -> ROUTED (to someone else)
              +-> ROUTED (to another contact)

Who sees what: the router (``request.route``: Organised Crime Advisors and the co-ordinator) sees every
request, is offered the specialists of the directory who fit it (with the reasons), and routes it to a
contact and so to their agency. The requesting agency sees its own requests and where they stand; the
agency a request is routed to sees it, and accepts, closes or declines it (as the router may too).
Every other agency learns nothing of it. Every step is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, allowed
from crimelink.domain import AgencyKind, RequestStatus, RequestUrgency, Specialism
from crimelink.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from crimelink.services.auth import as_utc
from crimelink.services.callers import Caller, SystemCaller, authorise, record_event
from crimelink.services.contacts import ContactView, contact_view, contacts_with, parse_specialism
from crimelink.store.models import (
    Agency,
    AssistanceRequest,
    Contact,
    Entity,
    OrganisedCrimeGroup,
)
from crimelink.store.models.base import utcnow

MAX_TITLE = 300
MAX_TEXT = 10_000
#: Requests still waiting on someone.
PENDING = frozenset({RequestStatus.OPEN, RequestStatus.ROUTED, RequestStatus.ACCEPTED})
#: Where each status may go, and which step takes it there.
ROUTABLE = frozenset({RequestStatus.OPEN, RequestStatus.ROUTED, RequestStatus.DECLINED})


class RequestBox(StrEnum):
    """Which requests to list: the agency's own, those routed to it, or (for the router) all."""

    RAISED = "raised"
    RECEIVED = "received"
    ALL = "all"


@dataclass(frozen=True)
class RequestInput:
    title: str
    specialism: Specialism | str
    details: str = ""
    urgency: RequestUrgency | str = RequestUrgency.ROUTINE
    group_id: int | None = None
    entity_id: int | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class RequestView:
    """A request as one reader sees it; ``may_*`` say which steps that reader may take now."""

    id: int
    title: str
    details: str
    specialism: Specialism
    urgency: RequestUrgency
    status: RequestStatus
    requesting_agency_id: int
    requesting_agency_code: str
    requesting_agency_name: str
    requested_by: str
    #: The group's name only for readers of groups; its number otherwise.
    group_id: int | None
    group_name: str
    entity_id: int | None
    routed_to: ContactView | None
    routed_to_agency_id: int | None
    routed_to_agency_code: str
    routed_by: str | None
    routed_at: datetime | None
    due_on: date | None
    overdue: bool
    response: str
    closed_at: datetime | None
    closed_by: str | None
    created_at: datetime
    may_route: bool
    may_accept: bool
    may_close: bool
    may_decline: bool


@dataclass(frozen=True)
class Suggestion:
    """A specialist who could take a request, with why they are suggested (best first)."""

    contact: ContactView
    score: int
    reasons: tuple[str, ...]
    open_requests: int


def is_router(caller: Caller) -> bool:
    return isinstance(caller, SystemCaller) or bool(allowed(caller, Action.REQUEST_ROUTE))


def may_see_request(caller: Caller, request: AssistanceRequest) -> bool:
    """The router; the requesting agency; the agency it is routed to."""
    if is_router(caller):
        return True
    assert isinstance(caller, Actor)
    if not allowed(caller, Action.REQUEST_SUBMIT):
        return False
    return caller.agency_id in (request.requesting_agency_id, request.routed_to_agency_id)


def _is_receiver(caller: Caller, request: AssistanceRequest) -> bool:
    return (
        isinstance(caller, Actor)
        and request.routed_to_agency_id == caller.agency_id
        and bool(allowed(caller, Action.REQUEST_SUBMIT))
    )


def _name(caller: Caller) -> str:
    return caller.username if isinstance(caller, Actor) else f"system:{caller.command}"


def raise_request(
    session: Session, actor: Actor, data: RequestInput, *, now: datetime | None = None
) -> RequestView:
    """Ask for help on behalf of the actor's agency (``request.submit``). Audited.

    Example: ``raise_request(session, housing_officer, RequestInput(title="Cuckooed flat, Canal Road",
    specialism="COUNTY_LINES", urgency="PRIORITY", due_on=date(2026, 12, 4)))``.
    """
    authorise(actor, Action.REQUEST_SUBMIT)
    now = as_utc(now or utcnow())
    problems: dict[str, str] = {}
    title = data.title.strip()
    if not title:
        problems["title"] = "say in a line what help you need"
    elif len(title) > MAX_TITLE:
        problems["title"] = f"at most {MAX_TITLE} characters"
    details = data.details.strip()
    if len(details) > MAX_TEXT:
        problems["details"] = f"at most {MAX_TEXT} characters"
    specialism: Specialism | None = None
    if isinstance(data.specialism, Specialism):
        specialism = data.specialism
    elif not str(data.specialism).strip():
        problems["specialism"] = "choose the kind of help you need"
    else:
        try:
            specialism = parse_specialism(str(data.specialism))
        except InvalidInputError as error:
            problems["specialism"] = error.message
    try:
        urgency = RequestUrgency(str(data.urgency).strip().upper())
    except ValueError:
        urgency = RequestUrgency.ROUTINE
        problems["urgency"] = f"use one of {', '.join(u.value for u in RequestUrgency)}"
    if data.group_id is not None and session.get(OrganisedCrimeGroup, data.group_id) is None:
        problems["group_id"] = f"there is no organised crime group {data.group_id}"
    if data.entity_id is not None and session.get(Entity, data.entity_id) is None:
        problems["entity_id"] = f"there is no entity {data.entity_id}"
    if data.due_on is not None and data.due_on < now.date():
        problems["due_on"] = "the date has passed: give the date you need an answer by"
    if problems or specialism is None:
        raise InvalidInputError(problems)
    request = AssistanceRequest(
        requesting_agency_id=actor.agency_id,
        requested_by=actor.username,
        title=title,
        details=details,
        specialism=specialism.value,
        urgency=urgency,
        group_id=data.group_id,
        entity_id=data.entity_id,
        status=RequestStatus.OPEN,
        due_on=data.due_on,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    session.flush()
    record_event(
        session,
        actor,
        action="create",
        resource_type="assistance_request",
        resource_id=str(request.id),
        details={"specialism": request.specialism, "urgency": urgency.value},
    )
    return request_view(session, actor, request, today=now.date())


def _request(session: Session, caller: Caller, request_id: int) -> AssistanceRequest:
    if isinstance(caller, Actor) and not is_router(caller):
        authorise(caller, Action.REQUEST_SUBMIT)
    request = session.get(AssistanceRequest, request_id)
    if request is None or not may_see_request(caller, request):
        raise NotFoundError(f"there is no request {request_id} you can see: check the number")
    return request


def get_request(
    session: Session, caller: Caller, request_id: int, *, today: date | None = None
) -> RequestView:
    """One request, if the caller may see it. Audited."""
    request = _request(session, caller, request_id)
    record_event(
        session, caller, action="view", resource_type="assistance_request", resource_id=str(request.id)
    )
    return request_view(session, caller, request, today=today or utcnow().date())


def list_requests(
    session: Session,
    caller: Caller,
    *,
    box: RequestBox | str = RequestBox.RAISED,
    pending_only: bool = False,
    today: date | None = None,
) -> list[RequestView]:
    """Requests of one box, most urgent and oldest first among the pending, then the rest. Audited.

    ``raised``: the caller's agency's own; ``received``: routed to the caller's agency; ``all``: every
    request (the router only).
    """
    try:
        chosen = RequestBox(str(box).strip().lower())
    except ValueError:
        raise InvalidInputError("box", f"use one of {', '.join(b.value for b in RequestBox)}") from None
    query = select(AssistanceRequest)
    if chosen is RequestBox.ALL:
        authorise(caller, Action.REQUEST_ROUTE)
    else:
        authorise(caller, Action.REQUEST_SUBMIT)
        if not isinstance(caller, Actor):
            raise InvalidInputError("box", "a command on the server lists all requests")
        column = (
            AssistanceRequest.requesting_agency_id
            if chosen is RequestBox.RAISED
            else AssistanceRequest.routed_to_agency_id
        )
        query = query.where(column == caller.agency_id)
    if pending_only:
        query = query.where(AssistanceRequest.status.in_(PENDING))
    rows = list(session.scalars(query.order_by(AssistanceRequest.id)))
    urgency_rank = {RequestUrgency.URGENT: 0, RequestUrgency.PRIORITY: 1, RequestUrgency.ROUTINE: 2}
    rows.sort(key=lambda r: (r.status not in PENDING, urgency_rank[r.urgency], r.due_on or date.max, r.id))
    record_event(
        session,
        caller,
        action="view",
        resource_type="assistance_requests",
        details={"box": chosen.value, "shown": [r.id for r in rows][:500]},
    )
    today = today or utcnow().date()
    return [request_view(session, caller, r, today=today) for r in rows]


def pending_requests(session: Session) -> list[AssistanceRequest]:
    """Every request still waiting on someone (for the meeting agenda and reminders)."""
    query = select(AssistanceRequest).where(AssistanceRequest.status.in_(PENDING))
    return list(session.scalars(query.order_by(AssistanceRequest.id)))


def _open_by_contact(session: Session) -> dict[int, int]:
    counts: dict[int, int] = {}
    query = select(AssistanceRequest.routed_to_contact_id).where(
        AssistanceRequest.status.in_({RequestStatus.ROUTED, RequestStatus.ACCEPTED}),
        AssistanceRequest.routed_to_contact_id.is_not(None),
    )
    for contact_id in session.scalars(query):
        if contact_id is not None:
            counts[contact_id] = counts.get(contact_id, 0) + 1
    return counts


def suggest_specialists(
    session: Session, caller: Caller, request_id: int, *, limit: int = 5
) -> list[Suggestion]:
    """Active contacts whose specialisms include the request's, best first, each with its reasons.

    The Organised Crime Command comes first, then other police agencies, then everyone else; an urgent
    request prefers those reachable out of hours; then those who use Crimelink (they see the request on
    their home page); then those with fewest requests in hand.
    """
    authorise(caller, Action.REQUEST_ROUTE)
    request = _request(session, caller, request_id)
    specialism = Specialism(request.specialism)
    in_hand = _open_by_contact(session)
    suggestions: list[Suggestion] = []
    for contact in contacts_with(session, specialism):
        agency = session.get(Agency, contact.agency_id)
        reasons = [f"offers {specialism.value.replace('_', ' ').lower()}"]
        score = 10
        if agency is not None and agency.kind is AgencyKind.POLICE_FORCE_SOC:
            score += 40
            reasons.append(f"{agency.name} is the Organised Crime Command")
        elif agency is not None and agency.is_police:
            score += 25
            reasons.append(f"{agency.name} is a police agency")
        if request.urgency is RequestUrgency.URGENT:
            if contact.out_of_hours:
                score += 15
                reasons.append("reachable out of hours, and the request is urgent")
        elif contact.out_of_hours:
            score += 2
        if contact.username:
            score += 5
            reasons.append("uses Crimelink, so sees the request on their home page")
        if agency is not None and agency.id == request.requesting_agency_id:
            score -= 20
            reasons.append("is in the requesting agency itself")
        load = in_hand.get(contact.id, 0)
        score -= min(load, 5) * 3
        reasons.append(f"has {load} request{'s' if load != 1 else ''} in hand")
        suggestions.append(
            Suggestion(
                contact=contact_view(session, contact),
                score=score,
                reasons=tuple(reasons),
                open_requests=load,
            )
        )
    suggestions.sort(key=lambda s: (-s.score, s.open_requests, s.contact.name, s.contact.id))
    return suggestions[:limit]


def route_request(
    session: Session,
    caller: Caller,
    request_id: int,
    *,
    contact_id: int,
    note: str = "",
    now: datetime | None = None,
) -> RequestView:
    """Route (or re-route) a request to a contact of the directory, and so to their agency. Audited."""
    authorise(caller, Action.REQUEST_ROUTE)
    request = _request(session, caller, request_id)
    if request.status not in ROUTABLE:
        raise InvalidInputError(
            "status", f"request {request.id} is {request.status.value.lower()}: it can no longer be routed"
        )
    contact = session.get(Contact, contact_id)
    if contact is None or not contact.active:
        raise InvalidInputError("contact_id", f"there is no active contact {contact_id} in the directory")
    if len(note) > MAX_TEXT:
        raise InvalidInputError("note", f"at most {MAX_TEXT} characters")
    now = as_utc(now or utcnow())
    previous = request.status
    request.status = RequestStatus.ROUTED
    request.routed_to_contact_id = contact.id
    request.routed_to_agency_id = contact.agency_id
    request.routed_by = _name(caller)
    request.routed_at = now
    request.updated_at = now
    if previous is RequestStatus.DECLINED:
        request.response = ""
    record_event(
        session,
        caller,
        action="update",
        resource_type="assistance_request",
        resource_id=str(request.id),
        details={
            "from": previous.value,
            "to": RequestStatus.ROUTED.value,
            "contact_id": contact.id,
            "agency_id": contact.agency_id,
            "note": note.strip()[:500],
        },
    )
    return request_view(session, caller, request, today=now.date())


def _step(
    session: Session,
    caller: Caller,
    request_id: int,
    *,
    to: RequestStatus,
    from_statuses: frozenset[RequestStatus],
    text: str,
    text_field: str,
    now: datetime | None,
) -> RequestView:
    request = _request(session, caller, request_id)
    if not (is_router(caller) or _is_receiver(caller, request)):
        raise PermissionDeniedError(
            "only the agency a request is routed to (or the router) may accept, close or decline it"
        )
    if request.status not in from_statuses:
        allowed_from = " or ".join(s.value.lower() for s in sorted(from_statuses))
        raise InvalidInputError(
            "status",
            f"request {request.id} is {request.status.value.lower()}; only a request that is {allowed_from} "
            f"can be {to.value.lower()}",
        )
    if text_field and not text.strip():
        what = "the answer given" if to is RequestStatus.CLOSED else "why it is declined"
        raise InvalidInputError(text_field, f"say {what}")
    if len(text) > MAX_TEXT:
        raise InvalidInputError(text_field or "note", f"at most {MAX_TEXT} characters")
    now = as_utc(now or utcnow())
    previous = request.status
    request.status = to
    request.updated_at = now
    if to in (RequestStatus.CLOSED, RequestStatus.DECLINED):
        request.response = text.strip()
        request.closed_at = now
        request.closed_by = _name(caller)
    record_event(
        session,
        caller,
        action="update",
        resource_type="assistance_request",
        resource_id=str(request.id),
        details={"from": previous.value, "to": to.value},
    )
    return request_view(session, caller, request, today=now.date())


def accept_request(
    session: Session, caller: Caller, request_id: int, *, now: datetime | None = None
) -> RequestView:
    """The agency it is routed to (or the router) takes it on. Audited."""
    return _step(
        session,
        caller,
        request_id,
        to=RequestStatus.ACCEPTED,
        from_statuses=frozenset({RequestStatus.ROUTED}),
        text="",
        text_field="",
        now=now,
    )


def close_request(
    session: Session, caller: Caller, request_id: int, *, response: str, now: datetime | None = None
) -> RequestView:
    """Close an accepted request with the response given to the requester. Audited."""
    return _step(
        session,
        caller,
        request_id,
        to=RequestStatus.CLOSED,
        from_statuses=frozenset({RequestStatus.ACCEPTED}),
        text=response,
        text_field="response",
        now=now,
    )


def decline_request(
    session: Session, caller: Caller, request_id: int, *, reason: str, now: datetime | None = None
) -> RequestView:
    """Decline a routed or accepted request, saying why (the router may then route it elsewhere)."""
    return _step(
        session,
        caller,
        request_id,
        to=RequestStatus.DECLINED,
        from_statuses=frozenset({RequestStatus.ROUTED, RequestStatus.ACCEPTED}),
        text=reason,
        text_field="reason",
        now=now,
    )


def request_view(session: Session, caller: Caller, request: AssistanceRequest, *, today: date) -> RequestView:
    """What ``caller`` (who may see ``request``) reads of it."""
    requester = session.get(Agency, request.requesting_agency_id)
    routed_agency = (
        session.get(Agency, request.routed_to_agency_id) if request.routed_to_agency_id is not None else None
    )
    contact = (
        session.get(Contact, request.routed_to_contact_id)
        if request.routed_to_contact_id is not None
        else None
    )
    group_name = ""
    if request.group_id is not None and (
        isinstance(caller, SystemCaller) or allowed(caller, Action.GROUP_VIEW)
    ):
        group = session.get(OrganisedCrimeGroup, request.group_id)
        group_name = group.name if group is not None else ""
    router = is_router(caller)
    handles = router or _is_receiver(caller, request)
    return RequestView(
        id=request.id,
        title=request.title,
        details=request.details,
        specialism=Specialism(request.specialism),
        urgency=request.urgency,
        status=request.status,
        requesting_agency_id=request.requesting_agency_id,
        requesting_agency_code=requester.code if requester else "",
        requesting_agency_name=requester.name if requester else "",
        requested_by=request.requested_by,
        group_id=request.group_id,
        group_name=group_name,
        entity_id=request.entity_id,
        routed_to=contact_view(session, contact) if contact is not None else None,
        routed_to_agency_id=request.routed_to_agency_id,
        routed_to_agency_code=routed_agency.code if routed_agency else "",
        routed_by=request.routed_by,
        routed_at=request.routed_at,
        due_on=request.due_on,
        overdue=request.status in PENDING and request.due_on is not None and request.due_on < today,
        response=request.response,
        closed_at=request.closed_at,
        closed_by=request.closed_by,
        created_at=request.created_at,
        may_route=router and request.status in ROUTABLE,
        may_accept=handles and request.status is RequestStatus.ROUTED,
        may_close=handles and request.status is RequestStatus.ACCEPTED,
        may_decline=handles and request.status in (RequestStatus.ROUTED, RequestStatus.ACCEPTED),
    )
