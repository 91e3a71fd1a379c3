"""Selects built once and run many times: on PostgreSQL, run through the driver.

SQLAlchemy's execution of a Core select does work at every call besides the driver's: it processes the
parameters, sets up a result for the statement's columns and makes each row through it. On PostgreSQL,
for the deconfliction check's candidates statement (a union of index lookups returning 25 columns), that
cost 150 microseconds of client CPU a call, three quarters as much again as the driver's own execution
(``benchmarks/RESULTS.md``, sixteenth session). A :class:`FixedRead` compiles its statement once for the dialect, and then sends the same SQL
text with the same parameters on the session's own connection (in its transaction), and types the rows'
values with the columns' own result processors, as SQLAlchemy would. Rows are named tuples: read by
column name, by position or unpacked, like SQLAlchemy's rows. They bypass SQLAlchemy's execution events
and its echo of statements.

SQLite has no such overhead worth the trouble (it runs in the process): there the statement is executed
by SQLAlchemy as any other.

>>> from sqlalchemy import column, select, table
>>> read = FixedRead(select(table("t", column("a")).c.a))
>>> read.statement is not None
True
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from threading import Lock
from typing import Any, cast

from sqlalchemy import Dialect, Executable, SelectBase
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any]


class FixedRead:
    """A select run many times with different parameters (see the module's docstring)."""

    def __init__(self, statement: SelectBase) -> None:
        self.statement = statement
        self._form: _DriverForm | None = None
        self._lock = Lock()

    def rows(self, session: Session, parameters: Mapping[str, Any]) -> Sequence[Any]:
        """The statement's rows for ``parameters``, read on the session's connection."""
        connection = session.connection()
        if connection.dialect.name != "postgresql":
            return connection.execute(cast(Executable, self.statement), dict(parameters)).all()
        form = self._form
        if form is None:
            with self._lock:
                form = self._form = self._form or _DriverForm(self.statement, connection.dialect)
        import psycopg  # the PostgreSQL extra's driver

        try:
            return form.rows(connection.connection.driver_connection, parameters)
        except psycopg.Error as error:  # raised as SQLAlchemy raises the driver's errors
            if connection.dialect.is_disconnect(
                cast(Any, error), connection.connection.dbapi_connection, None
            ):
                connection.invalidate(error)  # not handed out again by the pool
            raise DBAPIError.instance(form.sql, parameters, error, psycopg.Error) from error


class _DriverForm:
    """The statement compiled for PostgreSQL (psycopg's ``%(name)s`` parameters) and how to type its rows."""

    def __init__(self, statement: SelectBase, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if compiled.positional or "POSTCOMPILE" in compiled.string:  # expanding IN lists: not built once
            raise ValueError("a fixed read cannot have expanding parameters: use = ANY(:array)")
        self.compiled = compiled
        self.sql = compiled.string
        escaped = compiled.escaped_bind_names
        self.bind_processors: list[tuple[str, Processor]] = [
            (escaped.get(name, name), binder)
            for name, bind in compiled.binds.items()
            if (binder := bind.type.bind_processor(dialect)) is not None
        ]
        columns = list(statement.selected_columns)
        self.types = [column.type for column in columns]
        self.row: Any = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
        self.dialect = dialect
        self.result_processors: list[tuple[int, Processor]] | None = None  # by the first result's types

    def rows(self, driver: Any, parameters: Mapping[str, Any]) -> list[Any]:
        values = self.compiled.construct_params(dict(parameters))
        for name, binder in self.bind_processors:
            values[name] = binder(values[name])
        with driver.cursor() as cursor:
            cursor.execute(self.sql, values)
            fetched = cursor.fetchall()
            processors = self.result_processors
            if processors is None:
                # Some processors depend on the type the server answers with (a numeric's, for one).
                codes = [column.type_code for column in cursor.description]
                processors = self.result_processors = [
                    (index, typer)
                    for index, (kind, code) in enumerate(zip(self.types, codes, strict=True))
                    if (typer := kind.result_processor(self.dialect, code)) is not None
                ]
        make = self.row._make
        if not processors:
            return [make(row) for row in fetched]
        rows = []
        for row in fetched:
            typed = list(row)
            for index, convert in processors:
                typed[index] = convert(typed[index])
            rows.append(make(typed))
        return rows
