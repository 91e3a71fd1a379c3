"""The demo sign-ins: one per role, each landing on a home page made for that role."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from web_factories import audit_events, sign_in

from crimelink.demo.agencies import AGENCIES
from crimelink.domain import UserRole
from crimelink.services.agencies import register_agency
from crimelink.services.auth import check_password_rules
from crimelink.services.demo_users import DEMO_USERS, ensure_demo_users
from crimelink.settings import Settings
from crimelink.store.engine import session_scope
from crimelink.store.models import Compartment, SharingAgreement, User
from crimelink.web import create_app
from crimelink.web.labels import ROLE_LABELS


def _demo_store(engine: Engine) -> None:
    with session_scope(engine) as session:
        for agency in AGENCIES:
            register_agency(
                session, code=agency.code, name=agency.name, kind=agency.kind, contact=agency.contact
            )


def test_every_role_has_a_documented_sign_in_that_passes_the_password_rules(settings: Settings) -> None:
    assert {demo.role for demo in DEMO_USERS} == set(UserRole)
    for demo in DEMO_USERS:
        assert check_password_rules(demo.password, demo.username, settings) == []


def test_demo_users_are_created_once_and_each_signs_in_to_their_own_home_page(
    sqlite_engine: Engine, settings: Settings
) -> None:
    _demo_store(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        first = ensure_demo_users(session, settings)
    with session_scope(sqlite_engine) as session:
        second = ensure_demo_users(session, settings)
    assert first == second
    assert len(first) == len(UserRole)
    with Session(sqlite_engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == len(UserRole)
        agreements = session.scalar(select(func.count()).select_from(SharingAgreement))
        assert set(session.scalars(select(Compartment.code))) == {"CHILDREN", "ADULT-SAFEGUARDING"}
        safeguarding = session.scalars(select(User).where(User.username == "safeguarding.demo")).one()
        assert (safeguarding.agency.code, safeguarding.compartments) == ("LBA-CSC", ["CHILDREN"])
        assert safeguarding.clearance.value == "OFFICIAL-SENSITIVE"
    creations = audit_events(sqlite_engine, actor="system:demo-users", action="create")
    assert len(creations) == len(UserRole) + 2 + agreements  # nothing twice

    app = create_app(settings, sqlite_engine)
    for role, username, password, agency_code in first:
        browser = TestClient(app)
        assert sign_in(browser, username, password).status_code == 303, username
        home = browser.get("/").text
        assert f"<strong>{ROLE_LABELS[role]}</strong>" in home
        assert f"({username})" in home
        expected = {"PARTNER_OFFICER": "LBA-HOUSING", "SAFEGUARDING_LEAD": "LBA-CSC"}.get(
            role.value, "POLICE"
        )
        assert agency_code == expected


def test_a_demo_user_who_was_locked_out_is_restored(sqlite_engine: Engine, settings: Settings) -> None:
    _demo_store(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        ensure_demo_users(session, settings)
    browser = TestClient(create_app(settings, sqlite_engine))
    for attempt in range(settings.lockout_attempts):
        sign_in(browser, "analyst.demo", f"guess {attempt}")
    assert sign_in(browser, "analyst.demo", "ashvale-demo-analyst-2026").status_code == 401
    with session_scope(sqlite_engine) as session:
        ensure_demo_users(session, settings)
    assert sign_in(browser, "analyst.demo", "ashvale-demo-analyst-2026").status_code == 303
