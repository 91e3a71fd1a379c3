"""The small demo borough the export tests read: the report tests' (``reports_world.py``), built once.

Seed 7, size 3,000: loaded, resolved, scanned, with the demo users, operations and the co-ordinated plan
(whose analyst confirms the planted groups), as ``make run`` builds it, only smaller. A fresh, empty
store with one police analyst is what an FtM file is imported into.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient
from reports_world import PASSWORDS, DemoWorld, demo_world
from reports_world import actor as actor  # the export tests read the same actors
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crimelink.domain import AgencyKind, Classification, Purpose, UserRole
from crimelink.services.admin import create_user
from crimelink.services.agencies import register_agency
from crimelink.services.callers import SystemCaller
from crimelink.settings import Settings
from crimelink.store.engine import make_engine, session_scope

FRESH_ANALYST = "analyst.fresh"
FRESH_PASSWORD = "fresh-store-analyst-2026"


#: The export tests read the same demo borough as the report tests (one build per test session).
ExportWorld = DemoWorld


def export_world(directory: Path, sqlite_template: Path) -> ExportWorld:
    """The demo borough with its users and plan (built on the first call; later calls return it)."""
    return demo_world(directory, sqlite_template)


def fresh_store(path: Path, sqlite_template: Path, settings: Settings) -> Engine:
    """An empty store with the police agency and one police analyst, to import an FtM file into."""
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with session_scope(engine) as session:
        register_agency(
            session,
            actor="system:test",
            code="POLICE",
            name="Ashvale Police",
            kind=AgencyKind.POLICE_BCU,
            contact="SOC desk",
        )
    with session_scope(engine) as session:
        create_user(
            session,
            caller=SystemCaller("test-setup"),
            settings=settings,
            username=FRESH_ANALYST,
            display_name="Fresh Analyst",
            agency_code="POLICE",
            roles=[UserRole.ANALYST],
            clearance=Classification.OFFICIAL_SENSITIVE,
            compartments=[],
            email="",
            password=FRESH_PASSWORD,
        )
    return engine


def signed_in(client: TestClient, username: str) -> TestClient:
    """Sign ``client`` in through the sign-in form, as a person would."""
    page = client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "the sign-in page has no form"
    answer = client.post(
        "/sign-in",
        data={
            "csrf_token": token.group(1),
            "username": username,
            "password": PASSWORDS[username],
            "purpose": Purpose.CRIME_PREVENTION_DETECTION.value,
        },
        follow_redirects=False,
    )
    assert answer.status_code in (302, 303), answer.text[:500]
    return client


def sessions(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session
        session.rollback()
