"""Shared fixtures of the entity-resolution tests: a tiny people register imported into a store."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from crimelink.domain import AgencyKind
from crimelink.ingest.importer import import_file
from crimelink.ingest.mapping import DatasetMapping
from crimelink.linkage.records import PersonRecord
from crimelink.services.agencies import register_agency
from crimelink.store.engine import session_scope
from crimelink.store.models import Entity, EntityMerge, RecordEntityLink, SourceRecord

HEADER = ("id", "name", "dob", "postcode", "address", "nino", "email", "site", "site_postcode", "mobile")
COLUMNS = {
    "name": "subject.full_name",
    "dob": "subject.dob",
    "postcode": "subject.postcode",
    "address": "subject.address",
    "nino": "subject.nino",
    "email": "subject.email",
    "site": "premises.address",
    "site_postcode": "premises.postcode",
    "mobile": "handset.phone",
}
HOME = ("SW1A 1AA", "12 High Street, London")
ROBERT = ("a1", "Robert Smith", "03/04/1980", *HOME, "", "", HOME[1], HOME[0], "07700 900123")
JOHN = ("a2", "John Smith", "05/06/1955", *HOME, "", "", HOME[1], HOME[0], "")
BOB = (
    "b1",
    "SMITH, Bob",
    "03/04/1980",
    "sw1a1aa",
    "12 High St London",
    "",
    "",
    "12 High St, London",
    "sw1a 1aa",
    "+44 7700 900123",
)
JANE = ("a3", "Jane Doe", "01/01/1970", "E1 6AN", "1 Mile End Road", "AB123456C", "", "", "", "")
JANET = ("b2", "Janet Brown", "02/02/1972", "N1 9GU", "5 Upper Street", "", "jb@example.org", "", "", "")


def store_rows(engine: Engine, tmp_path: Path, agency: str, rows: list[tuple[str, ...]]) -> None:
    """Import ``rows`` into the agency's ``people`` dataset (registering the agency on first use)."""
    with session_scope(engine) as session:
        register_agency(session, code=agency, name=agency, kind=AgencyKind.LA_HOUSING, contact="desk")
    path = tmp_path / f"{agency}-{rows[0][0]}-{len(rows)}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    mapping = DatasetMapping.from_dict(
        {"dataset": "people", "title": "People", "agency": agency, "record_id": "id", "columns": COLUMNS}
    )
    summary = import_file(engine, path, mapping)
    assert summary.quarantined == 0


def links(engine: Engine) -> dict[tuple[str, str], tuple[int, str]]:
    """(source key, party) -> (entity id, method), for the current version of each record."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(
                SourceRecord.source_key,
                SourceRecord.version,
                RecordEntityLink.party,
                RecordEntityLink.entity_id,
                RecordEntityLink.method,
            )
            .join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
            .order_by(SourceRecord.version)
        ).all()
    return {(key, party): (entity, method) for key, _version, party, entity, method in rows}


def snapshot(engine: Engine) -> tuple[list[Any], ...]:
    with session_scope(engine) as session:
        return (
            [
                tuple(r)
                for r in session.execute(
                    select(
                        Entity.id, Entity.kind, Entity.merged_into_id, Entity.display_name, Entity.attributes
                    )
                )
            ],
            [
                tuple(r)
                for r in session.execute(select(RecordEntityLink.__table__).order_by(RecordEntityLink.id))
            ],
            [tuple(r) for r in session.execute(select(EntityMerge.__table__).order_by(EntityMerge.id))],
        )


def person_records(people: list[tuple[str | None, ...]]) -> list[PersonRecord]:
    """Person records numbered from 0, from (given, family, dob, postcode, address, phone[, NINO]) rows."""
    records = []
    for index, (given, family, dob, postcode, address, phone, *nino) in enumerate(people):
        records.append(
            PersonRecord(
                unique_id=index,
                source="t",
                record_id=str(index),
                given_name=given,
                family_name=family,
                full_name=" ".join(p for p in (given, family) if p),
                dob=dob,
                postcode=postcode,
                address=address,
                phones=(phone,) if phone else (),
                nino=nino[0] if nino else None,
            )
        )
    return records
