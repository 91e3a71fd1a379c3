"""Declarative base and column helpers shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Enum, Integer, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeEngine

# Named constraints so Alembic migrations are deterministic on every dialect.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Integer primary keys: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
IdType = BigInteger().with_variant(Integer(), "sqlite")
#: JSON documents: JSONB on PostgreSQL.
JsonType: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True)}  # noqa: RUF012 (SQLAlchemy reads it)


def utcnow() -> datetime:
    return datetime.now(UTC)


def enum_column(enum: type[StrEnum], length: int = 64, *, name: str | None = None) -> Enum:
    """A portable enum column: VARCHAR with a CHECK constraint, storing the enum's *value*.

    ``name`` names the CHECK constraint when a table has two columns of the same enum.
    """
    return Enum(
        enum,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        name=name or enum.__name__.lower(),
        validate_strings=True,
    )
