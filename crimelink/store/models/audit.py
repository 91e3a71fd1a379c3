"""Append-only, hash-chained audit events. The database refuses UPDATE and DELETE on this table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crimelink.store.models.base import Base, IdType, JsonType, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))  # username, or "system:<command>"
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    resource_type: Mapped[str] = mapped_column(String(60))
    resource_id: Mapped[str] = mapped_column(String(100), default="")
    purpose: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[str] = mapped_column(String(30), default="success")
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
