"""Safeguarding alerts: the inbox, one alert with its evidence and routes, what the lead does, a scan."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from crimelink.api.schemas.common import UtcDatetime
from crimelink.api.schemas.records import HoldingNoticePublic
from crimelink.network.screening import DEFAULT_MIN_SCORE

#: acknowledge (raised -> acknowledged); then refer (with a route), no_further_action or close.
AlertAction = Literal["acknowledge", "refer", "no_further_action", "close"]


class MatchPublic(BaseModel):
    """One indicator found in a record: what it says, where it was found (``text`` or ``party.field``), how."""

    indicator_id: str
    indicator_text: str
    verification: str
    weight: int
    where: str
    #: ``text``: a text rule matched; ``ticked``: a field carries the indicator's id.
    how: str
    found: str


class TagPublic(BaseModel):
    """An exploitation threat a record is tagged with: by its holder (``declared``) and/or by indicators."""

    threat: str
    declared: bool
    score: int
    reason: str
    matches: list[MatchPublic]


class EvidencePublic(BaseModel):
    """A record of the alert that you may see, the subject's party in it, and why they counted as at risk."""

    record_id: int
    agency_code: str
    agency_name: str
    dataset_title: str
    source_key: str
    classification: str
    on: date
    party: str
    subject_label: str
    basis: str
    text: str | None
    tags: list[TagPublic]


class RoutePublic(BaseModel):
    """A suggested route and the rule that suggests it; ``threats`` empty: it follows from who the person is."""

    route: str
    label: str
    rule: str
    threats: list[str]


class ActionPublic(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    route: str | None
    #: ``null`` when withheld: it may quote evidence you may not see.
    rationale: str | None
    acted_by: str
    acted_at: UtcDatetime


class AlertSummaryPublic(BaseModel):
    id: int
    kind: str
    status: str
    subject_entity_id: int
    #: From the records you may see; ``null`` when you may see none.
    subject_name: str | None
    threats: list[str]
    routes: list[str]
    raised_at: UtcDatetime
    status_changed_at: UtcDatetime
    visible_evidence: int
    hidden_evidence: int


class AlertInboxPublic(BaseModel):
    alerts: list[AlertSummaryPublic]
    total: int
    limit: int
    offset: int
    status: str
    kind: str | None
    counts: dict[str, int]
    marking: str


class AlertPublic(BaseModel):
    """An alert advises; the safeguarding lead decides. Evidence you may not see is only in ``held``."""

    id: int
    key: str
    kind: str
    status: str
    subject_entity_id: int
    subject_name: str | None
    subject_attributes: dict[str, str]
    rule: str
    threats: list[str]
    routes: list[RoutePublic]
    evidence: list[EvidencePublic]
    held: list[HoldingNoticePublic]
    history: list[ActionPublic]
    raised_by: str
    raised_at: UtcDatetime
    referred_route: str | None
    inputs: dict[str, Any]
    next_actions: list[str]
    marking: str


class AlertActionCreate(BaseModel):
    """What you did about the alert, and why (a rationale is needed for all but acknowledging)."""

    action: AlertAction
    #: For ``refer``: the route the referral went to (a Route code, e.g. ``MASH_CHILDREN_REFERRAL``).
    route: str | None = Field(default=None, max_length=60)
    rationale: str = Field(default="", max_length=4000)


class ScanCreate(BaseModel):
    """Scan as of ``today`` (default: today), tagging with indicators weighing at least ``min_score``."""

    today: date | None = None
    min_score: int = Field(default=DEFAULT_MIN_SCORE, ge=1, le=100)


class ScanSummaryPublic(BaseModel):
    """Counts only: what was screened and how many alerts were raised or given new evidence."""

    records_screened: int
    records_tagged: int
    tags_by_threat: dict[str, int]
    people_found: int
    alerts_raised: int
    alerts_updated: int
    alerts_unchanged: int
    min_score: int
    catalogue: str
    seconds: float
