"""The deconfliction check: find an operation's (or interest's) conflicts, keep them, tell each side.

A check is idempotent. A conflict is one row per pair (two operations, or an operation and an interest)
whatever its kinds, so a check finds the row again rather than adding one:

- a pair in conflict with no row: a new open conflict; each side is told (blind), and the desk when it
  is red or amber;
- an open conflict that still holds: kept; each side is told again only if its grade or kinds changed;
- a lapsed conflict found again, or a resolved one found *worse* (a higher grade): reopened and told;
- an open conflict that no longer holds: lapsed ("closed as such"), and each side told.

A resolved conflict stays resolved while it holds no worse than when it was resolved. After the check the
status of every operation concerned follows its open conflicts: an open red or amber conflict holds a
submitted or cleared operation at "conflict pending"; none lets it be cleared.

Checks that store conflicts run one at a time (:func:`hold_check_lock`), so two operations registered at
the same moment cannot each miss the other. A re-check of an unchanged operation that finds exactly what is
stored (:func:`quick_recheck`, the usual answer to "check again") changes no conflict: it reads without the
lock and only records that the check was made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from crimelink.deconflict.assess import Finding, assess_interest, assess_operations
from crimelink.deconflict.rules import DeconflictionRules
from crimelink.domain import OperationStatus
from crimelink.domain.deconfliction import ConflictStatus, NotificationEvent
from crimelink.services.callers import Caller, record_event
from crimelink.services.deconfliction_index import (
    LIVE_STATUSES,
    Seen,
    candidate_interests,
    candidate_operation_facts,
    entity_family,
    facts_of,
    group_members_family,
    index_writes,
    interest_facts,
    load_operation_facts,
    memberships,
    operations_touching_interest,
    unindex_operation,
)
from crimelink.services.deconfliction_notices import (
    Card,
    Conflict,
    ConflictRecord,
    notices,
    notify,
    side_cards,
    write_notices,
)
from crimelink.services.plan_operations import follow_operation, follow_operations
from crimelink.store.bulk import insert_rows, rows_write
from crimelink.store.engine import begin_writing
from crimelink.store.expressions import one_of
from crimelink.store.models import (
    DeconflictionNotification,
    Interest,
    Operation,
    OperationConflict,
)
from crimelink.store.models.base import utcnow
from crimelink.store.pipeline import Write, lock_then_write, make_writes


@dataclass(frozen=True)
class CheckOutcome:
    """What a check did, by conflict id."""

    #: Every conflict that holds now (open or resolved).
    holding: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    regraded: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    lapsed: list[int] = field(default_factory=list)
    #: The cards of the sides of every conflict the check met, by side: the answer need not read them again.
    cards: dict[tuple[str, int], Card] = field(default_factory=dict, repr=False, compare=False)
    #: Every conflict of the operation as it stands after the check, when the check changed none of them
    #: (a :func:`quick_recheck`), by id; ``None`` when they are to be read again.
    conflicts: list[OperationConflict] | None = field(default=None, repr=False, compare=False)

    def details(self) -> dict[str, list[int]]:
        return {
            "holding": self.holding,
            "created": self.created,
            "reopened": self.reopened,
            "regraded": self.regraded,
            "lapsed": self.lapsed,
        }


def operations_key(first: int, second: int) -> str:
    low, high = sorted((first, second))
    return f"op:{low}:op:{high}"


def interest_key(operation_id: int, interest_id: int) -> str:
    return f"op:{operation_id}:interest:{interest_id}"


# --- checking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A pair in conflict, as a check finds it."""

    operation_id: int
    other_operation_id: int | None
    interest_id: int | None
    finding: Finding


def find_conflicts(
    session: Session,
    operation: Operation,
    *,
    rules: DeconflictionRules,
    today: date,
    seen: Seen | None = None,
) -> dict[str, Found]:
    """Every pair the operation is in conflict with, by conflict key, graded: reads only, writes nothing.

    The index finds the candidates (:mod:`crimelink.services.deconfliction_index`); the rules
    (:mod:`crimelink.deconflict.assess`) decide on their full facts. What else the candidates' rows tell
    (their cards, the operation's own too) is noted in ``seen``, if given.
    """
    known = facts_of(session, operation)
    found: dict[str, Found] = {}
    if known is None or operation.status not in LIVE_STATUSES:
        return found
    facts, family = known
    others = candidate_operation_facts(session, facts, family, rules, seen)
    for other in others.values():
        first, second = (facts, other) if facts.id < other.id else (other, facts)
        finding = assess_operations(first, second, rules)
        if finding is not None:
            found[operations_key(first.id, second.id)] = Found(first.id, second.id, None, finding)
    interests = candidate_interests(session, facts, family, today, seen)
    if interests:
        groups = memberships(session, family)
        for interest in interests:
            finding = assess_interest(facts, interest, rules, memberships=groups)
            if finding is not None:
                found[interest_key(facts.id, interest.id)] = Found(facts.id, None, interest.id, finding)
    return found


#: PostgreSQL advisory lock held by a check that stores conflicts (another constant than the audit's).
_CHECK_LOCK_KEY = 0x436B4463


def hold_check_lock(session: Session, *, fresh: bool = False, writes: Sequence[Write] = ()) -> None:
    """Hold the deconfliction lock until the transaction ends, so checks that store conflicts take turns;
    then make ``writes`` (the check's index rows).

    Call it before the check's reads. PostgreSQL: a transaction-wide advisory lock, taken once a
    transaction, and sent with the writes in one round trip; the check's statements, index and key
    lookups, then run on their generic plans (:func:`crimelink.store.pipeline.lock_then_write`), but for
    the lookup of a place with a long window, planned for its values. SQLite has one writer at a time: the
    transaction holds the database's write lock from here (:func:`begin_writing`). ``fresh=True`` also
    expires what the session read before, to be read again under the lock.
    """
    begin_writing(session)
    if session.get_bind().dialect.name == "postgresql":
        lock_then_write(session, _CHECK_LOCK_KEY, writes, plan_once=True)
    else:
        make_writes(session, writes)
    if fresh:
        session.expire_all()


def quick_recheck(
    session: Session, operation: Operation, *, rules: DeconflictionRules, now: datetime
) -> CheckOutcome | None:
    """Check an indexed operation again, reading only: its outcome if it finds exactly the conflicts stored
    (same pairs, grades, kinds and reasons; none to lapse or reopen) and its status stands, else ``None``
    (something would change: run :func:`run_operation_check` under the lock).
    """
    if operation.checked_at is None:
        return None
    seen = Seen()
    found = find_conflicts(session, operation, rules=rules, today=now.date(), seen=seen)
    existing = conflicts_touching(session, operation.id)
    rows = {row.key: row for row in existing}
    for key, item in found.items():
        row = rows.get(key)
        finding = item.finding
        if (
            row is None
            or row.status is ConflictStatus.LAPSED
            or (row.status is ConflictStatus.RESOLVED and finding.grade.rank > row.grade.rank)
            or (row.status is ConflictStatus.OPEN and row.grade is not finding.grade)
            or list(row.kinds) != [k.value for k in finding.kinds]
            or row.reasons != [r.to_json() for r in finding.reasons]
        ):
            return None
    if any(key not in found and row.status is ConflictStatus.OPEN for key, row in rows.items()):
        return None
    pending = any(row.status is ConflictStatus.OPEN and rules.blocks(row.grade) for row in existing)
    if next_status(operation.status, pending=pending) is not operation.status:
        return None
    holding = sorted(rows[key].id for key in found)
    return CheckOutcome(
        holding=holding,
        unchanged=list(holding),
        conflicts=existing,
        cards=side_cards(session, existing, known=seen.cards),
    )


def record_recheck(
    session: Session, caller: Caller, operation: Operation, outcome: CheckOutcome, *, now: datetime
) -> None:
    """Record a :func:`quick_recheck`: the operation's check time and the audit event, written together
    (:func:`crimelink.store.audit.append_event` with ``writes``: one round trip on PostgreSQL)."""
    set_committed_value(operation, "checked_at", now)
    _audit_check(
        session, caller, operation, outcome, writes=[(_RECORD_CHECK, {"operation": operation.id, "at": now})]
    )


def _mark_checked(operation: Operation, *, status: OperationStatus, now: datetime) -> Write:
    """The write of the operation's check time and status: one Core statement (the session's flush of one
    row costs more than the row), made with the audit event. The session is told them at once, as if it
    had read them after it."""
    values = {"status": status, "checked_at": now, "updated_at": utcnow()}
    for name, value in values.items():
        set_committed_value(operation, name, value)
    return _MARK_CHECKED, {"operation": operation.id, **values}


def _audit_check(
    session: Session, caller: Caller, operation: Operation, outcome: CheckOutcome, *, writes: Sequence[Write]
) -> None:
    """The check's audit event, after the check's last ``writes`` (in one round trip on PostgreSQL)."""
    record_event(
        session,
        caller,
        action="check",
        resource_type="operation",
        resource_id=str(operation.id),
        details=outcome.details(),
        writes=writes,
    )


def conflicts_touching(
    session: Session, operation_id: int, *, open_only: bool = False
) -> list[OperationConflict]:
    """Every conflict the operation is in, whichever side (only the open ones with ``open_only``), by id."""
    statement = _OPEN_CONFLICTS_TOUCHING if open_only else _CONFLICTS_TOUCHING
    return list(session.scalars(statement, {"operation": operation_id}).all())


# Built once (every check reads them): building and keying a statement costs more than running it.
_CONFLICTS_TOUCHING = (
    select(OperationConflict)
    .where(
        or_(
            OperationConflict.operation_id == bindparam("operation"),
            OperationConflict.other_operation_id == bindparam("operation"),
        )
    )
    .order_by(OperationConflict.id)
)
_OPEN_CONFLICTS_TOUCHING = _CONFLICTS_TOUCHING.where(OperationConflict.status == ConflictStatus.OPEN)
# Core statements on the tables, not the ORM's bulk paths: their setting up costs more than the rows, and
# the ORM's bulk insert writes operation and interest conflicts (other columns left out) as two statements.
_OPERATIONS = cast(Table, Operation.__table__)
_CONFLICTS = cast(Table, OperationConflict.__table__)
# A check that changes nothing records only its time: the operation was not updated (its ``updated_at``
# kept, not given the column's default for a change).
_RECORD_CHECK = (
    update(_OPERATIONS)
    .where(_OPERATIONS.c.id == bindparam("operation"))
    .values(checked_at=bindparam("at"), updated_at=_OPERATIONS.c.updated_at)
)
_NOTICES = cast(Table, DeconflictionNotification.__table__)
_MARK_CHECKED = (
    update(_OPERATIONS)
    .where(_OPERATIONS.c.id == bindparam("operation"))
    .values(
        {
            name: bindparam(name, type_=_OPERATIONS.c[name].type)
            for name in ("status", "checked_at", "updated_at")
        }
    )
)

#: The statuses a new red or amber conflict puts at "conflict pending" (see :func:`hold_operations`).
_HELD = (OperationStatus.SUBMITTED, OperationStatus.CLEARED)
_HOLD = (
    update(_OPERATIONS)
    .where(one_of(_OPERATIONS.c.id, "ids"), _OPERATIONS.c.status.in_(_HELD))
    .values(status=OperationStatus.CONFLICT_PENDING, updated_at=bindparam("now"))
)
# Which of the operations bound as ``ids`` an open conflict of a blocking grade touches.
_BLOCKING_TOUCHING = select(OperationConflict.operation_id, OperationConflict.other_operation_id).where(
    OperationConflict.status == ConflictStatus.OPEN,
    one_of(OperationConflict.grade, "grades"),
    or_(one_of(OperationConflict.operation_id, "ids"), one_of(OperationConflict.other_operation_id, "ids")),
)


def run_operation_check(
    session: Session,
    caller: Caller,
    operation: Operation,
    *,
    rules: DeconflictionRules,
    now: datetime,
    reindex: bool = True,
) -> CheckOutcome:
    """Check a live operation against every live operation and interest; reconcile; audit.

    ``reindex=False`` skips rewriting its index rows (a re-check of an unchanged operation). The caller
    has authorised the check and commits.
    """
    # Never checked: never indexed, and no other check can have met it, so it has no conflicts yet.
    never_checked = operation.checked_at is None
    reindexing = reindex or never_checked
    begin_writing(session)  # SQLite: the write lock before the index's writes flush the session
    hold_check_lock(
        session, writes=index_writes(session, operation, replace=not never_checked) if reindexing else ()
    )
    seen = Seen()
    found = find_conflicts(session, operation, rules=rules, today=now.date(), seen=seen)
    existing: Sequence[OperationConflict] = [] if never_checked else conflicts_touching(session, operation.id)
    # The writes nothing reads back (notices, statuses) are made with the audit event.
    writes: list[Write] = []
    outcome = _reconcile(
        session,
        existing,
        found,
        rules=rules,
        now=now,
        lapse_reason=f"no longer holds after operation {operation.id} was checked",
        writes=writes,
        cards=seen.cards,
    )
    pending = any(row.status is ConflictStatus.OPEN and rules.blocks(row.grade) for row in existing) or any(
        rules.blocks(found[key].finding.grade) for key in found if key not in {row.key for row in existing}
    )
    before = operation.status
    writes.append(_mark_checked(operation, status=next_status(before, pending=pending), now=now))
    moved = _refresh_counterparts(
        session,
        outcome,
        existing,
        found,
        rules=rules,
        besides=operation.id,
        now=now,
        follow=False,
        writes=writes,
    )
    _audit_check(session, caller, operation, outcome, writes=writes)
    # An action that is one of these operations follows it (once the statuses are written): asked once for
    # them all, but for those the check read that no action follows.
    moved = [operation.id, *moved] if operation.status is not before else moved
    follow_operations(session, [op_id for op_id in moved if op_id not in seen.unfollowed])
    return outcome


def run_interest_check(
    session: Session, caller: Caller, interest: Interest, *, rules: DeconflictionRules, now: datetime
) -> CheckOutcome:
    """Check an interest against every live operation; reconcile; audit. The caller commits."""
    hold_check_lock(session)
    found: dict[str, Found] = {}
    active = interest.withdrawn_at is None and (
        interest.expires_on is None or interest.expires_on >= now.date()
    )
    if active:
        family = entity_family(session, [interest.entity_id] if interest.entity_id else [])
        if interest.group_id is not None:
            family = {**family, **group_members_family(session, interest.group_id)}
        subject = interest_facts(interest, family)
        operations = load_operation_facts(session, operations_touching_interest(session, interest, family))
        groups: dict[int, frozenset[int]] = {}
        if interest.group_id is not None:
            targeted = {entity for facts in operations.values() for entity in facts.entity_ids()}
            groups = memberships(session, entity_family(session, targeted))
        for op_id, facts in sorted(operations.items()):
            finding = assess_interest(facts, subject, rules, memberships=groups)
            if finding is not None:
                found[interest_key(op_id, interest.id)] = Found(op_id, None, interest.id, finding)
    existing = session.scalars(
        select(OperationConflict).where(OperationConflict.interest_id == interest.id)
    ).all()
    outcome = _reconcile(
        session,
        existing,
        found,
        rules=rules,
        now=now,
        lapse_reason=f"no longer holds after interest {interest.id} changed",
    )
    _refresh_counterparts(session, outcome, existing, found, rules=rules, besides=None, now=now)
    record_event(
        session,
        caller,
        action="check",
        resource_type="interest",
        resource_id=str(interest.id),
        details=outcome.details(),
    )
    return outcome


def _reconcile(
    session: Session,
    existing: Iterable[OperationConflict],
    found: Mapping[str, Found],
    *,
    rules: DeconflictionRules,
    now: datetime,
    lapse_reason: str,
    writes: list[Write] | None = None,
    cards: Mapping[tuple[str, int], Card] | None = None,
) -> CheckOutcome:
    """Create, reopen, regrade or lapse conflicts; returns what it did, with the cards of every side it
    told (the answer names them too).

    The notices are written at once, or added to ``writes`` for the caller to make. ``cards`` may hold the
    sides' cards (the check's reads); the rest are read in one statement.
    """
    outcome = CheckOutcome()
    rows = {row.key: row for row in existing}
    if not rows and not found:
        return outcome
    outcome.cards.update(side_cards(session, [*rows.values(), *found.values()], known=cards))
    told: list[tuple[Conflict, NotificationEvent]] = []
    created: dict[str, dict[str, Any]] = {}
    for key, item in sorted(found.items()):
        finding = item.finding
        kinds = [k.value for k in finding.kinds]
        reasons = [r.to_json() for r in finding.reasons]
        row = rows.get(key)
        if row is None:
            created[key] = {
                "key": key,
                "operation_id": item.operation_id,
                "other_operation_id": item.other_operation_id,
                "interest_id": item.interest_id,
                "kinds": kinds,
                "grade": finding.grade,
                "reasons": reasons,
                "status": ConflictStatus.OPEN,
                "detected_at": now,
                "updated_at": now,
            }
        elif row.status is ConflictStatus.LAPSED or (
            row.status is ConflictStatus.RESOLVED and finding.grade.rank > row.grade.rank
        ):
            _reopen(row, finding, kinds, reasons, now)
            told.append((row, NotificationEvent.CONFLICT))
            outcome.reopened.append(row.id)
        elif row.status is ConflictStatus.OPEN and (
            row.grade is not finding.grade or list(row.kinds) != kinds
        ):
            row.grade, row.kinds, row.reasons, row.updated_at = finding.grade, kinds, reasons, now
            told.append((row, NotificationEvent.REGRADED))
            outcome.regraded.append(row.id)
        else:
            if row.reasons != reasons or list(row.kinds) != kinds:
                row.kinds, row.reasons = kinds, reasons
            outcome.unchanged.append(row.id)
    for key, row in sorted(rows.items()):
        if key not in found and row.status is ConflictStatus.OPEN:
            row.status = ConflictStatus.LAPSED
            row.closed_reason = lapse_reason
            row.updated_at = now
            told.append((row, NotificationEvent.LAPSED))
            outcome.lapsed.append(row.id)
    ids: dict[str, int] = {}
    if created:
        # One statement for the new conflicts; the notices need their ids.
        returned = insert_rows(
            session, _CONFLICTS, list(created.values()), (_CONFLICTS.c.key, _CONFLICTS.c.id)
        )
        ids = {str(key): int(conflict_id) for key, conflict_id in returned}
        for key, values in created.items():
            record = ConflictRecord(
                ids[key],
                values["operation_id"],
                values["other_operation_id"],
                values["interest_id"],
                tuple(values["kinds"]),
                values["grade"],
            )
            told.append((record, NotificationEvent.CONFLICT))
            outcome.created.append(ids[key])
    written = [
        n
        for row, event in told
        for n in notices(session, row, event, rules=rules, now=now, cards=outcome.cards)
    ]
    if writes is None:
        write_notices(session, written)
    elif written:
        writes.append(rows_write(session, _NOTICES, written))
    outcome.holding.extend(sorted(rows[key].id if key in rows else ids[key] for key in found))
    return outcome


def _reopen(
    row: OperationConflict,
    finding: Finding,
    kinds: list[str],
    reasons: list[dict[str, object]],
    now: datetime,
) -> None:
    row.status = ConflictStatus.OPEN
    row.grade, row.kinds, row.reasons = finding.grade, kinds, reasons
    row.detected_at = row.updated_at = now
    row.escalated_at = None
    row.resolution = None
    row.yielding_operation_id = None
    row.rationale = None
    row.resolved_by = None
    row.resolved_at = None
    row.closed_reason = None


def lapse(
    session: Session, row: OperationConflict, *, reason: str, rules: DeconflictionRules, now: datetime
) -> None:
    """Close an open conflict that no longer holds, and tell both sides (and the desk if it blocked)."""
    row.status = ConflictStatus.LAPSED
    row.closed_reason = reason
    row.updated_at = now
    notify(session, row, NotificationEvent.LAPSED, rules=rules, now=now)


def _refresh_counterparts(
    session: Session,
    outcome: CheckOutcome,
    existing: Iterable[OperationConflict],
    found: Mapping[str, Found],
    *,
    rules: DeconflictionRules,
    besides: int | None,
    now: datetime,
    follow: bool = True,
    writes: list[Write] | None = None,
) -> list[int]:
    """Refresh the status of the other operations whose conflicts this check changed.

    A new (or reopened, or worse) red or amber conflict holds the other operation without asking the
    store; one that lapsed or eased may free it, which its other conflicts decide. Returns the operations
    whose status may have moved; ``follow=False`` leaves their actions to the caller
    (:func:`crimelink.services.plan_operations.follow_operations`).
    """
    if not (outcome.created or outcome.reopened or outcome.regraded or outcome.lapsed):
        return []
    held: set[int] = set()
    freed: set[int] = set()
    by_key = {row.key: row for row in existing}
    for key, item in found.items():
        row = by_key.get(key)
        changed = row is None or row.id in outcome.reopened or row.id in outcome.regraded
        if not changed:
            continue
        others = {i for i in (item.operation_id, item.other_operation_id) if i is not None and i != besides}
        (held if rules.blocks(item.finding.grade) else freed).update(others)
    for row in existing:
        if row.id in outcome.lapsed:
            freed.update(
                i for i in (row.operation_id, row.other_operation_id) if i is not None and i != besides
            )
    return hold_operations(session, held, now=now, follow=follow, writes=writes) + refresh_statuses(
        session, freed - held, rules=rules, follow=follow
    )


def hold_operations(
    session: Session,
    operation_ids: Iterable[int],
    *,
    now: datetime,
    follow: bool = True,
    writes: list[Write] | None = None,
) -> list[int]:
    """Put submitted and cleared operations among ``operation_ids`` at "conflict pending", in one statement.

    The operations the session holds are told their new status, as if they had been read after it.
    Returns ``operation_ids`` (any may have moved); ``follow=False`` leaves their actions to the caller.
    The statement runs at once, or is added to ``writes`` for the caller to make (then it follows them).
    """
    ids = sorted(set(operation_ids))
    if not ids:
        return []
    if writes is None:
        session.connection().execute(_HOLD, {"ids": ids, "now": now})
    else:
        assert not follow, "the actions follow once the statuses are written"
        writes.append((_HOLD, {"ids": ids, "now": now}))
    for op_id in ids:
        operation = session.identity_map.get(identity_key(Operation, op_id))
        if isinstance(operation, Operation) and operation.status in _HELD:
            set_committed_value(operation, "status", OperationStatus.CONFLICT_PENDING)
            set_committed_value(operation, "updated_at", now)
    if follow:
        follow_operations(session, ids)
    return ids


def next_status(status: OperationStatus, *, pending: bool) -> OperationStatus:
    """Pending while an open red or amber conflict stands; cleared when none does (active stays active)."""
    if pending and status in (OperationStatus.SUBMITTED, OperationStatus.CLEARED):
        return OperationStatus.CONFLICT_PENDING
    if not pending and status in (OperationStatus.SUBMITTED, OperationStatus.CONFLICT_PENDING):
        return OperationStatus.CLEARED
    return status


def set_status(operation: Operation, *, pending: bool) -> None:
    status = next_status(operation.status, pending=pending)
    if status is not operation.status:
        operation.status = status


def refresh_statuses(
    session: Session, operation_ids: Iterable[int], *, rules: DeconflictionRules, follow: bool = True
) -> list[int]:
    """Set each operation's status from its open conflicts (pending while a red or amber one is open).

    Returns the operations whose status moved; ``follow=False`` leaves their actions to the caller.
    """
    ids = set(operation_ids)
    if not ids:
        return []
    session.flush()
    rows = session.connection().execute(
        _BLOCKING_TOUCHING, {"ids": sorted(ids), "grades": sorted(rules.blocking_grades)}
    )
    pending = {op_id for row in rows for op_id in row if op_id in ids}
    changed = []
    for op_id in sorted(ids):
        operation = session.get(Operation, op_id)  # usually already loaded by the check
        if operation is not None:
            before = operation.status
            set_status(operation, pending=op_id in pending)
            if operation.status is not before:
                changed.append(op_id)
    if follow:
        follow_operations(session, changed)
    return changed


def close_operation(
    session: Session,
    operation: Operation,
    *,
    reason: str,
    rules: DeconflictionRules,
    now: datetime,
) -> list[int]:
    """An operation left the live set (completed or cancelled): unindex it and lapse its open conflicts."""
    unindex_operation(session, operation.id)
    lapsed = []
    rows = session.scalars(
        select(OperationConflict).where(
            or_(
                OperationConflict.operation_id == operation.id,
                OperationConflict.other_operation_id == operation.id,
            ),
            OperationConflict.status == ConflictStatus.OPEN,
        )
    ).all()
    others: set[int] = set()
    for row in rows:
        lapse(session, row, reason=reason, rules=rules, now=now)
        lapsed.append(row.id)
        others.update(
            i for i in (row.operation_id, row.other_operation_id) if i is not None and i != operation.id
        )
    refresh_statuses(session, others, rules=rules)
    return lapsed


def close_interest(
    session: Session, interest: Interest, *, reason: str, rules: DeconflictionRules, now: datetime
) -> list[int]:
    """An interest was withdrawn or expired: lapse its open conflicts."""
    rows = session.scalars(
        select(OperationConflict).where(
            OperationConflict.interest_id == interest.id, OperationConflict.status == ConflictStatus.OPEN
        )
    ).all()
    for row in rows:
        lapse(session, row, reason=reason, rules=rules, now=now)
    refresh_statuses(session, {row.operation_id for row in rows}, rules=rules)
    return [row.id for row in rows]


def mark_cancelled(
    session: Session, operation: Operation, *, reason: str, rules: DeconflictionRules, now: datetime
) -> list[int]:
    """Cancel an operation: unindex it and lapse its open conflicts (by its owner, or the desk's resolution)."""
    operation.status = OperationStatus.CANCELLED
    operation.cancelled_at = now
    operation.cancel_reason = reason
    lapsed = close_operation(
        session, operation, reason=f"operation {operation.id} was cancelled", rules=rules, now=now
    )
    follow_operation(session, operation)
    return lapsed
