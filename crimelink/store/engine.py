"""Engines and sessions for the two supported databases.

SQLite (the embedded default) gets WAL journalling, foreign keys and a busy timeout on every
connection; PostgreSQL is used as configured. Nothing else in Crimelink creates engines.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from crimelink.errors import ConfigurationError


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the stdlib driver, which neither begins a transaction
    # before DDL nor lets pragmas run inside one; SQLAlchemy then issues BEGIN itself (see
    # _sqlite_begin), so schema migrations are atomic like everything else.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    cursor.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            f"CRIMELINK_DATABASE_URL is not a database URL: {url!r}. "
            "Use sqlite:///path/to/file.db or postgresql+psycopg://user:password@host/dbname"
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise ConfigurationError(f"unsupported database {backend!r}: Crimelink runs on SQLite or PostgreSQL")
    if backend == "postgresql" and parsed.drivername == "postgresql":
        # Prefer psycopg 3 (the 'postgres' extra) over the psycopg2 default.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, echo=echo, future=True)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise ConfigurationError(
            f"the driver for {parsed.drivername} is not installed: pip install 'crimelink[postgres]'"
        ) from exc
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "before_cursor_execute", _sqlite_note_write)
    return engine


#: Statements that do not write (what every other statement may do is to take the write lock).
_READING = ("SELECT", "PRAGMA", "WITH", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "EXPLAIN")


def _sqlite_note_write(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if not connection.info.get("sqlite_writing") and not statement.lstrip().upper().startswith(_READING):
        connection.info["sqlite_writing"] = True


def begin_writing(session: Session) -> None:
    """Make sure the session's transaction may read and then write while other connections write too.

    PostgreSQL: nothing to do (row locks and MVCC). SQLite: a transaction that has only read cannot
    always start writing (another connection's commit since its first read makes it fail at once with
    "database is locked"), so one that has written nothing yet is ended and one begun that holds the
    database's write lock from the start (``BEGIN IMMEDIATE``, waited for). One that has written holds
    the lock already, and so does one run inside ``with session.begin():`` (it cannot be ended here: its
    block ends it), whose pending changes are flushed. Call it before the reads a change depends on.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.connection().info.get("sqlite_writing") or session._trans_context_manager is not None:
        return
    session.commit()  # it has written nothing: this ends a read
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


#: How long a transaction that takes the write lock at once waits for it in short steps (see below).
_PROMPT_WAIT_SECONDS = 2.0
_BUSY_TIMEOUT_MS = 30000


def _sqlite_begin(connection: Any) -> None:
    # ``execution_options(sqlite_begin="IMMEDIATE")`` takes the write lock when the transaction starts,
    # for a transaction that reads and then writes while others may be writing.
    mode = connection.get_execution_options().get("sqlite_begin", "")
    connection.info["sqlite_writing"] = mode in ("IMMEDIATE", "EXCLUSIVE")  # holds the write lock
    if mode not in ("IMMEDIATE", "EXCLUSIVE"):
        connection.exec_driver_sql("BEGIN")
        return
    # SQLite's busy handler sleeps 25 to 100 ms between tries once a lock has been waited for a while,
    # which a lock held for a few milliseconds at a time turns into long queues: try again every
    # millisecond or two for a while, then wait as every other statement does.
    cursor = connection.connection.dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + _PROMPT_WAIT_SECONDS
        pause = 0.0002
        while time.monotonic() < deadline:
            try:
                cursor.execute(f"BEGIN {mode}")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.002)
    finally:
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.close()
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with make_session_factory(engine)() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
