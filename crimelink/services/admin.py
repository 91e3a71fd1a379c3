"""Administration: agencies, users, compartments and sharing agreements.

Every function checks the caller against the access policy (``agency.manage``, ``user.manage``,
``compartment.manage``, ``agreement.manage``) and writes one audit event per change, in the caller's
transaction. Bad input raises :class:`~crimelink.errors.InvalidInputError` naming the field, so a page
can show the message beside it and the API can answer 422 with the field named.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimelink.access.policy import Action
from crimelink.domain import AgencyKind, Classification, DataCategory, Purpose, UserRole
from crimelink.errors import ConflictError, InvalidInputError, NotFoundError
from crimelink.services.auth import (
    USERNAME_PATTERN,
    as_utc,
    check_password_rules,
    hash_password,
    is_locked,
    normalise_username,
    utcnow,
)
from crimelink.services.callers import Caller, authorise, record_event
from crimelink.settings import Settings
from crimelink.store.models import Agency, Compartment, SharingAgreement, User

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")
_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _code(field: str, value: str) -> str:
    code = value.strip().upper()
    if not CODE_PATTERN.match(code):
        raise InvalidInputError(
            field, "use 2 to 40 capital letters, digits and hyphens, starting with a letter or digit"
        )
    return code


def _text(field: str, value: str, *, maximum: int, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise InvalidInputError(field, "this cannot be blank")
    if len(text) > maximum:
        raise InvalidInputError(field, f"use at most {maximum} characters")
    return text


def _changes(record: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Apply ``values`` to ``record``; return {field: [old, new]} for what actually changed."""
    changed: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(record, name)
        if old != new:
            changed[name] = [_plain(old), _plain(new)]
            setattr(record, name, new)
    return changed


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.value if hasattr(value, "value") else value


# --- agencies --------------------------------------------------------------------------------------


def list_agencies(session: Session, caller: Caller) -> list[Agency]:
    authorise(caller, Action.AGENCY_MANAGE)
    return list(session.scalars(select(Agency).order_by(Agency.code)))


def get_agency(session: Session, caller: Caller, code: str) -> Agency:
    authorise(caller, Action.AGENCY_MANAGE)
    return _agency(session, "code", code, missing=NotFoundError)


def _agency(
    session: Session, field: str, code: str, *, missing: type[Exception] = InvalidInputError
) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code.strip().upper()))
    if agency is None:
        if missing is NotFoundError:
            raise NotFoundError(f"there is no agency with the code {code!r}")
        raise InvalidInputError(field, f"there is no agency with the code {code!r}")
    return agency


def create_agency(
    session: Session, *, caller: Caller, code: str, name: str, kind: AgencyKind, contact: str = ""
) -> Agency:
    """Register a partner agency. Its code is permanent: records and agreements refer to it."""
    authorise(caller, Action.AGENCY_MANAGE)
    code = _code("code", code)
    if session.scalar(select(Agency.id).where(Agency.code == code)) is not None:
        raise ConflictError("code", f"an agency with the code {code} already exists")
    agency = Agency(
        code=code,
        name=_text("name", name, maximum=200),
        kind=kind,
        contact=_text("contact", contact, maximum=300, required=False),
    )
    session.add(agency)
    session.flush()
    record_event(
        session,
        caller,
        action="create",
        resource_type="agency",
        resource_id=code,
        details={"name": agency.name, "kind": kind.value, "contact": agency.contact},
    )
    return agency


def update_agency(
    session: Session,
    *,
    caller: Caller,
    code: str,
    name: str | None = None,
    kind: AgencyKind | None = None,
    contact: str | None = None,
) -> Agency:
    """Change an agency's name, kind or contact (``None`` leaves a field as it is)."""
    authorise(caller, Action.AGENCY_MANAGE)
    agency = _agency(session, "code", code, missing=NotFoundError)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = _text("name", name, maximum=200)
    if kind is not None:
        values["kind"] = kind
    if contact is not None:
        values["contact"] = _text("contact", contact, maximum=300, required=False)
    changed = _changes(agency, values)
    if changed:
        session.flush()
        record_event(
            session, caller, action="update", resource_type="agency", resource_id=agency.code, details=changed
        )
    return agency


# --- compartments ----------------------------------------------------------------------------------


def list_compartments(session: Session, caller: Caller) -> list[Compartment]:
    authorise(caller, Action.COMPARTMENT_MANAGE)
    return list(session.scalars(select(Compartment).order_by(Compartment.code)))


def create_compartment(
    session: Session, *, caller: Caller, code: str, name: str, description: str = ""
) -> Compartment:
    """Define a need-to-know group; OFFICIAL-SENSITIVE items carrying its code need membership."""
    authorise(caller, Action.COMPARTMENT_MANAGE)
    code = _code("code", code)
    if session.scalar(select(Compartment.id).where(Compartment.code == code)) is not None:
        raise ConflictError("code", f"a compartment with the code {code} already exists")
    compartment = Compartment(
        code=code,
        name=_text("name", name, maximum=200),
        description=_text("description", description, maximum=2000, required=False),
    )
    session.add(compartment)
    session.flush()
    record_event(
        session,
        caller,
        action="create",
        resource_type="compartment",
        resource_id=code,
        details={"name": name},
    )
    return compartment


def _compartment_codes(session: Session, codes: Sequence[str]) -> list[str]:
    wanted = sorted({c.strip().upper() for c in codes if c.strip()})
    known = set(session.scalars(select(Compartment.code).where(Compartment.code.in_(wanted))))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise InvalidInputError(
            "compartments", f"no such compartment(s): {', '.join(unknown)}; define them first"
        )
    return wanted


# --- users -----------------------------------------------------------------------------------------


def list_users(session: Session, caller: Caller) -> list[User]:
    authorise(caller, Action.USER_MANAGE)
    return list(session.scalars(select(User).order_by(User.username)))


def get_user(session: Session, caller: Caller, user_id: int) -> User:
    authorise(caller, Action.USER_MANAGE)
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"there is no user with id {user_id}")
    return user


def _roles(roles: Sequence[UserRole | str]) -> list[str]:
    try:
        chosen = sorted({UserRole(r).value for r in roles})
    except ValueError as exc:
        raise InvalidInputError("roles", f"{exc}; use {', '.join(r.value for r in UserRole)}") from None
    if not chosen:
        raise InvalidInputError("roles", "choose at least one role")
    return chosen


def _email(value: str) -> str:
    email = value.strip()
    if email and (len(email) > 254 or not _EMAIL_PATTERN.match(email)):
        raise InvalidInputError("email", "enter an email address like name@example.gov.uk, or leave it blank")
    return email


def create_user(
    session: Session,
    *,
    caller: Caller,
    settings: Settings,
    username: str,
    display_name: str,
    agency_code: str,
    roles: Sequence[UserRole | str],
    clearance: Classification = Classification.OFFICIAL,
    compartments: Sequence[str] = (),
    email: str = "",
    password: str | None = None,
) -> User:
    """Add a user. Without a password they can sign in only through single sign-on."""
    authorise(caller, Action.USER_MANAGE)
    name = normalise_username(username)
    if not USERNAME_PATTERN.match(name):
        raise InvalidInputError(
            "username", "use 2 to 120 lower-case letters, digits, dots, hyphens, underscores or @"
        )
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise ConflictError("username", f"the username {name} is taken")
    agency = _agency(session, "agency_code", agency_code)
    user = User(
        username=name,
        display_name=_text("display_name", display_name, maximum=200),
        email=_email(email),
        agency_id=agency.id,
        roles=_roles(roles),
        clearance=clearance,
        compartments=_compartment_codes(session, compartments),
        password_hash=_checked_hash(password, name, settings),
        active=True,
        failed_sign_ins=0,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        caller,
        action="create",
        resource_type="user",
        resource_id=name,
        details={
            "agency": agency.code,
            "roles": user.roles,
            "clearance": clearance.value,
            "compartments": user.compartments,
            "local_password": user.password_hash is not None,
        },
    )
    return user


def _checked_hash(password: str | None, username: str, settings: Settings) -> str | None:
    if password is None or password == "":
        return None
    problems = check_password_rules(password, username, settings)
    if problems:
        raise InvalidInputError("password", " ".join(problems))
    return hash_password(password)


def update_user(
    session: Session,
    *,
    caller: Caller,
    user_id: int,
    display_name: str | None = None,
    email: str | None = None,
    agency_code: str | None = None,
    roles: Sequence[UserRole | str] | None = None,
    clearance: Classification | None = None,
    compartments: Sequence[str] | None = None,
    active: bool | None = None,
) -> User:
    """Change a user's details, roles, clearance, compartments or whether they may sign in."""
    user = get_user(session, caller, user_id)
    values: dict[str, Any] = {}
    if display_name is not None:
        values["display_name"] = _text("display_name", display_name, maximum=200)
    if email is not None:
        values["email"] = _email(email)
    if agency_code is not None:
        values["agency_id"] = _agency(session, "agency_code", agency_code).id
    if roles is not None:
        values["roles"] = _roles(roles)
    if clearance is not None:
        values["clearance"] = clearance
    if compartments is not None:
        values["compartments"] = _compartment_codes(session, compartments)
    if active is not None:
        values["active"] = active
    _refuse_self_lockout(caller, user, values)
    changed = _changes(user, values)
    if changed:
        session.flush()
        record_event(
            session, caller, action="update", resource_type="user", resource_id=user.username, details=changed
        )
    return user


def _refuse_self_lockout(caller: Caller, user: User, values: dict[str, Any]) -> None:
    # An administrator who removes their own role or account leaves nobody able to undo it.
    if getattr(caller, "user_id", None) != user.id:
        return
    if "roles" in values and UserRole.ADMINISTRATOR.value not in values["roles"]:
        raise InvalidInputError(
            "roles", "you cannot remove your own administrator role; ask another administrator"
        )
    if values.get("active") is False:
        raise InvalidInputError("active", "you cannot deactivate your own account; ask another administrator")


def unlock_user(session: Session, *, caller: Caller, user_id: int) -> User:
    """Clear a lockout (and the count of failed sign-ins) so the user may try again now."""
    user = get_user(session, caller, user_id)
    was_locked = is_locked(user, utcnow())
    if user.locked_until is not None or user.failed_sign_ins:
        user.locked_until, user.failed_sign_ins = None, 0
        session.flush()
        record_event(
            session,
            caller,
            action="unlock",
            resource_type="user",
            resource_id=user.username,
            details={"was_locked": was_locked},
        )
    return user


def set_password(
    session: Session, *, caller: Caller, settings: Settings, user_id: int, password: str
) -> User:
    """Set a user's local password (checked by the password rules) and clear any lockout."""
    user = get_user(session, caller, user_id)
    user.password_hash = _checked_hash(password, user.username, settings)
    if user.password_hash is None:
        raise InvalidInputError("password", "enter a password")
    user.locked_until, user.failed_sign_ins = None, 0
    session.flush()
    record_event(session, caller, action="set_password", resource_type="user", resource_id=user.username)
    return user


# --- sharing agreements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementView:
    """A sharing agreement with its agencies' codes, as pages and the API show it."""

    id: int
    from_agency_code: str
    to_agency_code: str
    category: DataCategory
    purposes: tuple[Purpose, ...]
    isa_reference: str
    valid_from: date
    valid_until: date | None
    active: bool
    created_at: datetime

    def in_force(self, today: date) -> bool:
        return (
            self.active
            and self.valid_from <= today
            and (self.valid_until is None or today <= self.valid_until)
        )


def _view(agreement: SharingAgreement, codes: dict[int, str]) -> AgreementView:
    return AgreementView(
        id=agreement.id,
        from_agency_code=codes[agreement.from_agency_id],
        to_agency_code=codes[agreement.to_agency_id],
        category=agreement.category,
        purposes=tuple(Purpose(p) for p in agreement.purposes),
        isa_reference=agreement.isa_reference,
        valid_from=agreement.valid_from,
        valid_until=agreement.valid_until,
        active=agreement.active,
        created_at=as_utc(agreement.created_at),
    )


def _agency_codes(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Agency.id, Agency.code)).all())


def list_agreements(session: Session, caller: Caller) -> list[AgreementView]:
    """Every agreement, active ones first, then by the sharing agency."""
    authorise(caller, Action.AGREEMENT_MANAGE)
    codes = _agency_codes(session)
    views = [_view(a, codes) for a in session.scalars(select(SharingAgreement))]
    return sorted(views, key=lambda v: (not v.active, v.from_agency_code, v.to_agency_code, v.category, v.id))


def get_agreement(session: Session, caller: Caller, agreement_id: int) -> AgreementView:
    authorise(caller, Action.AGREEMENT_MANAGE)
    agreement = session.get(SharingAgreement, agreement_id)
    if agreement is None:
        raise NotFoundError(f"there is no sharing agreement with id {agreement_id}")
    return _view(agreement, _agency_codes(session))


def create_agreement(
    session: Session,
    *,
    caller: Caller,
    from_agency_code: str,
    to_agency_code: str,
    category: DataCategory,
    purposes: Sequence[Purpose],
    isa_reference: str,
    valid_from: date,
    valid_until: date | None = None,
) -> AgreementView:
    """Record that one agency shares one category of its data with another, for these purposes."""
    authorise(caller, Action.AGREEMENT_MANAGE)
    sharer = _agency(session, "from_agency_code", from_agency_code)
    recipient = _agency(session, "to_agency_code", to_agency_code)
    if sharer.id == recipient.id:
        raise InvalidInputError("to_agency_code", "an agency always sees its own data: choose another agency")
    chosen = sorted({Purpose(p).value for p in purposes})
    if not chosen:
        raise InvalidInputError("purposes", "choose at least one purpose the agreement serves")
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInputError("valid_until", "the agreement cannot end before it starts")
    agreement = SharingAgreement(
        from_agency_id=sharer.id,
        to_agency_id=recipient.id,
        category=category,
        purposes=chosen,
        isa_reference=_text("isa_reference", isa_reference, maximum=100),
        valid_from=valid_from,
        valid_until=valid_until,
        active=True,
        created_at=utcnow(),
    )
    session.add(agreement)
    session.flush()
    record_event(
        session,
        caller,
        action="create",
        resource_type="sharing_agreement",
        resource_id=str(agreement.id),
        details={
            "from": sharer.code,
            "to": recipient.code,
            "category": category.value,
            "purposes": chosen,
            "isa_reference": agreement.isa_reference,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
    )
    return _view(agreement, {sharer.id: sharer.code, recipient.id: recipient.code})


def deactivate_agreement(session: Session, *, caller: Caller, agreement_id: int) -> AgreementView:
    """End an agreement now: from the next request on, nothing is shared under it."""
    authorise(caller, Action.AGREEMENT_MANAGE)
    agreement = session.get(SharingAgreement, agreement_id)
    if agreement is None:
        raise NotFoundError(f"there is no sharing agreement with id {agreement_id}")
    if agreement.active:
        agreement.active = False
        session.flush()
        record_event(
            session,
            caller,
            action="deactivate",
            resource_type="sharing_agreement",
            resource_id=str(agreement.id),
        )
    return _view(agreement, _agency_codes(session))


# --- counts for the administrator's home page -----------------------------------------------------


@dataclass(frozen=True)
class AdminCounts:
    agencies: int
    users: int
    active_users: int
    locked_users: int
    compartments: int
    agreements_in_force: int


def admin_counts(session: Session, caller: Caller, *, today: date) -> AdminCounts:
    authorise(caller, Action.USER_MANAGE)
    users = list(session.scalars(select(User)))
    now = utcnow()
    return AdminCounts(
        agencies=session.scalar(select(func.count()).select_from(Agency)) or 0,
        users=len(users),
        active_users=sum(1 for u in users if u.active),
        locked_users=sum(1 for u in users if is_locked(u, now)),
        compartments=session.scalar(select(func.count()).select_from(Compartment)) or 0,
        agreements_in_force=sum(1 for a in list_agreements(session, caller) if a.in_force(today)),
    )
