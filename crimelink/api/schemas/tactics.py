"""The menu of tactics, one tactic, and recommended tactics for a group, candidate or entities."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class TacticPublic(BaseModel):
    """A tactic of the menu, profiled as in the Home Office menu of tactics."""

    #: The tactic's stable slug (its id in tactics.yaml); disruption plans refer to it.
    id: str
    name: str
    #: The name with ``[U]`` when the entry is unverified.
    display_name: str
    area: str
    four_p: list[str]
    owner_agencies: list[str]
    legal_basis: str
    standard: str
    target_kinds: list[str]
    #: Threats it fits (empty: any threat).
    threats: list[str]
    what: str
    impacts: str
    procedure: str
    who_can_help: str
    watch_outs: str
    needs_court: bool
    needs_evidence: str
    #: False for an entry not yet checked against a named source: treat it as unverified.
    verified: bool
    verification: str
    source: str
    url: str


class MenuAreaPublic(BaseModel):
    area: str
    tactics: list[TacticPublic]


class TacticMenuPublic(BaseModel):
    """The menu as filtered, grouped by the six areas of a criminal's life."""

    filters: dict[str, str | None]
    areas: list[MenuAreaPublic]
    shown: int
    total: int
    unverified_shown: int


class ReasonInputPublic(BaseModel):
    #: ``sign``, ``threat`` or ``key_player``.
    kind: str
    label: str
    detail: str
    entity_id: int | None
    record_ids: list[int]


class ReasonPublic(BaseModel):
    """Why: the rule (its id in tactic_rules.yaml, or threat-fit, or key-players), the facts, the weight."""

    rule: str
    text: str
    why: str
    weight: float
    inputs: list[ReasonInputPublic]


class AimPublic(BaseModel):
    entity_id: int
    label: str
    kind: str
    why: str


class RecommendationPublic(BaseModel):
    """A recommended tactic: ``tactic_id`` is the stable slug to add it to a disruption plan."""

    tactic_id: str
    name: str
    display_name: str
    score: float
    reasons: list[ReasonPublic]
    aimed_at: list[AimPublic]
    owner_agencies: list[str]
    legal_basis: str
    needs_court: bool
    verified: bool
    verification: str
    url: str


class SignPublic(BaseModel):
    sign: str
    label: str
    entity_id: int | None
    entity_label: str
    entity_kind: str
    detail: str
    record_ids: list[int]


class ThreatSeenPublic(BaseModel):
    threat: str
    record_ids: list[int]


class KeyPlayerPublic(BaseModel):
    entity_id: int
    label: str
    rank: int
    reachability_before: float
    reachability_after: float
    why: str


class TargetEntityPublic(BaseModel):
    entity_id: int
    kind: str
    label: str
    child: bool
    vulnerable_adult: bool


class RecommendationsPublic(BaseModel):
    """Recommended tactics for one target, and every fact (from records you may see) they were read from."""

    #: ``group``, ``candidate``, ``entity`` or ``entities``.
    target_kind: str
    target_id: str
    label: str
    recommendations: list[RecommendationPublic]
    entities: list[TargetEntityPublic]
    signs: list[SignPublic]
    threats: list[ThreatSeenPublic]
    key_players: list[KeyPlayerPublic]
    record_count: int
    not_seen: int
    marking: str
    as_of: date
    rules_source: str
