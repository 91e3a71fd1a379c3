"""An import killed part-way leaves whole batches only, and the next import finishes the job."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimelink.store import migrate
from crimelink.store.engine import make_engine
from crimelink.store.models import ImportRun, QuarantineEntry, SourceRecord

ROWS = 200_000
BAD_EVERY = 9973  # a prime, so bad rows fall in many batches


def write_register(path: Path) -> int:
    bad = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Ref", "Name", "DOB", "Postcode", "Phone"])
        for i in range(ROWS):
            dob = f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 50}"
            if i % BAD_EVERY == 0:
                dob, bad = "31/02/1980", bad + 1
            writer.writerow(
                [f"R{i:06d}", f"Person {chr(65 + i % 26)} Number", dob, "E20 1AA", f"07700 900{i % 1000:03d}"]
            )
    return bad


def run_import(env: dict[str, str], data: Path, mapping: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from crimelink.cli import main; main()",
            "import",
            str(data),
            "--mapping",
            str(mapping),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_killed_import_leaves_the_store_consistent_and_can_finish(tmp_path: Path) -> None:
    data = tmp_path / "register.csv"
    bad = write_register(data)
    mapping = tmp_path / "register.mapping.yaml"
    mapping.write_text(
        yaml.safe_dump(
            {
                "dataset": "register",
                "title": "A big register",
                "agency": "LBX-TS",
                "record_id": "Ref",
                "columns": {
                    "Name": "subject.full_name",
                    "DOB": "subject.dob",
                    "Postcode": "subject.postcode",
                    "Phone": "subject.phone",
                },
            }
        )
    )
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    env = {**os.environ, "CRIMELINK_DATABASE_URL": url, "CRIMELINK_IMPORT_BATCH_SIZE": "2000"}
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from crimelink.cli import main; main()",
            "agency",
            "add",
            "LBX-TS",
            "Trading Standards",
            "--kind",
            "LA_TRADING_STANDARDS",
        ],
        env=env,
        check=True,
        capture_output=True,
    )

    process = run_import(env, data, mapping)
    deadline = time.monotonic() + 120
    checkpoint = 0
    while time.monotonic() < deadline and checkpoint < 30_000:
        time.sleep(0.05)
        with Session(engine) as session:
            checkpoint = session.scalar(select(func.max(ImportRun.checkpoint_row))) or 0
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert checkpoint >= 30_000, "the import made no progress to interrupt"

    with Session(engine) as session:
        run = session.scalars(select(ImportRun)).one()
        assert run.status == "running"  # killed: nobody marked it finished
        stored_rows = set(session.scalars(select(SourceRecord.row_number)))
        quarantined_rows = set(session.scalars(select(QuarantineEntry.row_number)))
    killed_at = run.checkpoint_row
    assert killed_at < ROWS + 1, "the import finished before it was killed"
    # Whole batches only: every row up to the checkpoint is either stored or quarantined, none after it.
    assert stored_rows | quarantined_rows == set(range(2, killed_at + 1))
    assert not stored_rows & quarantined_rows
    assert len(stored_rows) == run.rows_stored

    finished = subprocess.run(
        [
            sys.executable,
            "-c",
            "from crimelink.cli import main; main()",
            "import",
            str(data),
            "--mapping",
            str(mapping),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert "resumed after row" in finished.stdout
    with Session(engine) as session:
        total = session.scalar(select(func.count()).select_from(SourceRecord))
        distinct = session.scalar(select(func.count(func.distinct(SourceRecord.source_key))))
        quarantined = session.scalar(select(func.count()).select_from(QuarantineEntry))
        statuses = session.scalars(select(ImportRun.status).order_by(ImportRun.id)).all()
        first_run, second_run = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
    assert total == distinct == ROWS - bad
    assert quarantined == bad
    assert statuses == ["interrupted", "completed"]
    # The second run read only the rows after the checkpoint (the header is row 1, data rows 2..ROWS+1).
    assert second_run.resumed_from == first_run.id
    assert second_run.rows_read == ROWS + 1 - killed_at
    engine.dispose()
