"""Disclosure requests: asking the holder for records one may not see, and the holder's decision.

The JSON twins are /api/disclosures/mine, /api/disclosures/to-decide, POST /api/disclosures and
POST /api/disclosures/{id}/decision. A request is raised from a holding notice (search or record
page); with htmx the notice's form is answered in place, so the user keeps their search results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from crimelink.access.policy import Action, Actor, AgencyResource, allowed
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import MAX_ID
from crimelink.domain import DisclosureStatus, HandlingConditionCode, LawfulBasis
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.services import disclosure
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import many, text
from crimelink.web.pages.records import CONDITION_LABELS, without_nul
from crimelink.web.rendering import render

router = APIRouter(prefix="/disclosures")

LAWFUL_BASIS_LABELS: dict[LawfulBasis, str] = {
    LawfulBasis.CDA1998_S115: "Crime and Disorder Act 1998, section 115",
    LawfulBasis.PCSC2022_S16: "Police, Crime, Sentencing and Courts Act 2022, section 16 (serious violence duty)",
    LawfulBasis.DPA2018_PART3_LE: "Data Protection Act 2018, Part 3 (law enforcement processing)",
    LawfulBasis.UKGDPR_6_1_E_PUBLIC_TASK: "UK GDPR Article 6(1)(e): public task",
    LawfulBasis.DPA2018_SCH1_P2_PARA10: (
        "Data Protection Act 2018, Schedule 1 Part 2 paragraph 10 (preventing or detecting unlawful acts)"
    ),
    LawfulBasis.CHILDREN_ACT_1989_S47: "Children Act 1989, section 47 (child protection enquiries)",
    LawfulBasis.CHILDREN_ACT_2004_S10_S11: "Children Act 2004, sections 10 and 11 (co-operation to safeguard)",
    LawfulBasis.CARE_ACT_2014_S42_S45: "Care Act 2014, sections 42 to 45 (adult safeguarding)",
    LawfulBasis.FGM_ACT_2003_S5B: "Female Genital Mutilation Act 2003, section 5B (duty to notify)",
    LawfulBasis.MSA2015_S52: "Modern Slavery Act 2015, section 52 (duty to notify)",
    LawfulBasis.CONSENT: "Consent of the person concerned",
    LawfulBasis.COURT_ORDER: "Court order",
    LawfulBasis.OTHER_STATUTORY: "Another statutory gateway (name it in the note)",
}

#: Conditions a holder may attach to a grant by ticking a box; anything else goes in as free text.
DECISION_CONDITIONS = (
    HandlingConditionCode.NOT_FOR_EVIDENTIAL_USE,
    HandlingConditionCode.NO_FURTHER_DISSEMINATION,
    HandlingConditionCode.REFER_TO_ORIGINATOR_BEFORE_ACTION,
)
MAX_TEXT = 4000
MAX_RECORDS = 500


@dataclass
class DecisionForm:
    """What a holder typed into one request's decision form, and what was wrong with it."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def may_decide(actor: Actor) -> bool:
    return bool(allowed(actor, Action.DISCLOSURE_DECIDE, AgencyResource(actor.agency_id)))


def _notice(
    mine: list[disclosure.DisclosureSummary],
    to_decide: list[disclosure.DisclosureSummary],
    *,
    requested: str,
    decided: str,
) -> str:
    for summary in mine:
        if str(summary.id) == requested:
            return f"Disclosure request sent to {summary.holder_agency}."
    for summary in to_decide:
        if str(summary.id) == decided and summary.status != DisclosureStatus.PENDING.value:
            return f"Request {summary.id} from {summary.requester_agency} {summary.status.lower()}."
    return ""


def _page(
    request: Request,
    viewer: SignedIn,
    db: Session,
    *,
    requested: str = "",
    decided: str = "",
    forms: dict[int, DecisionForm] | None = None,
    status_code: int = 200,
) -> Response:
    actor = viewer.actor
    mine = disclosure.my_requests(db, actor)
    to_decide = disclosure.requests_to_decide(db, actor)
    pending = [s for s in to_decide if s.status == DisclosureStatus.PENDING.value]
    return render(
        request,
        "disclosures/list.html",
        viewer=viewer,
        title="Disclosure requests",
        status_code=status_code,
        json_url="/api/disclosures/mine",
        nav_key="search",
        notice=_notice(mine, to_decide, requested=requested, decided=decided),
        mine=mine,
        may_decide=may_decide(actor),
        pending=pending,
        decided=[s for s in to_decide if s.status != DisclosureStatus.PENDING.value],
        forms=forms or {},
        lawful_bases=[(basis.value, LAWFUL_BASIS_LABELS[basis]) for basis in LawfulBasis],
        basis_labels={basis.value: LAWFUL_BASIS_LABELS[basis] for basis in LawfulBasis},
        decision_conditions=[(c.value, CONDITION_LABELS[c].capitalize()) for c in DECISION_CONDITIONS],
        condition_labels={c.value: CONDITION_LABELS[c] for c in HandlingConditionCode},
    )


@router.get("")
def disclosures_page(
    request: Request, viewer: Viewer, db: SessionDep, requested: str = "", decided: str = ""
) -> Response:
    authorise(viewer.actor, Action.DISCLOSURE_REQUEST)
    return _page(request, viewer, db, requested=requested, decided=decided)


def _record_ids(form: FormData) -> list[int]:
    """The records a holding notice's form names; a form that names none was not sent from a notice."""
    ids: list[int] = []
    for value in many(form, "record_ids"):
        if not value.strip().isdigit() or not 1 <= int(value) <= MAX_ID:
            raise InvalidInputError("record_ids", "the form named something that is not a record")
        ids.append(int(value))
    if not ids or len(ids) > MAX_RECORDS:
        raise InvalidInputError(
            "record_ids", f"a request names between 1 and {MAX_RECORDS} records: start again from a search"
        )
    return ids


@router.post("")
def create_request(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    """Raise a request from a holding notice's form; with htmx the form is answered in place."""
    record_ids = _record_ids(form)
    justification = without_nul(text(form, "justification"))
    context: dict[str, Any] = {
        "record_ids": record_ids,
        "holder": without_nul(text(form, "holder"))[:200],  # only to label the form again
        "justification": justification,
        "request_errors": {},
        "sent": "",
    }
    htmx = bool(request.headers.get("HX-Request"))
    if len(justification) > MAX_TEXT:
        context["request_errors"] = {"justification": f"keep it under {MAX_TEXT} characters"}
    else:
        try:
            created = disclosure.request_disclosure(
                db, viewer.actor, record_ids=record_ids, justification=justification
            )
        except InvalidInputError as exc:
            db.rollback()
            context["request_errors"] = dict(exc.problems)
        else:
            db.commit()
            if not htmx:
                return RedirectResponse(f"/disclosures?requested={created[0].id}", status_code=303)
            mine = disclosure.my_requests(db, viewer.actor)
            context["sent"] = next(s.holder_agency for s in mine if s.id == created[0].id)
    if htmx:  # htmx swaps in only successful answers, so a form with errors comes back as 200 too
        return render(request, "disclosures/_request_form.html", viewer=viewer, title="", **context)
    return render(
        request,
        "disclosures/request.html",
        viewer=viewer,
        title="Request disclosure",
        status_code=422,
        nav_key="search",
        **context,
    )


def _decision(form: FormData) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(what was typed, the service's arguments, problems) for one decision form."""
    values: dict[str, Any] = {
        name: without_nul(text(form, name))
        for name in ("decision", "lawful_basis", "other_condition", "note", "expires_on")
    }
    values["conditions"] = [without_nul(code) for code in many(form, "conditions")]
    errors: dict[str, str] = {}
    if values["decision"] not in {"grant", "refuse"}:
        errors["decision"] = "choose whether to grant or refuse the request"
    basis = None
    if values["lawful_basis"]:
        try:
            basis = LawfulBasis(values["lawful_basis"])
        except ValueError:
            errors["lawful_basis"] = "choose one of the lawful bases offered"
    expires_on = None
    if values["expires_on"]:
        try:
            expires_on = date.fromisoformat(values["expires_on"])
        except ValueError:
            errors["expires_on"] = "enter a date like 2027-03-31"
    offered = {c.value for c in DECISION_CONDITIONS}
    if any(c not in offered for c in values["conditions"]) or len(values["other_condition"]) > 500:
        errors["conditions"] = "tick conditions from those offered, and keep any other under 500 characters"
    if len(values["note"]) > MAX_TEXT:
        errors["note"] = f"keep the note under {MAX_TEXT} characters"
    conditions = list(values["conditions"])
    if values["other_condition"]:
        conditions.append(f"{HandlingConditionCode.FREE_TEXT.value}:{values['other_condition']}")
    arguments = {
        "grant": values["decision"] == "grant",
        "lawful_basis": basis,
        "conditions": conditions,
        "note": values["note"],
        "expires_on": expires_on,
    }
    return values, arguments, errors


@router.post("/{request_id}/decision")
def decide_request(
    request: Request,
    request_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    viewer: Viewer,
    form: CheckedForm,
    db: SessionDep,
) -> Response:
    actor = viewer.actor
    authorise(actor, Action.DISCLOSURE_DECIDE, AgencyResource(actor.agency_id))
    if request_id not in {s.id for s in disclosure.requests_to_decide(db, actor)}:
        raise NotFoundError(f"there is no disclosure request {request_id} to your agency")
    values, arguments, errors = _decision(form)
    if not errors:
        try:
            disclosure.decide_disclosure(db, actor, request_id=request_id, **arguments)
        except InvalidInputError as exc:
            db.rollback()
            errors = dict(exc.problems)
        else:
            db.commit()
            return RedirectResponse(f"/disclosures?decided={request_id}", status_code=303)
    forms = {request_id: DecisionForm(values, errors)}
    return _page(request, viewer, db, forms=forms, status_code=422)
