"""What the organised crime group pages and their JSON twins show, from :mod:`crimelink.services.groups`.

:mod:`crimelink.services.groups` analyses the actor's network and keeps the decisions; this module puts
one analysis into the shape a page reads: the ranked list (candidates with their rank, score and what
an analyst decided, and the confirmed groups), and a profile with its people named as the actor's
records name them, its links with their evidence in words, and the protective marking of the records
behind it. Pages and the API call the same functions, so they show the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crimelink.access import Actor
from crimelink.errors import InvalidInputError
from crimelink.network._score_model import InputValue
from crimelink.network.communities import Link
from crimelink.network.priority import Score
from crimelink.services import groups
from crimelink.services.explorer import EvidenceView, dataset_titles, evidence_views, records_marking
from crimelink.store.models import Agency, GroupCandidateDecision, GroupScoreRecord, OrganisedCrimeGroup

#: Which candidates the list shows: those not dismissed, only the dismissed ones, or all.
DismissedFilter = Literal["hide", "only", "all"]
DISMISSED_FILTERS: tuple[DismissedFilter, ...] = ("hide", "only", "all")


@dataclass(frozen=True)
class CandidateRow:
    """One candidate on the ranked list: its place, its summary and score, and any decision on it."""

    rank: int
    summary: groups.CandidateSummary
    dismissed: bool


@dataclass(frozen=True)
class GroupRow:
    """A confirmed group on the list, and the candidate of the current analysis that is it (if any)."""

    #: Place by the local priority score (with the analysts' recorded inputs); ``None``: archived.
    rank: int | None
    score: Score | None
    id: int
    name: str
    status: str
    structure: str
    lead_agency: str | None
    lead_officer: str
    criminality: tuple[str, ...]
    members: int
    candidate_key: str | None
    updated_at: datetime


@dataclass(frozen=True)
class GroupList:
    """The strategic group's list: candidates ranked by the local priority score, then the groups."""

    candidates: list[CandidateRow]
    groups: list[GroupRow]
    dismissed: DismissedFilter
    #: Candidates the analysis found, and how many of them are dismissed.
    found: int
    dismissed_count: int
    #: How candidates were detected (every number is a setting).
    settings: dict[str, object]
    as_of: date
    marking: str


def group_list(
    session: Session, actor: Actor, *, dismissed: DismissedFilter = "hide", today: date
) -> GroupList:
    """The ranked candidates of the actor's network and the confirmed groups. Audited (the network view)."""
    if dismissed not in DISMISSED_FILTERS:
        raise InvalidInputError("dismissed", f"choose one of {', '.join(DISMISSED_FILTERS)}")
    picture = groups.analyse(session, actor, today=today)
    ranked = groups.ranked_candidates(session, actor, picture, include_dismissed=True)
    rows: list[CandidateRow] = []
    for position, summary in enumerate(ranked, start=1):
        same = rows and rows[-1].summary.score.total == summary.score.total
        rank = rows[-1].rank if rows and same else position
        rows.append(CandidateRow(rank, summary, summary.key in picture.dismissed))
    shown = [
        row
        for row in rows
        if dismissed == "all" or (row.dismissed if dismissed == "only" else not row.dismissed)
    ]
    candidate_of = {group_id: key for key, (group_id, _) in picture.confirmed.items()}
    marking = records_marking(
        session,
        (
            r
            for row in shown
            for e in picture.candidate(row.summary.key).members
            for r in picture.network.nodes[e].record_ids
        ),
    )
    scored = {row.group_id: row for row in groups.ranked_groups(session, actor, picture)}
    return GroupList(
        candidates=shown,
        groups=_group_rows(session, candidate_of, scored),
        dismissed=dismissed,
        found=len(rows),
        dismissed_count=len(picture.dismissed),
        settings=picture.settings.to_json(),
        as_of=picture.today,
        marking=marking,
    )


def _group_rows(
    session: Session, candidate_of: dict[int, str], ranked: dict[int, groups.RankedConfirmedGroup]
) -> list[GroupRow]:
    """Confirmed groups, highest local priority score first; archived groups (not scored) last."""
    agencies = dict(session.execute(select(Agency.id, Agency.code)).all())
    found = session.scalars(
        select(OrganisedCrimeGroup)
        .options(selectinload(OrganisedCrimeGroup.memberships))
        .order_by(OrganisedCrimeGroup.name, OrganisedCrimeGroup.id)
    ).all()
    rows = [
        GroupRow(
            rank=ranked[group.id].rank if group.id in ranked else None,
            score=ranked[group.id].score if group.id in ranked else None,
            id=group.id,
            name=group.name,
            status=group.status.value,
            structure=group.structure.value,
            lead_agency=agencies.get(group.lead_agency_id) if group.lead_agency_id else None,
            lead_officer=group.lead_officer,
            criminality=tuple(group.criminality),
            members=len(group.memberships),
            candidate_key=candidate_of.get(group.id),
            updated_at=group.updated_at,
        )
        for group in found
    ]
    last = len(rows) + 1
    return sorted(rows, key=lambda row: (row.rank if row.rank is not None else last, row.name, row.id))


# --- profiles --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkView:
    """A link of a group with its evidence in words (``a`` is the end inside the group)."""

    a: int
    b: int
    a_label: str
    b_label: str
    weight: float
    evidence: tuple[EvidenceView, ...]


@dataclass(frozen=True)
class ProfileView:
    """A candidate's or a group's profile, as the actor's records show it."""

    profile: groups.GroupProfile
    #: Entity id -> label from the records the actor may see (``None``: none names it).
    labels: dict[int, str | None]
    strongest_links: list[LinkView]
    bridges: list[LinkView]
    marking: str
    as_of: date
    #: For a candidate: the confirmed group it is, if any.
    group_id: int | None = None
    group_name: str | None = None
    lead_agency: str | None = None
    #: For a confirmed group: the decision that confirmed it.
    decision: GroupCandidateDecision | None = None
    #: For a confirmed group: the analysts' inputs of each scheme's latest recorded score,
    #: scheme -> input name -> (value, reason).
    analyst_inputs: dict[str, dict[str, tuple[object, str]]] = field(default_factory=dict)


def candidate_view(session: Session, actor: Actor, key: str, *, today: date) -> ProfileView:
    """A candidate's profile. Audited."""
    picture = groups.analyse(session, actor, today=today)
    profile = groups.candidate_profile(session, actor, picture, key)
    group_id = picture.confirmed[key][0] if key in picture.confirmed else None
    group = session.get(OrganisedCrimeGroup, group_id) if group_id is not None else None
    return _view(session, picture, profile, group_id=group_id, group_name=group.name if group else None)


def group_view(session: Session, actor: Actor, group_id: int, *, today: date) -> ProfileView:
    """A confirmed group's profile. Audited."""
    picture = groups.analyse(session, actor, today=today)
    profile = groups.group_profile(session, actor, picture, group_id)
    group = profile.group
    assert group is not None
    agency = session.get(Agency, group.lead_agency_id) if group.lead_agency_id else None
    decision = session.scalars(
        select(GroupCandidateDecision)
        .where(GroupCandidateDecision.group_id == group_id)
        .order_by(GroupCandidateDecision.id.desc())
    ).first()
    return _view(
        session,
        picture,
        profile,
        group_id=group.id,
        group_name=group.name,
        lead_agency=agency.code if agency else None,
        decision=decision,
        analyst_inputs=_analyst_inputs(session, group.id),
    )


def _analyst_inputs(session: Session, group_id: int) -> dict[str, dict[str, tuple[object, str]]]:
    """Each scheme's latest recorded analyst inputs for the group, to start the next scoring from."""
    found: dict[str, dict[str, tuple[object, str]]] = {}
    for record in session.scalars(
        select(GroupScoreRecord)
        .where(GroupScoreRecord.group_id == group_id)
        .order_by(GroupScoreRecord.assessed_at.desc(), GroupScoreRecord.id.desc())
    ):
        if record.scheme not in found:
            found[record.scheme] = {
                name: (item.get("value"), str(item.get("rationale", "")))
                for name, item in record.overrides.items()
                if isinstance(item, dict)
            }
    return found


def _view(
    session: Session,
    picture: groups.Picture,
    profile: groups.GroupProfile,
    *,
    group_id: int | None,
    group_name: str | None,
    lead_agency: str | None = None,
    decision: GroupCandidateDecision | None = None,
    analyst_inputs: dict[str, dict[str, tuple[object, str]]] | None = None,
) -> ProfileView:
    nodes = picture.network.nodes
    candidate = profile.candidate
    links: Sequence[Link] = candidate.strongest_links if candidate else ()
    bridges: Sequence[Link] = candidate.bridges if candidate else ()
    shown = {
        *(m.entity_id for m in (*profile.members, *profile.things, *profile.missing, *profile.new_people)),
        *(r.node for r in profile.key_players),
        *(e for link in (*links, *bridges) for e in (link.a, link.b)),
    }
    labels = {e: nodes[e].label if e in nodes else None for e in shown}
    titles = dataset_titles(session)
    return ProfileView(
        profile=profile,
        labels=labels,
        strongest_links=_links(links, labels, titles),
        bridges=_links(bridges, labels, titles),
        marking=records_marking(session, (r for e in shown if e in nodes for r in nodes[e].record_ids)),
        as_of=picture.today,
        group_id=group_id,
        group_name=group_name,
        lead_agency=lead_agency,
        decision=decision,
        analyst_inputs=analyst_inputs or {},
    )


def _links(links: Iterable[Link], labels: dict[int, str | None], titles: dict[str, str]) -> list[LinkView]:
    return [
        LinkView(
            a=link.a,
            b=link.b,
            a_label=labels.get(link.a) or f"Entity {link.a}",
            b_label=labels.get(link.b) or f"Entity {link.b}",
            weight=link.weight,
            evidence=evidence_views(link.evidence, titles),
        )
        for link in links
    ]


# --- decisions -------------------------------------------------------------------------------------


def confirm(
    session: Session, actor: Actor, *, key: str, confirmation: groups.Confirmation, today: date
) -> OrganisedCrimeGroup:
    """Confirm candidate ``key`` of the current analysis into a group record. Audited; the caller commits."""
    picture = groups.analyse(session, actor, today=today)
    return groups.confirm_candidate(session, actor, picture, key=key, confirmation=confirmation)


def dismiss(session: Session, actor: Actor, *, key: str, reason: str, today: date) -> GroupCandidateDecision:
    """Dismiss candidate ``key`` of the current analysis with a reason. Audited; the caller commits."""
    picture = groups.analyse(session, actor, today=today)
    return groups.dismiss_candidate(session, actor, picture, key=key, reason=reason)


def record_score(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    scheme: str,
    inputs: Mapping[str, tuple[InputValue, str]],
    today: date,
) -> GroupScoreRecord:
    """Score a confirmed group with the analyst's own inputs (value and reason each). Audited; caller commits.

    ``inputs`` maps an input's name (as the score lists it) to the analyst's value and why.
    """
    if not inputs:
        raise InvalidInputError("inputs", "give a value and a reason for at least one input")
    picture = groups.analyse(session, actor, today=today)
    return groups.record_score(session, actor, picture, group_id=group_id, scheme=scheme, overrides=inputs)
