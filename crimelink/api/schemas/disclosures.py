"""Disclosure requests and decisions."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from crimelink.api.schemas.common import StoreId, UtcDatetime
from crimelink.domain import LawfulBasis


class DisclosureCreate(BaseModel):
    record_ids: list[StoreId] = Field(min_length=1, max_length=500)
    justification: str = Field(min_length=1, max_length=4000)


class DisclosureDecision(BaseModel):
    grant: bool
    lawful_basis: LawfulBasis | None = None
    conditions: list[str] = Field(default_factory=list, max_length=10)
    note: str = Field(default="", max_length=4000)
    expires_on: date | None = None


class DisclosurePublic(BaseModel):
    id: int
    record_id: int
    holder_agency: str
    requester: str
    requester_agency: str
    purpose: str
    justification: str
    status: str
    lawful_basis: str | None
    conditions: list[str]
    decision_note: str
    created_at: UtcDatetime
    decided_at: UtcDatetime | None
    expires_on: date | None
