"""Analysts' judgements override the model, survive re-runs and record updates, and can be reversed."""

from __future__ import annotations

from pathlib import Path

import pytest
from linkage_store import BOB, JANE, JANET, JOHN, ROBERT, links, store_rows
from sqlalchemy import Engine, select

from crimelink.errors import InvalidInputError
from crimelink.linkage.judgements import record_judgement, reverse_judgement
from crimelink.linkage.resolve import resolve_entities
from crimelink.store.engine import session_scope
from crimelink.store.models import AuditEvent, SourceRecord


def party(engine: Engine, source_key: str, name: str = "subject") -> tuple[int, str]:
    """The (record id, party) of the current version of a record."""
    with session_scope(engine) as session:
        record_id = session.scalars(
            select(SourceRecord.id)
            .where(SourceRecord.source_key == source_key)
            .order_by(SourceRecord.version.desc())
        ).first()
    assert record_id is not None
    return (record_id, name)


def test_different_splits_a_model_match_and_survives_reruns_and_updates(
    engine: Engine, tmp_path: Path
) -> None:
    store_rows(engine, tmp_path, "HSG", [ROBERT, JOHN])
    store_rows(engine, tmp_path, "TS", [BOB])
    resolve_entities(engine)
    assert links(engine)[("a1", "subject")][0] == links(engine)[("b1", "subject")][0]
    with session_scope(engine) as session:
        judgement = record_judgement(
            session,
            left=party(engine, "a1"),
            right=party(engine, "b1"),
            decision="different",
            reason="Bob is Robert's twin: different NHS numbers",
            decided_by="analyst.one",
        )
        judgement_id = judgement.id
    summary = resolve_entities(engine)
    after = links(engine)
    assert after[("a1", "subject")][0] != after[("b1", "subject")][0]
    assert after[("b1", "subject")][1] == "judgement"
    assert summary.split == 1
    # A re-run, and a new version of Bob's record, keep the judgement.
    assert resolve_entities(engine).split == 0
    moved_bob = (*BOB[:3], "E1 6AN", "1 Mile End Road", *BOB[5:])
    store_rows(engine, tmp_path, "TS", [moved_bob])
    resolve_entities(engine)
    again = links(engine)
    assert again[("a1", "subject")][0] != again[("b1", "subject")][0]
    # Reversed: the model decides again and the two are one person.
    with session_scope(engine) as session:
        reverse_judgement(session, judgement_id, reversed_by="analyst.two", reason="twin was a typo")
    resolve_entities(engine)
    final = links(engine)
    assert final[("a1", "subject")][0] == final[("b1", "subject")][0]
    with session_scope(engine) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.resource_type == "match_judgement")
        ).all()
    assert actions == ["judge", "reverse"]


def test_same_joins_what_the_model_kept_apart(engine: Engine, tmp_path: Path) -> None:
    store_rows(engine, tmp_path, "HSG", [JANE])
    store_rows(engine, tmp_path, "TS", [JANET])
    resolve_entities(engine)
    jane, janet = links(engine)[("a3", "subject")][0], links(engine)[("b2", "subject")][0]
    assert jane != janet
    with session_scope(engine) as session:
        record_judgement(
            session,
            left=party(engine, "a3"),
            entity_id=janet,
            decision="same",
            reason="Jane Doe married: now Janet Brown (marriage certificate seen)",
            decided_by="analyst.one",
        )
    summary = resolve_entities(engine)
    after = links(engine)
    assert after[("a3", "subject")][0] == after[("b2", "subject")][0]
    assert after[("a3", "subject")][1] == "judgement"
    assert summary.merged == 1
    assert resolve_entities(engine).merged == 0


def test_different_wins_over_same(sqlite_engine: Engine, tmp_path: Path) -> None:
    store_rows(sqlite_engine, tmp_path, "HSG", [JANE])
    store_rows(sqlite_engine, tmp_path, "TS", [JANET])
    resolve_entities(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        for decision in ("different", "same"):
            record_judgement(
                session,
                left=party(sqlite_engine, "a3"),
                right=party(sqlite_engine, "b2"),
                decision=decision,
                reason=f"judged {decision}",
                decided_by="analyst.one",
            )
    resolve_entities(sqlite_engine)
    after = links(sqlite_engine)
    assert after[("a3", "subject")][0] != after[("b2", "subject")][0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"decision": "maybe", "reason": "x"}, "decision"),
        ({"decision": "same", "reason": "  "}, "reason"),
        ({"decision": "same", "reason": "x", "right_party": "nobody"}, "right"),
    ],
)
def test_bad_judgements_are_refused_naming_the_field(
    sqlite_engine: Engine, tmp_path: Path, kwargs: dict[str, str], field: str
) -> None:
    store_rows(sqlite_engine, tmp_path, "HSG", [ROBERT, JOHN])
    right_party = kwargs.pop("right_party", "subject")
    with session_scope(sqlite_engine) as session, pytest.raises(InvalidInputError) as raised:
        record_judgement(
            session,
            left=party(sqlite_engine, "a1"),
            right=(party(sqlite_engine, "a2")[0], right_party),
            decided_by="analyst.one",
            **kwargs,
        )
    assert field in str(raised.value)


def test_not_this_person_moves_the_judged_record_out_and_the_entity_keeps_its_id(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    store_rows(sqlite_engine, tmp_path, "TS", [BOB])
    store_rows(sqlite_engine, tmp_path, "HSG", [ROBERT])
    resolve_entities(sqlite_engine)
    entity = links(sqlite_engine)[("b1", "subject")][0]
    assert links(sqlite_engine)[("a1", "subject")][0] == entity
    with session_scope(sqlite_engine) as session:
        record_judgement(
            session,
            left=party(sqlite_engine, "b1"),
            entity_id=entity,
            decision="different",
            reason="Bob is not this Robert: different NHS numbers",
            decided_by="analyst.one",
        )
    resolve_entities(sqlite_engine)
    after = links(sqlite_engine)
    assert after[("a1", "subject")][0] == entity  # the entity keeps its id and its other record
    assert after[("b1", "subject")][0] != entity
    assert after[("b1", "subject")][1] == "judgement"
