"""Actions: the one unit of tracked work in the co-ordinated plan (``docs/plan.md``).

An action belongs to a disruption plan, or arose from a meeting's resolution, or serves an objective or
initiative of the partnership plan. It is given to one agency (and optionally a named officer) with a
due date, and moves through a flow::

    PROPOSED -> DECONFLICTING -> APPROVED -> IN_PROGRESS -> DONE
         \\____________\\______________\\_____________\\____-> ABANDONED

Those who manage the plan (``plan.manage`` for a disruption plan's actions, ``partnership.manage`` for
the rest) may make any move; the agency the action is given to (``action.update``) may start it, finish
it, and see it. Every move is kept with who, when and why (``plan_action_events``) and audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, allowed
from crimelink.domain import ActionStatus, FourP, PlanStatus
from crimelink.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from crimelink.services.callers import Caller, SystemCaller, authorise, record_event
from crimelink.services.tactic_rows import tactic_row
from crimelink.store.models import (
    Agency,
    DisruptionPlan,
    Entity,
    Initiative,
    Meeting,
    PartnershipObjective,
    PlanAction,
    PlanActionEvent,
    Tactic,
)
from crimelink.store.models.base import utcnow

#: Where each status may move next.
ACTION_FLOW: dict[ActionStatus, frozenset[ActionStatus]] = {
    ActionStatus.PROPOSED: frozenset(
        {ActionStatus.DECONFLICTING, ActionStatus.APPROVED, ActionStatus.IN_PROGRESS, ActionStatus.ABANDONED}
    ),
    ActionStatus.DECONFLICTING: frozenset(
        {ActionStatus.PROPOSED, ActionStatus.APPROVED, ActionStatus.ABANDONED}
    ),
    ActionStatus.APPROVED: frozenset(
        {ActionStatus.DECONFLICTING, ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.ABANDONED}
    ),
    ActionStatus.IN_PROGRESS: frozenset(
        {ActionStatus.DECONFLICTING, ActionStatus.DONE, ActionStatus.ABANDONED}
    ),
    ActionStatus.DONE: frozenset(),
    ActionStatus.ABANDONED: frozenset({ActionStatus.PROPOSED}),
}
#: Moves the agency an action is given to may make on its own.
AGENCY_MOVES = frozenset({ActionStatus.IN_PROGRESS, ActionStatus.DONE})
OPEN_STATUSES = frozenset(
    {ActionStatus.PROPOSED, ActionStatus.DECONFLICTING, ActionStatus.APPROVED, ActionStatus.IN_PROGRESS}
)
MAX_TITLE = 300
#: Statuses in the order the flow runs (how moves are offered).
_FLOW_ORDER = list(ActionStatus)
MAX_TEXT = 10_000


@dataclass(frozen=True)
class ActionInput:
    """What a new action needs. Exactly one home is usual (plan, meeting, objective or initiative)."""

    title: str
    agency_id: int
    due_on: date | None = None
    assignee: str = ""
    description: str = ""
    four_p: FourP | str | None = None
    tactic: str | None = None
    target_entity_id: int | None = None
    plan_id: int | None = None
    meeting_id: int | None = None
    objective_id: int | None = None
    initiative_id: int | None = None
    status: ActionStatus = ActionStatus.PROPOSED
    note: str = ""


@dataclass(frozen=True)
class ActionEventView:
    from_status: ActionStatus | None
    to_status: ActionStatus
    note: str
    by: str
    at: datetime


@dataclass(frozen=True)
class ActionView:
    """An action as its reader sees it; ``plan_title`` is empty unless the reader may see the plan."""

    id: int
    title: str
    description: str
    agency_id: int
    agency_code: str
    agency_name: str
    assignee: str
    due_on: date | None
    status: ActionStatus
    four_p: FourP | None
    tactic_slug: str | None
    tactic_name: str | None
    plan_id: int | None
    plan_title: str
    meeting_id: int | None
    objective_id: int | None
    initiative_id: int | None
    operation_id: int | None
    target_entity_id: int | None
    overdue: bool
    days_overdue: int
    created_by: str
    created_at: datetime
    completed_at: datetime | None
    next_moves: tuple[ActionStatus, ...]
    events: tuple[ActionEventView, ...] = field(default=())


def manages(caller: Caller, action: PlanAction) -> bool:
    """True if ``caller`` manages the plan ``action`` belongs to (and so may make any move)."""
    if isinstance(caller, SystemCaller):
        return True
    needed = Action.PLAN_MANAGE if action.plan_id is not None else Action.PARTNERSHIP_MANAGE
    return bool(allowed(caller, needed))


def may_see_action(caller: Caller, action: PlanAction) -> bool:
    """The agency it is given to, whoever reads the plan it belongs to, and those who manage it."""
    if isinstance(caller, SystemCaller) or manages(caller, action):
        return True
    if action.agency_id == caller.agency_id and allowed(caller, Action.ACTION_UPDATE):
        return True
    if action.plan_id is not None:
        return bool(allowed(caller, Action.PLAN_VIEW))
    return bool(allowed(caller, Action.PARTNERSHIP_VIEW))


def is_overdue(action: PlanAction, today: date) -> bool:
    return action.status in OPEN_STATUSES and action.due_on is not None and action.due_on < today


def _check_home(session: Session, data: ActionInput, problems: dict[str, str]) -> None:
    homes = (
        ("plan_id", DisruptionPlan, data.plan_id, "disruption plan"),
        ("meeting_id", Meeting, data.meeting_id, "meeting"),
        ("objective_id", PartnershipObjective, data.objective_id, "objective"),
        ("initiative_id", Initiative, data.initiative_id, "initiative"),
    )
    for name, model, value, label in homes:
        if value is not None and session.get(model, value) is None:
            problems[name] = f"there is no {label} {value}"
    if data.target_entity_id is not None and session.get(Entity, data.target_entity_id) is None:
        problems["target_entity_id"] = f"there is no entity {data.target_entity_id}"
    plan = session.get(DisruptionPlan, data.plan_id) if data.plan_id is not None else None
    if plan is not None and plan.status == PlanStatus.CLOSED:
        problems["plan_id"] = f"disruption plan {plan.id} is closed: it takes no new actions"


def create_action(
    session: Session, caller: Caller, data: ActionInput, *, now: datetime | None = None
) -> PlanAction:
    """Add an action; a disruption plan's needs ``plan.manage``, any other ``partnership.manage``. Audited.

    Example: ``create_action(session, oca, ActionInput(title="Licence review: Supreme Pizza",
    agency_id=licensing.id, due_on=date(2026, 12, 18), tactic="premises-licence-review", plan_id=3))``.
    """
    authorise(caller, Action.PLAN_MANAGE if data.plan_id is not None else Action.PARTNERSHIP_MANAGE)
    now = now or utcnow()
    problems: dict[str, str] = {}
    title = data.title.strip()
    if not title:
        problems["title"] = "say what is to be done"
    elif len(title) > MAX_TITLE:
        problems["title"] = f"at most {MAX_TITLE} characters"
    if len(data.description) > MAX_TEXT:
        problems["description"] = f"at most {MAX_TEXT} characters"
    if session.get(Agency, data.agency_id) is None:
        problems["agency_id"] = f"there is no agency {data.agency_id}"
    four_p: FourP | None = None
    if data.four_p:
        try:
            four_p = FourP(str(data.four_p).strip().upper())
        except ValueError:
            problems["four_p"] = f"use one of {', '.join(p.value for p in FourP)}"
    tactic_id: int | None = None
    if data.tactic:
        try:
            tactic_id = tactic_row(session, data.tactic).id
        except NotFoundError as error:
            problems["tactic"] = str(error)
    if data.status not in (ActionStatus.PROPOSED, ActionStatus.APPROVED):
        problems["status"] = "a new action is proposed, or approved when a meeting has resolved it"
    _check_home(session, data, problems)
    if problems:
        raise InvalidInputError(problems)
    by = _name(caller)
    action = PlanAction(
        title=title,
        description=data.description.strip(),
        agency_id=data.agency_id,
        assignee=data.assignee.strip(),
        due_on=data.due_on,
        four_p=four_p,
        tactic_id=tactic_id,
        target_entity_id=data.target_entity_id,
        plan_id=data.plan_id,
        meeting_id=data.meeting_id,
        objective_id=data.objective_id,
        initiative_id=data.initiative_id,
        status=data.status,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    session.add(action)
    session.flush()
    action.events.append(
        PlanActionEvent(from_status=None, to_status=data.status, note=data.note.strip(), by=by, at=now)
    )
    record_event(
        session,
        caller,
        action="create",
        resource_type="plan_action",
        resource_id=str(action.id),
        details={"agency_id": action.agency_id, "plan_id": action.plan_id, "meeting_id": action.meeting_id},
    )
    return action


def get_action(session: Session, caller: Caller, action_id: int) -> PlanAction:
    """The action, if ``caller`` may see it; otherwise :class:`NotFoundError` (saying nothing more)."""
    if isinstance(caller, Actor) and not (
        allowed(caller, Action.ACTION_UPDATE)
        or allowed(caller, Action.PLAN_VIEW)
        or allowed(caller, Action.PARTNERSHIP_VIEW)
    ):
        authorise(caller, Action.ACTION_UPDATE)
    action = session.get(PlanAction, action_id)
    if action is None or not may_see_action(caller, action):
        raise NotFoundError(f"there is no action {action_id} you can see: check the number")
    return action


def move_action(
    session: Session,
    caller: Caller,
    action_id: int,
    *,
    to_status: ActionStatus | str,
    note: str = "",
    now: datetime | None = None,
) -> PlanAction:
    """Move an action on in its flow, with a note (required to abandon). Audited.

    The agency it is given to may start and finish it; any other move needs the plan's manager.
    """
    action = get_action(session, caller, action_id)
    try:
        target = ActionStatus(str(to_status).strip().upper())
    except ValueError:
        raise InvalidInputError("status", f"use one of {', '.join(s.value for s in ActionStatus)}") from None
    if not manages(caller, action) and not (
        isinstance(caller, Actor)
        and action.agency_id == caller.agency_id
        and allowed(caller, Action.ACTION_UPDATE)
        and target in AGENCY_MOVES
    ):
        raise PermissionDeniedError(
            "the agency an action is given to may start or finish it; ask the plan's owner to "
            f"move it to {target.value.lower().replace('_', ' ')}"
        )
    plan = action.plan
    if plan is not None and plan.status == PlanStatus.CLOSED:
        raise ConflictError(
            "status",
            f"disruption plan {plan.id} is closed: its actions are kept as they were and cannot move",
        )
    if target == ActionStatus.ABANDONED and not note.strip():
        raise InvalidInputError("note", "say why the action is abandoned")
    if len(note) > MAX_TEXT:
        raise InvalidInputError("note", f"at most {MAX_TEXT} characters")
    apply_move(session, caller, action, target, note=note, now=now)
    return action


def apply_move(
    session: Session,
    caller: Caller,
    action: PlanAction,
    target: ActionStatus,
    *,
    note: str = "",
    now: datetime | None = None,
) -> None:
    """Move ``action`` to ``target`` if the flow allows it (callers have checked permission). Audited."""
    if target not in ACTION_FLOW[action.status]:
        allowed_next = (
            ", ".join(s.value for s in sorted(ACTION_FLOW[action.status])) or "nothing (it is closed)"
        )
        raise InvalidInputError(
            "status",
            f"an action that is {action.status.value} can move to {allowed_next}, not {target.value}",
        )
    now = now or utcnow()
    previous = action.status
    action.status = target
    action.updated_at = now
    action.completed_at = now if target in (ActionStatus.DONE, ActionStatus.ABANDONED) else None
    action.events.append(
        PlanActionEvent(from_status=previous, to_status=target, note=note.strip(), by=_name(caller), at=now)
    )
    record_event(
        session,
        caller,
        action="update",
        resource_type="plan_action",
        resource_id=str(action.id),
        details={"from": previous.value, "to": target.value},
    )


def action_view(session: Session, caller: Caller, action: PlanAction, *, today: date) -> ActionView:
    """What ``caller`` may read of an action they may see."""
    agency = session.get(Agency, action.agency_id)
    tactic = session.get(Tactic, action.tactic_id) if action.tactic_id is not None else None
    plan_title = ""
    if action.plan_id is not None and (isinstance(caller, SystemCaller) or allowed(caller, Action.PLAN_VIEW)):
        plan = session.get(DisruptionPlan, action.plan_id)
        plan_title = plan.title if plan is not None else ""
    overdue = is_overdue(action, today)
    moves = ACTION_FLOW[action.status]
    if not manages(caller, action):
        moves = (
            moves & AGENCY_MOVES
            if isinstance(caller, Actor) and caller.agency_id == action.agency_id
            else frozenset()
        )
    return ActionView(
        id=action.id,
        title=action.title,
        description=action.description,
        agency_id=action.agency_id,
        agency_code=agency.code if agency else "",
        agency_name=agency.name if agency else "",
        assignee=action.assignee,
        due_on=action.due_on,
        status=action.status,
        four_p=action.four_p,
        tactic_slug=tactic.slug if tactic else None,
        tactic_name=tactic.name if tactic else None,
        plan_id=action.plan_id if plan_title else None,
        plan_title=plan_title,
        meeting_id=action.meeting_id,
        objective_id=action.objective_id,
        initiative_id=action.initiative_id,
        operation_id=action.operation_id,
        target_entity_id=action.target_entity_id,
        overdue=overdue,
        days_overdue=(today - action.due_on).days if overdue and action.due_on else 0,
        created_by=action.created_by,
        created_at=action.created_at,
        completed_at=action.completed_at,
        next_moves=tuple(sorted(moves, key=_FLOW_ORDER.index)),
        events=tuple(
            ActionEventView(
                from_status=event.from_status,
                to_status=event.to_status,
                note=event.note,
                by=event.by,
                at=event.at,
            )
            for event in action.events
        ),
    )


def list_actions(
    session: Session,
    caller: Caller,
    *,
    today: date,
    agency_id: int | None = None,
    status: ActionStatus | None = None,
    overdue_only: bool = False,
    plan_id: int | None = None,
    meeting_id: int | None = None,
) -> list[ActionView]:
    """Actions ``caller`` may see, most overdue first, then by due date."""
    query = select(PlanAction)
    if agency_id is not None:
        query = query.where(PlanAction.agency_id == agency_id)
    if status is not None:
        query = query.where(PlanAction.status == status)
    if plan_id is not None:
        query = query.where(PlanAction.plan_id == plan_id)
    if meeting_id is not None:
        query = query.where(PlanAction.meeting_id == meeting_id)
    if overdue_only:
        query = query.where(PlanAction.status.in_(OPEN_STATUSES), PlanAction.due_on < today)
    rows = [
        action for action in session.scalars(query.order_by(PlanAction.id)) if may_see_action(caller, action)
    ]
    rows.sort(key=lambda a: (not is_overdue(a, today), a.due_on or date.max, a.id))
    return [action_view(session, caller, action, today=today) for action in rows]


def overdue_actions(session: Session, *, today: date) -> list[PlanAction]:
    """Every open action whose due date has passed (for reminders and the meeting agenda)."""
    query = (
        select(PlanAction)
        .where(PlanAction.status.in_(OPEN_STATUSES), PlanAction.due_on < today)
        .order_by(PlanAction.due_on, PlanAction.id)
    )
    return list(session.scalars(query))


def _name(caller: Caller) -> str:
    return caller.username if isinstance(caller, Actor) else f"system:{caller.command}"
