"""Reading and checking the audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, allowed
from crimelink.errors import PermissionDeniedError
from crimelink.store.audit import GENESIS, append_event, event_digest
from crimelink.store.models import AuditEvent


@dataclass
class ChainReport:
    """The result of re-computing the hash chain. ``head`` can be kept elsewhere to detect truncation."""

    checked: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Walk every event in order; report each altered event and each break in the chain."""
    report = ChainReport()
    expected_prev = GENESIS
    last_id = 0
    while True:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not events:
            break
        for event in events:
            digest = event_digest(
                prev_hash=event.prev_hash,
                occurred_at=event.occurred_at,
                actor=event.actor,
                action=event.action,
                resource_type=event.resource_type,
                resource_id=event.resource_id,
                purpose=event.purpose,
                outcome=event.outcome,
                details=event.details,
            )
            if digest != event.hash:
                report.problems.append(
                    f"event {event.id} was altered: its content no longer matches its hash"
                )
            if event.prev_hash != expected_prev:
                report.problems.append(
                    f"the chain breaks before event {event.id}: an event was removed, inserted or reordered"
                )
            expected_prev = event.hash
            report.checked += 1
            last_id = event.id
        session.expunge_all()
    report.head = expected_prev
    return report


def search_audit(
    session: Session,
    actor: Actor,
    *,
    who: str | None = None,
    action: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[AuditEvent]:
    """Auditors search the trail; the search itself is audited."""
    gate = allowed(actor, Action.AUDIT_READ)
    if not gate:
        raise PermissionDeniedError(gate.reason)
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(min(max(limit, 1), 1000))
    if who:
        query = query.where(AuditEvent.actor == who)
    if action:
        query = query.where(AuditEvent.action == action)
    if resource_type:
        query = query.where(AuditEvent.resource_type == resource_type)
    if resource_id:
        query = query.where(AuditEvent.resource_id == resource_id)
    if since:
        query = query.where(AuditEvent.occurred_at >= since)
    if until:
        query = query.where(AuditEvent.occurred_at <= until)
    events = list(session.scalars(query))
    append_event(
        session,
        actor=actor.username,
        actor_user_id=actor.user_id,
        actor_agency_id=actor.agency_id,
        action="search",
        resource_type="audit_event",
        purpose=actor.purpose.value,
        details={
            "who": who,
            "action": action,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "returned": len(events),
        },
    )
    return events
