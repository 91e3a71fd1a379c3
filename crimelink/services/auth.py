"""Signing in: password hashes and rules, lockout, browser sessions, API tokens and the actor.

Only hashes of secrets are stored: argon2id for passwords; SHA-256 for session and API token values,
which are 32 random bytes (so a fast hash is enough, and it lets a presented token be looked up).
Every sign-in, failed attempt and lockout writes an audit event in the same transaction as the change
to the account, so the caller must commit even when the sign-in fails.

>>> check_password_rules("correct horse battery", "jo.smith", Settings())
[]
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from crimelink.access.policy import TOKEN_SCOPES, Action, Actor
from crimelink.domain import AgencyKind, Purpose, UserRole
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.services.callers import authorise, record_event
from crimelink.settings import Settings
from crimelink.store.audit import append_event
from crimelink.store.engine import begin_writing
from crimelink.store.fixed_reads import FixedRead
from crimelink.store.models import Agency, ApiToken, User, UserSession

PASSWORD_MAX_LENGTH = 128
#: API tokens start with this, so a leaked one is easy to recognise (and to scan for).
TOKEN_PREFIX = "clk_"
FAILED_MESSAGE = "The username or password is not right. Check both and try again."
LOCKED_MESSAGE = (
    "This account is locked after too many failed sign-ins. Try again later (it unlocks itself "
    "{minutes} minutes after it was locked), or ask your administrator to unlock it."
)
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,119}$")
#: Touch the token's last-used time at most this often, not on every request.
_LAST_USED_RESOLUTION = timedelta(minutes=5)

_hasher = PasswordHasher()


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything Crimelink stores is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- passwords -------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; parameters recorded in the hash)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _equaliser_hash() -> str:
    # Verifying against this when there is no account makes "no such user" take as long as
    # "wrong password", so response times do not reveal which usernames exist.
    return _hasher.hash(secrets.token_urlsafe(16))


@cache
def common_passwords() -> frozenset[str]:
    """The deny-list in ``crimelink/domain/data/common_passwords.txt``, lower-cased."""
    text = resources.files("crimelink.domain").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password_rules(password: str, username: str, settings: Settings) -> list[str]:
    """What is wrong with ``password`` for ``username`` (empty when it is fine).

    The rules follow NCSC guidance: long enough, not a common password, not the username; no
    composition rules (they make passwords harder to remember, not harder to guess).
    """
    problems = []
    if len(password) < settings.password_min_length:
        problems.append(
            f"Use at least {settings.password_min_length} characters (this has {len(password)}). "
            "Three or four random words make a long password that is easy to remember."
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        problems.append(f"Use at most {PASSWORD_MAX_LENGTH} characters.")
    if password.strip().lower() in common_passwords():
        problems.append(
            "This is one of the most common passwords, which attackers try first: choose another."
        )
    name = normalise_username(username)
    if len(name) >= 3 and name in password.lower():
        problems.append("Do not include the username in the password.")
    return problems


# --- the actor -------------------------------------------------------------------------------------


def actor_for_user(
    session: Session, user: User, purpose: Purpose, scopes: frozenset[str] | None = None
) -> Actor:
    """The access policy's view of ``user`` acting for ``purpose`` (with an API token's ``scopes``)."""
    agency = session.get(Agency, user.agency_id)
    if agency is None:  # the foreign key makes this impossible short of a corrupt store
        raise NotFoundError(
            f"user {user.username} belongs to agency id {user.agency_id}, which does not exist"
        )
    return _actor(user, agency.code, agency.kind, purpose, scopes)


def _actor(
    user: Any, agency_code: str, agency_kind: AgencyKind, purpose: Purpose, scopes: frozenset[str] | None
) -> Actor:
    """The actor of ``user`` (a :class:`User`, or a row with its columns) in its agency."""
    return Actor(
        user_id=user.id,
        username=user.username,
        agency_id=user.agency_id,
        agency_code=agency_code,
        agency_is_police=agency_kind.is_police,
        roles=frozenset(UserRole(role) for role in user.roles),
        clearance=user.clearance,
        compartments=frozenset(user.compartments),
        purpose=purpose,
        scopes=scopes,
    )


@dataclass(frozen=True)
class SignedIn:
    """A resolved browser session or API token: the user, their agency and the actor they act as."""

    user: User
    agency: Agency
    actor: Actor
    user_session: UserSession | None = None
    api_token: ApiToken | None = None
    #: The token's last-used time was written in the caller's transaction (at most every few minutes).
    use_recorded: bool = False


# --- signing in ------------------------------------------------------------------------------------

SignInOutcome = Literal["success", "failure", "locked"]


@dataclass(frozen=True)
class SignInResult:
    outcome: SignInOutcome
    user: User | None
    #: What to tell the person; deliberately the same for a locked account whatever the password.
    message: str

    @property
    def succeeded(self) -> bool:
        return self.outcome == "success"


def _sign_in_event(
    session: Session,
    *,
    username: str,
    user: User | None,
    purpose: Purpose,
    outcome: SignInOutcome,
    details: dict[str, Any],
) -> None:
    append_event(
        session,
        actor=username[:120],
        actor_user_id=user.id if user else None,
        actor_agency_id=user.agency_id if user else None,
        action="sign_in",
        resource_type="user",
        resource_id=user.username if user else "",
        purpose=purpose.value,
        outcome=outcome,
        details=details,
    )


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and as_utc(user.locked_until) > now


def authenticate_password(
    session: Session, *, username: str, password: str, purpose: Purpose, settings: Settings
) -> SignInResult:
    """Check a local password, applying lockout; audit the attempt. The caller commits either way."""
    name = normalise_username(username)
    now = utcnow()
    user = session.scalar(select(User).where(User.username == name)) if name else None
    locked = LOCKED_MESSAGE.format(minutes=settings.lockout_minutes)
    if user is None or not user.active or user.password_hash is None:
        verify_password(_equaliser_hash(), password)
        reason = (
            "no such user"
            if user is None
            else ("account inactive" if not user.active else "account has no password (SSO only)")
        )
        _sign_in_event(
            session, username=name, user=user, purpose=purpose, outcome="failure", details={"reason": reason}
        )
        return SignInResult("failure", None, FAILED_MESSAGE)
    if is_locked(user, now):
        # The password is not even checked: the answer must not depend on it.
        _sign_in_event(
            session,
            username=name,
            user=user,
            purpose=purpose,
            outcome="locked",
            details={
                "reason": "account locked",
                "locked_until": as_utc(user.locked_until or now).isoformat(),
            },
        )
        return SignInResult("locked", user, locked)
    if user.locked_until is not None:  # an expired lock: a fresh run of attempts
        user.locked_until, user.failed_sign_ins = None, 0
    if not verify_password(user.password_hash, password):
        return _record_failure(session, user=user, purpose=purpose, settings=settings, now=now)
    user.failed_sign_ins = 0
    user.last_sign_in_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    _sign_in_event(
        session, username=name, user=user, purpose=purpose, outcome="success", details={"method": "password"}
    )
    return SignInResult("success", user, "")


def _record_failure(
    session: Session, *, user: User, purpose: Purpose, settings: Settings, now: datetime
) -> SignInResult:
    user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
    failures = user.failed_sign_ins
    _sign_in_event(
        session,
        username=user.username,
        user=user,
        purpose=purpose,
        outcome="failure",
        details={"reason": "wrong password", "failures_in_a_row": failures},
    )
    if failures < settings.lockout_attempts:
        return SignInResult("failure", user, FAILED_MESSAGE)
    user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
    _sign_in_event(
        session,
        username=user.username,
        user=user,
        purpose=purpose,
        outcome="locked",
        details={
            "reason": f"{failures} failed sign-ins in a row",
            "locked_until": user.locked_until.isoformat(),
        },
    )
    return SignInResult("locked", user, LOCKED_MESSAGE.format(minutes=settings.lockout_minutes))


def authenticate_oidc(
    session: Session, *, claims: Mapping[str, Any], purpose: Purpose, issuer: str
) -> SignInResult:
    """Sign in with a verified ID token's claims: ``sub`` matches ``users.oidc_subject``.

    The first time, the ``email`` claim (when the provider says it is verified, or does not say)
    finds the user instead, and their ``sub`` is stored so later sign-ins need no email at all.
    """
    subject = str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip().lower()
    user = session.scalar(select(User).where(User.oidc_subject == subject)) if subject else None
    method = "oidc"
    if user is None and email and claims.get("email_verified", True) is not False:
        user = session.scalar(
            select(User).where(func.lower(User.email) == email, User.oidc_subject.is_(None))
        )
        method = "oidc (first sign-in, matched by email)"
    label = email or f"oidc:{subject}"
    if user is None or not user.active or is_locked(user, utcnow()):
        reason = "no user with this subject or email" if user is None else "account inactive or locked"
        _sign_in_event(
            session,
            username=label,
            user=user,
            purpose=purpose,
            outcome="failure",
            details={"reason": reason, "issuer": issuer, "subject": subject},
        )
        return SignInResult(
            "failure",
            None,
            "Your organisation account is not set up for Crimelink (or is disabled). "
            "Ask your administrator to add you with your work email address.",
        )
    if user.oidc_subject is None:
        user.oidc_subject = subject
    user.failed_sign_ins = 0
    user.last_sign_in_at = utcnow()
    _sign_in_event(
        session,
        username=user.username,
        user=user,
        purpose=purpose,
        outcome="success",
        details={"method": method, "issuer": issuer},
    )
    return SignInResult("success", user, "")


# --- browser sessions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSession:
    #: The cookie value. Only its SHA-256 is stored, so it cannot be read back from the database.
    token: str
    record: UserSession


def create_session(session: Session, *, user: User, purpose: Purpose, settings: Settings) -> NewSession:
    """Start a browser session for ``user``, lasting ``settings.session_hours``."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = UserSession(
        token_hash=token_digest(token),
        user_id=user.id,
        purpose=purpose,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + timedelta(hours=settings.session_hours),
    )
    session.add(record)
    session.flush()
    return NewSession(token, record)


def resolve_session(session: Session, token: str) -> SignedIn | None:
    """The signed-in user for a session cookie, or ``None`` if it is unknown, revoked or expired."""
    record = session.scalar(select(UserSession).where(UserSession.token_hash == token_digest(token)))
    if record is None or record.revoked_at is not None or as_utc(record.expires_at) <= utcnow():
        return None
    return _signed_in(session, record.user_id, record.purpose, user_session=record)


def end_session(session: Session, signed_in: SignedIn) -> None:
    """Sign out: revoke the session row so the cookie is worthless even if it was copied."""
    record = signed_in.user_session
    if record is None or record.revoked_at is not None:
        return
    record.revoked_at = utcnow()
    record_event(
        session, signed_in.actor, action="sign_out", resource_type="user", resource_id=signed_in.user.username
    )


def _signed_in(
    session: Session,
    user_id: int,
    purpose: Purpose,
    *,
    scopes: frozenset[str] | None = None,
    user_session: UserSession | None = None,
    api_token: ApiToken | None = None,
) -> SignedIn | None:
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    actor = actor_for_user(session, user, purpose, scopes)
    return SignedIn(user, user.agency, actor, user_session=user_session, api_token=api_token)


# --- API tokens ------------------------------------------------------------------------------------


def _check_scopes(scopes: Sequence[str]) -> list[str]:
    # A scope is a ceiling on what the token may do; the user's roles still apply underneath it.
    chosen = sorted(set(scopes))
    if not chosen:
        raise InvalidInputError("scopes", "choose at least one scope")
    unknown = [scope for scope in chosen if scope not in TOKEN_SCOPES]
    if unknown:
        raise InvalidInputError(
            "scopes", f"unknown scope(s) {', '.join(unknown)}; use {', '.join(sorted(TOKEN_SCOPES))}"
        )
    return chosen


def create_api_token(
    session: Session, *, actor: Actor, name: str, scopes: Sequence[str], purpose: Purpose | None = None
) -> tuple[str, ApiToken]:
    """A new token for the actor's own user; the token text is returned once and never again."""
    authorise(actor, Action.TOKEN_MANAGE)
    label = name.strip()
    if not label or len(label) > 120:
        raise InvalidInputError("name", "give the token a name of 1 to 120 characters (what uses it)")
    chosen = _check_scopes(scopes)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=actor.user_id,
        name=label,
        token_hash=token_digest(token),
        scopes=chosen,
        purpose=purpose or actor.purpose,
        created_at=utcnow(),
    )
    session.add(record)
    session.flush()
    record_event(
        session,
        actor,
        action="create",
        resource_type="api_token",
        resource_id=str(record.id),
        details={"name": label, "scopes": chosen, "purpose": record.purpose.value},
    )
    return token, record


def list_api_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    """The actor's own tokens, newest first (hashes only; the token text is never kept)."""
    authorise(actor, Action.TOKEN_MANAGE)
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id.desc())
        )
    )


def revoke_api_token(session: Session, *, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens; revoking a revoked token changes nothing."""
    authorise(actor, Action.TOKEN_MANAGE)
    record = session.get(ApiToken, token_id)
    if record is None or record.user_id != actor.user_id:
        raise NotFoundError(f"you have no API token with id {token_id}")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        record_event(session, actor, action="revoke", resource_type="api_token", resource_id=str(record.id))
    return record


# The token, its user and their agency in one statement, built once: every API request starts here, and
# building and keying a statement costs more than running it.
_TOKEN_USER_AGENCY = (
    select(ApiToken, User, Agency)
    .join(User, User.id == ApiToken.user_id)
    .join(Agency, Agency.id == User.agency_id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


def resolve_api_token(session: Session, token: str) -> SignedIn | None:
    """The signed-in user for a bearer token, or ``None`` if it is unknown or revoked."""
    found = session.execute(_TOKEN_USER_AGENCY, {"digest": token_digest(token)}).first()
    if found is None:
        return None
    record, user, _agency = found
    if record.revoked_at is not None or not user.active:
        return None
    recorded = _record_use(session, record.id, record.last_used_at)
    if recorded is not None:
        set_committed_value(record, "last_used_at", recorded)
    signed_in = _signed_in(
        session, record.user_id, record.purpose, scopes=frozenset(record.scopes), api_token=record
    )
    return replace(signed_in, use_recorded=True) if signed_in is not None and recorded else signed_in


@dataclass(frozen=True)
class TokenGrant:
    """What a bearer token grants: its user's actor, and whether its use was just written down."""

    actor: Actor
    use_recorded: bool


# The columns of the token, its user and their agency that make the actor: :data:`_TOKEN_USER_AGENCY`'s join
# and lookup, read as a row (loading the three as objects costs twice the time).
_TOKEN_ACTOR = FixedRead(
    _TOKEN_USER_AGENCY.with_only_columns(
        ApiToken.id.label("token_id"),
        ApiToken.revoked_at,
        ApiToken.last_used_at,
        ApiToken.purpose,
        ApiToken.scopes,
        User.id,
        User.username,
        User.agency_id,
        User.active,
        User.roles,
        User.clearance,
        User.compartments,
        Agency.code.label("agency_code"),
        Agency.kind.label("agency_kind"),
    )
)


def api_token_grant(session: Session, token: str) -> TokenGrant | None:
    """The actor behind a bearer token, or ``None`` if it is unknown or revoked or its user inactive:
    :func:`resolve_api_token`'s answer for a caller that needs only the actor (the deconfliction check,
    the API's busiest call)."""
    rows = _TOKEN_ACTOR.rows(session, {"digest": token_digest(token)})
    row = rows[0] if rows else None
    if row is None or row.revoked_at is not None or not row.active:
        return None
    recorded = _record_use(session, row.token_id, row.last_used_at)
    actor = _actor(row, row.agency_code, row.agency_kind, row.purpose, frozenset(row.scopes))
    return TokenGrant(actor, use_recorded=recorded is not None)


def _record_use(session: Session, token_id: int, last_used_at: datetime | None) -> datetime | None:
    """Write down that the token was used now, if it was not in the last few minutes: the time written."""
    now = utcnow()
    if last_used_at is not None and now - as_utc(last_used_at) <= _LAST_USED_RESOLUTION:
        return None
    begin_writing(session)  # on SQLite a reading transaction cannot always start writing
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return now
