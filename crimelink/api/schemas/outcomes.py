"""Outcomes, the performance dashboard, the disruption grading and the reminders, as the API shapes them.

Requests (``OutcomeCreate``) carry what the record form carries; the service checks every field and
names each problem in the 422 body's ``errors``. Responses are the services' view dataclasses.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from crimelink.api.schemas.common import StoreId, UtcDatetime
from crimelink.domain import DisruptionImpact, OutcomeKind
from crimelink.services.outcomes import MAX_FIGURE

Figure = float

# --- requests ---------------------------------------------------------------------------------------


class OutcomeCreate(BaseModel):
    """An outcome for your agency. Leave ``impact`` out to take the configured default grade; a different
    grade needs ``override_reason``. Every link must be one you may see."""

    kind: OutcomeKind
    occurred_on: date
    quantity: Figure | None = Field(default=None, ge=0, le=MAX_FIGURE)
    unit: str = Field(default="", max_length=30)
    value_gbp: Figure | None = Field(default=None, ge=0, le=MAX_FIGURE)
    cost_gbp: Figure | None = Field(default=None, ge=0, le=MAX_FIGURE)
    notes: str = Field(default="", max_length=10_000)
    action_id: StoreId | None = None
    plan_id: StoreId | None = None
    group_id: StoreId | None = None
    initiative_id: StoreId | None = None
    operation_id: StoreId | None = None
    impact: DisruptionImpact | None = None
    override_reason: str = Field(default="", max_length=2_000)


# --- responses --------------------------------------------------------------------------------------


class OutcomePublic(BaseModel):
    """An outcome; titles and names are empty (and ids null) where you may not see what it links to."""

    id: int
    kind: OutcomeKind
    kind_label: str
    occurred_on: date
    agency_id: int
    agency_code: str
    agency_name: str
    quantity: float | None
    unit: str
    value_gbp: float | None
    cost_gbp: float | None
    impact: DisruptionImpact
    impact_meaning: str
    #: The grade the configured grading gave; ``impact_basis`` says which rule and why.
    impact_default: DisruptionImpact | None
    impact_basis: str
    impact_override_reason: str
    overridden: bool
    notes: str
    notes_hidden: bool
    action_id: int | None
    action_title: str
    plan_id: int | None
    plan_title: str
    group_id: int | None
    group_name: str
    initiative_id: int | None
    initiative_name: str
    operation_id: int | None
    operation_name: str
    created_by: str
    created_at: UtcDatetime
    grading_file: str
    grading_verified: bool


class OutcomeListPublic(BaseModel):
    outcomes: list[OutcomePublic]


class GradeRulePublic(BaseModel):
    grade: DisruptionImpact
    why: str
    quantity_at_least: float | None
    value_at_least: float | None
    cost_at_least: float | None


class KindGradingPublic(BaseModel):
    kind: OutcomeKind
    label: str
    default: DisruptionImpact
    counts: str
    rules: list[GradeRulePublic]


class GradingPublic(BaseModel):
    """The disruption grading in force: unverified [U] unless the partnership has named its source."""

    file: str
    verified: bool
    source: str
    grades: dict[DisruptionImpact, str]
    kinds: list[KindGradingPublic]


class MonthPublic(BaseModel):
    month: date
    label: str
    outcomes: int
    by_grade: dict[DisruptionImpact, int]
    by_kind: dict[OutcomeKind, int]
    value_gbp: float
    seizure_value_gbp: float
    cost_gbp: float
    actions_done: int
    actions_overdue: int | None


class KindFiguresPublic(BaseModel):
    kind: OutcomeKind
    label: str
    outcomes: int
    quantity: float
    value_gbp: float
    cost_gbp: float


class AgencyFiguresPublic(BaseModel):
    agency_id: int
    code: str
    name: str
    outcomes: int
    major: int
    value_gbp: float
    cost_gbp: float


class GroupFiguresPublic(BaseModel):
    group_id: int | None
    name: str
    outcomes: int
    by_grade: dict[DisruptionImpact, int]
    value_gbp: float
    cost_gbp: float


class GradeFiguresPublic(BaseModel):
    grade: DisruptionImpact
    meaning: str
    outcomes: int
    overridden: int


class DashboardPublic(BaseModel):
    """Outcomes and actions by month, kind, agency, group (null without group.view) and grade."""

    since: date
    until: date
    agency_id: int | None
    agency_name: str
    group_id: int | None
    group_name: str
    months: list[MonthPublic]
    by_kind: list[KindFiguresPublic]
    by_agency: list[AgencyFiguresPublic]
    by_group: list[GroupFiguresPublic] | None
    by_grade: list[GradeFiguresPublic]
    outcomes: int
    value_gbp: float
    seizure_value_gbp: float
    cost_gbp: float
    actions_done: int
    actions_overdue_now: int
    grading_file: str
    grading_verified: bool


class ReminderItemPublic(BaseModel):
    subject_type: Literal["action", "request"]
    subject_id: int
    title: str
    agency_name: str
    status: str
    due_on: date | None
    days_overdue: int
    open_days: int
    path: str
    why: str


class LetterPublic(BaseModel):
    recipient: str
    subject_line: str
    items: list[ReminderItemPublic]
    #: ``null`` in a dry run (nothing was sent).
    delivered: bool | None
    error: str


class ReminderRunPublic(BaseModel):
    """What the run did: each e-mail (delivered, or why not), items no one could be told about, items
    reminded about recently and left until the interval has passed."""

    dry_run: bool
    summary: str
    delivered: int
    failed: int
    problem: str
    letters: list[LetterPublic]
    unaddressed: list[ReminderItemPublic]
    recently_reminded: list[ReminderItemPublic]


class SentReminderPublic(BaseModel):
    subject_type: str
    subject_id: int
    recipient: str
    subject_line: str
    sent_at: UtcDatetime
    delivered: bool
    error: str
    path: str


class SentReminderListPublic(BaseModel):
    reminders: list[SentReminderPublic]
