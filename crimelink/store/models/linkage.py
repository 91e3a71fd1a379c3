"""What entity resolution keeps between runs: trained models, analysts' judgements, pairs for review, keys.

- ``LinkageModel``: every trained person model, saved with its full parameters and a version (a hash of
  them), so a link can always say which model made it and the incremental matcher scores with the same
  numbers as the batch.
- ``MatchJudgement``: an analyst's same / different / unsure on two parties, or on a party and an
  entity. It overrides the model on every later run until it is reversed (never deleted).
- ``MatchCandidate``: the pairs of the last run whose probability fell in the review band, with the
  weight of every field, for the review queue.
- ``LinkageKey``: blocking keys of the current parties (name, date of birth, postcode, phone, address,
  ...), indexed, so one new record or a search finds its candidates without scanning the store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crimelink.store.models.base import Base, IdType, JsonType, utcnow


class LinkageModel(Base):
    __tablename__ = "linkage_models"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="person")
    engine: Mapped[str] = mapped_column(String(20))
    threshold: Mapped[float] = mapped_column(Float)
    trained: Mapped[bool] = mapped_column(Boolean)
    record_count: Mapped[int] = mapped_column(Integer)
    #: The Splink settings with trained m and u of every level and the prior.
    parameters: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class MatchJudgement(Base):
    __tablename__ = "match_judgements"
    __table_args__ = (
        CheckConstraint("decision IN ('same', 'different', 'unsure')", name="decision"),
        CheckConstraint("(right_record_id IS NULL) <> (entity_id IS NULL)", name="pair_or_entity"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    left_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), index=True)
    left_party: Mapped[str] = mapped_column(String(60))
    right_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_records.id"), index=True)
    right_party: Mapped[str | None] = mapped_column(String(60))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    reversed_at: Mapped[datetime | None] = mapped_column()
    reversed_by: Mapped[str | None] = mapped_column(String(200))
    reversal_reason: Mapped[str | None] = mapped_column(Text)


class MatchCandidate(Base):
    __tablename__ = "match_candidates"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    model_version: Mapped[str] = mapped_column(String(64), index=True)
    left_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), index=True)
    left_party: Mapped[str] = mapped_column(String(60))
    right_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), index=True)
    right_party: Mapped[str] = mapped_column(String(60))
    match_probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    #: Uncertainty: |probability - 0.5|; the review queue lists the smallest first.
    certainty: Mapped[float] = mapped_column(Float, index=True)
    #: Per comparison: {"name": {"level": "...", "weight": 3.2}, ...}
    explanation: Mapped[dict[str, Any]] = mapped_column(JsonType)


class LinkageKey(Base):
    __tablename__ = "linkage_keys"
    __table_args__ = (Index("ix_linkage_keys_key_kind", "key", "kind"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200))
    record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), index=True)
    party: Mapped[str] = mapped_column(String(60))
