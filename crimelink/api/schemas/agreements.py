"""Sharing agreements between agencies."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from crimelink.api.schemas.common import UtcDatetime
from crimelink.domain import DataCategory, Purpose


class AgreementCreate(BaseModel):
    from_agency_code: str = Field(description="The agency that shares (holds the data)")
    to_agency_code: str = Field(description="The agency that may see it")
    category: DataCategory
    purposes: list[Purpose] = Field(min_length=1)
    isa_reference: str = Field(min_length=1, max_length=100, description="The information sharing agreement")
    valid_from: date
    valid_until: date | None = None


class AgreementPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    from_agency_code: str
    to_agency_code: str
    category: DataCategory
    purposes: list[Purpose]
    isa_reference: str
    valid_from: date
    valid_until: date | None
    active: bool
    in_force: bool = Field(description="Active and within its validity period today")
    created_at: UtcDatetime
