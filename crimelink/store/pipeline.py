"""Writes sent to PostgreSQL together: several statements, one round trip.

On PostgreSQL every statement costs a round trip to the server, and on one host the wait for the
answer (about a tenth of a millisecond) costs as much as running a small statement. Statements whose
answers nothing reads (an UPDATE, an INSERT without RETURNING, taking an advisory lock) can be sent
together in psycopg's pipeline mode: the server runs them in order, each with its own snapshot, and
answers them all at once.

SQLite has no server to wait for: there the same writes simply run one after another.

PostgreSQL also plans a prepared statement again for each call's values while it judges that worth it,
and with lists bound as ``= ANY(:array)`` it always does. A transaction whose statements are key and
index lookups can ask for their generic plans instead (:func:`plan_once`, or :func:`lock_then_write` with
``plan_once``): it saves the planning, about a quarter of the server's time on a deconfliction re-check
(``benchmarks/RESULTS.md``, eleventh session).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Executable
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    import psycopg

#: A statement and its parameters (a dict, or a list of dicts for many rows), for a write made later. It
#: must return nothing: an INSERT is made ``.inline()``, or SQLAlchemy asks for a single row's new id.
Write = tuple[Executable, Mapping[str, Any] | Sequence[Mapping[str, Any]]]

ADVISORY_LOCK_SQL = "SELECT pg_advisory_xact_lock(%s)"  # the driver's text: run on its cursor


@contextmanager
def postgres_pipeline(session: Session) -> Iterator[psycopg.Connection[Any]]:
    """The session's psycopg connection in pipeline mode, within the session's transaction.

    Inside, run only statements whose answers are not read through SQLAlchemy (it would find none):
    its writes, or the driver's own cursors, whose ``fetchone`` waits for the answers so far. Leaving
    waits for every answer and raises the first error, as SQLAlchemy's error (an ``IntegrityError`` for a
    broken constraint); the transaction can then only be rolled back.
    """
    import psycopg  # the PostgreSQL extra's driver

    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.pipeline():
            yield driver
    except psycopg.Error as error:  # raised by the driver at the sync: the error SQLAlchemy would raise
        raise DBAPIError.instance(None, None, error, psycopg.Error) from error


def make_writes(session: Session, writes: Sequence[Write]) -> None:
    """Run ``writes`` in order, on the session's connection (inside :func:`postgres_pipeline` they go
    together)."""
    connection = session.connection()
    for statement, parameters in writes:
        connection.execute(statement, parameters)


def lock_then_write(
    session: Session, key: int, writes: Sequence[Write] = (), *, plan_once: bool = False
) -> None:
    """PostgreSQL: take the transaction-wide advisory lock ``key``, then make ``writes``: one round trip.

    The writes run once the lock is granted; the transaction holds it until it ends, so a later call in
    the same transaction sends only its writes. ``plan_once=True`` also has the rest of the transaction run
    every prepared statement on its generic plan (made once) rather than plan it again for each call's
    values, until :func:`plan_for_values`.
    """
    lock = not _noted(session, f"{_LOCKED}{key}")
    generic = plan_once and not _noted(session, _PLANNED_ONCE)
    if not (lock or generic or writes):
        return
    with postgres_pipeline(session) as driver, driver.cursor() as cursor:
        if lock:
            cursor.execute(ADVISORY_LOCK_SQL, (key,))
        if generic:
            cursor.execute(_GENERIC_PLANS)
        make_writes(session, writes)
    if lock:
        _note(session, f"{_LOCKED}{key}")
    if generic:
        _note(session, _PLANNED_ONCE)


def plan_once(session: Session) -> None:
    """PostgreSQL: run the rest of the transaction's prepared statements on their generic plans, until
    :func:`plan_for_values`. SQLite: nothing to do.

    A statement of its own, not sent in a pipeline with the transaction's BEGIN: psycopg's pipeline mode
    costs more to enter and leave than the round trip it saves (``benchmarks/RESULTS.md``, fourteenth
    session). It pays with three statements or more.
    """
    if session.get_bind().dialect.name != "postgresql" or _noted(session, _PLANNED_ONCE):
        return
    session.connection().exec_driver_sql(_GENERIC_PLANS)
    _note(session, _PLANNED_ONCE)


_GENERIC_PLANS = "SET LOCAL plan_cache_mode = force_generic_plan"
# What the session notes for its transaction (both end with it): an advisory lock held (the key follows),
# and statements planned once.
_LOCKED = "crimelink.advisory_lock."
_PLANNED_ONCE = "crimelink.planned_once"


def _note(session: Session, what: str, *, holds: bool = True) -> None:
    session.info[what] = session.get_transaction() if holds else None


def _noted(session: Session, what: str) -> bool:
    """Whether ``what`` was noted in the session's current transaction (a later one starts afresh)."""
    transaction = session.get_transaction()
    return transaction is not None and session.info.get(what) is transaction


def plan_for_values(session: Session) -> None:
    """Before a statement whose best plan depends on its values (ranges whose width varies), go back to
    PostgreSQL's own choice for the rest of the transaction, if :func:`plan_once` or :func:`lock_then_write`
    set plans once."""
    if _noted(session, _PLANNED_ONCE):
        session.connection().exec_driver_sql("SET LOCAL plan_cache_mode = auto")
        _note(session, _PLANNED_ONCE, holds=False)
