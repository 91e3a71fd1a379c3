"""The `crimelink` command as an analyst uses it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from crimelink.cli import app
from crimelink.settings import get_settings
from crimelink.store import migrate

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CRIMELINK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CRIMELINK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result.output


def test_upgrade_import_quarantine_and_stats(store: Path) -> None:
    assert f"empty -> {migrate.head_revision()}" in invoke("db", "upgrade")
    invoke(
        "agency",
        "add",
        "LBX-TS",
        "Trading Standards",
        "--kind",
        "LA_TRADING_STANDARDS",
        "--contact",
        "TS desk",
    )
    assert "LBX-TS" in invoke("agency", "list")
    (store / "complaints.csv").write_text(
        "Ref,Trader,Phone,Date\nC1,Quick Clearances Ltd,07700 900001,01/02/2026\nC2,Bad Trader,not a phone,01/02/2026\n",
        encoding="utf-8",
    )
    (store / "complaints.yaml").write_text(
        yaml.safe_dump(
            {
                "dataset": "complaints",
                "title": "Consumer complaints",
                "agency": "LBX-TS",
                "record_id": "Ref",
                "columns": {
                    "Trader": "trader.business_name",
                    "Phone": "trader.phone",
                    "Date": "record.event_date",
                },
            }
        ),
        encoding="utf-8",
    )
    output = invoke("import", str(store / "complaints.csv"), "--mapping", str(store / "complaints.yaml"))
    assert "LBX-TS/complaints" in output
    assert "1 row(s) quarantined" in output
    listing = invoke("quarantine", "--dataset", "LBX-TS/complaints")
    assert "complaints.csv" in listing
    assert "Phone" in listing
    assert "not a phone" in listing
    stats = invoke("stats")
    assert "complaints" in stats
    assert "1 agencies" in stats
    assert "1 datasets" in stats


def test_an_unmigrated_store_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from crimelink.cli import main; main()", "stats"],
        env={
            "CRIMELINK_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}",
            "PATH": "/usr/bin:/bin",
            "COLUMNS": "200",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "run `crimelink db upgrade` first" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
