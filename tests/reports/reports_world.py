"""The small demo borough the report tests read: built once per test session, shared by the modules.

Seed 7, size 3,000, loaded, resolved, screened for safeguarding, with the demo users, the operations (and
their conflicts) and the co-ordinated plan (confirmed groups, objectives, disruption plans, meetings,
outcomes), as ``make run`` builds it, only smaller. The modules each ask for :func:`demo_world` through a
fixture; the first builds it and the rest reuse it (a module-level cache, since each test module
registers its own fixture).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.demo import generate_demo
from crimelink.demo.loader import load_demo
from crimelink.demo.operations_loader import load_demo_operations
from crimelink.demo.plan_loader import load_demo_plan
from crimelink.domain import Purpose
from crimelink.linkage.resolve import resolve_entities
from crimelink.services.auth import actor_for_user
from crimelink.services.callers import SystemCaller
from crimelink.services.demo_users import (
    DEMO_OPERATION_OFFICERS,
    DEMO_PLAN_OFFICERS,
    DEMO_USERS,
    ensure_demo_users,
)
from crimelink.services.safeguarding import scan_safeguarding
from crimelink.settings import Settings
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import User

SEED = 7
SIZE = 3000
PASSWORDS = {d.username: d.password for d in (*DEMO_USERS, *DEMO_OPERATION_OFFICERS, *DEMO_PLAN_OFFICERS)}


@dataclass(frozen=True)
class DemoWorld:
    directory: Path
    engine: Engine
    settings: Settings


_BUILT: dict[str, DemoWorld] = {}


def demo_world(directory: Path, sqlite_template: Path) -> DemoWorld:
    """The demo borough with its plan (built on the first call; later calls return the same one)."""
    if "world" in _BUILT:
        return _BUILT["world"]
    generate_demo(directory / "demo", seed=SEED, size=SIZE)
    settings = Settings(
        _env_file=None,
        data_dir=directory / "var",
        secret_key=SecretStr("report-tests-" + "s" * 40),
        map_outline_file=directory / "demo" / "geography.geojson",
    )
    path = directory / "crimelink.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    load_demo(engine, directory / "demo")
    resolve_entities(engine)
    with session_scope(engine) as session:
        scan_safeguarding(session, actor=SystemCaller("safeguarding-scan"), today=datetime.now(UTC).date())
    with session_scope(engine) as session:
        ensure_demo_users(session, settings)
    with session_scope(engine) as session:
        load_demo_operations(session, directory / "demo", settings)
    with session_scope(engine) as session:
        load_demo_plan(session, directory / "demo", settings)
    _BUILT["world"] = DemoWorld(directory, engine, settings)
    return _BUILT["world"]


def actor(session: Session, username: str, purpose: Purpose = Purpose.CRIME_PREVENTION_DETECTION) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).one()
    return actor_for_user(session, user, purpose)


def pdf_pages(pdf: bytes, directory: Path) -> list[str]:
    """The text of each page of ``pdf`` (poppler's pdftotext, page by page)."""
    path = directory / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    match = re.search(r"^Pages:\s+(\d+)$", info, re.M)
    assert match, info
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, int(match.group(1)) + 1)
    ]


def plain(html: str) -> str:
    """The text of an HTML document (tags dropped, entities for quotes and ampersands read)."""
    text = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    for entity, char in (
        ("&amp;", "&"),
        ("&#39;", "'"),
        ("&#34;", '"'),
        ("&quot;", '"'),
        ("&lt;", "<"),
        ("&gt;", ">"),
    ):
        text = text.replace(entity, char)
    return re.sub(r"\s+", " ", text)


def squeeze(text: str) -> str:
    """Whitespace folded, for finding phrases a PDF's layout may have broken across lines."""
    return re.sub(r"\s+", " ", text)
