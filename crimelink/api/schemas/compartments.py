"""Compartments: need-to-know groups."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from crimelink.api.schemas.common import UtcDatetime


class CompartmentCreate(BaseModel):
    code: str = Field(min_length=2, max_length=40, description="e.g. CHILDREN; items carry it as a caveat")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)


class CompartmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    description: str
    created_at: UtcDatetime
