"""Reading one's own: operations, the map, conflicts (blind) and notices; and who may touch what.

An agency's users with ``operation.view`` read its operations (an OFFICIAL-SENSITIVE one only when
cleared to it), the conflicts of its operations and interests as the blind rule allows, and the notices
to it. The desk (``deconfliction.board``) reads any operation in full. Every read is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session, joinedload

from crimelink.access import Action, Actor, allowed
from crimelink.deconflict.rules import DEFAULT_RULES, DeconflictionRules
from crimelink.deconflict.windows import as_utc
from crimelink.domain import Classification, OperationStatus
from crimelink.domain.deconfliction import ConflictStatus, NotificationAudience
from crimelink.errors import NotFoundError
from crimelink.services.callers import authorise, record_event
from crimelink.services.deconfliction_check import CheckOutcome, conflicts_touching
from crimelink.services.deconfliction_index import LIVE_STATUSES
from crimelink.services.deconfliction_notices import Card, Cards, Party, refs_of, side_cards
from crimelink.services.deconfliction_views import (
    CheckResult,
    MapOperation,
    MapPoint,
    NotificationView,
    OperationSummary,
    OperationView,
    SideConflictView,
    location_label,
    notification_view,
    operation_view,
    other_side,
    own_card,
    side_conflict_view,
)
from crimelink.store.models import (
    Agency,
    DeconflictionNotification,
    Interest,
    Operation,
    OperationConflict,
)
from crimelink.store.models.base import utcnow


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


# --- who may touch what -----------------------------------------------------------------------


def is_desk(actor: Actor) -> bool:
    return bool(allowed(actor, Action.DECONFLICTION_BOARD))


def may_see(actor: Actor, operation: Operation) -> bool:
    """The owning agency, cleared to the operation's classification; or the desk."""
    if is_desk(actor):
        return True
    return operation.agency_id == actor.agency_id and actor.clearance.rank >= operation.classification.rank


# An operation with its places and targets in one statement, built once: a check reads all three, and
# loading each collection when first touched costs a round trip and more time than the rows.
_OPERATION_WITH_PLACES = (
    select(Operation)
    .where(Operation.id == bindparam("id"))
    .options(joinedload(Operation.locations), joinedload(Operation.targets))
)


def own_operation(session: Session, actor: Actor, operation_id: int, action: Action) -> Operation:
    authorise(actor, action)
    operation = session.execute(_OPERATION_WITH_PLACES, {"id": operation_id}).unique().scalar_one_or_none()
    if operation is None or not may_see(actor, operation):
        # The same words whether it does not exist or belongs to someone else: existence is not told.
        raise NotFoundError(
            f"you have no operation {operation_id}: check the number, or open your operations"
        )
    return operation


def own_interest(session: Session, actor: Actor, interest_id: int, action: Action) -> Interest:
    authorise(actor, action)
    interest = session.get(Interest, interest_id)
    if interest is None or (interest.agency_id != actor.agency_id and not is_desk(actor)):
        raise NotFoundError(f"you have no interest {interest_id}: check the number, or open your interests")
    return interest


def conflicts_of_operation(
    session: Session, operation_id: int, *, open_only: bool = False
) -> list[OperationConflict]:
    return conflicts_touching(session, operation_id, open_only=open_only)


def conflicts_of_interest(session: Session, interest_id: int) -> list[OperationConflict]:
    return list(
        session.scalars(
            select(OperationConflict)
            .where(OperationConflict.interest_id == interest_id)
            .order_by(OperationConflict.id)
        ).all()
    )


def view_of(
    session: Session,
    operation: Operation,
    rules: DeconflictionRules,
    conflicts: list[OperationConflict] | None = None,
    cards: Cards | None = None,
) -> OperationView:
    """The operation in full with its conflicts (``conflicts``, when the caller has just read them; and
    ``cards``, their sides' cards)."""
    if conflicts is None:
        conflicts = conflicts_of_operation(session, operation.id)
    return operation_view(session, operation, conflicts, rules=rules, cards=cards)


def result_of(
    session: Session, operation: Operation, outcome: CheckOutcome, rules: DeconflictionRules
) -> CheckResult:
    view = view_of(session, operation, rules, outcome.conflicts, outcome.cards)
    holding = [c for c in view.conflicts if c.conflict_id in set(outcome.holding)]
    held = sum(1 for c in holding if c.counterpart.hold)
    if not holding:
        message = "Accepted with no conflict."
    else:
        message = f"Accepted with {len(holding)} conflict{'s' if len(holding) != 1 else ''}"
        message += (
            f", {held} of them a hold: contact the desk before you act."
            if held
            else ": contact the agencies named."
        )
    return CheckResult(
        view, message, holding, len(outcome.created) + len(outcome.reopened), len(outcome.lapsed)
    )


# --- reading one's own ------------------------------------------------------------------------


def my_operations(
    session: Session,
    actor: Actor,
    *,
    include_closed: bool = False,
    limit: int = 200,
    rules: DeconflictionRules = DEFAULT_RULES,
) -> list[OperationSummary]:
    """The actor's agency's operations (those cleared to them), latest start first. Audited."""
    authorise(actor, Action.OPERATION_VIEW)
    query = select(Operation).where(
        Operation.agency_id == actor.agency_id,
        Operation.classification.in_([c for c in Classification if c.rank <= actor.clearance.rank]),
    )
    if not include_closed:
        query = query.where(Operation.status.notin_([OperationStatus.COMPLETED, OperationStatus.CANCELLED]))
    operations = session.scalars(
        query.order_by(Operation.starts_at.desc(), Operation.id.desc()).limit(min(limit, 1000))
    ).all()
    agency = session.get(Agency, actor.agency_id)
    summaries = []
    cards: dict[tuple[str, int], Card] = {}
    for operation in operations:
        rows = conflicts_of_operation(session, operation.id, open_only=True)
        cards = side_cards(session, rows, known=cards)
        viewer = Party(own_card(session, operation, cards), operation=operation)
        views = [side_conflict_view(r, viewer, other_side(cards, r, viewer.ref), rules) for r in rows]
        summaries.append(
            OperationSummary(
                id=operation.id,
                name=operation.name,
                agency_code=agency.code if agency else "",
                operation_type=operation.operation_type.value,
                visibility=operation.visibility.value,
                classification=operation.classification.value,
                status=operation.status.value,
                starts_at=_utc_or_none(operation.starts_at),
                ends_at=_utc_or_none(operation.ends_at),
                standing=operation.standing,
                open_conflicts=len(views),
                holds=sum(1 for v in views if v.counterpart.hold),
            )
        )
    record_event(
        session,
        actor,
        action="view",
        resource_type="operations",
        details={"operations_shown": [s.id for s in summaries]},
    )
    return summaries


def get_operation(
    session: Session, actor: Actor, operation_id: int, *, rules: DeconflictionRules = DEFAULT_RULES
) -> OperationView:
    """One of the actor's agency's operations in full, its conflicts blind (the desk: any). Audited."""
    operation = own_operation(session, actor, operation_id, Action.OPERATION_VIEW)
    record_event(session, actor, action="view", resource_type="operation", resource_id=str(operation.id))
    return view_of(session, operation, rules)


def operations_map(session: Session, actor: Actor) -> list[MapOperation]:
    """Live operations the actor may see, with their points: their agency's (the desk: every agency's)."""
    authorise(actor, Action.OPERATION_VIEW)
    query = select(Operation).where(Operation.status.in_((*LIVE_STATUSES, OperationStatus.DRAFT)))
    if not is_desk(actor):
        query = query.where(
            Operation.agency_id == actor.agency_id,
            Operation.classification.in_([c for c in Classification if c.rank <= actor.clearance.rank]),
        )
    agencies = {a.id: a.code for a in session.scalars(select(Agency))}
    found = []
    for operation in session.scalars(query.order_by(Operation.id)).all():
        points = [
            MapPoint(loc.latitude, loc.longitude, loc.radius_m, location_label(loc))
            for loc in operation.locations
            if loc.latitude is not None and loc.longitude is not None
        ]
        if points:
            found.append(
                MapOperation(
                    id=operation.id,
                    name=operation.name,
                    agency_code=agencies.get(operation.agency_id, ""),
                    operation_type=operation.operation_type.value,
                    visibility=operation.visibility.value,
                    status=operation.status.value,
                    starts_at=_utc_or_none(operation.starts_at),
                    ends_at=_utc_or_none(operation.ends_at),
                    standing=operation.standing,
                    points=points,
                )
            )
    record_event(
        session,
        actor,
        action="view",
        resource_type="operations_map",
        details={"operations_shown": [o.id for o in found]},
    )
    return found


def my_conflicts(
    session: Session,
    actor: Actor,
    *,
    include_closed: bool = False,
    rules: DeconflictionRules = DEFAULT_RULES,
) -> list[SideConflictView]:
    """Conflicts of the actor's agency's operations (cleared to them) and interests, blind. Audited."""
    authorise(actor, Action.OPERATION_VIEW)
    mine = set(
        session.scalars(
            select(Operation.id).where(
                Operation.agency_id == actor.agency_id,
                Operation.classification.in_([c for c in Classification if c.rank <= actor.clearance.rank]),
            )
        ).all()
    )
    interests = set(session.scalars(select(Interest.id).where(Interest.agency_id == actor.agency_id)).all())
    conditions = [OperationConflict.operation_id.in_(mine), OperationConflict.other_operation_id.in_(mine)]
    if interests:
        conditions.append(OperationConflict.interest_id.in_(interests))
    query = select(OperationConflict).where(or_(*conditions))
    if not include_closed:
        query = query.where(OperationConflict.status == ConflictStatus.OPEN)
    views: list[SideConflictView] = []
    rows = session.scalars(
        query.order_by(OperationConflict.detected_at.desc(), OperationConflict.id.desc())
    ).all()
    cards = side_cards(session, rows)
    viewers = _own_parties(session, cards, {ref for row in rows for ref in refs_of(row)}, mine, interests)
    for row in rows:
        views.extend(
            side_conflict_view(row, viewers[ref], other_side(cards, row, ref), rules)
            for ref in refs_of(row)
            if ref in viewers
        )
    record_event(
        session,
        actor,
        action="view",
        resource_type="conflicts",
        details={"conflicts_shown": sorted({v.conflict_id for v in views})},
    )
    return views


def _own_parties(
    session: Session,
    cards: Cards,
    refs: set[tuple[str, int]],
    operations: set[int],
    interests: set[int],
) -> dict[tuple[str, int], Party]:
    """The sides among ``refs`` that are the viewer's own (``operations``, ``interests``), with their records
    (two queries at most)."""
    own: dict[tuple[str, int], Party] = {}
    wanted = sorted(i for kind, i in refs if kind == "operation" and i in operations)
    if wanted:
        for operation in session.scalars(select(Operation).where(Operation.id.in_(wanted))):
            own["operation", operation.id] = Party(cards["operation", operation.id], operation=operation)
    wanted = sorted(i for kind, i in refs if kind == "interest" and i in interests)
    if wanted:
        for interest in session.scalars(select(Interest).where(Interest.id.in_(wanted))):
            own["interest", interest.id] = Party(cards["interest", interest.id], interest=interest)
    return own


def my_notifications(
    session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 100
) -> list[NotificationView]:
    """Notices to the actor's agency, newest first (not those about operations above their clearance)."""
    authorise(actor, Action.OPERATION_VIEW)
    hidden = select(Operation.id).where(
        Operation.agency_id == actor.agency_id,
        Operation.classification.notin_([c for c in Classification if c.rank <= actor.clearance.rank]),
    )
    query = select(DeconflictionNotification).where(
        DeconflictionNotification.audience == NotificationAudience.AGENCY,
        DeconflictionNotification.recipient_agency_id == actor.agency_id,
        or_(
            DeconflictionNotification.operation_id.is_(None),
            DeconflictionNotification.operation_id.notin_(hidden),
        ),
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
        resource_type="deconfliction_notifications",
        details={"shown": [n.id for n in notices]},
    )
    return [notification_view(session, n) for n in notices]


def mark_notifications_read(
    session: Session, actor: Actor, notification_ids: Sequence[int], *, now: datetime | None = None
) -> int:
    """Mark the actor's agency's notices read (the desk: desk notices too); returns how many changed."""
    authorise(actor, Action.OPERATION_VIEW)
    audiences = [DeconflictionNotification.recipient_agency_id == actor.agency_id]
    if is_desk(actor):
        audiences.append(DeconflictionNotification.audience == NotificationAudience.DESK)
    notices = session.scalars(
        select(DeconflictionNotification).where(
            DeconflictionNotification.id.in_(set(notification_ids)),
            DeconflictionNotification.read_at.is_(None),
            or_(*audiences),
        )
    ).all()
    moment = as_utc(now or utcnow())
    for notice in notices:
        notice.read_at = moment
        notice.read_by = actor.username
    if notices:
        record_event(
            session,
            actor,
            action="update",
            resource_type="deconfliction_notifications",
            details={"read": [n.id for n in notices]},
        )
    return len(notices)
