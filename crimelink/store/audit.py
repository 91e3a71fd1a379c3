"""Writing audit events: append-only and hash-chained, in the caller's transaction.

Each event's hash covers its content and the previous event's hash, so altering, removing or
reordering any event breaks the chain from that point on.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import String, Table, bindparam, func, insert, literal, select, text
from sqlalchemy.orm import Session

from crimelink.store.engine import begin_writing
from crimelink.store.models import AuditEvent
from crimelink.store.models.base import utcnow

GENESIS = "0" * 64
_LOCK_KEY = 0x43726C6B  # an arbitrary constant: serialises appends on PostgreSQL


def event_payload(
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
    """The text an event's hash is the SHA-256 of (its UTF-8 bytes; the text is ASCII)."""
    return json.dumps(
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


def event_digest(**fields: Any) -> str:
    """An event's hash: see :func:`event_payload` for the fields."""
    return hashlib.sha256(event_payload(**fields).encode()).hexdigest()


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
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(_LOCK, {"key": _LOCK_KEY})
    else:
        begin_writing(session)  # an audited read, from here on, may write while others do
    occurred_at = utcnow()  # once it is this event's turn: times follow the chain's order
    body = details or {}
    hashed: dict[str, Any] = {
        "occurred_at": occurred_at,
        "actor": actor,
        "action": action,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "purpose": purpose,
        "outcome": outcome,
        "details": body,
    }
    fields = {**hashed, "actor_user_id": actor_user_id, "actor_agency_id": actor_agency_id}
    if postgres:
        # The previous hash is read, and the new one made, by the insert itself: one round trip fewer.
        # A statement of its own after the lock, so it sees every event committed before the lock.
        marker = uuid.uuid4().hex
        head, tail = event_payload(prev_hash=marker, **hashed).split(marker)
        row = session.execute(_INSERT_CHAINED, {**fields, "head": head, "tail": tail}).one()
        return Appended(row.id, row.prev_hash, row.hash)
    prev = session.scalar(_LAST_HASH) or GENESIS
    digest = event_digest(prev_hash=prev, **hashed)
    event_id = session.execute(_INSERT, {**fields, "prev_hash": prev, "hash": digest}).scalar_one()
    return Appended(event_id, prev, digest)


_LAST_HASH = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
# A Core insert of the table, built once: the ORM's bulk insert path costs more than the row.
_TABLE = cast(Table, AuditEvent.__table__)
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
# PostgreSQL: the chain's last hash read and the new event's hash computed in the insert. The payload's
# text around the previous hash (``head`` and ``tail``) comes from :func:`event_payload`, so the hash is
# the one :func:`event_digest` gives and ``crimelink audit verify`` checks.
_FIELDS = (
    "occurred_at",
    "actor",
    "actor_user_id",
    "actor_agency_id",
    "action",
    "resource_type",
    "resource_id",
    "purpose",
    "outcome",
    "details",
)
_PREV = func.coalesce(_LAST_HASH.scalar_subquery(), literal(GENESIS)).label("prev")
_LAST = select(_PREV).subquery()
_INSERT_CHAINED = (
    insert(_TABLE)
    .from_select(
        [*_FIELDS, "prev_hash", "hash"],
        select(
            *(bindparam(name, type_=_TABLE.c[name].type) for name in _FIELDS),
            _LAST.c.prev,
            func.encode(
                func.sha256(
                    func.convert_to(
                        bindparam("head", type_=String()) + _LAST.c.prev + bindparam("tail", type_=String()),
                        literal("UTF8"),
                    )
                ),
                literal("hex"),
            ),
        ),
    )
    .returning(_TABLE.c.id, _TABLE.c.prev_hash, _TABLE.c.hash)
)
