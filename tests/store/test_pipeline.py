"""Writes sent together (crimelink.store.pipeline): in order, after the lock, all or nothing."""

from __future__ import annotations

from typing import cast

import pytest
from sqlalchemy import Engine, Table, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crimelink.domain import AgencyKind
from crimelink.services.deconfliction_check import hold_check_lock
from crimelink.store.models import Agency
from crimelink.store.pipeline import Write, lock_then_write, make_writes, plan_for_values, plan_once

AGENCIES = cast(Table, Agency.__table__)
ADD = insert(AGENCIES).inline()
RENAME = update(AGENCIES).where(AGENCIES.c.code == bindparam("at")).values(name=bindparam("to"))
KEY = 0x7E57


def row(code: str, name: str = "Agency") -> dict[str, object]:
    return {"code": code, "name": name, "kind": AgencyKind.LA_LICENSING, "contact": "duty desk"}


def names(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {
            str(code): str(name) for code, name in session.execute(select(AGENCIES.c.code, AGENCIES.c.name))
        }


def others_may_lock(engine: Engine, key: int) -> bool:
    """Whether another connection could take the advisory lock ``key`` now (it lets go at once)."""
    with engine.connect() as other:
        return bool(other.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}))


def test_writes_run_in_order_one_row_or_many(engine: Engine) -> None:
    """A single row and many rows, then a change to one of them: each write sees the ones before it."""
    writes: list[Write] = [
        (ADD, [row("ONE")]),
        (ADD, [row("TWO"), row("THREE")]),
        (RENAME, {"at": "TWO", "to": "Renamed after it was added"}),
    ]
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            lock_then_write(session, KEY, writes)
        else:
            make_writes(session, writes)
        session.commit()
    assert names(engine) == {"ONE": "Agency", "TWO": "Renamed after it was added", "THREE": "Agency"}


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_failing_write_raises_and_nothing_is_kept(engine: Engine) -> None:
    """The second row breaks a unique code: the error surfaces, and the first row goes with the transaction."""
    with Session(engine) as session:
        session.execute(insert(AGENCIES), [row("KEPT")])
        session.commit()
        with pytest.raises(IntegrityError, match="unique"):
            lock_then_write(session, KEY, [(ADD, [row("NEW")]), (ADD, [row("KEPT")])])
        session.rollback()
    assert names(engine) == {"KEPT": "Agency"}


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_the_lock_is_held_until_the_transaction_ends(engine: Engine) -> None:
    with Session(engine) as session:
        lock_then_write(session, KEY)
        assert not others_may_lock(engine, KEY)
        session.commit()
    assert others_may_lock(engine, KEY)


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_the_check_lock_is_taken_again_in_each_transaction(engine: Engine) -> None:
    """The check's lock is taken once a transaction: a session's next transaction takes it again."""
    key = 0x436B4463  # crimelink.services.deconfliction_check's
    with Session(engine) as session:
        for _ in range(2):
            hold_check_lock(session)
            hold_check_lock(session)  # the second time in a transaction sends nothing
            assert not others_may_lock(engine, key)
            session.commit()
            assert others_may_lock(engine, key)


def plan_mode(session: Session) -> str:
    return str(session.connection().exec_driver_sql("SHOW plan_cache_mode").scalar())


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_check_plans_its_statements_once_until_values_matter(engine: Engine) -> None:
    """Under the check's lock prepared statements run on their generic plans; a lookup whose plan depends
    on its values turns that off for the rest of the transaction; the next transaction starts afresh."""
    with Session(engine) as session:
        hold_check_lock(session)
        assert plan_mode(session) == "force_generic_plan"
        plan_for_values(session)
        assert plan_mode(session) == "auto"
        session.commit()
        assert plan_mode(session) == "auto"
        plan_for_values(session)  # outside a check it sends nothing
        hold_check_lock(session)
        assert plan_mode(session) == "force_generic_plan"
        session.rollback()
        assert plan_mode(session) == "auto"


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_plan_once_lasts_the_transaction(engine: Engine) -> None:
    with Session(engine) as session:
        plan_once(session)
        plan_once(session)  # once is enough
        assert plan_mode(session) == "force_generic_plan"
        session.commit()
        assert plan_mode(session) == "auto"
