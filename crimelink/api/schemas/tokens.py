"""API tokens: scoped, revocable credentials for machine clients acting as one user."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from crimelink.api.schemas.common import UtcDatetime
from crimelink.domain import Purpose


class ApiTokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120, description="What will use the token")
    scopes: list[str] = Field(min_length=1, description="Any of read, write, import, admin")
    purpose: Purpose | None = Field(
        default=None, description="Recorded with every use; default: this session's"
    )


class ApiTokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    scopes: list[str]
    purpose: Purpose
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None
    revoked_at: UtcDatetime | None


class ApiTokenCreated(ApiTokenPublic):
    token: str = Field(description="Shown once: only its hash is kept, so store it now")
