"""Partner agencies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from crimelink.api.schemas.common import UtcDatetime
from crimelink.domain import AgencyKind


class AgencyCreate(BaseModel):
    code: str = Field(min_length=2, max_length=40, description="Permanent short code, e.g. LBX-HOUSING")
    name: str = Field(min_length=1, max_length=200)
    kind: AgencyKind
    contact: str = Field(default="", max_length=300, description="Whom partners should contact")


class AgencyUpdate(BaseModel):
    """Fields left out (or null) keep their current value; the code cannot change."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: AgencyKind | None = None
    contact: str | None = Field(default=None, max_length=300)


class AgencyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: AgencyKind
    contact: str
    is_police: bool
    created_at: UtcDatetime
