"""A small partnership for deconfliction tests: agencies, people in each role, and plain factories.

Times are fixed (``NOW``) and passed to every service, so a test never depends on the clock. Places are in
the demo borough (east of Stratford). Factories are plain functions with overrides.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.domain import (
    AgencyKind,
    Classification,
    DataCategory,
    DatasetKind,
    HandlingCode,
    Purpose,
    UserRole,
)
from crimelink.linkage.incremental import link_record
from crimelink.services.auth import actor_for_user
from crimelink.services.deconfliction import InterestInput, LocationInput, OperationInput, TargetInput
from crimelink.store.models import Agency, AuditEvent, Dataset, SourceRecord, User

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: The day of action: tomorrow morning.
DAY = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
#: A point in the demo borough, and one about 70 m east of it, and one about 2 km away.
HERE = (51.5380, 0.0300)
NEARBY = (51.5380, 0.0310)
FAR = (51.5380, 0.0590)

AGENCIES = {
    # code: (name, kind, contact)
    "POLICE": ("Ashvale Police", AgencyKind.POLICE_BCU, "Ashvale Police SOC desk 020 7946 0000"),
    "OCC": ("Organised Crime Command", AgencyKind.POLICE_FORCE_SOC, "OCC duty DS 020 7946 0999"),
    "GLAA": ("Gangmasters and Labour Abuse Authority", AgencyKind.GLAA, "GLAA intelligence 0800 432 0804"),
    "TS": ("Ashvale Trading Standards", AgencyKind.LA_TRADING_STANDARDS, "Trading Standards 020 8430 2000"),
    "BF": ("Border Force", AgencyKind.BORDER_FORCE, "Border Force ops 0300 123 7000"),
}
USERS = {
    # username: (agency, roles, clearance)
    "pc.covert": ("POLICE", [UserRole.ORGANISED_CRIME_ADVISOR], Classification.OFFICIAL_SENSITIVE),
    "pc.junior": ("POLICE", [UserRole.PARTNER_OFFICER], Classification.OFFICIAL),
    "desk": ("POLICE", [UserRole.DECONFLICTION_DESK], Classification.OFFICIAL_SENSITIVE),
    "occ.ds": ("OCC", [UserRole.ORGANISED_CRIME_ADVISOR], Classification.OFFICIAL_SENSITIVE),
    "glaa.officer": ("GLAA", [UserRole.PARTNER_OFFICER], Classification.OFFICIAL),
    "ts.officer": ("TS", [UserRole.PARTNER_OFFICER], Classification.OFFICIAL),
    "bf.officer": ("BF", [UserRole.PARTNER_OFFICER], Classification.OFFICIAL_SENSITIVE),
    "ts.analyst": ("TS", [UserRole.ANALYST], Classification.OFFICIAL),
    "auditor": ("POLICE", [UserRole.AUDITOR], Classification.OFFICIAL),
}


@dataclass
class World:
    agencies: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


def build_world(session: Session) -> World:
    world = World()
    for code, (name, kind, contact) in AGENCIES.items():
        agency = Agency(code=code, name=name, kind=kind, contact=contact)
        session.add(agency)
        session.flush()
        world.agencies[code] = agency.id
    for username, (code, roles, clearance) in USERS.items():
        user = User(
            agency_id=world.agencies[code],
            username=username,
            display_name=username.title(),
            roles=[r.value for r in roles],
            clearance=clearance,
            compartments=[],
        )
        session.add(user)
        session.flush()
        world.users[username] = user.id
    session.flush()
    return world


def actor(session: Session, username: str) -> Actor:
    user = session.query(User).filter_by(username=username).one()
    return actor_for_user(session, user, Purpose.OPERATIONAL_DECONFLICTION)


def location(point: tuple[float, float] = HERE, **overrides: Any) -> LocationInput:
    values: dict[str, Any] = {"latitude": point[0], "longitude": point[1], "radius_m": 300.0}
    values.update(overrides)
    return LocationInput(**values)


def operation_input(**overrides: Any) -> OperationInput:
    """A two-hour overt operation at HERE tomorrow morning."""
    values: dict[str, Any] = {
        "name": "Operation Test",
        "officer": "Officer Example",
        "contact_24h": "07700 900000",
        "operation_type": "LICENSING_INSPECTION",
        "starts_at": DAY,
        "ends_at": DAY + timedelta(hours=2),
        "locations": [location()],
    }
    values.update(overrides)
    return OperationInput(**values)


def covert_surveillance(**overrides: Any) -> OperationInput:
    """The police's covert surveillance: every detail of it is a secret the tests search for."""
    values: dict[str, Any] = {
        "name": "Operation Nightjar",
        "officer": "DS Harriet Quill",
        "contact_24h": "07700 900777",
        "operation_type": "SURVEILLANCE",
        "visibility": "COVERT",
        "classification": "OFFICIAL-SENSITIVE",
        "starts_at": DAY - timedelta(hours=6),
        "ends_at": DAY + timedelta(days=3),
        "locations": [
            location(
                HERE, address="Flat 3, 14 Quarry Row", postcode="E15 4QR", uprn="100023336956", radius_m=150
            )
        ],
        "targets": [
            TargetInput("PERSON", "Marek Zielinski", dob="09/11/1983"),
            TargetInput("PHONE", "07700 900555"),
            TargetInput("VRM", "KX19 ZZT"),
        ],
    }
    values.update(overrides)
    return OperationInput(**values)


#: Strings of the covert operation that must never reach a partner.
COVERT_SECRETS = (
    "Nightjar",
    "Harriet Quill",
    "07700 900777",
    "+447700900777",
    "Quarry Row",
    "QUARRY ROW",
    "E15 4QR",
    "100023336956",
    "ZIELINSKI",
    "Zielinski",
    "1983-11-09",
    "+447700900555",
    "KX19ZZT",
    "51.538",
    "0.03",
    "SURVEILLANCE",
    "2026-03-03T00",
    "2026-03-06T06",
)


def interest_input(subject: TargetInput | None = None, **overrides: Any) -> InterestInput:
    values: dict[str, Any] = {"contact": "DS Priya Shah 07700 900456", "subject": subject}
    values.update(overrides)
    return InterestInput(**values)


def linked_records(
    session: Session,
    agency_code: str,
    parties: list[dict[str, str]],
    *,
    dataset: str = "nominals",
) -> list[int]:
    """Store records of ``parties`` (normalised fields) and link them as linkage would; their entity ids."""
    agency = session.scalars(select(Agency).where(Agency.code == agency_code)).one()
    register = Dataset(
        agency_id=agency.id,
        code=f"{dataset}-{agency_code.lower()}",
        title="Nominals",
        kind=DatasetKind.REGISTER,
        category=DataCategory.INTELLIGENCE,
        mapping={"columns": {}},
        mapping_hash="0" * 64,
    )
    session.add(register)
    session.flush()
    entities = []
    for n, party in enumerate(parties):
        key = f"{agency_code}-{dataset}-{n}"
        record = SourceRecord(
            agency_id=register.agency_id,
            dataset_id=register.id,
            source_key=key,
            version=1,
            content_hash=hashlib.sha256(key.encode()).hexdigest(),
            original=dict(party),
            normalised={"subject": dict(party)},
            handling_code=HandlingCode.PERMITTED,
            classification=Classification.OFFICIAL,
            received_at=NOW - timedelta(days=30),
            review_due=date(2027, 1, 1),
        )
        session.add(record)
        session.flush()
        (decision,) = link_record(session, record)
        entities.append(decision.entity_id)
    return entities


def build_store(engine: Engine) -> World:
    """The world, committed."""
    with Session(engine) as session:
        world = build_world(session)
        session.commit()
    return world


def audit_events(session: Session, resource_type: str, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.resource_type == resource_type)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query.order_by(AuditEvent.id)).all())
