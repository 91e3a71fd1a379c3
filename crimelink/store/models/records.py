"""Source records (immutable, versioned), imports, quarantine and graded intelligence reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimelink.domain import (
    Classification,
    EntityKind,
    HandlingCode,
    IntelligenceAssessment,
    SourceEvaluation,
)
from crimelink.domain.grading import grade_label
from crimelink.store.models.base import Base, IdType, JsonType, enum_column, utcnow

if TYPE_CHECKING:
    from crimelink.store.models.agencies import Dataset


class ImportRun(Base):
    """One attempt to import one file into one dataset; the checkpoint makes it resumable."""

    __tablename__ = "import_runs"
    __table_args__ = (Index("ix_import_runs_dataset_file", "dataset_id", "file_sha256"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(Integer)
    mapping_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | completed | failed
    #: Last data row whose outcome (stored, unchanged or quarantined) is committed.
    checkpoint_row: Mapped[int] = mapped_column(Integer, default=0)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_stored: Mapped[int] = mapped_column(Integer, default=0)
    rows_versioned: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    resumed_from: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class SourceRecord(Base):
    """One row of a partner register as received. Never updated: a changed row is a new version."""

    __tablename__ = "source_records"
    __table_args__ = (
        UniqueConstraint("dataset_id", "source_key", "version"),
        Index("ix_source_records_agency", "agency_id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"), index=True)
    source_key: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    row_number: Mapped[int | None] = mapped_column(Integer)
    original: Mapped[dict[str, Any]] = mapped_column(JsonType)
    normalised: Mapped[dict[str, Any]] = mapped_column(JsonType)
    handling_code: Mapped[HandlingCode] = mapped_column(enum_column(HandlingCode, 1))
    handling_conditions: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    classification: Mapped[Classification] = mapped_column(enum_column(Classification, 20))
    caveats: Mapped[list[str]] = mapped_column(JsonType, default=list)
    threats: Mapped[list[str]] = mapped_column(JsonType, default=list)
    event_date: Mapped[date | None] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column()
    review_due: Mapped[date] = mapped_column(Date, index=True)
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)

    dataset: Mapped[Dataset] = relationship()


class RecordScreening(Base):
    """The indicator catalogue applied to one record: the threats its indicators tag it with, and how.

    A record never changes, but the catalogue does (its indicators are editable reference data), so the
    screening lives beside the record: ``catalogue`` is the catalogue version it was screened against and
    ``min_score`` the weight a tag needed, and a screening run (:func:`crimelink.services.record_screening.
    screen_records`) redoes a record screened against other settings. The agency's own tags stay on the
    record (``SourceRecord.threats``); ``threats`` holds only those the indicators give.
    """

    __tablename__ = "record_screenings"

    record_id: Mapped[int] = mapped_column(IdType, ForeignKey("source_records.id"), primary_key=True)
    catalogue: Mapped[str] = mapped_column(String(64))
    min_score: Mapped[int] = mapped_column(Integer)
    #: CriminalityType codes the indicators found in the record tag it with (empty: none).
    threats: Mapped[list[str]] = mapped_column(JsonType, default=list)
    #: Every tag screening gave the record (:class:`crimelink.network.screening.ThreatTag`): those, and the
    #: agency's own tags, each with the indicators found for it.
    tags: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    screened_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuarantineEntry(Base):
    """A row (and the column in it) that could not be stored, with the reason a person can act on."""

    __tablename__ = "quarantine_entries"
    __table_args__ = (UniqueConstraint("dataset_id", "file_sha256", "row_number", "column"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    row_number: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IntelligenceReport(Base):
    """A graded intelligence report: one per source record of an INTELLIGENCE dataset.

    The grade lives in :class:`IntelligenceEvaluation` rows, one per (re-)evaluation; the latest is current.
    ``text_raw`` never leaves the police; partners only ever see ``text_sanitised``.
    """

    __tablename__ = "intelligence_reports"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    urn: Mapped[str] = mapped_column(String(200), index=True)
    classification: Mapped[Classification] = mapped_column(enum_column(Classification, 20))
    caveats: Mapped[list[str]] = mapped_column(JsonType, default=list)
    threats: Mapped[list[str]] = mapped_column(JsonType, default=list)
    text_sanitised: Mapped[str] = mapped_column(Text)
    text_raw: Mapped[str | None] = mapped_column(Text)
    reported_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evaluations: Mapped[list[IntelligenceEvaluation]] = relationship(
        order_by="IntelligenceEvaluation.id", back_populates="report"
    )
    subjects: Mapped[list[ReportSubject]] = relationship(back_populates="report")
    source_record: Mapped[SourceRecord] = relationship()

    @property
    def current_evaluation(self) -> IntelligenceEvaluation:
        return self.evaluations[-1]


class IntelligenceEvaluation(Base):
    """One evaluation of a report: 3x5x2 and/or legacy 5x5x5 as given. Re-grading appends a row."""

    __tablename__ = "intelligence_evaluations"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("intelligence_reports.id"), index=True)
    source_evaluation: Mapped[SourceEvaluation | None] = mapped_column(enum_column(SourceEvaluation, 1))
    intelligence_assessment: Mapped[IntelligenceAssessment | None] = mapped_column(
        enum_column(IntelligenceAssessment, 1)
    )
    handling_code: Mapped[HandlingCode] = mapped_column(enum_column(HandlingCode, 1))
    handling_conditions: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    legacy_grading: Mapped[str | None] = mapped_column(String(3))
    evaluated_by: Mapped[str] = mapped_column(String(200), default="import")
    rationale: Mapped[str] = mapped_column(Text, default="")
    evaluated_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[IntelligenceReport] = relationship(back_populates="evaluations")

    @property
    def display(self) -> str:
        return grade_label(
            self.source_evaluation, self.intelligence_assessment, self.handling_code, self.legacy_grading
        )


class ReportSubject(Base):
    """Who or what a report is about: one party of its source record; linkage fills ``entity_id``."""

    __tablename__ = "report_subjects"
    __table_args__ = (UniqueConstraint("report_id", "party"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("intelligence_reports.id"))
    party: Mapped[str] = mapped_column(String(60))
    kind: Mapped[EntityKind] = mapped_column(enum_column(EntityKind, 20))
    display: Mapped[str] = mapped_column(String(300))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)

    report: Mapped[IntelligenceReport] = relationship(back_populates="subjects")
