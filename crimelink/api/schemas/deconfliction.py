"""Operations, interests, conflicts (blind to each side, in full to the desk), notices and the map.

Requests (``XCreate``) carry what a form carries; the services check every field and name each problem
(``locations[1].radius_m``, ``targets[0].dob``) in the 422 body's ``errors``. Responses (``XPublic``) are
the services' view dataclasses, one per audience: an agency's own operations and interests in full, the
other side of each conflict only as :class:`CounterpartPublic` (``hold``: "contact the police SOC desk"
and nothing more), and the desk's views with both sides.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from crimelink.api.schemas.common import StoreId, UtcDatetime
from crimelink.services.deconfliction import MAX_LOCATIONS, MAX_TARGETS

Resolution = Literal["PROCEED", "JOINT", "DELAY", "CANCEL", "NO_CONFLICT"]

# --- requests ---------------------------------------------------------------------------------


class LocationCreate(BaseModel):
    """Where: an address (postcode, UPRN) and/or a point with a radius (default 300 m)."""

    address: str = Field(default="", max_length=300)
    postcode: str | None = Field(default=None, max_length=20)
    uprn: str | None = Field(default=None, max_length=20)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    radius_m: float | None = Field(default=None, ge=0, le=100_000)


class TargetCreate(BaseModel):
    """Who or what: ``kind`` PERSON (``value`` the name, with ``dob``), PHONE, VRM, VIN, EMAIL,
    COMPANY_NUMBER, UPRN, IP_ADDRESS, BANK_ACCOUNT, or ENTITY (with ``entity_id``)."""

    kind: str = Field(max_length=40)
    value: str = Field(default="", max_length=300)
    dob: str | None = Field(default=None, max_length=40)
    entity_id: StoreId | None = None


class OperationCreate(BaseModel):
    """An operation: ``standing`` ones may have no end; one that started over 15 minutes before it is
    registered needs ``retrospective_reason``. ``submit`` false keeps a draft (not checked)."""

    name: str = Field(max_length=400)
    officer: str = Field(max_length=400)
    contact_24h: str = Field(max_length=400)
    operation_type: str = Field(max_length=60)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    standing: bool = False
    visibility: Literal["OVERT", "COVERT"] = "OVERT"
    classification: str = Field(default="OFFICIAL", max_length=40)
    armed: bool = False
    locations: list[LocationCreate] = Field(default_factory=list, max_length=MAX_LOCATIONS)
    targets: list[TargetCreate] = Field(default_factory=list, max_length=MAX_TARGETS)
    group_id: StoreId | None = None
    retrospective_reason: str | None = Field(default=None, max_length=8000)


class OperationRegister(OperationCreate):
    submit: bool = True
    #: Only the deconfliction desk registers for another agency.
    agency_id: StoreId | None = None


class CancelCreate(BaseModel):
    reason: str = Field(max_length=8000)


class CompleteCreate(BaseModel):
    outcome_summary: str = Field(default="", max_length=8000)


class CheckCreate(BaseModel):
    """Check one of your submitted operations again (idempotent: the same conflicts, nothing new)."""

    operation_id: StoreId


class InterestCreate(BaseModel):
    """A standing interest in a ``subject`` (given as a target is) or in an organised crime group."""

    contact: str = Field(max_length=400)
    subject: TargetCreate | None = None
    group_id: StoreId | None = None
    reason: str = Field(default="", max_length=8000)
    label: str = Field(default="", max_length=600)
    expires_on: date | None = None
    consult_before_action: bool = False


class ResolutionCreate(BaseModel):
    """What the agencies agreed; DELAY and CANCEL name the operation that gives way."""

    resolution: Resolution
    rationale: str = Field(max_length=8000)
    yielding_operation_id: StoreId | None = None


class NotificationsRead(BaseModel):
    ids: list[StoreId] = Field(max_length=500)


# --- what one side sees -----------------------------------------------------------------------


class CounterpartPublic(BaseModel):
    """The other side of a conflict as you may know it. ``hold``: only "contact the police SOC desk"."""

    hold: bool
    agency_code: str | None
    agency_name: str | None
    contact: str
    about: str | None
    kinds: list[str]
    grade: str | None
    message: str


class SideConflictPublic(BaseModel):
    """One conflict as your agency sees it: which of your own items collided, and whom to call."""

    conflict_id: int
    your_operation_id: int | None
    your_interest_id: int | None
    your_items: list[str]
    counterpart: CounterpartPublic
    status: str
    resolution: str | None
    you_give_way: bool | None
    detected_at: UtcDatetime
    resolved_at: UtcDatetime | None


class LocationPublic(BaseModel):
    id: int
    address: str
    postcode: str | None
    uprn: str | None
    latitude: float | None
    longitude: float | None
    radius_m: float
    premises_entity_id: int | None
    label: str


class TargetPublic(BaseModel):
    id: int
    kind: str
    value: str
    entity_id: int | None
    resolution_method: str | None
    match_probability: float | None
    label: str


class OperationSummaryPublic(BaseModel):
    id: int
    name: str
    agency_code: str
    operation_type: str
    visibility: str
    classification: str
    status: str
    starts_at: UtcDatetime | None
    ends_at: UtcDatetime | None
    standing: bool
    open_conflicts: int
    holds: int


class OperationPublic(BaseModel):
    """Your agency's operation in full (the desk: any), its conflicts blind."""

    id: int
    agency_code: str
    agency_name: str
    name: str
    officer: str
    contact_24h: str
    operation_type: str
    visibility: str
    classification: str
    armed: bool
    starts_at: UtcDatetime | None
    ends_at: UtcDatetime | None
    standing: bool
    status: str
    retrospective_reason: str | None
    group_id: int | None
    created_by: str
    created_at: UtcDatetime
    submitted_at: UtcDatetime | None
    checked_at: UtcDatetime | None
    completed_at: UtcDatetime | None
    outcome_summary: str | None
    cancelled_at: UtcDatetime | None
    cancel_reason: str | None
    locations: list[LocationPublic]
    targets: list[TargetPublic]
    conflicts: list[SideConflictPublic]
    warnings: list[str]
    next_actions: list[str]
    marking: str


class CheckResultPublic(BaseModel):
    """What the submitter is told: accepted, with or without conflicts, and the conflicts holding now."""

    operation: OperationPublic
    message: str
    conflicts: list[SideConflictPublic]
    created: int
    lapsed: int


class OperationListPublic(BaseModel):
    operations: list[OperationSummaryPublic]


class ConflictListPublic(BaseModel):
    conflicts: list[SideConflictPublic]


class InterestPublic(BaseModel):
    id: int
    agency_code: str
    subject_kind: str
    label: str
    identifier_kind: str | None
    identifier_value: str | None
    entity_id: int | None
    group_id: int | None
    reason: str
    contact: str
    consult_before_action: bool
    expires_on: date | None
    created_by: str
    created_at: UtcDatetime
    withdrawn_at: UtcDatetime | None
    active: bool
    conflicts: list[SideConflictPublic]


class InterestListPublic(BaseModel):
    interests: list[InterestPublic]


class NotificationPublic(BaseModel):
    """A notice to your agency, written blind when it was raised."""

    id: int
    event: str
    message: str
    hold: bool
    counterpart_agency_code: str | None
    contact: str
    kinds: list[str]
    grade: str | None
    conflict_id: int | None
    your_operation_id: int | None
    your_interest_id: int | None
    created_at: UtcDatetime
    read_at: UtcDatetime | None


class NotificationListPublic(BaseModel):
    notifications: list[NotificationPublic]


class ReadCountPublic(BaseModel):
    marked_read: int


class MapPointPublic(BaseModel):
    latitude: float
    longitude: float
    radius_m: float
    label: str


class MapOperationPublic(BaseModel):
    id: int
    name: str
    agency_code: str
    operation_type: str
    visibility: str
    status: str
    starts_at: UtcDatetime | None
    ends_at: UtcDatetime | None
    standing: bool
    points: list[MapPointPublic]


class OperationsMapPublic(BaseModel):
    """Live operations you may see (your agency's; the desk: every agency's), and how to draw the map."""

    operations: list[MapOperationPublic]
    #: ``/api/deconfliction/geography`` when an outline is configured, else ``null``.
    outline_url: str | None
    #: A ``{z}/{x}/{y}`` tile URL template when one is configured, else ``null`` (outlines only).
    tile_url: str | None


# --- the desk ---------------------------------------------------------------------------------


class DeskReasonPublic(BaseModel):
    kind: str
    grade: str
    first_item: str
    second_item: str
    detail: dict[str, Any]


class DeskSidePublic(BaseModel):
    kind: str
    agency_code: str
    agency_name: str
    title: str
    operation: OperationPublic | None
    interest: InterestPublic | None
    #: What this side was told about the other.
    told: CounterpartPublic


class DeskConflictSummaryPublic(BaseModel):
    id: int
    grade: str
    kinds: list[str]
    status: str
    first: str
    second: str
    detected_at: UtcDatetime
    desk_owner: str | None
    escalated_at: UtcDatetime | None
    overdue: bool
    resolution: str | None


class DeskConflictPublic(BaseModel):
    """A conflict in full, for the deconfliction desk only."""

    id: int
    key: str
    grade: str
    kinds: list[str]
    status: str
    first: DeskSidePublic
    second: DeskSidePublic
    reasons: list[DeskReasonPublic]
    detected_at: UtcDatetime
    updated_at: UtcDatetime
    desk_owner: str | None
    resolution: str | None
    yielding_operation_id: int | None
    rationale: str | None
    resolved_by: str | None
    resolved_at: UtcDatetime | None
    escalated_at: UtcDatetime | None
    overdue: bool
    closed_reason: str | None
    next_actions: list[str]


class DeskBoardPublic(BaseModel):
    red: list[DeskConflictSummaryPublic]
    amber: list[DeskConflictSummaryPublic]
    information: list[DeskConflictSummaryPublic]
    recently_closed: list[DeskConflictSummaryPublic]
    counts: dict[str, int]
    overdue: int
    escalated: int


class EscalatedPublic(BaseModel):
    escalated: list[int]


class CheckAllPublic(BaseModel):
    operations_checked: int
    interests_expired: int
    conflicts_created: int
    conflicts_lapsed: int
