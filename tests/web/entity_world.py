"""A small partnership whose records resolve into entities: imported through mappings, then resolved.

The police hold three intelligence reports and housing four tenancy records, then one more that
shows two people were one (so the second resolution merges them):

- VALENTINA ORLOV (NINO JK123456C): police P-1 (POLICE_ONLY: housing may not see it), P-2; housing
  H-1, H-6. P-1 records her under an alias, another date of birth and address and a vehicle: the
  strings in :data:`HIDDEN` must never reach a housing officer. The police file is imported first,
  so linkage names her entity after P-1: its stored display name is itself a secret.
- 12 LINDEN ROAD (UPRN 100023336956): police P-2 and housing H-1.
- CASPAR WREN: only on P-2. BARNABY FITCH and 3 QUARRY LANE: only on housing H-2.
- ROWAN BLYTHE: housing H-3 (NINO) and police P-3 (email) stay apart until housing H-9 carries both.
"""

from __future__ import annotations

import csv
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web_factories import add_agencies, make_user

from crimelink.domain import Classification, DataCategory, EntityKind, Purpose
from crimelink.ingest.importer import import_file
from crimelink.ingest.mapping import DatasetMapping
from crimelink.linkage.resolve import resolve_entities
from crimelink.services.admin import create_agreement
from crimelink.services.callers import SystemCaller
from crimelink.settings import Settings
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import Entity, RecordEntityLink, SourceRecord

#: What P-1 (police only) says of Valentina that nothing visible to housing says.
HIDDEN = (
    "ORLOVA-KANE",
    "ORLOVA",
    "VALYA",
    "1979-11-23",
    "23/11/1979",
    "23 Nov 1979",
    "HARROW COURT",
    "N1 9GU",
    "KX19ZZT",
    "nail bar",
    "CHIS 4471",
)
P2_SANITISED = "Subject seen with Caspar Wren at the Linden Road address."

POLICE_COLUMNS = {
    "Name": "subject.full_name",
    "DOB": "subject.dob",
    "NINO": "subject.nino",
    "Email": "subject.email",
    "Address": "subject.address",
    "Postcode": "subject.postcode",
    "VRM": "vehicle.vrm",
    "Associate": "associate.full_name",
    "Premises": "premises.address",
    "Premises UPRN": "premises.uprn",
    "Grade": "record.grading",
    "Conditions": "record.handling_conditions",
    "Text": "record.text",
    "Raw": "record.text_raw",
    "Date": "record.event_date",
}
POLICE_ROWS = [
    {
        "URN": "P-1",
        "Name": "Valya Orlova-Kane",
        "DOB": "23/11/1979",
        "NINO": "JK123456C",
        "Address": "Flat 9 Harrow Court",
        "Postcode": "N1 9GU",
        "VRM": "KX19 ZZT",
        "Grade": "2B C",
        "Conditions": "POLICE_ONLY",
        "Text": "Subject collects cash from a nail bar twice a week.",
        "Raw": "CHIS 4471 says she keeps the takings in the car.",
        "Date": "01/06/2025",
    },
    {
        "URN": "P-2",
        "Name": "Valentina Orlov",
        "DOB": "07/03/1984",
        "NINO": "JK123456C",
        "Address": "12 Linden Road",
        "Postcode": "E15 4AT",
        "Associate": "Caspar Wren",
        "Premises": "12 Linden Road",
        "Premises UPRN": "100023336956",
        "Grade": "2B P",
        "Text": P2_SANITISED,
        "Raw": "Officer observation, unit 4.",
        "Date": "01/08/2025",
    },
    {
        "URN": "P-3",
        "Name": "Ro Blythe-Morgan",
        "Email": "rowan@example.org",
        "Grade": "3C P",
        "Text": "Subject named as a driver for a taxi firm under investigation.",
        "Date": "15/09/2025",
    },
]

HOUSING_COLUMNS = {
    "Tenant": "subject.full_name",
    "DOB": "subject.dob",
    "NINO": "subject.nino",
    "Email": "subject.email",
    "Postcode": "subject.postcode",
    "Property": "premises.address",
    "Property Postcode": "premises.postcode",
    "UPRN": "premises.uprn",
    "Start": "record.event_date",
}
HOUSING_ROWS = [
    {
        "Ref": "H-1",
        "Tenant": "Valentina Orlov",
        "DOB": "07/03/1984",
        "NINO": "JK123456C",
        "Postcode": "E15 4AT",
        "Property": "12 Linden Road",
        "Property Postcode": "E15 4AT",
        "UPRN": "100023336956",
        "Start": "01/02/2024",
    },
    {
        "Ref": "H-2",
        "Tenant": "Barnaby Fitch",
        "DOB": "02/02/1972",
        "NINO": "JK654321A",
        "Postcode": "E2 7QX",
        "Property": "3 Quarry Lane",
        "Property Postcode": "E2 7QX",
        "UPRN": "100023336999",
        "Start": "01/03/2023",
    },
    {"Ref": "H-3", "Tenant": "Rowan Blythe", "DOB": "01/01/1990", "NINO": "JK111111A", "Start": "05/05/2024"},
    {
        "Ref": "H-6",
        "Tenant": "Valentina Orlov",
        "DOB": "07/03/1984",
        "NINO": "JK123456C",
        "Start": "01/10/2025",
    },
]
#: The record that shows H-3 and P-3 are one person.
BRIDGE_ROW = {
    "Ref": "H-9",
    "Tenant": "Rowan Blythe",
    "DOB": "01/01/1990",
    "NINO": "JK111111A",
    "Email": "rowan@example.org",
    "Start": "01/11/2025",
}


@dataclass(frozen=True)
class EntityWorld:
    """Entity and record ids of the world, looked up after resolution."""

    valentina: int
    linden_road: int
    caspar: int
    vehicle: int
    barnaby: int
    rowan: int
    #: The Rowan entity that was merged into :attr:`rowan`.
    rowan_merged: int
    records: dict[str, int]


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _import(engine: Engine, path: Path, mapping: dict[str, object]) -> None:
    summary = import_file(engine, path, DatasetMapping.from_dict(mapping))
    assert summary.quarantined == 0, summary


def police_mapping() -> dict[str, object]:
    return {
        "dataset": "intelligence-log",
        "title": "Intelligence log",
        "agency": "POLICE",
        "kind": "INTELLIGENCE",
        "category": DataCategory.INTELLIGENCE.value,
        "record_id": "URN",
        "columns": POLICE_COLUMNS,
    }


def housing_mapping() -> dict[str, object]:
    return {
        "dataset": "tenancies",
        "title": "Tenancy register",
        "agency": "LBA-HOUSING",
        "kind": "REGISTER",
        "category": DataCategory.HOUSING.value,
        "record_id": "Ref",
        "columns": HOUSING_COLUMNS,
    }


def build_entity_world(engine: Engine, settings: Settings, directory: Path) -> EntityWorld:
    """Agencies, users (advisor.one: police; partner.one: housing), agreements, records, entities."""
    logging.getLogger("splink").setLevel(logging.ERROR)
    add_agencies(engine)
    make_user(
        engine,
        settings,
        username="advisor.one",
        display_name="Ada Visor",
        roles=["ORGANISED_CRIME_ADVISOR"],
        clearance=Classification.OFFICIAL_SENSITIVE,
    )
    make_user(
        engine,
        settings,
        username="partner.one",
        display_name="Pat Ner",
        agency_code="LBA-HOUSING",
        roles=["PARTNER_OFFICER"],
    )
    make_user(engine, settings, username="admin.one", display_name="Ad Min", roles=["ADMINISTRATOR"])
    setup = SystemCaller("test-setup")
    with session_scope(engine) as session:
        for sharer, recipient, category in (
            ("POLICE", "LBA-HOUSING", DataCategory.INTELLIGENCE),
            ("LBA-HOUSING", "POLICE", DataCategory.HOUSING),
        ):
            create_agreement(
                session,
                caller=setup,
                from_agency_code=sharer,
                to_agency_code=recipient,
                category=category,
                purposes=[Purpose.CRIME_PREVENTION_DETECTION],
                isa_reference="ISA-TEST",
                valid_from=date(2020, 1, 1),
            )
    _import(engine, _write(directory / "police.csv", ["URN", *POLICE_COLUMNS], POLICE_ROWS), police_mapping())
    _import(
        engine, _write(directory / "housing.csv", ["Ref", *HOUSING_COLUMNS], HOUSING_ROWS), housing_mapping()
    )
    resolve_entities(engine)
    with Session(engine) as session:
        before = _entity_of(session, "H-3", "subject"), _entity_of(session, "P-3", "subject")
    assert before[0] != before[1], "Rowan's two records must start as two entities"
    _import(
        engine,
        _write(directory / "housing-2.csv", ["Ref", *HOUSING_COLUMNS], [*HOUSING_ROWS, BRIDGE_ROW]),
        housing_mapping(),
    )
    resolve_entities(engine)
    with Session(engine) as session:
        rowan = _entity_of(session, "H-9", "subject")
        merged = next(e for e in before if e != rowan)
        assert session.get(Entity, merged).merged_into_id == rowan  # type: ignore[union-attr]
        keys = dict(session.execute(select(SourceRecord.source_key, SourceRecord.id)).all())
        world = EntityWorld(
            valentina=_entity_of(session, "P-2", "subject"),
            linden_road=_entity_of(session, "P-2", "premises"),
            caspar=_entity_of(session, "P-2", "associate"),
            vehicle=_entity_of(session, "P-1", "vehicle"),
            barnaby=_entity_of(session, "H-2", "subject"),
            rowan=rowan,
            rowan_merged=merged,
            records=keys,
        )
        valentina = session.get(Entity, world.valentina)
        assert valentina is not None
        assert valentina.kind is EntityKind.PERSON
        # Linkage named her after the first record it met, the police-only one: a secret to housing.
        assert "ORLOVA-KANE" in valentina.display_name
        assert _entity_of(session, "P-1", "subject") == world.valentina
        assert _entity_of(session, "H-1", "premises") == world.linden_road
        return world


def _entity_of(session: Session, key: str, party: str) -> int:
    return session.scalars(
        select(RecordEntityLink.entity_id)
        .join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
        .where(SourceRecord.source_key == key, RecordEntityLink.party == party)
        .order_by(SourceRecord.version.desc())
        .limit(1)
    ).one()


def store_world_once(
    directory: Path,
    sqlite_template: Path,
    build: Callable[[Engine, Settings, Path], EntityWorld],
    *,
    secret: str,
) -> tuple[Path, EntityWorld, Settings]:
    """Build a world once in a migrated copy of the template database; tests copy the file it leaves."""
    path = directory / "crimelink.db"
    shutil.copyfile(sqlite_template, path)
    settings = Settings(_env_file=None, data_dir=directory / "var", secret_key=SecretStr(secret + "k" * 40))
    engine = make_engine(f"sqlite:///{path}")
    world = build(engine, settings, directory)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path, world, settings
