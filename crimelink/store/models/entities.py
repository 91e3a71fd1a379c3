"""Resolved entities, the links from records to them, merge history and typed relationships."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimelink.domain import EntityKind, RelationshipType
from crimelink.store.models.base import Base, IdType, JsonType, enum_column, utcnow


class Entity(Base):
    """A real-world person, premises, vehicle, phone, email, business, bank or online account.

    Its id is stable: when two entities merge, the loser points at the winner through ``merged_into_id``
    so notes, groups and operations attached to either are never orphaned.
    """

    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    kind: Mapped[EntityKind] = mapped_column(enum_column(EntityKind, 20), index=True)
    display_name: Mapped[str] = mapped_column(String(300))
    #: Best-known identifying attributes (normalised), for display and matching.
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecordEntityLink(Base):
    """Says that one party of one source record is a given entity, and how that was decided."""

    __tablename__ = "record_entity_links"
    __table_args__ = (UniqueConstraint("record_id", "party"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"))
    party: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    method: Mapped[str] = mapped_column(String(30))  # deterministic | probabilistic | judgement | new
    match_probability: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entity: Mapped[Entity] = relationship()


class EntityMerge(Base):
    """History of merges and splits, with the reason, so either can be explained or reversed."""

    __tablename__ = "entity_merges"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    operation: Mapped[str] = mapped_column(String(10))  # merge | split
    kept_entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    other_entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class EntityRelationship(Base):
    """A typed link between two entities; :class:`RelationshipEvidence` says which records support it."""

    __tablename__ = "entity_relationships"
    __table_args__ = (
        UniqueConstraint("kind", "from_entity_id", "to_entity_id"),
        Index("ix_entity_relationships_to", "to_entity_id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    kind: Mapped[RelationshipType] = mapped_column(enum_column(RelationshipType, 30))
    from_entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    to_entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    first_seen: Mapped[date | None] = mapped_column(Date)
    last_seen: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evidence: Mapped[list[RelationshipEvidence]] = relationship(back_populates="entity_relationship")


class RelationshipEvidence(Base):
    """Provenance of a relationship: a source record (and optionally the report) that supports it."""

    __tablename__ = "relationship_evidence"
    __table_args__ = (UniqueConstraint("relationship_id", "record_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("entity_relationships.id"))
    record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("intelligence_reports.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entity_relationship: Mapped[EntityRelationship] = relationship(back_populates="evidence")
