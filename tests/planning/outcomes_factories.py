"""A small partnership for the outcome and reminder tests, and plain factories with overrides.

Agencies: the police (an Organised Crime Advisor ``oca``, a partner officer ``pc.officer``, an auditor),
council licensing (``lic.officer``, who has an e-mail address), environmental enforcement
(``env.officer``, who has none), housing (no officer; ``housing.coord`` co-ordinates it) and the
community safety partnership (the co-ordinator ``coordinator`` and an administrator). Times are fixed
(``NOW``) and passed to every service, so no test depends on the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.domain import (
    AgencyKind,
    Classification,
    GroupStatus,
    OperationType,
    Purpose,
    RequestStatus,
    UserRole,
)
from crimelink.services.auth import actor_for_user, hash_password
from crimelink.services.callers import SystemCaller
from crimelink.services.plan_actions import ActionInput, create_action
from crimelink.store.models import (
    Agency,
    AssistanceRequest,
    AuditEvent,
    Contact,
    DisruptionPlan,
    Initiative,
    Operation,
    OrganisedCrimeGroup,
    PlanAction,
    User,
)

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
TODAY: date = NOW.date()
PASSWORD = "tangerine lighthouse gravel"
SETUP = SystemCaller("test-setup")

AGENCIES = {
    # code: (name, kind)
    "POLICE": ("Ashvale Police", AgencyKind.POLICE_BCU),
    "LIC": ("Ashvale Licensing", AgencyKind.LA_LICENSING),
    "ENV": ("Ashvale Environmental Enforcement", AgencyKind.LA_ENV_ENFORCEMENT),
    "HOUSING": ("Ashvale Housing", AgencyKind.LA_HOUSING),
    "CSP": ("Ashvale Community Safety Partnership", AgencyKind.LA_COMMUNITY_SAFETY),
}
USERS = {
    # username: (agency, roles, e-mail)
    "oca": ("POLICE", [UserRole.ORGANISED_CRIME_ADVISOR], "oca@police.example"),
    "pc.officer": ("POLICE", [UserRole.PARTNER_OFFICER], "pc.officer@police.example"),
    "auditor": ("POLICE", [UserRole.AUDITOR], "auditor@police.example"),
    "lic.officer": ("LIC", [UserRole.PARTNER_OFFICER], "lic.officer@licensing.example"),
    "env.officer": ("ENV", [UserRole.PARTNER_OFFICER], ""),
    "housing.coord": ("HOUSING", [UserRole.COORDINATOR], "coord@housing.example"),
    "coordinator": ("CSP", [UserRole.COORDINATOR], "coordinator@csp.example"),
    "admin": ("CSP", [UserRole.ADMINISTRATOR], "admin@csp.example"),
}


@dataclass
class World:
    agencies: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


def build_world(session: Session, *, with_passwords: bool = False) -> World:
    world = World()
    for code, (name, kind) in AGENCIES.items():
        agency = Agency(code=code, name=name, kind=kind, contact=f"{name} duty desk")
        session.add(agency)
        session.flush()
        world.agencies[code] = agency.id
    password_hash = hash_password(PASSWORD) if with_passwords else None
    for username, (code, roles, email) in USERS.items():
        user = User(
            agency_id=world.agencies[code],
            username=username,
            display_name=username.replace(".", " ").title(),
            email=email,
            roles=[r.value for r in roles],
            clearance=Classification.OFFICIAL,
            compartments=[],
            password_hash=password_hash,
        )
        session.add(user)
        session.flush()
        world.users[username] = user.id
    return world


def build_store(engine: Engine, *, with_passwords: bool = False) -> World:
    with Session(engine) as session:
        world = build_world(session, with_passwords=with_passwords)
        session.commit()
    return world


def actor(session: Session, username: str) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).one()
    return actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)


def agency_id(session: Session, code: str) -> int:
    return int(session.scalars(select(Agency.id).where(Agency.code == code)).one())


def make_group(session: Session, **overrides: Any) -> OrganisedCrimeGroup:
    values: dict[str, Any] = {
        "name": "Marsh Lane fly-tipping crew",
        "status": GroupStatus.ACTIVE,
        "criminality": ["WASTE_CRIME_FLY_TIPPING"],
    }
    values.update(overrides)
    group = OrganisedCrimeGroup(**values)
    session.add(group)
    session.flush()
    return group


def make_plan(session: Session, **overrides: Any) -> DisruptionPlan:
    values: dict[str, Any] = {
        "title": "Disrupt the Marsh Lane crew",
        "owner_agency_id": agency_id(session, "POLICE"),
        "owner_officer": "DS Priya Shah",
        "created_by": "oca",
    }
    values.update(overrides)
    plan = DisruptionPlan(**values)
    session.add(plan)
    session.flush()
    return plan


def make_initiative(session: Session, **overrides: Any) -> Initiative:
    values: dict[str, Any] = {
        "name": "County lines week of action",
        "lead_agency_id": agency_id(session, "POLICE"),
    }
    values.update(overrides)
    initiative = Initiative(**values)
    session.add(initiative)
    session.flush()
    return initiative


def make_operation(session: Session, **overrides: Any) -> Operation:
    values: dict[str, Any] = {
        "agency_id": agency_id(session, "POLICE"),
        "name": "Operation Kestrel",
        "officer": "DS Priya Shah",
        "contact_24h": "07700 900123",
        "operation_type": next(iter(OperationType)),
        "starts_at": NOW - timedelta(days=10),
        "ends_at": NOW - timedelta(days=9),
    }
    values.update(overrides)
    operation = Operation(**values)
    session.add(operation)
    session.flush()
    return operation


def make_action(session: Session, *, created_at: datetime | None = None, **overrides: Any) -> PlanAction:
    """An action given to licensing (``lic.officer``), due a week ago: overdue at ``NOW``."""
    values: dict[str, Any] = {
        "title": "Licence review: Supreme Pizza, 12 Marsh Lane",
        "agency_id": agency_id(session, "LIC"),
        "assignee": "lic.officer",
        "due_on": TODAY - timedelta(days=7),
    }
    values.update(overrides)
    return create_action(session, SETUP, ActionInput(**values), now=created_at or NOW - timedelta(days=30))


def make_contact(session: Session, **overrides: Any) -> Contact:
    values: dict[str, Any] = {
        "agency_id": agency_id(session, "ENV"),
        "name": "Env duty officer",
        "email": "duty@env.example",
        "specialisms": [],
    }
    values.update(overrides)
    contact = Contact(**values)
    session.add(contact)
    session.flush()
    return contact


def make_request(session: Session, **overrides: Any) -> AssistanceRequest:
    """Licensing asks for a financial investigator; routed to nobody yet, due three days ago."""
    values: dict[str, Any] = {
        "requesting_agency_id": agency_id(session, "LIC"),
        "requested_by": "lic.officer",
        "title": "Financial investigator for Supreme Pizza's takings",
        "specialism": "FINANCIAL_INVESTIGATION",
        "status": RequestStatus.OPEN,
        "due_on": TODAY - timedelta(days=3),
        "created_at": NOW - timedelta(days=5),
    }
    values.update(overrides)
    request = AssistanceRequest(**values)
    session.add(request)
    session.flush()
    return request


def audit_events(session: Session, **where: Any) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return list(session.scalars(query))
