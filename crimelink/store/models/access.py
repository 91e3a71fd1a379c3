"""Need-to-know: compartments, sharing agreements, disclosure requests, sessions and API tokens."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crimelink.domain import DataCategory, DisclosureStatus, LawfulBasis, Purpose
from crimelink.store.models.base import Base, IdType, JsonType, enum_column, utcnow


class Compartment(Base):
    """A need-to-know group. OFFICIAL-SENSITIVE items carrying its code are seen only by its members."""

    __tablename__ = "compartments"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SharingAgreement(Base):
    """One agency lets another see one category of its data, for the listed purposes, in a period."""

    __tablename__ = "sharing_agreements"
    __table_args__ = (Index("ix_sharing_agreements_pair", "from_agency_id", "to_agency_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    to_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    category: Mapped[DataCategory] = mapped_column(enum_column(DataCategory, 30))
    purposes: Mapped[list[str]] = mapped_column(JsonType, default=list)
    isa_reference: Mapped[str] = mapped_column(String(100), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DisclosureRequest(Base):
    """A request to see records another agency holds; the originator grants or refuses it.

    A grant, with its lawful basis and conditions, is a dissemination of those records to the
    requesting agency until ``expires_on``.
    """

    __tablename__ = "disclosure_requests"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), index=True)
    holder_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    requester_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requester_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    purpose: Mapped[Purpose] = mapped_column(enum_column(Purpose, 40))
    justification: Mapped[str] = mapped_column(Text)
    status: Mapped[DisclosureStatus] = mapped_column(
        enum_column(DisclosureStatus, 10), default=DisclosureStatus.PENDING
    )
    lawful_basis: Mapped[LawfulBasis | None] = mapped_column(enum_column(LawfulBasis, 40))
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserSession(Base):
    """A signed-in browser session; the cookie carries only a random id whose hash is stored here."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[Purpose] = mapped_column(enum_column(Purpose, 40))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class ApiToken(Base):
    """A scoped, revocable token for a machine client acting as one user. Only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JsonType, default=list)
    purpose: Mapped[Purpose] = mapped_column(
        enum_column(Purpose, 40), default=Purpose.CRIME_PREVENTION_DETECTION
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
