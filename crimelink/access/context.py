"""Loading what the policy needs from the store: agreements, grants, police agencies, categories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crimelink.access.policy import RecordResource, SharingState
from crimelink.domain import DataCategory, DisclosureStatus, HandlingCondition, Purpose
from crimelink.store.models import Agency, Dataset, DisclosureRequest, SharingAgreement, SourceRecord


@dataclass(frozen=True)
class AccessContext:
    """A snapshot of the sharing facts, taken once per request, that turns records into resources."""

    sharing: SharingState
    police_agency_ids: frozenset[int]
    agency_codes: dict[int, str]
    categories: dict[int, DataCategory]

    def resource(self, record: SourceRecord) -> RecordResource:
        return RecordResource(
            record_id=record.id,
            agency_id=record.agency_id,
            category=self.categories[record.dataset_id],
            handling_code=record.handling_code,
            conditions=tuple(HandlingCondition.from_json(c) for c in record.handling_conditions),
            classification=record.classification,
            compartments=frozenset(record.caveats),
            sharing=self.sharing,
            police_agency_ids=self.police_agency_ids,
            agency_codes=self.agency_codes,
        )


def load_access_context(session: Session, *, today: date | None = None) -> AccessContext:
    """Agreements and disclosures in force on ``today`` (default: the current UTC date)."""
    day = today or datetime.now(UTC).date()
    agreements: set[tuple[int, int, DataCategory, Purpose]] = set()
    in_force = select(SharingAgreement).where(
        SharingAgreement.active.is_(True),
        SharingAgreement.valid_from <= day,
        or_(SharingAgreement.valid_until.is_(None), SharingAgreement.valid_until >= day),
    )
    for agreement in session.scalars(in_force):
        for purpose in agreement.purposes:
            agreements.add(
                (agreement.from_agency_id, agreement.to_agency_id, agreement.category, Purpose(purpose))
            )
    grants = {
        (record_id, agency_id)
        for record_id, agency_id in session.execute(
            select(DisclosureRequest.record_id, DisclosureRequest.requester_agency_id).where(
                DisclosureRequest.status == DisclosureStatus.GRANTED,
                or_(DisclosureRequest.expires_on.is_(None), DisclosureRequest.expires_on >= day),
            )
        )
    }
    agencies = session.execute(select(Agency.id, Agency.code, Agency.kind)).all()
    return AccessContext(
        sharing=SharingState(agreements=frozenset(agreements), grants=frozenset(grants), today=day),
        police_agency_ids=frozenset(agency_id for agency_id, _, kind in agencies if kind.is_police),
        agency_codes={agency_id: code for agency_id, code, _ in agencies},
        categories=dict(session.execute(select(Dataset.id, Dataset.category)).all()),
    )
