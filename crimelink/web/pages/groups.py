"""Organised crime groups: the ranked list, a candidate's profile and decision forms, a group's profile.

JSON twins: /api/groups, /api/groups/candidates/{key} and /api/groups/{id}. Candidates come from the
network of the records the viewer may see (``crimelink.services.groups``). A profile shows who is in
the group with their suggested roles and why, the key players and what removing them does, the legal
definitions read limb by limb with the records behind each, both priority scores with every input, and
the evidence holding the group together. An analyst or advisor confirms a candidate into a group record,
or dismisses it with a reason.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from crimelink.access import Action, allowed
from crimelink.api.deps import SessionDep
from crimelink.api.routes.groups import CandidateKeyPath, confirmation_of
from crimelink.api.schemas.common import IdPath
from crimelink.api.schemas.groups import GroupConfirmCreate
from crimelink.domain import (
    Classification,
    CriminalityType,
    GroupStatus,
    GroupStructure,
    IntelligenceAssessment,
    MemberRole,
)
from crimelink.errors import InvalidInputError
from crimelink.network._score_model import InputValue
from crimelink.network.legal import LimbStatus
from crimelink.services import group_views
from crimelink.services.auth import SignedIn
from crimelink.services.group_views import DISMISSED_FILTERS, DismissedFilter, ProfileView
from crimelink.store.models import Agency
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import many, parse, text
from crimelink.web.pages.records import without_nul
from crimelink.web.pages.safeguarding import threat_label
from crimelink.web.rendering import render, today

router = APIRouter()

MEMBER_ROLE_LABELS = {
    MemberRole.PRINCIPAL: "Principal",
    MemberRole.LIEUTENANT_COORDINATOR: "Lieutenant or co-ordinator",
    MemberRole.ENFORCER: "Enforcer",
    MemberRole.SUPPLIER: "Supplier",
    MemberRole.COURIER_RUNNER: "Courier or runner",
    MemberRole.LINE_HOLDER: "Line holder",
    MemberRole.RECRUITER_GROOMER: "Recruiter or groomer",
    MemberRole.EXPLOITER: "Exploiter",
    MemberRole.PROFESSIONAL_ENABLER_LEGAL: "Professional enabler (legal)",
    MemberRole.PROFESSIONAL_ENABLER_FINANCE: "Professional enabler (finance)",
    MemberRole.MONEY_MULE_LAUNDERER: "Money mule or launderer",
    MemberRole.PROPERTY_FACILITATOR: "Property facilitator",
    MemberRole.CORRUPT_INSIDER: "Corrupt insider",
    MemberRole.ASSOCIATE: "Associate",
    MemberRole.EXPLOITED_PERSON: "Exploited person",
    MemberRole.UNKNOWN: "Unknown",
}
STRUCTURE_LABELS = {
    GroupStructure.CORE_GROUP: "Core group",
    GroupStructure.HIERARCHICAL: "Hierarchical",
    GroupStructure.CRIMINAL_NETWORK: "Criminal network",
    GroupStructure.CRIME_FAMILY: "Crime family",
    GroupStructure.STREET_GANG: "Street gang",
    GroupStructure.UNKNOWN: "Not known yet",
}
DISMISSED_LABELS = {
    "hide": "Candidates not dismissed",
    "only": "Dismissed candidates only",
    "all": "All candidates",
}
LIMB_CLASSES = {
    LimbStatus.MET.value: "limb-met",
    LimbStatus.NOT_MET.value: "limb-not-met",
    LimbStatus.NOT_ENOUGH_EVIDENCE.value: "limb-short",
}
FIELD_LABELS = {
    "name": "Name",
    "structure": "Structure",
    "status": "Status",
    "lead_agency": "Lead agency",
    "lead_officer": "Lead officer",
    "criminality": "Criminality",
    "exclude": "Leave out",
    "reason": "Reason",
    "dismiss-reason": "Why this is not an organised crime group",
    "candidate": "Candidate",
}


def role_label(role: str) -> str:
    """A member role in words (empty for things).

    >>> role_label("LIEUTENANT_COORDINATOR"), role_label("")
    ('Lieutenant or co-ordinator', '')
    """
    if not role:
        return ""
    try:
        return MEMBER_ROLE_LABELS[MemberRole(role)]
    except ValueError:
        return role.replace("_", " ").capitalize()


def number(value: object) -> str:
    """A score input or part for reading: whole numbers without a decimal point, yes/no for flags."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.2f}".rstrip("0")
    return str(value)


def confidence_label(code: str | None) -> str:
    """A recorded confidence (3x5x2 assessment letter) in words.

    >>> confidence_label("C"), confidence_label(None)
    ('C: Known indirectly to the source', '')
    """
    if not code:
        return ""
    try:
        return f"{code}: {IntelligenceAssessment(code).label}"
    except ValueError:
        return code


def _context() -> dict[str, Any]:
    return {
        "confidence_label": confidence_label,
        "role_label": role_label,
        "threat_label": threat_label,
        "structure_labels": STRUCTURE_LABELS,
        "limb_classes": LIMB_CLASSES,
        "number": number,
        "field_labels": FIELD_LABELS,
    }


# --- the list ------------------------------------------------------------------------------------


@router.get("/groups")
def groups_page(
    request: Request, viewer: Viewer, db: SessionDep, dismissed: str = "hide", done: str = ""
) -> Response:
    chosen: DismissedFilter = next((option for option in DISMISSED_FILTERS if option == dismissed), "hide")
    listed = group_views.group_list(db, viewer.actor, dismissed=chosen, today=today())
    db.commit()  # the network view's audit event
    return render(
        request,
        "groups/list.html",
        viewer=viewer,
        title="Organised crime groups",
        marking=Classification(listed.marking),
        json_url="/api/groups" + (f"?dismissed={listed.dismissed}" if listed.dismissed != "hide" else ""),
        nav_key="groups",
        notice="Candidate dismissed: later analyses keep it off this list." if done == "dismissed" else "",
        listed=listed,
        dismissed_labels=DISMISSED_LABELS,
        **_context(),
    )


# --- a candidate ---------------------------------------------------------------------------------


@router.get("/groups/candidates/{key}")
def candidate_page(request: Request, key: CandidateKeyPath, viewer: Viewer, db: SessionDep) -> Response:
    view = group_views.candidate_view(db, viewer.actor, key, today=today())
    db.commit()  # the view's audit event
    return _candidate_page(request, viewer, db, view)


def _candidate_page(
    request: Request,
    viewer: SignedIn,
    db: Session,
    view: ProfileView,
    *,
    values: dict[str, Any] | None = None,
    confirm_errors: dict[str, str] | None = None,
    dismiss_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    profile = view.profile
    candidate = profile.candidate
    assert candidate is not None
    chosen = values or {
        "name": "",
        "structure": GroupStructure.UNKNOWN.value,
        "status": GroupStatus.ACTIVE.value,
        "lead_agency": viewer.agency.code,
        "lead_officer": viewer.user.display_name,
        "criminality": [code for code, _ in candidate.threats if code in CriminalityType.__members__],
        "roles": {},
        "confidence": {},
        "exclude": [],
        "reason": "",
        "dismiss_reason": "",
    }
    may_decide = bool(allowed(viewer.actor, Action.GROUP_MANAGE)) and view.group_id is None
    field_labels = dict(FIELD_LABELS)
    for member in profile.members:
        name = member.label or f"entity {member.entity_id}"
        field_labels[f"role-{member.entity_id}"] = f"Role of {name}"
        field_labels[f"confidence-{member.entity_id}"] = f"Confidence in the part of {name}"
    return render(
        request,
        "groups/candidate.html",
        viewer=viewer,
        title=f"Candidate group {profile.key}",
        status_code=status_code,
        marking=Classification(view.marking),
        json_url=f"/api/groups/candidates/{profile.key}",
        nav_key="groups",
        view=view,
        profile=profile,
        candidate=candidate,
        may_decide=may_decide,
        values=chosen,
        confirm_errors=confirm_errors or {},
        dismiss_errors=dismiss_errors or {},
        roles=[(role.value, MEMBER_ROLE_LABELS[role]) for role in MemberRole],
        confidences=[(a.value, f"{a.value}: {a.label}") for a in IntelligenceAssessment],
        structures=[(s.value, STRUCTURE_LABELS[s]) for s in GroupStructure],
        statuses=[(s.value, s.value.capitalize()) for s in GroupStatus if s is not GroupStatus.ARCHIVED],
        agencies=[
            (code, name) for code, name in db.execute(select(Agency.code, Agency.name).order_by(Agency.name))
        ],
        criminalities=[(c.value, threat_label(c.value)) for c in CriminalityType],
        **(_context() | {"field_labels": field_labels}),
    )


def _per_person(form: FormData, prefix: str) -> dict[str, str]:
    """``{entity id: value}`` from fields named ``<prefix><entity id>`` that were given a value."""
    found = {}
    for name, value in form.multi_items():
        entity = name.removeprefix(prefix)
        if name.startswith(prefix) and entity.isdigit() and isinstance(value, str) and value.strip():
            found[entity] = value.strip()
    return found


def _confirm_values(form: FormData) -> dict[str, Any]:
    return {
        "name": without_nul(text(form, "name")),
        "structure": text(form, "structure"),
        "status": text(form, "status"),
        "lead_agency": text(form, "lead_agency") or None,
        "lead_officer": without_nul(text(form, "lead_officer")),
        "criminality": many(form, "criminality"),
        "roles": _per_person(form, "role-"),
        "confidence": _per_person(form, "confidence-"),
        "exclude": [v for v in many(form, "exclude") if v.isdigit()],
        "reason": without_nul(text(form, "reason")),
        "dismiss_reason": "",
    }


def _form_field(name: str) -> str:
    """A schema's field path (``roles.42``) as the form field that shows its error (``role-42``)."""
    head, _, rest = name.partition(".")
    if head in ("roles", "confidence") and rest:
        return f"{'role' if head == 'roles' else 'confidence'}-{rest.split('.')[0]}"
    if head in ("criminality", "exclude"):
        return head
    return head if head in FIELD_LABELS else "name"


@router.post("/groups/candidates/{key}/confirm")
def confirm(
    request: Request, key: CandidateKeyPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    values = _confirm_values(form)
    body, errors = parse(GroupConfirmCreate, values)
    if body is not None:
        try:
            group = group_views.confirm(
                db, viewer.actor, key=key, confirmation=confirmation_of(body), today=today()
            )
        except InvalidInputError as exc:
            errors = dict(exc.problems)
        else:
            db.commit()
            return RedirectResponse(f"/groups/{group.id}?done=confirmed", status_code=303)
    db.rollback()
    view = group_views.candidate_view(db, viewer.actor, key, today=today())
    db.commit()  # the view's audit event
    shown = {_form_field(name): problem for name, problem in errors.items()}
    return _candidate_page(request, viewer, db, view, values=values, confirm_errors=shown, status_code=422)


@router.post("/groups/candidates/{key}/dismiss")
def dismiss(
    request: Request, key: CandidateKeyPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    reason = without_nul(text(form, "reason"))
    try:
        group_views.dismiss(db, viewer.actor, key=key, reason=reason, today=today())
    except InvalidInputError as exc:
        db.rollback()
        view = group_views.candidate_view(db, viewer.actor, key, today=today())
        db.commit()  # the view's audit event
        errors = {
            "dismiss-reason" if name == "reason" else "candidate": p for name, p in exc.problems.items()
        }
        assert view.profile.candidate is not None
        return _candidate_page(request, viewer, db, view, dismiss_errors=errors, status_code=422)
    db.commit()
    return RedirectResponse("/groups?done=dismissed", status_code=303)


# --- a confirmed group ---------------------------------------------------------------------------


@router.get("/groups/{group_id}")
def group_page(
    request: Request, group_id: IdPath, viewer: Viewer, db: SessionDep, done: str = ""
) -> Response:
    view = group_views.group_view(db, viewer.actor, group_id, today=today())
    db.commit()  # the view's audit event
    return _group_page(request, viewer, view, notice=DONE_NOTICES.get(done, ""))


DONE_NOTICES = {
    "confirmed": "Group confirmed: later analyses show this candidate as this group.",
    "scored": "Score recorded with your inputs: the profile and the ranked list now start from them.",
}


def _group_page(
    request: Request,
    viewer: SignedIn,
    view: ProfileView,
    *,
    notice: str = "",
    scheme: str = "",
    score_values: dict[str, str] | None = None,
    score_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    group = view.profile.group
    assert group is not None
    return render(
        request,
        "groups/group.html",
        viewer=viewer,
        title=group.name,
        status_code=status_code,
        marking=Classification(view.marking),
        json_url=f"/api/groups/{group.id}",
        nav_key="groups",
        notice=notice,
        view=view,
        profile=view.profile,
        group=group,
        may_manage=bool(allowed(viewer.actor, Action.GROUP_MANAGE)),
        score_labels={
            **{
                f"{score.scorer}-{item.name}-value": item.label
                for score in view.profile.scores
                for item in score.inputs
            },
            **{f"{score.scorer}-form": score.label for score in view.profile.scores},
        },
        scheme=scheme,
        score_values=score_values or {},
        score_errors=score_errors or {},
        **_context(),
    )


def _analyst_value(text_value: str, current: object) -> InputValue:
    """A typed value from the form, in the kind the input takes (judged by its current value)."""
    if isinstance(current, bool):
        return text_value == "yes"
    try:
        return float(text_value)
    except ValueError:
        return text_value.upper()


@router.post("/groups/{group_id}/scores")
def record_score(
    request: Request, group_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    """Each row of the form is one input: a value and a reason; rows left blank keep what the records give."""
    scheme = text(form, "scheme")
    values = {
        name: without_nul(str(value)).strip() for name, value in form.multi_items() if name != "csrf_token"
    }
    view = group_views.group_view(db, viewer.actor, group_id, today=today())
    score = next((s for s in view.profile.scores if s.scorer == scheme), None)
    errors: dict[str, str] = {}
    inputs: dict[str, tuple[InputValue, str]] = {}
    if score is None:
        errors["scheme"] = "choose one of the scores on this page"
    else:
        for item in score.inputs:
            value, reason = values.get(f"value-{item.name}", ""), values.get(f"reason-{item.name}", "")
            if value:
                inputs[item.name] = (_analyst_value(value, item.derived_value or item.value), reason)
            elif reason:
                errors[item.name] = "give a value, or clear the reason"
    if not errors:
        try:
            group_views.record_score(
                db, viewer.actor, group_id=group_id, scheme=scheme, inputs=inputs, today=today()
            )
        except InvalidInputError as exc:
            errors = dict(exc.problems)
        else:
            db.commit()
            return RedirectResponse(f"/groups/{group_id}?done=scored", status_code=303)
    db.rollback()
    view = group_views.group_view(db, viewer.actor, group_id, today=today())
    db.commit()  # the view's audit event
    # Errors are keyed by the field that shows them: ``<scheme>-<input>-value``, or the form itself.
    known = {item.name: item.label for item in score.inputs} if score else {}
    shown = {
        f"{scheme}-{name}-value" if name in known else f"{scheme}-form": problem.removeprefix(
            f"{known.get(name, '')}: "
        )
        for name, problem in errors.items()
    }
    return _group_page(
        request, viewer, view, scheme=scheme, score_values=values, score_errors=shown, status_code=422
    )
