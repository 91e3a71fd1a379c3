"""Exports other tools read: FollowTheMoney, CSV, i2 Analyst's Notebook CSV, GraphML and GEXF.

:func:`run_export` is what the CLI, the API and the export page call: it reads what the actor may see of
the scope (:func:`crimelink.services.exports.export_snapshot`, built on the access-filtered network),
writes it in one format and audits the export (format, scope, counts) in the caller's transaction; the
caller commits. docs/exports.md describes the formats and their mappings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import IO

from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.reports.exports.ftm import validate_entity, write_ftm
from crimelink.reports.exports.graphs import write_gexf, write_graphml
from crimelink.reports.exports.tables import write_csv_zip, write_i2
from crimelink.services.exports import (
    ExportScope,
    ExportSnapshot,
    ProgressCallback,
    audit_export,
    export_snapshot,
)

__all__ = [
    "FORMATS",
    "ExportFormat",
    "ExportResult",
    "ExportScope",
    "FormatInfo",
    "export_filename",
    "run_export",
    "validate_entity",
]


class ExportFormat(StrEnum):
    FTM = "ftm"
    CSV = "csv"
    I2 = "i2"
    GRAPHML = "graphml"
    GEXF = "gexf"


@dataclass(frozen=True)
class FormatInfo:
    label: str
    #: File name ending, e.g. ``.ftm.json``.
    extension: str
    media_type: str
    #: What the file is for, in a sentence (shown on the export page).
    purpose: str


FORMATS: dict[ExportFormat, FormatInfo] = {
    ExportFormat.FTM: FormatInfo(
        "FollowTheMoney entities",
        ".ftm.json",
        "application/x-ndjson",
        "Line-delimited FollowTheMoney entities, validated with the followthemoney library: load them "
        "into Aleph, or work on them with the ftm and nomenklatura tools.",
    ),
    ExportFormat.CSV: FormatInfo(
        "Entity and link CSV",
        ".csv.zip",
        "application/zip",
        "entities.csv (one row per entity, its identifiers and the records behind it) and links.csv "
        "(one row per link) in a zip, for spreadsheets and other tools.",
    ),
    ExportFormat.I2: FormatInfo(
        "i2 Analyst's Notebook CSV",
        ".i2.csv",
        "text/csv",
        "One row per link with both ends' identity, type, label and attributes, for i2's import wizard.",
    ),
    ExportFormat.GRAPHML: FormatInfo(
        "GraphML",
        ".graphml",
        "application/graphml+xml",
        "The network with typed node and edge attributes, for Gephi, yEd, Cytoscape or networkx.",
    ),
    ExportFormat.GEXF: FormatInfo(
        "GEXF (Gephi)",
        ".gexf",
        "application/gexf+xml",
        "Gephi's own format: labels, edge weights, typed attributes, nodes coloured by kind.",
    ),
}

_Writer = Callable[[ExportSnapshot, IO[bytes], Callable[[int, int], None] | None], None]
WRITERS: dict[ExportFormat, _Writer] = {
    ExportFormat.FTM: write_ftm,
    ExportFormat.CSV: write_csv_zip,
    ExportFormat.I2: write_i2,
    ExportFormat.GRAPHML: write_graphml,
    ExportFormat.GEXF: write_gexf,
}


@dataclass(frozen=True)
class ExportResult:
    """What one export wrote."""

    format: ExportFormat
    filename: str
    media_type: str
    entities: int
    links: int
    bytes: int
    marking: str
    scope_text: str


class _Counting:
    """Counts the bytes written through it."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.count = 0

    def write(self, data: bytes) -> int:
        self.count += len(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()


def export_filename(export_format: ExportFormat, scope: ExportScope, on: date) -> str:
    """e.g. ``crimelink-group-3-2026-11-29.graphml``."""
    part = f"group-{scope.group_id}" if scope.group_id is not None else scope.kind
    return f"crimelink-{part}-{on.isoformat()}{FORMATS[export_format].extension}"


def run_export(
    session: Session,
    actor: Actor,
    export_format: ExportFormat | str,
    *,
    out: IO[bytes],
    scope: ExportScope | None = None,
    today: date | None = None,
    progress: ProgressCallback | None = None,
) -> ExportResult:
    """Write what ``actor`` may see of ``scope`` to ``out`` in ``export_format``; audited (commit after).

    Example: ``run_export(session, analyst, "graphml", out=handle, scope=ExportScope(group_id=3))``.
    """
    fmt = ExportFormat(export_format)
    scope = scope or ExportScope()
    snapshot = export_snapshot(session, actor, scope=scope, today=today, progress=progress)
    counting = _Counting(out)
    label = f"writing {FORMATS[fmt].label}"

    def writing(done: int, total: int) -> None:
        if progress is not None:
            progress(label, done, total)

    WRITERS[fmt](snapshot, counting, writing)  # type: ignore[arg-type]
    audit_export(session, actor, snapshot, export_format=fmt.value, size_bytes=counting.count)
    info = FORMATS[fmt]
    return ExportResult(
        format=fmt,
        filename=export_filename(fmt, scope, snapshot.as_of),
        media_type=info.media_type,
        entities=len(snapshot.entities),
        links=len(snapshot.links),
        bytes=counting.count,
        marking=snapshot.marking,
        scope_text=snapshot.scope_text,
    )
