"""The audit trail is append-only and `crimelink audit verify` finds tampering done behind its back."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from crimelink.services.audit import verify_chain
from crimelink.store.audit import append_event
from crimelink.store.models import AuditEvent


def write_events(engine: Engine, count: int = 5) -> list[int]:
    with Session(engine) as session:
        ids = [
            append_event(
                session, actor=f"user{i}", action="view", resource_type="record", resource_id=str(i)
            ).id
            for i in range(count)
        ]
        session.commit()
    return ids


def bypass_guards(
    engine: Engine, statement: str, params: dict[str, object], *more: tuple[str, dict[str, object]]
) -> None:
    """What an intruder with database rights could do: switch the triggers off and change rows."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            for name in ("audit_events_no_update", "audit_events_no_delete"):
                connection.exec_driver_sql(f"DROP TRIGGER {name}")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
        for sql, values in ((statement, params), *more):
            connection.execute(text(sql), values)


def test_an_intact_trail_verifies(engine: Engine) -> None:
    write_events(engine)
    with Session(engine) as session:
        report = verify_chain(session)
    assert report.ok
    assert report.checked == 5


def test_events_appended_at_the_same_time_keep_one_chain(engine: Engine) -> None:
    """Each append reads the chain's last hash after taking its turn (on PostgreSQL the insert reads it and
    makes the new hash itself), so events appended at once from many sessions still form one chain, with
    details that need escaping kept as given."""
    details = {"note": 'quote " backslash \\ newline \n £ and ü', "n": [1, 2.5, None]}

    def append(worker: int) -> None:
        for i in range(15):
            with Session(engine) as session:
                appended = append_event(
                    session,
                    actor=f"user{worker}",
                    action="view",
                    resource_type="record",
                    resource_id=f"{worker}-{i}",
                    details=details,
                )
                session.commit()
            assert len(appended.hash) == 64
            assert appended.prev_hash != appended.hash

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(append, range(6)))
    with Session(engine) as session:
        report = verify_chain(session)
        stored = session.scalars(select(AuditEvent.details).where(AuditEvent.actor == "user3")).all()
        times = session.scalars(select(AuditEvent.occurred_at).order_by(AuditEvent.id)).all()
    assert report.problems == []
    assert times == sorted(times), "times follow the chain"
    assert report.checked == 90
    assert stored == [details] * 15


def test_the_application_cannot_alter_or_delete_events(engine: Engine) -> None:
    ids = write_events(engine, 2)
    with Session(engine) as session:
        event = session.get(AuditEvent, ids[0])
        assert event is not None
        event.actor = "mallory"
        with pytest.raises(DBAPIError, match="append-only"):
            session.commit()
        session.rollback()
        session.delete(session.get(AuditEvent, ids[1]))
        with pytest.raises(DBAPIError, match="append-only"):
            session.commit()


def test_an_altered_event_is_reported(engine: Engine) -> None:
    ids = write_events(engine)
    bypass_guards(engine, "UPDATE audit_events SET actor = 'mallory' WHERE id = :id", {"id": ids[2]})
    with Session(engine) as session:
        report = verify_chain(session)
    assert report.problems == [f"event {ids[2]} was altered: its content no longer matches its hash"]


def test_a_removed_event_is_reported(engine: Engine) -> None:
    ids = write_events(engine)
    bypass_guards(engine, "DELETE FROM audit_events WHERE id = :id", {"id": ids[1]})
    with Session(engine) as session:
        report = verify_chain(session)
    assert report.problems == [
        f"the chain breaks before event {ids[2]}: an event was removed, inserted or reordered"
    ]


def test_reordered_events_are_reported(engine: Engine) -> None:
    ids = write_events(engine)
    with Session(engine) as session:
        rows = {e.id: e for e in session.scalars(select(AuditEvent))}
        fields = ("actor", "resource_id", "hash", "prev_hash", "occurred_at")
        first = {f: getattr(rows[ids[1]], f) for f in fields}
        second = {f: getattr(rows[ids[3]], f) for f in fields}
    assignment = ", ".join(f"{f} = :{f}" for f in fields)
    # Swap two events' contents (hashes are unique, so park one first).
    bypass_guards(
        engine,
        "UPDATE audit_events SET hash = :parked WHERE id = :id",
        {"parked": "f" * 64, "id": ids[1]},
        (f"UPDATE audit_events SET {assignment} WHERE id = :id", {**first, "id": ids[3]}),
        (f"UPDATE audit_events SET {assignment} WHERE id = :id", {**second, "id": ids[1]}),
    )
    with Session(engine) as session:
        report = verify_chain(session)
    assert not report.ok
    assert any(f"before event {ids[1]}" in p for p in report.problems)


def test_the_verify_command_reports_a_changed_row(sqlite_engine: Engine, tmp_path: Path) -> None:
    ids = write_events(sqlite_engine)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    command = [sys.executable, "-c", "from crimelink.cli import main; main()", "audit", "verify"]
    env = {"CRIMELINK_DATABASE_URL": url, "PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    clean = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "audit trail intact: 5 events" in clean.stdout

    bypass_guards(sqlite_engine, "UPDATE audit_events SET outcome = 'denied' WHERE id = :id", {"id": ids[3]})
    tampered = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert tampered.returncode == 1
    assert f"event {ids[3]} was altered" in tampered.stdout
    assert "NOT intact" in tampered.stdout
