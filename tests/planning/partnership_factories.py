"""A small partnership for the plan, meeting, request and directory tests: agencies, people, factories.

Times are fixed (``NOW``) and passed to the services, so a test never depends on the clock. Factories
are plain functions with overrides; the live things an agenda picks up (groups, conflicts, alerts,
plans) are made here as the rest of Crimelink makes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.domain import (
    AgencyKind,
    Classification,
    EntityKind,
    GroupStatus,
    Purpose,
    UserRole,
)
from crimelink.services.auth import actor_for_user
from crimelink.services.callers import SystemCaller
from crimelink.services.deconfliction import LocationInput, OperationInput, TargetInput, register_operation
from crimelink.store.models import (
    Agency,
    DisruptionPlan,
    Entity,
    OperationConflict,
    OrganisedCrimeGroup,
    SafeguardingAlert,
    User,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
SETUP = SystemCaller("test-setup")

AGENCIES = {
    # code: (name, kind)
    "POLICE": ("Ashvale Police", AgencyKind.POLICE_BCU),
    "OCC": ("Organised Crime Command", AgencyKind.POLICE_FORCE_SOC),
    "HOUSING": ("Ashvale Housing", AgencyKind.LA_HOUSING),
    "GLAA": ("Gangmasters and Labour Abuse Authority", AgencyKind.GLAA),
    "CSC": ("Ashvale Children's Social Care", AgencyKind.LA_CHILDRENS_SC),
    "CSP": ("Ashvale Community Safety", AgencyKind.LA_COMMUNITY_SAFETY),
}
USERS = {
    # username: (agency, roles)
    "coordinator": ("CSP", [UserRole.COORDINATOR]),
    "oca": ("OCC", [UserRole.ORGANISED_CRIME_ADVISOR]),
    "housing.officer": ("HOUSING", [UserRole.PARTNER_OFFICER]),
    "glaa.officer": ("GLAA", [UserRole.PARTNER_OFFICER]),
    "desk": ("POLICE", [UserRole.DECONFLICTION_DESK]),
    "safeguarding.lead": ("CSC", [UserRole.SAFEGUARDING_LEAD]),
    "analyst": ("POLICE", [UserRole.ANALYST]),
    "admin": ("CSP", [UserRole.ADMINISTRATOR]),
    "auditor": ("POLICE", [UserRole.AUDITOR]),
}


@dataclass
class Partnership:
    agencies: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


def build_partnership(session: Session) -> Partnership:
    world = Partnership()
    for code, (name, kind) in AGENCIES.items():
        agency = Agency(
            code=code, name=name, kind=kind, contact=f"{name} duty desk 020 7946 0{len(world.agencies)}00"
        )
        session.add(agency)
        session.flush()
        world.agencies[code] = agency.id
    for username, (code, roles) in USERS.items():
        user = User(
            agency_id=world.agencies[code],
            username=username,
            display_name=username.replace(".", " ").title(),
            roles=[r.value for r in roles],
            clearance=Classification.OFFICIAL_SENSITIVE,
            compartments=[],
        )
        session.add(user)
        session.flush()
        world.users[username] = user.id
    return world


def actor(session: Session, username: str) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).one()
    return actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)


def agency_id(session: Session, code: str) -> int:
    return session.scalars(select(Agency.id).where(Agency.code == code)).one()


def make_group(session: Session, **overrides: Any) -> OrganisedCrimeGroup:
    values: dict[str, Any] = {
        "name": "Canal Road Crew",
        "status": GroupStatus.ACTIVE,
        "criminality": ["DRUG_SUPPLY"],
        "created_at": NOW - timedelta(days=3),
        "updated_at": NOW - timedelta(days=3),
    }
    values.update(overrides)
    group = OrganisedCrimeGroup(**values)
    session.add(group)
    session.flush()
    return group


def make_alert(session: Session, **overrides: Any) -> SafeguardingAlert:
    person = Entity(kind=EntityKind.PERSON, display_name="Kyle Runner", attributes={})
    session.add(person)
    session.flush()
    values: dict[str, Any] = {
        "key": f"child:{person.id}",
        "subject_entity_id": person.id,
        "kind": "child",
        "status": "raised",
        "threats": ["COUNTY_LINES"],
        "routes": [],
        "rule": "a child in county lines intelligence",
        "inputs": {},
        "raised_by": "system:test",
        "raised_at": NOW - timedelta(days=1),
        "status_changed_by": "system:test",
        "status_changed_at": NOW - timedelta(days=1),
    }
    values.update(overrides)
    alert = SafeguardingAlert(**values)
    session.add(alert)
    session.flush()
    return alert


def make_plan(session: Session, **overrides: Any) -> DisruptionPlan:
    values: dict[str, Any] = {
        "title": "Disrupt the Canal Road Crew",
        "owner_agency_id": agency_id(session, "OCC"),
        "next_review_on": TODAY + timedelta(days=5),
        "created_by": "oca",
    }
    values.update(overrides)
    plan = DisruptionPlan(**values)
    session.add(plan)
    session.flush()
    return plan


def make_conflict(session: Session) -> int:
    """Two agencies' operations at the same flat on the same morning: an open conflict; its id."""
    day = NOW + timedelta(days=2)
    where = LocationInput(
        latitude=51.5380,
        longitude=0.0300,
        radius_m=200.0,
        address="Flat 3, 14 Quarry Row",
        postcode="E15 4QR",
    )
    police = OperationInput(
        name="Operation Nightjar",
        officer="DS Harriet Quill",
        contact_24h="07700 900777",
        operation_type="SEARCH_WARRANT",
        starts_at=day,
        ends_at=day + timedelta(hours=3),
        locations=[where],
        targets=[TargetInput("PHONE", "07700 900555")],
    )
    housing = OperationInput(
        name="HMO inspection Quarry Row",
        officer="Jo Bell",
        contact_24h="020 7946 0100",
        operation_type="HOUSING_HMO_INSPECTION",
        starts_at=day + timedelta(hours=1),
        ends_at=day + timedelta(hours=2),
        locations=[where],
    )
    register_operation(
        session, actor(session, "desk"), police, agency_id=agency_id(session, "POLICE"), now=NOW
    )
    result = register_operation(session, actor(session, "housing.officer"), housing, now=NOW)
    assert result.conflicts, "the two operations should conflict"
    return session.scalars(select(OperationConflict.id).where(OperationConflict.status == "OPEN")).one()


def due(days: int) -> date:
    return TODAY + timedelta(days=days)


@pytest.fixture
def session(sqlite_engine: Engine) -> Iterator[Session]:
    """A session on a migrated SQLite store holding the partnership (import this fixture to use it)."""
    with Session(sqlite_engine) as db:
        build_partnership(db)
        db.commit()
        yield db
