"""Dependencies shared by the API and the pages: settings, a database session, the signed-in actor.

An API request is authenticated by ``Authorization: Bearer <token>`` (an API token) or by the browser
session cookie. A cookie-authenticated request that changes something must also carry the session's
CSRF token in an ``X-CSRF-Token`` header; bearer tokens cannot be sent by another site, so need none.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from crimelink.access.policy import Actor
from crimelink.deconflict.rules import DeconflictionRules
from crimelink.services.auth import SignedIn, TokenGrant, api_token_grant, resolve_api_token, resolve_session
from crimelink.settings import Settings

#: The browser session cookie: a random value whose SHA-256 is the ``user_sessions`` row's key.
SESSION_COOKIE = "crimelink_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_Granted = TypeVar("_Granted", SignedIn, TokenGrant)

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="api_token",
    description="An API token created on the API tokens page (or POST /api/tokens); limited by its scopes.",
)
_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="browser_session",
    description="The browser session after signing in; writes also need the X-CSRF-Token header.",
)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A database session for one request. Handlers commit what they change; the rest is rolled back.

    ``async`` only so FastAPI does not hand it to a worker thread to open and again to close: making a
    session does no I/O (it connects at its first statement, in the handler's thread), and closing one
    returns its connection to the pool.
    """
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        yield session


async def get_deconfliction_rules(request: Request) -> DeconflictionRules:
    """The deployment's deconfliction rules, read once when the application was made.

    ``async`` only so FastAPI does not hand it to a worker thread: it does no I/O.
    """
    rules: DeconflictionRules = request.app.state.deconfliction_rules
    return rules


SettingsDep = Annotated[Settings, Depends(get_settings)]
RulesDep = Annotated[DeconflictionRules, Depends(get_deconfliction_rules)]
SessionDep = Annotated[Session, Depends(get_db)]


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


@dataclass(frozen=True)
class Credentials:
    """What a request presents to authenticate: an API token, the session cookie, either or neither."""

    bearer: str | None
    cookie: str | None


async def get_credentials(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Credentials:
    """``async``: it only reads headers, so FastAPI does not hand it to a worker thread."""
    return Credentials(bearer.credentials if bearer is not None else None, cookie or None)


CredentialsDep = Annotated[Credentials, Depends(get_credentials)]


def authenticate(request: Request, db: Session, credentials: Credentials) -> SignedIn:
    """The user behind an API request, or 401 saying how to authenticate (403 for a cookie's missing CSRF
    token). Looked up in ``db``'s transaction, which carries on; see :func:`current_user`."""
    if credentials.bearer is not None:
        return _token_used(db, resolve_api_token(db, credentials.bearer))
    return _by_cookie(request, db, credentials)


def authenticate_actor(request: Request, db: Session, credentials: Credentials) -> Actor:
    """:func:`authenticate`'s actor, for a handler that needs nothing else of the user: a bearer token's
    is read as one row (:func:`crimelink.services.auth.api_token_grant`), not as three objects."""
    if credentials.bearer is not None:
        return _token_used(db, api_token_grant(db, credentials.bearer)).actor
    return _by_cookie(request, db, credentials).actor


def _token_used(db: Session, signed_in: _Granted | None) -> _Granted:
    if signed_in is None:
        raise _unauthorised("the API token is not valid: it is unknown or revoked, or its user is inactive")
    if signed_in.use_recorded:
        db.commit()  # the token's use is kept even if the request then fails (rare: see its resolution)
    return signed_in


def _by_cookie(request: Request, db: Session, credentials: Credentials) -> SignedIn:
    if credentials.cookie:
        signed_in = resolve_session(db, credentials.cookie)
        if signed_in is None:
            raise _unauthorised("your session has ended: sign in again")
        record = signed_in.user_session
        if request.method not in _SAFE_METHODS and (
            record is None or not hmac.compare_digest(request.headers.get(CSRF_HEADER, ""), record.csrf_token)
        ):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"a change made with the session cookie needs the {CSRF_HEADER} header "
                "(the csrf_token of your session, found in the page's meta tag)",
            )
        return signed_in
    raise _unauthorised("sign in, or send an API token as 'Authorization: Bearer <token>'")


def current_user(request: Request, db: SessionDep, credentials: CredentialsDep) -> SignedIn:
    """The user behind an API request (:func:`authenticate`), looked up in a worker thread of its own.

    The lookup's transaction ends here, which hands the connection back to the pool: the handler runs
    in another turn of the thread pool. Kept open, the transaction holds a connection while its request
    waits for a thread: with one thread a worker, requests holding every connection of the pool waited
    for the one running, which waited for a connection; with two, a fifth fewer checks a second were
    answered (benchmarks/RESULTS.md, eleventh session). A handler that calls :func:`authenticate`
    itself (the deconfliction check) needs no second turn and no second transaction.
    """
    signed_in = authenticate(request, db, credentials)
    db.commit()
    return signed_in


CurrentUser = Annotated[SignedIn, Depends(current_user)]


async def current_actor(signed_in: CurrentUser) -> Actor:
    return signed_in.actor  # no I/O: ``async`` keeps it off the worker threads


CurrentActor = Annotated[Actor, Depends(current_actor)]
