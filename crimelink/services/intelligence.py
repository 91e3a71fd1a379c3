"""Submitting graded intelligence from a form, through the same validation as imported rows."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, allowed
from crimelink.domain import DataCategory, DatasetKind
from crimelink.errors import InvalidInputError, PermissionDeniedError
from crimelink.ingest.importer import ensure_dataset, party_display, party_kind
from crimelink.ingest.mapping import DatasetMapping
from crimelink.ingest.rows import ProcessedRow, RowProcessor
from crimelink.linkage.incremental import link_record
from crimelink.services.record_screening import screen_records
from crimelink.store.audit import append_event
from crimelink.store.models import (
    IntelligenceEvaluation,
    IntelligenceReport,
    ReportSubject,
    SourceRecord,
)

SUBMISSION_DATASET = "submitted-intelligence"

#: Form field -> where it goes, exactly as a dataset mapping would say it (docs/mapping.md).
FORM_FIELDS: dict[str, str] = {
    "source_evaluation": "record.source_evaluation",
    "intelligence_assessment": "record.intelligence_assessment",
    "handling_code": "record.handling_code",
    "handling_conditions": "record.handling_conditions",
    "classification": "record.classification",
    "caveats": "record.caveats",
    "text": "record.text",
    "text_raw": "record.text_raw",
    "threats": "record.threats",
    "event_date": "record.event_date",
    "subject_name": "subject.full_name",
    "subject_dob": "subject.dob",
    "subject_address": "subject.address",
    "subject_postcode": "subject.postcode",
    "subject_phone": "subject.phone",
    "vehicle_vrm": "vehicle.vrm",
    "location_address": "location.address",
    "location_postcode": "location.postcode",
    "business_name": "business.business_name",
}


def submission_mapping(agency_code: str) -> DatasetMapping:
    return DatasetMapping.from_dict(
        {
            "dataset": SUBMISSION_DATASET,
            "title": "Intelligence submitted in Crimelink",
            "agency": agency_code,
            "kind": DatasetKind.INTELLIGENCE.value,
            "category": DataCategory.INTELLIGENCE.value,
            "record_id": "urn",
            "columns": FORM_FIELDS,
        },
        source="intelligence form",
    )


def submit_intelligence(session: Session, actor: Actor, *, form: dict[str, Any]) -> IntelligenceReport:
    """Validate and store one report; bad input raises InvalidInputError naming each form field."""
    gate = allowed(actor, Action.INTELLIGENCE_SUBMIT)
    if not gate:
        raise PermissionDeniedError(gate.reason)
    unknown = sorted(set(form) - set(FORM_FIELDS))
    if unknown:
        raise InvalidInputError(dict.fromkeys(unknown, "not a field of the intelligence form"))
    now = datetime.now(UTC)
    urn = f"{actor.agency_code}-{now:%Y%m%d}-{secrets.token_hex(3).upper()}"
    mapping = submission_mapping(actor.agency_code)
    row = {name: form.get(name) for name in FORM_FIELDS} | {"urn": urn}
    if not (form.get("source_evaluation") and form.get("intelligence_assessment")):
        raise InvalidInputError(
            {"source_evaluation": "grade the source (1-3) and the intelligence (A-E)"}
            if not form.get("source_evaluation")
            else {"intelligence_assessment": "grade the intelligence (A-E)"}
        )
    outcome = RowProcessor(mapping, phone_region="GB", received_at=now).process(1, row)
    if not isinstance(outcome, ProcessedRow):
        raise InvalidInputError({error.column: error.reason for error in outcome})
    assert outcome.intelligence is not None
    dataset = ensure_dataset(session, mapping)
    record = SourceRecord(
        agency_id=dataset.agency_id,
        dataset_id=dataset.id,
        source_key=urn,
        version=1,
        content_hash=outcome.content_hash,
        row_number=None,
        original=outcome.original,
        normalised=outcome.normalised,
        handling_code=outcome.handling_code,
        handling_conditions=[c.to_json() for c in outcome.handling_conditions],
        classification=outcome.classification,
        caveats=outcome.caveats,
        threats=outcome.threats,
        event_date=outcome.event_date,
        received_at=now,
        review_due=outcome.review_due,
    )
    session.add(record)
    session.flush()
    # Its threat tags for the network at once, not at the next scan.
    screen_records(session, record_ids=[record.id])
    grading = outcome.intelligence.grading
    report = IntelligenceReport(
        source_record_id=record.id,
        agency_id=record.agency_id,
        urn=urn,
        classification=outcome.classification,
        caveats=outcome.caveats,
        threats=outcome.threats,
        text_sanitised=outcome.intelligence.text_sanitised,
        text_raw=outcome.intelligence.text_raw,
        reported_on=outcome.event_date,
    )
    session.add(report)
    session.flush()
    session.add(
        IntelligenceEvaluation(
            report_id=report.id,
            source_evaluation=grading.source if grading else None,
            intelligence_assessment=grading.assessment if grading else None,
            handling_code=outcome.handling_code,
            handling_conditions=[c.to_json() for c in outcome.handling_conditions],
            evaluated_by=actor.username,
            rationale="graded by the submitting officer",
        )
    )
    # Each subject joins the entity it matches (or starts one) now, not at the next batch run.
    entities = {decision.party: decision.entity_id for decision in link_record(session, record)}
    for party, fields in outcome.normalised.items():
        session.add(
            ReportSubject(
                report_id=report.id,
                party=party,
                kind=party_kind(fields),
                display=party_display(fields),
                entity_id=entities.get(party),
            )
        )
    append_event(
        session,
        actor=actor.username,
        actor_user_id=actor.user_id,
        actor_agency_id=actor.agency_id,
        action="create",
        resource_type="intelligence_report",
        resource_id=urn,
        purpose=actor.purpose.value,
        details={"record": record.id, "grading": grading.display if grading else None},
    )
    session.flush()
    return report
