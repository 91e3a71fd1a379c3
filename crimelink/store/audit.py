"""Writing audit events: append-only and hash-chained, in the caller's transaction.

Each event's hash covers its content and the previous event's hash, so altering, removing or
reordering any event breaks the chain from that point on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

from crimelink.store.engine import begin_writing
from crimelink.store.models import AuditEvent
from crimelink.store.models.base import utcnow

GENESIS = "0" * 64
_LOCK_KEY = 0x43726C6B  # an arbitrary constant: serialises appends on PostgreSQL


def event_digest(
    *,
    prev_hash: str,
    occurred_at: datetime,
    actor: str,
    action: str,
    resource_type: str,
    resource_id: str,
    purpose: str,
    outcome: str,
    details: dict[str, Any],
) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            # Microsecond precision and no zone: both databases give the same text back.
            "at": _utc_text(occurred_at),
            "actor": actor,
            "action": action,
            "type": resource_type,
            "id": resource_id,
            "purpose": purpose,
            "outcome": outcome,
            "details": details,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _utc_text(moment: datetime) -> str:
    # SQLite gives naive UTC back, PostgreSQL an aware time in the session's zone: compare in UTC.
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Appended:
    """An event just appended: where it sits in the chain."""

    id: int
    prev_hash: str
    hash: str


def append_event(
    session: Session,
    *,
    actor: str,
    action: str,
    resource_type: str,
    resource_id: str = "",
    purpose: str = "",
    outcome: str = "success",
    details: dict[str, Any] | None = None,
    actor_user_id: int | None = None,
    actor_agency_id: int | None = None,
) -> Appended:
    """Add one event to the chain within the session's current transaction.

    Written with one INSERT (a Core statement, not the session's unit of work): every audited request
    appends one.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    else:
        begin_writing(session)  # an audited read, from here on, may write while others do
    prev = session.scalar(_LAST_HASH) or GENESIS
    occurred_at = utcnow()
    body = details or {}
    digest = event_digest(
        prev_hash=prev,
        occurred_at=occurred_at,
        actor=actor,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose=purpose,
        outcome=outcome,
        details=body,
    )
    event_id = session.execute(
        _INSERT,
        {
            "occurred_at": occurred_at,
            "actor": actor,
            "actor_user_id": actor_user_id,
            "actor_agency_id": actor_agency_id,
            "action": action,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "purpose": purpose,
            "outcome": outcome,
            "details": body,
            "prev_hash": prev,
            "hash": digest,
        },
    ).scalar_one()
    return Appended(event_id, prev, digest)


_LAST_HASH = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
# A Core insert of the table, built once: the ORM's bulk insert path costs more than the row.
_TABLE = cast(Table, AuditEvent.__table__)
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
