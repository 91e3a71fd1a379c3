"""Organised crime groups: candidates from the actor's network, confirmation, profiles and the ranked list.

Every analysis starts from :func:`crimelink.services.network.network_for`, so a candidate, a member's
name, a link and its evidence come only from records the actor may see. Candidates are communities of
the detection network (:mod:`crimelink.network.groups`); an analyst confirms one into an
:class:`OrganisedCrimeGroup` (members with roles and confidence) or dismisses it with a reason. Both
decisions keep the people the candidate held, so the next analysis recognises the same candidate
(by the share of people in common) instead of proposing it again: a confirmed group is shown as itself,
with the people the network now adds or no longer finds; a dismissed candidate stays dismissed.

Scores and legal-definition assessments are advice with every input shown; people decide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crimelink.access import Action, Actor
from crimelink.domain import (
    CriminalityType,
    GroupStatus,
    GroupStructure,
    IntelligenceAssessment,
    MemberRole,
)
from crimelink.domain.reference import default_reference
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.network._score_model import InputValue
from crimelink.network.centrality import Removal
from crimelink.network.communities import CandidateGroup, match_candidates
from crimelink.network.groups import DEFAULT_DETECTION, GroupDetection, detect_candidate_groups
from crimelink.network.legal import LegalAssessment, assess_legal_definitions
from crimelink.network.model import GroupFacts, Network, group_facts
from crimelink.network.priority import (
    AnalystInput,
    RankedGroup,
    Score,
    ScoreInput,
    ScoringContext,
    rank_groups,
    scorers,
)
from crimelink.network.roles import RoleSuggestion, group_key_players, suggest_roles
from crimelink.services.callers import authorise, record_event
from crimelink.services.network import network_for
from crimelink.store.models import (
    Agency,
    GroupCandidateDecision,
    GroupMembership,
    GroupScoreRecord,
    OrganisedCrimeGroup,
)

#: Share of people (Jaccard) a candidate must share with a decision to be that decision's candidate.
SAME_CANDIDATE = 0.5
#: Key players listed on a profile.
KEY_PLAYERS_SHOWN = 5


@dataclass(frozen=True)
class Member:
    entity_id: int
    #: From records the actor may see; ``None`` when the actor's network does not hold this member.
    label: str | None
    kind: str
    role: str
    role_reasons: tuple[str, ...] = ()
    confidence: str | None = None
    child: bool = False
    vulnerable_adult: bool = False


@dataclass(frozen=True)
class CandidateSummary:
    """A candidate as the ranked list shows it."""

    key: str
    people: int
    members: int
    threats: tuple[tuple[str, int], ...]
    #: The confirmed group this candidate is, when it is one.
    group_id: int | None
    group_name: str | None
    overlap: float
    score: Score


@dataclass
class Picture:
    """One analysis of the actor's network."""

    network: Network
    detection: Network
    settings: GroupDetection
    candidates: list[CandidateGroup]
    today: date
    #: Candidate key -> confirmed group id (and Jaccard share of people).
    confirmed: dict[str, tuple[int, float]] = field(default_factory=dict)
    #: Candidates an analyst dismissed: key -> decision id.
    dismissed: dict[str, int] = field(default_factory=dict)
    facts: dict[str, GroupFacts] = field(default_factory=dict)

    def candidate(self, key: str) -> CandidateGroup:
        for candidate in self.candidates:
            if candidate.key == key:
                return candidate
        raise NotFoundError(
            f"candidate {key} is not in the current analysis of your network: the records behind it may "
            "have changed; open the list of candidates again"
        )


@dataclass(frozen=True)
class GroupProfile:
    """Everything a group's page shows: members and roles, key players, assessment, scores, evidence."""

    key: str
    group: OrganisedCrimeGroup | None
    candidate: CandidateGroup | None
    members: list[Member]
    things: list[Member]
    key_players: list[Removal]
    legal: LegalAssessment
    scores: list[Score]
    #: People a confirmed group records whom the current network does not place in it.
    missing: list[Member]
    #: People the current network places in the group whom the record does not list.
    new_people: list[Member]
    dismissed_by: GroupCandidateDecision | None = None


def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


def analyse(
    session: Session,
    actor: Actor,
    *,
    today: date | None = None,
    settings: GroupDetection = DEFAULT_DETECTION,
    threats: Sequence[str] | None = None,
) -> Picture:
    """Candidate groups in the actor's network, matched with confirmed and dismissed decisions."""
    authorise(actor, Action.GROUP_VIEW)
    day = _today(today)
    network = network_for(session, actor, today=day, threats=threats)
    detection, candidates = detect_candidate_groups(network, settings)
    picture = Picture(network, detection, settings, candidates, day)
    confirmed_people = _confirmed_people(session)
    for match in match_candidates(candidates, confirmed_people, threshold=SAME_CANDIDATE):
        if match.group_id is not None:
            picture.confirmed[match.candidate.key] = (match.group_id, match.jaccard)
    dismissals = session.scalars(
        select(GroupCandidateDecision).where(GroupCandidateDecision.decision == "dismissed")
    ).all()
    for candidate in candidates:
        if candidate.key in picture.confirmed:
            continue
        own = set(candidate.people)
        for decision in dismissals:
            theirs = set(decision.people)
            if own and len(own & theirs) / len(own | theirs) >= SAME_CANDIDATE:
                picture.dismissed[candidate.key] = decision.id
                break
    return picture


def _confirmed_people(session: Session) -> dict[int, set[int]]:
    groups = session.scalars(
        select(OrganisedCrimeGroup)
        .where(OrganisedCrimeGroup.status != GroupStatus.ARCHIVED)
        .options(selectinload(OrganisedCrimeGroup.memberships))
    ).all()
    return {group.id: {m.entity_id for m in group.memberships} for group in groups}


def facts_of(picture: Picture, key: str) -> GroupFacts:
    if key not in picture.facts:
        candidate = picture.candidate(key)
        picture.facts[key] = group_facts(picture.detection, candidate.members)
    return picture.facts[key]


def ranked_candidates(
    session: Session, actor: Actor, picture: Picture, *, include_dismissed: bool = False
) -> list[CandidateSummary]:
    """Candidates (and the confirmed groups they are), highest local priority score first."""
    names = {
        int(group_id): str(name)
        for group_id, name in session.execute(select(OrganisedCrimeGroup.id, OrganisedCrimeGroup.name))
    }
    chosen = [c for c in picture.candidates if include_dismissed or c.key not in picture.dismissed]
    scorer = scorers()[0]
    ranked: list[RankedGroup[str]] = rank_groups(
        [(c.key, facts_of(picture, c.key)) for c in chosen], scorer, as_of=picture.today
    )
    by_key = {c.key: c for c in chosen}
    rows = []
    for item in ranked:
        candidate = by_key[item.key]
        group_id, overlap = picture.confirmed.get(candidate.key, (None, 0.0))
        rows.append(
            CandidateSummary(
                key=candidate.key,
                people=len(candidate.people),
                members=len(candidate.members),
                threats=candidate.threats,
                group_id=group_id,
                group_name=names.get(group_id) if group_id is not None else None,
                overlap=overlap,
                score=item.score,
            )
        )
    return rows


# --- profiles --------------------------------------------------------------------------------------


def _member(
    picture: Picture,
    entity_id: int,
    *,
    role: str,
    reasons: tuple[str, ...] = (),
    confidence: str | None = None,
) -> Member:
    node = picture.network.nodes.get(entity_id)
    return Member(
        entity_id=entity_id,
        label=node.label if node else None,
        kind=node.kind if node else "PERSON",
        role=role,
        role_reasons=reasons,
        confidence=confidence,
        child=bool(node and node.is_child),
        vulnerable_adult=bool(node and node.vulnerable_adult),
    )


def _analysis(
    picture: Picture, entity_ids: Sequence[int]
) -> tuple[list[Removal], dict[int, RoleSuggestion], GroupFacts]:
    present = [e for e in entity_ids if e in picture.detection.index]
    if not present:
        return [], {}, group_facts(picture.detection, [])
    players = group_key_players(picture.detection, present)
    roles = suggest_roles(picture.detection, present, key_players=players)
    facts = group_facts(
        picture.detection, present, {e: suggestion.role.value for e, suggestion in roles.items()}
    )
    return players, roles, facts


def candidate_profile(session: Session, actor: Actor, picture: Picture, key: str) -> GroupProfile:
    """A candidate's profile: people with suggested roles, key players, assessment and scores. Audited."""
    candidate = picture.candidate(key)
    players, roles, facts = _analysis(picture, candidate.members)
    people = [
        _member(picture, e, role=roles[e].role.value, reasons=roles[e].reasons)
        if e in roles
        else _member(picture, e, role=MemberRole.UNKNOWN.value)
        for e in candidate.people
    ]
    things = [_member(picture, e, role="") for e in candidate.members if e not in set(candidate.people)]
    dismissed = (
        session.get(GroupCandidateDecision, picture.dismissed[key]) if key in picture.dismissed else None
    )
    record_event(
        session,
        actor,
        action=Action.GROUP_VIEW.value,
        resource_type="candidate_group",
        resource_id=key,
        details={"people": len(candidate.people), "settings": picture.settings.to_json()},
    )
    return _profile(picture, key, None, candidate, people, things, players, facts, dismissed=dismissed)


def _profile(
    picture: Picture,
    key: str,
    group: OrganisedCrimeGroup | None,
    candidate: CandidateGroup | None,
    people: list[Member],
    things: list[Member],
    players: list[Removal],
    facts: GroupFacts,
    *,
    missing: list[Member] | None = None,
    new_people: list[Member] | None = None,
    dismissed: GroupCandidateDecision | None = None,
    overrides: Mapping[str, Mapping[str, AnalystInput]] | None = None,
) -> GroupProfile:
    reference = default_reference()
    supplied = overrides or {}
    return GroupProfile(
        key=key,
        group=group,
        candidate=candidate,
        members=people,
        things=things,
        key_players=players[:KEY_PLAYERS_SHOWN],
        legal=assess_legal_definitions(facts, reference),
        scores=[
            scorer.score(facts, ScoringContext(picture.today, supplied.get(scorer.name, {})))
            for scorer in scorers()
        ],
        missing=missing or [],
        new_people=new_people or [],
        dismissed_by=dismissed,
    )


def get_group(session: Session, group_id: int) -> OrganisedCrimeGroup:
    group = session.get(
        OrganisedCrimeGroup, group_id, options=[selectinload(OrganisedCrimeGroup.memberships)]
    )
    if group is None:
        raise NotFoundError(f"organised crime group {group_id} does not exist")
    return group


def group_profile(session: Session, actor: Actor, picture: Picture, group_id: int) -> GroupProfile:
    """A confirmed group's profile, from its record and the candidate that is it now. Audited."""
    group = get_group(session, group_id)
    key = next((k for k, (g, _) in picture.confirmed.items() if g == group_id), None)
    candidate = picture.candidate(key) if key else None
    recorded = {m.entity_id: m for m in group.memberships}
    decision = session.scalars(
        select(GroupCandidateDecision)
        .where(GroupCandidateDecision.group_id == group_id)
        .order_by(GroupCandidateDecision.id.desc())
    ).first()
    entities = set(recorded) | set(candidate.members if candidate else decision.entities if decision else [])
    players, roles, facts = _analysis(picture, sorted(entities))
    people = [
        _member(
            picture,
            m.entity_id,
            role=m.role.value,
            reasons=roles[m.entity_id].reasons if m.entity_id in roles else (),
            confidence=m.confidence.value if m.confidence else None,
        )
        for m in sorted(group.memberships, key=lambda m: m.id)
    ]
    now = set(candidate.people) if candidate else set()
    things = [
        _member(picture, e, role="")
        for e in sorted(entities)
        if e not in recorded and e in picture.network.nodes and picture.network.nodes[e].kind != "PERSON"
    ]
    missing = [p for p in people if candidate is not None and p.entity_id not in now]
    new_people = [
        _member(
            picture,
            e,
            role=roles[e].role.value if e in roles else "",
            reasons=roles[e].reasons if e in roles else (),
        )
        for e in sorted(now - set(recorded))
    ]
    record_event(
        session,
        actor,
        action=Action.GROUP_VIEW.value,
        resource_type="organised_crime_group",
        resource_id=str(group_id),
        details={"candidate": key},
    )
    return _profile(
        picture,
        key or f"group-{group_id}",
        group,
        candidate,
        people,
        things,
        players,
        facts,
        missing=missing,
        new_people=new_people,
        overrides=_latest_overrides(session, group_id),
    )


# --- decisions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    """What an analyst says when confirming a candidate."""

    name: str
    structure: GroupStructure = GroupStructure.UNKNOWN
    status: GroupStatus = GroupStatus.ACTIVE
    lead_agency_code: str | None = None
    lead_officer: str = ""
    criminality: tuple[str, ...] = ()
    #: Entity id -> role; people not named keep their suggested role.
    roles: dict[int, MemberRole] = field(default_factory=dict)
    #: Entity id -> confidence in the person's part; default C (known indirectly, from the records).
    confidence: dict[int, IntelligenceAssessment] = field(default_factory=dict)
    #: People of the candidate the analyst leaves out.
    exclude: frozenset[int] = frozenset()
    reason: str = ""


def confirm_candidate(
    session: Session,
    actor: Actor,
    picture: Picture,
    *,
    key: str,
    confirmation: Confirmation,
    now: datetime | None = None,
) -> OrganisedCrimeGroup:
    """Turn a candidate into an organised crime group record. Audited; the caller commits.

    ``now`` dates the record and the decision (a group entered after the fact, as the demo does).
    """
    authorise(actor, Action.GROUP_MANAGE)
    now = now or datetime.now(UTC)
    candidate = picture.candidate(key)
    if key in picture.confirmed:
        raise InvalidInputError(
            "candidate",
            f"this candidate is already group {picture.confirmed[key][0]}: open that group instead",
        )
    name = confirmation.name.strip()
    if not name:
        raise InvalidInputError("name", "give the group a name (an operation name will do)")
    for code in confirmation.criminality:
        if code not in CriminalityType.__members__:
            raise InvalidInputError("criminality", f"{code!r} is not a criminality type")
    people = [p for p in candidate.people if p not in confirmation.exclude]
    if len(people) < 1:
        raise InvalidInputError("exclude", "a group needs at least one member")
    lead_agency_id = actor.agency_id
    if confirmation.lead_agency_code:
        found = session.scalars(select(Agency.id).where(Agency.code == confirmation.lead_agency_code)).first()
        if found is None:
            raise InvalidInputError(
                "lead_agency", f"no agency has the code {confirmation.lead_agency_code!r}"
            )
        lead_agency_id = found
    _, roles, _ = _analysis(picture, candidate.members)
    group = OrganisedCrimeGroup(
        name=name,
        status=confirmation.status,
        structure=confirmation.structure,
        lead_agency_id=lead_agency_id,
        lead_officer=confirmation.lead_officer.strip(),
        criminality=list(confirmation.criminality or [code for code, _ in candidate.threats]),
        notes=confirmation.reason.strip(),
        created_at=now,
        updated_at=now,
    )
    session.add(group)
    session.flush()
    for person in people:
        role = confirmation.roles.get(person) or (
            roles[person].role if person in roles else MemberRole.UNKNOWN
        )
        session.add(
            GroupMembership(
                group_id=group.id,
                entity_id=person,
                role=role,
                confidence=confirmation.confidence.get(person, IntelligenceAssessment.KNOWN_INDIRECTLY),
                supporting_report_ids=_records_linking(picture.detection, person, candidate.members)[:50],
                notes=" ".join(roles[person].reasons) if person in roles else "",
                created_at=now,
            )
        )
    session.add(
        GroupCandidateDecision(
            decision="confirmed",
            people=people,
            entities=list(candidate.members),
            group_id=group.id,
            reason=confirmation.reason.strip(),
            analysis=picture.settings.to_json(),
            decided_by=actor.username,
            decided_at=now,
        )
    )
    record_event(
        session,
        actor,
        action=Action.GROUP_MANAGE.value,
        resource_type="organised_crime_group",
        resource_id=str(group.id),
        details={"decision": "confirmed", "candidate": key, "people": len(people)},
    )
    session.flush()
    return group


def _records_linking(network: Network, person: int, members: Sequence[int]) -> list[int]:
    """The records on the person's links to other members of the group, in id order."""
    if person not in network.index:
        return []
    inside = set(members)
    graph, vertex = network.graph, network.vertex(person)
    found: set[int] = set()
    for edge_id in graph.incident(vertex):
        edge = graph.es[edge_id]
        other = network.entity(edge.target if edge.source == vertex else edge.source)
        if other in inside:
            found.update(item.record_id for item in edge["evidence"])
    return sorted(found)


def dismiss_candidate(
    session: Session, actor: Actor, picture: Picture, *, key: str, reason: str
) -> GroupCandidateDecision:
    """Dismiss a candidate with a reason; later analyses keep it dismissed. Audited; the caller commits."""
    authorise(actor, Action.GROUP_MANAGE)
    candidate = picture.candidate(key)
    if not reason.strip():
        raise InvalidInputError("reason", "say why this is not an organised crime group")
    if key in picture.confirmed:
        raise InvalidInputError(
            "candidate", "this candidate is a confirmed group: change the group's status instead"
        )
    decision = GroupCandidateDecision(
        decision="dismissed",
        people=list(candidate.people),
        entities=list(candidate.members),
        reason=reason.strip(),
        analysis=picture.settings.to_json(),
        decided_by=actor.username,
    )
    session.add(decision)
    session.flush()
    record_event(
        session,
        actor,
        action=Action.GROUP_MANAGE.value,
        resource_type="candidate_group",
        resource_id=key,
        details={"decision": "dismissed", "people": len(candidate.people)},
    )
    return decision


# --- recorded scores and the ranked list of groups -------------------------------------------------


def _latest_overrides(session: Session, group_id: int) -> dict[str, dict[str, AnalystInput]]:
    """The analyst inputs of each scheme's most recent recorded score for the group."""
    found: dict[str, dict[str, AnalystInput]] = {}
    records = session.scalars(
        select(GroupScoreRecord)
        .where(GroupScoreRecord.group_id == group_id)
        .order_by(GroupScoreRecord.assessed_at.desc(), GroupScoreRecord.id.desc())
    )
    for record in records:
        if record.scheme in found:
            continue
        found[record.scheme] = {
            name: AnalystInput(
                value=item["value"],
                supplied_by=str(item["supplied_by"]),
                rationale=str(item["rationale"]),
                assessed_on=date.fromisoformat(str(item["assessed_on"])) if item.get("assessed_on") else None,
            )
            for name, item in record.overrides.items()
            if isinstance(item, dict)
        }
    return found


def _group_facts(session: Session, picture: Picture, group: OrganisedCrimeGroup) -> GroupFacts:
    key = next((k for k, (g, _) in picture.confirmed.items() if g == group.id), None)
    members = {m.entity_id for m in group.memberships}
    if key is not None:
        members |= set(picture.candidate(key).members)
    _, _, facts = _analysis(picture, sorted(members))
    return facts


def record_score(
    session: Session,
    actor: Actor,
    picture: Picture,
    *,
    group_id: int,
    scheme: str,
    overrides: Mapping[str, tuple[InputValue, str]],
) -> GroupScoreRecord:
    """Score a confirmed group with the analyst's own inputs (value and reason each) and keep it. Audited.

    The inputs are kept with the score, so the group's profile and the ranked list start from them.
    """
    authorise(actor, Action.GROUP_MANAGE)
    group = get_group(session, group_id)
    chosen = {scorer.name: scorer for scorer in scorers()}
    if scheme not in chosen:
        raise InvalidInputError("scheme", f"{scheme!r} is not a scorer; choose one of {sorted(chosen)}")
    supplied = {
        name: AnalystInput(
            value=value, supplied_by=actor.username, rationale=reason, assessed_on=picture.today
        )
        for name, (value, reason) in overrides.items()
    }
    score = chosen[scheme].score(
        _group_facts(session, picture, group), ScoringContext(picture.today, supplied)
    )
    record = GroupScoreRecord(
        group_id=group.id,
        scheme=scheme,
        inputs=[_input_json(item) for item in score.inputs],
        overrides={
            name: {
                "value": item.value,
                "supplied_by": item.supplied_by,
                "rationale": item.rationale,
                "assessed_on": picture.today.isoformat(),
            }
            for name, item in supplied.items()
        },
        result=score.total,
        band=score.band,
        assessed_by=actor.username,
    )
    session.add(record)
    session.flush()
    record_event(
        session,
        actor,
        action=Action.GROUP_MANAGE.value,
        resource_type="organised_crime_group",
        resource_id=str(group.id),
        details={
            "score": scheme,
            "total": score.total,
            "band": score.band,
            "analyst_inputs": sorted(supplied),
        },
    )
    return record


def _input_json(item: ScoreInput) -> dict[str, object]:
    return {
        "name": item.name,
        "label": item.label,
        "value": item.value,
        "source": item.source.value,
        "basis": item.basis,
        "record_ids": list(item.record_ids),
    }


@dataclass(frozen=True)
class RankedConfirmedGroup:
    rank: int
    group_id: int
    name: str
    status: str
    people: int
    score: Score


def ranked_groups(session: Session, actor: Actor, picture: Picture) -> list[RankedConfirmedGroup]:
    """Confirmed groups (not archived), highest local priority score first, with the analysts' inputs."""
    authorise(actor, Action.GROUP_VIEW)
    groups = session.scalars(
        select(OrganisedCrimeGroup)
        .where(OrganisedCrimeGroup.status != GroupStatus.ARCHIVED)
        .options(selectinload(OrganisedCrimeGroup.memberships))
        .order_by(OrganisedCrimeGroup.id)
    ).all()
    scorer = scorers()[0]
    facts = [(group.id, _group_facts(session, picture, group)) for group in groups]
    overrides = {group.id: _latest_overrides(session, group.id).get(scorer.name, {}) for group in groups}
    by_id = {group.id: group for group in groups}
    return [
        RankedConfirmedGroup(
            rank=item.rank,
            group_id=item.key,
            name=by_id[item.key].name,
            status=by_id[item.key].status.value,
            people=len(by_id[item.key].memberships),
            score=item.score,
        )
        for item in rank_groups(facts, scorer, as_of=picture.today, overrides=overrides)
    ]
