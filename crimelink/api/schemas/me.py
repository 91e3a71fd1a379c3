"""The signed-in user and their home page, as JSON."""

from __future__ import annotations

from pydantic import BaseModel, Field

from crimelink.domain import Classification, DataCategory, DatasetKind, Purpose, UserRole


class OwnDatasetPublic(BaseModel):
    code: str
    title: str
    kind: DatasetKind
    category: DataCategory
    records: int


class AdminCountsPublic(BaseModel):
    agencies: int
    users: int
    active_users: int
    locked_users: int
    compartments: int
    agreements_in_force: int


class HomePublic(BaseModel):
    agencies: int = Field(description="Agencies in the partnership")
    own_datasets: list[OwnDatasetPublic] | None = Field(
        description="Your agency's datasets (null when your roles do not view records)"
    )
    admin: AdminCountsPublic | None = Field(description="For administrators only")
    links: dict[str, str] = Field(description="What you may open next, by name")


class MePublic(BaseModel):
    username: str
    display_name: str
    agency_code: str
    agency_name: str
    roles: list[UserRole]
    clearance: Classification
    compartments: list[str]
    purpose: Purpose
    scopes: list[str] | None = Field(description="The API token's scopes; null for a browser session")
    allowed_actions: list[str] = Field(description="Actions your roles (and token scopes) allow")
    home: HomePublic
