"""One new record joins existing entities at once, with the batch's own model and rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from linkage_store import HOME, JANE, JOHN, ROBERT, links, person_records, store_rows
from sqlalchemy import Engine, select

from crimelink.linkage import model
from crimelink.linkage.engine import DuckDBEngine
from crimelink.linkage.incremental import current_model, link_record
from crimelink.linkage.keys import party_keys
from crimelink.linkage.resolve import resolve_entities
from crimelink.linkage.scoring import PairScorer
from crimelink.store.engine import session_scope
from crimelink.store.models import LinkageKey, LinkageModel, RecordEntityLink, SourceRecord


def newest(engine: Engine, source_key: str) -> SourceRecord:
    with session_scope(engine) as session:
        record = session.scalars(
            select(SourceRecord).where(SourceRecord.source_key == source_key).order_by(SourceRecord.id.desc())
        ).first()
        assert record is not None
        session.expunge(record)
        return record


def test_a_new_record_joins_the_entities_it_matches_and_the_batch_agrees(
    engine: Engine, tmp_path: Path
) -> None:
    store_rows(engine, tmp_path, "HSG", [ROBERT, JOHN, JANE])
    resolve_entities(engine)
    before = links(engine)
    rob = ("p1", "Rob Smith", "03/04/1980", *HOME, "", "", "12 High Street, London", HOME[0], "")
    stranger = ("p2", "Zed Quux", "07/07/1977", "N1 9GU", "9 Nowhere Lane", "", "", "", "", "")
    store_rows(engine, tmp_path, "POL", [rob, stranger])
    with session_scope(engine) as session:
        decisions = {
            (record.source_key, d.party): d
            for record in (newest(engine, "p1"), newest(engine, "p2"))
            for d in link_record(session, session.merge(record))
        }
    rob_subject = decisions[("p1", "subject")]
    assert rob_subject.entity_id == before[("a1", "subject")][0]
    assert rob_subject.method == "probabilistic"
    assert rob_subject.match_probability is not None
    assert rob_subject.match_probability >= 0.9
    assert rob_subject.explanation["dob"]["level"] == "exact"
    assert rob_subject.explanation["name"]["level"] == "nickname given, exact family"
    assert not rob_subject.created
    assert decisions[("p1", "premises")].entity_id == before[("a1", "premises")][0]
    assert decisions[("p2", "subject")].created
    assert decisions[("p2", "subject")].method == "new"
    # The batch, run afterwards, keeps every id the incremental matcher gave.
    resolve_entities(engine)
    after = links(engine)
    assert after[("p1", "subject")][0] == rob_subject.entity_id
    assert after[("p2", "subject")][0] == decisions[("p2", "subject")].entity_id
    assert after[("p1", "premises")][0] == decisions[("p1", "premises")].entity_id


def test_a_record_linked_incrementally_is_found_by_the_next_one(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    store_rows(sqlite_engine, tmp_path, "HSG", [JANE])
    resolve_entities(sqlite_engine)
    first = ("q1", "Zed Quux", "07/07/1977", "N1 9GU", "9 Nowhere Lane", "", "", "", "", "")
    second = ("q2", "Zed Quux", "07/07/1977", "N1 9GU", "9 Nowhere Lane", "", "", "", "", "")
    store_rows(sqlite_engine, tmp_path, "POL", [first])
    with session_scope(sqlite_engine) as session:
        (one,) = link_record(session, session.merge(newest(sqlite_engine, "q1")))
    store_rows(sqlite_engine, tmp_path, "POL", [second])
    with session_scope(sqlite_engine) as session:
        (two,) = link_record(session, session.merge(newest(sqlite_engine, "q2")))
        keys = session.scalars(
            select(LinkageKey.key).where(LinkageKey.record_id == newest(sqlite_engine, "q1").id)
        )
        assert "dob:1977-07-07" in set(keys)
        # Linking again does nothing: the parties are already linked.
        assert link_record(session, session.merge(newest(sqlite_engine, "q2"))) == []
        assert (
            session.scalar(
                select(RecordEntityLink.entity_id).where(
                    RecordEntityLink.record_id == newest(sqlite_engine, "q2").id
                )
            )
            == two.entity_id
        )
    assert one.created
    assert not two.created
    assert two.entity_id == one.entity_id
    assert two.method in ("probabilistic", "deterministic")


def test_before_any_batch_run_the_documented_parameters_are_used(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        saved = current_model(session)
    assert saved.threshold == 0.9
    assert (
        saved.settings["probability_two_random_records_match"]
        == model.FIXED_PROBABILITY_TWO_RANDOM_RECORDS_MATCH
    )


PEOPLE = [
    ("ROBERT", "SMITH", "1980-04-03", "SW1A 1AA", "12 HIGH STREET LONDON", "+447700900123"),
    ("BOB", "SMITH", "1980-03-04", "SW1A 1AA", "12 HIGH STREET", None),
    ("ROBERTA", "SMYTH", "1980-04-03", "SW1A 2AA", "14 HIGH STREET", "+447700900123"),
    ("JOHN", "SMITH", "1955-06-05", "SW1A 1AA", "12 HIGH STREET LONDON", None),
    ("SMITH", "JOHN", "1955-06-05", None, None, None),
    ("JON", "SMITHE", "1955-06-15", "SW1A 1AB", "FLAT 1 12 HIGH STREET", None),
    ("JANE", "DOE", None, "E1 6AN", "1 MILE END ROAD", None),
    ("JANE", None, "1970-01-01", "E1 6AN", None, None),
    # A typo in the street, and a surname misspelt with no given name.
    ("ROBERT", "SMITH", None, None, "12 HIGH STRET LONDON", None),
    (None, "SMITHE", "1980-04-03", None, None, None),
]


def test_the_python_scorer_gives_splinks_weights() -> None:
    """Every level's Python twin agrees with its SQL: the weights of all scored pairs are equal."""
    records = person_records(PEOPLE)
    engine = DuckDBEngine()
    engine.load(records)
    pairs = engine.probabilistic_pairs(threshold=1e-9, train=False, step=lambda _m: None)
    assert len(pairs) >= 6  # the pairs the blocking rules let through
    scorer = PairScorer(
        model.settings_dict(
            probability_two_random_records_match=model.FIXED_PROBABILITY_TWO_RANDOM_RECORDS_MATCH
        )
    )
    rows = [record.as_row() for record in records]
    reached: set[tuple[str, str]] = set()
    for pair in pairs:
        ours = scorer.score(rows[pair.left_id], rows[pair.right_id])
        assert pair.match_weight == pytest.approx(ours.match_weight, abs=1e-6), (pair, ours.explanation())
        assert pair.match_probability == pytest.approx(ours.match_probability, abs=1e-9)
        reached.update((f.comparison, f.level) for f in ours.fields)
    assert {
        ("location", "same numbers, address a few typos apart"),
        ("name", "similar family, given missing"),
        ("dob", "day and month transposed"),
        ("name", "nickname given, exact family"),
    } <= reached


def test_a_model_saved_before_a_comparison_was_added_falls_back_to_the_documented_parameters(
    sqlite_engine: Engine,
) -> None:
    old = model.settings_dict(probability_two_random_records_match=0.001)
    old["comparisons"] = [c for c in old["comparisons"] if c["output_column_name"] != "identifier"]
    with session_scope(sqlite_engine) as session:
        session.add(
            LinkageModel(
                version="older",
                engine="duckdb",
                threshold=0.85,
                trained=True,
                record_count=10,
                parameters=old,
                created_by="test",
            )
        )
    with session_scope(sqlite_engine) as session:
        saved = current_model(session)
    assert (saved.version, saved.threshold) == ("older", 0.85)
    assert (
        saved.settings["probability_two_random_records_match"]
        == model.FIXED_PROBABILITY_TWO_RANDOM_RECORDS_MATCH
    )


def test_a_record_linked_while_a_batch_run_matches_keeps_its_keys(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """A batch run rewrites the search keys of the records it read; one a partner's form brought in (and
    incremental matching linked) after that read keeps its keys, so the next record still finds it."""
    store_rows(sqlite_engine, tmp_path, "HSG", [JANE, ROBERT])
    resolve_entities(sqlite_engine)
    first = ("q1", "Zed Quux", "07/07/1977", "N1 9GU", "9 Nowhere Lane", "", "", "", "", "")
    second = ("q2", "Zed Quux", "07/07/1977", "N1 9GU", "9 Nowhere Lane", "", "", "", "", "")
    linked = []

    def meanwhile(message: str) -> None:
        if message.startswith("attaching"):  # after the run read the store, before it writes
            store_rows(sqlite_engine, tmp_path, "POL", [first])
            with session_scope(sqlite_engine) as session:
                linked.extend(link_record(session, session.merge(newest(sqlite_engine, "q1"))))

    resolve_entities(sqlite_engine, step=meanwhile)
    (one,) = linked
    with session_scope(sqlite_engine) as session:
        keys = set(
            session.scalars(
                select(LinkageKey.key).where(LinkageKey.record_id == newest(sqlite_engine, "q1").id)
            )
        )
        assert "dob:1977-07-07" in keys, "the run deleted the keys of a record it had not read"
        # The records the run read have their keys as before.
        assert session.scalar(
            select(LinkageKey.key).where(
                LinkageKey.record_id == newest(sqlite_engine, "a3").id, LinkageKey.key == "dob:1970-01-01"
            )
        )
    store_rows(sqlite_engine, tmp_path, "POL", [second])
    with session_scope(sqlite_engine) as session:
        (two,) = link_record(session, session.merge(newest(sqlite_engine, "q2")))
    assert not two.created
    assert two.entity_id == one.entity_id
    # The next run reads both and keeps both their keys and their entity.
    resolve_entities(sqlite_engine)
    assert (
        links(sqlite_engine)[("q1", "subject")][0]
        == links(sqlite_engine)[("q2", "subject")][0]
        == one.entity_id
    )


def test_a_record_committed_below_the_runs_highest_id_after_its_read_gets_its_keys(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """On PostgreSQL a writer that took its id before the run's read can commit after it: the run did not
    read that record, yet deletes keys up to the highest id it read, so it writes that record's keys."""
    from crimelink.linkage.resolve import _current_parties, _Read, _write_keys

    store_rows(sqlite_engine, tmp_path, "HSG", [JANE])
    store_rows(sqlite_engine, tmp_path, "POL", [ROBERT])
    with session_scope(sqlite_engine) as session:
        parties, _records, read = _current_parties(session)
    jane, robert = newest(sqlite_engine, "a3").id, newest(sqlite_engine, "a1").id
    assert read == _Read(through=robert, rows=2)
    # As if the read had seen Jane's record only, Robert's being committed later with a lower id.
    unseen = _Read(through=robert, rows=1)
    with session_scope(sqlite_engine) as session:
        written = _write_keys(session, [p for p in parties if p.record_id == jane], unseen)
    with session_scope(sqlite_engine) as session:
        keyed = set(session.scalars(select(LinkageKey.record_id)))
        robert_keys = set(session.scalars(select(LinkageKey.key).where(LinkageKey.record_id == robert)))
    assert keyed == {jane, robert}
    assert "dob:1980-04-03" in robert_keys
    assert written == len(robert_keys) + len(
        [1 for p in parties if p.record_id == jane for _ in party_keys(p.kind, p.fields)]
    )
