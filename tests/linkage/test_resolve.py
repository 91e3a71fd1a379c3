"""Entity resolution over the store: records imported through mappings become entities with stable ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from linkage_store import BOB, HOME, JANE, JANET, JOHN, ROBERT, links, snapshot, store_rows
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from crimelink.cli import app
from crimelink.domain import AgencyKind, EntityKind
from crimelink.errors import InvalidInputError
from crimelink.ingest.importer import import_file
from crimelink.ingest.mapping import DatasetMapping
from crimelink.linkage.engine import deterministic_pairs_in_python
from crimelink.linkage.incremental import link_record
from crimelink.linkage.records import PersonRecord, given_names_agree, person_from_party, shared_identifier
from crimelink.linkage.resolve import resolve_entities
from crimelink.services.agencies import register_agency
from crimelink.settings import get_settings
from crimelink.store import migrate
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import (
    AuditEvent,
    Entity,
    EntityMerge,
    LinkageModel,
    MatchCandidate,
    RecordEntityLink,
    SourceRecord,
)


def test_same_person_across_agencies_is_one_entity_and_relatives_stay_apart(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    store_rows(sqlite_engine, tmp_path, "HSG", [ROBERT, JOHN])
    store_rows(sqlite_engine, tmp_path, "TS", [BOB])
    summary = resolve_entities(sqlite_engine)
    found = links(sqlite_engine)
    robert, bob, john = found[("a1", "subject")], found[("b1", "subject")], found[("a2", "subject")]
    assert robert[0] == bob[0] != john[0]
    assert {robert[1], bob[1]} == {"probabilistic"}
    assert john[1] == "new"
    assert found[("a1", "premises")][0] == found[("a2", "premises")][0] == found[("b1", "premises")][0]
    assert found[("a1", "handset")][0] == found[("b1", "handset")][0]
    assert summary.entities_by_kind == {"PERSON": 2, "PHONE": 1, "PREMISES": 1}
    assert (summary.records, summary.parties, summary.new, summary.links_created) == (3, 8, 4, 8)
    with session_scope(sqlite_engine) as session:
        person = session.get(Entity, robert[0])
        assert person is not None
        assert person.kind is EntityKind.PERSON
        assert person.attributes["dob"] == "1980-04-03"
        assert person.attributes["postcode"] == "SW1A 1AA"
        phone = session.get(Entity, found[("a1", "handset")][0])
        assert phone is not None
        assert phone.display_name == "+447700900123"
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "resolve")).one()
        assert event.details["new"] == 4
        assert event.details["links_created"] == 8


def test_ids_are_stable_when_a_new_record_arrives(sqlite_engine: Engine, tmp_path: Path) -> None:
    store_rows(sqlite_engine, tmp_path, "HSG", [ROBERT, JOHN])
    resolve_entities(sqlite_engine)
    before = links(sqlite_engine)
    rob = ("c1", "Rob Smith", "03/04/1980", *HOME, "", "", "", "", "")
    store_rows(sqlite_engine, tmp_path, "POL", [rob])
    summary = resolve_entities(sqlite_engine)
    after = links(sqlite_engine)
    assert after[("c1", "subject")][0] == before[("a1", "subject")][0] == after[("a1", "subject")][0]
    assert {k: v[0] for k, v in after.items() if k in before} == {k: v[0] for k, v in before.items()}
    assert (summary.new, summary.merged, summary.split, summary.links_created) == (0, 0, 0, 1)
    assert summary.links_changed == 1  # Robert's link was "new" (alone); now it is a match


def test_a_changed_record_keeps_its_entity(sqlite_engine: Engine, tmp_path: Path) -> None:
    store_rows(sqlite_engine, tmp_path, "HSG", [ROBERT, JOHN])
    resolve_entities(sqlite_engine)
    robert_entity = links(sqlite_engine)[("a1", "subject")][0]
    moved = ("a1", "Robert Smith", "03/04/1980", "E1 6AN", "1 Mile End Road", "", "", "", "", "")
    store_rows(sqlite_engine, tmp_path, "HSG", [moved])
    summary = resolve_entities(sqlite_engine)
    assert links(sqlite_engine)[("a1", "subject")][0] == robert_entity
    assert (summary.new, summary.merged, summary.split) == (0, 0, 0)


def test_running_twice_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    store_rows(engine, tmp_path, "HSG", [ROBERT, JOHN, JANE])
    store_rows(engine, tmp_path, "TS", [BOB, JANET])
    resolve_entities(engine)
    before = snapshot(engine)
    again = resolve_entities(engine)
    assert snapshot(engine) == before
    assert (again.new, again.merged, again.split, again.links_created, again.links_changed) == (0, 0, 0, 0, 0)
    assert again.kept == again.clusters


def test_a_bridging_record_merges_two_entities_then_a_correction_splits_them(
    engine: Engine, tmp_path: Path
) -> None:
    store_rows(engine, tmp_path, "HSG", [JANE])
    store_rows(engine, tmp_path, "TS", [JANET])
    resolve_entities(engine)
    jane, janet = links(engine)[("a3", "subject")][0], links(engine)[("b2", "subject")][0]
    assert jane != janet
    bridge = ("c9", "J Brown", "", "", "", "AB 12 34 56 C", "JB@example.org", "", "", "")
    store_rows(engine, tmp_path, "POL", [bridge])
    summary = resolve_entities(engine, actor="user:analyst")
    assert (summary.merged, summary.new, summary.kept) == (1, 0, 1)
    survivor, loser = min(jane, janet), max(jane, janet)  # one record each: the smaller id survives
    after = links(engine)
    assert {after[(k, "subject")] for k in ("a3", "b2", "c9")} == {(survivor, "deterministic")}
    with session_scope(engine) as session:
        assert session.get(Entity, loser).merged_into_id == survivor  # type: ignore[union-attr]
        assert session.get(Entity, survivor).merged_into_id is None  # type: ignore[union-attr]
        merge = session.scalars(select(EntityMerge)).one()
        assert (merge.operation, merge.kept_entity_id, merge.other_entity_id) == ("merge", survivor, loser)
        assert merge.decided_by == "user:analyst"
        assert merge.reason.startswith("3 records now resolve")
    corrected = ("c9", "J Brown", "", "", "", "", "JB@example.org", "", "", "")
    store_rows(engine, tmp_path, "POL", [corrected])
    split = resolve_entities(engine)
    after = links(engine)
    assert after[("b2", "subject")][0] == after[("c9", "subject")][0] == survivor  # the larger part
    assert split.split == 1
    assert after[("a3", "subject")][0] not in (survivor, loser)
    with session_scope(engine) as session:
        operations = [(m.operation, m.kept_entity_id) for m in session.scalars(select(EntityMerge))]
    assert operations == [("merge", survivor), ("split", survivor)]
    assert resolve_entities(engine).split == 0


def test_other_kinds_link_on_strong_identifiers_only(sqlite_engine: Engine, tmp_path: Path) -> None:
    other = (
        "a5",
        "Ann Other",
        "09/09/1999",
        "",
        "",
        "",
        "",
        "12 High Street, London",
        "N1 9GU",
        "07700 900999",
    )
    store_rows(sqlite_engine, tmp_path, "HSG", [ROBERT, other])
    resolve_entities(sqlite_engine)
    found = links(sqlite_engine)
    assert found[("a1", "premises")][0] != found[("a5", "premises")][0]  # same street, other postcode
    assert found[("a1", "handset")][0] != found[("a5", "handset")][0]


def test_cli_entities_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRIMELINK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CRIMELINK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
        migrate.upgrade(engine)
        store_rows(engine, tmp_path, "HSG", [ROBERT, JOHN])
        engine.dispose()
        result = CliRunner().invoke(app, ["entities", "resolve", "--threshold", "0.95"])
        assert result.exit_code == 0, result.output
        assert "PERSON" in result.output
        assert "new entities" in result.output
        # Progress: every step of the run is shown with its elapsed time.
        for step in ("reading the current version of every record", "writing entities and links"):
            assert step in result.output
        again = resolve_entities(make_engine(f"sqlite:///{tmp_path / 'cli.db'}"))
        assert (again.new, again.kept) == (0, 4)
    finally:
        get_settings.cache_clear()


def test_the_model_is_saved_and_uncertain_pairs_are_kept_for_review(engine: Engine, tmp_path: Path) -> None:
    nearby_jane = ("r1", "Jane Doe", "", "E1 6AP", "", "", "", "", "", "")
    store_rows(engine, tmp_path, "HSG", [JANE, JOHN])
    store_rows(engine, tmp_path, "POL", [nearby_jane])
    summary = resolve_entities(engine, review_from=0.5)
    with session_scope(engine) as session:
        saved = session.scalars(select(LinkageModel)).one()
        assert saved.version == summary.model_version
        assert (saved.engine, saved.threshold, saved.trained) == ("duckdb", 0.9, False)
        assert saved.parameters["comparisons"][0]["output_column_name"] == "name"
        versions = set(session.scalars(select(RecordEntityLink.model_version)))
        assert summary.model_version in versions
        (candidate,) = session.scalars(select(MatchCandidate)).all()
        pair = {
            (candidate.left_record_id, candidate.left_party),
            (candidate.right_record_id, candidate.right_party),
        }
        records = dict(session.execute(select(SourceRecord.source_key, SourceRecord.id)).all())
        assert pair == {(records["a3"], "subject"), (records["r1"], "subject")}
        assert 0.5 <= candidate.match_probability < 0.9
        assert candidate.explanation["name"]["level"] == "exact given and family"
        assert candidate.explanation["location"]["level"] == "postcode sector"
        assert candidate.explanation["dob"]["level"] == "null"
    assert summary.review_pairs == 1
    # Nothing changed: a second run keeps the same model version and the same review pair.
    again = resolve_entities(engine, review_from=0.5)
    assert (again.model_version, again.review_pairs) == (summary.model_version, 1)
    with pytest.raises(InvalidInputError):
        resolve_entities(engine, threshold=0.9, review_from=0.95)


@pytest.mark.spark
def test_spark_resolves_the_store_into_the_entities_duckdb_made(
    sqlite_engine: Engine, tmp_path: Path, spark_session: Any
) -> None:
    """The same settings give the same entities on both engines: a Spark run after a DuckDB run changes
    no entity (only the model version on the links, which names the engine)."""
    from crimelink.linkage.spark_engine import SparkEngine

    store_rows(sqlite_engine, tmp_path, "HSG", [ROBERT, JOHN, JANE])
    store_rows(sqlite_engine, tmp_path, "TS", [BOB, JANET])
    resolve_entities(sqlite_engine)
    before = links(sqlite_engine)
    again = resolve_entities(sqlite_engine, linkage_engine=SparkEngine(spark=spark_session))
    after = links(sqlite_engine)
    assert after == before
    assert (again.new, again.merged, again.split, again.links_created) == (0, 0, 0, 0)
    assert after[("a1", "subject")] == (after[("b1", "subject")][0], "probabilistic")


def test_a_write_by_someone_else_while_resolve_matches_does_not_stop_it(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Pages write audit events all the time; a run that read the store before must still write."""
    from crimelink.domain import AgencyKind
    from crimelink.services.agencies import register_agency

    store_rows(sqlite_engine, tmp_path, "HSG", [ROBERT, JOHN])

    def meanwhile(message: str) -> None:
        if message.startswith("attaching"):
            with session_scope(sqlite_engine) as other:
                register_agency(other, code="LATE", name="Late", kind=AgencyKind.LA_HOUSING, contact="x")

    summary = resolve_entities(sqlite_engine, step=meanwhile)
    assert summary.links_created == 5
    with session_scope(sqlite_engine) as session:
        assert session.scalar(select(func.count()).select_from(RecordEntityLink)) == 5


def test_a_party_of_descriptive_fields_only_is_record_detail_not_an_entity(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    with session_scope(sqlite_engine) as session:
        register_agency(session, code="BORDER", name="Border", kind=AgencyKind.BORDER_FORCE, contact="desk")
    path = tmp_path / "seizures.csv"
    path.write_text("ref,consignee,port,commodity\nS1,Ivan Yilmaz,Felixstowe,ALCOHOL\n", encoding="utf-8")
    mapping = DatasetMapping.from_dict(
        {
            "dataset": "seizures",
            "title": "Seizures",
            "agency": "BORDER",
            "record_id": "ref",
            "columns": {
                "consignee": "consignee.full_name",
                "port": {"to": "seizure.port", "type": "text"},
                "commodity": {"to": "seizure.commodity", "type": "code"},
            },
        }
    )
    assert import_file(sqlite_engine, path, mapping).quarantined == 0
    resolve_entities(sqlite_engine)
    linked = links(sqlite_engine)
    assert ("S1", "consignee") in linked
    assert ("S1", "seizure") not in linked, "a port and a commodity are not a person"


def _people_only(
    engine: Engine, tmp_path: Path, agency: str, rows: list[tuple[str, ...]], **options: Any
) -> None:
    """Import people-only rows (one party a record) into the agency's ``entities`` dataset."""
    with session_scope(engine) as session:
        register_agency(session, code=agency, name=agency, kind=AgencyKind.POLICE_BCU, contact="desk")
    path = tmp_path / f"{agency}-entities.csv"
    path.write_text(
        "id,name,dob,postcode\n" + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8"
    )
    mapping = DatasetMapping.from_dict(
        {
            "dataset": "entities",
            "title": "Entities",
            "agency": agency,
            "record_id": "id",
            "columns": {"name": "subject.full_name", "dob": "subject.dob", "postcode": "subject.postcode"},
            **options,
        }
    )
    assert import_file(engine, path, mapping).quarantined == 0


@pytest.mark.parametrize("deduplicated", [False, True])
def test_a_deduplicated_datasets_records_stay_apart_and_still_join_other_agencies(
    sqlite_engine: Engine, tmp_path: Path, deduplicated: bool
) -> None:
    # Two records a publisher resolved as two people, who look like one to linkage (same date of birth
    # and postcode, Bob for Robert); and a partner's record of one of them.
    published = [
        ("x1", "Robert Smith", "03/04/1980", "SW1A 1AA"),
        ("x2", "Bob Smith", "03/04/1980", "SW1A 1AA"),
    ]
    _people_only(sqlite_engine, tmp_path, "SANCTIONS", published, deduplicated=deduplicated)
    store_rows(sqlite_engine, tmp_path, "HSG", [ROBERT])
    resolve_entities(sqlite_engine)
    found = links(sqlite_engine)
    first, second, partner = (
        found[("x1", "subject")][0],
        found[("x2", "subject")][0],
        found[("a1", "subject")][0],
    )
    if deduplicated:
        assert first != second
        assert partner in {first, second}
    else:
        assert first == second == partner
    # Nothing of it is stored as a judgement: it follows the dataset's mapping on every run.
    resolve_entities(sqlite_engine)
    assert links(sqlite_engine) == found


#: Two people born the same day give the same contact number (a hostel's office, where one of them lived);
#: Debbie Bell comes back as Deborah.
HOSTEL_COLUMNS = {
    "name": "subject.full_name",
    "dob": "subject.dob",
    "phone": "subject.phone",
    "postcode": "subject.postcode",
    "address": "subject.address",
}
HOSTEL_ROWS = [
    ("h1", "Deborah Bell", "14/03/1961", "020 7946 0018", "E15 1AA", "Room 4, 2 Station Road"),
    ("h2", "Melker Chambers", "14/03/1961", "020 7946 0018", "N1 9GU", "5 Upper Street"),
    ("h3", "Debbie Bell", "14/03/1961", "020 7946 0018", "E15 2BB", "Flat 2, 9 Carpenters Road"),
]


def _hostel(engine: Engine, tmp_path: Path, rows: list[tuple[str, ...]], name: str) -> None:
    with session_scope(engine) as session:
        register_agency(session, code="ASC", name="ASC", kind=AgencyKind.LA_ADULT_SC, contact="desk")
    path = tmp_path / f"{name}.csv"
    path.write_text(
        "id,name,dob,phone,postcode,address\n"
        + "".join(",".join(f'"{v}"' for v in row) + "\n" for row in rows),
        encoding="utf-8",
    )
    mapping = DatasetMapping.from_dict(
        {"dataset": name, "title": "Hostel", "agency": "ASC", "record_id": "id", "columns": HOSTEL_COLUMNS}
    )
    assert import_file(engine, path, mapping).quarantined == 0


def test_a_shared_number_and_birthday_do_not_make_two_people_one(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """A phone with a date of birth links outright only where the given names agree; otherwise the pair
    is scored like any other, and names and addresses that disagree keep the two apart."""
    _hostel(sqlite_engine, tmp_path, HOSTEL_ROWS, "residents")
    resolve_entities(sqlite_engine)
    found = links(sqlite_engine)
    deborah, melker, debbie = (found[(key, "subject")] for key in ("h1", "h2", "h3"))
    assert deborah[0] == debbie[0], "Debbie is Deborah: the same phone and birthday, a nickname"
    assert (deborah[1], debbie[1]) == ("deterministic", "deterministic")
    assert melker[0] != deborah[0], "another person who gave the same number and was born the same day"
    assert melker[1] == "new"
    # A new record of Melker's joins Melker, not whichever of the two the store holds first.
    again = ("h4", "Melker Chambers", "14/03/1961", "020 7946 0018", "", "")
    _hostel(sqlite_engine, tmp_path, [again], "callers")
    with session_scope(sqlite_engine) as session:
        record = session.scalars(select(SourceRecord).where(SourceRecord.source_key == "h4")).one()
        (decision,) = [d for d in link_record(session, record) if d.party == "subject"]
    assert decision.entity_id == melker[0]
    assert decision.method == "deterministic"


@pytest.mark.parametrize(
    ("first", "second", "agree"),
    [
        (("DEBORAH", "BELL"), ("DEBBIE", "BELL"), True),  # a nickname
        (("JON", "BELL"), ("JOHN", "BELL"), True),  # a typo
        (("D", "BELL"), ("DEBORAH", "BELL"), True),  # an initial
        (("BELL", "DEBORAH"), ("DEBORAH", "BELL"), True),  # the names the other way round
        ((None, "BELL"), ("DEBORAH", "BELL"), True),  # no given name
        (("DEBORAH", "BELL"), ("MELKER", "CHAMBERS"), False),
        (("JAMES", "BELL"), ("RUTH", "BELL"), False),  # twins
    ],
)
def test_which_given_names_let_a_number_and_birthday_link_outright(
    first: tuple[str | None, str], second: tuple[str | None, str], agree: bool
) -> None:
    def person(names: tuple[str | None, str], unique_id: int) -> PersonRecord:
        given, family = names
        record = person_from_party(
            {"given_name": given, "family_name": family, "dob": "1961-03-14", "phone": "+442079460018"},
            unique_id=unique_id,
            source="a",
            record_id=str(unique_id),
        )
        assert record is not None
        return record

    left, right = person(first, 1), person(second, 2)
    assert given_names_agree(left, right) is agree
    assert shared_identifier(left, right) == ("phone+dob" if agree else None)
    pairs = deterministic_pairs_in_python([left, right])
    assert [(p.left_id, p.right_id) for p in pairs] == ([(1, 2)] if agree else [])
