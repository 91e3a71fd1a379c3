"""Users: who signs in, their agency, roles, clearance and compartments."""

from __future__ import annotations

from pydantic import BaseModel, Field

from crimelink.api.schemas.common import UtcDatetime
from crimelink.domain import Classification, UserRole
from crimelink.services.auth import as_utc, is_locked, utcnow
from crimelink.store.models import User


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=120, description="Lower-case; letters, digits, . _ - @")
    display_name: str = Field(min_length=1, max_length=200)
    email: str = Field(default="", max_length=254, description="Used to link a single sign-on account")
    agency_code: str
    roles: list[UserRole] = Field(min_length=1)
    clearance: Classification = Classification.OFFICIAL
    compartments: list[str] = Field(default_factory=list)
    password: str | None = Field(
        default=None,
        max_length=128,
        description="Initial password, checked by the password rules; null for single sign-on only",
    )


class UserUpdate(BaseModel):
    """Fields left out (or null) keep their current value."""

    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    agency_code: str | None = None
    roles: list[UserRole] | None = Field(default=None, min_length=1)
    clearance: Classification | None = None
    compartments: list[str] | None = None
    active: bool | None = None


class UserPublic(BaseModel):
    id: int
    username: str
    display_name: str
    email: str
    agency_code: str
    roles: list[UserRole]
    clearance: Classification
    compartments: list[str]
    active: bool
    locked: bool
    locked_until: UtcDatetime | None
    failed_sign_ins: int
    has_password: bool
    single_sign_on_linked: bool
    last_sign_in_at: UtcDatetime | None
    created_at: UtcDatetime

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            email=user.email,
            agency_code=user.agency.code,
            roles=[UserRole(r) for r in user.roles],
            clearance=user.clearance,
            compartments=list(user.compartments),
            active=user.active,
            locked=is_locked(user, utcnow()),
            locked_until=as_utc(user.locked_until) if user.locked_until else None,
            failed_sign_ins=user.failed_sign_ins or 0,
            has_password=user.password_hash is not None,
            single_sign_on_linked=user.oidc_subject is not None,
            last_sign_in_at=user.last_sign_in_at,
            created_at=user.created_at,
        )
