"""The demo borough's deconfliction scenarios: loaded through the services, they give exactly the
conflicts the ground truth expects, and each side is told what the blind rule allows.

One small demo (size 2,000) is generated, loaded, resolved and given its users once for the module;
the operations are registered once, and the test of running it again checks nothing more is stored.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crimelink.access import Actor
from crimelink.cli import app
from crimelink.demo import generate_demo
from crimelink.demo.loader import load_demo
from crimelink.demo.operations import REGISTERED_AT, respelt
from crimelink.demo.operations_loader import DemoOperationsSummary, load_demo_operations, read_operations
from crimelink.demo.world import REFERENCE_DATE
from crimelink.domain import Purpose
from crimelink.linkage.resolve import resolve_entities
from crimelink.services.auth import actor_for_user, check_password_rules
from crimelink.services.deconfliction import (
    desk_board,
    desk_conflict,
    get_operation,
    my_conflicts,
    my_notifications,
    my_operations,
)
from crimelink.services.demo_users import DEMO_OPERATION_OFFICERS, ensure_demo_users
from crimelink.settings import Settings, get_settings
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import (
    Agency,
    Dataset,
    DeconflictionNotification,
    Interest,
    Operation,
    OperationConflict,
    RecordEntityLink,
    SourceRecord,
    User,
)

SEED = 20261128


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    directory = tmp_path_factory.mktemp("demo-operations-settings")
    return Settings(_env_file=None, data_dir=directory, secret_key=SecretStr("demo-operations-" + "s" * 40))


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, settings: Settings
) -> Iterator[tuple[Path, Engine, DemoOperationsSummary]]:
    """A size-2,000 demo, loaded, resolved, with its users, and its operations registered once."""
    directory = tmp_path_factory.mktemp("demo-operations")
    generate_demo(directory / "demo", seed=SEED, size=2000)
    path = directory / "crimelink.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    load_demo(engine, directory / "demo")
    resolve_entities(engine)
    with session_scope(engine) as session:
        ensure_demo_users(session, settings)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(path, directory / "before-operations.db")  # for the command line's test
    with session_scope(engine) as session:
        summary = load_demo_operations(session, directory / "demo", settings)
    yield directory / "demo", engine, summary
    engine.dispose()


@pytest.fixture(scope="module")
def truth(demo: tuple[Path, Engine, DemoOperationsSummary]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (demo[0] / "ground_truth" / "truth.json").read_text(encoding="utf-8")
    )
    return document


@pytest.fixture(scope="module")
def planned(demo: tuple[Path, Engine, DemoOperationsSummary]) -> dict[str, Any]:
    return read_operations(demo[0])


@pytest.fixture
def session(demo: tuple[Path, Engine, DemoOperationsSummary]) -> Iterator[Session]:
    """A session whose reads (and their audit events) are rolled back: the store stays as loaded."""
    with Session(demo[1]) as reading:
        yield reading
        reading.rollback()


def _actor(session: Session, username: str) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).one()
    return actor_for_user(session, user, Purpose.OPERATIONAL_DECONFLICTION)


def _entry(planned: dict[str, Any], key: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(e for e in planned["operations"] + planned["interests"] if e["key"] == key)
    return entry


def _side_ref(session: Session, planned: dict[str, Any], key: str) -> tuple[str, int | None]:
    """("operation" | "interest", id) of the stored entry behind an operations.json key."""
    entry = _entry(planned, key)
    if "name" in entry:
        return "operation", session.scalars(select(Operation.id).where(Operation.name == entry["name"])).one()
    return "interest", session.scalars(select(Interest.id).where(Interest.label == entry["label"])).one()


def _conflict_refs(row: OperationConflict) -> frozenset[tuple[str, int | None]]:
    second = ("interest", row.interest_id) if row.interest_id else ("operation", row.other_operation_id)
    return frozenset({("operation", row.operation_id), second})


def test_the_scenarios_are_chosen_from_the_world_near_the_reference_date(
    planned: dict[str, Any], truth: dict[str, Any]
) -> None:
    scenarios = truth["deconfliction"]["scenarios"]
    premises = truth["premises"]
    day_of_action = _entry(planned, "glaa-day-of-action")
    uprns = [location["uprn"] for location in day_of_action["locations"]]
    assert uprns == [premises[h]["uprn"] for h in scenarios["glaa-day-of-action"]["premises"]]
    assert len(set(uprns)) == 6
    slavery = next(g for g in truth["groups"] if g["scenario"] == "MODERN_SLAVERY")
    assert set(slavery["businesses"]) < set(scenarios["glaa-day-of-action"]["businesses"])
    watched = premises[scenarios["glaa-day-of-action"]["under_covert_surveillance"]]["uprn"]
    assert [loc["uprn"] for loc in _entry(planned, "police-covert-surveillance")["locations"]] == [watched]
    assert watched in uprns

    shop = premises[scenarios["trading-standards-visit"]["premises"]]["uprn"]
    assert _entry(planned, "police-interest-in-shop")["subject"] == {"kind": "UPRN", "value": shop}
    assert [loc["uprn"] for loc in _entry(planned, "trading-standards-visit")["locations"]] == [shop]

    person = truth["persons"][scenarios["same-person-two-spellings"]["person"]]
    spellings = scenarios["same-person-two-spellings"]["spellings"]
    assert spellings["POLICE"] != spellings["LBA-HOUSING"]
    assert respelt(person["family_name"]).upper() in spellings["POLICE"]
    assert spellings["LBA-HOUSING"] == f"{person['family_name'].upper()}, {person['given_name']}"

    start = datetime.combine(REFERENCE_DATE, datetime.min.time(), tzinfo=UTC)
    for operation in planned["operations"]:
        begins = datetime.fromisoformat(operation["starts_at"])
        assert start < begins < datetime.fromisoformat(operation["ends_at"])
        assert (begins - start).days < 31
    assert datetime.fromisoformat(planned["registered_at"]) == REGISTERED_AT


def test_loading_the_operations_yields_exactly_the_expected_conflicts(
    session: Session, planned: dict[str, Any], truth: dict[str, Any]
) -> None:
    expected = {
        frozenset(_side_ref(session, planned, key) for key in conflict["sides"]): (
            frozenset(conflict["kinds"]),
            conflict["grade"],
        )
        for conflict in truth["deconfliction"]["expected_conflicts"]
    }
    found = {
        _conflict_refs(row): (frozenset(row.kinds), row.grade.value)
        for row in session.scalars(select(OperationConflict))
    }
    assert found == expected
    assert len(found) == 3
    assert {grade for _, grade in found.values()} == {"RED", "AMBER"}


def test_the_glaa_side_sees_only_hold_for_the_covert_surveillance(
    session: Session, planned: dict[str, Any], truth: dict[str, Any]
) -> None:
    glaa = _actor(session, "glaa.demo")
    (conflict,) = my_conflicts(session, glaa)
    told = next(
        c for c in truth["deconfliction"]["expected_conflicts"] if c["scenario"] == "glaa-day-of-action"
    )
    expected = told["told"]["GLAA"]
    counterpart = conflict.counterpart
    assert counterpart.hold is expected["hold"] is True
    assert counterpart.message == expected["message"] == "Hold: contact the police SOC desk."
    assert (counterpart.agency_code, counterpart.grade, list(counterpart.kinds)) == (None, None, [])
    assert conflict.your_items == []

    secret = _entry(planned, "police-covert-surveillance")
    secrets = [secret["name"], secret["officer"], secret["contact_24h"], "SURVEILLANCE", "COVERT", "POLICE"]
    secrets += [secret["starts_at"][:10], secret["ends_at"][:10]]
    secrets.append(session.scalars(select(Agency.name).where(Agency.code == "POLICE")).one())
    watch = session.scalars(select(Operation).where(Operation.name == secret["name"])).one()
    secrets += [target.identifier_value for target in watch.targets]  # as stored, normalised

    def text(views: list[Any]) -> str:
        return json.dumps([asdict(view) for view in views], default=str, ensure_ascii=False)

    def everything(actor: Actor) -> str:
        return text(
            [*my_conflicts(session, actor), *my_notifications(session, actor), *my_operations(session, actor)]
        )

    advisor = _actor(session, "advisor.demo")
    owner_sees = text([get_operation(session, advisor, watch.id)])
    assert [s for s in secrets if s not in owner_sees] == []
    assert [s for s in secrets if s in everything(glaa)] == []


def test_each_side_of_the_other_conflicts_learns_the_agency_kind_and_grade(
    session: Session, truth: dict[str, Any]
) -> None:
    users = {"POLICE": "advisor.demo", "LBA-TS": "tradingstandards.demo", "LBA-HOUSING": "partner.demo"}
    seen = {code: my_conflicts(session, _actor(session, name)) for code, name in users.items()}
    assert len(seen["POLICE"]) == 3  # the surveillance's, the interest's and the arrest's
    for conflict in truth["deconfliction"]["expected_conflicts"]:
        for code, told in conflict["told"].items():
            if code == "GLAA":
                continue
            views = [v.counterpart for v in seen[code] if v.counterpart.agency_code == told["agency_code"]]
            assert [(v.hold, set(v.kinds), v.grade, v.about) for v in views] == [
                (False, set(told["kinds"]), told["grade"], told["about"])
            ], (conflict["scenario"], code)


def test_the_two_spellings_resolve_to_the_planted_person(
    session: Session, planned: dict[str, Any], truth: dict[str, Any]
) -> None:
    arrest, visit = (
        session.scalars(select(Operation).where(Operation.name == _entry(planned, key)["name"])).one()
        for key in ("police-arrest", "housing-welfare-visit")
    )
    (police_target,), (housing_target,) = arrest.targets, visit.targets
    assert police_target.identifier_value != housing_target.identifier_value
    assert police_target.entity_id is not None
    assert police_target.entity_id == housing_target.entity_id

    links = session.execute(
        select(Agency.code, Dataset.code, SourceRecord.source_key, RecordEntityLink.party)
        .join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
        .join(Dataset, Dataset.id == SourceRecord.dataset_id)
        .join(Agency, Agency.id == SourceRecord.agency_id)
        .where(RecordEntityLink.entity_id == police_target.entity_id)
    ).all()
    people = Counter(truth["records"][f"{a}/{d}/{key}"].get(party) for a, d, key, party in links)
    planted = truth["deconfliction"]["scenarios"]["same-person-two-spellings"]["person"]
    assert people.most_common(1)[0][0] == planted


def test_the_desk_sees_all_three_in_full(session: Session, planned: dict[str, Any]) -> None:
    desk = _actor(session, "deconfliction.demo")
    board = desk_board(session, desk)
    counts = board.counts
    assert (counts.get("RED"), counts.get("AMBER"), counts.get("INFORMATION", 0)) == (1, 2, 0)
    titles = set()
    for summary in board.red + board.amber:
        view = desk_conflict(session, desk, summary.id)
        for side in (view.first, view.second):
            full = side.operation or side.interest
            assert full is not None
            titles.add(side.operation.name if side.operation else side.interest.label)  # type: ignore[union-attr]
        if view.grade == "RED":
            held = next(s for s in (view.first, view.second) if s.agency_code == "GLAA")
            assert held.told.hold
            watching = next(s for s in (view.first, view.second) if s.agency_code == "POLICE")
            assert watching.operation is not None
            assert watching.operation.visibility == "COVERT"
            assert watching.operation.locations[0].uprn is not None
    expected = {e["name"] for e in planned["operations"]} | {e["label"] for e in planned["interests"]}
    assert titles == expected


def test_loading_again_registers_nothing_twice(
    demo: tuple[Path, Engine, DemoOperationsSummary], settings: Settings
) -> None:
    directory, engine, first = demo
    assert len(first.registered) == 6
    assert first.already_there == []

    def counts() -> tuple[int, ...]:
        with Session(engine) as session:
            return tuple(
                session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Operation, Interest, OperationConflict, DeconflictionNotification, User)
            )

    before = counts()
    with session_scope(engine) as session:
        again = load_demo_operations(session, directory, settings)
    assert again.registered == []
    assert len(again.already_there) == 6
    assert counts() == before


def test_the_operation_officers_sign_in_with_documented_passwords(settings: Settings) -> None:
    for officer in DEMO_OPERATION_OFFICERS:
        assert check_password_rules(officer.password, officer.username, settings) == []


def test_the_command_registers_them_once_and_prints_what_each_owner_was_told(
    demo: tuple[Path, Engine, DemoOperationsSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``crimelink demo operations``, twice, on the store as it was before any operation."""
    directory = demo[0]
    copy = tmp_path / "cli.db"
    shutil.copyfile(directory.parent / "before-operations.db", copy)
    monkeypatch.setenv("CRIMELINK_DATABASE_URL", f"sqlite:///{copy}")
    monkeypatch.setenv("CRIMELINK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        first = CliRunner().invoke(app, ["demo", "operations", "--dir", str(directory)])
        second = CliRunner().invoke(app, ["demo", "operations", "--dir", str(directory)])
    finally:
        get_settings.cache_clear()
    assert first.exit_code == 0, first.output
    assert "1 of them a hold" in first.output
    assert "glaa.demo" in first.output
    assert "ashvale-demo-glaa-2026" in first.output
    assert second.exit_code == 0, second.output
    assert "6 already registered: nothing to do" in second.output
    assert "registered " not in second.output
    store = make_engine(f"sqlite:///{copy}")
    with Session(store) as session:
        assert session.scalar(select(func.count()).select_from(OperationConflict)) == 3
    store.dispose()
