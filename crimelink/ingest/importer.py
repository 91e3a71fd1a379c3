"""Import a partner file into the store: batched, idempotent and resumable.

Each batch of rows is one transaction holding its stored records, its quarantined rows and the
import run's checkpoint. Killing the process at any moment therefore leaves whole batches only, and
importing the same file again resumes after the last committed row. Rows already held with the same
content are never stored twice; a changed row becomes a new version of its record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from crimelink.domain import EntityKind
from crimelink.errors import MappingError
from crimelink.ingest.mapping import DatasetMapping
from crimelink.ingest.readers import PartnerFile, json_safe, open_partner_file
from crimelink.ingest.rows import ProcessedRow, RowError, RowProcessor
from crimelink.store.audit import append_event
from crimelink.store.bulk import bulk_insert, prefer_index_lookups
from crimelink.store.engine import make_session_factory
from crimelink.store.models import (
    Agency,
    Dataset,
    ImportRun,
    IntelligenceEvaluation,
    IntelligenceReport,
    QuarantineEntry,
    ReportSubject,
    SourceRecord,
)

ProgressCallback = Callable[[int, int], None]
_Batch = list[tuple[int, "ProcessedRow | list[RowError]", dict[str, Any]]]
"""Called with (rows handled so far, estimated total rows)."""


@dataclass(frozen=True)
class ImportSummary:
    """What one import did. ``resumed_after_row`` is non-zero when it finished an interrupted import."""

    run_id: int
    agency: str
    dataset: str
    file: str
    rows_read: int
    stored: int
    versioned: int
    unchanged: int
    quarantined: int
    resumed_after_row: int


def ensure_dataset(session: Session, mapping: DatasetMapping) -> Dataset:
    """The dataset a mapping names, created on first use; its stored mapping follows the latest one used."""
    agency = session.scalar(select(Agency).where(Agency.code == mapping.agency))
    if agency is None:
        known = ", ".join(session.scalars(select(Agency.code).order_by(Agency.code))) or "none yet"
        raise MappingError(
            f"mapping for dataset {mapping.dataset!r} names agency {mapping.agency!r}, which is not registered "
            f"(registered: {known}); add the agency first"
        )
    dataset = session.scalar(
        select(Dataset).where(Dataset.agency_id == agency.id, Dataset.code == mapping.dataset)
    )
    document = mapping.model_dump(mode="json")
    if dataset is None:
        dataset = Dataset(
            agency_id=agency.id,
            code=mapping.dataset,
            title=mapping.title,
            kind=mapping.kind,
            category=mapping.data_category,
            description=mapping.description,
            mapping=document,
            mapping_hash=mapping.content_hash,
        )
        session.add(dataset)
    elif dataset.mapping_hash != mapping.content_hash:
        if dataset.kind is not mapping.kind:
            raise MappingError(
                f"dataset {mapping.agency}/{mapping.dataset} is {dataset.kind.value}; "
                f"the mapping says {mapping.kind.value}. A dataset keeps its kind: use a new dataset code"
            )
        dataset.title = mapping.title
        dataset.category = mapping.data_category
        dataset.description = mapping.description
        dataset.mapping = document
        dataset.mapping_hash = mapping.content_hash
    session.flush()
    return dataset


def import_file(
    engine: Engine,
    path: Path,
    mapping: DatasetMapping,
    *,
    batch_size: int = 2000,
    phone_region: str = "GB",
    actor: str = "system:import",
    progress: ProgressCallback | None = None,
) -> ImportSummary:
    """Import ``path`` with ``mapping``. Safe to run again on the same file, or after a kill."""
    source = open_partner_file(path, mapping)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        dataset = ensure_dataset(session, mapping)
        run, resumed_after = _start_run(session, dataset, source)
        state = _BatchWriter(dataset=dataset, run=run, source=source)
        state.dataset_had_records = (
            session.scalar(select(SourceRecord.id).where(SourceRecord.dataset_id == dataset.id).limit(1))
            is not None
        )
        state.known_quarantine = set(
            session.execute(
                select(QuarantineEntry.row_number, QuarantineEntry.column).where(
                    QuarantineEntry.dataset_id == dataset.id, QuarantineEntry.file_sha256 == source.sha256
                )
            )
        )
    processor = RowProcessor(mapping, phone_region=phone_region, received_at=run.started_at)

    def write(batch: _Batch) -> None:
        with factory.begin() as session:
            state.write(session, batch)
        if progress:
            progress(batch[-1][0], source.estimated_rows)

    pending: _Batch = []
    try:
        for row_number, row in source.rows(start_after=resumed_after):
            pending.append((row_number, processor.process(row_number, row), row))
            if len(pending) >= batch_size:
                write(pending)
                pending = []
        with factory.begin() as session:
            state.write(session, pending)
            state.finish(session, actor=actor, resumed_after=resumed_after)
    except BaseException as exc:
        # A clean failure is recorded; a kill leaves the run 'running' and the next import resumes it.
        with factory.begin() as session:
            session.execute(
                update(ImportRun)
                .where(ImportRun.id == run.id)
                .values(status="failed", error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=_now())
            )
        raise
    if progress:
        progress(source.estimated_rows, source.estimated_rows)
    return ImportSummary(
        run_id=run.id,
        agency=mapping.agency,
        dataset=mapping.dataset,
        file=str(path),
        rows_read=state.counts["read"],
        stored=state.counts["stored"],
        versioned=state.counts["versioned"],
        unchanged=state.counts["unchanged"],
        quarantined=state.counts["quarantined"],
        resumed_after_row=resumed_after,
    )


def _start_run(session: Session, dataset: Dataset, source: PartnerFile) -> tuple[ImportRun, int]:
    interrupted = session.scalar(
        select(ImportRun)
        .where(
            ImportRun.dataset_id == dataset.id,
            ImportRun.file_sha256 == source.sha256,
            ImportRun.status.in_(["running", "failed"]),
        )
        .order_by(ImportRun.id.desc())
        .limit(1)
    )
    resumed_after = 0
    if interrupted is not None:
        resumed_after = interrupted.checkpoint_row
        interrupted.status = "interrupted" if interrupted.status == "running" else "failed-resumed"
    run = ImportRun(
        dataset_id=dataset.id,
        file_name=source.path.name,
        file_sha256=source.sha256,
        file_size=source.size,
        mapping_hash=source.mapping.content_hash,
        status="running",
        checkpoint_row=resumed_after,
        resumed_from=interrupted.id if interrupted is not None else None,
        started_at=_now(),
    )
    session.add(run)
    session.flush()
    return run, resumed_after


class _BatchWriter:
    """Writes batches for one import run and keeps its counters."""

    def __init__(self, *, dataset: Dataset, run: ImportRun, source: PartnerFile) -> None:
        self.dataset_id = dataset.id
        self.agency_id = dataset.agency_id
        self.dataset_label = f"{source.mapping.agency}/{dataset.code}"
        self.run_id = run.id
        self.source = source
        self.known_quarantine: set[tuple[int, str]] = set()
        #: Latest (version, content hash) of every key this import has seen; authoritative for them.
        self.latest: dict[str, tuple[int, str]] = {}
        #: Whether the dataset held records before this import; if not, no key needs looking up.
        self.dataset_had_records = True
        self.counts = {"read": 0, "stored": 0, "versioned": 0, "unchanged": 0, "quarantined": 0}

    def write(
        self, session: Session, batch: list[tuple[int, ProcessedRow | list[RowError], dict[str, Any]]]
    ) -> None:
        good = [outcome for _, outcome, _ in batch if isinstance(outcome, ProcessedRow)]
        bad = [(number, outcome, raw) for number, outcome, raw in batch if isinstance(outcome, list)]
        new_rows = self._new_versions(session, good)
        record_ids = self._insert_records(session, new_rows)
        intelligence = [
            (row, rid) for (row, _), rid in zip(new_rows, record_ids, strict=True) if row.intelligence
        ]
        if intelligence:
            _insert_intelligence(session, self.agency_id, intelligence)
        self._insert_quarantine(session, bad)
        self.counts["read"] += len(batch)
        self.counts["quarantined"] += len(bad)
        if batch:
            session.execute(
                update(ImportRun)
                .where(ImportRun.id == self.run_id)
                .values(
                    checkpoint_row=batch[-1][0],
                    rows_read=self.counts["read"],
                    rows_stored=self.counts["stored"],
                    rows_versioned=self.counts["versioned"],
                    rows_unchanged=self.counts["unchanged"],
                    rows_quarantined=self.counts["quarantined"],
                )
            )

    def finish(self, session: Session, *, actor: str, resumed_after: int) -> None:
        session.execute(
            update(ImportRun)
            .where(ImportRun.id == self.run_id)
            .values(status="completed", finished_at=_now())
        )
        append_event(
            session,
            actor=actor,
            action="import",
            resource_type="dataset",
            resource_id=self.dataset_label,
            purpose="load partner register",
            details={
                "file": self.source.path.name,
                "sha256": self.source.sha256,
                "run": self.run_id,
                "resumed_after_row": resumed_after,
                **self.counts,
            },
        )

    def _new_versions(self, session: Session, rows: list[ProcessedRow]) -> list[tuple[ProcessedRow, int]]:
        """Rows whose content is new for their key, with the version each will get."""
        if not rows:
            return []
        latest = self.latest
        keys = list({row.source_key for row in rows} - latest.keys()) if self.dataset_had_records else []
        if keys:
            prefer_index_lookups(session)
        for start in range(0, len(keys), 5000):
            for key, version, digest in session.execute(
                select(SourceRecord.source_key, SourceRecord.version, SourceRecord.content_hash).where(
                    SourceRecord.dataset_id == self.dataset_id,
                    SourceRecord.source_key.in_(keys[start : start + 5000]),
                )
            ):
                if key not in latest or latest[key][0] < version:
                    latest[key] = (version, digest)
        fresh: list[tuple[ProcessedRow, int]] = []
        for row in rows:
            held = latest.get(row.source_key)
            if held is not None and held[1] == row.content_hash:
                self.counts["unchanged"] += 1
                continue
            version = held[0] + 1 if held else 1
            self.counts["versioned" if held else "stored"] += 1
            latest[row.source_key] = (version, row.content_hash)
            fresh.append((row, version))
        return fresh

    def _insert_records(self, session: Session, rows: list[tuple[ProcessedRow, int]]) -> list[int | None]:
        if not rows:
            return []
        params = [
            {
                "agency_id": self.agency_id,
                "dataset_id": self.dataset_id,
                "import_run_id": self.run_id,
                "source_key": row.source_key,
                "version": version,
                "content_hash": row.content_hash,
                "row_number": row.row_number,
                "original": row.original,
                "normalised": row.normalised,
                "handling_code": row.handling_code,
                "handling_conditions": [c.to_json() for c in row.handling_conditions],
                "classification": row.classification,
                "caveats": row.caveats,
                "threats": row.threats,
                "event_date": row.event_date,
                "received_at": row.received_at,
                "review_due": row.review_due,
                "stored_at": _now(),
            }
            for row, version in rows
        ]
        if not any(row.intelligence for row, _ in rows):
            bulk_insert(session, SourceRecord, params)
            return [None] * len(rows)
        result = session.execute(
            insert(SourceRecord).returning(SourceRecord.id, sort_by_parameter_order=True), params
        )
        return [int(r) for r in result.scalars()]

    def _insert_quarantine(
        self, session: Session, bad: Iterable[tuple[int, list[RowError], dict[str, Any]]]
    ) -> None:
        params = []
        for row_number, errors, raw in bad:
            for error in errors:
                if (row_number, error.column) in self.known_quarantine:
                    continue
                self.known_quarantine.add((row_number, error.column))
                params.append(
                    {
                        "dataset_id": self.dataset_id,
                        "import_run_id": self.run_id,
                        "file_name": self.source.path.name,
                        "file_sha256": self.source.sha256,
                        "row_number": row_number,
                        "column": error.column,
                        "field": error.field,
                        "reason": error.reason,
                        "raw": json_safe(raw),
                        "created_at": _now(),
                    }
                )
        bulk_insert(session, QuarantineEntry, params)


def _insert_intelligence(
    session: Session, agency_id: int, rows: list[tuple[ProcessedRow, int | None]]
) -> None:
    report_ids = session.execute(
        insert(IntelligenceReport).returning(IntelligenceReport.id, sort_by_parameter_order=True),
        [
            {
                "source_record_id": record_id,
                "agency_id": agency_id,
                "urn": row.intelligence.urn,
                "classification": row.classification,
                "caveats": row.caveats,
                "threats": row.threats,
                "text_sanitised": row.intelligence.text_sanitised,
                "text_raw": row.intelligence.text_raw,
                "reported_on": row.event_date,
                "created_at": _now(),
            }
            for row, record_id in rows
            if row.intelligence
        ],
    ).scalars()
    evaluations: list[dict[str, Any]] = []
    subjects: list[dict[str, Any]] = []
    for (row, _), report_id in zip(rows, report_ids, strict=True):
        part = row.intelligence
        assert part is not None
        evaluations.append(
            {
                "report_id": report_id,
                "source_evaluation": part.grading.source if part.grading else None,
                "intelligence_assessment": part.grading.assessment if part.grading else None,
                "handling_code": row.handling_code,
                "handling_conditions": [c.to_json() for c in row.handling_conditions],
                "legacy_grading": part.legacy.code if part.legacy else None,
                "evaluated_by": "import",
                "rationale": "as graded by the originating agency",
                "evaluated_at": _now(),
            }
        )
        for party, fields in row.normalised.items():
            subjects.append(
                {
                    "report_id": report_id,
                    "party": party,
                    "kind": party_kind(fields),
                    "display": party_display(fields),
                }
            )
    session.execute(insert(IntelligenceEvaluation), evaluations)
    if subjects:
        session.execute(insert(ReportSubject), subjects)


_KIND_BY_FIELD: list[tuple[EntityKind, tuple[str, ...]]] = [
    (EntityKind.PERSON, ("full_name", "given_name", "family_name", "dob", "nino", "alias")),
    (EntityKind.BUSINESS, ("business_name", "company_number")),
    (EntityKind.PREMISES, ("uprn", "address", "postcode")),
    (EntityKind.VEHICLE, ("vrm", "vin")),
    (EntityKind.PHONE, ("phone",)),
    (EntityKind.EMAIL, ("email",)),
    (EntityKind.BANK_ACCOUNT, ("account",)),
    (EntityKind.ONLINE_ACCOUNT, ("handle",)),
]


def identifies_something(fields: dict[str, Any]) -> bool:
    """Whether a party carries any field that names a person or thing (a name, address, VRM, phone...).

    A party of descriptive fields only (a seizure's port, commodity and quantity) is detail of its
    record, not a person or thing that linkage could resolve.
    """
    return any(name in fields for _, names in _KIND_BY_FIELD for name in names)


def party_kind(fields: dict[str, Any]) -> EntityKind:
    """The main kind of thing a party describes: a person with an address is still a person."""
    for kind, names in _KIND_BY_FIELD:
        if any(name in fields for name in names):
            return kind
    return EntityKind.PERSON


def party_display(fields: dict[str, Any]) -> str:
    """A short human label for a party, from its most telling field."""
    for name in (
        "full_name",
        "business_name",
        "address",
        "vrm",
        "phone",
        "email",
        "handle",
        "account",
        "uprn",
    ):
        value = fields.get(name)
        if value:
            text = value[0] if isinstance(value, list) else value
            postcode = fields.get("postcode")
            if name == "address" and postcode:
                return f"{text}, {postcode}"[:300]
            return str(text)[:300]
    return ", ".join(f"{k}={v}" for k, v in fields.items())[:300]


def _now() -> datetime:
    return datetime.now(UTC)
