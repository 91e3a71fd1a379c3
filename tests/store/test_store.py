"""The store on both databases: schema, constraints, immutability and a full round trip."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from crimelink.domain import (
    AgencyKind,
    Classification,
    DatasetKind,
    EntityKind,
    GroupStatus,
    HandlingCode,
    IntelligenceAssessment,
    MemberRole,
    OperationType,
    RelationshipType,
    SourceEvaluation,
)
from crimelink.store import migrate
from crimelink.store.audit import GENESIS, append_event
from crimelink.store.engine import make_engine
from crimelink.store.models import (
    Agency,
    AuditEvent,
    Base,
    Dataset,
    Entity,
    EntityRelationship,
    GroupMembership,
    IntelligenceEvaluation,
    IntelligenceReport,
    Operation,
    OperationTarget,
    OrganisedCrimeGroup,
    RecordEntityLink,
    RelationshipEvidence,
    SourceRecord,
)


def make_agency(session: Session, **overrides: object) -> Agency:
    values: dict[str, object] = {"code": "POLICE", "name": "Borough police", "kind": AgencyKind.POLICE_BCU}
    values.update(overrides)
    agency = Agency(**values)
    session.add(agency)
    session.flush()
    return agency


def make_dataset(session: Session, agency: Agency, **overrides: object) -> Dataset:
    values: dict[str, object] = {
        "agency_id": agency.id,
        "code": "intel",
        "title": "Intelligence log",
        "kind": DatasetKind.INTELLIGENCE,
        "mapping": {},
        "mapping_hash": "0" * 64,
    }
    values.update(overrides)
    dataset = Dataset(**values)
    session.add(dataset)
    session.flush()
    return dataset


def make_record(session: Session, dataset: Dataset, **overrides: object) -> SourceRecord:
    values: dict[str, object] = {
        "agency_id": dataset.agency_id,
        "dataset_id": dataset.id,
        "source_key": "IR-1",
        "version": 1,
        "content_hash": "a" * 64,
        "original": {"Name": "John Smith"},
        "normalised": {"subject": {"full_name": "JOHN SMITH"}},
        "handling_code": HandlingCode.PERMITTED,
        "classification": Classification.OFFICIAL,
        "received_at": datetime(2026, 1, 2, tzinfo=UTC),
        "review_due": date(2027, 1, 2),
    }
    values.update(overrides)
    record = SourceRecord(**values)
    session.add(record)
    session.flush()
    return record


def test_migrations_match_models_and_reverse(engine: Engine) -> None:
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert migrate.is_up_to_date(engine)
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine)


def test_round_trip_of_the_whole_model(engine: Engine) -> None:
    with Session(engine) as session:
        police = make_agency(session)
        dataset = make_dataset(session, police)
        record = make_record(session, dataset)
        report = IntelligenceReport(
            source_record_id=record.id,
            agency_id=police.id,
            urn="IR-1",
            classification=Classification.OFFICIAL_SENSITIVE,
            text_sanitised="Subject is dealing from the address.",
            text_raw="Source X says subject deals from the address.",
        )
        session.add(report)
        session.flush()
        session.add(
            IntelligenceEvaluation(
                report_id=report.id,
                source_evaluation=SourceEvaluation.RELIABLE,
                intelligence_assessment=IntelligenceAssessment.INDIRECT_CORROBORATED,
                handling_code=HandlingCode.PERMITTED,
            )
        )
        person = Entity(kind=EntityKind.PERSON, display_name="JOHN SMITH")
        phone = Entity(kind=EntityKind.PHONE, display_name="+447700900123")
        session.add_all([person, phone])
        session.flush()
        session.add(
            RecordEntityLink(
                record_id=record.id, party="subject", entity_id=person.id, method="deterministic"
            )
        )
        link = EntityRelationship(
            kind=RelationshipType.USES_PHONE, from_entity_id=person.id, to_entity_id=phone.id
        )
        session.add(link)
        session.flush()
        session.add(RelationshipEvidence(relationship_id=link.id, record_id=record.id, report_id=report.id))
        group = OrganisedCrimeGroup(
            name="Op Example", status=GroupStatus.ACTIVE, criminality=["COUNTY_LINES"]
        )
        session.add(group)
        session.flush()
        session.add(GroupMembership(group_id=group.id, entity_id=person.id, role=MemberRole.LINE_HOLDER))
        operation = Operation(
            agency_id=police.id,
            name="Op Dawn",
            officer="DS Example",
            contact_24h="020 7946 0000",
            operation_type=OperationType.SEARCH_WARRANT,
        )
        session.add(operation)
        session.flush()
        session.add(
            OperationTarget(
                operation_id=operation.id, identifier_kind="phone", identifier_value="+447700900123"
            )
        )
        session.commit()

    with Session(engine) as session:
        loaded = session.scalars(select(IntelligenceReport)).one()
        assert loaded.current_evaluation.display == "1B P"
        assert loaded.classification is Classification.OFFICIAL_SENSITIVE
        assert loaded.source_record.normalised == {"subject": {"full_name": "JOHN SMITH"}}
        relationship = session.scalars(select(EntityRelationship)).one()
        assert [e.record_id for e in relationship.evidence] == [loaded.source_record_id]
        member = session.scalars(select(GroupMembership)).one()
        assert member.role is MemberRole.LINE_HOLDER
        assert member.group.criminality == ["COUNTY_LINES"]


def test_enum_columns_refuse_unknown_codes(engine: Engine) -> None:
    with Session(engine) as session:
        make_agency(session)
        session.commit()
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO agencies (code, name, kind, contact, created_at) VALUES ('X', 'X', 'MI5', '', :now)"
            ),
            {"now": datetime.now(UTC)},
        )


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with Session(engine) as session:
        agency = make_agency(session)
        dataset = make_dataset(session, agency)
        session.commit()
        with pytest.raises(IntegrityError):
            make_record(session, dataset, dataset_id=dataset.id + 999)


def test_source_records_cannot_be_updated(engine: Engine) -> None:
    with Session(engine) as session:
        record = make_record(session, make_dataset(session, make_agency(session)))
        session.commit()
        record_id = record.id
    with pytest.raises(DBAPIError, match="immutable"), engine.begin() as connection:
        connection.execute(
            update(SourceRecord).where(SourceRecord.id == record_id).values(source_key="changed")
        )
    with Session(engine) as session:
        assert session.get(SourceRecord, record_id).source_key == "IR-1"  # type: ignore[union-attr]


def test_audit_events_are_chained_and_append_only(engine: Engine) -> None:
    with Session(engine) as session:
        first = append_event(session, actor="alice", action="view", resource_type="entity", resource_id="1")
        second = append_event(session, actor="bob", action="search", resource_type="entity")
        session.commit()
        assert first.prev_hash == GENESIS
        assert second.prev_hash == first.hash
        assert first.hash != second.hash
    for statement in ("UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with Session(engine) as session:
        assert session.scalars(select(AuditEvent.actor).order_by(AuditEvent.id)).all() == ["alice", "bob"]


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_unknown_database_urls_are_refused() -> None:
    from crimelink.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="SQLite or PostgreSQL"):
        make_engine("mysql://localhost/crimelink")
    with pytest.raises(ConfigurationError, match="not a database URL"):
        make_engine("not a url")


def test_upgrading_a_store_that_holds_data_keeps_it(engine: Engine) -> None:
    migrate.downgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO agencies (code, name, kind, contact, created_at) VALUES ('P', 'P', 'POLICE_BCU', '', :t)"
            ),
            {"t": datetime.now(UTC)},
        )
        connection.execute(
            text(
                "INSERT INTO datasets (agency_id, code, title, kind, description, mapping, mapping_hash, created_at, "
                "updated_at) VALUES (1, 'intel', 'Intel', 'INTELLIGENCE', '', '{}', 'x', :t, :t)"
            ),
            {"t": datetime.now(UTC)},
        )
    migrate.upgrade(engine)
    with Session(engine) as session:
        dataset = session.scalars(select(Dataset)).one()
        assert dataset.code == "intel"
        assert dataset.category.value == "INTELLIGENCE"
        make_record(session, dataset)  # foreign keys still point at the right tables
        session.commit()
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
