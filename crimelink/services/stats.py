"""What the store holds, per agency and dataset."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from crimelink.store.models import (
    Agency,
    Dataset,
    IntelligenceEvaluation,
    IntelligenceReport,
    QuarantineEntry,
    SourceRecord,
)


@dataclass(frozen=True)
class DatasetCounts:
    agency: str
    agency_name: str
    dataset: str
    title: str
    kind: str
    records: int
    versions: int
    quarantined_rows: int
    intelligence_reports: int


def dataset_counts(session: Session) -> list[DatasetCounts]:
    """Records (distinct record ids), stored versions, quarantined rows and reports, for every dataset."""
    records = _counts(
        session,
        select(SourceRecord.dataset_id, func.count(func.distinct(SourceRecord.source_key))).group_by(
            SourceRecord.dataset_id
        ),
    )
    versions = _counts(
        session, select(SourceRecord.dataset_id, func.count()).group_by(SourceRecord.dataset_id)
    )
    distinct_rows = (
        select(QuarantineEntry.dataset_id, QuarantineEntry.file_sha256, QuarantineEntry.row_number)
        .distinct()
        .subquery()
    )
    quarantined = _counts(
        session, select(distinct_rows.c.dataset_id, func.count()).group_by(distinct_rows.c.dataset_id)
    )
    reports = _counts(
        session,
        select(SourceRecord.dataset_id, func.count())
        .join(IntelligenceReport, IntelligenceReport.source_record_id == SourceRecord.id)
        .group_by(SourceRecord.dataset_id),
    )
    rows = session.execute(
        select(Agency.code, Agency.name, Dataset.id, Dataset.code, Dataset.title, Dataset.kind)
        .join(Dataset, Dataset.agency_id == Agency.id)
        .order_by(Agency.code, Dataset.code)
    )
    return [
        DatasetCounts(
            agency=agency_code,
            agency_name=agency_name,
            dataset=code,
            title=title,
            kind=kind.value,
            records=records.get(dataset_id, 0),
            versions=versions.get(dataset_id, 0),
            quarantined_rows=quarantined.get(dataset_id, 0),
            intelligence_reports=reports.get(dataset_id, 0),
        )
        for agency_code, agency_name, dataset_id, code, title, kind in rows
    ]


def _counts(session: Session, query: Select[int, int]) -> dict[int, int]:
    return dict(session.execute(query).all())


def grading_counts(session: Session) -> dict[str, int]:
    """Current intelligence grades (3x5x2 display form, or the legacy 5x5x5 code) and how many of each."""
    latest = (
        select(func.max(IntelligenceEvaluation.id).label("id"))
        .group_by(IntelligenceEvaluation.report_id)
        .subquery()
    )
    grouped = session.execute(
        select(
            IntelligenceEvaluation.source_evaluation,
            IntelligenceEvaluation.intelligence_assessment,
            IntelligenceEvaluation.handling_code,
            IntelligenceEvaluation.legacy_grading,
            func.count(),
        )
        .join(latest, latest.c.id == IntelligenceEvaluation.id)
        .group_by(
            IntelligenceEvaluation.source_evaluation,
            IntelligenceEvaluation.intelligence_assessment,
            IntelligenceEvaluation.handling_code,
            IntelligenceEvaluation.legacy_grading,
        )
    )
    counts: dict[str, int] = {}
    for source, assessment, handling, legacy, count in grouped:
        label = (
            f"{source.value}{assessment.value} {handling.value}"
            if source and assessment
            else f"{legacy} (5x5x5)"
        )
        counts[label] = counts.get(label, 0) + count
    return dict(sorted(counts.items()))
