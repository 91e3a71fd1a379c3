"""Shared fixtures: a migrated store on SQLite and on a real PostgreSQL server.

The PostgreSQL server is the one named by CRIMELINK_TEST_POSTGRES_URL (an admin URL that may create
databases), or else one the tests start themselves: initdb and pg_ctl in a temporary directory,
listening on a free loopback port, stopped at the end of the session.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from crimelink.store import migrate
from crimelink.store.engine import make_engine
from crimelink.store.local_postgres import LocalPostgres, PostgresUnavailableError

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    configured = os.environ.get("CRIMELINK_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    try:
        server = LocalPostgres()
    except PostgresUnavailableError as exc:
        pytest.fail(
            f"{exc}, or set CRIMELINK_TEST_POSTGRES_URL to a server the tests may create databases on"
        )
    try:
        yield server.start()
    finally:
        server.stop()


def _with_database(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name


def create_postgres_database(admin_url: str, *, template: str | None = None) -> str:
    """A new empty (or template-copied) database; returns its URL."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        clause = f" TEMPLATE {template}" if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    admin.dispose()
    return _with_database(admin_url, name)


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: str) -> str:
    """A migrated database that per-test databases are copied from (much faster than migrating each)."""
    url = create_postgres_database(postgres_admin_url)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url.rsplit("/", 1)[1]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "crimelink.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "crimelink.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        store = make_engine(f"sqlite:///{path}")
    else:
        admin_url = request.getfixturevalue("postgres_admin_url")
        template = request.getfixturevalue("postgres_template")
        store = make_engine(create_postgres_database(admin_url, template=template))
    yield store
    store.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """A freshly migrated SQLite store only (for tests about the embedded default)."""
    path = tmp_path / "crimelink.db"
    shutil.copyfile(sqlite_template, path)
    store = make_engine(f"sqlite:///{path}")
    yield store
    store.dispose()
