"""Deconfliction: operations and interests registered, checked against every agency's, blind notices.

The one module pages, the JSON API and the CLI call (``docs/deconfliction.md`` has the rules):

- **operations**: :func:`register_operation` (and check at once, or keep a draft), :func:`update_operation`,
  :func:`submit_operation`, :func:`check_operation`, :func:`start_operation`, :func:`complete_operation`,
  :func:`cancel_operation`; read with :func:`my_operations`, :func:`get_operation`, :func:`operations_map`;
- **interests**: :func:`register_interest`, :func:`withdraw_interest`, :func:`my_interests`,
  :func:`get_interest`;
- **conflicts and notices**, blind: :func:`my_conflicts`, :func:`my_notifications`,
  :func:`mark_notifications_read`;
- **the desk** (:mod:`crimelink.services.deconfliction_desk`): :func:`desk_board`, :func:`desk_conflict`,
  :func:`claim_conflict`, :func:`resolve_conflict`, :func:`escalate_overdue`, :func:`desk_notifications`;
- **housekeeping**: :func:`check_all` (after a linkage run, or when interests expire).

Every function takes the session and the caller, authorises through the one policy, audits in the same
transaction and leaves the commit to the caller. Each audience gets its own view dataclass
(:mod:`crimelink.services.deconfliction_views`): an agency sees its own operations and interests in full
and the other side of a conflict only blind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from crimelink.access import Action, Actor
from crimelink.deconflict.assess import assess_interest
from crimelink.deconflict.rules import DEFAULT_RULES, DeconflictionRules
from crimelink.deconflict.windows import as_utc
from crimelink.domain import OperationStatus
from crimelink.domain.deconfliction import ConflictStatus
from crimelink.errors import ConflictError, InvalidInputError, NotFoundError
from crimelink.services.callers import Caller, authorise, record_event
from crimelink.services.deconfliction_check import (
    close_interest,
    close_operation,
    hold_check_lock,
    mark_cancelled,
    quick_recheck,
    record_recheck,
    run_operation_check,
)
from crimelink.services.deconfliction_desk import (
    claim_conflict,
    desk_board,
    desk_conflict,
    desk_notifications,
    escalate_overdue,
    resolve_conflict,
)
from crimelink.services.deconfliction_index import (
    LIVE_STATUSES,
    candidate_interests,
    facts_of,
    memberships,
    unindex_operation,
)
from crimelink.services.deconfliction_input import (
    MAX_LOCATIONS,
    MAX_TARGETS,
    MAX_TEXT,
    InterestInput,
    LocationInput,
    OperationInput,
    TargetInput,
    clean_operation,
    clean_text,
    write_definition,
)
from crimelink.services.deconfliction_interests import (
    get_interest,
    my_interests,
    register_interest,
    withdraw_interest,
)
from crimelink.services.deconfliction_notices import notify_outcome
from crimelink.services.deconfliction_reads import (
    get_operation,
    is_desk,
    mark_notifications_read,
    my_conflicts,
    my_notifications,
    my_operations,
    operations_map,
    own_operation,
    result_of,
    view_of,
)
from crimelink.services.deconfliction_views import (
    CheckResult,
    DeskBoard,
    DeskConflictSummary,
    DeskConflictView,
    InterestView,
    MapOperation,
    MapPoint,
    NotificationView,
    OperationSummary,
    OperationView,
    SideConflictView,
)
from crimelink.services.plan_operations import follow_operation
from crimelink.store.models import Agency, Interest, Operation, OperationConflict
from crimelink.store.models.base import utcnow
from crimelink.store.pipeline import plan_once

__all__ = [
    "MAX_LOCATIONS",
    "MAX_TARGETS",
    "CheckAllSummary",
    "CheckResult",
    "DeskBoard",
    "DeskConflictSummary",
    "DeskConflictView",
    "InterestInput",
    "InterestView",
    "LocationInput",
    "MapOperation",
    "MapPoint",
    "NotificationView",
    "OperationInput",
    "OperationSummary",
    "OperationView",
    "SideConflictView",
    "TargetInput",
    "cancel_operation",
    "check_all",
    "check_operation",
    "claim_conflict",
    "complete_operation",
    "desk_board",
    "desk_conflict",
    "desk_notifications",
    "escalate_overdue",
    "get_interest",
    "get_operation",
    "mark_notifications_read",
    "my_conflicts",
    "my_interests",
    "my_notifications",
    "my_operations",
    "operations_map",
    "register_interest",
    "register_operation",
    "resolve_conflict",
    "start_operation",
    "submit_operation",
    "update_operation",
    "withdraw_interest",
]

# --- operations -------------------------------------------------------------------------------


def register_operation(
    session: Session,
    actor: Actor,
    data: OperationInput,
    *,
    submit: bool = True,
    agency_id: int | None = None,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> CheckResult:
    """Register an operation for the actor's agency (the desk may name another ``agency_id``) and,
    unless kept as a draft (``submit=False``), check it at once. Audited; the caller commits.

    Example: ``register_operation(session, officer, OperationInput(name="Day of action", ...)).message``
    is "Accepted with no conflict." or names how many conflicts (and holds) it met.
    """
    hold_check_lock(session)  # checks that store conflicts take turns
    authorise(actor, Action.OPERATION_REGISTER)
    now = as_utc(now or utcnow())
    owner = actor.agency_id
    if agency_id is not None and agency_id != actor.agency_id:
        if not is_desk(actor):
            raise InvalidInputError("agency_id", "only the deconfliction desk registers for another agency")
        if session.get(Agency, agency_id) is None:
            raise InvalidInputError("agency_id", f"there is no agency {agency_id}")
        owner = agency_id
    clean = clean_operation(session, data, rules=rules, now=now)
    operation = Operation(
        agency_id=owner,
        name=clean.name,
        officer=clean.officer,
        contact_24h=clean.contact_24h,
        operation_type=clean.operation_type,
        status=OperationStatus.DRAFT,
        created_by=actor.username,
        created_at=now,
    )
    session.add(operation)
    write_definition(session, operation, clean)
    record_event(
        session,
        actor,
        action="create",
        resource_type="operation",
        resource_id=str(operation.id),
        details={
            "agency_id": owner,
            "locations": len(clean.locations),
            "targets": len(clean.targets),
            "retrospective": clean.retrospective_reason is not None,
            "submit": submit,
        },
    )
    if not submit:
        return CheckResult(
            view_of(session, operation, rules), "Saved as a draft: not checked until submitted.", [], 0, 0
        )
    return _submit(session, actor, operation, rules=rules, now=now)


def _submit(
    session: Session, actor: Caller, operation: Operation, *, rules: DeconflictionRules, now: datetime
) -> CheckResult:
    operation.status = OperationStatus.SUBMITTED
    operation.submitted_at = now
    outcome = run_operation_check(session, actor, operation, rules=rules, now=now)
    return result_of(session, operation, outcome, rules)


def submit_operation(
    session: Session,
    actor: Actor,
    operation_id: int,
    *,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> CheckResult:
    """Submit a draft: it is checked, and others' checks meet it from now on. Audited."""
    hold_check_lock(session)  # checks that store conflicts take turns
    operation = own_operation(session, actor, operation_id, Action.OPERATION_REGISTER)
    if operation.status is not OperationStatus.DRAFT:
        raise ConflictError("status", f"operation {operation.id} is already {operation.status.value.lower()}")
    record_event(
        session,
        actor,
        action="update",
        resource_type="operation",
        resource_id=str(operation.id),
        details={"to": "SUBMITTED"},
    )
    return _submit(session, actor, operation, rules=rules, now=as_utc(now or utcnow()))


def update_operation(
    session: Session,
    actor: Actor,
    operation_id: int,
    data: OperationInput,
    *,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> CheckResult:
    """Replace an operation's definition (fields, locations, targets); a submitted one is checked again.

    Conflicts that no longer hold lapse, new ones are raised: the check is the same as at registration.
    """
    hold_check_lock(session)  # checks that store conflicts take turns
    operation = own_operation(session, actor, operation_id, Action.OPERATION_REGISTER)
    if operation.status in (OperationStatus.COMPLETED, OperationStatus.CANCELLED):
        raise ConflictError(
            "status", f"operation {operation.id} is {operation.status.value.lower()}: it cannot change"
        )
    now = as_utc(now or utcnow())
    clean = clean_operation(session, data, rules=rules, now=now)
    unindex_operation(session, operation.id)
    write_definition(session, operation, clean)
    record_event(
        session,
        actor,
        action="update",
        resource_type="operation",
        resource_id=str(operation.id),
        details={"locations": len(clean.locations), "targets": len(clean.targets)},
    )
    if operation.status is OperationStatus.DRAFT:
        return CheckResult(
            view_of(session, operation, rules), "Draft saved: not checked until submitted.", [], 0, 0
        )
    outcome = run_operation_check(session, actor, operation, rules=rules, now=now)
    return result_of(session, operation, outcome, rules)


def check_operation(
    session: Session,
    caller: Caller,
    operation_id: int,
    *,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> CheckResult:
    """Run the check again (idempotent: it finds the same conflicts, lapses those that no longer hold)."""
    plan_once(session)  # its reads are key and index lookups: planned once, not at every call
    if isinstance(caller, Actor):
        operation = own_operation(session, caller, operation_id, Action.OPERATION_REGISTER)
    else:
        found = session.get(Operation, operation_id)
        if found is None:
            raise NotFoundError(f"there is no operation {operation_id}")
        operation = found
    if operation.status not in LIVE_STATUSES:
        raise ConflictError(
            "status",
            f"operation {operation.id} is {operation.status.value.lower()}: only a submitted operation is checked",
        )
    moment = as_utc(now or utcnow())
    quick = quick_recheck(session, operation, rules=rules, now=moment)
    if quick is not None:  # nothing changes: the answer is read, then the check recorded
        set_committed_value(operation, "checked_at", moment)
        result = result_of(session, operation, quick, rules)
        record_recheck(session, caller, operation, quick, now=moment)
        return result
    hold_check_lock(session, fresh=True)  # something changes: check again, under the lock
    if operation.status not in LIVE_STATUSES:  # changed while it waited
        raise ConflictError("status", f"operation {operation.id} is {operation.status.value.lower()}")
    outcome = run_operation_check(session, caller, operation, rules=rules, now=moment, reindex=False)
    return result_of(session, operation, outcome, rules)


def start_operation(
    session: Session, actor: Actor, operation_id: int, *, rules: DeconflictionRules = DEFAULT_RULES
) -> OperationView:
    """A cleared operation goes live. One with an open red or amber conflict waits for the desk."""
    operation = own_operation(session, actor, operation_id, Action.OPERATION_REGISTER)
    if operation.status is OperationStatus.CONFLICT_PENDING:
        raise ConflictError(
            "status", f"operation {operation.id} has an unresolved conflict: contact the deconfliction desk"
        )
    if operation.status is not OperationStatus.CLEARED:
        raise ConflictError(
            "status", f"operation {operation.id} is {operation.status.value.lower()}, not cleared"
        )
    operation.status = OperationStatus.ACTIVE
    follow_operation(session, operation)
    record_event(
        session,
        actor,
        action="update",
        resource_type="operation",
        resource_id=str(operation.id),
        details={"to": "ACTIVE"},
    )
    return view_of(session, operation, rules)


def complete_operation(
    session: Session,
    actor: Actor,
    operation_id: int,
    *,
    outcome_summary: str = "",
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> OperationView:
    """Record completion. Its open conflicts lapse, and every agency with a standing interest in one of
    its targets, premises or group is told there is an outcome to ask about (blind). Audited.
    """
    hold_check_lock(session)  # checks that store conflicts take turns
    operation = own_operation(session, actor, operation_id, Action.OPERATION_REGISTER)
    if operation.status not in (OperationStatus.CLEARED, OperationStatus.ACTIVE):
        raise ConflictError(
            "status",
            f"operation {operation.id} is {operation.status.value.lower()}: only a cleared or active operation completes",
        )
    now = as_utc(now or utcnow())
    problems: dict[str, str] = {}
    summary = clean_text(outcome_summary, "outcome_summary", problems, longest=MAX_TEXT, required=False)
    if problems:
        raise InvalidInputError(problems)
    holders = _interests_touched(session, operation, rules=rules, now=now)
    operation.status = OperationStatus.COMPLETED
    operation.completed_at = now
    operation.outcome_summary = summary or None
    lapsed = close_operation(
        session, operation, reason=f"operation {operation.id} completed", rules=rules, now=now
    )
    for interest in holders:
        notify_outcome(session, operation, interest, rules=rules, now=now)
    follow_operation(session, operation)
    record_event(
        session,
        actor,
        action="update",
        resource_type="operation",
        resource_id=str(operation.id),
        details={"to": "COMPLETED", "lapsed": lapsed, "interests_told": [i.id for i in holders]},
    )
    return view_of(session, operation, rules)


def _interests_touched(
    session: Session, operation: Operation, *, rules: DeconflictionRules, now: datetime
) -> list[Interest]:
    """Interests the operation touches now (found afresh: one registered since its check counts too)."""
    known = facts_of(session, operation)
    if known is None:
        return []
    facts, family = known
    groups = memberships(session, family)
    touched = [
        interest.id
        for interest in candidate_interests(session, facts, family, now.date())
        if assess_interest(facts, interest, rules, memberships=groups) is not None
    ]
    if not touched:
        return []
    return list(session.scalars(select(Interest).where(Interest.id.in_(touched)).order_by(Interest.id)).all())


def cancel_operation(
    session: Session,
    actor: Actor,
    operation_id: int,
    *,
    reason: str,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> OperationView:
    """Cancel an operation that has not completed, with a reason; its open conflicts lapse. Audited."""
    hold_check_lock(session)  # checks that store conflicts take turns
    operation = own_operation(session, actor, operation_id, Action.OPERATION_REGISTER)
    if operation.status in (OperationStatus.COMPLETED, OperationStatus.CANCELLED):
        raise ConflictError("status", f"operation {operation.id} is already {operation.status.value.lower()}")
    problems: dict[str, str] = {}
    cleaned = clean_text(reason, "reason", problems, longest=MAX_TEXT)
    if not problems and len(cleaned) < 5:
        problems["reason"] = "say why (at least 5 characters)"
    if problems:
        raise InvalidInputError(problems)
    now = as_utc(now or utcnow())
    mark_cancelled(session, operation, reason=cleaned, rules=rules, now=now)
    record_event(
        session,
        actor,
        action="update",
        resource_type="operation",
        resource_id=str(operation.id),
        details={"to": "CANCELLED"},
    )
    return view_of(session, operation, rules)


# --- housekeeping -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckAllSummary:
    """What :func:`check_all` did: counts only."""

    operations_checked: int
    interests_expired: int
    conflicts_created: int
    conflicts_lapsed: int


def check_all(
    session: Session,
    caller: Caller,
    *,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> CheckAllSummary:
    """Check every live operation again and lapse the conflicts of expired interests.

    Run it after a linkage run (entities may have merged, so different spellings now meet) and daily.
    Idempotent; audited; the caller commits.
    """
    hold_check_lock(session)  # checks that store conflicts take turns
    authorise(caller, Action.DECONFLICTION_RESOLVE)
    now = as_utc(now or utcnow())
    expired = session.scalars(
        select(Interest).where(
            Interest.expires_on < now.date(),
            Interest.id.in_(
                select(OperationConflict.interest_id).where(OperationConflict.status == ConflictStatus.OPEN)
            ),
        )
    ).all()
    lapsed = 0
    for interest in expired:
        lapsed += len(
            close_interest(session, interest, reason=f"interest {interest.id} expired", rules=rules, now=now)
        )
    created = checked = 0
    for op_id in session.scalars(
        select(Operation.id).where(Operation.status.in_(LIVE_STATUSES)).order_by(Operation.id)
    ).all():
        operation = session.get(Operation, op_id)
        assert operation is not None
        outcome = run_operation_check(session, caller, operation, rules=rules, now=now)
        created += len(outcome.created) + len(outcome.reopened)
        lapsed += len(outcome.lapsed)
        checked += 1
    summary = CheckAllSummary(checked, len(expired), created, lapsed)
    record_event(session, caller, action="check", resource_type="deconfliction", details=summary.__dict__)
    return summary
