"""Entities as the API shows them: what the records one may see say, and hit / no-hit for the rest."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from crimelink.api.schemas.common import UtcDatetime
from crimelink.api.schemas.records import HoldingNoticePublic


class LinkExplanationPublic(BaseModel):
    """How one party of a record was linked to the entity."""

    party: str
    #: deterministic | probabilistic | new | judgement (or another rule the linkage names)
    method: str
    match_probability: float | None
    model_version: str | None


class EntityRecordPublic(BaseModel):
    """A record about the entity that you may see, summarised; /api/records/{id} has the rest."""

    id: int
    dataset_code: str
    dataset_title: str
    category: str
    source_key: str
    version: int
    handling_code: str
    handling_conditions: list[dict[str, Any]]
    classification: str
    caveats: list[str]
    event_date: date | None
    received_at: UtcDatetime
    parties: dict[str, dict[str, Any]]
    #: The sanitised text of an intelligence report (never the raw text).
    intelligence_text: str | None
    grading: str | None
    links: list[LinkExplanationPublic]


class AgencyRecordsPublic(BaseModel):
    """One holding agency: the records you may see, and a holding notice for the rest."""

    agency_code: str
    agency_name: str
    contact: str
    records: list[EntityRecordPublic]
    held: HoldingNoticePublic | None


class LinkedEntityPublic(BaseModel):
    id: int
    kind: str
    #: ``null`` when none of the records that connect them, of those you may see, names it.
    display_name: str | None
    #: ``SAME_RECORD`` and/or relationship types such as ``ASSOCIATE_OF``.
    connections: list[str]
    record_ids: list[int]


class TimelineEntryPublic(BaseModel):
    on: date
    #: record | merged | split_off | split_from
    event: str
    record_id: int | None
    agency_code: str | None
    dataset_title: str | None
    source_key: str | None
    kept_entity_id: int | None
    other_entity_id: int | None
    decided_by: str | None


class EntityPublic(BaseModel):
    """An entity: ``display_name`` and ``attributes`` come only from the records you may see."""

    id: int
    kind: str
    #: The id asked for, when it had been merged into this entity.
    merged_from: int | None
    merged_ids: list[int]
    #: ``null`` when you may see none of its records: then only its holdings are shown.
    display_name: str | None
    attributes: dict[str, str]
    agencies: list[AgencyRecordsPublic]
    linked: list[LinkedEntityPublic]
    timeline: list[TimelineEntryPublic]
    visible_records: int
    hidden_records: int
    marking: str


class AgencyHoldingPublic(BaseModel):
    """The hit / no-hit answer for one agency: how many records it holds, and whom to ask."""

    agency_code: str
    agency_name: str
    contact: str
    records: int
    visible: int
    #: For POST /api/disclosures: the records of this agency you may not see.
    record_ids_to_request: list[int]


class EntityHoldingsPublic(BaseModel):
    id: int
    kind: str
    merged_from: int | None
    agencies: list[AgencyHoldingPublic]


class ReportHoldingPublic(BaseModel):
    agency_code: str
    agency_name: str
    records: int
    visible: int


class CrossAgencyEntityPublic(BaseModel):
    id: int
    kind: str
    display_name: str | None
    agencies: int
    records: int
    visible_records: int
    holdings: list[ReportHoldingPublic]


class CrossAgencyReportPublic(BaseModel):
    min_agencies: int
    kind: str | None
    limit: int
    offset: int
    total: int
    kinds: dict[str, int]
    entities: list[CrossAgencyEntityPublic]
    marking: str
