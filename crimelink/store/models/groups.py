"""Organised crime groups and their members."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimelink.domain import GroupStatus, GroupStructure, IntelligenceAssessment, ManagementLevel, MemberRole
from crimelink.store.models.base import Base, IdType, JsonType, enum_column, utcnow


class OrganisedCrimeGroup(Base):
    """An organised crime group record, confirmed by an analyst (candidates live in the analysis)."""

    __tablename__ = "organised_crime_groups"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JsonType, default=list)
    status: Mapped[GroupStatus] = mapped_column(enum_column(GroupStatus, 20), default=GroupStatus.PROPOSED)
    structure: Mapped[GroupStructure] = mapped_column(
        enum_column(GroupStructure, 20), default=GroupStructure.UNKNOWN
    )
    management_level: Mapped[ManagementLevel | None] = mapped_column(enum_column(ManagementLevel, 30))
    lead_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    lead_officer: Mapped[str] = mapped_column(String(200), default="")
    criminality: Mapped[list[str]] = mapped_column(JsonType, default=list)
    national_ocgm_urn: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    memberships: Mapped[list[GroupMembership]] = relationship(back_populates="group")


class GroupMembership(Base):
    """A person's (or business's) part in a group, with the role, confidence and supporting reports."""

    __tablename__ = "group_memberships"
    __table_args__ = (UniqueConstraint("group_id", "entity_id", "role"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("organised_crime_groups.id"))
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole, 40), default=MemberRole.UNKNOWN)
    confidence: Mapped[IntelligenceAssessment | None] = mapped_column(enum_column(IntelligenceAssessment, 1))
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    supporting_report_ids: Mapped[list[int]] = mapped_column(JsonType, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[OrganisedCrimeGroup] = relationship(back_populates="memberships")


class GroupCandidateDecision(Base):
    """An analyst's decision on a candidate group the network analysis proposed.

    Candidates are recomputed on every analysis, so a decision is kept with the people the candidate held
    when it was decided: a later candidate that overlaps them enough is the same candidate (dismissed
    stays dismissed; confirmed is shown as its group). ``analysis`` keeps the settings of the run.
    """

    __tablename__ = "group_candidate_decisions"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    #: ``confirmed`` or ``dismissed``.
    decision: Mapped[str] = mapped_column(String(20))
    people: Mapped[list[int]] = mapped_column(JsonType, default=list)
    entities: Mapped[list[int]] = mapped_column(JsonType, default=list)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organised_crime_groups.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    analysis: Mapped[dict[str, object]] = mapped_column(JsonType, default=dict)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupScoreRecord(Base):
    """A priority score an analyst recorded for a group: the scheme, every input, the result and band.

    Inputs the data cannot give (intent, organisational position) are the analyst's, marked as such in
    ``inputs``; ``overrides`` keeps them so the next assessment starts from them.
    """

    __tablename__ = "group_scores"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("organised_crime_groups.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(60))
    inputs: Mapped[list[dict[str, object]]] = mapped_column(JsonType, default=list)
    overrides: Mapped[dict[str, object]] = mapped_column(JsonType, default=dict)
    result: Mapped[float] = mapped_column()
    band: Mapped[str] = mapped_column(String(40), default="")
    assessed_by: Mapped[str] = mapped_column(String(200))
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
