"""What each side of a conflict is told, and the desk: notifications written from each reader's view.

A side's notice is built from :func:`crimelink.deconflict.blind.counterpart_for` and its own conflict
number only, never from the other side's record, so it can hold nothing its reader may not see. The
desk's notice names both sides in full.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal, Protocol, cast

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

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
class Party:
    """One side of a conflict, loaded: an operation or an interest, and its agency."""

    kind: Literal["operation", "interest"]
    agency: Agency
    operation: Operation | None = None
    interest: Interest | None = None

    @property
    def ref(self) -> tuple[str, int]:
        thing = self.operation if self.operation is not None else self.interest
        assert thing is not None
        return self.kind, thing.id

    def as_side(self) -> Side:
        """The facts the blind rule weighs (it decides what of them, if anything, is shown)."""
        if self.operation is not None:
            return Side(
                "operation",
                self.agency.id,
                self.agency.code,
                self.agency.name,
                self.agency.is_police,
                self.operation.visibility is Visibility.COVERT,
                self.operation.contact_24h,
            )
        assert self.interest is not None
        return Side(
            "interest",
            self.agency.id,
            self.agency.code,
            self.agency.name,
            self.agency.is_police,
            False,
            self.interest.contact,
        )

    def title(self) -> str:
        """How the desk names this side (everything: only the desk reads it)."""
        if self.operation is not None:
            return f"operation {self.operation.id} '{self.operation.name}' ({self.agency.code})"
        assert self.interest is not None
        return f"interest {self.interest.id} of {self.agency.code} in {self.interest.label}"


class Sides(Protocol):
    """Anything naming a conflict's two sides: a stored conflict, a notice's copy, a check's finding."""

    @property
    def operation_id(self) -> int: ...
    @property
    def other_operation_id(self) -> int | None: ...
    @property
    def interest_id(self) -> int | None: ...


@cache
def _parties_statement(side: type[Operation] | type[Interest]) -> Any:
    """Operations (or interests) by id with their agencies: built once a side."""
    return select(side, Agency).join(Agency, Agency.id == side.agency_id).where(one_of(side.id, "ids"))


def preload_parties(session: Session, items: Iterable[Sides]) -> list[Operation | Interest | Agency]:
    """Load every operation and interest ``items`` name, with their agencies, in two queries at most.

    Hold the list while reading ``parties`` of them: the session's identity map keeps only what is
    referenced, and each side would otherwise be loaded again, a query at a time.
    """
    operations: set[int] = set()
    interests: set[int] = set()
    for item in items:
        operations.add(item.operation_id)
        if item.other_operation_id is not None:
            operations.add(item.other_operation_id)
        if item.interest_id is not None:
            interests.add(item.interest_id)
    loaded: list[Operation | Interest | Agency] = []
    held = session.identity_map
    sides: tuple[tuple[type[Operation] | type[Interest], set[int]], ...] = (
        (Operation, operations),
        (Interest, interests),
    )
    for side, ids in sides:
        # What the session holds already (a check's own preload, still referenced) is not read again.
        wanted = []
        for i in sorted(ids):
            found = cast(Operation | Interest | None, held.get(identity_key(side, i)))
            if found is not None and held.get(identity_key(Agency, found.agency_id)) is not None:
                loaded.append(found)
            else:
                wanted.append(i)
        if wanted:
            for party, agency in session.execute(_parties_statement(side), {"ids": wanted}):
                loaded.extend((cast(Operation | Interest, party), agency))
    return loaded


def parties(session: Session, row: Conflict) -> tuple[Party, Party]:
    """Both sides of a conflict: the operation first, then the other operation or the interest."""
    first = _operation_party(session, row.operation_id)
    if row.other_operation_id is not None:
        return first, _operation_party(session, row.other_operation_id)
    assert row.interest_id is not None
    interest = session.get(Interest, row.interest_id)
    assert interest is not None
    agency = session.get(Agency, interest.agency_id)
    assert agency is not None
    return first, Party("interest", agency, interest=interest)


def _operation_party(session: Session, operation_id: int) -> Party:
    operation = session.get(Operation, operation_id)
    assert operation is not None
    agency = session.get(Agency, operation.agency_id)
    assert agency is not None
    return Party("operation", agency, operation=operation)


def counterpart_of(viewer: Party, other: Party, row: Conflict, rules: DeconflictionRules) -> Counterpart:
    """What ``viewer``'s agency may learn about ``other`` in this conflict."""
    return counterpart_for(
        viewer_agency_id=viewer.agency.id,
        viewer_is_police=viewer.agency.is_police,
        viewer_side=viewer.kind,
        other=other.as_side(),
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
) -> list[dict[str, Any]]:
    """The notices of one event: each side's (its blind view) and, for red and amber, the desk's."""
    first, second = parties(session, row)
    found = []
    for viewer, other in ((first, second), (second, first)):
        counterpart = counterpart_of(viewer, other, row, rules)
        found.append(
            {
                "audience": NotificationAudience.AGENCY,
                "event": event,
                "recipient_agency_id": viewer.agency.id,
                "conflict_id": row.id,
                "operation_id": viewer.operation.id if viewer.operation is not None else None,
                "interest_id": viewer.interest.id if viewer.interest is not None else None,
                "hold": counterpart.hold,
                "counterpart_agency_id": None if counterpart.hold else other.agency.id,
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


def side_message(event: NotificationEvent, counterpart: Counterpart, row: Conflict, viewer: Party) -> str:
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
            mine = viewer.operation is not None and row.yielding_operation_id == viewer.operation.id
            text += " (your operation)" if mine else " (the other side)"
        return text + "."
    if event is NotificationEvent.ESCALATED:
        return f"Conflict {row.id} has been escalated by the deconfliction desk."
    raise ValueError(f"no side message for {event.value}")


def desk_message(
    event: NotificationEvent, row: Conflict, first: Party, second: Party, rules: DeconflictionRules
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
    other = Party("operation", operation_agency, operation=operation)
    counterpart = counterpart_for(
        viewer_agency_id=holder.id,
        viewer_is_police=holder.is_police,
        viewer_side="interest",
        other=other.as_side(),
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
