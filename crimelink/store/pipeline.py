"""Writes sent to PostgreSQL together: several statements, one round trip.

On PostgreSQL every statement costs a round trip to the server, and on one host the wait for the
answer (about a tenth of a millisecond) costs as much as running a small statement. Statements whose
answers nothing reads (an UPDATE, an INSERT without RETURNING, taking an advisory lock) can be sent
together in psycopg's pipeline mode: the server runs them in order, each with its own snapshot, and
answers them all at once.

SQLite has no server to wait for: there the same writes simply run one after another.
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


def lock_then_write(session: Session, key: int, writes: Sequence[Write] = ()) -> None:
    """PostgreSQL: take the transaction-wide advisory lock ``key``, then make ``writes``: one round trip.

    The writes run once the lock is granted; the transaction holds it until it ends.
    """
    with postgres_pipeline(session) as driver, driver.cursor() as cursor:
        cursor.execute(ADVISORY_LOCK_SQL, (key,))
        make_writes(session, writes)
