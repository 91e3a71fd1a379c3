"""Writing audit events: append-only and hash-chained, in the caller's transaction.

Each event's hash covers its content and the previous event's hash, so altering, removing or
reordering any event breaks the chain from that point on.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from crimelink.store.engine import begin_writing
from crimelink.store.models import AuditEvent
from crimelink.store.models.base import utcnow
from crimelink.store.pipeline import ADVISORY_LOCK_SQL, Write, make_writes, postgres_pipeline

GENESIS = "0" * 64
_LOCK_KEY = 0x43726C6B  # an arbitrary constant: serialises appends on PostgreSQL


def event_payload(
    *,
    prev_hash: str,
    occurred_at: datetime | str,
    actor: str,
    action: str,
    resource_type: str,
    resource_id: str,
    purpose: str,
    outcome: str,
    details: dict[str, Any],
) -> str:
    """The text an event's hash is the SHA-256 of (its UTF-8 bytes; the text is ASCII).

    ``occurred_at`` may also be given as the text the payload holds for it (on PostgreSQL a marker, where
    the insert puts the database's time).
    """
    return json.dumps(
        {
            "prev": prev_hash,
            # Microsecond precision and no zone: both databases give the same text back.
            "at": occurred_at if isinstance(occurred_at, str) else _utc_text(occurred_at),
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
    writes: Sequence[Write] = (),
) -> Appended:
    """Add one event to the chain within the session's current transaction.

    Written with one INSERT (a Core statement, not the session's unit of work): every audited request
    appends one. ``writes`` are statements the change still has to make, run first, in order: writes
    whose results nothing reads (an UPDATE, an INSERT without RETURNING). On PostgreSQL they go to the
    server in the event's pipeline, one round trip for them all.
    """
    body = details or {}
    hashed: dict[str, Any] = {
        "actor": actor,
        "action": action,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "purpose": purpose,
        "outcome": outcome,
        "details": body,
    }
    fields = {**hashed, "actor_user_id": actor_user_id, "actor_agency_id": actor_agency_id}
    if session.get_bind().dialect.name == "postgresql":
        # The time, the previous hash and the new hash are all made by the insert, once it is this
        # event's turn: the payload's text comes in three pieces around the time and the previous hash.
        at, prev = uuid.uuid4().hex, uuid.uuid4().hex
        head, rest = event_payload(prev_hash=prev, occurred_at=at, **hashed).split(at)
        middle, tail = rest.split(prev)  # sorted keys: "at" comes before "prev"
        return _append_pipelined(session, {**fields, "head": head, "middle": middle, "tail": tail}, writes)
    begin_writing(session)  # an audited read, from here on, may write while others do
    make_writes(session, writes)
    hashed["occurred_at"] = utcnow()  # once it is this event's turn: times follow the chain's order
    fields["occurred_at"] = hashed["occurred_at"]
    prev = session.scalar(_LAST_HASH) or GENESIS
    digest = event_digest(prev_hash=prev, **hashed)
    event_id = session.execute(_INSERT, {**fields, "prev_hash": prev, "hash": digest}).scalar_one()
    return Appended(event_id, prev, digest)


_LAST_HASH = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
# A Core insert of the table, built once: the ORM's bulk insert path costs more than the row.
_TABLE = cast(Table, AuditEvent.__table__)
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
# PostgreSQL: the event's time taken, the chain's last hash read and the new event's hash computed in the
# insert. The payload's text around the time and the previous hash (``head``, ``middle`` and ``tail``)
# comes from :func:`event_payload`, so the hash is the one :func:`event_digest` gives and ``crimelink
# audit verify`` checks. Written for the driver (psycopg), as it runs in a pipeline with the lock
# (:func:`_append_pipelined`).
_INSERT_CHAINED_SQL = f"""
INSERT INTO audit_events (occurred_at, actor, actor_user_id, actor_agency_id, action, resource_type,
                          resource_id, purpose, outcome, details, prev_hash, hash)
SELECT now.at, %(actor)s, %(actor_user_id)s::bigint, %(actor_agency_id)s::bigint,
       %(action)s, %(resource_type)s, %(resource_id)s, %(purpose)s, %(outcome)s, %(details)s, last.prev,
       encode(sha256(convert_to(
           %(head)s::text || to_char(now.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
           || %(middle)s::text || last.prev || %(tail)s::text, 'UTF8')), 'hex')
FROM (SELECT coalesce((SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1), '{GENESIS}') AS prev) AS last,
     (SELECT clock_timestamp() AS at) AS now
RETURNING id, prev_hash, hash
"""


def _append_pipelined(session: Session, params: dict[str, Any], writes: Sequence[Write]) -> Appended:
    """PostgreSQL: make the writes, take the chain's lock and insert the event in one round trip.

    The statements go in one pipeline (:func:`crimelink.store.pipeline.postgres_pipeline`): the server
    runs them in order, and the insert, a statement of its own after the lock, sees every event committed
    before the lock was granted.
    """
    from psycopg.types.json import Jsonb

    params = {**params, "details": Jsonb(params["details"])}
    with postgres_pipeline(session) as driver, driver.cursor() as lock, driver.cursor() as cursor:
        make_writes(session, writes)
        lock.execute(ADVISORY_LOCK_SQL, (_LOCK_KEY,))
        cursor.execute(_INSERT_CHAINED_SQL, params)
        row = cursor.fetchone()
    assert row is not None
    return Appended(int(row[0]), str(row[1]), str(row[2]))
