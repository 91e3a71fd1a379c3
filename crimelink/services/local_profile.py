"""The SOC local profile's content, gathered for one reader through the services and the access policy.

The profile follows the Home Office guide's structure (``DOMAIN.md`` section 3): introduction and scope,
threats by area (MoRiLE-style, local approximations), vulnerabilities and exploited people (counts only,
never a name), organised crime groups, community impact, data from each partner, intelligence gaps,
recommendations and the linked 4P plan.

**A copy holds only what its reader may see.** Every figure comes from a service that applies the policy
for that reader: records and their threats from the records the policy lets them see
(:mod:`crimelink.services.local_profile_records`), threat areas from their network
(:mod:`crimelink.services.local_profile_threats`), groups named only with ``group.view``, disruption plans
only with ``plan.view``, actions only as :func:`~crimelink.services.plan_actions.may_see_action` allows,
safeguarding and conflicts as counts (:mod:`crimelink.services.report_counts`). The reports package turns
a :class:`LocalProfile` into HTML and PDF (:mod:`crimelink.reports.profile`).
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, allowed
from crimelink.domain import Classification, CriminalityType, FourP, OutcomeKind
from crimelink.domain.reference import Tactic, default_reference
from crimelink.errors import InvalidInputError
from crimelink.network.legal import LimbStatus
from crimelink.services import groups
from crimelink.services.callers import authorise
from crimelink.services.disruption_plans import PlanSummary, list_plans
from crimelink.services.local_profile_records import (
    COMMUNITY_CATEGORIES,
    MapCell,
    RecordFigures,
    period_months,
    record_figures,
)
from crimelink.services.local_profile_threats import ThreatAssessment, assess_threats
from crimelink.services.outcome_dashboard import MAX_MONTHS, OutcomeDashboard, outcomes_dashboard
from crimelink.services.partnership_plan import PlanBoard, plan_board
from crimelink.services.report_counts import (
    GroupCounts,
    SafeguardingFigures,
    group_counts,
    safeguarding_figures,
)
from crimelink.services.tactics import recommend_for_group
from crimelink.store.models import Agency, User

#: Step names a build reports as it goes (a progress bar or a page's log shows them).
OnStep = Callable[[str], None]
#: Groups (highest priority first) whose recommended tactics the profile lists.
GROUPS_RECOMMENDED = 3
#: Tactics listed per group and per threat area.
TACTICS_EACH = 3
#: Threat areas (highest risk first) whose menu tactics the profile recommends.
THREATS_RECOMMENDED = 4
#: A threat area in local scope with fewer graded reports than this in the period is a gap.
THIN_INTELLIGENCE = 3
#: How long until the profile should be reviewed.
REVIEW_AFTER_DAYS = 91
_PERIOD = re.compile(r"^(\d{1,2})m$")
_SPAN = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
COMMUNITY_OUTCOMES = (
    OutcomeKind.CLEARANCE_COST,
    OutcomeKind.LICENCE_REVIEW,
    OutcomeKind.PREMISES_CLOSURE,
    OutcomeKind.CIVIL_ORDER,
    OutcomeKind.FIXED_PENALTY,
)
SAFEGUARDING_OUTCOMES = (OutcomeKind.SAFEGUARDING_REFERRAL, OutcomeKind.NRM_REFERRAL)


def parse_period(text: str | None, *, today: date) -> tuple[date, date]:
    """The period a profile covers: ``12m`` (the last twelve months to today) or ``2026-01-01..2026-06-30``.

    >>> parse_period("6m", today=date(2026, 11, 29))
    (datetime.date(2026, 5, 30), datetime.date(2026, 11, 29))
    >>> parse_period("2026-01-01..2026-03-31", today=date(2026, 11, 29))
    (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    """
    value = (text or "12m").strip().lower()
    months = _PERIOD.match(value)
    if months:
        count = int(months.group(1))
        if not 1 <= count <= MAX_MONTHS:
            raise InvalidInputError("period", f"give between 1 and {MAX_MONTHS} months, e.g. 12m")
        year, month = divmod(today.year * 12 + today.month - 1 - count, 12)
        day = min(today.day, calendar.monthrange(year, month + 1)[1])
        return date(year, month + 1, day) + timedelta(days=1), today
    span = _SPAN.match(value)
    if span:
        try:
            since, until = date.fromisoformat(span.group(1)), date.fromisoformat(span.group(2))
        except ValueError:
            raise InvalidInputError("period", f"{text!r} holds a date that does not exist") from None
        if since > until:
            raise InvalidInputError("period", "the period starts after it ends; swap the dates")
        if until > today:
            raise InvalidInputError("period", "the period cannot end after today")
        if (until.year * 12 + until.month) - (since.year * 12 + since.month) + 1 > MAX_MONTHS:
            raise InvalidInputError("period", f"a profile covers at most {MAX_MONTHS} months")
        return since, until
    raise InvalidInputError(
        "period", "give a number of months (e.g. 12m) or two dates (e.g. 2026-01-01..2026-06-30)"
    )


@dataclass(frozen=True)
class ProfileScope:
    """Introduction and scope: the area, the period, the version, the next review and who it is for."""

    area: str
    since: date
    until: date
    built_at: datetime
    version: str
    next_review: date
    username: str
    display_name: str
    agency_code: str
    agency_name: str
    roles: tuple[str, ...]
    purpose: str
    clearance: str
    threat_areas_in_scope: tuple[str, ...]


@dataclass(frozen=True)
class Vulnerability:
    """Vulnerabilities and exploited people: counts only, in every copy."""

    safeguarding: SafeguardingFigures
    #: Threat code -> (children, adults at risk) the reader's records show in that threat area.
    exploited_by_threat: dict[str, tuple[int, int]]
    #: Safeguarding and NRM referrals recorded as outcomes in the period.
    referrals: dict[str, int]


@dataclass(frozen=True)
class GroupSummary:
    """A confirmed group as the profile names it (only in a copy for a reader of groups)."""

    id: int
    name: str
    status: str
    structure: str
    criminality: tuple[str, ...]
    members: int
    lead_agency: str | None
    priority_band: str | None
    priority_score: float | None
    priority_label: str | None


@dataclass(frozen=True)
class GroupsSection:
    counts: GroupCounts
    #: ``None`` in a copy for a reader without ``group.view``.
    groups: list[GroupSummary] | None
    candidates: int | None
    #: (group name, test, limb question) for every limb that reads "not enough evidence".
    evidence_gaps: list[tuple[str, str, str]] | None


@dataclass(frozen=True)
class CommunityCategory:
    category: str
    label: str
    records: int
    #: (kind code in words, records), most first.
    kinds: list[tuple[str, int]]


@dataclass(frozen=True)
class CommunityImpact:
    categories: list[CommunityCategory]
    #: Outcome kind -> (outcomes, cost in pounds) in the period.
    outcomes: dict[str, tuple[int, float]]


@dataclass(frozen=True)
class DatasetFigures:
    code: str
    title: str
    category: str
    records: int
    in_period: int
    intelligence: int


@dataclass(frozen=True)
class PartnerData:
    agency_code: str
    agency_name: str
    #: Datasets with at least one record the reader may see (none: nothing of this agency's is shared).
    datasets: list[DatasetFigures]

    @property
    def records(self) -> int:
        return sum(d.records for d in self.datasets)


@dataclass(frozen=True)
class IntelligenceGap:
    title: str
    detail: str


@dataclass(frozen=True)
class TacticRecommendation:
    """A tactic the profile recommends, for what, and why (the rule in words, never a name)."""

    tactic_id: str
    name: str
    area: str
    four_p: tuple[str, ...]
    owners: tuple[str, ...]
    legal_basis: str
    verified: bool
    aimed_at: str
    why: str


@dataclass(frozen=True)
class Recommendation:
    """A recommendation to the partnership that does not name a tactic (closing a gap, a plan matter)."""

    title: str
    detail: str


@dataclass(frozen=True)
class LinkedPlan:
    board: PlanBoard
    #: ``None`` in a copy for a reader without ``plan.view``.
    plans: list[PlanSummary] | None


@dataclass(frozen=True)
class Trends:
    months: list[date]
    #: Month -> {"graded", "ungraded"} intelligence reports the reader may see.
    intelligence: dict[date, dict[str, int]]
    outcomes: OutcomeDashboard


@dataclass
class LocalProfile:
    """Everything one copy of the profile holds."""

    scope: ProfileScope
    marking: Classification
    records: RecordFigures
    threats: list[ThreatAssessment]
    vulnerability: Vulnerability
    groups: GroupsSection
    community: CommunityImpact
    partners: list[PartnerData]
    gaps: list[IntelligenceGap]
    tactics: list[TacticRecommendation]
    recommendations: list[Recommendation]
    plan: LinkedPlan
    trends: Trends
    cells: list[MapCell] = field(default_factory=list)
    may_read_groups: bool = False


def _words(code: str) -> str:
    return code.replace("_", " ").lower().capitalize()


def _scope(
    session: Session, actor: Actor, *, area: str, since: date, until: date, built_at: datetime
) -> ProfileScope:
    agency = session.get(Agency, actor.agency_id)
    user = session.get(User, actor.user_id)
    return ProfileScope(
        area=area,
        since=since,
        until=until,
        built_at=built_at,
        version=built_at.strftime("%Y.%m.%d-%H%M"),
        next_review=built_at.date() + timedelta(days=REVIEW_AFTER_DAYS),
        username=actor.username,
        display_name=user.display_name if user is not None else actor.username,
        agency_code=actor.agency_code,
        agency_name=agency.name if agency is not None else actor.agency_code,
        roles=tuple(sorted(_words(r.value) for r in actor.roles)),
        purpose=_words(actor.purpose.value),
        clearance=actor.clearance.value,
        threat_areas_in_scope=tuple(a.label for a in default_reference().local_threat_areas()),
    )


def _groups(
    session: Session, actor: Actor, counts: GroupCounts, *, today: date
) -> tuple[GroupsSection, groups.Picture | None]:
    """The groups section, and the analysis it was read from (reused for the groups' tactics)."""
    if not allowed(actor, Action.GROUP_VIEW) or counts.groups is None:
        return GroupsSection(counts=counts, groups=None, candidates=None, evidence_gaps=None), None
    picture = groups.analyse(session, actor, today=today)
    scores = {row.group_id: row.score for row in groups.ranked_groups(session, actor, picture)}
    summaries = []
    gaps: list[tuple[str, str, str]] = []
    for line in counts.groups:
        score = scores.get(line.id)
        summaries.append(
            GroupSummary(
                id=line.id,
                name=line.name,
                status=line.status,
                structure=line.structure,
                criminality=line.criminality,
                members=line.members,
                lead_agency=line.lead_agency,
                priority_band=score.band if score else None,
                priority_score=score.total if score else None,
                priority_label=score.label if score else None,
            )
        )
        if line.id not in scores:
            continue  # archived: not assessed
        profile = groups.group_profile(session, actor, picture, line.id)
        for test in (profile.legal.serious_crime, profile.legal.organised_crime):
            for limb in test.limbs:
                if limb.status is LimbStatus.NOT_ENOUGH_EVIDENCE:
                    gaps.append((line.name, test.title, limb.question))
    summaries.sort(key=lambda g: (g.priority_score is None, -(g.priority_score or 0), g.name))
    open_candidates = sum(
        1 for c in picture.candidates if c.key not in picture.confirmed and c.key not in picture.dismissed
    )
    section = GroupsSection(counts=counts, groups=summaries, candidates=open_candidates, evidence_gaps=gaps)
    return section, picture


def _community(figures: RecordFigures, dashboard: OutcomeDashboard) -> CommunityImpact:
    categories = [
        CommunityCategory(
            category=category.value,
            label=_words(category.value),
            records=figures.community_records.get(category, 0),
            kinds=[(_words(k), n) for k, n in figures.community.get(category, Counter()).most_common(6)],
        )
        for category in COMMUNITY_CATEGORIES
    ]
    by_kind = {k.kind: k for k in dashboard.by_kind}
    outcomes = {
        kind.value: (by_kind[kind].outcomes, by_kind[kind].cost_gbp) if kind in by_kind else (0, 0.0)
        for kind in COMMUNITY_OUTCOMES
    }
    return CommunityImpact(categories=categories, outcomes=outcomes)


def _partners(session: Session, figures: RecordFigures) -> list[PartnerData]:
    agencies = session.scalars(select(Agency).order_by(Agency.name)).all()
    result = []
    for agency in agencies:
        datasets = sorted(
            (t for t in figures.datasets.values() if t.agency_id == agency.id), key=lambda t: t.title
        )
        result.append(
            PartnerData(
                agency_code=agency.code,
                agency_name=agency.name,
                datasets=[
                    DatasetFigures(
                        t.code, t.title, _words(t.category.value), t.records, t.in_period, t.intelligence
                    )
                    for t in datasets
                ],
            )
        )
    return result


def _gaps(
    figures: RecordFigures, threats: list[ThreatAssessment], groups_section: GroupsSection
) -> list[IntelligenceGap]:
    gaps: list[IntelligenceGap] = []
    in_scope = [t for t in threats if t.in_local_scope]
    none = [t.label for t in in_scope if t.graded_intelligence == 0]
    thin = [
        f"{t.label} ({t.graded_intelligence})"
        for t in in_scope
        if 0 < t.graded_intelligence < THIN_INTELLIGENCE
    ]
    if none:
        gaps.append(
            IntelligenceGap(
                "Threat areas in local scope with no graded intelligence in the period",
                ", ".join(none) + ".",
            )
        )
    if thin:
        gaps.append(
            IntelligenceGap(
                f"Threat areas in local scope with fewer than {THIN_INTELLIGENCE} graded reports",
                ", ".join(thin) + ".",
            )
        )
    register_only = [t.label for t in threats if t.records and not t.graded_intelligence]
    if register_only:
        gaps.append(
            IntelligenceGap(
                "Threat areas seen only in registers and cases, not in graded intelligence",
                ", ".join(register_only) + ".",
            )
        )
    if figures.ungraded_intelligence:
        gaps.append(
            IntelligenceGap(
                "Intelligence without a 3x5x2 grading",
                f"{figures.ungraded_intelligence:,} of {figures.intelligence_total:,} intelligence reports you "
                "may see carry only a legacy 5x5x5 grade or none: re-evaluate them.",
            )
        )
    if figures.review_overdue_intelligence:
        gaps.append(
            IntelligenceGap(
                "Intelligence past its review date",
                f"{figures.review_overdue_intelligence:,} intelligence reports are past their review date: "
                "review, retain or delete them.",
            )
        )
    if figures.older_intelligence:
        gaps.append(
            IntelligenceGap(
                "Intelligence older than the period",
                f"{figures.older_intelligence:,} of {figures.intelligence_total:,} intelligence reports are dated "
                "before the period; what they say may no longer hold.",
            )
        )
    if groups_section.evidence_gaps:
        by_group: dict[str, list[str]] = {}
        for name, test, question in groups_section.evidence_gaps:
            by_group.setdefault(name, []).append(f"{test}: {question}")
        for name, limbs in by_group.items():
            gaps.append(IntelligenceGap(f"{name}: legal tests lacking evidence", "; ".join(limbs)))
    in_period = max(1, len(figures.period_record_ids))
    if figures.located_records * 20 < in_period:
        gaps.append(
            IntelligenceGap(
                "Few records carry a location",
                f"{figures.located_records:,} of {len(figures.period_record_ids):,} records in the period carry "
                "coordinates, so the hotspot map shows only part of the picture.",
            )
        )
    return gaps


def _menu_tactics(threats: list[ThreatAssessment]) -> list[TacticRecommendation]:
    reference = default_reference()
    chosen: list[TacticRecommendation] = []
    ranked = [t for t in threats if t.score is not None and t.in_local_scope][:THREATS_RECOMMENDED]
    for threat in ranked:
        code = CriminalityType(threat.threat)
        specific = [t for t in reference.tactics_for(threat=code) if code in t.threats]
        picked = []
        for four_p in FourP:
            match = next((t for t in specific if four_p in t.four_p and t not in picked), None)
            if match is not None:
                picked.append(match)
        for tactic in picked[:TACTICS_EACH]:
            assert threat.score is not None
            chosen.append(
                _recommendation(
                    tactic,
                    aimed_at=f"Threat area: {threat.label}",
                    why=(
                        f"The menu lists it against {threat.label.lower()}, assessed {threat.score.band} "
                        f"(MoRiLE-style risk {threat.score.total:g}, a local approximation)."
                    ),
                )
            )
    return chosen


def _recommendation(tactic: Tactic, *, aimed_at: str, why: str) -> TacticRecommendation:
    """A tactic as the profile recommends it: what it is, who owns it, what it is aimed at and why."""
    return TacticRecommendation(
        tactic_id=tactic.id,
        name=tactic.display_name,
        area=_words(tactic.area.value),
        four_p=tuple(_words(p.value) for p in tactic.four_p),
        owners=tuple(_words(a.value) for a in tactic.owner_agencies),
        legal_basis=tactic.legal_basis,
        verified=tactic.verified,
        aimed_at=aimed_at,
        why=why,
    )


def _group_tactics(
    session: Session, actor: Actor, section: GroupsSection, picture: groups.Picture | None, *, today: date
) -> list[TacticRecommendation]:
    if section.groups is None or picture is None or not allowed(actor, Action.TACTIC_VIEW):
        return []
    ranked = sorted(
        (g for g in section.groups if g.priority_score is not None),
        key=lambda g: (-(g.priority_score or 0), g.name),
    )[:GROUPS_RECOMMENDED]
    chosen: list[TacticRecommendation] = []
    for group in ranked:
        view = recommend_for_group(session, actor, group.id, today=today, picture=picture)
        for item in view.recommendations[:TACTICS_EACH]:
            tactic = item.tactic
            chosen.append(
                _recommendation(
                    tactic,
                    aimed_at=f"Group: {group.name}",
                    why="; ".join(dict.fromkeys(reason.why for reason in item.reasons[:2])),
                )
            )
    return chosen


def _recommendations(
    gaps: list[IntelligenceGap], plan: LinkedPlan, vulnerability: Vulnerability
) -> list[Recommendation]:
    found: list[Recommendation] = []
    for gap in gaps:
        if gap.title.startswith("Threat areas in local scope"):
            found.append(Recommendation("Task intelligence collection", f"{gap.title}: {gap.detail}"))
    totals = plan.board.totals
    if totals.overdue:
        found.append(
            Recommendation(
                "Bring overdue actions back on track",
                f"{totals.overdue} of the {totals.open} open actions you may see are overdue; the board should "
                "ask each owner for a date.",
            )
        )
    empty = [c.four_p.value.capitalize() for c in plan.board.columns if not c.objectives]
    if empty:
        found.append(
            Recommendation(
                "Set objectives under every P", f"The plan has no active objective under {', '.join(empty)}."
            )
        )
    if plan.plans is not None:
        due = [p for p in plan.plans if p.review_overdue]
        if due:
            found.append(
                Recommendation(
                    "Review disruption plans",
                    f"{len(due)} active disruption plan{'s are' if len(due) != 1 else ' is'} past its review date.",
                )
            )
    if vulnerability.safeguarding.open_total:
        found.append(
            Recommendation(
                "Safeguarding",
                f"{vulnerability.safeguarding.open_total} safeguarding alerts are open; the safeguarding lead holds "
                "the details and reports progress to the board.",
            )
        )
    return found


def _highest(*markings: Classification) -> Classification:
    return max(markings, key=lambda m: m.rank)


def gather_profile(
    session: Session,
    actor: Actor,
    *,
    since: date,
    until: date,
    today: date,
    built_at: datetime,
    area: str,
    on_step: OnStep | None = None,
) -> LocalProfile:
    """Everything ``actor``'s copy of the profile holds, for the period ``since`` to ``until``.

    ``on_step`` is told each step's name as it starts (for a progress bar). The services it calls audit
    what they read; the report that prints the profile records one event for the build.
    """
    authorise(actor, Action.REPORT_BUILD)
    step = on_step or (lambda _: None)
    if since > until:
        raise InvalidInputError("period", "the period starts after it ends; swap the dates")
    step("Reading the records you may see")
    figures = record_figures(session, actor, since=since, until=until, today=today)
    step("Counting organised crime groups")
    counts = group_counts(session, actor)
    step("Assessing threat areas (MoRiLE-style)")
    threats = assess_threats(
        session,
        actor,
        since=since,
        until=until,
        today=today,
        tagged_records=dict(figures.threat_records),
        graded_intelligence=dict(figures.threat_graded_intelligence),
        group_criminality=counts.by_criminality,
    )
    step("Counting safeguarding alerts and exploited people")
    safeguarding = safeguarding_figures(session, actor)
    step("Reading outcomes")
    dashboard = outcomes_dashboard(session, actor, since=since, until=until, today=today)
    by_kind = {k.kind: k.outcomes for k in dashboard.by_kind}
    vulnerability = Vulnerability(
        safeguarding=safeguarding,
        exploited_by_threat={
            t.threat: (t.children, t.adults_at_risk) for t in threats if t.children or t.adults_at_risk
        },
        referrals={kind.value: by_kind.get(kind, 0) for kind in SAFEGUARDING_OUTCOMES},
    )
    step("Reading organised crime groups")
    groups_section, picture = _groups(session, actor, counts, today=today)
    step("Reading the linked 4P plan")
    board = plan_board(session, actor, today=today)
    plans = list_plans(session, actor, today=today) if allowed(actor, Action.PLAN_VIEW) else None
    plan = LinkedPlan(board=board, plans=plans)
    step("Finding intelligence gaps and recommendations")
    gaps = _gaps(figures, threats, groups_section)
    tactics = _menu_tactics(threats) + _group_tactics(session, actor, groups_section, picture, today=today)
    months = period_months(since, until)
    return LocalProfile(
        scope=_scope(session, actor, area=area, since=since, until=until, built_at=built_at),
        marking=_highest(figures.marking, safeguarding.marking),
        records=figures,
        threats=threats,
        vulnerability=vulnerability,
        groups=groups_section,
        community=_community(figures, dashboard),
        partners=_partners(session, figures),
        gaps=gaps,
        tactics=tactics,
        recommendations=_recommendations(gaps, plan, vulnerability),
        plan=plan,
        trends=Trends(
            months=months,
            intelligence={m: dict(figures.intelligence_by_month.get(m, {})) for m in months},
            outcomes=dashboard,
        ),
        cells=sorted(figures.cells.values(), key=lambda c: (-c.records, c.lat, c.lon)),
        may_read_groups=bool(allowed(actor, Action.GROUP_VIEW)),
    )
