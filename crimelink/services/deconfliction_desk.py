"""The deconfliction desk: the board of every conflict in full, ownership, resolution and escalation.

The desk (the police SOC desk, the "watch centre") sees both sides of every conflict with the reasons.
Open red conflicts belong to it until it records what the agencies agreed: proceed, run jointly, delay
or cancel (naming the operation that gives way), or no conflict, always with a rationale. Cancelling
cancels the operation named. A red conflict not resolved within the rules' escalation time is escalated
to the duty inspector (:func:`escalate_overdue`, run by the CLI or a page). Every read and action is
audited; each side is told the outcome blind (never the rationale, which may quote either operation).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor
from crimelink.deconflict.rules import DEFAULT_RULES, DeconflictionRules
from crimelink.deconflict.windows import as_utc
from crimelink.domain import OperationStatus
from crimelink.domain.deconfliction import (
    ConflictGrade,
    ConflictResolution,
    ConflictStatus,
    NotificationAudience,
    NotificationEvent,
)
from crimelink.errors import ConflictError, InvalidInputError, NotFoundError
from crimelink.services.callers import Caller, authorise, record_event
from crimelink.services.deconfliction_check import hold_check_lock, mark_cancelled, refresh_statuses
from crimelink.services.deconfliction_notices import notify, side_cards
from crimelink.services.deconfliction_views import (
    DeskBoard,
    DeskConflictView,
    NotificationView,
    desk_conflict_view,
    desk_summary,
    notification_view,
    recent,
)
from crimelink.store.models import DeconflictionNotification, Operation, OperationConflict
from crimelink.store.models.base import utcnow

#: The longest rationale kept.
MAX_RATIONALE = 4000
#: Open conflicts of each grade listed on the board (the counts cover them all).
BOARD_LIMIT = 200


def desk_board(
    session: Session,
    actor: Actor,
    *,
    recent_days: int = 7,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> DeskBoard:
    """Open conflicts by grade, oldest first (overdue red ones at the top), and those closed lately. Audited."""
    authorise(actor, Action.DECONFLICTION_BOARD)
    now = as_utc(now or utcnow())
    shown: dict[ConflictGrade, Sequence[OperationConflict]] = {}
    counts: dict[str, int] = {}
    for grade in ConflictGrade:
        query = select(OperationConflict).where(
            OperationConflict.status == ConflictStatus.OPEN, OperationConflict.grade == grade
        )
        rows = session.scalars(query.order_by(OperationConflict.detected_at, OperationConflict.id)).all()
        counts[grade.value] = len(rows)
        shown[grade] = rows[:BOARD_LIMIT]
    closed = session.scalars(
        select(OperationConflict)
        .where(
            OperationConflict.status != ConflictStatus.OPEN,
            OperationConflict.updated_at >= recent(now, recent_days),
        )
        .order_by(OperationConflict.updated_at.desc(), OperationConflict.id.desc())
        .limit(BOARD_LIMIT)
    ).all()
    cards = side_cards(session, [*closed, *(row for rows in shown.values() for row in rows)])
    lists = {
        grade: [desk_summary(row, cards, now=now, rules=rules) for row in rows]
        for grade, rows in shown.items()
    }
    red = sorted(lists[ConflictGrade.RED], key=lambda s: (not s.overdue, s.detected_at, s.id))
    board = DeskBoard(
        red=red,
        amber=lists[ConflictGrade.AMBER],
        information=lists[ConflictGrade.INFORMATION],
        recently_closed=[desk_summary(row, cards, now=now, rules=rules) for row in closed],
        counts=counts,
        overdue=sum(1 for s in red if s.overdue),
        escalated=sum(1 for s in red if s.escalated_at is not None),
    )
    record_event(
        session,
        actor,
        action="view",
        resource_type="deconfliction_board",
        details={"open": counts, "shown": [s.id for s in red + board.amber + board.information]},
    )
    return board


def _conflict(session: Session, conflict_id: int) -> OperationConflict:
    row = session.get(OperationConflict, conflict_id)
    if row is None:
        raise NotFoundError(f"there is no conflict {conflict_id}: check the number, or open the desk's board")
    return row


def _full_view(
    session: Session, row: OperationConflict, *, now: datetime, rules: DeconflictionRules
) -> DeskConflictView:
    op_ids = {i for i in (row.operation_id, row.other_operation_id) if i is not None}
    by_operation: dict[int, list[OperationConflict]] = defaultdict(list)
    for other in session.scalars(
        select(OperationConflict)
        .where(
            or_(OperationConflict.operation_id.in_(op_ids), OperationConflict.other_operation_id.in_(op_ids))
        )
        .order_by(OperationConflict.id)
    ):
        for op_id in (other.operation_id, other.other_operation_id):
            if op_id in op_ids:
                by_operation[op_id].append(other)
    by_interest: dict[int, list[OperationConflict]] = defaultdict(list)
    if row.interest_id is not None:
        by_interest[row.interest_id] = list(
            session.scalars(
                select(OperationConflict)
                .where(OperationConflict.interest_id == row.interest_id)
                .order_by(OperationConflict.id)
            ).all()
        )
    return desk_conflict_view(
        session, row, operation_conflicts=by_operation, interest_conflicts=by_interest, now=now, rules=rules
    )


def desk_conflict(
    session: Session,
    actor: Actor,
    conflict_id: int,
    *,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> DeskConflictView:
    """One conflict in full: both sides, the reasons, what each side was told, the outcome. Audited."""
    authorise(actor, Action.DECONFLICTION_BOARD)
    row = _conflict(session, conflict_id)
    record_event(session, actor, action="view", resource_type="conflict", resource_id=str(row.id))
    return _full_view(session, row, now=as_utc(now or utcnow()), rules=rules)


def claim_conflict(
    session: Session,
    actor: Actor,
    conflict_id: int,
    *,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> DeskConflictView:
    """Take ownership of an open conflict (one desk officer sees it through). Audited."""
    authorise(actor, Action.DECONFLICTION_RESOLVE)
    row = _conflict(session, conflict_id)
    if row.status is not ConflictStatus.OPEN:
        raise ConflictError(
            "conflict", f"conflict {row.id} is {row.status.value.lower()}: there is nothing to own"
        )
    before = row.desk_owner
    row.desk_owner = actor.username
    record_event(
        session,
        actor,
        action="update",
        resource_type="conflict",
        resource_id=str(row.id),
        details={"desk_owner": actor.username, "was": before},
    )
    return _full_view(session, row, now=as_utc(now or utcnow()), rules=rules)


def resolve_conflict(
    session: Session,
    actor: Actor,
    conflict_id: int,
    *,
    resolution: str,
    rationale: str,
    yielding_operation_id: int | None = None,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> DeskConflictView:
    """Record what the agencies agreed, with a rationale; delay and cancel name the operation that gives way.

    Cancelling cancels that operation (its other conflicts lapse). Each side is told the outcome blind;
    the operations' statuses follow. Audited; the caller commits.

    Example: ``resolve_conflict(session, desk, 7, resolution="DELAY", yielding_operation_id=12,
    rationale="GLAA to move their visit to Thursday after the warrant")``.
    """
    hold_check_lock(session)  # checks that store conflicts take turns
    authorise(actor, Action.DECONFLICTION_RESOLVE)
    try:
        chosen = ConflictResolution((resolution or "").strip().upper())
    except ValueError:
        raise InvalidInputError(
            "resolution", f"choose one of {', '.join(r.value for r in ConflictResolution)}"
        ) from None
    cleaned = (rationale or "").replace("\x00", "").strip()
    if len(cleaned) < 5:
        raise InvalidInputError(
            "rationale", "say why (at least 5 characters): the next person to read it needs it"
        )
    if len(cleaned) > MAX_RATIONALE:
        raise InvalidInputError("rationale", f"keep the rationale under {MAX_RATIONALE} characters")
    row = _conflict(session, conflict_id)
    if row.status is not ConflictStatus.OPEN:
        raise ConflictError(
            "conflict", f"conflict {row.id} is {row.status.value.lower()}: it cannot be resolved now"
        )
    sides = [i for i in (row.operation_id, row.other_operation_id) if i is not None]
    if chosen.names_operation:
        if yielding_operation_id not in sides:
            raise InvalidInputError(
                "yielding_operation_id",
                f"name the operation that gives way: one of {', '.join(str(i) for i in sides)}",
            )
    elif yielding_operation_id is not None:
        raise InvalidInputError(
            "yielding_operation_id", f"only delay and cancel name an operation, not {chosen.value}"
        )
    now = as_utc(now or utcnow())
    row.status = ConflictStatus.RESOLVED
    row.resolution = chosen
    row.yielding_operation_id = yielding_operation_id
    row.rationale = cleaned
    row.resolved_by = actor.username
    row.resolved_at = row.updated_at = now
    row.desk_owner = row.desk_owner or actor.username
    notify(session, row, NotificationEvent.RESOLVED, rules=rules, now=now)
    if chosen is ConflictResolution.CANCEL:
        operation = session.get(Operation, yielding_operation_id)
        assert operation is not None
        if operation.status not in (OperationStatus.COMPLETED, OperationStatus.CANCELLED):
            mark_cancelled(
                session,
                operation,
                reason=f"cancelled on deconfliction (conflict {row.id}), recorded by {actor.username}",
                rules=rules,
                now=now,
            )
    refresh_statuses(session, sides, rules=rules)
    record_event(
        session,
        actor,
        action="resolve",
        resource_type="conflict",
        resource_id=str(row.id),
        details={
            "resolution": chosen.value,
            "yielding_operation_id": yielding_operation_id,
            "grade": row.grade.value,
        },
    )
    return _full_view(session, row, now=now, rules=rules)


def escalate_overdue(
    session: Session,
    caller: Caller,
    *,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> list[int]:
    """Escalate every open red conflict older than ``rules.escalate_red_after`` (each once). Audited.

    Returns the conflicts escalated. The desk is told (to take to the duty inspector), and both sides.
    Example: ``escalate_overdue(session, SystemCaller("deconflict escalate"), now=utcnow())``.
    """
    authorise(caller, Action.DECONFLICTION_RESOLVE)
    now = as_utc(now or utcnow())
    rows = session.scalars(
        select(OperationConflict)
        .where(
            OperationConflict.status == ConflictStatus.OPEN,
            OperationConflict.grade == ConflictGrade.RED,
            OperationConflict.escalated_at.is_(None),
            OperationConflict.detected_at <= now - rules.escalate_red_after,
        )
        .order_by(OperationConflict.id)
    ).all()
    for row in rows:
        row.escalated_at = now
        notify(session, row, NotificationEvent.ESCALATED, rules=rules, now=now)
        record_event(
            session,
            caller,
            action="escalate",
            resource_type="conflict",
            resource_id=str(row.id),
            details={
                "detected_at": as_utc(row.detected_at).isoformat(),
                "after_hours": rules.escalate_red_after.total_seconds() / 3600,
            },
        )
    return [row.id for row in rows]


def desk_notifications(
    session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 100
) -> list[NotificationView]:
    """The desk's notices (new, regraded, lapsed, resolved and escalated conflicts), newest first. Audited."""
    authorise(actor, Action.DECONFLICTION_BOARD)
    query = select(DeconflictionNotification).where(
        DeconflictionNotification.audience == NotificationAudience.DESK
    )
    if unread_only:
        query = query.where(DeconflictionNotification.read_at.is_(None))
    notices = session.scalars(
        query.order_by(
            DeconflictionNotification.created_at.desc(), DeconflictionNotification.id.desc()
        ).limit(min(limit, 500))
    ).all()
    record_event(
        session,
        actor,
        action="view",
        resource_type="desk_notifications",
        details={"shown": [n.id for n in notices]},
    )
    return [notification_view(session, n) for n in notices]
