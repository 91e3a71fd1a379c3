"""Reading records through the access policy: record pages, search, and hit / no-hit notices.

Records the actor may not see are never returned, counted in totals or described by content; they
surface only as :class:`HoldingNotice` ("agency X holds N records; contact Y").
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, cast, func, select
from sqlalchemy.orm import Session

from crimelink.access import AccessContext, Action, Actor, allowed, load_access_context
from crimelink.domain import grade_label
from crimelink.errors import NotFoundError, PermissionDeniedError
from crimelink.ingest.normalise import NormaliseContext, normalise_field
from crimelink.store.audit import append_event
from crimelink.store.models import (
    Agency,
    Dataset,
    IntelligenceEvaluation,
    IntelligenceReport,
    SourceRecord,
)

#: How many matching records one search examines (newest first).
MAX_CANDIDATES = 2000


@dataclass(frozen=True)
class HoldingNotice:
    """All an actor learns of records they may not see."""

    agency_code: str
    agency_name: str
    contact: str
    count: int
    #: Opaque references used only to raise a disclosure request for these records.
    record_ids: tuple[int, ...]


@dataclass(frozen=True)
class IntelligenceView:
    urn: str
    grading: str
    text: str
    raw_text: str | None
    threats: list[str]
    reported_on: date | None


@dataclass(frozen=True)
class RecordView:
    id: int
    agency_code: str
    agency_name: str
    dataset_code: str
    dataset_title: str
    category: str
    source_key: str
    version: int
    handling_code: str
    handling_conditions: list[dict[str, Any]]
    classification: str
    caveats: list[str]
    received_at: datetime
    review_due: date
    parties: dict[str, dict[str, Any]]
    original: dict[str, Any]
    threats: list[str]
    intelligence: IntelligenceView | None
    why_visible: str


@dataclass(frozen=True)
class SearchResult:
    query: str
    records: list[RecordView]
    held_elsewhere: list[HoldingNotice] = field(default_factory=list)
    #: More of the actor's visible matches exist than are returned.
    truncated: bool = False
    #: The query matched more than MAX_CANDIDATES records: only the newest were examined, so the
    #: holding notices' counts are "at least" figures. Narrow the search for exact ones.
    capped: bool = False


def get_record(session: Session, actor: Actor, record_id: int) -> RecordView | HoldingNotice:
    """The record if the actor may see it; otherwise only who holds it. Audited either way."""
    record = session.get(SourceRecord, record_id)
    if record is None:
        raise NotFoundError(f"no record {record_id}")
    gate = allowed(actor, Action.RECORD_VIEW)
    if not gate:
        raise PermissionDeniedError(gate.reason)
    context = load_access_context(session)
    decision = allowed(actor, Action.RECORD_VIEW, context.resource(record))
    append_event(
        session,
        actor=actor.username,
        actor_user_id=actor.user_id,
        actor_agency_id=actor.agency_id,
        action="view",
        resource_type="record",
        resource_id=str(record_id),
        purpose=actor.purpose.value,
        outcome="success" if decision else "denied",
        details={} if decision else {"reason": decision.reason},
    )
    if not decision:
        return _notices(session, [record])[0]
    return _views(session, actor, context, [record])[0]


def search_records(
    session: Session, actor: Actor, *, query: str, limit: int = 50, max_candidates: int = MAX_CANDIDATES
) -> SearchResult:
    """Current records matching every word of ``query`` (names, postcodes, phones, VRMs, text)."""
    gate = allowed(actor, Action.RECORD_SEARCH)
    if not gate:
        raise PermissionDeniedError(gate.reason)
    terms = search_terms(query)
    if not terms:
        return SearchResult(query=query, records=[])
    latest = (
        select(
            SourceRecord.dataset_id, SourceRecord.source_key, func.max(SourceRecord.version).label("version")
        )
        .group_by(SourceRecord.dataset_id, SourceRecord.source_key)
        .subquery()
    )
    document = func.upper(cast(SourceRecord.normalised, String))
    candidates = session.scalars(
        select(SourceRecord)
        .join(
            latest,
            and_(
                latest.c.dataset_id == SourceRecord.dataset_id,
                latest.c.source_key == SourceRecord.source_key,
                latest.c.version == SourceRecord.version,
            ),
        )
        .where(*[document.contains(term, autoescape=True) for term in terms])
        .order_by(SourceRecord.id.desc())
        .limit(max_candidates + 1)
    ).all()
    capped = len(candidates) > max_candidates
    candidates = candidates[:max_candidates]
    context = load_access_context(session)
    visible: list[SourceRecord] = []
    hidden: list[SourceRecord] = []
    for record in candidates:
        (visible if allowed(actor, Action.RECORD_VIEW, context.resource(record)) else hidden).append(record)
    append_event(
        session,
        actor=actor.username,
        actor_user_id=actor.user_id,
        actor_agency_id=actor.agency_id,
        action="search",
        resource_type="record",
        purpose=actor.purpose.value,
        details={"query": query, "shown": min(len(visible), limit), "held_elsewhere": len(hidden)},
    )
    return SearchResult(
        query=query,
        records=_views(session, actor, context, visible[:limit]),
        held_elsewhere=_notices(session, hidden),
        truncated=len(visible) > limit or capped,
        capped=capped,
    )


def search_terms(query: str) -> list[str]:
    """Upper-case words to look for; a query that is a phone, postcode or VRM is normalised first."""
    text = query.replace("\x00", "").strip()
    if not text:
        return []
    context = NormaliseContext()
    for canonical in ("phone", "postcode", "vrm", "email"):
        try:
            value = normalise_field(canonical, text, context).get(canonical)
        except ValueError:
            continue
        if value and (canonical != "vrm" or re.search(r"\d", text)):
            return [str(value).upper()]
    return [word for word in re.split(r"[\s,]+", text.upper()) if len(word) >= 2][:6]


def _notices(session: Session, records: list[SourceRecord]) -> list[HoldingNotice]:
    by_agency: dict[int, list[int]] = defaultdict(list)
    for record in records:
        by_agency[record.agency_id].append(record.id)
    notices = []
    for agency in session.scalars(select(Agency).where(Agency.id.in_(by_agency)).order_by(Agency.code)):
        ids = tuple(sorted(by_agency[agency.id]))
        notices.append(HoldingNotice(agency.code, agency.name, agency.contact, len(ids), ids))
    return notices


def _views(
    session: Session, actor: Actor, context: AccessContext, records: list[SourceRecord]
) -> list[RecordView]:
    if not records:
        return []
    ids = [r.id for r in records]
    agencies = {a.id: a for a in session.scalars(select(Agency))}
    datasets = {
        d.id: d
        for d in session.scalars(select(Dataset).where(Dataset.id.in_({r.dataset_id for r in records})))
    }
    reports = {
        report.source_record_id: report
        for report in session.scalars(
            select(IntelligenceReport).where(IntelligenceReport.source_record_id.in_(ids))
        )
    }
    views = []
    for record in records:
        resource = context.resource(record)
        raw_allowed = bool(allowed(actor, Action.INTELLIGENCE_VIEW_RAW, resource))
        report = reports.get(record.id)
        intelligence = None
        if report is not None:
            evaluation: IntelligenceEvaluation = report.current_evaluation
            intelligence = IntelligenceView(
                urn=report.urn,
                grading=grade_label(
                    evaluation.source_evaluation,
                    evaluation.intelligence_assessment,
                    evaluation.handling_code,
                    evaluation.legacy_grading,
                ),
                text=report.text_sanitised,
                raw_text=report.text_raw if raw_allowed else None,
                threats=list(report.threats),
                reported_on=report.reported_on,
            )
        agency, dataset = agencies[record.agency_id], datasets[record.dataset_id]
        original = dict(record.original)
        if not raw_allowed:
            # The raw narrative is also a cell of the original row: withhold that column too.
            for column in raw_text_columns(dataset):
                original.pop(column, None)
        views.append(
            RecordView(
                id=record.id,
                agency_code=agency.code,
                agency_name=agency.name,
                dataset_code=dataset.code,
                dataset_title=dataset.title,
                category=dataset.category.value,
                source_key=record.source_key,
                version=record.version,
                handling_code=record.handling_code.value,
                handling_conditions=list(record.handling_conditions),
                classification=record.classification.value,
                caveats=list(record.caveats),
                received_at=record.received_at,
                review_due=record.review_due,
                parties=dict(record.normalised),
                original=original,
                threats=list(record.threats),
                intelligence=intelligence,
                why_visible=allowed(actor, Action.RECORD_VIEW, resource).reason,
            )
        )
    return views


def raw_text_columns(dataset: Dataset) -> list[str]:
    """Columns of the dataset's files that carry unsanitised narrative (mapped to record.text_raw)."""
    columns = dataset.mapping.get("columns", {})
    return [
        name
        for name, target in columns.items()
        if isinstance(target, dict) and target.get("to") == "record.text_raw"
    ]
