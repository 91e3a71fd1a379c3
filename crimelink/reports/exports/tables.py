"""CSV exports: ``entities.csv`` and ``links.csv`` (in one zip), and the i2 Analyst's Notebook link table.

Both are plain UTF-8 CSV with a header row (with a byte-order mark, so Excel and i2's import wizard read
accented names correctly). Multiple values in one cell are separated by ``; ``. The column mapping an
analyst picks in i2's import wizard is in docs/exports.md.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from typing import IO

from crimelink.domain import EntityKind
from crimelink.services.exports import ExportEntity, ExportLink, ExportSnapshot

SEPARATOR = "; "
#: Identifying fields as columns of entities.csv (every kind's, blank where a kind has none).
IDENTIFIER_COLUMNS = (
    "full_name",
    "alias",
    "dob",
    "nino",
    "address",
    "postcode",
    "uprn",
    "vrm",
    "vin",
    "phone",
    "email",
    "business_name",
    "company_number",
    "account",
    "handle",
)
ENTITY_COLUMNS = (
    "entity_id",
    "kind",
    "label",
    *IDENTIFIER_COLUMNS,
    "agencies",
    "threats",
    "child",
    "vulnerable_adult",
    "record_count",
    "records",
    "marking",
)
LINK_COLUMNS = (
    "source_id",
    "source_kind",
    "source_label",
    "target_id",
    "target_kind",
    "target_label",
    "relation",
    "kinds",
    "roles",
    "weight",
    "evidence_count",
    "first_seen",
    "last_seen",
    "agencies",
    "gradings",
    "records",
    "marking",
)
#: i2 entity types (the icon an analyst maps each to) for each kind of entity.
I2_TYPES: dict[EntityKind, str] = {
    EntityKind.PERSON: "Person",
    EntityKind.PREMISES: "Address",
    EntityKind.VEHICLE: "Vehicle",
    EntityKind.PHONE: "Telephone",
    EntityKind.EMAIL: "Email Address",
    EntityKind.BUSINESS: "Organisation",
    EntityKind.BANK_ACCOUNT: "Account",
    EntityKind.ONLINE_ACCOUNT: "Online Account",
}
I2_LINK_TYPES = {
    "FAMILY": "Family",
    "ASSOCIATE": "Associate",
    "DIRECTORSHIP": "Director",
    "OWNERSHIP": "Owner",
    "EMPLOYMENT": "Employment",
    "OTHER": "Linked",
}
_END_COLUMNS = ("Identity", "Type", "Label", "Date of Birth", "Identifiers", "Agencies", "Threats")
I2_COLUMNS = (
    *(f"Entity 1 {c}" for c in _END_COLUMNS),
    "Link Type",
    "Link Label",
    "Link Strength",
    "Link Weight",
    "Link Date",
    "Link End Date",
    "Link Records",
    "Link Grading",
    *(f"Entity 2 {c}" for c in _END_COLUMNS),
    "Marking",
)
#: Intelligence source evaluation -> i2's link strength; a register record (no grading) is Confirmed.
I2_STRENGTH = {"1": "Confirmed", "2": "Unconfirmed", "3": "Tentative"}


def _join(values: Iterable[str]) -> str:
    return SEPARATOR.join(values)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def entity_row(entity: ExportEntity) -> dict[str, str]:
    row = {
        "entity_id": str(entity.entity_id),
        "kind": entity.kind.value,
        "label": entity.label,
        **{name: _join(entity.values.get(name, ())) for name in IDENTIFIER_COLUMNS},
        "agencies": _join(entity.agencies),
        "threats": _join(entity.threats),
        "child": _flag(entity.child),
        "vulnerable_adult": _flag(entity.vulnerable_adult),
        "record_count": str(len(entity.records)),
        "records": _join(r.reference for r in entity.records),
        "marking": entity.marking,
    }
    return row


def link_row(link: ExportLink, entities: dict[int, ExportEntity]) -> dict[str, str]:
    source, target = entities[link.source], entities[link.target]
    return {
        "source_id": str(source.entity_id),
        "source_kind": source.kind.value,
        "source_label": source.label,
        "target_id": str(target.entity_id),
        "target_kind": target.kind.value,
        "target_label": target.label,
        "relation": link.relation.value,
        "kinds": _join(link.kinds),
        "roles": link.roles,
        "weight": f"{link.weight:g}",
        "evidence_count": str(len(link.records)),
        "first_seen": link.first_seen.isoformat() if link.first_seen else "",
        "last_seen": link.last_seen.isoformat() if link.last_seen else "",
        "agencies": _join(sorted({r.agency for r in link.records})),
        "gradings": _join(sorted({e.grading for e in link.evidence if e.grading})),
        "records": _join(r.reference for r in link.records),
        "marking": link.marking,
    }


def _csv_bytes(columns: Sequence[str], rows: Iterable[dict[str, str]]) -> bytes:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def entities_csv(snapshot: ExportSnapshot) -> bytes:
    return _csv_bytes(ENTITY_COLUMNS, (entity_row(e) for e in snapshot.entities))


def links_csv(snapshot: ExportSnapshot) -> bytes:
    index = snapshot.index()
    return _csv_bytes(LINK_COLUMNS, (link_row(link, index) for link in snapshot.links))


def write_csv_zip(
    snapshot: ExportSnapshot, out: IO[bytes], progress: Callable[[int, int], None] | None = None
) -> None:
    """``entities.csv`` and ``links.csv`` in one zip archive."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("entities.csv", entities_csv(snapshot))
        if progress:
            progress(1, 2)
        archive.writestr("links.csv", links_csv(snapshot))
        if progress:
            progress(2, 2)


# --- i2 Analyst's Notebook ---------------------------------------------------------------------------


def _identifiers(entity: ExportEntity) -> str:
    parts = [
        f"{name}: {value}"
        for name in IDENTIFIER_COLUMNS
        if name not in ("full_name", "dob")
        for value in entity.values.get(name, ())
    ]
    return _join(parts)


def _end(entity: ExportEntity | None) -> list[str]:
    if entity is None:
        return [""] * len(_END_COLUMNS)
    return [
        f"E{entity.entity_id}",
        I2_TYPES[entity.kind],
        entity.label,
        _join(entity.values.get("dob", ())),
        _identifiers(entity),
        _join(entity.agencies),
        _join(entity.threats),
    ]


def i2_strength(link: ExportLink) -> str:
    """The strongest source evaluation behind the link, as i2's link strength."""
    best = "3"
    for item in link.evidence:
        code = item.grading[0] if item.grading and item.grading[0] in I2_STRENGTH else None
        if item.grading is None:
            return I2_STRENGTH["1"]
        if code is not None and code < best:
            best = code
    return I2_STRENGTH[best]


def i2_rows(snapshot: ExportSnapshot) -> Iterable[list[str]]:
    """One row per link (both ends' identity, type, label and attributes), then one per unlinked entity."""
    index = snapshot.index()
    linked: set[int] = set()
    for link in snapshot.links:
        linked.update((link.source, link.target))
        yield [
            *_end(index[link.source]),
            I2_LINK_TYPES[link.relation.value],
            link.roles,
            i2_strength(link),
            f"{link.weight:g}",
            link.first_seen.isoformat() if link.first_seen else "",
            link.last_seen.isoformat() if link.last_seen else "",
            _join(r.reference for r in link.records),
            _join(sorted({e.grading for e in link.evidence if e.grading})),
            *_end(index[link.target]),
            link.marking,
        ]
    for entity in snapshot.entities:
        if entity.entity_id not in linked:
            yield [*_end(entity), *([""] * 8), *_end(None), entity.marking]


def write_i2(
    snapshot: ExportSnapshot, out: IO[bytes], progress: Callable[[int, int], None] | None = None
) -> None:
    """The i2 Analyst's Notebook import table (one CSV)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(I2_COLUMNS)
    writer.writerows(i2_rows(snapshot))
    out.write(("\ufeff" + text.getvalue()).encode("utf-8"))
    if progress:
        progress(1, 1)
