"""The review queue and judgements: pairs linkage was unsure of, and what people decided about them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from crimelink.api.schemas.common import StoreId, UtcDatetime

#: same: one person (or place, or thing); different: not; unsure: the model decides, the pair leaves the queue.
Decision = Literal["same", "different", "unsure"]


class PartyRef(BaseModel):
    """A party of a record: ``subject``, ``premises``, ``associate``... as the record names it."""

    record_id: StoreId
    party: str = Field(min_length=1, max_length=60)


class JudgementCreate(BaseModel):
    """Judge ``left`` against one other party (``right``) or against an entity (``entity_id``)."""

    left: PartyRef
    right: PartyRef | None = None
    entity_id: StoreId | None = None
    decision: Decision
    #: Why: the next analyst must be able to follow the decision.
    reason: str = Field(min_length=1, max_length=4000)


class JudgementReverse(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


class ReviewPartyPublic(BaseModel):
    """One side of a pair: a party of a record, as that record gives it."""

    record_id: int
    party: str
    agency_code: str
    agency_name: str
    dataset_code: str
    dataset_title: str
    source_key: str
    version: int
    classification: str
    fields: dict[str, Any]
    entity_id: int | None


class ComparisonWeightPublic(BaseModel):
    """The level one comparison reached, and its weight (log2 Bayes factor: + for, - against)."""

    comparison: str
    level: str
    weight: float


class ReviewPairPublic(BaseModel):
    """``match_weight`` is ``prior_weight`` plus every comparison's weight; the probability follows from it."""

    id: int
    model_version: str
    match_probability: float
    match_weight: float
    prior_weight: float
    comparisons: list[ComparisonWeightPublic]
    left: ReviewPartyPublic
    right: ReviewPartyPublic
    same_entity: bool


class ReviewQueuePublic(BaseModel):
    """Pairs you may see both sides of, most uncertain first; of the others only how many there are."""

    pairs: list[ReviewPairPublic]
    total: int
    limit: int
    offset: int
    min_probability: float | None
    max_probability: float | None
    need_wider_access: int
    marking: str


class JudgedPartyPublic(BaseModel):
    record_id: int
    party: str
    agency_code: str
    dataset_title: str
    source_key: str
    label: str
    entity_id: int | None


class JudgementPublic(BaseModel):
    id: int
    decision: str
    reason: str
    decided_by: str
    decided_at: UtcDatetime
    left: JudgedPartyPublic
    right: JudgedPartyPublic | None
    entity_id: int | None
    #: Not reversed: linkage applies it on every run.
    active: bool
    reversed_at: UtcDatetime | None
    reversed_by: str | None
    reversal_reason: str | None


class JudgementListPublic(BaseModel):
    judgements: list[JudgementPublic]
    total: int
    limit: int
    offset: int
