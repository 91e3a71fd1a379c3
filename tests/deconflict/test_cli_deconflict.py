"""`crimelink deconflict escalate` and `check-all`, as the desk's scheduler runs them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from deconflict_world import NOW, actor, audit_events, build_store, operation_input
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crimelink.cli_deconflict import deconflict_app
from crimelink.services import deconfliction as dc
from crimelink.services.deconfliction import LocationInput
from crimelink.settings import get_settings
from crimelink.store import migrate
from crimelink.store.engine import make_engine

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("CRIMELINK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CRIMELINK_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    build_store(engine)
    engine.dispose()
    yield path
    get_settings.cache_clear()


def test_escalate_and_check_all_from_the_command_line(store: Path) -> None:
    engine = make_engine(f"sqlite:///{store}")
    with Session(engine) as session:
        for user in ("ts.officer", "glaa.officer"):
            dc.register_operation(
                session,
                actor(session, user),
                operation_input(locations=[LocationInput(uprn="100023336956")]),
                now=NOW,
            )
        session.commit()
    early = runner.invoke(deconflict_app, ["escalate", "--now", NOW.isoformat()])
    assert early.exit_code == 0, early.output
    assert "no red conflict" in early.output
    late = (NOW + timedelta(minutes=61)).isoformat()
    result = runner.invoke(deconflict_app, ["escalate", "--now", late])
    assert result.exit_code == 0, result.output
    assert "escalated 1 red conflict: 1" in result.output
    again = runner.invoke(deconflict_app, ["check-all", "--now", NOW.isoformat()])
    assert again.exit_code == 0, again.output
    assert "live operations checked" in again.output
    with Session(engine) as session:
        (escalation,) = audit_events(session, "conflict", "escalate")
        assert escalation.actor == "system:deconflict escalate"
        (summary,) = audit_events(session, "deconfliction", "check")
        assert summary.details["operations_checked"] == 2
        assert summary.details["conflicts_created"] == 0, "checking again finds nothing new"
    engine.dispose()
    bad = runner.invoke(deconflict_app, ["escalate", "--now", "tomorrow"])
    assert bad.exit_code != 0
    assert "YYYY-MM-DDTHH:MM" in bad.output
