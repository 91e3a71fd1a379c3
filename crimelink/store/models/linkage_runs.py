"""Batch linkage runs started from the page or the API, with the progress each reported.

A run is ``queued`` when an analyst starts it, ``running`` once its thread has begun, and ends
``succeeded`` (with the counts of :class:`~crimelink.linkage.resolve.ResolveSummary` in ``summary``) or
``failed`` (with a message for people in ``error``; the traceback stays in the server's log). ``steps``
lists what the run did, in order: ``{"text": ..., "started_after": seconds, "seconds": duration}``, the
duration of the current step being null until the next one begins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crimelink.store.models.base import Base, IdType, JsonType, utcnow


class LinkageRun(Base):
    __tablename__ = "linkage_runs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="status"),
        CheckConstraint("review_from > 0 AND review_from <= threshold AND threshold < 1", name="band"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    #: Indexed: starting a run looks for one still queued or running.
    status: Mapped[str] = mapped_column(String(10), index=True)
    threshold: Mapped[float] = mapped_column(Float)
    review_from: Mapped[float] = mapped_column(Float)
    #: The username of whoever started it (the audit trail has the rest).
    started_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    current_step: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    error: Mapped[str | None] = mapped_column(Text)
    #: "host:pid" of the process running it: a run whose process has gone is shown as interrupted.
    runner: Mapped[str] = mapped_column(String(200), default="")
