"""Operations and interests: what deconfliction checks (the plan's tables are in ``planning``).

Deconfliction (``docs/deconfliction.md``) keeps, beside each operation and interest, what the fast check
needs: ``operation_cells`` (each located operation's grid cells and time buckets, from
:mod:`crimelink.deconflict.index`), normalised ``match_key`` columns on targets and interests, and the
conflicts found with what each side was told (``operation_conflicts``, ``deconfliction_notifications``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimelink.domain import (
    Classification,
    OperationStatus,
    OperationType,
    Visibility,
)
from crimelink.domain.deconfliction import (
    ConflictGrade,
    ConflictResolution,
    ConflictStatus,
    NotificationAudience,
    NotificationEvent,
)
from crimelink.store.models.base import Base, IdType, JsonType, enum_column, utcnow


class Operation(Base):
    """A planned (or retrospectively recorded) operation, checked against others for conflicts.

    Its window is ``starts_at`` to ``ends_at``; a ``standing`` operation counts for its whole span and may
    have no end. ``status`` moves draft -> submitted -> conflict pending | cleared -> active -> completed,
    or to cancelled from any of them but completed.
    """

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
    #: Firearms authorised: a place-and-time conflict with it is red.
    armed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    starts_at: Mapped[datetime | None] = mapped_column(index=True)
    ends_at: Mapped[datetime | None] = mapped_column(index=True)
    standing: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[OperationStatus] = mapped_column(
        enum_column(OperationStatus, 20), default=OperationStatus.DRAFT, index=True
    )
    retrospective_reason: Mapped[str | None] = mapped_column(Text)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organised_crime_groups.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()
    #: When the last deconfliction check ran.
    checked_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    #: What the owner recorded on completion; only the owning agency and the desk read it.
    outcome_summary: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    # Replacing an operation's definition replaces its locations and targets.
    locations: Mapped[list[OperationLocation]] = relationship(
        back_populates="operation", order_by="OperationLocation.id", cascade="all, delete-orphan"
    )
    targets: Mapped[list[OperationTarget]] = relationship(
        back_populates="operation", order_by="OperationTarget.id", cascade="all, delete-orphan"
    )


class OperationLocation(Base):
    """Where an operation happens: an address (UPRN, resolved premises) and/or a point with a radius."""

    __tablename__ = "operation_locations"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str | None] = mapped_column(String(10))
    uprn: Mapped[str | None] = mapped_column(String(12), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float, default=300.0)
    #: The premises entity the address resolved to (linkage), if any.
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)

    operation: Mapped[Operation] = relationship(back_populates="locations")


class OperationTarget(Base):
    """A target: a resolved entity, or an identifier (phone, VRM, VIN, email, company number, UPRN...).

    ``identifier_value`` is the normalised value as shown to the owner; ``match_key`` the exact key
    conflicts are found on (``PHONE:+447700900123``, a person's date of birth and phonetic name);
    ``entity_id`` the entity linkage resolved it to, and how (``resolution_method``).
    """

    __tablename__ = "operation_targets"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    identifier_kind: Mapped[str] = mapped_column(String(30))
    identifier_value: Mapped[str] = mapped_column(String(300), index=True)
    match_key: Mapped[str] = mapped_column(String(320), default="", server_default="", index=True)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    resolution_method: Mapped[str | None] = mapped_column(String(30))
    match_probability: Mapped[float | None] = mapped_column(Float)

    operation: Mapped[Operation] = relationship(back_populates="targets")


class OperationCell(Base):
    """One grid cell and time bucket a located operation occupies: the check's spatial-temporal index.

    ``slot`` packs the cell and the bucket (:func:`crimelink.deconflict.index.stored_slots`); a check
    looks up the slots its own circle and buffered window cover, never scanning operations. Each row
    carries its location's point, radius, bounding box and its operation's window, so the database drops
    what is only in the same cell and bucket before anything is read back.

    No foreign keys: the rows are derived from their operation's locations, written and deleted only with
    them (:func:`crimelink.services.deconfliction_index.index_writes` replaces an operation's rows, and an
    operation's change or end removes them first). PostgreSQL checked both keys for every row written, at
    every first check: 0.65 of 1.48 ms of the server's time for an operation at six places (56 rows).
    """

    __tablename__ = "operation_cells"
    __table_args__ = (Index("ix_operation_cells_slot", "slot"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger)
    location_id: Mapped[int] = mapped_column(IdType)
    operation_id: Mapped[int] = mapped_column(IdType, index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float)
    #: The box of the location's circle (south, north, west, east).
    min_latitude: Mapped[float] = mapped_column(Float)
    max_latitude: Mapped[float] = mapped_column(Float)
    min_longitude: Mapped[float] = mapped_column(Float)
    max_longitude: Mapped[float] = mapped_column(Float)
    starts_at: Mapped[datetime] = mapped_column()
    #: ``None``: a standing operation with no end.
    ends_at: Mapped[datetime | None] = mapped_column()


class Interest(Base):
    """An agency's standing flag of interest in an entity, an identifier or a group, with expiry and contact.

    ``consult_before_action`` makes an operation touching the subject amber (call first) rather than
    information (tell us).
    """

    __tablename__ = "interests"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(20), default="", server_default="")
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organised_crime_groups.id"), index=True)
    identifier_kind: Mapped[str | None] = mapped_column(String(30))
    identifier_value: Mapped[str | None] = mapped_column(String(300))
    match_key: Mapped[str] = mapped_column(String(320), default="", server_default="", index=True)
    #: How the holder names the subject (their own words or the normalised identifier).
    label: Mapped[str] = mapped_column(String(300), default="", server_default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(200))
    consult_before_action: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))


class OperationConflict(Base):
    """A conflict between two operations, or between an operation and another agency's interest.

    One row per pair, whatever the kinds (``key`` is unique: ``op:3:op:9`` or ``op:3:interest:12``), so
    re-running a check never duplicates it. ``reasons`` say exactly what collided (locations, distance,
    targets): only the deconfliction desk reads them; each side sees the blind view.
    """

    __tablename__ = "operation_conflicts"
    __table_args__ = (Index("ix_operation_conflicts_status_grade", "status", "grade"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    #: For two operations, the lower id; for an interest, the operation.
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    other_operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"), index=True)
    interest_id: Mapped[int | None] = mapped_column(ForeignKey("interests.id"), index=True)
    #: ConflictKind values, most serious first.
    kinds: Mapped[list[str]] = mapped_column(JsonType, default=list)
    grade: Mapped[ConflictGrade] = mapped_column(enum_column(ConflictGrade, 12))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    status: Mapped[ConflictStatus] = mapped_column(
        enum_column(ConflictStatus, 10), default=ConflictStatus.OPEN
    )
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The desk officer who took it; unowned open conflicts belong to the desk as a whole.
    desk_owner: Mapped[str | None] = mapped_column(String(120))
    resolution: Mapped[ConflictResolution | None] = mapped_column(enum_column(ConflictResolution, 12))
    #: For delay and cancel: the operation that gives way.
    yielding_operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"))
    rationale: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column()
    escalated_at: Mapped[datetime | None] = mapped_column()
    #: Why it lapsed (``the operations no longer overlap``, ``operation 3 was cancelled``).
    closed_reason: Mapped[str | None] = mapped_column(Text)


class DeconflictionNotification(Base):
    """What one recipient was told: an agency (its blind view, never the other side's details) or the desk.

    The message and fields are written from the recipient's view when the notice is raised, so a notice
    can hold nothing its recipient may not read.
    """

    __tablename__ = "deconfliction_notifications"
    __table_args__ = (Index("ix_deconfliction_notifications_recipient", "recipient_agency_id", "read_at"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    audience: Mapped[NotificationAudience] = mapped_column(enum_column(NotificationAudience, 10))
    event: Mapped[NotificationEvent] = mapped_column(enum_column(NotificationEvent, 12))
    #: The agency told (``None`` for the desk).
    recipient_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    conflict_id: Mapped[int | None] = mapped_column(ForeignKey("operation_conflicts.id"), index=True)
    #: The recipient's own operation or interest the notice is about.
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"), index=True)
    interest_id: Mapped[int | None] = mapped_column(ForeignKey("interests.id"))
    #: A covert operation on the other side: the recipient learns only to hold and call the desk.
    hold: Mapped[bool] = mapped_column(Boolean, default=False)
    counterpart_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    counterpart_contact: Mapped[str] = mapped_column(String(300), default="")
    kinds: Mapped[list[str]] = mapped_column(JsonType, default=list)
    grade: Mapped[ConflictGrade | None] = mapped_column(enum_column(ConflictGrade, 12))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column()
    read_by: Mapped[str | None] = mapped_column(String(200))
