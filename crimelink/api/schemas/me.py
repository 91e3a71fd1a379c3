"""The signed-in user and their home page, as JSON."""

from __future__ import annotations

from datetime import date

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


class WaitingItemPublic(BaseModel):
    """An overdue action or a pending request for assistance, as the home page lists it."""

    subject_type: str = Field(description="action or request")
    subject_id: int
    title: str
    agency_name: str = Field(description="The agency given the action, or the agency that asked")
    status: str
    due_on: date | None
    days_overdue: int
    open_days: int
    path: str = Field(description="Where the item's page is")
    assignee: str


class HomePublic(BaseModel):
    agencies: int = Field(description="Agencies in the partnership")
    own_datasets: list[OwnDatasetPublic] | None = Field(
        description="Your agency's datasets (null when your roles do not view records)"
    )
    admin: AdminCountsPublic | None = Field(description="For administrators only")
    overdue_actions: list[WaitingItemPublic] | None = Field(
        default=None,
        description="Your agency's overdue actions (a co-ordinator's: all); null if you see none",
    )
    pending_requests: list[WaitingItemPublic] | None = Field(
        default=None, description="Requests for assistance waiting on your agency; null if you see none"
    )
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
