"""Importing FollowTheMoney entities as a dataset: the demo's export re-imports with the same entities and
links, a repeat import stores nothing twice, bad lines are quarantined naming the line and the property,
and only analysts may import. The CLI does both directions.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from exports_world import FRESH_ANALYST, ExportWorld, actor, export_world, fresh_store
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crimelink.cli import app
from crimelink.errors import PermissionDeniedError
from crimelink.linkage.resolve import resolve_entities
from crimelink.reports.exports import run_export
from crimelink.services.ftm_import import import_ftm
from crimelink.settings import get_settings
from crimelink.store.engine import session_scope
from crimelink.store.models import AuditEvent, MatchJudgement, QuarantineEntry, SourceRecord

DATASET = "aleph-roundtrip"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> ExportWorld:
    return export_world(tmp_path_factory.mktemp("exports-world"), sqlite_template)


@pytest.fixture(scope="module")
def exported(world: ExportWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The analyst's FtM export of the demo."""
    path = tmp_path_factory.mktemp("ftm") / "demo.ftm.json"
    with session_scope(world.engine) as session, path.open("wb") as handle:
        run_export(session, actor(session, "analyst.demo"), "ftm", out=handle)
    return path


@pytest.fixture(scope="module")
def reimported(
    world: ExportWorld, exported: Path, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Engine:
    """A fresh store with the export imported as a dataset (its entities already resolved) and resolved."""
    engine = fresh_store(tmp_path_factory.mktemp("fresh") / "fresh.db", sqlite_template, world.settings)
    with Session(engine) as session:
        analyst = actor(session, FRESH_ANALYST)
    summary = import_ftm(engine, analyst, exported, dataset=DATASET, deduplicated=True)
    assert summary.quarantined == 0
    resolve_entities(engine)
    return engine


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _export_again(engine: Engine) -> tuple[list[dict[str, Any]], dict[str, set[str]]]:
    """The fresh store's FtM export, and each of its entity ids -> the original FtM ids it holds."""
    with session_scope(engine) as session:
        analyst = actor(session, FRESH_ANALYST)
        ftm, tables = io.BytesIO(), io.BytesIO()
        run_export(session, analyst, "ftm", out=ftm)
        run_export(session, analyst, "csv", out=tables)
    entities = [json.loads(line) for line in ftm.getvalue().decode().splitlines()]
    rows = csv.DictReader(io.StringIO(zipfile.ZipFile(tables).read("entities.csv").decode("utf-8-sig")))
    held = {
        f"crimelink-entity-{row['entity_id']}": {
            ref.rsplit("/", 1)[1]
            for ref in row["records"].split("; ")
            if ref.rsplit("/", 1)[1].startswith("crimelink-entity-")
        }
        for row in rows
    }
    return entities, held


def _ends(entity: dict[str, Any]) -> tuple[str, str]:
    values = [v[0] for k, v in entity["properties"].items() if v and v[0].startswith("crimelink-entity-")]
    assert len(values) == 2, entity
    return values[0], values[1]


def test_the_demos_export_reimports_with_the_same_entities_and_links(
    exported: Path, reimported: Engine
) -> None:
    before = _lines(exported)
    after, held = _export_again(reimported)
    schema_of = {e["id"]: e["schema"] for e in before}
    things = [e for e in before if e["id"] in schema_of and "crimelink-link" not in e["id"]]
    # Every entity of the export is in exactly one entity of the fresh store, of the same schema.
    where: dict[str, str] = {}
    for new_id, originals in held.items():
        for original in originals:
            assert original not in where, f"{original} landed in two entities"
            where[original] = new_id
    assert set(where) == {e["id"] for e in things}
    new_schema = {e["id"]: e["schema"] for e in after}
    # The export's entities were resolved already (``deduplicated``): linkage joins none of them.
    assert all(len(originals) == 1 for originals in held.values())
    assert all(new_schema[where[e["id"]]] == e["schema"] for e in things)
    assert Counter(e["schema"] for e in after) == Counter(e["schema"] for e in before)
    # The same links, of the same schema, between the same entities.
    links_before = {
        (e["schema"], frozenset(where[end] for end in _ends(e)))
        for e in before
        if "crimelink-link" in e["id"]
    }
    links_after = {(e["schema"], frozenset(_ends(e))) for e in after if "crimelink-link" in e["id"]}
    assert links_after == links_before
    assert len(links_after) == sum(1 for e in before if "crimelink-link" in e["id"])


def test_the_files_references_are_recorded_as_judgements_and_a_repeat_import_stores_nothing(
    exported: Path, reimported: Engine
) -> None:
    with Session(reimported) as session:
        analyst = actor(session, FRESH_ANALYST)
        judgements = session.scalar(select(func.count(MatchJudgement.id)))
        records = session.scalar(select(func.count(SourceRecord.id)))
    links = sum(1 for e in _lines(exported) if "crimelink-link" in e["id"])
    assert judgements == 2 * links, "each end of each link is judged the entity it names"
    again = import_ftm(reimported, analyst, exported, dataset=DATASET)
    assert again.stored == 0
    assert again.unchanged == again.rows_read == len(_lines(exported))
    with Session(reimported) as session:
        assert session.scalar(select(func.count(MatchJudgement.id))) == judgements
        assert session.scalar(select(func.count(SourceRecord.id))) == records
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "dataset.import").order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None
        assert event.actor == FRESH_ANALYST
        assert event.details["format"] == "ftm"


BAD_FILE = [
    {"id": "p1", "schema": "Person", "properties": {"name": ["Jane Doe"], "birthDate": ["1990-04-03"]}},
    "this is not json",
    {"id": "p2", "schema": "Persona", "properties": {"name": ["Nobody"]}},
    {"id": "p3", "schema": "Person", "properties": {"name": ["Ann Other"], "shoeSize": ["9"]}},
    {"id": "p4", "schema": "Person", "properties": {"name": ["Rob Year"], "birthDate": ["1990"]}},
    {"id": "l1", "schema": "Associate", "properties": {"person": ["p1"], "associate": ["ghost"]}},
    {
        "id": "c1",
        "schema": "Company",
        "properties": {"name": ["Acme Ltd"], "registrationNumber": ["01234567"]},
    },
    {"id": "l2", "schema": "Directorship", "properties": {"director": ["p1"], "organization": ["c1"]}},
    {"id": "d1", "schema": "Sanction", "properties": {"entity": ["p1"], "program": ["UK"]}},
]


def test_bad_lines_are_quarantined_naming_the_line_and_the_property(
    world: ExportWorld, tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "mixed.ftm.json"
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in BAD_FILE) + "\n",
        encoding="utf-8",
    )
    engine = fresh_store(tmp_path / "fresh.db", sqlite_template, world.settings)
    with Session(engine) as session:
        analyst = actor(session, FRESH_ANALYST)
    summary = import_ftm(engine, analyst, path, dataset="mixed")
    assert (summary.stored, summary.quarantined) == (3, 6)
    with Session(engine) as session:
        entries = {
            entry.row_number: (entry.column, entry.reason, entry.file_name)
            for entry in session.scalars(select(QuarantineEntry))
        }
        stored = set(session.scalars(select(SourceRecord.source_key)))
    assert stored == {"p1", "c1", "l2"}
    assert {line: column for line, (column, _, _) in entries.items()} == {
        2: "(line)",
        3: "schema",
        4: "shoeSize",
        5: "person Person.birthDate",
        6: "associate",
        9: "schema",
    }
    assert all(name == "mixed.ftm.json" for _, _, name in entries.values())
    assert "'ghost' is not in the file" in entries[6][1]
    assert "Sanction entities are not imported" in entries[9][1]
    assert "1990" in entries[5][1]


def test_only_analysts_may_import(world: ExportWorld, exported: Path) -> None:
    with Session(world.engine) as session:
        partner = actor(session, "partner.demo")
    with pytest.raises(PermissionDeniedError):
        import_ftm(world.engine, partner, exported, dataset="not-allowed")


def test_the_command_line_exports_and_imports(
    world: ExportWorld, tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    out = tmp_path / "group.graphml"
    monkeypatch.setenv("CRIMELINK_DATABASE_URL", str(world.engine.url))
    monkeypatch.setenv("CRIMELINK_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    answer = runner.invoke(
        app, ["export", "graphml", "--as", "analyst.demo", "--group", "1", "--out", str(out)]
    )
    assert answer.exit_code == 0, answer.output
    assert "GraphML:" in answer.output
    assert out.read_text(encoding="utf-8").startswith("<?xml")
    ftm = tmp_path / "all.ftm.json"
    answer = runner.invoke(app, ["export", "ftm", "--as", "partner.demo", "--out", str(ftm)])
    assert answer.exit_code == 0, answer.output
    fresh = fresh_store(tmp_path / "fresh.db", sqlite_template, world.settings)
    monkeypatch.setenv("CRIMELINK_DATABASE_URL", str(fresh.url))
    get_settings.cache_clear()
    answer = runner.invoke(app, ["import-ftm", str(ftm), "--dataset", "from-partner", "--as", FRESH_ANALYST])
    assert answer.exit_code == 0, answer.output
    assert "0 quarantined" in answer.output
    with Session(fresh) as session:
        assert session.scalar(select(func.count(SourceRecord.id))) == len(ftm.read_text().splitlines())
    get_settings.cache_clear()
