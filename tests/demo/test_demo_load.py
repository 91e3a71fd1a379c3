"""The demo borough loads through the ordinary import path, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crimelink.demo import generate_demo
from crimelink.demo.loader import load_demo
from crimelink.domain import Classification, HandlingCode
from crimelink.services.stats import dataset_counts, grading_counts
from crimelink.store.models import Agency, Dataset, IntelligenceReport, QuarantineEntry, SourceRecord


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    generate_demo(directory, seed=7, size=3000)
    return directory


def test_demo_loads_every_register_and_quarantines_exactly_the_planted_bad_rows(
    engine: Engine, demo_dir: Path
) -> None:
    summaries = load_demo(engine, demo_dir)
    truth = json.loads((demo_dir / "ground_truth" / "truth.json").read_text())
    expected_bad = {(Path(q["file"]).name, q["row"]) for q in truth["expected_quarantine"]}
    assert expected_bad, "the demo plants broken rows to show quarantine"
    rows_in_truth = len(truth["records"])
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Agency)) >= 8
        assert session.scalar(select(func.count()).select_from(Dataset)) == len(summaries)
        quarantined = set(
            session.execute(select(QuarantineEntry.file_name, QuarantineEntry.row_number)).all()
        )
        stored = session.scalar(select(func.count()).select_from(SourceRecord))
        children = session.scalars(
            select(SourceRecord).join(Dataset).where(Dataset.code == "children-known").limit(5)
        ).all()
        reports = session.scalar(select(func.count()).select_from(IntelligenceReport))
        grades = grading_counts(session)
        counts = dataset_counts(session)
    assert quarantined == expected_bad
    assert stored == rows_in_truth - len(expected_bad)
    assert sum(c.records for c in counts) == stored
    assert reports > 0
    assert any(g.endswith(" P") for g in grades)
    assert any(g.endswith(" C") for g in grades)
    assert any(g.endswith("(5x5x5)") for g in grades)
    assert children
    for record in children:
        assert record.classification is Classification.OFFICIAL_SENSITIVE
        assert "CHILDREN" in record.caveats
        assert record.handling_code is HandlingCode.CONDITIONS
        assert record.handling_conditions


def test_loading_the_demo_again_stores_nothing_twice(sqlite_engine: Engine, demo_dir: Path) -> None:
    first = load_demo(sqlite_engine, demo_dir)
    second = load_demo(sqlite_engine, demo_dir)
    assert sum(s.stored for s in second) == 0
    assert sum(s.unchanged for s in second) == sum(s.stored for s in first)
    with Session(sqlite_engine) as session:
        assert session.scalar(select(func.count()).select_from(SourceRecord)) == sum(s.stored for s in first)
