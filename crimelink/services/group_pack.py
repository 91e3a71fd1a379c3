"""The strategic group pack's content: what the board needs to read before it sits, for one reader.

The pack reports since the **last meeting held** (or, before any, the last
:data:`~crimelink.services.meeting_agenda.FIRST_MEETING_LOOKBACK_DAYS` days), as the next meeting's agenda
does, and as the reader may see it:

- **plan status**: objectives (by status and 4P), disruption plans by status (with ``plan.view``), and the
  actions the reader may see by status (:func:`~crimelink.services.plan_actions.may_see_action`);
- **overdue actions**, one by one, as far as the reader may see them;
- **outcomes since the last meeting**, by kind, grade and agency (the performance dashboard's figures);
- **new and changed groups** since the last meeting: named with ``group.view``, counted otherwise;
- **unresolved deconfliction conflicts**: counts by grade and age; one by one (grade, kinds, dates) only for
  the deconfliction desk, and never an operation, place, target or rationale;
- **safeguarding figures**: counts by kind and status.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, allowed
from crimelink.domain import ActionStatus, Classification, MeetingStatus, ObjectiveStatus, PlanStatus
from crimelink.services.callers import authorise
from crimelink.services.disruption_plans import PlanSummary, list_plans
from crimelink.services.meeting_agenda import FIRST_MEETING_LOOKBACK_DAYS
from crimelink.services.meetings import MeetingSummary, list_meetings
from crimelink.services.outcome_dashboard import OutcomeDashboard, outcomes_dashboard
from crimelink.services.partnership_plan import PlanBoard, list_objectives, plan_board
from crimelink.services.plan_actions import ActionView, list_actions
from crimelink.services.report_counts import (
    ConflictFigures,
    GroupCounts,
    GroupLine,
    SafeguardingFigures,
    conflict_figures,
    group_counts,
    safeguarding_figures,
)

OnStep = Callable[[str], None]


@dataclass(frozen=True)
class GroupChanges:
    """Groups added or changed since the last meeting: lines only for readers of groups."""

    new: int
    changed: int
    new_groups: list[GroupLine] | None
    changed_groups: list[GroupLine] | None


@dataclass(frozen=True)
class PlanStatusFigures:
    board: PlanBoard
    objectives_by_status: dict[str, int]
    #: ``None`` for a reader without ``plan.view``.
    plans: list[PlanSummary] | None
    plans_by_status: dict[str, int] | None
    actions_by_status: dict[str, int]
    actions_total: int


@dataclass(frozen=True)
class GroupPack:
    built_at: datetime
    today: date
    username: str
    display_agency: str
    since: datetime
    last_meeting: MeetingSummary | None
    next_meeting: MeetingSummary | None
    plan: PlanStatusFigures
    overdue: list[ActionView]
    outcomes: OutcomeDashboard
    groups: GroupChanges
    group_totals: GroupCounts
    conflicts: ConflictFigures
    safeguarding: SafeguardingFigures
    marking: Classification


def _meetings(
    session: Session, actor: Actor, now: datetime
) -> tuple[MeetingSummary | None, MeetingSummary | None]:
    meetings = list_meetings(session, actor)
    held = [m for m in meetings if m.status is MeetingStatus.HELD and m.held_at <= now]
    planned = [m for m in meetings if m.status is MeetingStatus.PLANNED and m.held_at >= now]
    last = max(held, key=lambda m: (m.held_at, m.id), default=None)
    upcoming = min(planned, key=lambda m: (m.held_at, m.id), default=None)
    return last, upcoming


def _plan(session: Session, actor: Actor, *, today: date) -> PlanStatusFigures:
    board = plan_board(session, actor, today=today)
    objectives = list_objectives(session, actor, today=today)
    objectives_by_status = Counter(o.status.value for o in objectives)
    plans = list_plans(session, actor, today=today) if allowed(actor, Action.PLAN_VIEW) else None
    actions = list_actions(session, actor, today=today)
    by_status = Counter(a.status.value for a in actions)
    return PlanStatusFigures(
        board=board,
        objectives_by_status={s.value: objectives_by_status.get(s.value, 0) for s in ObjectiveStatus},
        plans=plans,
        plans_by_status=(
            {s.value: sum(1 for p in plans if p.status is s) for s in PlanStatus}
            if plans is not None
            else None
        ),
        actions_by_status={s.value: by_status.get(s.value, 0) for s in ActionStatus},
        actions_total=len(actions),
    )


def _changes(counts: GroupCounts, since: datetime) -> GroupChanges:
    """Groups added since ``since``, and groups added before it and changed since (names: ``group.view``)."""
    new = sum(1 for created, _ in counts.dates if created > since)
    changed = sum(1 for created, updated in counts.dates if created <= since < updated)
    if counts.groups is None:
        return GroupChanges(new=new, changed=changed, new_groups=None, changed_groups=None)
    return GroupChanges(
        new=new,
        changed=changed,
        new_groups=[g for g in counts.groups if g.created_at > since],
        changed_groups=[g for g in counts.groups if g.created_at <= since < g.updated_at],
    )


def gather_pack(
    session: Session,
    actor: Actor,
    *,
    now: datetime,
    on_step: OnStep | None = None,
) -> GroupPack:
    """Everything ``actor``'s copy of the strategic group pack holds, as of ``now``.

    The services it calls audit what they read; the report that prints the pack records one event.
    """
    authorise(actor, Action.REPORT_BUILD)
    step = on_step or (lambda _: None)
    today = now.date()
    step("Finding the last meeting held")
    last, upcoming = _meetings(session, actor, now)
    since = (
        last.held_at
        if last is not None
        else datetime.combine(today - timedelta(days=FIRST_MEETING_LOOKBACK_DAYS), time.min, tzinfo=UTC)
    )
    step("Reading the plan, its actions and disruption plans")
    plan = _plan(session, actor, today=today)
    overdue = list_actions(session, actor, today=today, overdue_only=True)
    step("Reading outcomes since the last meeting")
    outcomes = outcomes_dashboard(session, actor, since=since.date(), until=today, today=today)
    step("Reading new and changed groups")
    totals = group_counts(session, actor)
    changes = _changes(totals, since)
    step("Counting deconfliction conflicts and safeguarding alerts")
    conflicts = conflict_figures(session, actor, today=today)
    safeguarding = safeguarding_figures(session, actor)
    marking = max((conflicts.marking, safeguarding.marking), key=lambda m: m.rank)
    return GroupPack(
        built_at=now,
        today=today,
        username=actor.username,
        display_agency=actor.agency_code,
        since=since,
        last_meeting=last,
        next_meeting=upcoming,
        plan=plan,
        overdue=overdue,
        outcomes=outcomes,
        groups=changes,
        group_totals=totals,
        conflicts=conflicts,
        safeguarding=safeguarding,
        marking=marking,
    )
