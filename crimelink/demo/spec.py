"""Agencies and dataset specifications: columns, the mapping YAML (``docs/mapping.md``) and file layout."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from crimelink.demo.noise import Formatter, Style
from crimelink.demo.world import Person, Premises, World
from crimelink.domain.codes import AgencyKind, DataCategory, DatasetKind

Cell = str | int | float | bool | date | datetime | None
Row = dict[str, Cell]
Truth = dict[str, str]


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    kind: AgencyKind
    contact: str

    @property
    def directory(self) -> str:
        return self.code.lower()

    def manifest(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "kind": self.kind.value, "contact": self.contact}


@dataclass(frozen=True)
class Column:
    """One column of a partner file and where it maps to (``None``: kept as read, not mapped)."""

    name: str
    to: str | None = None
    type: str | None = None
    multiple: bool = False
    separator: str = ";"

    @property
    def field(self) -> str:
        return (self.to or "").rpartition(".")[2]

    def mapping(self) -> str | dict[str, object]:
        assert self.to is not None
        if self.type is None and not self.multiple:
            return self.to
        entry: dict[str, object] = {"to": self.to}
        if self.type is not None:
            entry["type"] = self.type
        if self.multiple:
            entry["multiple"] = True
            entry["separator"] = self.separator
        return entry


@dataclass(frozen=True)
class Defaults:
    handling_code: str = "P"
    handling_conditions: tuple[str, ...] = ()
    classification: str = "OFFICIAL"
    caveats: tuple[str, ...] = ()
    review_after_days: int = 365

    def mapping(self) -> dict[str, object]:
        return {
            "handling_code": self.handling_code,
            "handling_conditions": list(self.handling_conditions),
            "classification": self.classification,
            "caveats": list(self.caveats),
            "review_after_days": self.review_after_days,
        }


@dataclass(frozen=True)
class DatasetSpec:
    """A partner dataset as the partner exports it, and its column mapping."""

    agency: Agency
    dataset: str
    title: str
    kind: DatasetKind
    category: DataCategory
    file_format: str  # csv | xlsx | jsonl
    record_id: str
    columns: tuple[Column, ...]
    share: float  # this dataset's share of the requested total row count
    defaults: Defaults = field(default_factory=Defaults)
    date_order: str = "DMY"
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def key(self) -> str:
        return f"{self.agency.code}/{self.dataset}"

    @property
    def file(self) -> str:
        return f"{self.agency.directory}/{self.dataset}.{self.file_format}"

    @property
    def mapping_file(self) -> str:
        return f"{self.agency.directory}/{self.dataset}.mapping.yaml"

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    def column_for(self, predicate: Callable[[Column], bool]) -> Column | None:
        return next((c for c in self.columns if c.to and predicate(c)), None)

    def mapping(self) -> dict[str, object]:
        """The mapping document, in the key order of ``docs/mapping.md``."""
        doc: dict[str, object] = {
            "dataset": self.dataset,
            "title": self.title,
            "agency": self.agency.code,
            "kind": self.kind.value,
            "category": self.category.value,
            "format": self.file_format,
        }
        if self.sheet:
            doc["sheet"] = self.sheet
        if self.encoding:
            doc["encoding"] = self.encoding
        if self.delimiter:
            doc["delimiter"] = self.delimiter
        doc["date_order"] = self.date_order
        doc["record_id"] = self.record_id
        doc["defaults"] = self.defaults.mapping()
        doc["columns"] = {c.name: c.mapping() for c in self.columns if c.to}
        return doc


@dataclass
class RenderContext:
    """What a renderer needs besides the fact: the agency's formatter, the row number and a memo."""

    fmt: Formatter
    world: World
    number: int = 0
    counter: int = 0  # for numbering groups of rows (cases, inspections)
    memo: dict[int, str] = field(default_factory=dict)  # stable per-person references within a dataset


@dataclass(frozen=True)
class Dataset:
    """A spec plus how to write one fact as a row, and how to invent background facts."""

    spec: DatasetSpec
    style: Style
    fact_type: type
    render: Callable[[Any, RenderContext], tuple[Row, Truth]]
    background: Callable[[World], Iterator[Any]]


def person_truth(truth: Truth, party: str, person: Person | None, *, address: Premises | None = None) -> None:
    """Record a person party and, when the row gives that person's address, the premises behind it."""
    if person is None:
        return
    truth[party] = person.id
    if address is not None:
        truth[f"{party}.address"] = address.id
