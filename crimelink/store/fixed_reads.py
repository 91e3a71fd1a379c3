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

psycopg gives each parameter the type of its value (an int the smallest of ``int2``, ``int4`` and ``int8``
that holds it, a list the array of its items' type, an empty list none), and keys the statements it
prepares on the text and those types. So one text met with ids of different sizes, or with lists now
empty and now not, was prepared and planned once for each mix, and the rarer mixes, met fewer than five
times on a connection, not at all: the server parsed and planned them at every call (in 150 first
checks on one connection, 29 of the candidates' statements, each about 1.6 ms more on the server). Here
integers are sent as ``int8`` and lists of integers or strings as ``int8[]`` or ``text[]``, whatever their
values, so each text is one statement (the SQL casts each parameter to its column's type).

SQLite has no such overhead worth the trouble (it runs in the process): there the statement is executed
by SQLAlchemy as any other.

>>> from sqlalchemy import column, select, table
>>> read = FixedRead(select(table("t", column("a")).c.a))
>>> read.statement is not None
True
"""

from __future__ import annotations

import re
import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from threading import Lock
from typing import Any, cast

from sqlalchemy import ARRAY, Dialect, Executable, Integer, SelectBase, String
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

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
        # Its text with the server's own ``$1`` parameters, run on psycopg's raw cursor: the driver sends
        # it as it is. Its ``%(name)s`` form psycopg parses at each call when longer than 4,096 characters
        # or with more than 50 parameters (the candidates' statement with 4 or 8 places: 105 and 186
        # microseconds a call), and otherwise looks it up and orders the parameters by name.
        self.numbered, self.order = _numbered(self.sql)
        escaped = compiled.escaped_bind_names
        self.bind_processors: list[tuple[str, Processor]] = [
            (escaped.get(name, name), binder)
            for name, bind in compiled.binds.items()
            if (binder := _bind_processor(bind.type, dialect)) is not None
        ]
        columns = list(statement.selected_columns)
        self.types = [column.type for column in columns]
        self.row: Any = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
        self.dialect = dialect
        self.result_processors: list[tuple[int, Processor]] | None = None  # by the first result's types

    def rows(self, driver: Any, parameters: Mapping[str, Any]) -> list[Any]:
        if driver not in _TYPED:
            _typed_arrays(driver)
        values = self.compiled.construct_params(dict(parameters))
        for name, binder in self.bind_processors:
            values[name] = binder(values[name])
        with _raw_cursor(driver) as cursor:
            cursor.execute(self.numbered, [values[name] for name in self.order])
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


def _numbered(sql: str) -> tuple[bytes, list[str]]:
    """``sql`` in psycopg's ``%(name)s`` style as the server's ``$1`` style, and the names in their order."""
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    return _PLACEHOLDER.sub(number, sql).encode(), order


_PLACEHOLDER = re.compile(r"%%|%\((\w+)\)s")


def _raw_cursor(driver: Any) -> Any:
    from psycopg import RawCursor

    return RawCursor(driver)


def _bind_processor(kind: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    """The type's own bind processor, then one type for every value (see the module's docstring)."""
    own = kind.bind_processor(dialect)
    typed = _one_type(kind)
    if typed is None:
        return own
    if own is None:
        return typed
    return lambda value: typed(own(value))


def _one_type(kind: TypeEngine[Any]) -> Processor | None:
    from psycopg.types.numeric import Int8

    # Only values of the type's own kind: anything else is sent as it is, for the server to refuse.
    if isinstance(kind, Integer):
        return lambda value: Int8(value) if type(value) is int else value
    if isinstance(kind, ARRAY):
        items = kind.item_type
        marked = (
            _Int8Array if isinstance(items, Integer) else _TextArray if isinstance(items, String) else None
        )
        if marked is not None:
            return lambda value: marked(value) if isinstance(value, list | tuple) else value
    return None


class _Int8Array(list[Any]):
    """A list of integers sent as ``int8[]``, even empty."""


class _TextArray(list[Any]):
    """A list of strings sent as ``text[]``, even empty."""


#: The driver's connections that send the two lists above with their types.
_TYPED: weakref.WeakSet[Any] = weakref.WeakSet()


def _typed_arrays(driver: Any) -> None:
    for marked, dumper in _array_dumpers():
        driver.adapters.register_dumper(marked, dumper)
    _TYPED.add(driver)


@cache
def _array_dumpers() -> list[tuple[type, type]]:
    from psycopg.adapt import Dumper
    from psycopg.types.array import ListDumper

    class Int8ArrayDumper(Dumper):
        """The array's text made at once: psycopg's dumps each item and looks for quotes in it, 147
        microseconds for the 250 slots of the candidates of an operation at six places, against 24."""

        oid = 1016  # int8[]

        def dump(self, obj: Any) -> bytes:
            items = map(str, obj) if None not in obj else ("NULL" if i is None else str(i) for i in obj)
            return b"{%s}" % ",".join(items).encode()

    class TextArrayDumper(ListDumper):
        oid = 1009  # text[]

    return [(_Int8Array, Int8ArrayDumper), (_TextArray, TextArrayDumper)]
