"""Fast bulk inserts, with the one dialect difference that matters for import speed.

PostgreSQL loads rows fastest through ``COPY ... FROM STDIN`` (several times faster than an
executemany); SQLite's executemany is already fast. Both run inside the caller's transaction.

A few rows written with others in one round trip (:func:`rows_write`, :func:`insert_rows`) go on
PostgreSQL as one statement whose rows are one JSON parameter (``jsonb_to_recordset``): COPY cannot run in
a pipeline, and an executemany is a statement a row, each with SQLAlchemy's and psycopg's work on its
parameters. A deconfliction check's 15 notices cost 964-1014 microseconds of wall time that way, and
598-604 as one statement (``benchmarks/RESULTS.md``, seventeenth session).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import JSON, Column, Insert, Table, bindparam, column, func, insert, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from crimelink.store.models.base import Base

if TYPE_CHECKING:
    from crimelink.store.pipeline import Write


def bulk_insert(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table in the session's transaction."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in columns)
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_copy_value(row[name], name in json_columns) for name in columns])


def _copy_value(value: Any, is_json: bool) -> Any:
    if is_json:
        return json.dumps(value)
    if isinstance(value, Enum):
        return value.value
    return value


def prefer_index_lookups(session: Session) -> None:
    """Within this transaction, plan each key lookup afresh on PostgreSQL.

    psycopg prepares a statement after a few executions and PostgreSQL may then reuse a generic plan
    chosen while an import was just starting and the table was nearly empty: a full scan for every
    batch's key lookup, quadratic over a large import. A custom plan uses the unique index. SQLite's
    planner needs no hint.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


def rows_write(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> Write:
    """The write of ``rows`` (dicts with the same keys) into ``table``, to make later, with others in one
    round trip (:func:`crimelink.store.pipeline.make_writes`). Nothing is read back."""
    if session.get_bind().dialect.name != "postgresql":
        return insert(table).inline(), list(rows)
    return _from_json(table, tuple(rows[0]), ()), {"rows": _json_rows(table, rows)}


def insert_rows(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], returning: Sequence[Column[Any]]
) -> Sequence[Any]:
    """Insert ``rows`` (dicts with the same keys) into ``table`` as one statement; the ``returning``
    columns of each row inserted, in no particular order."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return connection.execute(insert(table).returning(*returning), list(rows)).all()
    names = tuple(c.name for c in returning)
    statement = _from_json(table, tuple(rows[0]), names)
    return connection.execute(statement, {"rows": _json_rows(table, rows)}).all()


@cache
def _from_json(table: Table, names: tuple[str, ...], returning: tuple[str, ...]) -> Insert:
    """``INSERT INTO table (names) SELECT names FROM jsonb_to_recordset(:rows) AS given(name type, ...)``."""
    rows = (
        func.jsonb_to_recordset(bindparam("rows", type_=JSONB()))
        .table_valued(*(column(name, table.c[name].type) for name in names))
        .render_derived(name="given", with_types=True)
    )
    statement = insert(table).from_select(list(names), select(*(rows.c[name] for name in names)))
    return statement.returning(*(table.c[name] for name in returning)) if returning else statement


def _json_rows(table: Table, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rows as JSON values: enums as their values, times and dates in ISO 8601 (a JSON column's value
    is kept as it is, as its nested JSON)."""
    json_columns = {name for name in rows[0] if isinstance(table.c[name].type, JSON)}
    return [
        {name: value if name in json_columns else _json_value(value) for name, value in row.items()}
        for row in rows
    ]


def _json_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    return value
