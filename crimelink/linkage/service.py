"""`link_files`: dedupe one partner file or link two, with the product's normalisers and model.

Writes three CSV files to the output directory:

- ``pairs.csv``: left_source, left_record_id, right_source, right_record_id, match_probability,
  match_weight, method (deterministic | probabilistic), evidence (the shared identifier, if any)
- ``clusters.csv``: source, record_id, cluster_id (records in one cluster are judged one person)
- ``quarantine.csv``: source, row_number, column, field, reason for every field that could not be read;
  a row whose only faults are in some fields is still linked on the others (the reason says so), a row
  without a readable record id or any identifying field is not linked at all
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from crimelink.errors import InvalidInputError
from crimelink.ingest.mapping import DatasetMapping
from crimelink.ingest.readers import open_partner_file
from crimelink.ingest.rows import RowProcessor
from crimelink.linkage.engine import DuckDBEngine, LinkageEngine, LinkResult, StepCallback
from crimelink.linkage.records import PersonRecord, person_from_party

PAIRS_HEADER = (
    "left_source",
    "left_record_id",
    "right_source",
    "right_record_id",
    "match_probability",
    "match_weight",
    "method",
    "evidence",
)
CLUSTERS_HEADER = ("source", "record_id", "cluster_id")
QUARANTINE_HEADER = ("source", "row_number", "column", "field", "reason")


@dataclass(frozen=True)
class LinkSummary:
    """What a linkage run found. ``pairs`` counts both methods; clusters include single records."""

    records: int
    pairs: int
    deterministic_pairs: int
    probabilistic_pairs: int
    cross_source_pairs: int
    clusters: int
    quarantined: int
    #: Faulty fields left out of rows that were still linked on their other fields.
    fields_left_out: int
    skipped_without_person: int
    trained: bool
    seconds: float
    out_dir: Path


@dataclass(frozen=True)
class _Quarantined:
    source: str
    row_number: int
    column: str
    field: str
    reason: str
    #: True when the row was still linked with this field left out.
    linked: bool = False


def link_files(
    paths: list[Path],
    mapping: DatasetMapping,
    party: str = "subject",
    *,
    threshold: float = 0.9,
    out_dir: Path,
    engine: LinkageEngine | None = None,
    phone_region: str = "GB",
    identifier_attributes: tuple[str, ...] = (),
    step: StepCallback | None = None,
) -> LinkSummary:
    """Dedupe one file, or link two (and dedupe each), writing pairs, clusters and quarantine CSVs.

    ``identifier_attributes`` names typed attributes of the party (e.g. ``soc_sec_id``) that are treated
    as strong identifiers, like a NINO.
    Example: ``link_files([Path("a.csv"), Path("b.csv")], mapping, out_dir=Path("out")).clusters``.
    """
    if not 1 <= len(paths) <= 2:
        raise InvalidInputError("give one file to dedupe or two files to link")
    if not 0.0 < threshold < 1.0:
        raise InvalidInputError("the threshold is a match probability between 0 and 1, e.g. 0.9")
    started = time.perf_counter()
    say = step or (lambda _message: None)
    sources = _source_names(paths)
    records: list[PersonRecord] = []
    quarantine: list[_Quarantined] = []
    skipped = 0
    for path, source in zip(paths, sources, strict=True):
        say(f"reading {path.name}")
        skipped += _read_file(
            path,
            source,
            mapping,
            party,
            records=records,
            quarantine=quarantine,
            phone_region=phone_region,
            identifier_attributes=identifier_attributes,
        )
    result = (engine or DuckDBEngine()).link(records, threshold=threshold, step=say)
    out_dir.mkdir(parents=True, exist_ok=True)
    say(f"writing results to {out_dir}")
    _write_outputs(out_dir, records, result, quarantine)
    by_id = {r.unique_id: r for r in records}
    return LinkSummary(
        records=len(records),
        pairs=len(result.pairs),
        deterministic_pairs=sum(p.method == "deterministic" for p in result.pairs),
        probabilistic_pairs=sum(p.method == "probabilistic" for p in result.pairs),
        cross_source_pairs=sum(by_id[p.left_id].source != by_id[p.right_id].source for p in result.pairs),
        clusters=len(set(result.clusters.values())),
        quarantined=len({(q.source, q.row_number) for q in quarantine if not q.linked}),
        fields_left_out=sum(q.linked for q in quarantine),
        skipped_without_person=skipped,
        trained=result.trained,
        seconds=round(time.perf_counter() - started, 3),
        out_dir=out_dir,
    )


def _source_names(paths: Sequence[Path]) -> list[str]:
    names = [path.name for path in paths]
    if len(set(names)) < len(names):
        names = [f"{index + 1}:{name}" for index, name in enumerate(names)]
    return names


def _read_file(
    path: Path,
    source: str,
    mapping: DatasetMapping,
    party: str,
    *,
    records: list[PersonRecord],
    quarantine: list[_Quarantined],
    phone_region: str,
    identifier_attributes: tuple[str, ...],
) -> int:
    """Append the file's persons to ``records``, bad rows to ``quarantine``; return rows without a person."""
    partner_file = open_partner_file(path, mapping)
    processor = RowProcessor(mapping, phone_region=phone_region, received_at=datetime.now(UTC))
    skipped = 0
    for row_number, row in partner_file.rows():
        processed = processor.process(row_number, row)
        if isinstance(processed, list):
            # A row whose only faults are in some fields is still linked on the others: the faulty
            # fields are left out and listed (an impossible date of birth should not hide a name).
            bad = {error.column for error in processed}
            retry = (
                processed
                if mapping.record_id in bad
                else processor.process(row_number, {k: ("" if k in bad else v) for k, v in row.items()})
            )
            linked = not isinstance(retry, list)
            note = "; the row was linked without this field" if linked else ""
            quarantine.extend(
                _Quarantined(source, row_number, e.column, e.field, e.reason + note, linked)
                for e in processed
            )
            if isinstance(retry, list):
                continue
            processed = retry
        fields = processed.normalised.get(party)
        person = None
        if fields:
            person = person_from_party(
                fields,
                unique_id=len(records),
                source=source,
                record_id=processed.source_key,
                identifier_attributes=identifier_attributes,
            )
        if person is None:
            skipped += 1
        else:
            records.append(person)
    return skipped


def _write_outputs(
    out_dir: Path, records: Sequence[PersonRecord], result: LinkResult, quarantine: Sequence[_Quarantined]
) -> None:
    by_id = {record.unique_id: record for record in records}
    with (out_dir / "pairs.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PAIRS_HEADER)
        for pair in result.pairs:
            left, right = by_id[pair.left_id], by_id[pair.right_id]
            weight = "" if pair.match_weight is None else f"{pair.match_weight:.3f}"
            writer.writerow(
                (
                    left.source,
                    left.record_id,
                    right.source,
                    right.record_id,
                    f"{pair.match_probability:.6f}",
                    weight,
                    pair.method,
                    pair.evidence,
                )
            )
    with (out_dir / "clusters.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CLUSTERS_HEADER)
        for record in records:
            writer.writerow(
                (record.source, record.record_id, result.clusters.get(record.unique_id, record.unique_id))
            )
    with (out_dir / "quarantine.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(QUARANTINE_HEADER)
        for item in quarantine:
            writer.writerow((item.source, item.row_number, item.column, item.field, item.reason))
