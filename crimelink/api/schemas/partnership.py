"""The partnership plan, meetings, requests for assistance and the directory of contacts.

Requests (``XCreate``) carry what a form carries; the services check every field and name each problem
in the 422 body's ``errors``. Responses (``XPublic``) are the services' views as the caller may read them:
a meeting's agenda has already been filtered item by item for the caller (an item they may not see in
detail is a count, ``count`` > 0, with no ``ref``).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from crimelink.api.schemas.common import StoreId, UtcDatetime

# --- the directory -----------------------------------------------------------------------------------


class ContactCreate(BaseModel):
    """An entry of the directory; give an e-mail address or a telephone number (or both)."""

    agency_id: StoreId
    name: str = Field(max_length=400)
    specialisms: list[str] = Field(default_factory=list, max_length=30)
    job_title: str = Field(default="", max_length=400)
    email: str = Field(default="", max_length=400)
    phone: str = Field(default="", max_length=60)
    out_of_hours: bool = False
    username: str = Field(default="", max_length=200)
    notes: str = Field(default="", max_length=8000)


class ContactPublic(BaseModel):
    id: int
    agency_id: int
    agency_code: str
    agency_name: str
    name: str
    job_title: str
    specialisms: list[str]
    email: str
    phone: str
    phone_display: str
    out_of_hours: bool
    username: str | None
    notes: str
    active: bool


class DirectoryPublic(BaseModel):
    contacts: list[ContactPublic]
    specialism: str | None
    agency_id: int | None
    query: str
    specialism_counts: dict[str, int]


class ContactActive(BaseModel):
    active: bool


# --- requests for assistance ------------------------------------------------------------------------


class RequestCreate(BaseModel):
    """What help is wanted: ``specialism`` a Specialism code; ``urgency`` ROUTINE, PRIORITY or URGENT."""

    title: str = Field(max_length=600)
    specialism: str = Field(max_length=60)
    details: str = Field(default="", max_length=20_000)
    urgency: str = Field(default="ROUTINE", max_length=20)
    group_id: StoreId | None = None
    entity_id: StoreId | None = None
    due_on: date | None = None


class RequestRoute(BaseModel):
    contact_id: StoreId
    note: str = Field(default="", max_length=20_000)


class RequestClose(BaseModel):
    response: str = Field(max_length=20_000)


class RequestDecline(BaseModel):
    reason: str = Field(max_length=20_000)


class RequestPublic(BaseModel):
    id: int
    title: str
    details: str
    specialism: str
    urgency: str
    status: str
    requesting_agency_id: int
    requesting_agency_code: str
    requesting_agency_name: str
    requested_by: str
    group_id: int | None
    group_name: str
    entity_id: int | None
    routed_to: ContactPublic | None
    routed_to_agency_id: int | None
    routed_to_agency_code: str
    routed_by: str | None
    routed_at: UtcDatetime | None
    due_on: date | None
    overdue: bool
    response: str
    closed_at: UtcDatetime | None
    closed_by: str | None
    created_at: UtcDatetime
    may_route: bool
    may_accept: bool
    may_close: bool
    may_decline: bool


class RequestListPublic(BaseModel):
    box: str
    requests: list[RequestPublic]


class SuggestionPublic(BaseModel):
    contact: ContactPublic
    score: int
    reasons: list[str]
    open_requests: int


# --- actions, as the plan and meetings show them ------------------------------------------------------


class PlanActionPublic(BaseModel):
    """An action (its page: ``/actions/{id}``)."""

    id: int
    title: str
    agency_id: int
    agency_code: str
    assignee: str
    due_on: date | None
    status: str
    four_p: str | None
    overdue: bool
    days_overdue: int
    meeting_id: int | None
    objective_id: int | None
    initiative_id: int | None


class PlanActionCreate(BaseModel):
    """An action for an objective or an initiative (the home is in the URL)."""

    title: str = Field(max_length=600)
    agency_id: StoreId
    due_on: date | None = None
    assignee: str = Field(default="", max_length=400)
    description: str = Field(default="", max_length=20_000)


# --- the partnership plan ---------------------------------------------------------------------------


class AgencyRefPublic(BaseModel):
    id: int
    code: str
    name: str


class ActionCountsPublic(BaseModel):
    by_status: dict[str, int]
    total: int
    open: int
    done: int
    overdue: int


class ObjectiveCreate(BaseModel):
    """``four_p`` PURSUE, PREVENT, PROTECT or PREPARE; ``phase`` CLEAR, HOLD or BUILD;
    ``status`` ACTIVE, ACHIEVED or DROPPED."""

    title: str = Field(max_length=600)
    four_p: str = Field(max_length=20)
    description: str = Field(default="", max_length=20_000)
    phase: str | None = Field(default=None, max_length=20)
    owner_agency_id: StoreId | None = None
    measure: str = Field(default="", max_length=20_000)
    status: str = Field(default="ACTIVE", max_length=20)


class InitiativeCreate(BaseModel):
    name: str = Field(max_length=400)
    lead_agency_id: StoreId
    description: str = Field(default="", max_length=20_000)
    phase: str | None = Field(default=None, max_length=20)
    area: str = Field(default="", max_length=600)
    starts_on: date | None = None
    ends_on: date | None = None
    partner_agency_ids: list[StoreId] = Field(default_factory=list, max_length=100)
    objective_id: StoreId | None = None
    measures: str = Field(default="", max_length=20_000)


class InitiativeMove(BaseModel):
    """``status``: ACTIVE, COMPLETED, CANCELLED (or PLANNED again after cancelling)."""

    status: str = Field(max_length=20)


class InitiativePublic(BaseModel):
    id: int
    name: str
    description: str
    phase: str | None
    area: str
    starts_on: date | None
    ends_on: date | None
    lead_agency: AgencyRefPublic | None
    partner_agencies: list[AgencyRefPublic]
    objective_id: int | None
    objective_title: str
    measures: str
    status: str
    next_statuses: list[str]
    counts: ActionCountsPublic
    created_by: str
    created_at: UtcDatetime
    actions: list[PlanActionPublic]


class PlanLinkPublic(BaseModel):
    id: int
    title: str
    status: str


class ObjectivePublic(BaseModel):
    id: int
    title: str
    description: str
    four_p: str
    phase: str | None
    owner_agency: AgencyRefPublic | None
    measure: str
    status: str
    counts: ActionCountsPublic
    initiatives: list[InitiativePublic]
    plans: list[PlanLinkPublic]
    created_by: str
    created_at: UtcDatetime
    actions: list[PlanActionPublic]


class BoardColumnPublic(BaseModel):
    four_p: str
    objectives: list[ObjectivePublic]
    counts: ActionCountsPublic


class PlanBoardPublic(BaseModel):
    columns: list[BoardColumnPublic]
    unattached_initiatives: list[InitiativePublic]
    totals: ActionCountsPublic
    include_closed: bool
    phases: dict[str, int]


# --- meetings --------------------------------------------------------------------------------------


class MeetingCreate(BaseModel):
    title: str = Field(max_length=400)
    held_at: datetime
    location: str = Field(default="", max_length=600)
    chair: str = Field(default="", max_length=400)
    attendees: list[str] = Field(default_factory=list, max_length=200)
    build_agenda: bool = True


class AgendaItemCreate(BaseModel):
    title: str = Field(max_length=400)
    detail: str = Field(default="", max_length=4000)


class MinutesBody(BaseModel):
    minutes: str = Field(max_length=200_000)


class ResolutionCreate(BaseModel):
    """With ``agency_id`` and ``due_on`` the resolution becomes a tracked action."""

    text: str = Field(max_length=20_000)
    agency_id: StoreId | None = None
    assignee: str = Field(default="", max_length=400)
    due_on: date | None = None


class AgendaItemPublic(BaseModel):
    position: int
    kind: str
    section: str
    title: str
    detail: str
    ref: str
    href: str
    status: str
    overdue: bool
    count: int
    removable: bool


class ResolutionPublic(BaseModel):
    id: int
    text: str
    agency_id: int | None
    agency_code: str
    assignee: str
    due_on: date | None
    action: PlanActionPublic | None
    created_by: str
    created_at: UtcDatetime


class MeetingSummaryPublic(BaseModel):
    id: int
    title: str
    held_at: UtcDatetime
    location: str
    chair: str
    status: str
    agenda_items: int
    resolutions: int


class MeetingListPublic(BaseModel):
    meetings: list[MeetingSummaryPublic]


class MeetingPublic(BaseModel):
    id: int
    title: str
    held_at: UtcDatetime
    location: str
    chair: str
    attendees: list[str]
    status: str
    agenda: list[AgendaItemPublic]
    minutes: str
    minutes_by: str | None
    minutes_at: UtcDatetime | None
    resolutions: list[ResolutionPublic]
    previous_meeting_id: int | None
    created_by: str
    created_at: UtcDatetime
    may_edit_agenda: bool
    may_record: bool
    may_mark_held: bool
