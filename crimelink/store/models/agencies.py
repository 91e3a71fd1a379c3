"""Agencies, their users and their datasets (registers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimelink.domain import AgencyKind, Classification, DataCategory, DatasetKind
from crimelink.store.models.base import Base, IdType, JsonType, enum_column, utcnow


class Agency(Base):
    """A partner agency or council service. Each is its own data owner."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AgencyKind] = mapped_column(enum_column(AgencyKind))
    contact: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    datasets: Mapped[list[Dataset]] = relationship(back_populates="agency")

    @property
    def is_police(self) -> bool:
        return self.kind.is_police


class User(Base):
    """A person who signs in. Roles, clearance and compartments drive the access policy."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    roles: Mapped[list[str]] = mapped_column(JsonType, default=list)
    clearance: Mapped[Classification] = mapped_column(
        enum_column(Classification), default=Classification.OFFICIAL
    )
    compartments: Mapped[list[str]] = mapped_column(JsonType, default=list)
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    last_sign_in_at: Mapped[datetime | None] = mapped_column()
    oidc_subject: Mapped[str | None] = mapped_column(String(300), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship()


class Dataset(Base):
    """One agency register (or intelligence log) and the mapping used to import it."""

    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("agency_id", "code"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    code: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DatasetKind] = mapped_column(enum_column(DatasetKind))
    category: Mapped[DataCategory] = mapped_column(enum_column(DataCategory, 30), default=DataCategory.OTHER)
    description: Mapped[str] = mapped_column(Text, default="")
    mapping: Mapped[dict[str, Any]] = mapped_column(JsonType)
    mapping_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    agency: Mapped[Agency] = relationship(back_populates="datasets")
