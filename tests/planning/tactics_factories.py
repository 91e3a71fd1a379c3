"""The picture world of ``tests/web/picture_world.py`` for the tactics tests, and actors in it.

The police analyst sees every report; the housing officer (``partner.one``) never sees IR-5, the
police-only report that alone names QUENTIN BLAKE.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.domain import Purpose
from crimelink.services.auth import actor_for_user
from crimelink.store.engine import make_engine
from crimelink.store.models import AuditEvent, User
from crimelink.web import create_app

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from picture_world import HIDDEN, PictureWorld, build_once, secret_settings
from web_factories import sign_in

__all__ = ["HIDDEN", "PictureWorld", "Site", "actor", "audit_events", "build_once", "open_site"]


@dataclass(frozen=True)
class Site:
    app: Any
    engine: Engine
    world: PictureWorld

    def browser(self, username: str) -> TestClient:
        """A browser of its own, signed in as ``username`` through the form."""
        client = TestClient(self.app)
        answer = sign_in(client, username)
        assert answer.status_code == 303, answer.text
        return client


def open_site(template: Path, world: PictureWorld, tmp_path: Path) -> Iterator[Site]:
    """A copy of the built world's store, served by the application."""
    path = tmp_path / "crimelink.db"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield Site(create_app(secret_settings(template.parent), engine), engine, world)
    engine.dispose()


def actor(session: Session, username: str) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).one()
    return actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)


def audit_events(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        )
