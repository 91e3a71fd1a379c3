"""The performance dashboard: outcomes and actions over time, for the partnership board.

For a span of whole months it counts outcomes by month and kind, by agency, by group (names and the
breakdown only with ``group.view``) and by disruption grade, totals the value of what was seized and
what the outcomes cost, and sets the actions finished each month against the actions overdue at each
month's end (as of today for the current month). Actions count only when the reader may see them
(:func:`~crimelink.services.plan_actions.may_see_action`). Optionally narrowed to one agency or one
group. Audited as a view.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, allowed
from crimelink.domain import ActionStatus, DisruptionImpact, OutcomeKind
from crimelink.errors import InvalidInputError
from crimelink.planning.grading import OUTCOME_KIND_LABELS, DisruptionGrading, default_grading
from crimelink.services.auth import as_utc
from crimelink.services.callers import authorise, record_event
from crimelink.services.plan_actions import OPEN_STATUSES, may_see_action
from crimelink.store.models import Agency, DisruptionPlan, OrganisedCrimeGroup, Outcome, PlanAction
from crimelink.store.models.base import utcnow

__all__ = [
    "GRADE_ORDER",
    "MAX_MONTHS",
    "SEIZURE_KINDS",
    "AgencyFigures",
    "GradeFigures",
    "GroupFigures",
    "KindFigures",
    "MonthFigures",
    "OutcomeDashboard",
    "default_span",
    "month_starts",
    "outcomes_dashboard",
]

#: The longest span the dashboard draws.
MAX_MONTHS = 60
SEIZURE_KINDS = frozenset(
    {
        OutcomeKind.SEIZURE_DRUGS,
        OutcomeKind.SEIZURE_FIREARMS,
        OutcomeKind.SEIZURE_CASH,
        OutcomeKind.SEIZURE_VEHICLE,
    }
)
#: Grades from most to least disruptive (the order charts stack and tables list them).
GRADE_ORDER = (
    DisruptionImpact.MAJOR,
    DisruptionImpact.MODERATE,
    DisruptionImpact.MINOR,
    DisruptionImpact.NONE,
)


@dataclass(frozen=True)
class MonthFigures:
    month: date
    label: str
    outcomes: int
    by_grade: dict[DisruptionImpact, int]
    by_kind: dict[OutcomeKind, int]
    value_gbp: float
    seizure_value_gbp: float
    cost_gbp: float
    actions_done: int
    #: Actions open and past their due date at the month's end (today, for this month); ``None`` ahead.
    actions_overdue: int | None


@dataclass(frozen=True)
class KindFigures:
    kind: OutcomeKind
    label: str
    outcomes: int
    quantity: float
    value_gbp: float
    cost_gbp: float


@dataclass(frozen=True)
class AgencyFigures:
    agency_id: int
    code: str
    name: str
    outcomes: int
    major: int
    value_gbp: float
    cost_gbp: float


@dataclass(frozen=True)
class GroupFigures:
    #: ``None``: outcomes not linked to any group.
    group_id: int | None
    name: str
    outcomes: int
    by_grade: dict[DisruptionImpact, int]
    value_gbp: float
    cost_gbp: float


@dataclass(frozen=True)
class GradeFigures:
    grade: DisruptionImpact
    meaning: str
    outcomes: int
    #: Of which the recorder chose this grade over the configured default.
    overridden: int


@dataclass(frozen=True)
class OutcomeDashboard:
    since: date
    until: date
    agency_id: int | None
    agency_name: str
    group_id: int | None
    group_name: str
    months: tuple[MonthFigures, ...]
    by_kind: tuple[KindFigures, ...]
    by_agency: tuple[AgencyFigures, ...]
    #: ``None`` when the reader may not read groups (``group.view``).
    by_group: tuple[GroupFigures, ...] | None
    by_grade: tuple[GradeFigures, ...]
    outcomes: int
    value_gbp: float
    seizure_value_gbp: float
    cost_gbp: float
    actions_done: int
    actions_overdue_now: int
    grading_file: str
    grading_verified: bool


def default_span(today: date, *, months: int = 12) -> tuple[date, date]:
    """The last ``months`` whole months up to ``today`` (this month so far included)."""
    first = today.replace(day=1)
    total = first.year * 12 + first.month - 1 - (months - 1)
    return date(total // 12, total % 12 + 1, 1), today


def month_starts(since: date, until: date) -> list[date]:
    """The first day of every month from ``since``'s to ``until``'s, inclusive."""
    months: list[date] = []
    current: date | None = since.replace(day=1)
    while current is not None and current <= until:
        months.append(current)
        current = _month_after(current)
    return months


def _month_after(first: date) -> date | None:
    """The first day of the next month, or ``None`` after December 9999 (the last month a date holds)."""
    if first.year == date.max.year and first.month == 12:
        return None
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def _check_span(since: date, until: date) -> None:
    if since > until:
        raise InvalidInputError("since", "the start date is after the end date")
    if (until.year * 12 + until.month) - (since.year * 12 + since.month) + 1 > MAX_MONTHS:
        raise InvalidInputError("since", f"show at most {MAX_MONTHS} months at a time")


def _outcomes(
    session: Session, *, since: date, until: date, agency_id: int | None, group_id: int | None
) -> list[Outcome]:
    query = select(Outcome).where(Outcome.occurred_on >= since, Outcome.occurred_on <= until)
    if agency_id is not None:
        query = query.where(Outcome.agency_id == agency_id)
    if group_id is not None:
        query = query.where(Outcome.group_id == group_id)
    return list(session.scalars(query.order_by(Outcome.occurred_on, Outcome.id)))


def _actions(
    session: Session, actor: Actor, *, agency_id: int | None, group_id: int | None
) -> list[PlanAction]:
    query = select(PlanAction)
    if agency_id is not None:
        query = query.where(PlanAction.agency_id == agency_id)
    if group_id is not None:
        query = query.join(DisruptionPlan, DisruptionPlan.id == PlanAction.plan_id).where(
            DisruptionPlan.group_id == group_id
        )
    return [a for a in session.scalars(query.order_by(PlanAction.id)) if may_see_action(actor, a)]


def _open_at(action: PlanAction, moment: datetime) -> bool:
    if as_utc(action.created_at) >= moment:
        return False
    if action.completed_at is None:
        return action.status in OPEN_STATUSES
    return as_utc(action.completed_at) >= moment


def _action_figures(
    actions: list[PlanAction], months: list[date], today: date
) -> tuple[dict[date, int], dict[date, int | None]]:
    done: Counter[date] = Counter()
    for action in actions:
        if action.status == ActionStatus.DONE and action.completed_at is not None:
            done[as_utc(action.completed_at).date().replace(day=1)] += 1
    overdue: dict[date, int | None] = {}
    for month in months:
        if month > today:
            overdue[month] = None
            continue
        as_of = min(_month_after(month) or date.max, today)
        moment = datetime.combine(as_of, time.min, tzinfo=UTC)
        overdue[month] = sum(
            1 for a in actions if a.due_on is not None and a.due_on < as_of and _open_at(a, moment)
        )
    return dict(done), overdue


def _by_kind(rows: list[Outcome]) -> tuple[KindFigures, ...]:
    figures = []
    for kind in OutcomeKind:
        of_kind = [o for o in rows if o.kind == kind]
        if of_kind:
            figures.append(
                KindFigures(
                    kind=kind,
                    label=OUTCOME_KIND_LABELS[kind],
                    outcomes=len(of_kind),
                    quantity=sum(o.quantity or 0 for o in of_kind),
                    value_gbp=sum(o.value_gbp or 0 for o in of_kind),
                    cost_gbp=sum(o.cost_gbp or 0 for o in of_kind),
                )
            )
    return tuple(sorted(figures, key=lambda f: (-f.outcomes, f.label)))


def _by_agency(session: Session, rows: list[Outcome]) -> tuple[AgencyFigures, ...]:
    grouped: dict[int, list[Outcome]] = defaultdict(list)
    for outcome in rows:
        grouped[outcome.agency_id].append(outcome)
    figures = []
    for agency_id, of_agency in grouped.items():
        agency = session.get(Agency, agency_id)
        figures.append(
            AgencyFigures(
                agency_id=agency_id,
                code=agency.code if agency else "",
                name=agency.name if agency else f"agency {agency_id}",
                outcomes=len(of_agency),
                major=sum(1 for o in of_agency if o.impact == DisruptionImpact.MAJOR),
                value_gbp=sum(o.value_gbp or 0 for o in of_agency),
                cost_gbp=sum(o.cost_gbp or 0 for o in of_agency),
            )
        )
    return tuple(sorted(figures, key=lambda f: (-f.outcomes, f.name)))


def _by_group(session: Session, rows: list[Outcome]) -> tuple[GroupFigures, ...]:
    grouped: dict[int | None, list[Outcome]] = defaultdict(list)
    for outcome in rows:
        grouped[outcome.group_id].append(outcome)
    figures = []
    for group_id, of_group in grouped.items():
        group = session.get(OrganisedCrimeGroup, group_id) if group_id is not None else None
        name = group.name if group is not None else "Not linked to a group"
        grades = Counter(o.impact for o in of_group)
        figures.append(
            GroupFigures(
                group_id=group_id,
                name=name,
                outcomes=len(of_group),
                by_grade={g: grades.get(g, 0) for g in GRADE_ORDER},
                value_gbp=sum(o.value_gbp or 0 for o in of_group),
                cost_gbp=sum(o.cost_gbp or 0 for o in of_group),
            )
        )
    return tuple(sorted(figures, key=lambda f: (f.group_id is None, -f.outcomes, f.name)))


def outcomes_dashboard(
    session: Session,
    actor: Actor,
    *,
    since: date,
    until: date,
    group_id: int | None = None,
    agency_id: int | None = None,
    today: date | None = None,
    grading: DisruptionGrading | None = None,
) -> OutcomeDashboard:
    """Outcomes and actions from ``since`` to ``until`` (whole months shown), optionally for one
    agency or group (``group.view``). Audited.

    Example: ``outcomes_dashboard(session, coordinator, since=date(2026, 1, 1), until=date(2026, 6, 30))``.
    """
    authorise(actor, Action.OUTCOME_VIEW)
    if group_id is not None:
        authorise(actor, Action.GROUP_VIEW)
    _check_span(since, until)
    grading = grading or default_grading()
    today = today or utcnow().date()
    agency = session.get(Agency, agency_id) if agency_id is not None else None
    if agency_id is not None and agency is None:
        raise InvalidInputError("agency_id", f"there is no agency {agency_id}")
    group = session.get(OrganisedCrimeGroup, group_id) if group_id is not None else None
    if group_id is not None and group is None:
        raise InvalidInputError("group_id", f"there is no organised crime group {group_id}")
    rows = _outcomes(session, since=since, until=until, agency_id=agency_id, group_id=group_id)
    months = month_starts(since, until)
    actions = _actions(session, actor, agency_id=agency_id, group_id=group_id)
    done, overdue = _action_figures(actions, months, today)
    by_month: dict[date, list[Outcome]] = defaultdict(list)
    for outcome in rows:
        by_month[outcome.occurred_on.replace(day=1)].append(outcome)
    month_rows = []
    for month in months:
        of_month = by_month.get(month, [])
        grades = Counter(o.impact for o in of_month)
        kinds = Counter(o.kind for o in of_month)
        month_rows.append(
            MonthFigures(
                month=month,
                label=month.strftime("%b %Y"),
                outcomes=len(of_month),
                by_grade={g: grades.get(g, 0) for g in GRADE_ORDER},
                by_kind={k: kinds[k] for k in OutcomeKind if kinds.get(k)},
                value_gbp=sum(o.value_gbp or 0 for o in of_month),
                seizure_value_gbp=sum(o.value_gbp or 0 for o in of_month if o.kind in SEIZURE_KINDS),
                cost_gbp=sum(o.cost_gbp or 0 for o in of_month),
                actions_done=done.get(month, 0),
                actions_overdue=overdue[month],
            )
        )
    grades = Counter(o.impact for o in rows)
    overridden = Counter(
        o.impact for o in rows if o.impact_default is not None and o.impact != o.impact_default
    )
    record_event(
        session,
        actor,
        action="view",
        resource_type="outcome_dashboard",
        details={
            "since": since.isoformat(),
            "until": until.isoformat(),
            "agency_id": agency_id,
            "group_id": group_id,
        },
    )
    return OutcomeDashboard(
        since=since,
        until=until,
        agency_id=agency_id,
        agency_name=agency.name if agency is not None else "",
        group_id=group_id,
        group_name=group.name if group is not None else "",
        months=tuple(month_rows),
        by_kind=_by_kind(rows),
        by_agency=_by_agency(session, rows),
        by_group=_by_group(session, rows) if allowed(actor, Action.GROUP_VIEW) else None,
        by_grade=tuple(
            GradeFigures(g, grading.meaning(g), grades.get(g, 0), overridden.get(g, 0)) for g in GRADE_ORDER
        ),
        outcomes=len(rows),
        value_gbp=sum(o.value_gbp or 0 for o in rows),
        seizure_value_gbp=sum(o.value_gbp or 0 for o in rows if o.kind in SEIZURE_KINDS),
        cost_gbp=sum(o.cost_gbp or 0 for o in rows),
        actions_done=sum(done.get(m, 0) for m in months),
        actions_overdue_now=sum(
            1 for a in actions if a.status in OPEN_STATUSES and a.due_on is not None and a.due_on < today
        ),
        grading_file=grading.file,
        grading_verified=grading.verified,
    )
