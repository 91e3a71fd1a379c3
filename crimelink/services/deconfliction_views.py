"""What each audience sees of operations, interests and conflicts: one dataclass per audience.

- The **owning agency** sees its own operation or interest in full (:class:`OperationView`,
  :class:`InterestView`), and each of its conflicts blind (:class:`SideConflictView`): the other side
  only as :class:`~crimelink.deconflict.blind.Counterpart` says, and which of its own items collided.
- The **deconfliction desk** sees both sides in full with the reasons (:class:`DeskConflictView`).

A side's view is built from the conflict's status and outcome, the viewer's own operation or interest,
and the counterpart the blind rule returns: the other side's record is never read into it, so a page or an
API response built on it cannot leak the other side by accident. (The desk's rationale is withheld from
the sides too: it may quote either operation.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from crimelink.deconflict.blind import Counterpart
from crimelink.deconflict.rules import DeconflictionRules
from crimelink.deconflict.windows import as_utc
from crimelink.domain import OperationStatus
from crimelink.domain.deconfliction import ConflictGrade, ConflictStatus
from crimelink.services.deconfliction_notices import (
    Card,
    Cards,
    Party,
    cards_of,
    counterpart_of,
    interest_card,
    operation_card,
    parties,
    side_cards,
)
from crimelink.store.models import (
    Agency,
    DeconflictionNotification,
    Interest,
    Operation,
    OperationConflict,
    OperationLocation,
    OperationTarget,
)

#: What the owner may do next, by status.
NEXT_ACTIONS: dict[OperationStatus, tuple[str, ...]] = {
    OperationStatus.DRAFT: ("edit", "submit", "cancel"),
    OperationStatus.SUBMITTED: ("edit", "check", "cancel"),
    OperationStatus.CONFLICT_PENDING: ("edit", "check", "cancel"),
    OperationStatus.CLEARED: ("edit", "check", "start", "complete", "cancel"),
    OperationStatus.ACTIVE: ("edit", "check", "complete", "cancel"),
    OperationStatus.COMPLETED: (),
    OperationStatus.CANCELLED: (),
}


# --- the owner's views ------------------------------------------------------------------------


@dataclass(frozen=True)
class LocationView:
    id: int
    address: str
    postcode: str | None
    uprn: str | None
    latitude: float | None
    longitude: float | None
    radius_m: float
    #: The premises entity the address resolved to.
    premises_entity_id: int | None
    label: str


@dataclass(frozen=True)
class TargetView:
    id: int
    kind: str
    #: The normalised identifier (a person: name and date of birth).
    value: str
    #: The entity linkage resolved it to, how, and how sure.
    entity_id: int | None
    resolution_method: str | None
    match_probability: float | None
    label: str


@dataclass(frozen=True)
class SideConflictView:
    """One conflict as one side sees it: blind to the other side."""

    conflict_id: int
    #: The viewer's own operation or interest in the conflict.
    your_operation_id: int | None
    your_interest_id: int | None
    #: Which of the viewer's own locations and targets collided (nothing under a hold).
    your_items: list[str]
    counterpart: Counterpart
    status: str
    #: The desk's resolution (never its rationale).
    resolution: str | None
    #: For delay and cancel: whether it is the viewer's operation that gives way.
    you_give_way: bool | None
    detected_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class OperationSummary:
    id: int
    name: str
    agency_code: str
    operation_type: str
    visibility: str
    classification: str
    status: str
    starts_at: datetime | None
    ends_at: datetime | None
    standing: bool
    #: Open conflicts, and how many of them are holds.
    open_conflicts: int
    holds: int


@dataclass(frozen=True)
class OperationView:
    """The owning agency's (and the desk's) full view of one operation."""

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
    starts_at: datetime | None
    ends_at: datetime | None
    standing: bool
    status: str
    retrospective_reason: str | None
    group_id: int | None
    created_by: str
    created_at: datetime
    submitted_at: datetime | None
    checked_at: datetime | None
    completed_at: datetime | None
    outcome_summary: str | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    locations: list[LocationView]
    targets: list[TargetView]
    #: Its conflicts as its owner sees them (blind).
    conflicts: list[SideConflictView]
    #: What the check could not cover (a location without coordinates, a target linkage did not know).
    warnings: list[str]
    next_actions: list[str]
    marking: str


@dataclass(frozen=True)
class CheckResult:
    """What the submitter is told: accepted, with or without conflicts (``DOMAIN.md``: RISSafe)."""

    operation: OperationView
    message: str
    #: Conflicts holding now, as the submitter sees them.
    conflicts: list[SideConflictView]
    created: int
    lapsed: int


@dataclass(frozen=True)
class InterestView:
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
    created_at: datetime
    withdrawn_at: datetime | None
    active: bool
    conflicts: list[SideConflictView]


@dataclass(frozen=True)
class NotificationView:
    """A notice to the viewer's agency (written blind when it was raised)."""

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
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class MapPoint:
    latitude: float
    longitude: float
    radius_m: float
    label: str


@dataclass(frozen=True)
class MapOperation:
    """An operation the viewer may see, placed on the map."""

    id: int
    name: str
    agency_code: str
    operation_type: str
    visibility: str
    status: str
    starts_at: datetime | None
    ends_at: datetime | None
    standing: bool
    points: list[MapPoint]


# --- the desk's views -------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskReasonView:
    kind: str
    grade: str
    #: The items of each side, named in full.
    first_item: str
    second_item: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class DeskSideView:
    kind: str
    agency_code: str
    agency_name: str
    title: str
    operation: OperationView | None
    interest: InterestView | None
    #: What this side was told about the other (its blind view).
    told: Counterpart


@dataclass(frozen=True)
class DeskConflictSummary:
    id: int
    grade: str
    kinds: list[str]
    status: str
    first: str
    second: str
    detected_at: datetime
    desk_owner: str | None
    escalated_at: datetime | None
    #: Red, open and older than the escalation time.
    overdue: bool
    resolution: str | None


@dataclass(frozen=True)
class DeskConflictView:
    id: int
    key: str
    grade: str
    kinds: list[str]
    status: str
    first: DeskSideView
    second: DeskSideView
    reasons: list[DeskReasonView]
    detected_at: datetime
    updated_at: datetime
    desk_owner: str | None
    resolution: str | None
    yielding_operation_id: int | None
    rationale: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    escalated_at: datetime | None
    overdue: bool
    closed_reason: str | None
    #: What the desk may do next.
    next_actions: list[str]


@dataclass(frozen=True)
class DeskBoard:
    """Open conflicts by grade (most urgent first), and those closed lately."""

    red: list[DeskConflictSummary]
    amber: list[DeskConflictSummary]
    information: list[DeskConflictSummary]
    recently_closed: list[DeskConflictSummary]
    #: Open conflicts by grade, whatever the lists hold.
    counts: dict[str, int]
    overdue: int
    escalated: int


# --- building them ----------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    return as_utc(moment)


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def location_label(location: OperationLocation) -> str:
    parts = [p for p in (location.address, location.postcode) if p]
    if location.uprn:
        parts.append(f"UPRN {location.uprn}")
    if not parts and location.latitude is not None and location.longitude is not None:
        parts.append(f"{location.latitude:.5f}, {location.longitude:.5f}")
    return f"{', '.join(parts)} (within {location.radius_m:g} m)"


def target_label(target: OperationTarget) -> str:
    return f"{target.identifier_kind.lower().replace('_', ' ')}: {target.identifier_value}"


def item_label(party: Party, item: list[Any] | tuple[str, int]) -> str:
    """A side's own item named from its own record (``("location", 4)`` -> its address)."""
    kind, item_id = item[0], int(item[1])
    if party.operation is not None:
        if kind == "location":
            found = next((loc for loc in party.operation.locations if loc.id == item_id), None)
            return location_label(found) if found is not None else f"location {item_id}"
        if kind == "target":
            target = next((t for t in party.operation.targets if t.id == item_id), None)
            return target_label(target) if target is not None else f"target {item_id}"
        if kind == "operation":
            return f"the operation's group {party.operation.group_id}"
    if party.interest is not None:
        return f"interest in {party.interest.label}"
    return f"{kind} {item_id}"


def side_conflict_view(
    row: OperationConflict, viewer: Party, other: Card, rules: DeconflictionRules
) -> SideConflictView:
    """The conflict as ``viewer``'s agency sees it: its own record, and only the other side's card."""
    counterpart = counterpart_of(viewer.card, other, row, rules)
    mine = "a" if viewer.ref == _first_ref(row) else "b"
    items: list[str] = []
    if not counterpart.hold:
        seen = set()
        for reason in row.reasons:
            label = item_label(viewer, reason[mine])
            if label not in seen:
                seen.add(label)
                items.append(label)
    give_way = None
    if row.resolution is not None and row.resolution.names_operation:
        give_way = viewer.operation is not None and row.yielding_operation_id == viewer.operation.id
    return SideConflictView(
        conflict_id=row.id,
        your_operation_id=viewer.operation.id if viewer.operation is not None else None,
        your_interest_id=viewer.interest.id if viewer.interest is not None else None,
        your_items=items,
        counterpart=counterpart,
        status=row.status.value,
        resolution=row.resolution.value if row.resolution else None,
        you_give_way=give_way,
        detected_at=_utc(row.detected_at),
        resolved_at=_utc_or_none(row.resolved_at),
    )


def _first_ref(row: OperationConflict) -> tuple[str, int]:
    return "operation", row.operation_id


def other_side(cards: Cards, row: OperationConflict, ref: tuple[str, int]) -> Card:
    """The card of the side of the conflict that is not ``ref``."""
    first, second = cards_of(cards, row)
    return second if first.ref == ref else first


def own_card(session: Session, record: Operation | Interest, cards: Cards) -> Card:
    """The card of the operation or interest viewed: from ``cards`` (read with its conflicts' other sides),
    else made from the record and its agency."""
    kind = "operation" if isinstance(record, Operation) else "interest"
    card = cards.get((kind, record.id))
    if card is not None:
        return card
    agency = session.get_one(Agency, record.agency_id)
    return operation_card(record, agency) if isinstance(record, Operation) else interest_card(record, agency)


def operation_view(
    session: Session,
    operation: Operation,
    conflicts: list[OperationConflict],
    *,
    rules: DeconflictionRules,
    cards: Cards | None = None,
) -> OperationView:
    """The operation in full, and each of its conflicts blind. ``cards`` may hold the sides' cards (a
    check's); the rest are read in one statement."""
    cards = side_cards(session, conflicts, known=cards)
    viewer = Party(own_card(session, operation, cards), operation=operation)
    views = [side_conflict_view(row, viewer, other_side(cards, row, viewer.ref), rules) for row in conflicts]
    return OperationView(
        id=operation.id,
        agency_code=viewer.card.side.agency_code,
        agency_name=viewer.card.side.agency_name,
        name=operation.name,
        officer=operation.officer,
        contact_24h=operation.contact_24h,
        operation_type=operation.operation_type.value,
        visibility=operation.visibility.value,
        classification=operation.classification.value,
        armed=operation.armed,
        starts_at=_utc_or_none(operation.starts_at),
        ends_at=_utc_or_none(operation.ends_at),
        standing=operation.standing,
        status=operation.status.value,
        retrospective_reason=operation.retrospective_reason,
        group_id=operation.group_id,
        created_by=operation.created_by,
        created_at=_utc(operation.created_at),
        submitted_at=_utc_or_none(operation.submitted_at),
        checked_at=_utc_or_none(operation.checked_at),
        completed_at=_utc_or_none(operation.completed_at),
        outcome_summary=operation.outcome_summary,
        cancelled_at=_utc_or_none(operation.cancelled_at),
        cancel_reason=operation.cancel_reason,
        locations=[
            LocationView(
                loc.id,
                loc.address,
                loc.postcode,
                loc.uprn,
                loc.latitude,
                loc.longitude,
                loc.radius_m,
                loc.entity_id,
                location_label(loc),
            )
            for loc in operation.locations
        ],
        targets=[
            TargetView(
                t.id,
                t.identifier_kind,
                t.identifier_value,
                t.entity_id,
                t.resolution_method,
                t.match_probability,
                target_label(t),
            )
            for t in operation.targets
        ],
        conflicts=views,
        warnings=operation_warnings(operation),
        next_actions=list(NEXT_ACTIONS[operation.status]),
        marking=operation.classification.value,
    )


def operation_warnings(operation: Operation) -> list[str]:
    warnings = []
    for loc in operation.locations:
        if loc.latitude is None or loc.longitude is None:
            warnings.append(
                f"{location_label(loc)} has no coordinates: only the premises check covers it, "
                "not place and time; place it on the map to have it checked."
            )
    for target in operation.targets:
        if target.entity_id is None and target.identifier_kind != "ENTITY":
            warnings.append(
                f"{target_label(target)} matched no known entity: only the same identifier will meet it."
            )
    return warnings


def interest_view(
    session: Session,
    interest: Interest,
    conflicts: list[OperationConflict],
    *,
    rules: DeconflictionRules,
    today: date,
) -> InterestView:
    cards = side_cards(session, conflicts)
    viewer = Party(own_card(session, interest, cards), interest=interest)
    return InterestView(
        id=interest.id,
        agency_code=viewer.card.side.agency_code,
        subject_kind=interest.subject_kind,
        label=interest.label,
        identifier_kind=interest.identifier_kind,
        identifier_value=interest.identifier_value,
        entity_id=interest.entity_id,
        group_id=interest.group_id,
        reason=interest.reason,
        contact=interest.contact,
        consult_before_action=interest.consult_before_action,
        expires_on=interest.expires_on,
        created_by=interest.created_by,
        created_at=_utc(interest.created_at),
        withdrawn_at=_utc_or_none(interest.withdrawn_at),
        active=interest.withdrawn_at is None
        and (interest.expires_on is None or interest.expires_on >= today),
        conflicts=[
            side_conflict_view(row, viewer, other_side(cards, row, viewer.ref), rules) for row in conflicts
        ],
    )


def notification_view(session: Session, notice: DeconflictionNotification) -> NotificationView:
    counterpart = session.get(Agency, notice.counterpart_agency_id) if notice.counterpart_agency_id else None
    return NotificationView(
        id=notice.id,
        event=notice.event.value,
        message=notice.message,
        hold=notice.hold,
        counterpart_agency_code=counterpart.code if counterpart is not None else None,
        contact=notice.counterpart_contact,
        kinds=list(notice.kinds),
        grade=notice.grade.value if notice.grade else None,
        conflict_id=notice.conflict_id,
        your_operation_id=notice.operation_id,
        your_interest_id=notice.interest_id,
        created_at=_utc(notice.created_at),
        read_at=_utc_or_none(notice.read_at),
    )


def overdue(row: OperationConflict, now: datetime, rules: DeconflictionRules) -> bool:
    return (
        row.status is ConflictStatus.OPEN
        and row.grade is ConflictGrade.RED
        and as_utc(row.detected_at) <= now - rules.escalate_red_after
    )


def desk_summary(
    row: OperationConflict, cards: Cards, *, now: datetime, rules: DeconflictionRules
) -> DeskConflictSummary:
    """A line of the desk's board. ``cards`` holds the sides' (:func:`side_cards`, read for the board)."""
    first, second = cards_of(cards, row)
    return DeskConflictSummary(
        id=row.id,
        grade=row.grade.value,
        kinds=list(row.kinds),
        status=row.status.value,
        first=first.title(),
        second=second.title(),
        detected_at=_utc(row.detected_at),
        desk_owner=row.desk_owner,
        escalated_at=_utc_or_none(row.escalated_at),
        overdue=overdue(row, now, rules),
        resolution=row.resolution.value if row.resolution else None,
    )


def desk_conflict_view(
    session: Session,
    row: OperationConflict,
    *,
    operation_conflicts: dict[int, list[OperationConflict]],
    interest_conflicts: dict[int, list[OperationConflict]],
    now: datetime,
    rules: DeconflictionRules,
) -> DeskConflictView:
    """Everything about a conflict: both sides in full, the reasons, and what each side was told."""
    first, second = parties(session, row)

    def side(party: Party, other: Party) -> DeskSideView:
        operation = (
            operation_view(
                session, party.operation, operation_conflicts.get(party.operation.id, []), rules=rules
            )
            if party.operation is not None
            else None
        )
        interest = (
            interest_view(
                session,
                party.interest,
                interest_conflicts.get(party.interest.id, []),
                rules=rules,
                today=now.date(),
            )
            if party.interest is not None
            else None
        )
        return DeskSideView(
            kind=party.kind,
            agency_code=party.card.side.agency_code,
            agency_name=party.card.side.agency_name,
            title=party.title(),
            operation=operation,
            interest=interest,
            told=counterpart_of(party.card, other.card, row, rules),
        )

    actions = []
    if row.status is ConflictStatus.OPEN:
        actions = ["claim", "resolve"] if row.desk_owner is None else ["resolve"]
    return DeskConflictView(
        id=row.id,
        key=row.key,
        grade=row.grade.value,
        kinds=list(row.kinds),
        status=row.status.value,
        first=side(first, second),
        second=side(second, first),
        reasons=[
            DeskReasonView(
                kind=reason["kind"],
                grade=reason["grade"],
                first_item=item_label(first, reason["a"]),
                second_item=item_label(second, reason["b"]),
                detail=dict(reason.get("detail", {})),
            )
            for reason in row.reasons
        ],
        detected_at=_utc(row.detected_at),
        updated_at=_utc(row.updated_at),
        desk_owner=row.desk_owner,
        resolution=row.resolution.value if row.resolution else None,
        yielding_operation_id=row.yielding_operation_id,
        rationale=row.rationale,
        resolved_by=row.resolved_by,
        resolved_at=_utc_or_none(row.resolved_at),
        escalated_at=_utc_or_none(row.escalated_at),
        overdue=overdue(row, now, rules),
        closed_reason=row.closed_reason,
        next_actions=actions,
    )


def recent(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
