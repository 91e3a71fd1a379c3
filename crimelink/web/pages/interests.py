"""Your agency's standing interests: flag a person, premises, vehicle, phone, business or group; withdraw.

JSON twins: /api/interests (list, register), /api/interests/{id} and /api/interests/{id}/withdraw.
Registering checks the interest at once against every live operation; the conflicts it meets are shown
blind, as to any side. The subject is given as an operation's target is (a person with a date of birth,
a phone, a VRM, ..., or a known entity by number), or an organised crime group by number.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access import Action
from crimelink.api.deps import RulesDep, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.deconflict.rules import DeconflictionRules
from crimelink.errors import InvalidInputError
from crimelink.services import deconfliction
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.pages.operation_form import TARGET_LABELS
from crimelink.web.pages.operations import shared_context
from crimelink.web.pages.records import without_nul
from crimelink.web.rendering import render

router = APIRouter()

FIELDS = (
    "subject-kind",
    "subject-value",
    "subject-dob",
    "subject-entity_id",
    "group_id",
    "contact",
    "reason",
)
FIELD_LABELS = {
    "subject-kind": "What you flag",
    "subject-value": "Identifier or name",
    "subject-dob": "Date of birth",
    "subject-entity_id": "Entity number",
    "group_id": "Organised crime group number",
    "contact": "Whom to contact",
    "reason": "Why (kept to your agency and the desk)",
    "label": "Your words for it",
    "expires_on": "Expires on",
}
DONE = {
    "registered": "Interest registered and checked against live operations.",
    "withdrawn": "Interest withdrawn.",
}


def _number(value: str, name: str, errors: dict[str, str]) -> int | None:
    if not value:
        return None
    if value.isdigit() and len(value) < 19:
        return int(value)
    errors[name] = "enter a number (digits only)"
    return None


def _page(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    rules: DeconflictionRules,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    notice: str = "",
    status_code: int = 200,
) -> Response:
    interests = deconfliction.my_interests(db, viewer.actor, include_inactive=True, rules=rules)
    db.commit()  # the view's audit event
    return render(
        request,
        "operations/interests.html",
        viewer=viewer,
        title="Interests",
        status_code=status_code,
        json_url="/api/interests?include_inactive=true",
        nav_key="operations",
        notice=notice,
        interests=interests,
        values=values,
        errors=errors,
        field_labels=FIELD_LABELS,
        subject_choices=[*TARGET_LABELS.items(), ("GROUP", "An organised crime group, by its number")],
        **shared_context(),
    )


@router.get("/interests")
def interests_page(
    request: Request, viewer: Viewer, db: SessionDep, rules: RulesDep, done: str = ""
) -> Response:
    authorise(viewer.actor, Action.INTEREST_REGISTER)
    return _page(request, viewer, db, rules, values={}, errors={}, notice=DONE.get(done, ""))


@router.post("/interests")
def register_interest(
    request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep, rules: RulesDep
) -> Response:
    authorise(viewer.actor, Action.INTEREST_REGISTER)
    values = {
        name: without_nul(text(form, name))
        for name in (*FIELDS, "label", "expires_on", "consult_before_action")
    }
    errors: dict[str, str] = {}
    expires = None
    if values["expires_on"]:
        try:
            expires = date.fromisoformat(values["expires_on"])
        except ValueError:
            errors["expires_on"] = "enter a date like 2026-12-31"
    kind = values["subject-kind"]
    group = _number(values["group_id"], "group_id", errors) if kind == "GROUP" else None
    entity = _number(values["subject-entity_id"], "subject-entity_id", errors)
    if kind == "GROUP" and group is None and "group_id" not in errors:
        errors["group_id"] = "enter the group's number"
    subject = (
        None
        if kind == "GROUP"
        else deconfliction.TargetInput(
            kind=kind, value=values["subject-value"], dob=values["subject-dob"] or None, entity_id=entity
        )
    )
    if not errors:
        try:
            deconfliction.register_interest(
                db,
                viewer.actor,
                deconfliction.InterestInput(
                    contact=values["contact"],
                    subject=subject,
                    group_id=group,
                    reason=values["reason"],
                    label=values["label"],
                    expires_on=expires,
                    consult_before_action=bool(values["consult_before_action"]),
                ),
                rules=rules,
            )
        except InvalidInputError as exc:
            db.rollback()
            for key, problem in exc.problems.items():
                name = key.replace(".", "-") if key.startswith("subject.") else key
                name = "subject-kind" if name == "subject" else name
                if name.startswith("subject-") and name not in FIELD_LABELS:
                    name = "subject-value"
                errors.setdefault(name if name in FIELD_LABELS else "contact", problem)
    if errors:
        return _page(request, viewer, db, rules, values=values, errors=errors, status_code=400)
    db.commit()
    return RedirectResponse("/interests?done=registered", status_code=303)


@router.post("/interests/{interest_id}/withdraw")
def withdraw(
    interest_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep, rules: RulesDep
) -> Response:
    deconfliction.withdraw_interest(db, viewer.actor, interest_id, rules=rules)
    db.commit()
    return RedirectResponse("/interests?done=withdrawn", status_code=303)
