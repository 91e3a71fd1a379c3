"""Operations, interests, tactics, plans, actions, meetings and outcomes: the partnership's work."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimelink.domain import (
    ActionStatus,
    Classification,
    DisruptionImpact,
    LifestyleArea,
    OperationStatus,
    OperationType,
    OutcomeKind,
    Visibility,
)
from crimelink.store.models.base import Base, IdType, JsonType, enum_column, utcnow


class Operation(Base):
    """A planned (or retrospectively recorded) operation, checked against others for conflicts."""

    __tablename__ = "operations"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    officer: Mapped[str] = mapped_column(String(200))
    contact_24h: Mapped[str] = mapped_column(String(200))
    operation_type: Mapped[OperationType] = mapped_column(enum_column(OperationType, 40))
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility, 10), default=Visibility.OVERT)
    classification: Mapped[Classification] = mapped_column(
        enum_column(Classification, 20), default=Classification.OFFICIAL
    )
    starts_at: Mapped[datetime | None] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    standing: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[OperationStatus] = mapped_column(
        enum_column(OperationStatus, 20), default=OperationStatus.DRAFT
    )
    retrospective_reason: Mapped[str | None] = mapped_column(Text)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organised_crime_groups.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    locations: Mapped[list[OperationLocation]] = relationship(back_populates="operation")
    targets: Mapped[list[OperationTarget]] = relationship(back_populates="operation")


class OperationLocation(Base):
    __tablename__ = "operation_locations"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str | None] = mapped_column(String(10))
    uprn: Mapped[str | None] = mapped_column(String(12), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float, default=300.0)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))

    operation: Mapped[Operation] = relationship(back_populates="locations")


class OperationTarget(Base):
    """A target: a resolved entity, or an identifier (phone, VRM, VIN, email, company number, UPRN...)."""

    __tablename__ = "operation_targets"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    identifier_kind: Mapped[str] = mapped_column(String(30))
    identifier_value: Mapped[str] = mapped_column(String(300), index=True)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)

    operation: Mapped[Operation] = relationship(back_populates="targets")


class Interest(Base):
    """An agency's standing flag of interest in an entity or group, with expiry and contact."""

    __tablename__ = "interests"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organised_crime_groups.id"))
    identifier_kind: Mapped[str | None] = mapped_column(String(30))
    identifier_value: Mapped[str | None] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(200))
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tactic(Base):
    """A tactic of the partnership's menu, seeded from the editable reference data."""

    __tablename__ = "tactics"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[LifestyleArea] = mapped_column(enum_column(LifestyleArea, 20))
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)


class DisruptionPlan(Base):
    """A plan against a group or a single target, owned by one agency."""

    __tablename__ = "disruption_plans"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organised_crime_groups.id"), index=True)
    target_entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    owner_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    owner_officer: Mapped[str] = mapped_column(String(200), default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    review_every_days: Mapped[int] = mapped_column(Integer, default=28)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actions: Mapped[list[PlanAction]] = relationship(back_populates="plan")


class PlanAction(Base):
    """An action with an owner and due date, in a disruption plan or arising from a meeting."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("disruption_plans.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    tactic_id: Mapped[int | None] = mapped_column(ForeignKey("tactics.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    assignee: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus, 20), default=ActionStatus.PROPOSED)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()

    plan: Mapped[DisruptionPlan | None] = relationship(back_populates="actions")


class Meeting(Base):
    """A partnership meeting: agenda built from live items, minutes and resolutions (as actions)."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_at: Mapped[datetime] = mapped_column()
    agenda: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Outcome(Base):
    """A result: arrest, seizure, closure, referral, ... linked to the action and group it came from."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    kind: Mapped[OutcomeKind] = mapped_column(enum_column(OutcomeKind, 30))
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("plan_actions.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organised_crime_groups.id"), index=True)
    quantity: Mapped[float | None] = mapped_column(Float)
    value_gbp: Mapped[float | None] = mapped_column(Float)
    impact: Mapped[DisruptionImpact] = mapped_column(
        enum_column(DisruptionImpact, 10), default=DisruptionImpact.NONE
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
