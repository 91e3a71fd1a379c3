"""An action that is an operation follows its operation through deconfliction (``docs/plan-disruption.md``).

An action may be linked to one operation of the agency it is given to (``plan_actions.operation_id``).
From then on the action's status follows the operation's, whoever moved it (its officer, another
agency's check that met it, the desk's resolution):

=================================  =====================
operation                          action
=================================  =====================
submitted, conflict pending        DECONFLICTING
cleared                            APPROVED
active                             IN_PROGRESS
completed                          DONE
cancelled                          ABANDONED
draft                              (unchanged)
=================================  =====================

Each move is made through the action flow (through intermediate steps where the flow asks for them, e.g.
DECONFLICTING -> APPROVED -> DONE), kept in the action's history with a note naming the operation and
why, and audited as ``system:deconfliction``. An action that is already done or abandoned, or whose plan
is closed, no longer follows. The note describes only the action's own operation (a covert one by number
only), never the other side of a conflict: the blind rule holds.

The deconfliction services call :func:`follow_operation` (or :func:`follow_operations` after a bulk
change) wherever an operation's status changes. This module imports nothing of deconfliction's, so those
services can import it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import ActionStatus, OperationStatus, PlanStatus, Visibility
from crimelink.services.callers import SystemCaller
from crimelink.services.plan_actions import ACTION_FLOW, apply_move
from crimelink.store.expressions import one_of
from crimelink.store.models import DisruptionPlan, Operation, PlanAction

#: Who moves an action when its operation moves (the deconfliction event names the person).
DECONFLICTION = SystemCaller("deconfliction")

#: The action status each operation status means (a draft means nothing yet).
FOLLOWS: dict[OperationStatus, ActionStatus] = {
    OperationStatus.SUBMITTED: ActionStatus.DECONFLICTING,
    OperationStatus.CONFLICT_PENDING: ActionStatus.DECONFLICTING,
    OperationStatus.CLEARED: ActionStatus.APPROVED,
    OperationStatus.ACTIVE: ActionStatus.IN_PROGRESS,
    OperationStatus.COMPLETED: ActionStatus.DONE,
    OperationStatus.CANCELLED: ActionStatus.ABANDONED,
}
#: Statuses an action no longer follows its operation from.
SETTLED = frozenset({ActionStatus.DONE, ActionStatus.ABANDONED})

_WHY: dict[OperationStatus, str] = {
    OperationStatus.SUBMITTED: "was submitted for the deconfliction check",
    OperationStatus.CONFLICT_PENDING: "has an open conflict: it waits for the deconfliction desk",
    OperationStatus.CLEARED: "is cleared by deconfliction",
    OperationStatus.ACTIVE: "has started",
    OperationStatus.COMPLETED: "is completed",
    OperationStatus.CANCELLED: "was cancelled",
}


def path_to(start: ActionStatus, goal: ActionStatus) -> list[ActionStatus]:
    """The shortest run of moves the action flow allows from ``start`` to ``goal`` (``[]`` if none).

    >>> path_to(ActionStatus.DECONFLICTING, ActionStatus.DONE)
    [<ActionStatus.APPROVED: 'APPROVED'>, <ActionStatus.DONE: 'DONE'>]
    """
    if start == goal:
        return []
    came_from: dict[ActionStatus, ActionStatus] = {}
    queue = deque([start])
    while queue:
        status = queue.popleft()
        for following in sorted(ACTION_FLOW[status]):
            if following in came_from or following == start or following == ActionStatus.PROPOSED:
                continue
            came_from[following] = status
            if following == goal:
                steps: list[ActionStatus] = [goal]
                while steps[-1] in came_from and came_from[steps[-1]] != start:
                    steps.append(came_from[steps[-1]])
                return list(reversed(steps))
            queue.append(following)
    return []


def operation_words(operation_id: int, name: str, visibility: Visibility) -> str:
    """How an action's history names its operation: a covert operation by number only."""
    if visibility == Visibility.COVERT:
        return f"operation {operation_id}"
    return f"operation {operation_id} ({name})"


def follow_operation(session: Session, operation: Operation, *, reason: str = "") -> list[int]:
    """Move every action linked to ``operation`` to the status its operation's now means.

    ``reason`` adds why (for example who linked them). Returns the ids of the actions moved. The caller
    commits. Example: after ``complete_operation(...)``, the action linked to it is DONE.
    """
    return follow_operations(session, [operation.id], reason=reason)


# The actions still following one of the operations bound as ``ids``, with what their moves need, built
# once: every deconfliction check that changes a status asks, and almost always finds none, so the cost
# is building and keying the statement (and, on PostgreSQL, planning an expanding ``IN`` afresh).
_FOLLOWING = (
    select(
        PlanAction.id,
        PlanAction.status,
        PlanAction.operation_id,
        Operation.status,
        Operation.name,
        Operation.visibility,
        Operation.cancel_reason,
    )
    .join(Operation, Operation.id == PlanAction.operation_id)
    .outerjoin(DisruptionPlan, DisruptionPlan.id == PlanAction.plan_id)
    .where(
        one_of(PlanAction.operation_id, "ids"),
        PlanAction.status.notin_(sorted(SETTLED)),
        (DisruptionPlan.id.is_(None)) | (DisruptionPlan.status != PlanStatus.CLOSED),
    )
    .order_by(PlanAction.id)
)


def follow_operations(session: Session, operation_ids: Iterable[int], *, reason: str = "") -> list[int]:
    """:func:`follow_operation` for several operations at once (after a bulk change of status)."""
    ids = sorted(set(operation_ids))
    if not ids:
        return []
    session.flush()  # the statuses are read from the store
    rows = session.connection().execute(_FOLLOWING, {"ids": ids}).all()
    moved: list[int] = []
    for action_id, action_status, operation_id, status, name, visibility, cancel_reason in rows:
        goal = FOLLOWS.get(status)
        if goal is None or goal == action_status:
            continue
        steps = path_to(action_status, goal)
        if not steps:
            continue
        action = session.get_one(PlanAction, action_id)
        words = f"{operation_words(operation_id or 0, name, visibility)} {_WHY[status]}"
        if status == OperationStatus.CANCELLED and cancel_reason:
            words += f": {cancel_reason}"
        if reason:
            words += f" ({reason})"
        for step in steps:
            apply_move(session, DECONFLICTION, action, step, note=words)
        moved.append(action.id)
    return moved
