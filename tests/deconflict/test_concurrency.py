"""Checks made at the same time: none fails, none misses another, and a re-check that finds nothing new
writes nothing but its record."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from deconflict_world import (
    DAY,
    HERE,
    NEARBY,
    NOW,
    actor,
    audit_events,
    build_store,
    location,
    operation_input,
)
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from crimelink.domain.deconfliction import ConflictStatus
from crimelink.services import deconfliction as dc
from crimelink.services.auth import create_api_token, resolve_api_token
from crimelink.store.models import ApiToken, DeconflictionNotification, Operation, OperationConflict


def run_at_once(jobs: list[Callable[[], None]]) -> list[BaseException]:
    """Run the jobs on threads released together; the errors they raised."""
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        start.wait()
        try:
            job()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        conflicts = session.scalar(select(func.count()).select_from(OperationConflict)) or 0
        notices = session.scalar(select(func.count()).select_from(DeconflictionNotification)) or 0
    return conflicts, notices


def test_rechecks_at_the_same_time_on_sqlite_all_answer_and_change_nothing(sqlite_engine: Engine) -> None:
    build_store(sqlite_engine)
    with Session(sqlite_engine) as session:
        glaa = actor(session, "glaa.officer")
        ts = actor(session, "ts.officer")
        mine = [
            dc.register_operation(
                session,
                glaa,
                operation_input(locations=[location(HERE)], starts_at=DAY + timedelta(hours=n)),
                now=NOW,
            ).operation.id
            for n in range(3)
        ]
        dc.register_operation(session, ts, operation_input(locations=[location(NEARBY)]), now=NOW)
        session.commit()
    before = counts(sqlite_engine)

    def recheck(operation_id: int) -> Callable[[], None]:
        def job() -> None:
            for _ in range(8):
                with Session(sqlite_engine) as session:
                    result = dc.check_operation(session, actor(session, "glaa.officer"), operation_id)
                    session.commit()
                assert result.created == 0

        return job

    errors = run_at_once([recheck(op) for op in mine + mine])
    assert errors == [], f"concurrent checks failed: {errors[:1]}"
    assert counts(sqlite_engine) == before, "re-checks that find nothing new store nothing new"
    with Session(sqlite_engine) as session:
        assert len(audit_events(session, "operation", "check")) == 4 + 48, "every check is still audited"
        checked = session.scalars(select(Operation.checked_at).where(Operation.id.in_(mine))).all()
        assert all(at is not None and at.replace(tzinfo=None) > NOW.replace(tzinfo=None) for at in checked)


def test_operations_registered_at_the_same_moment_meet_each_other(engine: Engine) -> None:
    """Each check must see the other's operation, or neither stores their conflict (the lock's job)."""
    build_store(engine)
    agencies = ["glaa.officer", "ts.officer", "bf.officer", "occ.ds"]
    for round_ in range(3):
        when = DAY + timedelta(days=2 * round_)

        def register(username: str, when: datetime = when) -> Callable[[], None]:
            def job() -> None:
                with Session(engine) as session:
                    dc.register_operation(
                        session,
                        actor(session, username),
                        operation_input(
                            name=f"At once {username}",
                            locations=[location(HERE)],
                            starts_at=when,
                            ends_at=when + timedelta(hours=2),
                        ),
                        now=NOW,
                    )
                    session.commit()

            return job

        errors = run_at_once([register(name) for name in agencies])
        assert errors == [], f"registrations failed: {errors[:1]}"
    with Session(engine) as session:
        pairs = session.execute(
            select(OperationConflict.operation_id, OperationConflict.other_operation_id, Operation.starts_at)
            .join(Operation, Operation.id == OperationConflict.operation_id)
            .where(OperationConflict.status == ConflictStatus.OPEN)
        ).all()
    assert len(pairs) == 3 * 6, (
        "four operations at one place and time: six pairs each round, each stored once"
    )
    assert len({(a, b) for a, b, _ in pairs}) == len(pairs)


@pytest.mark.parametrize("change", ["lapsed", "regraded"])
def test_a_recheck_that_finds_the_store_out_of_step_puts_it_right(sqlite_engine: Engine, change: str) -> None:
    build_store(sqlite_engine)
    with Session(sqlite_engine) as session:
        glaa = actor(session, "glaa.officer")
        ts = actor(session, "ts.officer")
        dc.register_operation(session, ts, operation_input(locations=[location(HERE)]), now=NOW)
        mine = dc.register_operation(session, glaa, operation_input(locations=[location(NEARBY)]), now=NOW)
        (held,) = mine.conflicts
        session.commit()
        kinds = list(session.scalars(select(OperationConflict.kinds)).one())
        # What a re-check cannot answer by reading: a stored conflict that is not what detection finds.
        if change == "lapsed":
            values = {"status": ConflictStatus.LAPSED, "closed_reason": "out of step"}
        else:
            values = {"kinds": ["SAME_PREMISES"]}
        session.execute(update(OperationConflict).values(**values))
        session.commit()
        _, notices_before = counts(sqlite_engine)
        again = dc.check_operation(session, glaa, mine.operation.id, now=NOW)
        session.commit()
        (row,) = session.scalars(select(OperationConflict)).all()
        assert row.status is ConflictStatus.OPEN
        assert list(row.kinds) == kinds
        assert again.conflicts[0].conflict_id == held.conflict_id
        assert counts(sqlite_engine)[1] > notices_before, "the sides are told again"


def test_audited_reads_and_a_new_tokens_first_uses_at_the_same_time_on_sqlite_all_answer(
    sqlite_engine: Engine,
) -> None:
    """Every audited read appends to the audit trail, and a token's first use records it: both write after
    reading, which SQLite refused with "database is locked" when another request had just written."""
    build_store(sqlite_engine)
    with Session(sqlite_engine) as session:
        glaa = actor(session, "glaa.officer")
        dc.register_operation(session, glaa, operation_input(), now=NOW)
        token, _ = create_api_token(session, actor=glaa, name="tool", scopes=["read"])
        session.commit()

    def read() -> None:
        for _ in range(10):
            with Session(sqlite_engine) as session:
                signed_in = resolve_api_token(session, token)
                assert signed_in is not None
                session.commit()
                assert len(dc.my_operations(session, signed_in.actor)) == 1
                session.commit()

    errors = run_at_once([read for _ in range(6)])
    assert errors == [], f"concurrent reads failed: {errors[:1]}"
    with Session(sqlite_engine) as session:
        assert len(audit_events(session, "operations", "view")) == 60, "every read is audited"
        assert session.scalar(select(ApiToken.last_used_at)) is not None
