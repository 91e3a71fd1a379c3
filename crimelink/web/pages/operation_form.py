"""The form that registers (or changes) an operation: every field the service takes, and a map.

JSON twins: ``POST /api/operations`` and ``PUT /api/operations/{id}``. Locations and targets are rows
(``locations-0-address``, ``targets-1-dob``); "Add another location" re-draws the form with one more row,
so the form works without JavaScript. With it, ``static/opmap.js`` draws the map: the area's outline
(served by the application, no internet needed), a click places the chosen location and the slider picks
its radius, both written into the location's fields. Times are UK local time. The service checks every
field; each problem is shown next to its field (``locations[1].radius_m`` is Location 2's radius).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from crimelink.access import Action, allowed
from crimelink.api.deps import RulesDep, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.deconflict.rules import DeconflictionRules
from crimelink.domain import Classification, OperationType, Visibility
from crimelink.domain.deconfliction import TargetKind
from crimelink.errors import ConflictError, InvalidInputError
from crimelink.services import deconfliction
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.store.models import Agency
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.pages.operations import LOCAL, map_settings, type_label
from crimelink.web.pages.records import without_nul
from crimelink.web.rendering import render

router = APIRouter()

LOCATION_FIELDS = ("address", "postcode", "uprn", "latitude", "longitude", "radius_m")
TARGET_FIELDS = ("kind", "value", "dob", "entity_id")
#: Rows offered on a new form; "add another" adds one at a time up to the service's limits.
FIRST_LOCATIONS, FIRST_TARGETS = 1, 2
TARGET_LABELS = {
    "PERSON": "Person (name, with date of birth)",
    "PHONE": "Phone number",
    "VRM": "Vehicle registration (VRM)",
    "VIN": "Vehicle identification number (VIN)",
    "EMAIL": "Email address",
    "COMPANY_NUMBER": "Company number",
    "UPRN": "UPRN (a premises)",
    "IP_ADDRESS": "IP address",
    "BANK_ACCOUNT": "Bank account (sort code and number)",
    "ENTITY": "A known entity, by its number",
}
LOCATION_LABELS = {
    "address": "address",
    "postcode": "postcode",
    "uprn": "UPRN",
    "latitude": "latitude",
    "longitude": "longitude",
    "radius_m": "radius",
}
FIELD_LABELS = {
    "name": "Operation name",
    "officer": "Officer in charge",
    "contact_24h": "24-hour contact",
    "operation_type": "Type",
    "visibility": "Overt or covert",
    "classification": "Classification",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "standing": "Standing",
    "retrospective_reason": "Why it was not registered before it started",
    "group_id": "Organised crime group number",
    "agency_id": "Agency",
    "locations": "Locations",
    "targets": "Targets",
}
#: How a person target is stored: "MAREK ZIELINSKI (born 1983-11-09)".
_PERSON_VALUE = re.compile(r"^(.*) \(born ([0-9-]+)\)$")
_ROW_KEY = re.compile(r"^(locations|targets)\[(\d+)\](?:\.(\w+))?$")


@dataclass
class OperationForm:
    """What the form holds: the values as typed, the rows, and the problems by field id."""

    values: dict[str, str] = field(default_factory=dict)
    locations: list[dict[str, str]] = field(default_factory=list)
    targets: list[dict[str, str]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def local_input(moment: datetime | None) -> str:
    """A stored UTC time as a ``datetime-local`` field shows it (UK local time)."""
    return moment.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M") if moment else ""


def parse_local(value: str, name: str, errors: dict[str, str]) -> datetime | None:
    """A ``datetime-local`` field's value, read as UK local time."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors[name] = "enter a date and time, e.g. 2026-03-03 06:00"
        return None
    return moment.replace(tzinfo=LOCAL) if moment.tzinfo is None else moment


def _number(value: str, name: str, errors: dict[str, str], example: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        errors[name] = f"enter a number, e.g. {example}"
        return None


def read_form(form: FormData, rules: DeconflictionRules) -> OperationForm:
    """The rows and values as typed; "add another" adds a blank row."""
    names = (
        "name",
        "officer",
        "contact_24h",
        "operation_type",
        "visibility",
        "classification",
        "starts_at",
        "ends_at",
        "retrospective_reason",
        "group_id",
        "agency_id",
        "submit_mode",
    )
    values = {name: without_nul(text(form, name)) for name in names}
    values["armed"] = "yes" if text(form, "armed") else ""
    values["standing"] = "yes" if text(form, "standing") else ""
    location_rows = _rows(text(form, "location_rows"), FIRST_LOCATIONS, deconfliction.MAX_LOCATIONS)
    target_rows = _rows(text(form, "target_rows"), FIRST_TARGETS, deconfliction.MAX_TARGETS)
    locations = [
        {f: without_nul(text(form, f"locations-{i}-{f}")) for f in LOCATION_FIELDS}
        for i in range(location_rows)
    ]
    targets = [
        {f: without_nul(text(form, f"targets-{i}-{f}")) for f in TARGET_FIELDS} for i in range(target_rows)
    ]
    added = text(form, "add")
    if added == "location" and len(locations) < deconfliction.MAX_LOCATIONS:
        locations.append(blank_location(rules))
    if added == "target" and len(targets) < deconfliction.MAX_TARGETS:
        targets.append(blank_target())
    return OperationForm(values, locations, targets)


def _rows(value: str, least: int, most: int) -> int:
    return min(max(int(value), least), most) if value.isdigit() else least


def blank_location(rules: DeconflictionRules) -> dict[str, str]:
    return {**dict.fromkeys(LOCATION_FIELDS, ""), "radius_m": f"{rules.default_radius_m:g}"}


def blank_target() -> dict[str, str]:
    return {**dict.fromkeys(TARGET_FIELDS, ""), "kind": ""}


def to_input(form: OperationForm) -> tuple[deconfliction.OperationInput, list[int], list[int]]:
    """The service's input, and which form row each location and target came from (blank rows skipped).

    Problems found reading the form (a number that is not one) go into ``form.errors``.
    """
    errors = form.errors
    locations, location_rows = [], []
    for i, row in enumerate(form.locations):
        if not any(row[f] for f in LOCATION_FIELDS if f != "radius_m"):
            continue
        where = f"locations-{i}"
        locations.append(
            deconfliction.LocationInput(
                address=row["address"],
                postcode=row["postcode"] or None,
                uprn=row["uprn"] or None,
                latitude=_number(row["latitude"], f"{where}-latitude", errors, "51.5380"),
                longitude=_number(row["longitude"], f"{where}-longitude", errors, "0.0300"),
                radius_m=_number(row["radius_m"], f"{where}-radius_m", errors, "300"),
            )
        )
        location_rows.append(i)
    targets, target_rows = [], []
    for i, row in enumerate(form.targets):
        if not row["value"] and not row["entity_id"] and not row["dob"]:
            continue
        entity = row["entity_id"]
        if entity and not entity.isdigit():
            errors[f"targets-{i}-entity_id"] = "enter the entity's number (digits only)"
        targets.append(
            deconfliction.TargetInput(
                kind=row["kind"] or "",
                value=row["value"],
                dob=row["dob"] or None,
                entity_id=int(entity) if entity.isdigit() and len(entity) < 19 else None,
            )
        )
        target_rows.append(i)
    group = form.values["group_id"]
    if group and not (group.isdigit() and len(group) < 19):
        errors["group_id"] = "enter the group's number (digits only), or leave it blank"
    data = deconfliction.OperationInput(
        name=form.values["name"],
        officer=form.values["officer"],
        contact_24h=form.values["contact_24h"],
        operation_type=form.values["operation_type"],
        starts_at=parse_local(form.values["starts_at"], "starts_at", errors),
        ends_at=parse_local(form.values["ends_at"], "ends_at", errors),
        standing=bool(form.values["standing"]),
        visibility=form.values["visibility"] or Visibility.OVERT.value,
        classification=form.values["classification"] or Classification.OFFICIAL.value,
        armed=bool(form.values["armed"]),
        locations=locations,
        targets=targets,
        group_id=int(group) if group.isdigit() and len(group) < 19 else None,
        retrospective_reason=form.values["retrospective_reason"] or None,
    )
    return data, location_rows, target_rows


def form_errors(problems: dict[str, str], location_rows: list[int], target_rows: list[int]) -> dict[str, str]:
    """The service's problems keyed by the form's field ids (``locations[1].radius_m`` -> the row's)."""
    errors: dict[str, str] = {}
    for key, problem in problems.items():
        match = _ROW_KEY.match(key)
        if match is None:
            errors[key if key in FIELD_LABELS else "name"] = problem
            continue
        kind, index, sub = match.group(1), int(match.group(2)), match.group(3)
        rows = location_rows if kind == "locations" else target_rows
        row = rows[index] if index < len(rows) else 0
        if kind == "locations":
            name = f"locations-{row}-{sub}" if sub in LOCATION_FIELDS else f"locations-{row}"
        else:
            name = f"targets-{row}-{sub if sub in TARGET_FIELDS else 'value'}"
        errors.setdefault(name, problem)
    return errors


def error_labels(form: OperationForm) -> dict[str, str]:
    labels = dict(FIELD_LABELS)
    for i in range(len(form.locations)):
        labels[f"locations-{i}"] = f"Location {i + 1}"
        for name, words in LOCATION_LABELS.items():
            labels[f"locations-{i}-{name}"] = f"Location {i + 1}: {words}"
    for i in range(len(form.targets)):
        for name in TARGET_FIELDS:
            labels[f"targets-{i}-{name}"] = f"Target {i + 1}: {name.replace('_', ' ')}"
    return labels


def form_from_view(view: deconfliction.OperationView, rules: DeconflictionRules) -> OperationForm:
    """The form filled in from a stored operation, for changing it."""
    values = {
        "name": view.name,
        "officer": view.officer,
        "contact_24h": view.contact_24h,
        "operation_type": view.operation_type,
        "visibility": view.visibility,
        "classification": view.classification,
        "starts_at": local_input(view.starts_at),
        "ends_at": local_input(view.ends_at),
        "retrospective_reason": view.retrospective_reason or "",
        "group_id": str(view.group_id or ""),
        "agency_id": "",
        "submit_mode": "",
        "armed": "yes" if view.armed else "",
        "standing": "yes" if view.standing else "",
    }
    locations = [
        {
            "address": loc.address,
            "postcode": loc.postcode or "",
            "uprn": loc.uprn or "",
            "latitude": "" if loc.latitude is None else f"{loc.latitude:.6f}",
            "longitude": "" if loc.longitude is None else f"{loc.longitude:.6f}",
            "radius_m": f"{loc.radius_m:g}",
        }
        for loc in view.locations
    ] or [blank_location(rules)]
    targets = []
    for target in view.targets:
        if target.kind == "ENTITY":
            targets.append(
                {"kind": "ENTITY", "value": "", "dob": "", "entity_id": str(target.entity_id or "")}
            )
        elif target.kind == "PERSON":
            person = _PERSON_VALUE.match(target.value)
            name, born = (person.group(1), person.group(2)) if person else (target.value, "")
            targets.append({"kind": "PERSON", "value": name, "dob": born, "entity_id": ""})
        else:
            targets.append({"kind": target.kind, "value": target.value, "dob": "", "entity_id": ""})
    return OperationForm(values, locations, targets or [blank_target()])


def new_form(rules: DeconflictionRules) -> OperationForm:
    values = dict.fromkeys(
        (
            "name",
            "officer",
            "contact_24h",
            "operation_type",
            "starts_at",
            "ends_at",
            "retrospective_reason",
            "group_id",
            "agency_id",
            "submit_mode",
            "armed",
            "standing",
        ),
        "",
    )
    values |= {"visibility": Visibility.OVERT.value, "classification": Classification.OFFICIAL.value}
    return OperationForm(
        values,
        [blank_location(rules) for _ in range(FIRST_LOCATIONS)],
        [blank_target() for _ in range(FIRST_TARGETS)],
    )


def _page(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    form: OperationForm,
    rules: DeconflictionRules,
    *,
    operation_id: int | None = None,
    status_code: int = 200,
) -> Response:
    is_desk = bool(allowed(viewer.actor, Action.DECONFLICTION_BOARD))
    agencies: list[tuple[str, str]] = []
    if is_desk and operation_id is None:
        agencies = [
            (str(a.id), f"{a.code} – {a.name}") for a in db.scalars(select(Agency).order_by(Agency.code))
        ]
    return render(
        request,
        "operations/form.html",
        viewer=viewer,
        title=f"Change operation {operation_id}" if operation_id else "Register an operation",
        status_code=status_code,
        json_url=f"/api/operations/{operation_id}" if operation_id else "/api/operations",
        nav_key="operations",
        form=form,
        errors=form.errors,
        error_labels=error_labels(form),
        operation_id=operation_id,
        agencies=agencies,
        type_choices=[(t.value, type_label(t.value)) for t in OperationType],
        classification_choices=[
            (c.value, c.value) for c in Classification if c.rank <= viewer.actor.clearance.rank
        ],
        target_choices=[(k.value, TARGET_LABELS.get(k.value, k.value)) for k in TargetKind],
        rules=rules,
        map=map_settings(request),
        action=f"/operations/{operation_id}/edit" if operation_id else "/operations/new",
    )


@router.get("/operations/new")
def new_operation_page(request: Request, viewer: Viewer, db: SessionDep, rules: RulesDep) -> Response:
    authorise(viewer.actor, Action.OPERATION_REGISTER)
    return _page(request, viewer, db, new_form(rules), rules)


@router.post("/operations/new")
def register_operation(
    request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep, rules: RulesDep
) -> Response:
    """Check and register; come back to the form with every problem named next to its field."""
    authorise(viewer.actor, Action.OPERATION_REGISTER)
    typed = read_form(form, rules)
    if text(form, "add"):
        return _page(request, viewer, db, typed, rules)
    data, location_rows, target_rows = to_input(typed)
    agency = typed.values["agency_id"]
    if agency and not (agency.isdigit() and len(agency) < 19):
        typed.errors["agency_id"] = "choose an agency from the list"
    if typed.errors:
        return _page(request, viewer, db, typed, rules, status_code=400)
    try:
        result = deconfliction.register_operation(
            db,
            viewer.actor,
            data,
            submit=typed.values["submit_mode"] != "draft",
            agency_id=int(agency) if agency else None,
            rules=rules,
        )
    except InvalidInputError as exc:
        db.rollback()
        typed.errors.update(form_errors(exc.problems, location_rows, target_rows))
        return _page(request, viewer, db, typed, rules, status_code=400)
    db.commit()
    return RedirectResponse(f"/operations/{result.operation.id}?done=registered", status_code=303)


@router.get("/operations/{operation_id}/edit")
def edit_operation_page(
    request: Request, operation_id: IdPath, viewer: Viewer, db: SessionDep, rules: RulesDep
) -> Response:
    authorise(viewer.actor, Action.OPERATION_REGISTER)
    view = deconfliction.get_operation(db, viewer.actor, operation_id, rules=rules)
    db.commit()  # the view's audit event
    return _page(request, viewer, db, form_from_view(view, rules), rules, operation_id=operation_id)


@router.post("/operations/{operation_id}/edit")
def change_operation(
    request: Request, operation_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep, rules: RulesDep
) -> Response:
    """Replace the operation's definition; a submitted one is checked again."""
    typed = read_form(form, rules)
    if text(form, "add"):
        return _page(request, viewer, db, typed, rules, operation_id=operation_id)
    data, location_rows, target_rows = to_input(typed)
    if typed.errors:
        return _page(request, viewer, db, typed, rules, operation_id=operation_id, status_code=400)
    try:
        deconfliction.update_operation(db, viewer.actor, operation_id, data, rules=rules)
    except InvalidInputError as exc:
        db.rollback()
        typed.errors.update(form_errors(exc.problems, location_rows, target_rows))
        status_code = 409 if isinstance(exc, ConflictError) else 400
        return _page(request, viewer, db, typed, rules, operation_id=operation_id, status_code=status_code)
    db.commit()
    return RedirectResponse(f"/operations/{operation_id}?done=changed", status_code=303)
