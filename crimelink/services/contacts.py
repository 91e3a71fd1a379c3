"""The partnership's directory of contacts: who to call for what, by agency and specialism.

Every reader of the partnership plan (``partnership.view``) may list and search the directory; the
co-ordinator and the administrator (``contact.manage``) add, change and retire entries. E-mail addresses
and telephone numbers are checked as they are entered (numbers are kept in E.164, ``+442079460123``, and
shown the way people write them). Requests for assistance are routed to a contact chosen here
(:mod:`crimelink.services.assistance`). Every change is audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, allowed
from crimelink.domain import Specialism
from crimelink.errors import InvalidInputError, NormalisationError, NotFoundError
from crimelink.ingest.normalise.identifiers import normalise_email
from crimelink.ingest.normalise.phone import normalise_phone
from crimelink.services.auth import normalise_username
from crimelink.services.callers import Caller, SystemCaller, authorise, record_event
from crimelink.store.models import Agency, Contact, User
from crimelink.store.models.base import utcnow

MAX_NAME = 200
MAX_NOTES = 4000


@dataclass(frozen=True)
class ContactInput:
    """An entry of the directory as a form or the API gives it (specialisms are ``Specialism`` codes)."""

    agency_id: int
    name: str
    specialisms: Sequence[str] = ()
    job_title: str = ""
    email: str = ""
    phone: str = ""
    out_of_hours: bool = False
    username: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ContactView:
    id: int
    agency_id: int
    agency_code: str
    agency_name: str
    agency_is_police: bool
    name: str
    job_title: str
    specialisms: tuple[Specialism, ...]
    email: str
    #: E.164, as stored.
    phone: str
    #: As people dial it (national form for UK numbers).
    phone_display: str
    out_of_hours: bool
    username: str | None
    notes: str
    active: bool


@dataclass(frozen=True)
class Directory:
    contacts: list[ContactView]
    #: The filters applied, as given.
    specialism: Specialism | None = None
    agency_id: int | None = None
    query: str = ""
    specialism_counts: dict[str, int] = field(default_factory=dict)


def may_read_directory(caller: Caller) -> bool:
    if isinstance(caller, SystemCaller):
        return True
    return bool(allowed(caller, Action.PARTNERSHIP_VIEW) or allowed(caller, Action.CONTACT_MANAGE))


def _authorise_read(caller: Caller) -> None:
    if not may_read_directory(caller):
        authorise(caller, Action.PARTNERSHIP_VIEW)


def display_phone(e164: str) -> str:
    """A stored number as people write it: ``+442079460123`` -> ``020 7946 0123``."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 44
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def parse_specialism(value: str) -> Specialism:
    """A specialism code (any case, spaces for underscores); :class:`InvalidInputError` if unknown."""
    try:
        return Specialism(value.strip().upper().replace(" ", "_").replace("-", "_"))
    except ValueError:
        raise InvalidInputError(
            "specialism",
            f"'{value}' is not a specialism: use one of {', '.join(s.value for s in Specialism)}",
        ) from None


def contact_view(session: Session, contact: Contact) -> ContactView:
    agency = session.get(Agency, contact.agency_id)
    return ContactView(
        id=contact.id,
        agency_id=contact.agency_id,
        agency_code=agency.code if agency else "",
        agency_name=agency.name if agency else "",
        agency_is_police=bool(agency and agency.is_police),
        name=contact.name,
        job_title=contact.job_title,
        specialisms=tuple(Specialism(s) for s in contact.specialisms if s in Specialism.__members__),
        email=contact.email,
        phone=contact.phone,
        phone_display=display_phone(contact.phone),
        out_of_hours=contact.out_of_hours,
        username=contact.username,
        notes=contact.notes,
        active=contact.active,
    )


def _clean(session: Session, data: ContactInput) -> dict[str, object]:
    """The stored values of ``data``, or :class:`InvalidInputError` naming every field that is wrong."""
    problems: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        problems["name"] = "give the contact's name"
    elif len(name) > MAX_NAME:
        problems["name"] = f"at most {MAX_NAME} characters"
    job_title = data.job_title.strip()
    if len(job_title) > MAX_NAME:
        problems["job_title"] = f"at most {MAX_NAME} characters"
    if session.get(Agency, data.agency_id) is None:
        problems["agency_id"] = f"there is no agency {data.agency_id}: choose one from the list"
    specialisms: list[str] = []
    unknown: list[str] = []
    for value in data.specialisms:
        if not value.strip():
            continue
        try:
            code = parse_specialism(value).value
        except InvalidInputError:
            unknown.append(value.strip())
            continue
        if code not in specialisms:
            specialisms.append(code)
    if unknown:
        problems["specialisms"] = f"not a specialism: {', '.join(unknown)}"
    elif not specialisms:
        problems["specialisms"] = "choose at least one thing this contact can help with"
    email = ""
    if data.email.strip():
        try:
            email = normalise_email(data.email)
        except NormalisationError as error:
            problems["email"] = f"not an e-mail address: {error.reason}"
    phone = ""
    if data.phone.strip():
        try:
            phone = normalise_phone(data.phone)
        except NormalisationError as error:
            problems["phone"] = f"not a telephone number: {error.reason}"
    if not data.email.strip() and not data.phone.strip():
        problems["email"] = "give an e-mail address or a telephone number, so that people can reach them"
    username: str | None = None
    if data.username.strip():
        username = normalise_username(data.username)
        if session.scalars(select(User.id).where(User.username == username)).first() is None:
            problems["username"] = (
                f"there is no Crimelink user '{username}': leave it blank if they have none"
            )
    notes = data.notes.strip()
    if len(notes) > MAX_NOTES:
        problems["notes"] = f"at most {MAX_NOTES} characters"
    if problems:
        raise InvalidInputError(problems)
    return {
        "agency_id": data.agency_id,
        "name": name,
        "job_title": job_title,
        "specialisms": specialisms,
        "email": email,
        "phone": phone,
        "out_of_hours": bool(data.out_of_hours),
        "username": username,
        "notes": notes,
    }


def add_contact(session: Session, caller: Caller, data: ContactInput) -> ContactView:
    """Add an entry to the directory (``contact.manage``). Audited.

    Example: ``add_contact(session, coordinator, ContactInput(agency_id=occ.id, name="DS Priya Shah",
    specialisms=["COUNTY_LINES"], email="priya.shah@met.police.uk", phone="020 7946 0999"))``.
    """
    authorise(caller, Action.CONTACT_MANAGE)
    values = _clean(session, data)
    contact = Contact(**values, active=True)
    session.add(contact)
    session.flush()
    record_event(
        session,
        caller,
        action="create",
        resource_type="contact",
        resource_id=str(contact.id),
        details={"agency_id": contact.agency_id, "specialisms": contact.specialisms},
    )
    return contact_view(session, contact)


def _contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFoundError(f"there is no contact {contact_id}: check the number, or open the directory")
    return contact


def update_contact(session: Session, caller: Caller, contact_id: int, data: ContactInput) -> ContactView:
    """Change an entry (every field as given). Audited, with the fields that changed."""
    authorise(caller, Action.CONTACT_MANAGE)
    contact = _contact(session, contact_id)
    values = _clean(session, data)
    changed = sorted(name for name, value in values.items() if getattr(contact, name) != value)
    for name, value in values.items():
        setattr(contact, name, value)
    contact.updated_at = utcnow()
    record_event(
        session,
        caller,
        action="update",
        resource_type="contact",
        resource_id=str(contact.id),
        details={"changed": changed},
    )
    return contact_view(session, contact)


def set_contact_active(session: Session, caller: Caller, contact_id: int, *, active: bool) -> ContactView:
    """Retire an entry (it stays on requests already routed to it) or bring it back. Audited."""
    authorise(caller, Action.CONTACT_MANAGE)
    contact = _contact(session, contact_id)
    if contact.active == active:
        state = "active" if active else "retired"
        raise InvalidInputError("active", f"contact {contact.id} is already {state}")
    contact.active = active
    contact.updated_at = utcnow()
    record_event(
        session,
        caller,
        action="update",
        resource_type="contact",
        resource_id=str(contact.id),
        details={"active": active},
    )
    return contact_view(session, contact)


def get_contact(session: Session, caller: Caller, contact_id: int) -> ContactView:
    _authorise_read(caller)
    contact = _contact(session, contact_id)
    if not contact.active and not _manages(caller):
        raise NotFoundError(f"there is no contact {contact_id}: check the number, or open the directory")
    record_event(session, caller, action="view", resource_type="contact", resource_id=str(contact.id))
    return contact_view(session, contact)


def _manages(caller: Caller) -> bool:
    return isinstance(caller, SystemCaller) or bool(allowed(caller, Action.CONTACT_MANAGE))


def directory(
    session: Session,
    caller: Caller,
    *,
    specialism: Specialism | str | None = None,
    agency_id: int | None = None,
    query: str = "",
    include_retired: bool = False,
) -> Directory:
    """The directory, filtered by specialism, agency and words in a name or job title. Audited.

    Retired entries are listed only to those who manage the directory, and only when asked.
    """
    _authorise_read(caller)
    wanted = parse_specialism(specialism) if isinstance(specialism, str) and specialism.strip() else None
    if isinstance(specialism, Specialism):
        wanted = specialism
    words = [w for w in query.lower().split() if w]
    rows = session.scalars(select(Contact).order_by(Contact.name, Contact.id)).all()
    shown: list[Contact] = []
    counts: dict[str, int] = {}
    for contact in rows:
        if not contact.active and not (include_retired and _manages(caller)):
            continue
        if agency_id is not None and contact.agency_id != agency_id:
            continue
        haystack = f"{contact.name} {contact.job_title}".lower()
        if not all(w in haystack for w in words):
            continue
        for code in contact.specialisms:
            counts[code] = counts.get(code, 0) + 1
        if wanted is not None and wanted.value not in contact.specialisms:
            continue
        shown.append(contact)
    record_event(
        session,
        caller,
        action="search",
        resource_type="contacts",
        details={
            "specialism": wanted.value if wanted else None,
            "agency_id": agency_id,
            "query": query[:200],
            "shown": len(shown),
        },
    )
    return Directory(
        contacts=[contact_view(session, c) for c in shown],
        specialism=wanted,
        agency_id=agency_id,
        query=query,
        specialism_counts=counts,
    )


def contacts_with(session: Session, specialism: Specialism) -> list[Contact]:
    """Active contacts offering ``specialism`` (for routing requests; callers check permission)."""
    rows: Iterable[Contact] = session.scalars(select(Contact).where(Contact.active.is_(True)))
    return [c for c in rows if specialism.value in c.specialisms]
