"""A few rows written as one statement (crimelink.store.bulk.rows_write, insert_rows): on PostgreSQL as one
JSON parameter, on SQLite as an executemany; the same rows, values and types either way."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Engine, Table, select
from sqlalchemy.orm import Session

from crimelink.domain import AgencyKind
from crimelink.domain.deconfliction import ConflictGrade, NotificationAudience, NotificationEvent
from crimelink.store.bulk import insert_rows, rows_write
from crimelink.store.models import Agency, DeconflictionNotification
from crimelink.store.pipeline import lock_then_write, make_writes

AGENCIES = cast(Table, Agency.__table__)
NOTICES = cast(Table, DeconflictionNotification.__table__)
WHEN = datetime(2026, 11, 30, 17, 5, 6, 123456, tzinfo=UTC)


def agency(code: str, kind: AgencyKind) -> dict[str, object]:
    return {"code": code, "name": f"{code} 'quoted' \"and\" 50%", "kind": kind, "contact": "duty desk"}


def notice(agency_id: int | None, grade: ConflictGrade | None, kinds: list[str]) -> dict[str, object]:
    return {
        "audience": NotificationAudience.AGENCY if agency_id else NotificationAudience.DESK,
        "event": NotificationEvent.CONFLICT,
        "recipient_agency_id": agency_id,
        "hold": agency_id is None,
        "kinds": kinds,
        "grade": grade,
        "message": "Conflict: place and time.\\nCall first.",
        "created_at": WHEN,
        "read_at": None,
    }


def test_rows_inserted_return_their_ids_by_key_with_every_value_kept(engine: Engine) -> None:
    with Session(engine) as session:
        returned = insert_rows(
            session,
            AGENCIES,
            [agency("GLAA", AgencyKind.GLAA), agency("EA", AgencyKind.ENVIRONMENT_AGENCY)],
            (AGENCIES.c.code, AGENCIES.c.id),
        )
        ids = {str(code): int(agency_id) for code, agency_id in returned}
        session.commit()
        stored = {a.code: a for a in session.scalars(select(Agency))}
    assert set(ids) == {"GLAA", "EA"}
    assert {code: a.id for code, a in stored.items()} == ids
    assert stored["EA"].kind is AgencyKind.ENVIRONMENT_AGENCY
    assert stored["GLAA"].name == "GLAA 'quoted' \"and\" 50%"


def test_a_rows_write_made_with_others_keeps_enums_times_json_and_nulls(engine: Engine) -> None:
    with Session(engine) as session:
        (glaa_id,) = (
            row.id
            for row in insert_rows(session, AGENCIES, [agency("GLAA", AgencyKind.GLAA)], (AGENCIES.c.id,))
        )
        rows = [notice(glaa_id, ConflictGrade.AMBER, ["PLACE_TIME", "TARGET"]), notice(None, None, [])]
        writes = [rows_write(session, NOTICES, rows)]
        if engine.dialect.name == "postgresql":
            lock_then_write(session, 0x7E58, writes)
        else:
            make_writes(session, writes)
        session.commit()
        stored = session.scalars(
            select(DeconflictionNotification).order_by(DeconflictionNotification.id)
        ).all()
    assert [(n.audience, n.recipient_agency_id, n.hold, n.grade, n.kinds) for n in stored] == [
        (NotificationAudience.AGENCY, glaa_id, False, ConflictGrade.AMBER, ["PLACE_TIME", "TARGET"]),
        (NotificationAudience.DESK, None, True, None, []),
    ]
    assert all(n.created_at.replace(tzinfo=UTC) == WHEN for n in stored), "microseconds and zone kept"
    assert all(n.read_at is None and n.message == "Conflict: place and time.\\nCall first." for n in stored)
