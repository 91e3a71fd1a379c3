"""SQL expressions that both databases need written their own way.

:func:`one_of` is ``column IN (list)`` for a list given when the statement runs. SQLAlchemy writes an
expanding ``IN`` as one bound parameter per item, so each length of list is another statement's text. On
PostgreSQL that costs twice: psycopg prepares a statement only once its text has run five times, and
the server plans every unprepared statement afresh (a deconfliction check's candidates took 2.3 ms to
plan and 0.9 ms to run). ``column = ANY(:array)`` is one text whatever the length, prepared
once. SQLite keeps the expanding ``IN``, which its planner serves from an index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal


class OneOf(ColumnElement[bool]):
    """``column IN (:name)``, the list bound at execution: see the module's docstring."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition in itself: SQLite is not to be given "... = 1"
    # What the statement cache keys it on: the column and the name, held by the expanding ``IN`` (the
    # array form is made from the same two, so keying it too would only double the work).
    _traverse_internals = [("expanding", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.expanding = column.in_(bindparam(name, expanding=True))
        self.array = column == any_(bindparam(name, type_=ARRAY(column.type)))


def one_of(column: Any, name: str) -> OneOf:
    """``column IN (:name)`` for a list bound when the statement runs, one text whatever its length."""
    return OneOf(column, name)


@compiles(OneOf)
def _expanding_in(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.expanding, **kw)


@compiles(OneOf, "postgresql")
def _equals_any(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.array, **kw)
