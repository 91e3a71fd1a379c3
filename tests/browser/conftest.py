"""The real application in a real browser: uvicorn on a loopback port, a small demo borough, Chromium.

Built once per session: a migrated SQLite store loaded with a generated demo borough and the demo
users, served by uvicorn in a background thread; and Debian's Chromium driven by Playwright (never a
downloaded browser). The names the tests search for are picked from the loaded store, checked with
the same services the pages use, so the tests do not depend on what one seed happens to generate.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.demo import generate_demo
from crimelink.demo.loader import load_demo
from crimelink.demo.operations_loader import load_demo_operations
from crimelink.demo.world import REFERENCE_DATE
from crimelink.domain import Purpose, UserRole
from crimelink.linkage.resolve import resolve_entities
from crimelink.services.callers import SystemCaller
from crimelink.services.demo_users import DEMO_USERS, ensure_demo_users
from crimelink.services.records import RecordView, search_records
from crimelink.services.safeguarding import scan_safeguarding
from crimelink.settings import Settings
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import Agency, Dataset, IntelligenceReport, SourceRecord, User
from crimelink.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_SEED = 20261128

#: Demo sign-ins by role, and the purpose each signs in for.
USERNAMES = {demo.role: demo.username for demo in DEMO_USERS}
PASSWORDS = {demo.role: demo.password for demo in DEMO_USERS}
PURPOSES = {UserRole.SAFEGUARDING_LEAD: Purpose.SAFEGUARDING}


@dataclass(frozen=True)
class PoliceIntelligence:
    """A police report a partner officer may not see, found by its subject's name."""

    record_id: int
    name: str
    sanitised: str
    raw: str


@dataclass(frozen=True)
class ChildRecord:
    """An OFFICIAL-SENSITIVE children's social care record, in the CHILDREN compartment."""

    record_id: int
    name: str


@dataclass(frozen=True)
class DemoSite:
    base_url: str
    engine: Engine
    police_intelligence: PoliceIntelligence
    child: ChildRecord
    police_name: str


def _actor(session: Session, role: UserRole) -> Actor:
    user = session.scalars(select(User).where(User.username == USERNAMES[role])).one()
    agency = session.get(Agency, user.agency_id)
    assert agency is not None
    return Actor(
        user_id=user.id,
        username=user.username,
        agency_id=agency.id,
        agency_code=agency.code,
        agency_is_police=agency.kind.is_police,
        roles=frozenset(UserRole(r) for r in user.roles),
        clearance=user.clearance,
        compartments=frozenset(user.compartments),
        purpose=PURPOSES.get(role, Purpose.CRIME_PREVENTION_DETECTION),
    )


def _pick_police_intelligence(session: Session) -> PoliceIntelligence:
    """A police report the analyst sees with its raw text, of which the partner learns only the holder."""
    partner, analyst = _actor(session, UserRole.PARTNER_OFFICER), _actor(session, UserRole.ANALYST)
    candidates = session.execute(
        select(SourceRecord, IntelligenceReport)
        .join(IntelligenceReport, IntelligenceReport.source_record_id == SourceRecord.id)
        .join(Agency, Agency.id == SourceRecord.agency_id)
        .where(Agency.code == "POLICE", IntelligenceReport.text_raw.is_not(None))
        .order_by(SourceRecord.id)
    ).all()
    for record, report in candidates:
        name = str(record.normalised.get("subject", {}).get("full_name") or "")
        if len(name.split()) < 2:
            continue
        seen = search_records(session, partner, query=name)
        if any(v.agency_code == "POLICE" for v in seen.records):
            continue
        if not any(n.agency_code == "POLICE" for n in seen.held_elsewhere):
            continue
        if record.id in {v.id for v in search_records(session, analyst, query=name).records}:
            return PoliceIntelligence(record.id, name, report.text_sanitised, str(report.text_raw))
    raise AssertionError("the demo borough has no police report hidden from the partner officer")


def _pick_child(session: Session) -> ChildRecord:
    """A child the safeguarding lead's agency knows, of whom the partner officer may see nothing."""
    partner, lead = _actor(session, UserRole.PARTNER_OFFICER), _actor(session, UserRole.SAFEGUARDING_LEAD)
    records = session.scalars(
        select(SourceRecord)
        .join(Dataset, Dataset.id == SourceRecord.dataset_id)
        .where(Dataset.code == "children-known")
        .order_by(SourceRecord.id)
    )
    for record in records:
        child = record.normalised.get("child", {})
        name = " ".join(str(child.get(part) or "") for part in ("given_name", "family_name")).strip()
        if len(name.split()) < 2:
            continue
        seen = search_records(session, partner, query=name)
        if seen.records or not any(n.agency_code == "LBA-CSC" for n in seen.held_elsewhere):
            continue
        found: list[RecordView] = search_records(session, lead, query=name).records
        if any(v.id == record.id and v.classification == "OFFICIAL-SENSITIVE" for v in found):
            return ChildRecord(record.id, name)
    raise AssertionError("the demo borough has no child record hidden from the partner officer")


def _load_store(directory: Path, template: Path, settings: Settings) -> Engine:
    demo = directory / "demo"
    generate_demo(demo, seed=DEMO_SEED, size=2000)
    path = directory / "crimelink.db"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    load_demo(engine, demo)
    resolve_entities(engine)  # the entity pages and the cross-agency report
    with session_scope(engine) as session:
        ensure_demo_users(session, settings)
        load_demo_operations(session, demo, settings)  # the deconfliction pages' operations and conflicts
        scan_safeguarding(session, actor=SystemCaller("safeguarding-scan"), today=REFERENCE_DATE)  # the inbox
    return engine


def _serve(app: object) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a background thread until the generator is closed."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[DemoSite]:
    directory = tmp_path_factory.mktemp("browser-site")
    settings = Settings(
        _env_file=None,
        data_dir=directory / "var",
        secret_key=SecretStr("browser-tests-" + "s" * 40),
        map_outline_file=directory / "demo" / "geography.geojson",  # the maps' outline: the demo borough's
    )
    engine = _load_store(directory, sqlite_template, settings)
    with Session(engine) as session:
        intelligence, child = _pick_police_intelligence(session), _pick_child(session)
        police_name = session.scalars(select(Agency.name).where(Agency.code == "POLICE")).one()
        session.rollback()  # the picking searches' audit events: nobody searched
    serving = _serve(create_app(settings, engine))
    base_url = next(serving)
    yield DemoSite(base_url, engine, intelligence, child, police_name)
    serving.close()
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium package (CI does) to run the browser tests"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


SignIn = Callable[[UserRole], Page]


@pytest.fixture
def sign_in(browser: Browser, demo_site: DemoSite) -> Iterator[SignIn]:
    """Open a fresh browser (no cookies) and sign in through the sign-in form, as a person would."""
    contexts: list[BrowserContext] = []

    def signed_in(role: UserRole) -> Page:
        context = browser.new_context(base_url=demo_site.base_url, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto("/sign-in")
        page.get_by_label("Username").fill(USERNAMES[role])
        page.get_by_label("Password").fill(PASSWORDS[role])
        purpose = PURPOSES.get(role, Purpose.CRIME_PREVENTION_DETECTION)
        page.get_by_label("Why are you using Crimelink today?").select_option(purpose.value)
        page.get_by_role("button", name="Sign in").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url == f"{demo_site.base_url}/", page.content()
        return page

    yield signed_in
    for context in contexts:
        context.close()
