"""Submitting graded intelligence (3x5x2) from a form. The JSON twin is POST /api/intelligence.

The form is read into the API's schema first, so both validate the same way, and then the service
validates it exactly as it validates an imported row; every problem comes back next to its field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from crimelink.access.policy import Action
from crimelink.api.deps import SessionDep
from crimelink.api.routes.intelligence import IntelligenceCreate
from crimelink.domain import (
    Classification,
    CriminalityType,
    HandlingCode,
    HandlingConditionCode,
    IntelligenceAssessment,
    SourceEvaluation,
)
from crimelink.errors import InvalidInputError
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.services.intelligence import submit_intelligence
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import many, parse, text
from crimelink.web.pages.records import CONDITION_LABELS, without_nul
from crimelink.web.rendering import render

router = APIRouter(prefix="/intelligence")

#: Conditions chosen with a tick; the other three need a value typed with them.
TICKED_CONDITIONS = (
    HandlingConditionCode.POLICE_ONLY,
    HandlingConditionCode.NO_FURTHER_DISSEMINATION,
    HandlingConditionCode.REFER_TO_ORIGINATOR_BEFORE_ACTION,
    HandlingConditionCode.NOT_FOR_EVIDENTIAL_USE,
)

#: Form fields passed to the service as typed (the rest are composed from several inputs).
PLAIN_FIELDS = (
    "source_evaluation",
    "intelligence_assessment",
    "handling_code",
    "classification",
    "caveats",
    "text",
    "text_raw",
    "event_date",
    "subject_name",
    "subject_dob",
    "subject_address",
    "subject_postcode",
    "subject_phone",
    "vehicle_vrm",
    "location_address",
    "location_postcode",
    "business_name",
)
CONDITION_INPUTS = ("named_recipients", "time_limited", "free_text_condition")

#: How each field is named in the error summary at the top of the form.
FIELD_NAMES: dict[str, str] = {
    "source_evaluation": "Source evaluation",
    "intelligence_assessment": "Intelligence assessment",
    "handling_code": "Handling code",
    "handling_conditions": "Handling conditions",
    "time_limited": "Time limited until",
    "classification": "Classification",
    "caveats": "Caveats",
    "threats": "Threats",
    "event_date": "Date of the information",
    "text": "Sanitised text",
    "text_raw": "Raw text",
    "subject_name": "Subject's name",
    "subject_dob": "Subject's date of birth",
    "subject_address": "Subject's address",
    "subject_postcode": "Subject's postcode",
    "subject_phone": "Subject's phone",
    "vehicle_vrm": "Vehicle registration",
    "location_address": "Location address",
    "location_postcode": "Location postcode",
    "business_name": "Business name",
}


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: text(form, name) for name in PLAIN_FIELDS + CONDITION_INPUTS}
    values["text"] = _multiline(form, "text")
    values["text_raw"] = _multiline(form, "text_raw")
    values = {name: without_nul(value) for name, value in values.items()}
    values["conditions"] = [without_nul(code) for code in many(form, "conditions")]
    values["threats"] = [without_nul(code) for code in many(form, "threats")]
    return values


def _multiline(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip().replace("\r\n", "\n") if isinstance(value, str) else ""


def compose_conditions(values: dict[str, Any]) -> str:
    """The ';'-separated conditions the service reads, e.g. "POLICE_ONLY;NAMED_RECIPIENTS:GLAA+LBA-HOUSING"."""
    ticked = {c.value for c in TICKED_CONDITIONS}
    parts = [code for code in values["conditions"] if code in ticked]
    recipients = [code for code in re.split(r"[\s,;+]+", values["named_recipients"].upper()) if code]
    if recipients:
        parts.append(f"{HandlingConditionCode.NAMED_RECIPIENTS.value}:{'+'.join(recipients)}")
    if values["time_limited"]:
        parts.append(f"{HandlingConditionCode.TIME_LIMITED.value}:{values['time_limited']}")
    if values["free_text_condition"]:
        # ';' separates conditions, so it cannot appear inside one.
        parts.append(
            f"{HandlingConditionCode.FREE_TEXT.value}:{values['free_text_condition'].replace(';', ',')}"
        )
    return ";".join(parts)


def _choice_problems(values: dict[str, Any]) -> dict[str, str]:
    """The selects' answers must be among the options offered (a hand-made post may send anything)."""
    problems: dict[str, str] = {}
    if values["source_evaluation"] not in {s.value for s in SourceEvaluation}:
        problems["source_evaluation"] = "choose how reliable the source is (1, 2 or 3)"
    if values["intelligence_assessment"] not in {a.value for a in IntelligenceAssessment}:
        problems["intelligence_assessment"] = "choose how the intelligence is assessed (A to E)"
    ticked = {c.value for c in TICKED_CONDITIONS}
    if any(code not in ticked for code in values["conditions"]):
        problems["handling_conditions"] = "tick conditions from those offered"
    if values["time_limited"]:
        try:
            date.fromisoformat(values["time_limited"])
        except ValueError:
            problems["time_limited"] = "enter the date sharing ends, like 2027-03-31"
    return problems


def _form(
    request: Request,
    viewer: SignedIn,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "intelligence/form.html",
        viewer=viewer,
        title="Submit intelligence",
        nav_key="submit_intelligence",
        status_code=status_code,
        values=values,
        errors=errors or {},
        field_names=FIELD_NAMES,
        sources=[(s.value, f"{s.value} — {s.label}") for s in SourceEvaluation],
        assessments=[(a.value, f"{a.value} — {a.label}") for a in IntelligenceAssessment],
        handling_codes=[(h.value, f"{h.value} — {h.label}") for h in HandlingCode],
        ticked_conditions=[(c.value, CONDITION_LABELS[c].capitalize()) for c in TICKED_CONDITIONS],
        classifications=[(c.value, c.value) for c in Classification],
        threat_options=[(t.value, t.value.replace("_", " ").capitalize()) for t in CriminalityType],
        raw_text_stays="the police" if viewer.actor.agency_is_police else "your agency",
    )


@router.get("/new")
def new_intelligence_page(request: Request, viewer: Viewer) -> Response:
    authorise(viewer.actor, Action.INTELLIGENCE_SUBMIT)
    values: dict[str, Any] = {
        "handling_code": HandlingCode.PERMITTED.value,
        "classification": Classification.OFFICIAL.value,
        "conditions": [],
        "threats": [],
    }
    return _form(request, viewer, values=values)


@router.post("")
def submit(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.INTELLIGENCE_SUBMIT)
    values = _values(form)
    submission = {name: values[name] for name in PLAIN_FIELDS}
    submission |= {"handling_conditions": compose_conditions(values), "threats": ";".join(values["threats"])}
    errors = _choice_problems(values)
    body, problems = parse(IntelligenceCreate, submission)
    errors = problems | errors
    if body is not None and not errors:
        try:
            report = submit_intelligence(db, viewer.actor, form=body.model_dump())
        except InvalidInputError as exc:
            db.rollback()
            errors = dict(exc.problems)
        else:
            db.commit()
            return RedirectResponse(
                f"/records/{report.source_record_id}?submitted={report.urn}", status_code=303
            )
    return _form(request, viewer, values=values, errors=errors, status_code=422)
