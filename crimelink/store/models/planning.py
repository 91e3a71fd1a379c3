"""Disruption and the co-ordinated plan: tactics, disruption plans, actions, the partnership plan's
objectives and joint initiatives, meetings and their resolutions, requests for assistance, the
directory of contacts, outcomes, and the reminders sent (``docs/plan.md``).

An action (``plan_actions``) is the one unit of tracked work: it belongs to a disruption plan, or arose
from a meeting's resolution, or serves an objective or initiative; ``plan_action_events`` keeps each move
through its flow with who, when and why.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimelink.domain import (
    ActionStatus,
    ClearHoldBuild,
    DisruptionImpact,
    FourP,
    InitiativeStatus,
    LifestyleArea,
    MeetingStatus,
    ObjectiveStatus,
    OutcomeKind,
    PlanStatus,
    RequestStatus,
    RequestUrgency,
)
from crimelink.store.models.base import Base, IdType, JsonType, enum_column, utcnow


class Tactic(Base):
    """A tactic of the partnership's menu, kept in step with the editable reference data by slug."""

    __tablename__ = "tactics"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[LifestyleArea] = mapped_column(enum_column(LifestyleArea, 20))
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)


class PartnershipObjective(Base):
    """An objective of the partnership plan under one of the 4Ps (and a Clear-Hold-Build phase)."""

    __tablename__ = "partnership_objectives"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    four_p: Mapped[FourP] = mapped_column(enum_column(FourP, 10))
    phase: Mapped[ClearHoldBuild | None] = mapped_column(enum_column(ClearHoldBuild, 10))
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    measure: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ObjectiveStatus] = mapped_column(
        enum_column(ObjectiveStatus, 10), default=ObjectiveStatus.ACTIVE
    )
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Initiative(Base):
    """A joint initiative, for example a county-lines week of action across boroughs."""

    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[ClearHoldBuild | None] = mapped_column(enum_column(ClearHoldBuild, 10))
    #: Where: a place name, wards or boroughs, as the partners describe it.
    area: Mapped[str] = mapped_column(String(300), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    lead_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    partner_agency_ids: Mapped[list[int]] = mapped_column(JsonType, default=list)
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("partnership_objectives.id"))
    measures: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[InitiativeStatus] = mapped_column(
        enum_column(InitiativeStatus, 10), default=InitiativeStatus.PLANNED
    )
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


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
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("partnership_objectives.id"))
    status: Mapped[PlanStatus] = mapped_column(
        enum_column(PlanStatus, 10), default=PlanStatus.ACTIVE, server_default=PlanStatus.ACTIVE.value
    )
    review_every_days: Mapped[int] = mapped_column(Integer, default=28)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    closing_note: Mapped[str | None] = mapped_column(Text)

    actions: Mapped[list[PlanAction]] = relationship(back_populates="plan", order_by="PlanAction.id")


class Meeting(Base):
    """A partnership meeting: agenda built from live items, minutes and resolutions (as actions)."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_at: Mapped[datetime] = mapped_column()
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus, 10),
        default=MeetingStatus.PLANNED,
        server_default=MeetingStatus.PLANNED.value,
    )
    location: Mapped[str] = mapped_column(String(300), default="", server_default="")
    chair: Mapped[str] = mapped_column(String(200), default="", server_default="")
    attendees: Mapped[list[str]] = mapped_column(JsonType, default=list)
    #: Agenda items, each ``{"kind", "title", "detail", "ref"}``, built from live items and edited.
    agenda: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_by: Mapped[str | None] = mapped_column(String(200))
    minutes_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    resolutions: Mapped[list[MeetingResolution]] = relationship(
        back_populates="meeting", order_by="MeetingResolution.id"
    )


class PlanAction(Base):
    """An action with an owner and due date: in a disruption plan, from a meeting, or for the plan."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("disruption_plans.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("partnership_objectives.id"), index=True)
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"), index=True)
    tactic_id: Mapped[int | None] = mapped_column(ForeignKey("tactics.id"))
    target_entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    assignee: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    four_p: Mapped[FourP | None] = mapped_column(enum_column(FourP, 10))
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus, 20), default=ActionStatus.PROPOSED)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: The operation the action is (it follows the operation's status: a deconfliction check looks it up).
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()
    #: When the last reminder about this action was sent (overdue reminders repeat at most this often).
    reminded_at: Mapped[datetime | None] = mapped_column()

    plan: Mapped[DisruptionPlan | None] = relationship(back_populates="actions")
    events: Mapped[list[PlanActionEvent]] = relationship(
        back_populates="action", order_by="PlanActionEvent.id", cascade="all, delete-orphan"
    )


class PlanActionEvent(Base):
    """One move of an action through its flow (or a note on it), with who, when and why."""

    __tablename__ = "plan_action_events"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("plan_actions.id"), index=True)
    from_status: Mapped[ActionStatus | None] = mapped_column(
        enum_column(ActionStatus, 20, name="from_actionstatus")
    )
    to_status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus, 20))
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    action: Mapped[PlanAction] = relationship(back_populates="events")


class MeetingResolution(Base):
    """What a meeting resolved; a resolution with an owner becomes a tracked action (``action_id``)."""

    __tablename__ = "meeting_resolutions"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    assignee: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("plan_actions.id"))
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="resolutions")


class Contact(Base):
    """An entry in the partnership's directory: who to call for what, by agency and specialism."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    #: ``Specialism`` codes.
    specialisms: Mapped[list[str]] = mapped_column(JsonType, default=list)
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    #: The user this contact is, if they use Crimelink (requests routed to them show on their home page).
    username: Mapped[str | None] = mapped_column(String(200))
    out_of_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AssistanceRequest(Base):
    """A partner's request for help (to the Organised Crime Command or another agency), tracked to closure."""

    __tablename__ = "assistance_requests"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    requesting_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text, default="")
    specialism: Mapped[str] = mapped_column(String(40))
    urgency: Mapped[RequestUrgency] = mapped_column(
        enum_column(RequestUrgency, 10), default=RequestUrgency.ROUTINE
    )
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organised_crime_groups.id"))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, 10), default=RequestStatus.OPEN, index=True
    )
    routed_to_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    routed_to_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    routed_by: Mapped[str | None] = mapped_column(String(200))
    routed_at: Mapped[datetime | None] = mapped_column()
    due_on: Mapped[date | None] = mapped_column(Date)
    response: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column()


class Outcome(Base):
    """A result: arrest, seizure, closure, referral, ... linked to the action and group it came from."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    kind: Mapped[OutcomeKind] = mapped_column(enum_column(OutcomeKind, 30))
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("plan_actions.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("disruption_plans.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organised_crime_groups.id"), index=True)
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"))
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"))
    quantity: Mapped[float | None] = mapped_column(Float)
    #: What the quantity counts (kg, wraps, people, vehicles...).
    unit: Mapped[str] = mapped_column(String(30), default="", server_default="")
    value_gbp: Mapped[float | None] = mapped_column(Float)
    #: What it cost the partnership (for example fly-tipping clearance).
    cost_gbp: Mapped[float | None] = mapped_column(Float)
    impact: Mapped[DisruptionImpact] = mapped_column(
        enum_column(DisruptionImpact, 10), default=DisruptionImpact.NONE
    )
    #: The grade the configured grading gave (``disruption_grading.yaml``), and which rule and why.
    impact_default: Mapped[DisruptionImpact | None] = mapped_column(
        enum_column(DisruptionImpact, 10, name="impact_default_disruptionimpact")
    )
    impact_basis: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Why the recorder chose ``impact`` over ``impact_default`` (empty when they kept it).
    impact_override_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReminderSent(Base):
    """An e-mail reminder sent (or that failed) about an overdue action or a pending request."""

    __tablename__ = "reminders_sent"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    #: ``action`` or ``request``.
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject_line: Mapped[str] = mapped_column(String(300))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str] = mapped_column(Text, default="")
