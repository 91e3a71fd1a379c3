"""What each side of a conflict is told, and the desk: notifications written from each reader's view.

A side's notice is built from :func:`crimelink.deconflict.blind.counterpart_for` and its own conflict
number only, never from the other side's record, so it can hold nothing its reader may not see. The
desk's notice names both sides in full.

Notices and views name the sides from their :class:`Card` (plain values, every side's read in one
statement), not from loaded records: a check that stores conflicts tells each side without loading them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import literal_column, null, select, union_all
from sqlalchemy.orm import Session

from crimelink.deconflict.blind import Counterpart, Side, counterpart_for, outcome_message
from crimelink.deconflict.rules import DeconflictionRules
from crimelink.domain import Visibility
from crimelink.domain.deconfliction import (
    ConflictGrade,
    ConflictKind,
    ConflictResolution,
    NotificationAudience,
    NotificationEvent,
)
from crimelink.store.bulk import bulk_insert
from crimelink.store.expressions import one_of
from crimelink.store.models import (
    Agency,
    DeconflictionNotification,
    Interest,
    Operation,
    OperationConflict,
)


@dataclass(frozen=True)
class ConflictRecord:
    """What a notice says of a conflict: a plain copy, so a new conflict needs no ORM object to be told."""

    id: int
    operation_id: int
    other_operation_id: int | None
    interest_id: int | None
    kinds: tuple[str, ...]
    grade: ConflictGrade
    resolution: ConflictResolution | None = None
    yielding_operation_id: int | None = None
    closed_reason: str | None = None
    resolved_by: str | None = None

    @classmethod
    def of(cls, row: Conflict) -> ConflictRecord:
        return cls(
            row.id,
            row.operation_id,
            row.other_operation_id,
            row.interest_id,
            tuple(row.kinds),
            row.grade,
            row.resolution,
            row.yielding_operation_id,
            row.closed_reason,
            row.resolved_by,
        )


Conflict = OperationConflict | ConflictRecord


@dataclass(frozen=True)
class Card:
    """One side of a conflict as notices and views name it: plain values, its agency's among them.

    What the blind rule weighs (:class:`crimelink.deconflict.blind.Side`), with the side's number and its
    name (an operation's name, or what an interest is in). Read for every side at once in one statement
    (:func:`side_cards`), or made from a check's own reads: no record is loaded for it.
    """

    id: int
    name: str
    side: Side

    @property
    def kind(self) -> Literal["operation", "interest"]:
        return self.side.kind

    @property
    def ref(self) -> tuple[str, int]:
        return self.side.kind, self.id

    @property
    def agency_id(self) -> int:
        return self.side.agency_id

    def title(self) -> str:
        """How the desk names this side (everything: only the desk reads it)."""
        if self.side.kind == "operation":
            return f"operation {self.id} '{self.name}' ({self.side.agency_code})"
        return f"interest {self.id} of {self.side.agency_code} in {self.name}"


def operation_card(operation: Operation, agency: Agency) -> Card:
    return Card(
        operation.id,
        operation.name,
        Side(
            "operation",
            agency.id,
            agency.code,
            agency.name,
            agency.is_police,
            operation.visibility is Visibility.COVERT,
            operation.contact_24h,
        ),
    )


def interest_card(interest: Interest, agency: Agency) -> Card:
    side = Side("interest", agency.id, agency.code, agency.name, agency.is_police, False, interest.contact)
    return Card(interest.id, interest.label, side)


@dataclass(frozen=True)
class Party:
    """One side of a conflict with its record loaded, for what only the record tells (its items)."""

    card: Card
    operation: Operation | None = None
    interest: Interest | None = None

    @property
    def kind(self) -> Literal["operation", "interest"]:
        return self.card.kind

    @property
    def ref(self) -> tuple[str, int]:
        return self.card.ref

    def title(self) -> str:
        return self.card.title()


class Sides(Protocol):
    """Anything naming a conflict's two sides: a stored conflict, a notice's copy, a check's finding."""

    @property
    def operation_id(self) -> int: ...
    @property
    def other_operation_id(self) -> int | None: ...
    @property
    def interest_id(self) -> int | None: ...


def refs_of(item: Sides) -> tuple[tuple[str, int], tuple[str, int]]:
    """The references of a conflict's two sides: its operation first, then the other operation or the
    interest."""
    if item.other_operation_id is not None:
        return ("operation", item.operation_id), ("operation", item.other_operation_id)
    assert item.interest_id is not None
    return ("operation", item.operation_id), ("interest", item.interest_id)


Cards = Mapping[tuple[str, int], Card]

#: What a card takes of its side's agency, read with the side (see :func:`card_of_row`).
AGENCY_OF_CARD = (
    Agency.code.label("agency_code"),
    Agency.name.label("agency_name"),
    Agency.kind.label("agency_kind"),
)


def card_of_row(
    kind: Literal["operation", "interest"], row: Any, name: str, covert: bool, contact: str
) -> Card:
    """A side's card from a row read with it: its ``id`` and ``agency_id``, and its agency's columns
    (:data:`AGENCY_OF_CARD`)."""
    side = Side(
        kind, row.agency_id, row.agency_code, row.agency_name, row.agency_kind.is_police, covert, contact
    )
    return Card(row.id, name, side)


# Every side named, with its agency, in one statement (two parts: operations, then interests), built once.
_OPERATION_PART, _INTEREST_PART = 0, 1
_CARDS: Any = union_all(
    select(
        literal_column(str(_OPERATION_PART)).label("part"),
        Operation.id,
        Operation.name,
        Operation.visibility,
        Operation.contact_24h.label("contact"),
        Agency.id.label("agency_id"),
        *AGENCY_OF_CARD,
    )
    .join(Agency, Agency.id == Operation.agency_id)
    .where(one_of(Operation.id, "operations")),
    select(
        literal_column(str(_INTEREST_PART)),
        Interest.id,
        Interest.label,
        null(),
        Interest.contact,
        Agency.id,
        *AGENCY_OF_CARD,
    )
    .join(Agency, Agency.id == Interest.agency_id)
    .where(one_of(Interest.id, "interests")),
)


def side_cards(
    session: Session, items: Iterable[Sides], *, known: Cards | None = None
) -> dict[tuple[str, int], Card]:
    """The cards of every side ``items`` name: those ``known`` already, the rest read in one statement."""
    cards = dict(known or {})
    wanted = {ref for item in items for ref in refs_of(item) if ref not in cards}
    if not wanted:
        return cards
    operations = sorted(i for kind, i in wanted if kind == "operation")
    interests = sorted(i for kind, i in wanted if kind == "interest")
    for row in session.connection().execute(_CARDS, {"operations": operations, "interests": interests}):
        kind: Literal["operation", "interest"] = "operation" if row.part == _OPERATION_PART else "interest"
        cards[kind, row.id] = card_of_row(
            kind, row, row.name, row.visibility is Visibility.COVERT, row.contact
        )
    return cards


def cards_of(cards: Cards, row: Sides) -> tuple[Card, Card]:
    """A conflict's two sides from ``cards`` (see :func:`side_cards`): its operation first."""
    first, second = refs_of(row)
    return cards[first], cards[second]


def parties(session: Session, row: Conflict, cards: Cards | None = None) -> tuple[Party, Party]:
    """Both sides of a conflict with their records: the operation first, then the other operation or the
    interest. ``cards`` may hold theirs (see :func:`side_cards`)."""
    first, second = cards_of(side_cards(session, [row], known=cards), row)
    return _party(session, first), _party(session, second)


def _party(session: Session, card: Card) -> Party:
    if card.kind == "operation":
        return Party(card, operation=session.get_one(Operation, card.id))
    return Party(card, interest=session.get_one(Interest, card.id))


def counterpart_of(viewer: Card, other: Card, row: Conflict, rules: DeconflictionRules) -> Counterpart:
    """What ``viewer``'s agency may learn about ``other`` in this conflict."""
    return counterpart_for(
        viewer_agency_id=viewer.side.agency_id,
        viewer_is_police=viewer.side.agency_is_police,
        viewer_side=viewer.kind,
        other=other.side,
        kinds=[ConflictKind(k) for k in row.kinds],
        grade=row.grade,
        rules=rules,
    )


def notices(
    session: Session,
    row: Conflict,
    event: NotificationEvent,
    *,
    rules: DeconflictionRules,
    now: datetime,
    cards: Cards | None = None,
) -> list[dict[str, Any]]:
    """The notices of one event: each side's (its blind view) and, for red and amber, the desk's.

    ``cards`` may hold the sides' (:func:`side_cards`); those it lacks are read.
    """
    first, second = cards_of(side_cards(session, [row], known=cards), row)
    found = []
    for viewer, other in ((first, second), (second, first)):
        counterpart = counterpart_of(viewer, other, row, rules)
        found.append(
            {
                "audience": NotificationAudience.AGENCY,
                "event": event,
                "recipient_agency_id": viewer.agency_id,
                "conflict_id": row.id,
                "operation_id": viewer.id if viewer.kind == "operation" else None,
                "interest_id": viewer.id if viewer.kind == "interest" else None,
                "hold": counterpart.hold,
                "counterpart_agency_id": None if counterpart.hold else other.agency_id,
                "counterpart_contact": counterpart.contact,
                "kinds": list(counterpart.kinds),
                "grade": ConflictGrade(counterpart.grade) if counterpart.grade else None,
                "message": side_message(event, counterpart, row, viewer),
                "created_at": now,
                "read_at": None,
                "read_by": None,
            }
        )
    if rules.blocks(row.grade) or event is NotificationEvent.ESCALATED:
        found.append(
            {
                "audience": NotificationAudience.DESK,
                "event": event,
                "recipient_agency_id": None,
                "conflict_id": row.id,
                "operation_id": row.operation_id,
                "interest_id": row.interest_id,
                "hold": False,
                "counterpart_agency_id": None,
                "counterpart_contact": "",
                "kinds": list(row.kinds),
                "grade": row.grade,
                "message": desk_message(event, row, first, second, rules),
                "created_at": now,
                "read_at": None,
                "read_by": None,
            }
        )
    return found


def write_notices(session: Session, rows: list[dict[str, Any]]) -> None:
    """Store notices in one statement (they are only ever read back, never changed but for being read).

    Through :func:`crimelink.store.bulk.bulk_insert` (COPY on PostgreSQL, where an INSERT a row, with its
    foreign-key checks, costs several times as much), not the ORM's bulk insert, which would also split
    them into a statement each time the columns left empty change.
    """
    bulk_insert(session, DeconflictionNotification, rows)


def notify(
    session: Session,
    row: Conflict,
    event: NotificationEvent,
    *,
    rules: DeconflictionRules,
    now: datetime,
) -> None:
    """Tell each side (blind) and, for red and amber, the desk, of one event of one conflict."""
    write_notices(session, notices(session, row, event, rules=rules, now=now))


_RESOLUTION_WORDS = {
    "PROCEED": "both proceed",
    "JOINT": "run jointly",
    "DELAY": "delay",
    "CANCEL": "cancel",
    "NO_CONFLICT": "no conflict",
}


def side_message(event: NotificationEvent, counterpart: Counterpart, row: Conflict, viewer: Card) -> str:
    """What one side reads: only the blind counterpart, its own conflict number and the outcome."""
    if event is NotificationEvent.CONFLICT:
        return f"Conflict {row.id}. {counterpart.message}"
    if event is NotificationEvent.REGRADED:
        return f"Conflict {row.id} has changed. {counterpart.message}"
    if event is NotificationEvent.LAPSED:
        if counterpart.hold:
            return f"Conflict {row.id} no longer holds: the hold it placed is lifted."
        return f"Conflict {row.id} with {counterpart.agency_name} no longer holds."
    if event is NotificationEvent.RESOLVED:
        words = _RESOLUTION_WORDS[row.resolution.value] if row.resolution else "resolved"
        text = f"Conflict {row.id} resolved by the deconfliction desk: {words}"
        if row.resolution is not None and row.resolution.names_operation:
            mine = viewer.kind == "operation" and row.yielding_operation_id == viewer.id
            text += " (your operation)" if mine else " (the other side)"
        return text + "."
    if event is NotificationEvent.ESCALATED:
        return f"Conflict {row.id} has been escalated by the deconfliction desk."
    raise ValueError(f"no side message for {event.value}")


def desk_message(
    event: NotificationEvent, row: Conflict, first: Card, second: Card, rules: DeconflictionRules
) -> str:
    kinds = ", ".join(ConflictKind(k).words for k in row.kinds)
    pair = f"{first.title()} and {second.title()}"
    grade = row.grade.value.capitalize()
    if event is NotificationEvent.CONFLICT:
        return f"{grade} conflict {row.id} ({kinds}): {pair}."
    if event is NotificationEvent.REGRADED:
        return f"Conflict {row.id} is now {grade.lower()} ({kinds}): {pair}."
    if event is NotificationEvent.LAPSED:
        return f"Conflict {row.id} lapsed ({row.closed_reason}): {pair}."
    if event is NotificationEvent.RESOLVED:
        words = _RESOLUTION_WORDS[row.resolution.value] if row.resolution else "resolved"
        return f"Conflict {row.id} resolved ({words}) by {row.resolved_by}: {pair}."
    if event is NotificationEvent.ESCALATED:
        hours = rules.escalate_red_after.total_seconds() / 3600
        return (
            f"Escalate to the duty inspector: red conflict {row.id} ({kinds}) unresolved after {hours:g} hours: "
            f"{pair}."
        )
    raise ValueError(f"no desk message for {event.value}")


def notify_outcome(
    session: Session, operation: Operation, interest: Interest, *, rules: DeconflictionRules, now: datetime
) -> None:
    """Tell an interest holder that an operation touching their subject completed (blind)."""
    operation_agency = session.get(Agency, operation.agency_id)
    holder = session.get(Agency, interest.agency_id)
    assert operation_agency is not None
    assert holder is not None
    counterpart = counterpart_for(
        viewer_agency_id=holder.id,
        viewer_is_police=holder.is_police,
        viewer_side="interest",
        other=operation_card(operation, operation_agency).side,
        kinds=(),
        grade=None,
        rules=rules,
    )
    session.add(
        DeconflictionNotification(
            audience=NotificationAudience.AGENCY,
            event=NotificationEvent.OUTCOME,
            recipient_agency_id=holder.id,
            interest_id=interest.id,
            hold=counterpart.hold,
            counterpart_agency_id=None if counterpart.hold else operation_agency.id,
            counterpart_contact=counterpart.contact,
            kinds=[],
            grade=None,
            message=outcome_message(counterpart, rules),
            created_at=now,
        )
    )
