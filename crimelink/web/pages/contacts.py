"""The directory of contacts: who to call for what, by agency and specialism.

JSON twins: /api/contacts (with ``specialism``, ``agency_id``, ``q``) and /api/contacts/{id}. Every
reader of the partnership searches it; the co-ordinator and the administrator (``contact.manage``) add,
change and retire entries. E-mail addresses and telephone numbers are checked as they are entered.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access import Action
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.errors import InvalidInputError
from crimelink.services import contacts
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import many, text
from crimelink.web.pages.partnership import agency_options, form_number, form_values, may, shown_errors
from crimelink.web.pages.requests import specialism_choices
from crimelink.web.rendering import render

router = APIRouter()

CONTACT_LABELS = {
    "name": "Name",
    "agency_id": "Agency",
    "job_title": "Job title",
    "specialisms": "What they can help with",
    "email": "E-mail address",
    "phone": "Telephone",
    "username": "Crimelink username",
    "notes": "Notes",
}
DONE = {
    "added": "Contact added to the directory.",
    "saved": "Contact changed.",
    "retired": "Contact retired: they no longer show in the directory.",
    "restored": "Contact back in the directory.",
}


@router.get("/contacts")
def directory_page(
    request: Request,
    viewer: Viewer,
    db: SessionDep,
    specialism: str = "",
    agency: str = "",
    q: str = "",
    retired: str = "",
    done: str = "",
) -> Response:
    errors: dict[str, str] = {}
    agency_id = form_number(agency, "agency", errors)
    try:
        found = contacts.directory(
            db,
            viewer.actor,
            specialism=specialism or None,
            agency_id=agency_id,
            query=q[:200],
            include_retired=bool(retired),
        )
    except InvalidInputError as error:
        errors["specialism"] = error.message
        found = contacts.directory(db, viewer.actor, agency_id=agency_id, query=q[:200])
    db.commit()
    return render(
        request,
        "contacts/directory.html",
        viewer=viewer,
        title="Directory of contacts",
        status_code=400 if errors else 200,
        json_url="/api/contacts",
        nav_key="contacts",
        notice=DONE.get(done, ""),
        found=found,
        filters={"specialism": specialism, "agency": agency, "q": q, "retired": retired},
        errors=errors,
        specialism_options=specialism_choices(),
        agency_options=agency_options(db),
        may_manage=may(viewer, Action.CONTACT_MANAGE),
    )


def _contact_form(
    request: Request,
    viewer: SignedIn,
    db: SessionDep,
    *,
    values: dict[str, str],
    chosen: list[str],
    errors: dict[str, str],
    contact_id: int | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "contacts/form.html",
        viewer=viewer,
        title="Change the contact" if contact_id else "Add a contact",
        status_code=status_code,
        json_url="/api/contacts",
        nav_key="contacts",
        values=values,
        chosen=chosen,
        errors=errors,
        field_labels=CONTACT_LABELS,
        contact_id=contact_id,
        specialism_options=specialism_choices(),
        agency_options=agency_options(db),
    )


@router.get("/contacts/new")
def new_contact(request: Request, viewer: Viewer, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.CONTACT_MANAGE)
    return _contact_form(request, viewer, db, values={}, chosen=[], errors={})


def _save(
    request: Request, viewer: SignedIn, form: CheckedForm, db: SessionDep, contact_id: int | None
) -> Response:
    authorise(viewer.actor, Action.CONTACT_MANAGE)
    values = form_values(form, (*CONTACT_LABELS, "out_of_hours"))
    chosen = many(form, "specialisms")
    errors: dict[str, str] = {}
    agency = form_number(values["agency_id"], "agency_id", errors)
    if agency is None:
        errors.setdefault("agency_id", "choose the contact's agency")
    if not errors and agency is not None:
        data = contacts.ContactInput(
            agency_id=agency,
            name=values["name"],
            specialisms=chosen,
            job_title=values["job_title"],
            email=values["email"],
            phone=values["phone"],
            out_of_hours=bool(values["out_of_hours"]),
            username=values["username"],
            notes=values["notes"],
        )
        try:
            if contact_id is None:
                contacts.add_contact(db, viewer.actor, data)
            else:
                contacts.update_contact(db, viewer.actor, contact_id, data)
        except InvalidInputError as error:
            db.rollback()
            errors = shown_errors(error, CONTACT_LABELS, "name")
    if errors:
        return _contact_form(
            request,
            viewer,
            db,
            values=values,
            chosen=chosen,
            errors=errors,
            contact_id=contact_id,
            status_code=400,
        )
    db.commit()
    return RedirectResponse(f"/contacts?done={'saved' if contact_id else 'added'}", status_code=303)


@router.post("/contacts/new")
def add_contact(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    return _save(request, viewer, form, db, None)


@router.get("/contacts/{contact_id}/edit")
def edit_contact(contact_id: IdPath, request: Request, viewer: Viewer, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.CONTACT_MANAGE)
    view = contacts.get_contact(db, viewer.actor, contact_id)
    values = {
        "name": view.name,
        "agency_id": str(view.agency_id),
        "job_title": view.job_title,
        "email": view.email,
        "phone": view.phone_display,
        "username": view.username or "",
        "notes": view.notes,
        "out_of_hours": "yes" if view.out_of_hours else "",
    }
    return _contact_form(
        request,
        viewer,
        db,
        values=values,
        chosen=[s.value for s in view.specialisms],
        errors={},
        contact_id=contact_id,
    )


@router.post("/contacts/{contact_id}/edit")
def update_contact(
    contact_id: IdPath, request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    return _save(request, viewer, form, db, contact_id)


@router.post("/contacts/{contact_id}/active")
def set_active(contact_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    active = text(form, "active") == "yes"
    contacts.set_contact_active(db, viewer.actor, contact_id, active=active)
    db.commit()
    return RedirectResponse(
        f"/contacts?done={'restored' if active else 'retired'}{'&retired=yes' if active else ''}",
        status_code=303,
    )
