"""A small partnership for the network tests: graded reports, registers and social care, resolved.

The police hold seven intelligence reports, housing two tenancies, children's and adult social care one
contact each. After linkage:

- ALICE MARLOW (NINO AB123456C): IR-1 (1A, with Bob Tanner), IR-4 (POLICE_ONLY: housing may not see it;
  it names her ALICIA MARLOW-GREY, with Gina Vale and a vehicle) and tenancy H-1 at 12 Linden Road.
  IR-4 is imported first, so linkage names her entity after it: its stored display name is a secret.
- CAROL PIKE and DAVE QUILL: IR-2, graded 3E, on the same day as IR-1.
- EVE ROWE and FRANK SOTO: IR-3, graded 1A, six years before IR-1.
- HARRY VOSS (NINO HW654321A): IR-5 (county lines, with KYLE NASH, no date of birth) and IR-6 (county
  lines and cuckooing, with MARY OAKES at 4 Elm Court). Kyle is known to children's social care (C-1,
  with his carer LENA NASH), Mary to adult social care (A-1); both shared with the police only.
- IAN WOLFE, born 2010, with OSCAR PENN: IR-7 (drug supply), so a child by his date of birth.
- BARNABY FITCH: tenancy H-2 only.

Typed relationships: HARRY EXPLOITS KYLE (evidence IR-5); ALICE CONTROLS BARNABY (evidence IR-4 only).
The housing officer, partner.one, may see everything but IR-4 and the social care records.
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

from crimelink.access import Actor
from crimelink.domain import AgencyKind, Classification, DataCategory, Purpose, RelationshipType, UserRole
from crimelink.ingest.importer import import_file
from crimelink.ingest.mapping import DatasetMapping
from crimelink.linkage.resolve import resolve_entities
from crimelink.services.admin import create_agreement, create_user
from crimelink.services.agencies import register_agency
from crimelink.services.auth import actor_for_user
from crimelink.services.callers import SystemCaller
from crimelink.settings import Settings
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import (
    Entity,
    EntityRelationship,
    RecordEntityLink,
    RelationshipEvidence,
    SourceRecord,
    User,
)

#: The day the tests weigh evidence as of.
TODAY = date(2026, 6, 1)
#: What IR-4 (police only) says that nothing the housing officer may see says.
HIDDEN = ("ALICIA", "MARLOW-GREY", "GINA", "VALE", "KX19ZZT", "MODERN_SLAVERY")

AGENCIES = (
    ("POLICE", AgencyKind.POLICE_BCU),
    ("LBA-HOUSING", AgencyKind.LA_HOUSING),
    ("LBA-CSC", AgencyKind.LA_CHILDRENS_SC),
    ("LBA-ASC", AgencyKind.LA_ADULT_SC),
)
AGREEMENTS = (
    ("POLICE", "LBA-HOUSING", DataCategory.INTELLIGENCE),
    ("LBA-HOUSING", "POLICE", DataCategory.HOUSING),
    ("LBA-CSC", "POLICE", DataCategory.CHILDREN_SOCIAL_CARE),
    ("LBA-ASC", "POLICE", DataCategory.ADULT_SOCIAL_CARE),
)

POLICE_COLUMNS = {
    "Name": "subject.full_name",
    "DOB": "subject.dob",
    "NINO": "subject.nino",
    "Associate": "associate.full_name",
    "Associate DOB": "associate.dob",
    "Associate Email": "associate.email",
    "Premises": "premises.address",
    "Premises UPRN": "premises.uprn",
    "VRM": "vehicle.vrm",
    "Grade": "record.grading",
    "Conditions": "record.handling_conditions",
    "Threats": "record.threats",
    "Text": "record.text",
    "Date": "record.event_date",
}
POLICE_ROWS = [
    {
        "URN": "IR-4",
        "Name": "Alicia Marlow-Grey",
        "DOB": "12/03/1985",
        "NINO": "AB123456C",
        "Associate": "Gina Vale",
        "Associate DOB": "09/09/1979",
        "VRM": "KX19 ZZT",
        "Grade": "2B C",
        "Conditions": "POLICE_ONLY",
        "Threats": "MODERN_SLAVERY",
        "Text": "Subject and associate drive workers to a car wash.",
        "Date": "01/06/2025",
    },
    {
        "URN": "IR-1",
        "Name": "Alice Marlow",
        "DOB": "12/03/1985",
        "NINO": "AB123456C",
        "Associate": "Bob Tanner",
        "Associate DOB": "01/01/1980",
        "Grade": "1A P",
        "Threats": "DRUG_SUPPLY",
        "Text": "Subject seen handing packages to the associate.",
        "Date": "10/01/2026",
    },
    {
        "URN": "IR-2",
        "Name": "Carol Pike",
        "DOB": "02/02/1982",
        "Associate": "Dave Quill",
        "Associate DOB": "03/03/1983",
        "Grade": "3E P",
        "Threats": "DRUG_SUPPLY",
        "Text": "Anonymous caller says the two deal together.",
        "Date": "10/01/2026",
    },
    {
        "URN": "IR-3",
        "Name": "Eve Rowe",
        "DOB": "04/04/1975",
        "Associate": "Frank Soto",
        "Associate DOB": "06/06/1977",
        "Grade": "1A P",
        "Threats": "FRAUD",
        "Text": "Subject and associate ran a boiler room.",
        "Date": "10/01/2020",
    },
    {
        "URN": "IR-5",
        "Name": "Harry Voss",
        "DOB": "07/07/1990",
        "NINO": "HW654321A",
        "Associate": "Kyle Nash",
        "Associate Email": "kyle.nash@example.org",
        "Grade": "2A P",
        "Threats": "COUNTY_LINES",
        "Text": "Subject uses a young person to carry drugs out of the borough.",
        "Date": "01/02/2026",
    },
    {
        "URN": "IR-6",
        "Name": "Harry Voss",
        "DOB": "07/07/1990",
        "NINO": "HW654321A",
        "Associate": "Mary Oakes",
        "Associate Email": "mary.oakes@example.org",
        "Premises": "4 Elm Court",
        "Premises UPRN": "100023331111",
        "Grade": "2B P",
        "Threats": "COUNTY_LINES;CUCKOOING",
        "Text": "Subject deals from the associate's flat.",
        "Date": "15/02/2026",
    },
    {
        "URN": "IR-7",
        "Name": "Ian Wolfe",
        "DOB": "05/05/2010",
        "Associate": "Oscar Penn",
        "Associate DOB": "08/08/1988",
        "Grade": "2C P",
        "Threats": "DRUG_SUPPLY",
        "Text": "Subject seen running for the associate.",
        "Date": "01/03/2026",
    },
]
HOUSING_COLUMNS = {
    "Tenant": "subject.full_name",
    "DOB": "subject.dob",
    "NINO": "subject.nino",
    "Property": "premises.address",
    "Property Postcode": "premises.postcode",
    "UPRN": "premises.uprn",
    "Start": "record.event_date",
}
HOUSING_ROWS = [
    {
        "Ref": "H-1",
        "Tenant": "Alice Marlow",
        "DOB": "12/03/1985",
        "NINO": "AB123456C",
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
        "Property": "3 Quarry Lane",
        "Property Postcode": "E2 7QX",
        "UPRN": "100023336999",
        "Start": "01/03/2023",
    },
]
CHILDREN_COLUMNS = {
    "Child": "child.full_name",
    "Child Email": "child.email",
    "Carer": "carer.full_name",
    "Date": "record.event_date",
}
CHILDREN_ROWS = [
    {
        "Ref": "C-1",
        "Child": "Kyle Nash",
        "Child Email": "kyle.nash@example.org",
        "Carer": "Lena Nash",
        "Date": "01/12/2025",
    }
]
ADULTS_COLUMNS = {
    "Client": "client.full_name",
    "Client Email": "client.email",
    "DOB": "client.dob",
    "Date": "record.event_date",
}
ADULTS_ROWS = [
    {
        "Ref": "A-1",
        "Client": "Mary Oakes",
        "Client Email": "mary.oakes@example.org",
        "DOB": "14/07/1948",
        "Date": "01/11/2025",
    }
]


@dataclass(frozen=True)
class NetworkWorld:
    """Entity ids by first name (``linden_road``, ``elm_court``, ``vehicle`` for things), record ids by key."""

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


def _mapping(
    dataset: str, agency: str, kind: str, category: DataCategory, record_id: str, columns: dict[str, str]
) -> dict[str, object]:
    return {
        "dataset": dataset,
        "title": dataset.replace("-", " ").capitalize(),
        "agency": agency,
        "kind": kind,
        "category": category.value,
        "record_id": record_id,
        "columns": columns,
    }


def build_network_world(engine: Engine, settings: Settings, directory: Path) -> NetworkWorld:
    """Agencies, users (analyst.one: police; partner.one: housing; admin.one), agreements, records, entities."""
    logging.getLogger("splink").setLevel(logging.ERROR)
    setup = SystemCaller("test-setup")
    with session_scope(engine) as session:
        for code, kind in AGENCIES:
            register_agency(session, code=code, name=code.title(), kind=kind, contact=f"{code} desk")
        for username, agency, role in (
            ("analyst.one", "POLICE", UserRole.ANALYST),
            ("partner.one", "LBA-HOUSING", UserRole.PARTNER_OFFICER),
            ("admin.one", "POLICE", UserRole.ADMINISTRATOR),
        ):
            create_user(
                session,
                caller=setup,
                settings=settings,
                username=username,
                display_name=username.title(),
                agency_code=agency,
                roles=[role],
                clearance=Classification.OFFICIAL_SENSITIVE,
            )
        for sharer, recipient, category in AGREEMENTS:
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
    intelligence = _mapping(
        "intelligence-log", "POLICE", "INTELLIGENCE", DataCategory.INTELLIGENCE, "URN", POLICE_COLUMNS
    )
    _import(engine, directory, intelligence, POLICE_ROWS)
    _import(
        engine,
        directory,
        _mapping("tenancies", "LBA-HOUSING", "REGISTER", DataCategory.HOUSING, "Ref", HOUSING_COLUMNS),
        HOUSING_ROWS,
    )
    _import(
        engine,
        directory,
        _mapping(
            "children-known", "LBA-CSC", "CASES", DataCategory.CHILDREN_SOCIAL_CARE, "Ref", CHILDREN_COLUMNS
        ),
        CHILDREN_ROWS,
    )
    _import(
        engine,
        directory,
        _mapping("adults-known", "LBA-ASC", "CASES", DataCategory.ADULT_SOCIAL_CARE, "Ref", ADULTS_COLUMNS),
        ADULTS_ROWS,
    )
    resolve_entities(engine)
    with session_scope(engine) as session:
        world = NetworkWorld(entities=_entities(session), records=_records(session))
        for relationship_type, subject, other, record in (
            (RelationshipType.EXPLOITS, "harry", "kyle", "IR-5"),
            (RelationshipType.CONTROLS, "alice", "barnaby", "IR-4"),
        ):
            relationship = EntityRelationship(
                kind=relationship_type,
                from_entity_id=world.entities[subject],
                to_entity_id=world.entities[other],
            )
            session.add(relationship)
            session.flush()
            session.add(
                RelationshipEvidence(relationship_id=relationship.id, record_id=world.records[record])
            )
        _check(session, world)
    return world


def _entities(session: Session) -> dict[str, int]:
    where = {
        "alice": ("IR-1", "subject"),
        "bob": ("IR-1", "associate"),
        "carol": ("IR-2", "subject"),
        "dave": ("IR-2", "associate"),
        "eve": ("IR-3", "subject"),
        "frank": ("IR-3", "associate"),
        "gina": ("IR-4", "associate"),
        "vehicle": ("IR-4", "vehicle"),
        "harry": ("IR-5", "subject"),
        "kyle": ("IR-5", "associate"),
        "mary": ("IR-6", "associate"),
        "elm_court": ("IR-6", "premises"),
        "ian": ("IR-7", "subject"),
        "oscar": ("IR-7", "associate"),
        "barnaby": ("H-2", "subject"),
        "linden_road": ("H-1", "premises"),
        "lena": ("C-1", "carer"),
    }
    links = {
        (key, party): entity
        for key, party, entity in session.execute(
            select(SourceRecord.source_key, RecordEntityLink.party, RecordEntityLink.entity_id).join(
                SourceRecord, SourceRecord.id == RecordEntityLink.record_id
            )
        )
    }
    return {name: links[place] for name, place in where.items()}


def _records(session: Session) -> dict[str, int]:
    return dict(session.execute(select(SourceRecord.source_key, SourceRecord.id)).all())


def _check(session: Session, world: NetworkWorld) -> None:
    """What the tests rely on linkage to have done."""
    entities, records = world.entities, world.records

    def entity_of(key: str, party: str) -> int:
        return session.scalars(
            select(RecordEntityLink.entity_id).where(
                RecordEntityLink.record_id == records[key], RecordEntityLink.party == party
            )
        ).one()

    assert entity_of("IR-4", "subject") == entities["alice"] == entity_of("H-1", "subject")
    assert entity_of("IR-6", "subject") == entities["harry"]
    assert entity_of("C-1", "child") == entities["kyle"]
    assert entity_of("A-1", "client") == entities["mary"]
    assert len(set(entities.values())) == len(entities), "each named person and thing is its own entity"
    alice = session.get(Entity, entities["alice"])
    assert alice is not None
    assert "MARLOW-GREY" in alice.display_name, "linkage named her after IR-4"


def actor(session: Session, username: str) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).one()
    return actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)


def build_once(directory: Path, sqlite_template: Path) -> tuple[Path, NetworkWorld]:
    """The world in a migrated copy of the template database; tests copy the file it leaves."""
    path = directory / "crimelink.db"
    shutil.copyfile(sqlite_template, path)
    settings = Settings(_env_file=None, data_dir=directory / "var", secret_key=SecretStr("n" * 48))
    engine = make_engine(f"sqlite:///{path}")
    world = build_network_world(engine, settings, directory)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path, world
