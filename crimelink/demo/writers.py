"""Streaming writers for partner files (CSV, XLSX, JSON Lines), byte-identical for the same input."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from openpyxl import Workbook

from crimelink.demo.spec import Cell, DatasetSpec, Row

# Everything inside an XLSX (zip entry times, document properties) carries this fixed time so that the
# same seed gives the same bytes.
_FIXED_ZIP_TIME = (2026, 11, 1, 0, 0, 0)
_FIXED_XML_TIME = "2026-11-01T00:00:00Z"


class RowWriter(Protocol):
    def write(self, row: Row) -> None: ...

    def close(self) -> None: ...


class CsvRowWriter:
    def __init__(self, path: Path, spec: DatasetSpec) -> None:
        encoding = spec.encoding or "utf-8"
        self._header = spec.header
        self._file = path.open("w", encoding=encoding, newline="")
        self._writer = csv.writer(self._file, delimiter=spec.delimiter or ",", lineterminator="\r\n")
        self._writer.writerow(self._header)

    def write(self, row: Row) -> None:
        self._writer.writerow([_text(row.get(name)) for name in self._header])

    def close(self) -> None:
        self._file.close()


class JsonlRowWriter:
    def __init__(self, path: Path, spec: DatasetSpec) -> None:
        self._header = spec.header
        self._file = path.open("w", encoding="utf-8", newline="\n")

    def write(self, row: Row) -> None:
        record = {name: _json_value(row.get(name)) for name in self._header}
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._file.close()


class XlsxRowWriter:
    """Write-only openpyxl workbook with real date cells, normalised afterwards for reproducible bytes."""

    def __init__(self, path: Path, spec: DatasetSpec) -> None:
        self._path = path
        self._header = spec.header
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(spec.sheet or "Sheet1")
        self._sheet.append(self._header)

    def write(self, row: Row) -> None:
        self._sheet.append([_xlsx_value(row.get(name)) for name in self._header])

    def close(self) -> None:
        self._workbook.save(self._path)
        _make_reproducible(self._path)


def open_writer(path: Path, spec: DatasetSpec) -> RowWriter:
    if spec.file_format == "csv":
        return CsvRowWriter(path, spec)
    if spec.file_format == "jsonl":
        return JsonlRowWriter(path, spec)
    return XlsxRowWriter(path, spec)


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _json_value(value: Cell) -> str | int | float | bool | None:
    if value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _xlsx_value(value: Cell) -> Cell:
    return None if value == "" else value


def _make_reproducible(path: Path) -> None:
    """Rewrite the zip with fixed entry times and fixed created/modified document properties."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            if name == "docProps/core.xml":
                text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", _FIXED_XML_TIME, data.decode("utf-8"))
                data = text.encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, data)
    path.write_bytes(buffer.getvalue())
