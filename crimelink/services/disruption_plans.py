"""Disruption plans: a plan against a confirmed organised crime group or a single target (``docs/plan-disruption.md``).

A plan has an owner (an agency and an officer), objectives, an optional link to an objective of the
partnership plan, a review cadence, and actions across agencies that move through the action flow of
:mod:`crimelink.services.plan_actions`. An action that is an operation is linked to it (or registers it)
and then follows it through deconfliction (:mod:`crimelink.services.plan_operations`).

- ``plan.view`` reads plans; ``plan.manage`` opens, changes, reviews and closes them and adds actions;
- the agency an action is given to reads and moves its own actions (``action.update``) and links them to
  its own operations, without reading the plan;
- a group's name is shown only to those who may read groups (``group.view``);
- a closed plan is kept read-only: it takes no new actions and its actions no longer move (closing it
  abandons the actions still open, with the closing note).

Every change and every read is audited in the caller's transaction; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, allowed
from crimelink.deconflict.rules import DEFAULT_RULES, DeconflictionRules
from crimelink.domain import ActionStatus, AgencyKind, PlanStatus
from crimelink.domain.reference import default_reference
from crimelink.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from crimelink.services import deconfliction
from crimelink.services.callers import Caller, SystemCaller, authorise, record_event
from crimelink.services.deconfliction_reads import is_desk
from crimelink.services.plan_actions import (
    OPEN_STATUSES,
    ActionInput,
    ActionView,
    action_view,
    apply_move,
    create_action,
    get_action,
    is_overdue,
    list_actions,
    manages,
)
from crimelink.services.plan_operations import SETTLED, follow_operation
from crimelink.store.models import (
    Agency,
    DisruptionPlan,
    Entity,
    Operation,
    OrganisedCrimeGroup,
    Outcome,
    PartnershipObjective,
    PlanAction,
    PlanActionEvent,
)
from crimelink.store.models.base import utcnow

MAX_TITLE = 200
MAX_TEXT = 10_000
LONGEST_CADENCE = 366
DEFAULT_CADENCE = 28

#: The kind of operation an agency most often runs, to pre-fill an action's operation.
OPERATION_TYPE_OF_AGENCY: dict[AgencyKind, str] = {
    AgencyKind.LA_LICENSING: "LICENSING_INSPECTION",
    AgencyKind.LA_TRADING_STANDARDS: "TRADING_STANDARDS_VISIT",
    AgencyKind.LA_HOUSING: "HOUSING_HMO_INSPECTION",
    AgencyKind.LA_ENV_HEALTH: "HOUSING_HMO_INSPECTION",
    AgencyKind.LA_PLANNING: "PLANNING_ENFORCEMENT_VISIT",
    AgencyKind.LA_ENV_ENFORCEMENT: "ENV_ENFORCEMENT_FLYTIP_OP",
    AgencyKind.LA_CHILDRENS_SC: "SAFEGUARDING_VISIT",
    AgencyKind.LA_ADULT_SC: "SAFEGUARDING_VISIT",
    AgencyKind.GLAA: "GLAA_INSPECTION",
    AgencyKind.IMMIGRATION_ENFORCEMENT: "IMMIGRATION_VISIT",
    AgencyKind.BORDER_FORCE: "BORDER_INTERDICTION",
    AgencyKind.ENVIRONMENT_AGENCY: "EA_SITE_VISIT",
}


@dataclass(frozen=True)
class PlanInput:
    """What opening (or changing) a plan needs: exactly one of ``group_id`` and ``target_entity_id``."""

    title: str
    owner_agency_id: int
    owner_officer: str = ""
    objectives: str = ""
    group_id: int | None = None
    target_entity_id: int | None = None
    objective_id: int | None = None
    review_every_days: int = DEFAULT_CADENCE
    #: ``None``: ``review_every_days`` from today.
    next_review_on: date | None = None


@dataclass(frozen=True)
class PlanSummary:
    """A plan as a list shows it; ``group_name`` is empty unless the reader may read groups."""

    id: int
    title: str
    status: PlanStatus
    group_id: int | None
    group_name: str
    target_entity_id: int | None
    owner_agency_id: int
    owner_agency_code: str
    owner_agency_name: str
    owner_officer: str
    review_every_days: int
    next_review_on: date | None
    review_overdue: bool
    actions_open: int
    actions_overdue: int
    created_by: str
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class OutcomeLine:
    """An outcome that came of the plan (recorded against it or one of its actions)."""

    id: int
    kind: str
    occurred_on: date
    agency_code: str
    action_id: int | None
    impact: str
    quantity: float | None
    unit: str
    value_gbp: float | None


@dataclass(frozen=True)
class PlanView(PlanSummary):
    """A plan with its actions (as the reader may see each), counts by status and outcomes."""

    objectives: str
    objective_id: int | None
    objective_title: str
    closing_note: str
    updated_at: datetime | None
    actions: tuple[ActionView, ...]
    #: Every action status, with how many of the plan's actions are in it.
    counts: dict[str, int]
    outcomes: tuple[OutcomeLine, ...]
    may_manage: bool


# --- reading --------------------------------------------------------------------------------------


def _plan(session: Session, plan_id: int) -> DisruptionPlan:
    plan = session.get(DisruptionPlan, plan_id)
    if plan is None:
        raise NotFoundError(f"there is no disruption plan {plan_id}: check the number")
    return plan


def get_plan(session: Session, caller: Caller, plan_id: int) -> DisruptionPlan:
    """The plan, for a reader of plans (``plan.view``)."""
    authorise(caller, Action.PLAN_VIEW)
    return _plan(session, plan_id)


def _may_read_groups(caller: Caller) -> bool:
    return isinstance(caller, SystemCaller) or bool(allowed(caller, Action.GROUP_VIEW))


def _summary(
    session: Session,
    caller: Caller,
    plan: DisruptionPlan,
    actions: list[PlanAction],
    *,
    today: date,
) -> PlanSummary:
    agency = session.get(Agency, plan.owner_agency_id)
    group_name = ""
    if plan.group_id is not None and _may_read_groups(caller):
        group = session.get(OrganisedCrimeGroup, plan.group_id)
        group_name = group.name if group is not None else ""
    return PlanSummary(
        id=plan.id,
        title=plan.title,
        status=plan.status,
        group_id=plan.group_id,
        group_name=group_name,
        target_entity_id=plan.target_entity_id,
        owner_agency_id=plan.owner_agency_id,
        owner_agency_code=agency.code if agency else "",
        owner_agency_name=agency.name if agency else "",
        owner_officer=plan.owner_officer,
        review_every_days=plan.review_every_days,
        next_review_on=plan.next_review_on,
        review_overdue=review_overdue(plan, today),
        actions_open=sum(1 for a in actions if a.status in OPEN_STATUSES),
        actions_overdue=sum(1 for a in actions if is_overdue(a, today)),
        created_by=plan.created_by,
        created_at=plan.created_at,
        closed_at=plan.closed_at,
    )


def review_overdue(plan: DisruptionPlan, today: date) -> bool:
    """An active plan whose review date has passed."""
    return (
        plan.status == PlanStatus.ACTIVE and plan.next_review_on is not None and plan.next_review_on < today
    )


def list_plans(
    session: Session,
    caller: Caller,
    *,
    today: date,
    status: PlanStatus | str | None = None,
    group_id: int | None = None,
    owner_agency_id: int | None = None,
    review_overdue_only: bool = False,
) -> list[PlanSummary]:
    """Plans, filtered; those due a review first, then the newest. Audited."""
    authorise(caller, Action.PLAN_VIEW)
    query = select(DisruptionPlan)
    if status:
        try:
            wanted = PlanStatus(str(status).strip().upper())
        except ValueError:
            raise InvalidInputError(
                "status", f"use one of {', '.join(s.value for s in PlanStatus)}"
            ) from None
        query = query.where(DisruptionPlan.status == wanted)
    if group_id is not None:
        query = query.where(DisruptionPlan.group_id == group_id)
    if owner_agency_id is not None:
        query = query.where(DisruptionPlan.owner_agency_id == owner_agency_id)
    if review_overdue_only:
        query = query.where(DisruptionPlan.status == PlanStatus.ACTIVE, DisruptionPlan.next_review_on < today)
    plans = list(session.scalars(query.order_by(DisruptionPlan.id.desc())))
    by_plan: dict[int, list[PlanAction]] = {plan.id: [] for plan in plans}
    if plans:
        for action in session.scalars(select(PlanAction).where(PlanAction.plan_id.in_(list(by_plan)))):
            by_plan[action.plan_id or 0].append(action)
    summaries = [_summary(session, caller, plan, by_plan[plan.id], today=today) for plan in plans]
    summaries.sort(key=lambda s: (not s.review_overdue, s.status != PlanStatus.ACTIVE, -s.id))
    record_event(
        session,
        caller,
        action="view",
        resource_type="disruption_plans",
        details={"shown": [s.id for s in summaries]},
    )
    return summaries


def plan_view(session: Session, caller: Caller, plan_id: int, *, today: date) -> PlanView:
    """A plan with every action, counts by status, overdue actions and outcomes. Audited."""
    plan = get_plan(session, caller, plan_id)
    actions = list(plan.actions)
    views = [action_view(session, caller, action, today=today) for action in actions]
    views.sort(key=lambda v: (v.status not in OPEN_STATUSES, not v.overdue, v.due_on or date.max, v.id))
    counts = {status.value: 0 for status in ActionStatus}
    for action in actions:
        counts[action.status.value] += 1
    action_ids = [action.id for action in actions]
    came_of = Outcome.plan_id == plan.id
    if action_ids:
        came_of = came_of | Outcome.action_id.in_(action_ids)
    outcome_query = select(Outcome).where(came_of)
    outcomes = []
    for outcome in session.scalars(outcome_query.order_by(Outcome.occurred_on.desc(), Outcome.id)):
        agency = session.get(Agency, outcome.agency_id)
        outcomes.append(
            OutcomeLine(
                id=outcome.id,
                kind=outcome.kind.value,
                occurred_on=outcome.occurred_on,
                agency_code=agency.code if agency else "",
                action_id=outcome.action_id,
                impact=outcome.impact.value,
                quantity=outcome.quantity,
                unit=outcome.unit,
                value_gbp=outcome.value_gbp,
            )
        )
    objective = session.get(PartnershipObjective, plan.objective_id) if plan.objective_id else None
    summary = _summary(session, caller, plan, actions, today=today)
    record_event(
        session,
        caller,
        action="view",
        resource_type="disruption_plan",
        resource_id=str(plan.id),
        details={"actions": action_ids, "outcomes": [o.id for o in outcomes]},
    )
    return PlanView(
        **summary.__dict__,
        objectives=plan.objectives,
        objective_id=plan.objective_id,
        objective_title=objective.title if objective else "",
        closing_note=plan.closing_note or "",
        updated_at=plan.updated_at,
        actions=tuple(views),
        counts=counts,
        outcomes=tuple(outcomes),
        may_manage=isinstance(caller, SystemCaller) or bool(allowed(caller, Action.PLAN_MANAGE)),
    )


def group_plan_id(session: Session, caller: Caller, group_id: int) -> int | None:
    """The group's active plan (the newest if several were opened over time), or ``None``."""
    authorise(caller, Action.PLAN_VIEW)
    if session.get(OrganisedCrimeGroup, group_id) is None:
        raise NotFoundError(f"there is no organised crime group {group_id}: check the number")
    found = session.scalars(
        select(DisruptionPlan.id)
        .where(DisruptionPlan.group_id == group_id, DisruptionPlan.status == PlanStatus.ACTIVE)
        .order_by(DisruptionPlan.id.desc())
    ).first()
    return int(found) if found is not None else None


@dataclass(frozen=True)
class Choice:
    """An option of a form's picker: its value and what the form shows."""

    value: str
    text: str
    #: A heading options are grouped under (a tactic's area of a criminal's life).
    group: str = ""


def agency_choices(session: Session) -> list[Choice]:
    """Every agency, by name (owners of plans and the agencies actions are given to)."""
    return [
        Choice(str(agency.id), f"{agency.name} ({agency.code})")
        for agency in session.scalars(select(Agency).order_by(Agency.name))
    ]


def objective_choices(session: Session) -> list[Choice]:
    """The partnership plan's objectives a disruption plan may serve."""
    return [
        Choice(str(objective.id), f"{objective.title} ({objective.four_p.value.title()})")
        for objective in session.scalars(select(PartnershipObjective).order_by(PartnershipObjective.id))
    ]


def tactic_choices() -> list[Choice]:
    """The menu of tactics, by area of a criminal's life, for the add-action form's picker."""
    tactics = sorted(default_reference().tactics, key=lambda t: (t.area.value, t.name))
    return [Choice(t.id, t.name, t.area.value.title()) for t in tactics]


# --- changing -------------------------------------------------------------------------------------


def _clean(session: Session, data: PlanInput, *, today: date, plan_id: int | None) -> dict[str, object]:
    problems: dict[str, str] = {}
    title = " ".join(data.title.split())
    if not title:
        problems["title"] = "name the plan (for example the group's name and the aim)"
    elif len(title) > MAX_TITLE:
        problems["title"] = f"at most {MAX_TITLE} characters"
    officer = " ".join(data.owner_officer.split())
    if len(officer) > 200:
        problems["owner_officer"] = "at most 200 characters"
    if len(data.objectives) > MAX_TEXT:
        problems["objectives"] = f"at most {MAX_TEXT} characters"
    if session.get(Agency, data.owner_agency_id) is None:
        problems["owner_agency_id"] = f"there is no agency {data.owner_agency_id}"
    if (data.group_id is None) == (data.target_entity_id is None):
        problems["group_id"] = "a plan is against one confirmed group or one single target: give exactly one"
    elif data.group_id is not None:
        if session.get(OrganisedCrimeGroup, data.group_id) is None:
            problems["group_id"] = f"there is no confirmed organised crime group {data.group_id}"
        else:
            other = session.scalars(
                select(DisruptionPlan.id).where(
                    DisruptionPlan.group_id == data.group_id,
                    DisruptionPlan.status == PlanStatus.ACTIVE,
                    DisruptionPlan.id != (plan_id or 0),
                )
            ).first()
            if other is not None:
                problems["group_id"] = (
                    f"group {data.group_id} already has an active plan ({other}): add actions to it, "
                    "or close it first"
                )
    elif session.get(Entity, data.target_entity_id) is None:
        problems["target_entity_id"] = f"there is no entity {data.target_entity_id}"
    if data.objective_id is not None and session.get(PartnershipObjective, data.objective_id) is None:
        problems["objective_id"] = f"there is no partnership objective {data.objective_id}"
    if not 1 <= data.review_every_days <= LONGEST_CADENCE:
        problems["review_every_days"] = f"between 1 and {LONGEST_CADENCE} days"
    if data.next_review_on is not None and plan_id is None and data.next_review_on < today:
        problems["next_review_on"] = "a new plan's first review is today or later"
    if problems:
        raise InvalidInputError(problems)
    return {
        "title": title,
        "owner_agency_id": data.owner_agency_id,
        "owner_officer": officer,
        "objectives": data.objectives.strip(),
        "group_id": data.group_id,
        "target_entity_id": data.target_entity_id,
        "objective_id": data.objective_id,
        "review_every_days": data.review_every_days,
        "next_review_on": data.next_review_on or today + timedelta(days=data.review_every_days),
    }


def open_plan(
    session: Session, caller: Caller, data: PlanInput, *, now: datetime | None = None
) -> DisruptionPlan:
    """Open a plan against a confirmed group or a single target (``plan.manage``). Audited.

    Example: ``open_plan(session, oca, PlanInput(title="Disrupt the car wash network", group_id=4,
    owner_agency_id=police.id, owner_officer="DS Priya Shah", objectives="Close the car washes"))``.
    """
    authorise(caller, Action.PLAN_MANAGE)
    now = now or utcnow()
    values = _clean(session, data, today=now.date(), plan_id=None)
    plan = DisruptionPlan(
        **values, status=PlanStatus.ACTIVE, created_by=_name(caller), created_at=now, updated_at=now
    )
    session.add(plan)
    session.flush()
    record_event(
        session,
        caller,
        action="create",
        resource_type="disruption_plan",
        resource_id=str(plan.id),
        details={"group_id": plan.group_id, "target_entity_id": plan.target_entity_id},
    )
    return plan


def _open_plan(session: Session, caller: Caller, plan_id: int) -> DisruptionPlan:
    authorise(caller, Action.PLAN_MANAGE)
    plan = _plan(session, plan_id)
    if plan.status == PlanStatus.CLOSED:
        raise ConflictError("status", f"disruption plan {plan.id} is closed: it is kept read-only")
    return plan


def update_plan(
    session: Session, caller: Caller, plan_id: int, data: PlanInput, *, now: datetime | None = None
) -> DisruptionPlan:
    """Change an active plan's owner, objectives, subject or review cadence. Audited."""
    plan = _open_plan(session, caller, plan_id)
    now = now or utcnow()
    values = _clean(session, data, today=now.date(), plan_id=plan.id)
    changed = sorted(name for name, value in values.items() if getattr(plan, name) != value)
    for name, value in values.items():
        setattr(plan, name, value)
    plan.updated_at = now
    record_event(
        session,
        caller,
        action="update",
        resource_type="disruption_plan",
        resource_id=str(plan.id),
        details={"changed": changed},
    )
    return plan


def review_plan(
    session: Session, caller: Caller, plan_id: int, *, note: str = "", now: datetime | None = None
) -> DisruptionPlan:
    """Record that the plan was reviewed: the next review is ``review_every_days`` from today. Audited."""
    plan = _open_plan(session, caller, plan_id)
    if len(note) > MAX_TEXT:
        raise InvalidInputError("note", f"at most {MAX_TEXT} characters")
    now = now or utcnow()
    plan.next_review_on = now.date() + timedelta(days=plan.review_every_days)
    plan.updated_at = now
    record_event(
        session,
        caller,
        action="review",
        resource_type="disruption_plan",
        resource_id=str(plan.id),
        details={"next_review_on": plan.next_review_on.isoformat(), "note": note.strip()},
    )
    return plan


def close_plan(
    session: Session, caller: Caller, plan_id: int, *, note: str, now: datetime | None = None
) -> DisruptionPlan:
    """Close a plan with a note; its open actions are abandoned with that note. Audited.

    A closed plan is kept read-only: no new actions, no moves.
    """
    plan = _open_plan(session, caller, plan_id)
    cleaned = note.strip()
    if len(cleaned) < 5:
        raise InvalidInputError("note", "say why the plan closes (at least 5 characters)")
    if len(cleaned) > MAX_TEXT:
        raise InvalidInputError("note", f"at most {MAX_TEXT} characters")
    now = now or utcnow()
    abandoned = []
    for action in plan.actions:
        if action.status in OPEN_STATUSES:
            apply_move(
                session, caller, action, ActionStatus.ABANDONED, note=f"plan closed: {cleaned}", now=now
            )
            abandoned.append(action.id)
    plan.status = PlanStatus.CLOSED
    plan.closed_at = now
    plan.closing_note = cleaned
    plan.updated_at = now
    record_event(
        session,
        caller,
        action="close",
        resource_type="disruption_plan",
        resource_id=str(plan.id),
        details={"abandoned": abandoned},
    )
    return plan


def add_action(
    session: Session, caller: Caller, plan_id: int, data: ActionInput, *, now: datetime | None = None
) -> PlanAction:
    """Add an action to an active plan (``plan.manage``); the plan's single target is the default target.

    Example: ``add_action(session, oca, 3, ActionInput(title="Licence review", agency_id=licensing.id,
    tactic="premises-licence-review", due_on=date(2026, 12, 18), four_p="PURSUE"))``.
    """
    plan = _open_plan(session, caller, plan_id)
    return create_action(
        session,
        caller,
        replace(
            data,
            plan_id=plan.id,
            meeting_id=None,
            target_entity_id=data.target_entity_id or plan.target_entity_id,
            objective_id=data.objective_id or plan.objective_id,
        ),
        now=now,
    )


def my_actions(
    session: Session,
    caller: Actor,
    *,
    today: date,
    status: ActionStatus | str | None = None,
    overdue_only: bool = False,
) -> list[ActionView]:
    """The actions given to the caller's agency (``action.update``), overdue first. Audited."""
    authorise(caller, Action.ACTION_UPDATE)
    wanted = None
    if status:
        try:
            wanted = ActionStatus(str(status).strip().upper())
        except ValueError:
            raise InvalidInputError(
                "status", f"use one of {', '.join(s.value for s in ActionStatus)}"
            ) from None
    views = list_actions(
        session, caller, today=today, agency_id=caller.agency_id, status=wanted, overdue_only=overdue_only
    )
    record_event(
        session, caller, action="view", resource_type="plan_actions", details={"shown": [v.id for v in views]}
    )
    return views


def read_action(session: Session, caller: Caller, action_id: int, *, today: date) -> ActionView:
    """One action the caller may see, with its history and the moves they may make. Audited."""
    view = action_view(session, caller, get_action(session, caller, action_id), today=today)
    record_event(session, caller, action="view", resource_type="plan_action", resource_id=str(action_id))
    return view


# --- actions that are operations ------------------------------------------------------------------


def _linkable(session: Session, actor: Actor, action_id: int) -> PlanAction:
    """An action ``actor`` may link to an operation: theirs to manage, or given to their agency; still open."""
    action = get_action(session, actor, action_id)
    if not (
        manages(actor, action)
        or (action.agency_id == actor.agency_id and allowed(actor, Action.ACTION_UPDATE))
    ):
        raise PermissionDeniedError(
            "only the agency an action is given to, or the plan's managers, link it to an operation"
        )
    if action.plan is not None and action.plan.status == PlanStatus.CLOSED:
        raise ConflictError("status", f"disruption plan {action.plan.id} is closed: it is kept read-only")
    if action.status in SETTLED:
        raise ConflictError(
            "status", f"action {action.id} is {action.status.value.lower()}: reopen it before linking it"
        )
    if action.operation_id is not None:
        raise ConflictError(
            "operation_id", f"action {action.id} already follows operation {action.operation_id}"
        )
    return action


def _linked(
    session: Session, actor: Actor, action: PlanAction, operation: Operation, *, why: str, reason: str
) -> None:
    action.operation_id = operation.id
    now = utcnow()
    action.updated_at = now
    action.events.append(
        PlanActionEvent(
            from_status=action.status,
            to_status=action.status,
            note=f"{why} operation {operation.id}: the action follows it through deconfliction",
            by=actor.username,
            at=now,
        )
    )
    record_event(
        session,
        actor,
        action="update",
        resource_type="plan_action",
        resource_id=str(action.id),
        details={"operation_id": operation.id},
    )
    follow_operation(session, operation, reason=reason)


def link_operation(session: Session, actor: Actor, action_id: int, operation_id: int) -> PlanAction:
    """Link an action to an existing operation of the agency it is given to; it then follows it. Audited.

    The operation must be one the actor may read (their agency's; the desk: any), so no one learns of
    another agency's operation this way.
    """
    action = _linkable(session, actor, action_id)
    deconfliction.get_operation(session, actor, operation_id)  # the blind rule: own agency's only
    operation = session.get(Operation, operation_id)
    assert operation is not None
    if operation.agency_id != action.agency_id:
        raise InvalidInputError(
            "operation_id", "link an operation of the agency the action is given to, registered by it"
        )
    _linked(session, actor, action, operation, why="Linked to", reason=f"linked by {actor.username}")
    return action


def operation_draft(session: Session, actor: Actor, action_id: int) -> deconfliction.OperationInput:
    """An operation pre-filled from the action: its title, officer, agency's usual operation type and
    contact, its due date (06:00 to 10:00), its target, and the plan's group or target for a plan reader.
    """
    action = _linkable(session, actor, action_id)
    agency = session.get(Agency, action.agency_id)
    starts = None
    if action.due_on is not None and action.due_on >= utcnow().date():
        starts = datetime.combine(action.due_on, time(6, 0), tzinfo=UTC)
    plan = action.plan if allowed(actor, Action.PLAN_VIEW) else None
    target = action.target_entity_id or (plan.target_entity_id if plan else None)
    return deconfliction.OperationInput(
        name=action.title[:200],
        officer=action.assignee,
        contact_24h=agency.contact if agency else "",
        operation_type=OPERATION_TYPE_OF_AGENCY.get(agency.kind, "OTHER") if agency else "OTHER",
        starts_at=starts,
        ends_at=starts + timedelta(hours=4) if starts else None,
        targets=[deconfliction.TargetInput("ENTITY", entity_id=target)] if target else [],
        group_id=plan.group_id if plan else None,
    )


def create_operation(
    session: Session,
    actor: Actor,
    action_id: int,
    data: deconfliction.OperationInput,
    *,
    submit: bool = False,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> deconfliction.CheckResult:
    """Register the action's operation (a draft unless ``submit``) for the agency it is given to, through
    the deconfliction service, and link it: the action follows it from now on. Audited.
    """
    action = _linkable(session, actor, action_id)
    if action.agency_id != actor.agency_id and not is_desk(actor):
        agency = session.get(Agency, action.agency_id)
        raise PermissionDeniedError(
            f"an operation is its agency's own: ask {agency.name if agency else 'the agency'} "
            "(the agency the action is given to) to register it"
        )
    result = deconfliction.register_operation(
        session,
        actor,
        data,
        submit=submit,
        agency_id=None if action.agency_id == actor.agency_id else action.agency_id,
        rules=rules,
        now=now,
    )
    operation = session.get(Operation, result.operation.id)
    assert operation is not None
    _linked(session, actor, action, operation, why="Registered", reason=f"registered by {actor.username}")
    return result


def may_open_operation(caller: Caller, view: ActionView) -> bool:
    """Whether ``caller`` may open the action's operation: its own agency's (the desk: any)."""
    if view.operation_id is None or not isinstance(caller, Actor):
        return False
    if is_desk(caller):
        return True
    return caller.agency_id == view.agency_id and bool(allowed(caller, Action.OPERATION_VIEW))


def linkable_operations(session: Session, actor: Actor, view: ActionView) -> list[Choice]:
    """The actor's agency's live and draft operations an action of that agency may be linked to."""
    if view.agency_id != actor.agency_id or not allowed(actor, Action.OPERATION_VIEW):
        return []
    return [
        Choice(str(summary.id), f"{summary.name} ({summary.status.lower().replace('_', ' ')})")
        for summary in deconfliction.my_operations(session, actor)
    ]


def _name(caller: Caller) -> str:
    return caller.username if isinstance(caller, Actor) else f"system:{caller.command}"
