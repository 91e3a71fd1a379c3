"""Records as the API shows them: content when the policy allows, a holding notice otherwise."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from crimelink.api.schemas.common import UtcDatetime


class HoldingNoticePublic(BaseModel):
    """All a user learns of records they may not see: who holds how many, and whom to contact."""

    kind: Literal["held_elsewhere"] = "held_elsewhere"
    agency_code: str
    agency_name: str
    contact: str
    count: int
    record_ids: list[int]


class IntelligencePublic(BaseModel):
    urn: str
    grading: str
    text: str
    #: Only for the originator, or police for police intelligence.
    raw_text: str | None
    threats: list[str]
    reported_on: date | None


class RecordPublic(BaseModel):
    kind: Literal["record"] = "record"
    id: int
    agency_code: str
    agency_name: str
    dataset_code: str
    dataset_title: str
    category: str
    source_key: str
    version: int
    handling_code: str
    handling_conditions: list[dict[str, Any]]
    classification: str
    caveats: list[str]
    received_at: UtcDatetime
    review_due: date
    parties: dict[str, dict[str, Any]]
    original: dict[str, Any]
    threats: list[str]
    intelligence: IntelligencePublic | None
    why_visible: str
    #: Party name -> the entity it is linked to (``/api/entities/{id}``); filled when one record is read.
    entities: dict[str, int] = Field(default_factory=dict)
    #: Threat screening of the record (filled when one record is read): each threat with whether the
    #: agency tagged it, the indicators found (which, where, how, what) and their total weight.
    screening: list[dict[str, Any]] = Field(default_factory=list)


class SearchPublic(BaseModel):
    query: str
    records: list[RecordPublic]
    held_elsewhere: list[HoldingNoticePublic]
    truncated: bool
    #: Over 2,000 matches: only the newest were examined; holding-notice counts are lower bounds.
    capped: bool
