"""Outcomes: what came of the partnership's work, graded for disruption, and its performance over time.

An agency records its own outcomes (``outcome.record``): arrests, charges, convictions, seizures of
drugs, firearms, cash and vehicles, closures, licence reviews, safeguarding and NRM referrals, civil
orders, fixed penalties, clearance costs. Each may be linked to the action, disruption plan, organised
crime group, joint initiative and operation it came from; every link must exist and be one the recorder
may see (an action as :func:`~crimelink.services.plan_actions.may_see_action` decides, a plan with
``plan.view``, a group with ``group.view``, an initiative with ``partnership.view``, an operation only
the agency's own). Linking an action brings its plan, initiative and operation; a plan brings its group.

Each outcome gets a disruption grade (major, moderate, minor, none): the default comes from the
configured grading (:mod:`crimelink.planning.grading`, ``disruption_grading.yaml``, unverified [U]); the
recorder may choose another grade and must then say why. The outcome keeps the default, the rule and
figures that gave it, and the reason for any override, so its page shows how the grade was reached.

Everyone who may read outcomes (``outcome.view``) reads them all, the partnership's performance; a
group's name only with ``group.view``, an action's title only if they may see the action, a plan's title
only with ``plan.view``, an operation only its own agency, and the notes only the recording agency and
those who read plans. The performance dashboard is :mod:`crimelink.services.outcome_dashboard`.
Every record and read is audited in the caller's transaction; the caller commits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, allowed
from crimelink.domain import DisruptionImpact, OutcomeKind
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.planning.grading import OUTCOME_KIND_LABELS, DisruptionGrading, GradeDecision, default_grading
from crimelink.services.auth import as_utc
from crimelink.services.callers import authorise, record_event
from crimelink.services.outcome_dashboard import OutcomeDashboard, outcomes_dashboard
from crimelink.services.plan_actions import may_see_action
from crimelink.store.models import (
    Agency,
    DisruptionPlan,
    Initiative,
    Operation,
    OrganisedCrimeGroup,
    Outcome,
    PlanAction,
)
from crimelink.store.models.base import utcnow

__all__ = [
    "MAX_FIGURE",
    "OutcomeDashboard",
    "OutcomeInput",
    "OutcomeView",
    "get_outcome",
    "list_outcomes",
    "outcome_view",
    "outcomes_dashboard",
    "parse_impact",
    "parse_kind",
    "record_outcome",
]

MAX_TEXT = 10_000
MAX_REASON = 2_000
MAX_UNIT = 30
#: No single outcome counts or is worth more than this (a typo guard: 1e12 is a trillion).
MAX_FIGURE = 1e12
#: The earliest date an outcome may be recorded for.
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class OutcomeInput:
    """What a recorder gives. ``impact`` ``None`` keeps the configured default grade."""

    kind: OutcomeKind | str
    occurred_on: date | None
    quantity: float | None = None
    unit: str = ""
    value_gbp: float | None = None
    cost_gbp: float | None = None
    notes: str = ""
    action_id: int | None = None
    plan_id: int | None = None
    group_id: int | None = None
    initiative_id: int | None = None
    operation_id: int | None = None
    impact: DisruptionImpact | str | None = None
    override_reason: str = ""


@dataclass(frozen=True)
class OutcomeView:
    """An outcome as its reader may see it (titles and names only where the policy allows)."""

    id: int
    kind: OutcomeKind
    kind_label: str
    occurred_on: date
    agency_id: int
    agency_code: str
    agency_name: str
    quantity: float | None
    unit: str
    value_gbp: float | None
    cost_gbp: float | None
    impact: DisruptionImpact
    impact_meaning: str
    impact_default: DisruptionImpact | None
    impact_basis: str
    impact_override_reason: str
    overridden: bool
    notes: str
    notes_hidden: bool
    action_id: int | None
    action_title: str
    plan_id: int | None
    plan_title: str
    group_id: int | None
    group_name: str
    initiative_id: int | None
    initiative_name: str
    operation_id: int | None
    operation_name: str
    created_by: str
    created_at: datetime
    grading_file: str
    grading_verified: bool


def parse_kind(value: OutcomeKind | str, problems: dict[str, str]) -> OutcomeKind | None:
    try:
        return OutcomeKind(str(value).strip().upper())
    except ValueError:
        problems["kind"] = f"choose one of {', '.join(k.value for k in OutcomeKind)}"
        return None


def parse_impact(value: DisruptionImpact | str | None, problems: dict[str, str]) -> DisruptionImpact | None:
    if value is None or not str(value).strip():
        return None
    try:
        return DisruptionImpact(str(value).strip().upper())
    except ValueError:
        problems["impact"] = (
            f"choose one of {', '.join(g.value for g in DisruptionImpact)}, or leave it blank"
        )
        return None


def _figure(name: str, value: float | None, problems: dict[str, str]) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or value < 0:
        problems[name] = "enter a number of zero or more"
        return None
    if value > MAX_FIGURE:
        problems[name] = "that is too large: check the number"
        return None
    return float(value)


def _check_date(occurred_on: date | None, today: date, problems: dict[str, str]) -> None:
    if occurred_on is None:
        problems["occurred_on"] = "say when it happened"
    elif occurred_on > today:
        problems["occurred_on"] = "the date is in the future: record an outcome once it has happened"
    elif occurred_on < EARLIEST:
        problems["occurred_on"] = f"the date is before {EARLIEST:%d %b %Y}: check the year"


@dataclass
class _Links:
    action: PlanAction | None = None
    plan: DisruptionPlan | None = None
    group_id: int | None = None
    initiative_id: int | None = None
    operation_id: int | None = None


def _check_links(session: Session, actor: Actor, data: OutcomeInput, problems: dict[str, str]) -> _Links:
    """Every link exists and may be seen; an action brings its plan, initiative and operation."""
    links = _Links()
    if data.action_id is not None:
        action = session.get(PlanAction, data.action_id)
        if action is None or not may_see_action(actor, action):
            problems["action_id"] = f"there is no action {data.action_id} you can see: check the number"
        else:
            links.action = action
    if data.plan_id is not None:
        plan = session.get(DisruptionPlan, data.plan_id)
        by_action = links.action is not None and links.action.plan_id == data.plan_id
        if plan is None or not (by_action or allowed(actor, Action.PLAN_VIEW)):
            problems["plan_id"] = f"there is no disruption plan {data.plan_id} you can see: check the number"
        else:
            links.plan = plan
    if links.action is not None and links.action.plan_id is not None:
        if links.plan is not None and links.plan.id != links.action.plan_id:
            problems["plan_id"] = (
                f"action {links.action.id} belongs to disruption plan {links.action.plan_id}, "
                f"not {links.plan.id}: leave the plan blank or correct it"
            )
        elif links.plan is None and "plan_id" not in problems:
            links.plan = session.get(DisruptionPlan, links.action.plan_id)
    if data.group_id is not None:
        if not allowed(actor, Action.GROUP_VIEW):
            problems["group_id"] = (
                "linking an outcome to an organised crime group needs group.view; link the action or plan "
                "it came from instead"
            )
        elif session.get(OrganisedCrimeGroup, data.group_id) is None:
            problems["group_id"] = f"there is no organised crime group {data.group_id}: check the number"
        else:
            links.group_id = data.group_id
    plan_group = links.plan.group_id if links.plan is not None else None
    if plan_group is not None and links.group_id is not None and plan_group != links.group_id:
        problems["group_id"] = (
            "the disruption plan is about another group: leave the group blank or correct it"
        )
    links.group_id = links.group_id or plan_group
    _check_initiative(session, actor, data, links, problems)
    _check_operation(session, actor, data, links, problems)
    return links


def _check_initiative(
    session: Session, actor: Actor, data: OutcomeInput, links: _Links, problems: dict[str, str]
) -> None:
    from_action = links.action.initiative_id if links.action is not None else None
    if data.initiative_id is None:
        links.initiative_id = from_action
        return
    if session.get(Initiative, data.initiative_id) is None or not allowed(actor, Action.PARTNERSHIP_VIEW):
        problems["initiative_id"] = f"there is no joint initiative {data.initiative_id} you can see"
    elif from_action is not None and from_action != data.initiative_id:
        problems["initiative_id"] = (
            f"action {data.action_id} serves initiative {from_action}: leave it blank or correct it"
        )
    else:
        links.initiative_id = data.initiative_id


def _check_operation(
    session: Session, actor: Actor, data: OutcomeInput, links: _Links, problems: dict[str, str]
) -> None:
    if data.operation_id is None:
        action_operation = links.action.operation_id if links.action is not None else None
        operation = session.get(Operation, action_operation) if action_operation is not None else None
        # An action's operation is brought along only when it is the recorder's agency's own.
        if operation is not None and operation.agency_id == actor.agency_id:
            links.operation_id = operation.id
        return
    operation = session.get(Operation, data.operation_id)
    if operation is None or operation.agency_id != actor.agency_id:
        problems["operation_id"] = (
            f"your agency has no operation {data.operation_id}: an outcome links only to your own operations"
        )
    else:
        links.operation_id = operation.id


def record_outcome(
    session: Session,
    actor: Actor,
    data: OutcomeInput,
    *,
    grading: DisruptionGrading | None = None,
    now: datetime | None = None,
) -> OutcomeView:
    """Record an outcome for the actor's agency, graded for disruption. Audited.

    Example: ``record_outcome(session, officer, OutcomeInput(kind="SEIZURE_CASH",
    occurred_on=date(2026, 3, 2), value_gbp=12_500, action_id=7))`` is graded moderate by the packaged
    grading (cash of £10,000 or more); passing ``impact="MAJOR"`` needs ``override_reason``.
    """
    authorise(actor, Action.OUTCOME_RECORD)
    grading = grading or default_grading()
    now = as_utc(now or utcnow())
    problems: dict[str, str] = {}
    kind = parse_kind(data.kind, problems)
    _check_date(data.occurred_on, now.date(), problems)
    quantity = _figure("quantity", data.quantity, problems)
    value = _figure("value_gbp", data.value_gbp, problems)
    cost = _figure("cost_gbp", data.cost_gbp, problems)
    unit = data.unit.strip()
    if len(unit) > MAX_UNIT:
        problems["unit"] = f"at most {MAX_UNIT} characters (kg, wraps, people, vehicles ...)"
    if unit and quantity is None and "quantity" not in problems:
        problems["quantity"] = f"give the quantity the unit {unit!r} counts"
    notes = data.notes.strip()
    if len(notes) > MAX_TEXT:
        problems["notes"] = f"at most {MAX_TEXT} characters"
    chosen = parse_impact(data.impact, problems)
    reason = data.override_reason.strip()
    decision: GradeDecision | None = None
    if kind is not None and not {"quantity", "value_gbp", "cost_gbp"} & problems.keys():
        decision = grading.grade(kind, quantity=quantity, value_gbp=value, cost_gbp=cost)
        if chosen is not None and chosen != decision.grade and not reason:
            problems["override_reason"] = (
                f"the grading gives {decision.grade.value.lower()}; say why this outcome is "
                f"{chosen.value.lower()} instead"
            )
    if len(reason) > MAX_REASON:
        problems["override_reason"] = f"at most {MAX_REASON} characters"
    links = _check_links(session, actor, data, problems)
    if problems or kind is None or decision is None or data.occurred_on is None:
        raise InvalidInputError(problems or {"kind": "choose the kind of outcome"})
    impact = chosen or decision.grade
    outcome = Outcome(
        kind=kind,
        occurred_on=data.occurred_on,
        agency_id=actor.agency_id,
        action_id=links.action.id if links.action is not None else None,
        plan_id=links.plan.id if links.plan is not None else None,
        group_id=links.group_id,
        initiative_id=links.initiative_id,
        operation_id=links.operation_id,
        quantity=quantity,
        unit=unit,
        value_gbp=value,
        cost_gbp=cost,
        impact=impact,
        impact_default=decision.grade,
        impact_basis=f"{decision.basis} [{decision.rule}, {grading.file}]",
        impact_override_reason=reason if impact != decision.grade else "",
        notes=notes,
        created_by=actor.username,
        created_at=now,
    )
    session.add(outcome)
    session.flush()
    record_event(
        session,
        actor,
        action="create",
        resource_type="outcome",
        resource_id=str(outcome.id),
        details={
            "kind": kind.value,
            "impact": impact.value,
            "impact_default": decision.grade.value,
            "action_id": outcome.action_id,
            "plan_id": outcome.plan_id,
            "group_id": outcome.group_id,
        },
    )
    return outcome_view(session, actor, outcome, grading=grading)


def outcome_view(
    session: Session, actor: Actor, outcome: Outcome, *, grading: DisruptionGrading | None = None
) -> OutcomeView:
    """What ``actor`` may read of ``outcome``."""
    grading = grading or default_grading()
    agency = session.get(Agency, outcome.agency_id)
    own = outcome.agency_id == actor.agency_id
    action = session.get(PlanAction, outcome.action_id) if outcome.action_id is not None else None
    action_title = action.title if action is not None and may_see_action(actor, action) else ""
    plan_title = ""
    if outcome.plan_id is not None and allowed(actor, Action.PLAN_VIEW):
        plan = session.get(DisruptionPlan, outcome.plan_id)
        plan_title = plan.title if plan is not None else ""
    group_name = ""
    if outcome.group_id is not None and allowed(actor, Action.GROUP_VIEW):
        group = session.get(OrganisedCrimeGroup, outcome.group_id)
        group_name = group.name if group is not None else ""
    initiative_name = ""
    if outcome.initiative_id is not None and allowed(actor, Action.PARTNERSHIP_VIEW):
        initiative = session.get(Initiative, outcome.initiative_id)
        initiative_name = initiative.name if initiative is not None else ""
    operation_name = ""
    if outcome.operation_id is not None and own:
        operation = session.get(Operation, outcome.operation_id)
        operation_name = operation.name if operation is not None else ""
    notes_visible = own or bool(allowed(actor, Action.PLAN_VIEW))
    return OutcomeView(
        id=outcome.id,
        kind=outcome.kind,
        kind_label=OUTCOME_KIND_LABELS[outcome.kind],
        occurred_on=outcome.occurred_on,
        agency_id=outcome.agency_id,
        agency_code=agency.code if agency else "",
        agency_name=agency.name if agency else "",
        quantity=outcome.quantity,
        unit=outcome.unit,
        value_gbp=outcome.value_gbp,
        cost_gbp=outcome.cost_gbp,
        impact=outcome.impact,
        impact_meaning=grading.meaning(outcome.impact),
        impact_default=outcome.impact_default,
        impact_basis=outcome.impact_basis,
        impact_override_reason=outcome.impact_override_reason,
        overridden=outcome.impact_default is not None and outcome.impact != outcome.impact_default,
        notes=outcome.notes if notes_visible else "",
        notes_hidden=bool(outcome.notes) and not notes_visible,
        action_id=outcome.action_id if action_title else None,
        action_title=action_title,
        plan_id=outcome.plan_id if plan_title else None,
        plan_title=plan_title,
        group_id=outcome.group_id if group_name else None,
        group_name=group_name,
        initiative_id=outcome.initiative_id if initiative_name else None,
        initiative_name=initiative_name,
        operation_id=outcome.operation_id if operation_name else None,
        operation_name=operation_name,
        created_by=outcome.created_by,
        created_at=as_utc(outcome.created_at),
        grading_file=grading.file,
        grading_verified=grading.verified,
    )


def get_outcome(
    session: Session, actor: Actor, outcome_id: int, *, grading: DisruptionGrading | None = None
) -> OutcomeView:
    """One outcome (``outcome.view``). Audited."""
    authorise(actor, Action.OUTCOME_VIEW)
    outcome = session.get(Outcome, outcome_id)
    if outcome is None:
        raise NotFoundError(f"there is no outcome {outcome_id}: check the number, or open the outcomes list")
    record_event(session, actor, action="view", resource_type="outcome", resource_id=str(outcome.id))
    return outcome_view(session, actor, outcome, grading=grading)


def list_outcomes(
    session: Session,
    actor: Actor,
    *,
    since: date | None = None,
    until: date | None = None,
    agency_id: int | None = None,
    group_id: int | None = None,
    kind: OutcomeKind | None = None,
    impact: DisruptionImpact | None = None,
    limit: int = 500,
    grading: DisruptionGrading | None = None,
) -> list[OutcomeView]:
    """Outcomes, newest first, filtered as asked (by group only with ``group.view``). Audited."""
    authorise(actor, Action.OUTCOME_VIEW)
    if group_id is not None:
        authorise(actor, Action.GROUP_VIEW)
    if since is not None and until is not None and since > until:
        raise InvalidInputError("since", "the start date is after the end date")
    query = select(Outcome)
    if since is not None:
        query = query.where(Outcome.occurred_on >= since)
    if until is not None:
        query = query.where(Outcome.occurred_on <= until)
    if agency_id is not None:
        query = query.where(Outcome.agency_id == agency_id)
    if group_id is not None:
        query = query.where(Outcome.group_id == group_id)
    if kind is not None:
        query = query.where(Outcome.kind == kind)
    if impact is not None:
        query = query.where(Outcome.impact == impact)
    rows = list(
        session.scalars(query.order_by(Outcome.occurred_on.desc(), Outcome.id.desc()).limit(max(1, limit)))
    )
    record_event(
        session, actor, action="view", resource_type="outcomes", details={"shown": [o.id for o in rows]}
    )
    return [outcome_view(session, actor, outcome, grading=grading) for outcome in rows]
