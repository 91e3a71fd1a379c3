"""The record page: a record the viewer may see, in full, or only who holds it. JSON twin: /api/records/{id}.

The presentation helpers here (handling conditions spelled out, the grade explained, the main party of
a record) are shared with the search page, so a record reads the same wherever it is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import MAX_ID
from crimelink.domain import (
    Classification,
    HandlingCode,
    HandlingCondition,
    HandlingConditionCode,
    IntelligenceAssessment,
    SourceEvaluation,
)
from crimelink.ingest.importer import party_display
from crimelink.network.screening import ThreatTag
from crimelink.services.auth import SignedIn
from crimelink.services.entities import EntityRef, record_entities
from crimelink.services.records import HoldingNotice, RecordView, get_record
from crimelink.services.safeguarding_scan import screen_stored_record
from crimelink.web.deps import Viewer
from crimelink.web.rendering import render, when

router = APIRouter()

#: The largest record id the store can hold; anything bigger is simply not a record.

CONDITION_LABELS: dict[HandlingConditionCode, str] = {
    HandlingConditionCode.POLICE_ONLY: "police only",
    HandlingConditionCode.NO_FURTHER_DISSEMINATION: "no further dissemination",
    HandlingConditionCode.REFER_TO_ORIGINATOR_BEFORE_ACTION: "refer to originator before action",
    HandlingConditionCode.NOT_FOR_EVIDENTIAL_USE: "not for evidential use",
    HandlingConditionCode.NAMED_RECIPIENTS: "named recipients only",
    HandlingConditionCode.TIME_LIMITED: "time limited",
    HandlingConditionCode.FREE_TEXT: "see the originator's condition",
}

FIELD_LABELS: dict[str, str] = {
    "dob": "Date of birth",
    "vrm": "Vehicle registration (VRM)",
    "uprn": "UPRN",
    "nino": "National Insurance number",
    "lcs_id": "LCS ID",
    "email": "Email",
}

_GRADE = re.compile(r"^([123])([A-E]) ([PC])$")


def without_nul(value: str) -> str:
    """Typed input without NUL characters, which PostgreSQL can store neither in text nor in JSON.

    No browser sends them; a hand-made request could, and would otherwise fail with a server error.
    """
    return value.replace("\x00", "")


def condition_text(condition: dict[str, Any]) -> str:
    """One stored handling condition in words, e.g. "named recipients only: GLAA, LBA-HOUSING"."""
    parsed = HandlingCondition.from_json(condition)
    if parsed.code is HandlingConditionCode.NAMED_RECIPIENTS:
        return f"named recipients only: {', '.join(parsed.recipients)}"
    if parsed.code is HandlingConditionCode.TIME_LIMITED:
        return f"may be shared until {when(parsed.until)}"
    if parsed.code is HandlingConditionCode.FREE_TEXT:
        return f"condition: {parsed.text}"
    return CONDITION_LABELS[parsed.code]


def handling_text(code: str, conditions: list[dict[str, Any]]) -> str:
    """The handling code with its conditions spelled out.

    >>> handling_text("C", [{"code": "POLICE_ONLY"}, {"code": "REFER_TO_ORIGINATOR_BEFORE_ACTION"}])
    'C — police only; refer to originator before action'
    """
    if code == HandlingCode.PERMITTED.value:
        return "P — lawful sharing permitted"
    if not conditions:
        return f"{code} — lawful sharing permitted with conditions"
    return f"{code} — " + "; ".join(condition_text(c) for c in conditions)


def grading_text(grading: str) -> str:
    """What a grade means, e.g. "1B P" -> "Reliable source; known indirectly to the source but corroborated"."""
    match = _GRADE.match(grading)
    if match is None:
        if grading.endswith("(5x5x5)"):
            return "legacy 5x5x5 grade, kept as given: there is no official conversion to 3x5x2"
        return ""
    source = SourceEvaluation(match.group(1)).label
    assessment = IntelligenceAssessment(match.group(2)).label.lower()
    handling = HandlingCode(match.group(3)).label.lower()
    return f"{source} source; {assessment}; {handling}"


def _person_name(fields: dict[str, Any]) -> str:
    if fields.get("full_name"):
        return str(fields["full_name"])
    return " ".join(str(fields[part]) for part in ("given_name", "family_name") if fields.get(part))


def main_party(parties: dict[str, dict[str, Any]]) -> str:
    """The person (or else the first thing) a record is mainly about, as one short line."""
    for fields in parties.values():
        name = _person_name(fields)
        if name:
            return name
    first = next(iter(parties.values()), None)
    return party_display(first) if first else ""


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()


def field_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Party:
    """One normalised party of a record, ready for a definition list."""

    name: str
    fields: list[tuple[str, str]]
    #: The resolved entity this party is, whose page says who else knows it.
    entity: EntityRef | None = None


def parties_of(view: RecordView, entities: dict[str, EntityRef] | None = None) -> list[Party]:
    return [
        Party(
            name=party.replace("_", " ").capitalize(),
            fields=[(field_label(k), field_value(v)) for k, v in fields.items() if field_value(v)],
            entity=(entities or {}).get(party),
        )
        for party, fields in view.parties.items()
    ]


def marking_of(views: list[RecordView]) -> Classification:
    """The page's protective marking: the highest classification of any record it shows."""
    sensitive = any(v.classification == Classification.OFFICIAL_SENSITIVE.value for v in views)
    return Classification.OFFICIAL_SENSITIVE if sensitive else Classification.OFFICIAL


def record_page(
    request: Request,
    viewer: SignedIn,
    outcome: RecordView | HoldingNotice,
    *,
    submitted: str = "",
    entities: dict[str, EntityRef] | None = None,
    screening: list[ThreatTag] | None = None,
) -> Response:
    if isinstance(outcome, HoldingNotice):
        return render(
            request,
            "records/held.html",
            viewer=viewer,
            title="This record is held by another agency",
            json_url=f"/api/records/{outcome.record_ids[0]}",
            notice_held=outcome,
        )
    intelligence = outcome.intelligence
    confirmed = intelligence is not None and submitted == intelligence.urn
    return render(
        request,
        "records/record.html",
        viewer=viewer,
        title=f"{outcome.dataset_title}: {outcome.source_key}",
        marking=marking_of([outcome]),
        json_url=f"/api/records/{outcome.id}",
        record=outcome,
        party=main_party(outcome.parties),
        parties=parties_of(outcome, entities),
        handling=handling_text(outcome.handling_code, outcome.handling_conditions),
        grading_meaning=grading_text(intelligence.grading) if intelligence else "",
        raw_label="Police only" if viewer.actor.agency_is_police else f"{viewer.agency.name} only",
        notice=f"Intelligence report {intelligence.urn} submitted." if confirmed and intelligence else "",
        screening=screening or [],
    )


@router.get("/records/{record_id}")
def record(
    request: Request,
    record_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    viewer: Viewer,
    db: SessionDep,
    submitted: str = "",
) -> Response:
    outcome = get_record(db, viewer.actor, record_id)
    db.commit()  # the view's audit event, whether the record was shown or only its holder
    if isinstance(outcome, RecordView):
        entities, screening = record_entities(db, outcome), screen_stored_record(db, outcome.id)
    else:
        entities, screening = None, None
    return record_page(request, viewer, outcome, submitted=submitted, entities=entities, screening=screening)
