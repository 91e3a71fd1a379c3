"""/api/contacts: the partnership's directory of contacts by agency and specialism.

Listing and searching needs ``partnership.view`` (or ``contact.manage``); adding, changing and retiring
entries needs ``contact.manage`` (the co-ordinator and the administrator; the ``admin`` scope). E-mail
addresses and telephone numbers are checked; numbers are kept in E.164. Audited.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.api.schemas.partnership import ContactActive, ContactCreate, ContactPublic, DirectoryPublic
from crimelink.services import contacts

router = APIRouter(prefix="/contacts", tags=["contacts"])


def contact_input(body: ContactCreate) -> contacts.ContactInput:
    return contacts.ContactInput(
        agency_id=body.agency_id,
        name=body.name,
        specialisms=body.specialisms,
        job_title=body.job_title,
        email=body.email,
        phone=body.phone,
        out_of_hours=body.out_of_hours,
        username=body.username,
        notes=body.notes,
    )


@router.get("")
def directory(
    db: SessionDep,
    actor: CurrentActor,
    specialism: str = "",
    agency_id: int | None = None,
    q: str = "",
    include_retired: bool = False,
) -> DirectoryPublic:
    """The directory, filtered by specialism, agency and words of a name or job title."""
    found = contacts.directory(
        db,
        actor,
        specialism=specialism or None,
        agency_id=agency_id,
        query=q,
        include_retired=include_retired,
    )
    db.commit()
    return DirectoryPublic.model_validate(asdict(found))


@router.post("", status_code=201)
def add_contact(body: ContactCreate, db: SessionDep, actor: CurrentActor) -> ContactPublic:
    view = contacts.add_contact(db, actor, contact_input(body))
    db.commit()
    return ContactPublic.model_validate(asdict(view))


@router.get("/{contact_id}")
def get_contact(contact_id: IdPath, db: SessionDep, actor: CurrentActor) -> ContactPublic:
    view = contacts.get_contact(db, actor, contact_id)
    db.commit()
    return ContactPublic.model_validate(asdict(view))


@router.put("/{contact_id}")
def update_contact(
    contact_id: IdPath, body: ContactCreate, db: SessionDep, actor: CurrentActor
) -> ContactPublic:
    view = contacts.update_contact(db, actor, contact_id, contact_input(body))
    db.commit()
    return ContactPublic.model_validate(asdict(view))


@router.post("/{contact_id}/active")
def set_active(contact_id: IdPath, body: ContactActive, db: SessionDep, actor: CurrentActor) -> ContactPublic:
    """Retire the entry (``active`` false) or bring it back."""
    view = contacts.set_contact_active(db, actor, contact_id, active=body.active)
    db.commit()
    return ContactPublic.model_validate(asdict(view))
