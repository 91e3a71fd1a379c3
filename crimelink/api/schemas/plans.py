"""Disruption plans and their actions (``docs/plan-disruption.md``).

Requests (``XCreate``) carry what the forms carry; the services check every field and name each problem
in the 422 body's ``errors``. Responses (``XPublic``) are the services' view dataclasses: a plan's group
name is empty for a reader who may not read groups, and an action's plan is shown only to plan readers.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from crimelink.api.schemas.common import StoreId, UtcDatetime
from crimelink.api.schemas.deconfliction import CheckResultPublic, OperationCreate

ActionStatusName = Literal["PROPOSED", "DECONFLICTING", "APPROVED", "IN_PROGRESS", "DONE", "ABANDONED"]
FourPName = Literal["PURSUE", "PREVENT", "PROTECT", "PREPARE"]

# --- requests -------------------------------------------------------------------------------------


class PlanCreate(BaseModel):
    """A plan against exactly one confirmed group (``group_id``) or single target (``target_entity_id``)."""

    title: str = Field(max_length=400)
    owner_agency_id: StoreId
    owner_officer: str = Field(default="", max_length=400)
    objectives: str = Field(default="", max_length=20_000)
    group_id: StoreId | None = None
    target_entity_id: StoreId | None = None
    #: An objective of the partnership plan this plan serves.
    objective_id: StoreId | None = None
    review_every_days: int = Field(default=28, ge=1, le=366)
    #: Default: ``review_every_days`` from today.
    next_review_on: date | None = None


class PlanUpdate(PlanCreate):
    """The plan's whole definition, as changed."""


class NoteCreate(BaseModel):
    note: str = Field(default="", max_length=20_000)


class ActionCreate(BaseModel):
    """An action for the plan: ``tactic`` a slug of the menu of tactics (optional)."""

    title: str = Field(max_length=600)
    agency_id: StoreId
    due_on: date | None = None
    assignee: str = Field(default="", max_length=400)
    description: str = Field(default="", max_length=20_000)
    four_p: FourPName | None = None
    tactic: str | None = Field(default=None, max_length=100)
    target_entity_id: StoreId | None = None


class MoveCreate(BaseModel):
    """Move an action on; a note is required to abandon it."""

    status: ActionStatusName
    note: str = Field(default="", max_length=20_000)


class OperationLink(BaseModel):
    """An operation of the agency the action is given to."""

    operation_id: StoreId


class ActionOperationCreate(OperationCreate):
    """The action's operation, registered for the agency it is given to; ``submit`` false keeps a draft."""

    submit: bool = False


# --- responses ------------------------------------------------------------------------------------


class ActionEventPublic(BaseModel):
    from_status: ActionStatusName | None
    to_status: ActionStatusName
    note: str
    by: str
    at: UtcDatetime


class ActionPublic(BaseModel):
    """An action as you may see it; ``plan_id`` and ``plan_title`` only if you read plans."""

    id: int
    title: str
    description: str
    agency_id: int
    agency_code: str
    agency_name: str
    assignee: str
    due_on: date | None
    status: ActionStatusName
    four_p: FourPName | None
    tactic_slug: str | None
    tactic_name: str | None
    plan_id: int | None
    plan_title: str
    meeting_id: int | None
    objective_id: int | None
    initiative_id: int | None
    operation_id: int | None
    target_entity_id: int | None
    overdue: bool
    days_overdue: int
    created_by: str
    created_at: UtcDatetime
    completed_at: UtcDatetime | None
    #: The moves you may make now.
    next_moves: list[ActionStatusName]
    events: list[ActionEventPublic]


class ActionListPublic(BaseModel):
    actions: list[ActionPublic]


class ActionOperationPublic(BaseModel):
    """The action, now following the operation registered for it, and what the check said."""

    action: ActionPublic
    registered: CheckResultPublic


class PlanSummaryPublic(BaseModel):
    id: int
    title: str
    status: Literal["ACTIVE", "CLOSED"]
    group_id: int | None
    #: Empty unless you may read groups.
    group_name: str
    target_entity_id: int | None
    owner_agency_id: int
    owner_agency_code: str
    owner_agency_name: str
    owner_officer: str
    review_every_days: int
    next_review_on: date | None
    review_overdue: bool
    actions_open: int
    actions_overdue: int
    created_by: str
    created_at: UtcDatetime
    closed_at: UtcDatetime | None


class PlanListPublic(BaseModel):
    plans: list[PlanSummaryPublic]


class OutcomePublic(BaseModel):
    id: int
    kind: str
    occurred_on: date
    agency_code: str
    action_id: int | None
    impact: str
    quantity: float | None
    unit: str
    value_gbp: float | None


class PlanPublic(PlanSummaryPublic):
    """A plan with its actions (most pressing first), counts by status and outcomes."""

    objectives: str
    objective_id: int | None
    objective_title: str
    closing_note: str
    updated_at: UtcDatetime | None
    actions: list[ActionPublic]
    counts: dict[str, int]
    outcomes: list[OutcomePublic]
    may_manage: bool
