"""Streaming readers for partner files: CSV, XLSX, JSON Lines and FollowTheMoney entities.

Each yields ``(row_number, {column: value})`` where ``row_number`` is what a person opening the file
sees: the spreadsheet row (the header is row 1) for CSV and XLSX, the line number for JSON Lines.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from crimelink.errors import ImportFileError
from crimelink.ingest.mapping import DatasetMapping

Row = dict[str, Any]


@dataclass(frozen=True)
class PartnerFile:
    """A partner file opened with its mapping: header, size and content hash known up front."""

    path: Path
    mapping: DatasetMapping
    sha256: str
    size: int
    header: tuple[str, ...]
    estimated_rows: int

    def rows(self, *, start_after: int = 0) -> Iterator[tuple[int, Row]]:
        """Data rows, skipping those numbered ``start_after`` or lower (for resuming)."""
        fmt = self.mapping.file_format(self.path)
        if fmt == "csv":
            yield from _csv_rows(self, start_after)
        elif fmt == "xlsx":
            yield from _xlsx_rows(self, start_after)
        elif fmt == "ftm":
            from crimelink.ingest.ftm import ftm_rows  # FollowTheMoney entities (docs/exports.md)

            yield from ftm_rows(self.path, start_after)
        else:
            yield from _jsonl_rows(self, start_after)


def open_partner_file(path: Path, mapping: DatasetMapping) -> PartnerFile:
    """Check the file can be read and carries every mapped column; hash it for idempotent imports."""
    if not path.is_file():
        raise ImportFileError(str(path), "no such file")
    digest = hashlib.sha256()
    lines = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    fmt = mapping.file_format(path)
    if fmt == "csv":
        header = _csv_header(path, mapping)
        estimated = max(lines - 1, 0)
    elif fmt == "xlsx":
        header, estimated = _xlsx_header(path, mapping)
    elif fmt == "ftm":
        header, estimated = (), lines
    else:
        header, estimated = _jsonl_header(path), lines
    wanted = [mapping.record_id, *mapping.columns]
    if fmt in ("csv", "xlsx"):
        missing = [column for column in wanted if column not in header]
        if missing:
            raise ImportFileError(
                str(path),
                f"the mapping names column(s) {', '.join(repr(m) for m in missing)} that are not in the header; "
                f"the header has: {', '.join(repr(h) for h in header)}",
            )
    return PartnerFile(path, mapping, digest.hexdigest(), path.stat().st_size, header, estimated)


def _csv_header(path: Path, mapping: DatasetMapping) -> tuple[str, ...]:
    try:
        with path.open(newline="", encoding=mapping.encoding) as handle:
            first = next(csv.reader(handle, delimiter=mapping.delimiter), None)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            str(path), f"not readable as {mapping.encoding} ({exc.reason}); set 'encoding' in the mapping"
        ) from None
    if not first:
        raise ImportFileError(str(path), "the file is empty: expected a header row")
    return tuple(h.strip() for h in first)


def _csv_rows(source: PartnerFile, start_after: int) -> Iterator[tuple[int, Row]]:
    header = source.header
    width = len(header)
    with source.path.open(newline="", encoding=source.mapping.encoding) as handle:
        reader = csv.reader(handle, delimiter=source.mapping.delimiter)
        next(reader, None)
        row_number = 1
        try:
            for cells in reader:
                row_number += 1
                if row_number <= start_after or not cells:
                    continue
                if len(cells) != width:
                    # Short rows are padded; extra cells are kept under numbered names so nothing is lost.
                    row = dict(zip(header, cells, strict=False))
                    for index in range(width, len(cells)):
                        row[f"_extra_{index + 1}"] = cells[index]
                    yield row_number, row
                else:
                    yield row_number, dict(zip(header, cells, strict=True))
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                str(source.path),
                f"row {row_number + 1}: not readable as {source.mapping.encoding} ({exc.reason})",
            ) from None
        except csv.Error as exc:
            raise ImportFileError(str(source.path), f"row {row_number}: malformed CSV ({exc})") from None


def _open_sheet(path: Path, mapping: DatasetMapping) -> Any:
    from openpyxl import load_workbook  # imported here: only XLSX imports pay for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a bad file
        raise ImportFileError(str(path), f"not a readable XLSX workbook ({exc})") from None
    if mapping.sheet is None:
        return workbook, workbook.worksheets[0]
    if mapping.sheet not in workbook.sheetnames:
        raise ImportFileError(
            str(path), f"no sheet named {mapping.sheet!r}; the workbook has {', '.join(workbook.sheetnames)}"
        )
    return workbook, workbook[mapping.sheet]


def _xlsx_header(path: Path, mapping: DatasetMapping) -> tuple[tuple[str, ...], int]:
    workbook, sheet = _open_sheet(path, mapping)
    try:
        first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
        if not first:
            raise ImportFileError(str(path), "the sheet is empty: expected a header row")
        header = tuple("" if h is None else str(h).strip() for h in first)
        return header, max((sheet.max_row or 1) - 1, 0)
    finally:
        workbook.close()


def _xlsx_rows(source: PartnerFile, start_after: int) -> Iterator[tuple[int, Row]]:
    workbook, sheet = _open_sheet(source.path, source.mapping)
    header = source.header
    try:
        for row_number, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
            if row_number <= start_after or all(c is None for c in cells):
                continue
            yield row_number, {h: _cell(v) for h, v in zip(header, cells, strict=False) if h}
    finally:
        workbook.close()


def _cell(value: Any) -> Any:
    # Midnight datetimes in XLSX are dates typed into date cells.
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date()
    return value


def _jsonl_header(path: Path) -> tuple[str, ...]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                try:
                    first = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ImportFileError(str(path), f"line 1: not JSON ({exc.msg})") from None
                if not isinstance(first, dict):
                    raise ImportFileError(str(path), "each line must be a JSON object")
                return tuple(first)
    raise ImportFileError(str(path), "the file is empty")


def _jsonl_rows(source: PartnerFile, start_after: int) -> Iterator[tuple[int, Row]]:
    with source.path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if line_number <= start_after or not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield line_number, {"__bad_line__": f"not JSON ({exc.msg})", "__raw__": line[:2000]}
                continue
            if not isinstance(value, dict):
                yield line_number, {"__bad_line__": "not a JSON object", "__raw__": line[:2000]}
                continue
            yield line_number, value


def json_safe(value: Any) -> Any:
    """A value as it can be kept in a JSON column (dates as ISO text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return str(value)
