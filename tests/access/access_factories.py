"""Plain factory functions for access tests: agencies, users, datasets, records, agreements."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.domain import (
    AgencyKind,
    Classification,
    DataCategory,
    DatasetKind,
    HandlingCode,
    Purpose,
    UserRole,
)
from crimelink.services.auth import actor_for_user
from crimelink.store.models import Agency, Dataset, SharingAgreement, SourceRecord, User


def make_agency(session: Session, code: str, *, police: bool = False) -> Agency:
    agency = Agency(
        code=code,
        name=f"Agency {code}",
        kind=AgencyKind.POLICE_BCU if police else AgencyKind.LA_HOUSING,
        contact=f"{code} duty desk",
    )
    session.add(agency)
    session.flush()
    return agency


def make_user(session: Session, agency: Agency, username: str, **overrides: Any) -> User:
    values: dict[str, Any] = {
        "agency_id": agency.id,
        "username": username,
        "display_name": username.title(),
        "roles": [UserRole.ANALYST.value],
        "clearance": Classification.OFFICIAL,
        "compartments": [],
    }
    values.update(overrides)
    user = User(**values)
    session.add(user)
    session.flush()
    return user


def actor_for(user: User, agency: Agency, *, purpose: Purpose = Purpose.CRIME_PREVENTION_DETECTION) -> Actor:
    """The policy's view of ``user`` (``agency`` must be the user's own, already flushed)."""
    session = Session.object_session(user)
    assert session is not None
    assert agency.id == user.agency_id
    return actor_for_user(session, user, purpose)


def make_dataset(session: Session, agency: Agency, category: DataCategory, **overrides: Any) -> Dataset:
    values: dict[str, Any] = {
        "agency_id": agency.id,
        "code": f"{category.value.lower().replace('_', '-')}-{agency.code.lower()}",
        "title": f"{category.value} of {agency.code}",
        "kind": DatasetKind.INTELLIGENCE if category is DataCategory.INTELLIGENCE else DatasetKind.REGISTER,
        "category": category,
        "mapping": {"columns": {}},
        "mapping_hash": "0" * 64,
    }
    values.update(overrides)
    dataset = Dataset(**values)
    session.add(dataset)
    session.flush()
    return dataset


def make_record(
    session: Session,
    dataset: Dataset,
    key: str,
    *,
    name: str,
    handling: HandlingCode = HandlingCode.PERMITTED,
    conditions: list[dict[str, Any]] | None = None,
    classification: Classification = Classification.OFFICIAL,
    caveats: list[str] | None = None,
) -> SourceRecord:
    record = SourceRecord(
        agency_id=dataset.agency_id,
        dataset_id=dataset.id,
        source_key=key,
        version=1,
        content_hash=hashlib.sha256(key.encode()).hexdigest(),
        original={"Name": name},
        normalised={"subject": {"full_name": name}},
        handling_code=handling,
        handling_conditions=conditions or [],
        classification=classification,
        caveats=caveats or [],
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
        review_due=date(2027, 1, 1),
    )
    session.add(record)
    session.flush()
    return record


def make_agreement(
    session: Session,
    source: Agency,
    recipient: Agency,
    category: DataCategory,
    purposes: list[Purpose],
    **overrides: Any,
) -> SharingAgreement:
    values: dict[str, Any] = {
        "from_agency_id": source.id,
        "to_agency_id": recipient.id,
        "category": category,
        "purposes": [p.value for p in purposes],
        "isa_reference": "ISA-TEST",
        "valid_from": date(2020, 1, 1),
    }
    values.update(overrides)
    agreement = SharingAgreement(**values)
    session.add(agreement)
    session.flush()
    return agreement
