"""A small partnership with one planted organised crime group, for the network and group pages.

The police hold seven intelligence reports, housing two tenancies. After linkage:

- **The Vance line** (county lines from 7 ASH COURT, deal line 07700 900123): CALLUM VANCE runs it
  (IR-1 with JORDAN PIKE and the line; IR-3 with DENISE HALL, whose flat 7 Ash Court is cuckooed;
  IR-4 with MARCUS LEE, about violence), JORDAN PIKE holds the line with TYLER ROSS (IR-2), a child
  (born 2009). IR-5 (POLICE_ONLY) names QUENTIN BLAKE with CALLUM: housing may not see it.
  The reports run from March 2025 to January 2026.
- PAULA GRANT and NINA FORD: one drug supply report (IR-6): two people are not a group.
- EVE ROWE and FRANK SOTO: one fraud report (IR-7), years old.
- Housing: DENISE HALL's tenancy of 7 Ash Court (H-1), PAULA GRANT's of 3 Elm Road (H-2).

Users: analyst.one (police analyst), coordinator.one (police co-ordinator), partner.one (housing
officer), all cleared to OFFICIAL-SENSITIVE. The police share intelligence with housing; housing shares
its tenancies with the police.
"""

from __future__ import annotations

import csv
import logging
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web_factories import add_agencies, make_user

from crimelink.domain import Classification, DataCategory, Purpose
from crimelink.ingest.importer import import_file
from crimelink.ingest.mapping import DatasetMapping
from crimelink.linkage.resolve import resolve_entities
from crimelink.services.admin import create_agreement
from crimelink.services.callers import SystemCaller
from crimelink.settings import Settings
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import RecordEntityLink, SourceRecord

#: What IR-5 (police only) says that nothing housing may see says.
HIDDEN = ("QUENTIN", "BLAKE", "AB998877C", "warehouse in Tilbury")

POLICE_COLUMNS = {
    "Name": "subject.full_name",
    "DOB": "subject.dob",
    "NINO": "subject.nino",
    "Associate": "associate.full_name",
    "Associate DOB": "associate.dob",
    "Associate NINO": "associate.nino",
    "Line": "line.phone",
    "Premises": "premises.address",
    "Premises UPRN": "premises.uprn",
    "Grade": "record.grading",
    "Conditions": "record.handling_conditions",
    "Threats": "record.threats",
    "Text": "record.text",
    "Date": "record.event_date",
}
CALLUM = {"Name": "Callum Vance", "DOB": "14/02/1988", "NINO": "CB112233A"}
ASH_COURT = {"Premises": "7 Ash Court", "Premises UPRN": "100023330777"}
POLICE_ROWS = [
    {
        "URN": "IR-1",
        **CALLUM,
        "Associate": "Jordan Pike",
        "Associate DOB": "03/07/1999",
        "Associate NINO": "JP445566B",
        "Line": "07700 900123",
        "Grade": "2B P",
        "Threats": "COUNTY_LINES;DRUG_SUPPLY",
        "Text": "Subject runs the 'VANCE' deal line; the associate carries the phone.",
        "Date": "01/03/2025",
    },
    {
        "URN": "IR-2",
        "Name": "Jordan Pike",
        "DOB": "03/07/1999",
        "NINO": "JP445566B",
        "Associate": "Tyler Ross",
        "Associate DOB": "21/09/2009",
        "Line": "07700 900123",
        **ASH_COURT,
        "Grade": "2B P",
        "Threats": "COUNTY_LINES",
        "Text": "A 15-year-old is believed to be running drugs for the subject from the flat.",
        "Date": "10/05/2025",
    },
    {
        "URN": "IR-3",
        **CALLUM,
        "Associate": "Denise Hall",
        "Associate DOB": "11/11/1960",
        "Associate NINO": "HL778899C",
        **ASH_COURT,
        "Grade": "1B P",
        "Threats": "COUNTY_LINES;CUCKOOING",
        "Text": "Subject has taken over the associate's flat to deal from it.",
        "Date": "20/08/2025",
    },
    {
        "URN": "IR-4",
        "Name": "Marcus Lee",
        "DOB": "30/01/1994",
        "NINO": "ML223344D",
        "Associate": "Callum Vance",
        "Associate DOB": "14/02/1988",
        "Associate NINO": "CB112233A",
        "Grade": "2C P",
        "Threats": "SERIOUS_VIOLENCE_WEAPONS;COUNTY_LINES",
        "Text": "Subject carries a knife and collects debts for the associate's line.",
        "Date": "02/11/2025",
    },
    {
        "URN": "IR-5",
        **CALLUM,
        "Associate": "Quentin Blake",
        "Associate DOB": "05/05/1985",
        "Associate NINO": "AB998877C",
        "Grade": "2B C",
        "Conditions": "POLICE_ONLY",
        "Threats": "COUNTY_LINES",
        "Text": "The associate supplies the line from a warehouse in Tilbury.",
        "Date": "15/01/2026",
    },
    {
        "URN": "IR-6",
        "Name": "Paula Grant",
        "DOB": "08/08/1981",
        "NINO": "PG334455A",
        "Associate": "Nina Ford",
        "Associate DOB": "09/09/1990",
        "Grade": "3C P",
        "Threats": "DRUG_SUPPLY",
        "Text": "Subject sells cannabis with the associate.",
        "Date": "01/09/2025",
    },
    {
        "URN": "IR-7",
        "Name": "Eve Rowe",
        "DOB": "04/04/1975",
        "Associate": "Frank Soto",
        "Associate DOB": "06/06/1977",
        "Grade": "1A P",
        "Threats": "FRAUD",
        "Text": "Subject and associate ran a boiler room.",
        "Date": "10/01/2020",
    },
]
HOUSING_COLUMNS = {
    "Tenant": "subject.full_name",
    "DOB": "subject.dob",
    "NINO": "subject.nino",
    "Property": "premises.address",
    "UPRN": "premises.uprn",
    "Start": "record.event_date",
}
HOUSING_ROWS = [
    {
        "Ref": "H-1",
        "Tenant": "Denise Hall",
        "DOB": "11/11/1960",
        "NINO": "HL778899C",
        "Property": "7 Ash Court",
        "UPRN": "100023330777",
        "Start": "01/04/2012",
    },
    {
        "Ref": "H-2",
        "Tenant": "Paula Grant",
        "DOB": "08/08/1981",
        "NINO": "PG334455A",
        "Property": "3 Elm Road",
        "UPRN": "100023330333",
        "Start": "01/06/2019",
    },
]
#: Where each named person or thing appears first: (record, party).
WHERE = {
    "callum": ("IR-1", "subject"),
    "jordan": ("IR-1", "associate"),
    "line": ("IR-1", "line"),
    "tyler": ("IR-2", "associate"),
    "ash_court": ("IR-2", "premises"),
    "denise": ("IR-3", "associate"),
    "marcus": ("IR-4", "subject"),
    "quentin": ("IR-5", "associate"),
    "paula": ("IR-6", "subject"),
    "nina": ("IR-6", "associate"),
    "eve": ("IR-7", "subject"),
    "frank": ("IR-7", "associate"),
}
#: The planted group's people as the housing officer's records name them.
VANCE_LINE = {"CALLUM VANCE", "JORDAN PIKE", "TYLER ROSS", "DENISE HALL", "MARCUS LEE"}


@dataclass(frozen=True)
class PictureWorld:
    """Entity ids by first name (``line``, ``ash_court`` for things) and record ids by key."""

    entities: dict[str, int]
    records: dict[str, int]


def _import(engine: Engine, directory: Path, mapping: dict[str, object], rows: list[dict[str, str]]) -> None:
    columns = dict(mapping["columns"])  # type: ignore[call-overload]
    path = directory / f"{mapping['dataset']}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[str(mapping["record_id"]), *columns])
        writer.writeheader()
        writer.writerows(rows)
    summary = import_file(engine, path, DatasetMapping.from_dict(mapping))
    assert summary.quarantined == 0, summary


def build_picture_world(engine: Engine, settings: Settings, directory: Path) -> PictureWorld:
    logging.getLogger("splink").setLevel(logging.ERROR)
    add_agencies(engine)
    sensitive = Classification.OFFICIAL_SENSITIVE
    make_user(engine, settings, username="analyst.one", roles=["ANALYST"], clearance=sensitive)
    make_user(engine, settings, username="coordinator.one", roles=["COORDINATOR"], clearance=sensitive)
    make_user(
        engine,
        settings,
        username="partner.one",
        agency_code="LBA-HOUSING",
        roles=["PARTNER_OFFICER"],
        clearance=sensitive,
    )
    with session_scope(engine) as session:
        for sharer, recipient, category in (
            ("POLICE", "LBA-HOUSING", DataCategory.INTELLIGENCE),
            ("LBA-HOUSING", "POLICE", DataCategory.HOUSING),
        ):
            create_agreement(
                session,
                caller=SystemCaller("test-setup"),
                from_agency_code=sharer,
                to_agency_code=recipient,
                category=category,
                purposes=[Purpose.CRIME_PREVENTION_DETECTION],
                isa_reference="ISA-TEST",
                valid_from=date(2020, 1, 1),
            )
    police = {
        "dataset": "intelligence-reports",
        "title": "Police intelligence reports",
        "agency": "POLICE",
        "kind": "INTELLIGENCE",
        "category": DataCategory.INTELLIGENCE.value,
        "record_id": "URN",
        "columns": POLICE_COLUMNS,
    }
    housing = {
        "dataset": "tenancies",
        "title": "Council tenancies",
        "agency": "LBA-HOUSING",
        "kind": "REGISTER",
        "category": DataCategory.HOUSING.value,
        "record_id": "Ref",
        "columns": HOUSING_COLUMNS,
    }
    _import(engine, directory, police, POLICE_ROWS)
    _import(engine, directory, housing, HOUSING_ROWS)
    resolve_entities(engine)
    with Session(engine) as session:
        links = {
            (key, party): entity
            for key, party, entity in session.execute(
                select(SourceRecord.source_key, RecordEntityLink.party, RecordEntityLink.entity_id).join(
                    SourceRecord, SourceRecord.id == RecordEntityLink.record_id
                )
            )
        }
        records = dict(session.execute(select(SourceRecord.source_key, SourceRecord.id)).all())
    world = PictureWorld({name: links[place] for name, place in WHERE.items()}, records)
    # What the tests rely on linkage to have done: one entity per person, wherever they appear.
    assert links[("IR-3", "subject")] == links[("IR-5", "subject")] == links[("IR-4", "associate")]
    assert links[("IR-2", "subject")] == world.entities["jordan"]
    assert links[("H-1", "subject")] == world.entities["denise"]
    assert links[("IR-3", "premises")] == links[("H-1", "premises")] == world.entities["ash_court"]
    assert links[("IR-2", "line")] == world.entities["line"]
    assert len(set(world.entities.values())) == len(world.entities)
    return world


def build_once(directory: Path, sqlite_template: Path, settings: Settings) -> tuple[Path, PictureWorld]:
    """The world in a migrated copy of the template database; tests copy the file it leaves."""
    path = directory / "crimelink.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    world = build_picture_world(engine, settings, directory)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path, world


def secret_settings(directory: Path) -> Settings:
    return Settings(_env_file=None, data_dir=directory / "var", secret_key=SecretStr("picture-" + "k" * 40))
