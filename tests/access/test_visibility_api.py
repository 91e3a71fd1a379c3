"""The same property through the JSON API: what each caller receives over HTTP obeys docs/access.md."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from access_world import build, rule_allows, world_strategy
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from sqlalchemy.orm import Session

from crimelink.services.auth import create_api_token
from crimelink.settings import Settings
from crimelink.store.engine import make_engine
from crimelink.web.app import create_app


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=world_strategy)
def test_api_returns_exactly_what_the_rule_allows(
    world: dict[str, Any], sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "api-world.db"
    path.unlink(missing_ok=True)
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as session:
            actor, ids, specs = build(session, world)
            token, _ = create_api_token(session, actor=actor, name="property test", scopes=["read"])
            session.commit()
        expected = {rid for rid in ids if rule_allows(world, specs[rid])}
        app = create_app(Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{path}"), engine)
        with TestClient(app) as client:
            headers = {"Authorization": f"Bearer {token}"}
            found = client.get("/api/records/search", params={"q": "zebedee", "limit": 100}, headers=headers)
            assert found.status_code == 200, found.text
            body = found.json()
            assert {r["id"] for r in body["records"]} == expected
            hidden = Counter(f"A{specs[rid]['agency']}" for rid in ids if rid not in expected)
            assert {n["agency_code"]: n["count"] for n in body["held_elsewhere"]} == dict(hidden)
            for rid in ids:
                marker = f"MARKER{ids.index(rid)}X"
                assert (marker in found.text) == (rid in expected)
                page = client.get(f"/api/records/{rid}", headers=headers)
                assert page.status_code == 200
                assert page.json()["kind"] == ("record" if rid in expected else "held_elsewhere")
                assert (marker in page.text) == (rid in expected)
    finally:
        engine.dispose()
