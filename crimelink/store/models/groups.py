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
