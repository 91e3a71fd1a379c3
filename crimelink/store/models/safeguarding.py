"""Safeguarding alerts: a child or an adult at risk found in exploitation intelligence, and what people did.

A scan (:func:`crimelink.services.safeguarding.scan_safeguarding`) raises one alert per person and kind
(``child`` or ``adult_at_risk``) with the evidence that put them there, and adds later evidence to the
alert while it is open. An alert advises; the safeguarding lead decides. Its status moves

    raised -> acknowledged -> referred | no_further_action | closed;  referred | no_further_action -> closed

and every move is a :class:`SafeguardingAction` row (who, when, why), written with its audit event.

``key`` is stable: the kind, the subject entity and a digest of the evidence (by dataset and source key,
so a new version of a record is the same evidence). A re-scan that finds the same evidence finds the
same key, so it never raises the alert twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimelink.store.models.base import Base, IdType, JsonType, utcnow


class SafeguardingAlert(Base):
    __tablename__ = "safeguarding_alerts"
    __table_args__ = (
        CheckConstraint("kind IN ('child', 'adult_at_risk')", name="kind"),
        CheckConstraint(
            "status IN ('raised', 'acknowledged', 'referred', 'no_further_action', 'closed')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    #: The person (an entity; it may since have been merged into another, which the alert then follows).
    subject_entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: Indexed: the inbox lists open alerts first.
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: The exploitation threats of the evidence (CriminalityType values).
    threats: Mapped[list[str]] = mapped_column(JsonType, default=list)
    #: Suggested routes, each ``{"route": Route, "rule": why, "threats": [the threats that call for it]}``.
    routes: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    #: The rule that fired, in words.
    rule: Mapped[str] = mapped_column(Text)
    #: Why the subject is a child or an adult at risk: the date of birth and the record it came from, or
    #: the social care register records; and the screening settings (catalogue, minimum score).
    inputs: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    raised_by: Mapped[str] = mapped_column(String(200))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The route taken, once referred.
    referred_route: Mapped[str | None] = mapped_column(String(60))
    status_changed_by: Mapped[str] = mapped_column(String(200))
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    evidence: Mapped[list[SafeguardingEvidence]] = relationship(
        back_populates="alert", order_by="SafeguardingEvidence.id"
    )
    actions: Mapped[list[SafeguardingAction]] = relationship(
        back_populates="alert", order_by="SafeguardingAction.id"
    )


class SafeguardingEvidence(Base):
    """One record that put the subject in the alert: the party they are in it, and the record's tags."""

    __tablename__ = "safeguarding_evidence"
    __table_args__ = (UniqueConstraint("alert_id", "record_id", "party"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_alerts.id"))
    record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), index=True)
    party: Mapped[str] = mapped_column(String(60))
    #: The record's exploitation tags when it was screened (:class:`crimelink.network.screening.ThreatTag`).
    tags: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    #: Why the subject counted as a child or an adult at risk on this record's date.
    basis: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    alert: Mapped[SafeguardingAlert] = relationship(back_populates="evidence")


class SafeguardingAction(Base):
    """Something a person (or a scan) did to an alert: raised it, added evidence, or moved its status."""

    __tablename__ = "safeguarding_actions"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_alerts.id"), index=True)
    #: raise | add_evidence | acknowledge | refer | no_further_action | close
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    route: Mapped[str | None] = mapped_column(String(60))
    rationale: Mapped[str] = mapped_column(Text, default="")
    acted_by: Mapped[str] = mapped_column(String(200))
    acted_at: Mapped[datetime] = mapped_column(default=utcnow)

    alert: Mapped[SafeguardingAlert] = relationship(back_populates="actions")
