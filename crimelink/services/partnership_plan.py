"""The partnership plan: objectives under the 4Ps (and Clear-Hold-Build), joint initiatives, the board.

An **objective** says what the partnership means to achieve under one of Pursue, Prevent, Protect and
Prepare, in which Clear-Hold-Build phase, which agency owns it and how it is measured; it is ACTIVE
until ACHIEVED or DROPPED. A **joint initiative** (for example a county-lines week of action across
boroughs) has a lead agency and partners, a place and dates, measures, an objective it serves, and its
own actions; it goes PLANNED -> ACTIVE -> COMPLETED (or CANCELLED before completing).

The **plan board** sets the objectives out under the 4Ps, each with its actions counted by status (and
how many are overdue) and its initiatives; disruption plans serving an objective are listed to those who
read plans. Every reader of the partnership (``partnership.view``) reads the plan; the Organised Crime
Advisors and the co-ordinator (``partnership.manage``) change it. Everything is audited; actions go
through :mod:`crimelink.services.plan_actions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, allowed
from crimelink.domain import ActionStatus, ClearHoldBuild, FourP, InitiativeStatus, ObjectiveStatus
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.services.callers import Caller, SystemCaller, authorise, record_event
from crimelink.services.plan_actions import (
    ActionInput,
    ActionView,
    action_view,
    create_action,
    is_overdue,
    may_see_action,
)
from crimelink.store.models import Agency, DisruptionPlan, Initiative, PartnershipObjective, PlanAction
from crimelink.store.models.base import utcnow

_Coded = TypeVar("_Coded", FourP, ClearHoldBuild, ObjectiveStatus)

MAX_TITLE = 300
MAX_NAME = 200
MAX_AREA = 300
MAX_TEXT = 10_000
#: Where an initiative may go next.
INITIATIVE_FLOW: dict[InitiativeStatus, frozenset[InitiativeStatus]] = {
    InitiativeStatus.PLANNED: frozenset({InitiativeStatus.ACTIVE, InitiativeStatus.CANCELLED}),
    InitiativeStatus.ACTIVE: frozenset({InitiativeStatus.COMPLETED, InitiativeStatus.CANCELLED}),
    InitiativeStatus.COMPLETED: frozenset(),
    InitiativeStatus.CANCELLED: frozenset({InitiativeStatus.PLANNED}),
}


@dataclass(frozen=True)
class ObjectiveInput:
    title: str
    four_p: FourP | str
    description: str = ""
    phase: ClearHoldBuild | str | None = None
    owner_agency_id: int | None = None
    measure: str = ""
    status: ObjectiveStatus | str = ObjectiveStatus.ACTIVE


@dataclass(frozen=True)
class InitiativeInput:
    name: str
    lead_agency_id: int
    description: str = ""
    phase: ClearHoldBuild | str | None = None
    area: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    partner_agency_ids: Sequence[int] = ()
    objective_id: int | None = None
    measures: str = ""


@dataclass(frozen=True)
class AgencyRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class ActionCounts:
    """Actions of one objective or initiative that the reader may see, by status."""

    by_status: dict[str, int]
    total: int
    open: int
    done: int
    overdue: int


@dataclass(frozen=True)
class InitiativeView:
    id: int
    name: str
    description: str
    phase: ClearHoldBuild | None
    area: str
    starts_on: date | None
    ends_on: date | None
    lead_agency: AgencyRef | None
    partner_agencies: tuple[AgencyRef, ...]
    objective_id: int | None
    objective_title: str
    measures: str
    status: InitiativeStatus
    next_statuses: tuple[InitiativeStatus, ...]
    counts: ActionCounts
    created_by: str
    created_at: datetime
    actions: tuple[ActionView, ...] = ()


@dataclass(frozen=True)
class PlanLink:
    """A disruption plan serving an objective (listed only to readers of plans)."""

    id: int
    title: str
    status: str


@dataclass(frozen=True)
class ObjectiveView:
    id: int
    title: str
    description: str
    four_p: FourP
    phase: ClearHoldBuild | None
    owner_agency: AgencyRef | None
    measure: str
    status: ObjectiveStatus
    counts: ActionCounts
    initiatives: tuple[InitiativeView, ...]
    plans: tuple[PlanLink, ...]
    created_by: str
    created_at: datetime
    actions: tuple[ActionView, ...] = ()


@dataclass(frozen=True)
class BoardColumn:
    four_p: FourP
    objectives: list[ObjectiveView]
    counts: ActionCounts


@dataclass(frozen=True)
class PlanBoard:
    """The plan board: a column per P, and the initiatives that serve no objective yet."""

    columns: list[BoardColumn]
    unattached_initiatives: list[InitiativeView]
    totals: ActionCounts
    include_closed: bool = False
    phases: dict[str, int] = field(default_factory=dict)


# --- reading ----------------------------------------------------------------------------------------


def _may(caller: Caller, action: Action) -> bool:
    return isinstance(caller, SystemCaller) or bool(allowed(caller, action))


def _agency_ref(session: Session, agency_id: int | None) -> AgencyRef | None:
    agency = session.get(Agency, agency_id) if agency_id is not None else None
    return AgencyRef(agency.id, agency.code, agency.name) if agency is not None else None


def count_actions(actions: Iterable[PlanAction], *, today: date) -> ActionCounts:
    by_status = {status.value: 0 for status in ActionStatus}
    total = overdue = 0
    for action in actions:
        by_status[action.status.value] += 1
        total += 1
        overdue += is_overdue(action, today)
    done = by_status[ActionStatus.DONE.value]
    closed = done + by_status[ActionStatus.ABANDONED.value]
    return ActionCounts(by_status=by_status, total=total, open=total - closed, done=done, overdue=overdue)


def _visible_actions(session: Session, caller: Caller, **where: int) -> list[PlanAction]:
    query = select(PlanAction)
    for name, value in where.items():
        query = query.where(getattr(PlanAction, name) == value)
    rows = session.scalars(query.order_by(PlanAction.id))
    return [a for a in rows if may_see_action(caller, a)]


def _sorted_views(
    session: Session, caller: Caller, actions: list[PlanAction], today: date
) -> tuple[ActionView, ...]:
    actions = sorted(actions, key=lambda a: (not is_overdue(a, today), a.due_on or date.max, a.id))
    return tuple(action_view(session, caller, a, today=today) for a in actions)


def _initiative_view(
    session: Session, caller: Caller, initiative: Initiative, *, today: date, with_actions: bool = False
) -> InitiativeView:
    actions = _visible_actions(session, caller, initiative_id=initiative.id)
    objective = (
        session.get(PartnershipObjective, initiative.objective_id) if initiative.objective_id else None
    )
    partners = tuple(
        ref for ref in (_agency_ref(session, i) for i in initiative.partner_agency_ids) if ref is not None
    )
    return InitiativeView(
        id=initiative.id,
        name=initiative.name,
        description=initiative.description,
        phase=initiative.phase,
        area=initiative.area,
        starts_on=initiative.starts_on,
        ends_on=initiative.ends_on,
        lead_agency=_agency_ref(session, initiative.lead_agency_id),
        partner_agencies=partners,
        objective_id=initiative.objective_id,
        objective_title=objective.title if objective else "",
        measures=initiative.measures,
        status=initiative.status,
        next_statuses=tuple(sorted(INITIATIVE_FLOW[initiative.status])),
        counts=count_actions(actions, today=today),
        created_by=initiative.created_by,
        created_at=initiative.created_at,
        actions=_sorted_views(session, caller, actions, today) if with_actions else (),
    )


def _objective_view(
    session: Session,
    caller: Caller,
    objective: PartnershipObjective,
    *,
    today: date,
    with_actions: bool = False,
    include_closed: bool = True,
) -> ObjectiveView:
    actions = _visible_actions(session, caller, objective_id=objective.id)
    query = select(Initiative).where(Initiative.objective_id == objective.id).order_by(Initiative.id)
    initiatives = [
        _initiative_view(session, caller, i, today=today)
        for i in session.scalars(query)
        if include_closed or i.status in (InitiativeStatus.PLANNED, InitiativeStatus.ACTIVE)
    ]
    plans: tuple[PlanLink, ...] = ()
    if _may(caller, Action.PLAN_VIEW):
        rows = session.scalars(
            select(DisruptionPlan)
            .where(DisruptionPlan.objective_id == objective.id)
            .order_by(DisruptionPlan.id)
        )
        plans = tuple(PlanLink(p.id, p.title, p.status.value) for p in rows)
    return ObjectiveView(
        id=objective.id,
        title=objective.title,
        description=objective.description,
        four_p=objective.four_p,
        phase=objective.phase,
        owner_agency=_agency_ref(session, objective.owner_agency_id),
        measure=objective.measure,
        status=objective.status,
        counts=count_actions(actions, today=today),
        initiatives=tuple(initiatives),
        plans=plans,
        created_by=objective.created_by,
        created_at=objective.created_at,
        actions=_sorted_views(session, caller, actions, today) if with_actions else (),
    )


def plan_board(
    session: Session, caller: Caller, *, today: date | None = None, include_closed: bool = False
) -> PlanBoard:
    """Objectives under the 4Ps with their actions and initiatives (achieved and dropped ones when asked).

    Counts cover only the actions the reader may see. Audited.
    """
    authorise(caller, Action.PARTNERSHIP_VIEW)
    today = today or utcnow().date()
    query = select(PartnershipObjective).order_by(PartnershipObjective.id)
    if not include_closed:
        query = query.where(PartnershipObjective.status == ObjectiveStatus.ACTIVE)
    objectives = [
        _objective_view(session, caller, o, today=today, include_closed=include_closed)
        for o in session.scalars(query)
    ]
    columns = []
    for four_p in FourP:
        mine = [o for o in objectives if o.four_p is four_p]
        counts = [o.counts for o in mine] + [i.counts for o in mine for i in o.initiatives]
        columns.append(BoardColumn(four_p=four_p, objectives=mine, counts=_sum(counts)))
    loose_query = select(Initiative).where(Initiative.objective_id.is_(None)).order_by(Initiative.id)
    if not include_closed:
        loose_query = loose_query.where(
            Initiative.status.in_((InitiativeStatus.PLANNED, InitiativeStatus.ACTIVE))
        )
    unattached = [_initiative_view(session, caller, i, today=today) for i in session.scalars(loose_query)]
    phases: dict[str, int] = {phase.value: 0 for phase in ClearHoldBuild}
    for objective in objectives:
        if objective.phase is not None:
            phases[objective.phase.value] += 1
    record_event(
        session,
        caller,
        action="view",
        resource_type="plan_board",
        details={"objectives": [o.id for o in objectives], "include_closed": include_closed},
    )
    return PlanBoard(
        columns=columns,
        unattached_initiatives=unattached,
        totals=_sum([c.counts for c in columns] + [i.counts for i in unattached]),
        include_closed=include_closed,
        phases=phases,
    )


def _sum(counts: Sequence[ActionCounts]) -> ActionCounts:
    by_status = {status.value: 0 for status in ActionStatus}
    for item in counts:
        for key, value in item.by_status.items():
            by_status[key] += value
    return ActionCounts(
        by_status=by_status,
        total=sum(c.total for c in counts),
        open=sum(c.open for c in counts),
        done=sum(c.done for c in counts),
        overdue=sum(c.overdue for c in counts),
    )


def _objective(session: Session, objective_id: int) -> PartnershipObjective:
    objective = session.get(PartnershipObjective, objective_id)
    if objective is None:
        raise NotFoundError(f"there is no objective {objective_id}: check the number, or open the plan board")
    return objective


def _initiative(session: Session, initiative_id: int) -> Initiative:
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        raise NotFoundError(
            f"there is no initiative {initiative_id}: check the number, or open the plan board"
        )
    return initiative


def get_objective(
    session: Session, caller: Caller, objective_id: int, *, today: date | None = None
) -> ObjectiveView:
    """One objective with its actions and initiatives. Audited."""
    authorise(caller, Action.PARTNERSHIP_VIEW)
    objective = _objective(session, objective_id)
    record_event(session, caller, action="view", resource_type="objective", resource_id=str(objective.id))
    return _objective_view(session, caller, objective, today=today or utcnow().date(), with_actions=True)


def get_initiative(
    session: Session, caller: Caller, initiative_id: int, *, today: date | None = None
) -> InitiativeView:
    """One joint initiative with its actions. Audited."""
    authorise(caller, Action.PARTNERSHIP_VIEW)
    initiative = _initiative(session, initiative_id)
    record_event(session, caller, action="view", resource_type="initiative", resource_id=str(initiative.id))
    return _initiative_view(session, caller, initiative, today=today or utcnow().date(), with_actions=True)


def list_objectives(session: Session, caller: Caller, *, today: date | None = None) -> list[ObjectiveView]:
    """Every objective (for choosing one on a form, and the API). Audited."""
    authorise(caller, Action.PARTNERSHIP_VIEW)
    rows = session.scalars(select(PartnershipObjective).order_by(PartnershipObjective.id)).all()
    record_event(session, caller, action="view", resource_type="objectives", details={"shown": len(rows)})
    return [_objective_view(session, caller, o, today=today or utcnow().date()) for o in rows]


def list_initiatives(session: Session, caller: Caller, *, today: date | None = None) -> list[InitiativeView]:
    """Every joint initiative, latest first. Audited."""
    authorise(caller, Action.PARTNERSHIP_VIEW)
    rows = session.scalars(select(Initiative).order_by(Initiative.id.desc())).all()
    record_event(session, caller, action="view", resource_type="initiatives", details={"shown": len(rows)})
    return [_initiative_view(session, caller, i, today=today or utcnow().date()) for i in rows]


# --- changing ---------------------------------------------------------------------------------------


def _text(value: str, name: str, longest: int, problems: dict[str, str], *, required: str = "") -> str:
    cleaned = value.strip()
    if required and not cleaned:
        problems[name] = required
    elif len(cleaned) > longest:
        problems[name] = f"at most {longest} characters"
    return cleaned


def _enum_value(kind: type[_Coded], value: object, name: str, problems: dict[str, str]) -> _Coded | None:
    if value is None or not str(value).strip():
        return None
    try:
        return kind(str(value).strip().upper())
    except ValueError:
        problems[name] = f"use one of {', '.join(v.value for v in kind)}"
        return None


def _clean_objective(session: Session, data: ObjectiveInput) -> dict[str, object]:
    problems: dict[str, str] = {}
    title = _text(data.title, "title", MAX_TITLE, problems, required="say what the objective is")
    description = _text(data.description, "description", MAX_TEXT, problems)
    measure = _text(data.measure, "measure", MAX_TEXT, problems)
    four_p = _enum_value(FourP, data.four_p, "four_p", problems)
    if four_p is None and "four_p" not in problems:
        problems["four_p"] = "choose Pursue, Prevent, Protect or Prepare"
    phase = _enum_value(ClearHoldBuild, data.phase, "phase", problems)
    status = _enum_value(ObjectiveStatus, data.status, "status", problems) or ObjectiveStatus.ACTIVE
    if data.owner_agency_id is not None and session.get(Agency, data.owner_agency_id) is None:
        problems["owner_agency_id"] = f"there is no agency {data.owner_agency_id}"
    if problems:
        raise InvalidInputError(problems)
    return {
        "title": title,
        "description": description,
        "four_p": four_p,
        "phase": phase,
        "owner_agency_id": data.owner_agency_id,
        "measure": measure,
        "status": status,
    }


def create_objective(
    session: Session, caller: Caller, data: ObjectiveInput, *, now: datetime | None = None
) -> ObjectiveView:
    """Set an objective of the partnership plan (``partnership.manage``). Audited.

    Example: ``create_objective(session, coordinator, ObjectiveInput(title="Close the county lines
    running into Ashvale", four_p="PURSUE", phase="CLEAR", owner_agency_id=occ.id,
    measure="Lines closed; exploited children safeguarded"))``.
    """
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    now = now or utcnow()
    values = _clean_objective(session, data)
    objective = PartnershipObjective(**values, created_by=_name(caller), created_at=now, updated_at=now)
    session.add(objective)
    session.flush()
    record_event(
        session,
        caller,
        action="create",
        resource_type="objective",
        resource_id=str(objective.id),
        details={"four_p": objective.four_p.value},
    )
    return _objective_view(session, caller, objective, today=now.date())


def update_objective(
    session: Session, caller: Caller, objective_id: int, data: ObjectiveInput, *, now: datetime | None = None
) -> ObjectiveView:
    """Change an objective, including marking it achieved or dropped. Audited with what changed."""
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    objective = _objective(session, objective_id)
    now = now or utcnow()
    values = _clean_objective(session, data)
    changed = sorted(name for name, value in values.items() if getattr(objective, name) != value)
    for name, value in values.items():
        setattr(objective, name, value)
    objective.updated_at = now
    record_event(
        session,
        caller,
        action="update",
        resource_type="objective",
        resource_id=str(objective.id),
        details={"changed": changed},
    )
    return _objective_view(session, caller, objective, today=now.date())


def _clean_initiative(session: Session, data: InitiativeInput) -> dict[str, object]:
    problems: dict[str, str] = {}
    name = _text(data.name, "name", MAX_NAME, problems, required="give the initiative a name")
    description = _text(data.description, "description", MAX_TEXT, problems)
    area = _text(data.area, "area", MAX_AREA, problems)
    measures = _text(data.measures, "measures", MAX_TEXT, problems)
    phase = _enum_value(ClearHoldBuild, data.phase, "phase", problems)
    if session.get(Agency, data.lead_agency_id) is None:
        problems["lead_agency_id"] = f"there is no agency {data.lead_agency_id}: choose the lead agency"
    partners: list[int] = []
    missing = []
    for agency_id in data.partner_agency_ids:
        if agency_id == data.lead_agency_id or agency_id in partners:
            continue
        if session.get(Agency, agency_id) is None:
            missing.append(str(agency_id))
        else:
            partners.append(agency_id)
    if missing:
        problems["partner_agency_ids"] = f"there is no agency {', '.join(missing)}"
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        problems["ends_on"] = "the initiative cannot end before it starts"
    if data.objective_id is not None and session.get(PartnershipObjective, data.objective_id) is None:
        problems["objective_id"] = f"there is no objective {data.objective_id}"
    if problems:
        raise InvalidInputError(problems)
    return {
        "name": name,
        "description": description,
        "phase": phase,
        "area": area,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "lead_agency_id": data.lead_agency_id,
        "partner_agency_ids": partners,
        "objective_id": data.objective_id,
        "measures": measures,
    }


def create_initiative(
    session: Session, caller: Caller, data: InitiativeInput, *, now: datetime | None = None
) -> InitiativeView:
    """Plan a joint initiative (``partnership.manage``). Audited.

    Example: ``create_initiative(session, coordinator, InitiativeInput(name="County lines week of
    action", lead_agency_id=occ.id, partner_agency_ids=[housing.id, csc.id], area="Ashvale and
    Brookfield", starts_on=date(2027, 1, 11), ends_on=date(2027, 1, 17), phase="CLEAR"))``.
    """
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    now = now or utcnow()
    values = _clean_initiative(session, data)
    initiative = Initiative(
        **values,
        status=InitiativeStatus.PLANNED,
        created_by=_name(caller),
        created_at=now,
        updated_at=now,
    )
    session.add(initiative)
    session.flush()
    record_event(
        session,
        caller,
        action="create",
        resource_type="initiative",
        resource_id=str(initiative.id),
        details={"lead_agency_id": initiative.lead_agency_id, "objective_id": initiative.objective_id},
    )
    return _initiative_view(session, caller, initiative, today=now.date())


def update_initiative(
    session: Session,
    caller: Caller,
    initiative_id: int,
    data: InitiativeInput,
    *,
    now: datetime | None = None,
) -> InitiativeView:
    """Change an initiative's details (its status moves with :func:`move_initiative`). Audited."""
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    initiative = _initiative(session, initiative_id)
    now = now or utcnow()
    values = _clean_initiative(session, data)
    changed = sorted(name for name, value in values.items() if getattr(initiative, name) != value)
    for name, value in values.items():
        setattr(initiative, name, value)
    initiative.updated_at = now
    record_event(
        session,
        caller,
        action="update",
        resource_type="initiative",
        resource_id=str(initiative.id),
        details={"changed": changed},
    )
    return _initiative_view(session, caller, initiative, today=now.date())


def move_initiative(
    session: Session,
    caller: Caller,
    initiative_id: int,
    *,
    to_status: InitiativeStatus | str,
    now: datetime | None = None,
) -> InitiativeView:
    """Start, complete or cancel an initiative (a cancelled one may be planned again). Audited."""
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    initiative = _initiative(session, initiative_id)
    try:
        target = InitiativeStatus(str(to_status).strip().upper())
    except ValueError:
        raise InvalidInputError(
            "status", f"use one of {', '.join(s.value for s in InitiativeStatus)}"
        ) from None
    if target not in INITIATIVE_FLOW[initiative.status]:
        possible = ", ".join(s.value for s in sorted(INITIATIVE_FLOW[initiative.status])) or "nothing"
        raise InvalidInputError(
            "status",
            f"an initiative that is {initiative.status.value} can move to {possible}, not {target.value}",
        )
    now = now or utcnow()
    previous = initiative.status
    initiative.status = target
    initiative.updated_at = now
    record_event(
        session,
        caller,
        action="update",
        resource_type="initiative",
        resource_id=str(initiative.id),
        details={"from": previous.value, "to": target.value},
    )
    return _initiative_view(session, caller, initiative, today=now.date())


def add_plan_action(
    session: Session,
    caller: Caller,
    *,
    title: str,
    agency_id: int,
    objective_id: int | None = None,
    initiative_id: int | None = None,
    due_on: date | None = None,
    assignee: str = "",
    description: str = "",
    now: datetime | None = None,
) -> PlanAction:
    """Give an action serving an objective or an initiative to an agency. Audited (as every action).

    The action takes the objective's P (an initiative's, through its objective). It is approved at
    once: the partnership's managers set it.
    """
    authorise(caller, Action.PARTNERSHIP_MANAGE)
    if (objective_id is None) == (initiative_id is None):
        raise InvalidInputError("objective_id", "give the action to one objective or one initiative")
    four_p: FourP | None = None
    if objective_id is not None:
        four_p = _objective(session, objective_id).four_p
    if initiative_id is not None:
        initiative = _initiative(session, initiative_id)
        if initiative.status in (InitiativeStatus.COMPLETED, InitiativeStatus.CANCELLED):
            raise InvalidInputError(
                "initiative_id", f"the initiative is {initiative.status.value.lower()}: plan it again first"
            )
        if initiative.objective_id is not None:
            four_p = _objective(session, initiative.objective_id).four_p
    where = "objective" if objective_id is not None else "initiative"
    return create_action(
        session,
        caller,
        ActionInput(
            title=title,
            agency_id=agency_id,
            due_on=due_on,
            assignee=assignee,
            description=description,
            four_p=four_p,
            objective_id=objective_id,
            initiative_id=initiative_id,
            status=ActionStatus.APPROVED,
            note=f"set for the partnership plan's {where}",
        ),
        now=now,
    )


def _name(caller: Caller) -> str:
    return f"system:{caller.command}" if isinstance(caller, SystemCaller) else caller.username


def agency_choices(session: Session) -> list[AgencyRef]:
    """Every agency of the partnership, by name (for forms choosing an owner, a lead or partners)."""
    rows = session.scalars(select(Agency).order_by(Agency.name, Agency.id))
    return [AgencyRef(a.id, a.code, a.name) for a in rows]
