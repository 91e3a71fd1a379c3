"""Organised crime groups: ranked candidates, profiles with roles, assessment and scores, decisions."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from crimelink.api.schemas.common import StoreId, UtcDatetime
from crimelink.api.schemas.network import EvidencePublic
from crimelink.domain import (
    CriminalityType,
    GroupStatus,
    GroupStructure,
    IntelligenceAssessment,
    MemberRole,
)

# --- scores ---------------------------------------------------------------------------------------


class ScoreInputPublic(BaseModel):
    """One input of a score: its value, where it came from and why, and what it adds."""

    name: str
    label: str
    value: float | bool | str
    #: ``from the records``, ``analyst-supplied`` or ``not assessed``.
    source: str
    basis: str
    record_ids: list[int]
    weight: float | None
    points: float | None
    #: What the records gave, when an analyst replaced it.
    derived_value: float | bool | str | None


class ScorePartPublic(BaseModel):
    name: str
    label: str
    value: float
    formula: str


class ScorePublic(BaseModel):
    """A score under one scorer: a local approximation (the label says so) with every input shown."""

    scorer: str
    label: str
    total: float
    band: str
    band_description: str
    inputs: list[ScoreInputPublic]
    parts: list[ScorePartPublic]
    notes: list[str]
    confidence: str | None
    flags: list[str]


# --- the legal definitions ------------------------------------------------------------------------


class OffencePublic(BaseModel):
    """A catalogue offence a limb relies on; ``verified`` false: marked [U] in the catalogue."""

    code: str
    title: str
    statute: str
    section: str
    max_penalty: str
    violence: bool
    verified: bool
    display_name: str


class LimbPublic(BaseModel):
    limb: str
    question: str
    #: ``met``, ``not met`` or ``not enough evidence``.
    status: str
    reasons: list[str]
    record_ids: list[int]
    offences: list[OffencePublic]


class DefinitionPublic(BaseModel):
    """One legal test read against the group's records: advice for a person to decide."""

    test: str
    title: str
    law: str
    status: str
    summary: str
    limbs: list[LimbPublic]
    caveats: list[str]
    advice: str


class LegalPublic(BaseModel):
    serious_crime: DefinitionPublic
    organised_crime: DefinitionPublic
    advice: str


# --- people and links -----------------------------------------------------------------------------


class MemberPublic(BaseModel):
    """A person (or thing) of a group, named as the records you may see name them (``null``: none does)."""

    entity_id: int
    label: str | None
    kind: str
    #: Suggested (candidate) or recorded (group) MemberRole; empty for things.
    role: str
    role_reasons: list[str]
    #: The recorded confidence in the person's part (3x5x2 assessment letter), for a group's members.
    confidence: str | None
    child: bool
    vulnerable_adult: bool


class KeyPlayerPublic(BaseModel):
    """One step of the key-player analysis: who is removed and how the group fragments."""

    rank: int
    entity_id: int
    label: str | None
    largest_before: int
    largest_after: int
    reachability_before: float
    reachability_after: float
    position: float


class LinkPublic(BaseModel):
    """A link of the group (``a`` inside it) with the evidence for it."""

    a: int
    b: int
    a_label: str
    b_label: str
    weight: float
    evidence: list[EvidencePublic]


class CohesionPublic(BaseModel):
    internal_links: int
    density: float
    internal_weight: float
    boundary_weight: float
    inside_share: float


class ThreatCountPublic(BaseModel):
    """A threat area on the group's internal evidence and how many pieces of evidence carry it."""

    threat: str
    evidence: int


# --- the list -------------------------------------------------------------------------------------


class CandidateSummaryPublic(BaseModel):
    """A candidate on the ranked list: highest local priority score first; equal totals share a rank."""

    rank: int
    key: str
    people: int
    members: int
    threats: list[ThreatCountPublic]
    #: The confirmed group this candidate is (``null``: a new candidate).
    group_id: int | None
    group_name: str | None
    #: Share of people in common with that group (Jaccard).
    overlap: float
    dismissed: bool
    score: ScorePublic


class GroupSummaryPublic(BaseModel):
    """A confirmed group on the strategic group's ranked list (archived groups last, unscored)."""

    #: Place by the local priority score, with the analysts' recorded inputs; ``null``: archived.
    rank: int | None
    score: ScorePublic | None
    id: int
    name: str
    status: str
    structure: str
    lead_agency: str | None
    lead_officer: str
    criminality: list[str]
    members: int
    #: The candidate of the current analysis that is this group (``null``: none is).
    candidate_key: str | None
    updated_at: UtcDatetime


class GroupListPublic(BaseModel):
    candidates: list[CandidateSummaryPublic]
    groups: list[GroupSummaryPublic]
    #: ``hide``, ``only`` or ``all``.
    dismissed: str
    found: int
    dismissed_count: int
    settings: dict[str, object]
    as_of: date
    marking: str


# --- profiles -------------------------------------------------------------------------------------


class DismissalPublic(BaseModel):
    reason: str
    decided_by: str
    decided_at: UtcDatetime


class CandidateProfilePublic(BaseModel):
    """A candidate: people with suggested roles and reasons, things, key players, assessment, scores."""

    key: str
    #: The confirmed group this candidate is, if any.
    group_id: int | None
    group_name: str | None
    dismissed: DismissalPublic | None
    people: list[MemberPublic]
    things: list[MemberPublic]
    key_players: list[KeyPlayerPublic]
    legal: LegalPublic
    scores: list[ScorePublic]
    cohesion: CohesionPublic
    threats: list[ThreatCountPublic]
    strongest_links: list[LinkPublic]
    bridges: list[LinkPublic]
    as_of: date
    marking: str


class GroupProfilePublic(BaseModel):
    """A confirmed group: its record, members with roles and confidence, what the network now shows."""

    id: int
    name: str
    aliases: list[str]
    status: str
    structure: str
    management_level: str | None
    lead_agency: str | None
    lead_officer: str
    criminality: list[str]
    national_ocgm_urn: str | None
    notes: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    confirmed_by: str | None
    confirmed_at: UtcDatetime | None
    #: The candidate of the current analysis that is this group (``null``: none is).
    candidate_key: str | None
    members: list[MemberPublic]
    #: People the current network places in the group whom the record does not list.
    new_people: list[MemberPublic]
    #: Members the current network no longer places in the group.
    missing: list[MemberPublic]
    things: list[MemberPublic]
    key_players: list[KeyPlayerPublic]
    legal: LegalPublic
    scores: list[ScorePublic]
    strongest_links: list[LinkPublic]
    explorer_url: str
    as_of: date
    marking: str


# --- decisions ------------------------------------------------------------------------------------


class GroupConfirmCreate(BaseModel):
    """Confirm a candidate into an organised crime group record; people not named keep their suggestion."""

    name: str = Field(min_length=1, max_length=200)
    structure: GroupStructure = GroupStructure.UNKNOWN
    status: GroupStatus = GroupStatus.ACTIVE
    #: An agency code; default: your agency.
    lead_agency: str | None = Field(default=None, max_length=40)
    lead_officer: str = Field(default="", max_length=200)
    #: Default: the threat areas on the candidate's evidence.
    criminality: list[CriminalityType] = Field(default_factory=list, max_length=len(CriminalityType))
    #: Entity id -> role, overriding the suggestion.
    roles: dict[StoreId, MemberRole] = Field(default_factory=dict)
    #: Entity id -> confidence in the person's part (default C: known indirectly).
    confidence: dict[StoreId, IntelligenceAssessment] = Field(default_factory=dict)
    #: People of the candidate to leave out of the group.
    exclude: list[StoreId] = Field(default_factory=list, max_length=10_000)
    reason: str = Field(default="", max_length=4000)


class GroupDismissCreate(BaseModel):
    """Dismiss a candidate: say why it is not an organised crime group. Later analyses keep it dismissed."""

    reason: str = Field(min_length=1, max_length=4000)


class AnalystInputCreate(BaseModel):
    """An analyst's value for one input of a score, and why (kept with the score and shown beside it)."""

    #: A number, a choice (e.g. ``HIGH``) or true/false, as the input takes.
    value: float | bool | str
    reason: str = Field(min_length=1, max_length=2000)


class GroupScoreCreate(BaseModel):
    """Score the group with your own inputs: those the records cannot show, or a correction of one."""

    #: The scorer: ``local-ocg-priority`` or ``morile-style``.
    scheme: str = Field(min_length=1, max_length=60)
    #: Input name (as the score lists it) -> your value and reason.
    inputs: dict[str, AnalystInputCreate] = Field(min_length=1, max_length=50)
