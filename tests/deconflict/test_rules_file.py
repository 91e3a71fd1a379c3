"""A partnership's own deconfliction rules, read from a YAML file and used by the API, pages and CLI."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from deconflict_world import HERE, NEARBY, actor, build_store, location, operation_input
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner
from web_factories import PASSWORD, signed_in_as

from crimelink.cli_deconflict import deconflict_app
from crimelink.deconflict.rules import DEFAULT_RULES, load_rules
from crimelink.domain import Purpose
from crimelink.domain.deconfliction import ConflictGrade
from crimelink.errors import ReferenceDataError
from crimelink.services.auth import create_api_token, hash_password
from crimelink.services.deconfliction import register_operation
from crimelink.settings import Settings, get_settings
from crimelink.store.models import User
from crimelink.web import create_app

PARTNERSHIP_RULES = """\
# Ashvale's deconfliction rules: a wider buffer, and any place-and-time clash is red.
buffer_minutes: 240
place_time_grade: red
default_radius_m: 450
escalate_red_after_minutes: 30
desk_contact: Ashvale SOC desk 020 7946 0000 (24 hours)
"""


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_changes_the_rules_it_names_and_keeps_the_rest(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, PARTNERSHIP_RULES))
    assert rules.buffer == timedelta(hours=4)
    assert rules.place_time_grade is ConflictGrade.RED
    assert rules.default_radius_m == 450
    assert rules.escalate_red_after == timedelta(minutes=30)
    assert rules.desk_contact == "Ashvale SOC desk 020 7946 0000 (24 hours)"
    assert rules.premises_grade is DEFAULT_RULES.premises_grade
    assert rules.blocking_grades == DEFAULT_RULES.blocking_grades
    assert load_rules(write(tmp_path, "# nothing changed\n", "empty.yaml")) == DEFAULT_RULES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "bufer_minutes: 60\nplace_time_grade: pink\nbuffer_minutes: soon\n",
            [
                "rules.yaml: 'bufer_minutes' is not a deconfliction rule; use buffer_minutes",
                "rules.yaml: place_time_grade: 'pink' is not a grade; use red, amber or information",
                "rules.yaml: buffer_minutes: give a number of minutes, not 'soon'",
            ],
        ),
        ("blocking_grades: red\n", ["rules.yaml: blocking_grades: give a list of grades"]),
        ("buffer_minutes: -10\n", ["rules.yaml: buffer: must not be negative"]),
        ("default_radius_m: 5\n", ["rules.yaml: radii: need 0 < min_radius_m <= default_radius_m"]),
        ("- buffer_minutes\n", ["rules.yaml: must be a mapping of rule names to values"]),
        ("buffer_minutes: [60\n", ["rules.yaml: not valid YAML"]),
    ],
)
def test_a_mistake_in_the_file_is_named_with_its_rule(tmp_path: Path, text: str, expected: list[str]) -> None:
    with pytest.raises(ReferenceDataError) as raised:
        load_rules(write(tmp_path, text))
    message = str(raised.value)
    for words in expected:
        assert words in message
    assert message.count("rules.yaml:") == len(expected), "one line a problem, each naming the file"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match=r"nowhere\.yaml: file not found"):
        load_rules(tmp_path / "nowhere.yaml")


def settings_for(tmp_path: Path, rules_file: Path | None) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "var",
        secret_key=SecretStr("test-secret-key-" + "k" * 40),
        deconfliction_rules_file=rules_file,
    )


def later_operation(starts: datetime) -> dict[str, Any]:
    """GLAA's visit 70 m from trading standards' morning one, three hours after it ends."""
    return {
        "name": "GLAA afternoon visit",
        "officer": "Officer Kay Lamb",
        "contact_24h": "GLAA duty 07700 900321",
        "operation_type": "GLAA_INSPECTION",
        "starts_at": (starts + timedelta(hours=5)).isoformat(),
        "ends_at": (starts + timedelta(hours=6)).isoformat(),
        "locations": [{"latitude": NEARBY[0], "longitude": NEARBY[1], "radius_m": 300}],
    }


def registered_answer(sqlite_engine: Engine, tmp_path: Path, rules_file: Path | None) -> dict[str, Any]:
    """Trading standards' morning visit registered, then GLAA's afternoon one through the API."""
    app = create_app(settings_for(tmp_path, rules_file), sqlite_engine)
    starts = (datetime.now(UTC) + timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    with Session(sqlite_engine) as session:
        morning = operation_input(
            starts_at=starts, ends_at=starts + timedelta(hours=2), locations=[location(HERE)]
        )
        register_operation(
            session, actor(session, "ts.officer"), morning, rules=app.state.deconfliction_rules
        )
        token, _ = create_api_token(
            session,
            actor=actor(session, "glaa.officer"),
            name="GLAA tool",
            scopes=["read", "write"],
            purpose=Purpose.OPERATIONAL_DECONFLICTION,
        )
        session.commit()
    client = TestClient(app)
    response = client.post(
        "/api/operations", json=later_operation(starts), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_the_api_checks_with_the_partnerships_rules(sqlite_engine: Engine, tmp_path: Path) -> None:
    build_store(sqlite_engine)
    answer = registered_answer(sqlite_engine, tmp_path, write(tmp_path, PARTNERSHIP_RULES))
    (conflict,) = answer["conflicts"]
    assert conflict["counterpart"]["agency_code"] == "TS"
    assert conflict["counterpart"]["kinds"] == ["PLACE_TIME"]
    assert conflict["counterpart"]["grade"] == "RED", "the file makes a place-and-time clash red"


def test_without_the_file_the_same_operations_do_not_meet(sqlite_engine: Engine, tmp_path: Path) -> None:
    build_store(sqlite_engine)
    answer = registered_answer(sqlite_engine, tmp_path, None)
    assert answer["conflicts"] == [], "three hours apart is beyond the default two-hour buffer"


def test_the_register_form_offers_the_partnerships_default_radius(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    build_store(sqlite_engine)
    with Session(sqlite_engine) as session:
        user = session.scalars(select(User).where(User.username == "glaa.officer")).one()
        user.password_hash = hash_password(PASSWORD)
        session.commit()
    for rules_file, radius in ((write(tmp_path, PARTNERSHIP_RULES), "450"), (None, "300")):
        client = TestClient(create_app(settings_for(tmp_path, rules_file), sqlite_engine))
        signed_in_as(client, "glaa.officer")
        form = client.get("/operations/new").text
        offered = re.search(r'name="locations-0-radius_m"[^>]*value="([^"]*)"', form)
        assert offered is not None
        assert offered.group(1) == radius


def test_a_mistaken_file_stops_the_application_at_start(sqlite_engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match=r"rules\.yaml: 'buffer' is not a deconfliction rule"):
        create_app(settings_for(tmp_path, write(tmp_path, "buffer: 60\n")), sqlite_engine)


@pytest.fixture
def rules_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = write(tmp_path, PARTNERSHIP_RULES)
    monkeypatch.setenv("CRIMELINK_DECONFLICTION_RULES_FILE", str(path))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_the_cli_shows_the_rules_in_effect(rules_env: Path) -> None:
    result = CliRunner().invoke(deconflict_app, ["rules"])
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in result.output.splitlines()
        if line.count("│") == 3
    }
    assert rows["buffer_minutes"] == "240"
    assert rows["place_time_grade"] == "red"
    assert rows["premises_grade"] == "red"
    assert rows["escalate_red_after_minutes"] == "30"
    assert str(rules_env.name) in result.output
