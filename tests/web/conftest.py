"""The web application against a real, migrated store: settings, a store with agencies, a client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from web_factories import add_agencies

from crimelink.settings import Settings
from crimelink.web import create_app


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "var",
        secret_key=SecretStr("test-secret-key-" + "k" * 40),
        lockout_attempts=3,
        lockout_minutes=15,
        password_min_length=12,
    )


@pytest.fixture
def store(sqlite_engine: Engine) -> Engine:
    """The embedded SQLite store with a police force and two council services registered."""
    add_agencies(sqlite_engine)
    return sqlite_engine


@pytest.fixture
def client(store: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store)) as test_client:
        yield test_client
