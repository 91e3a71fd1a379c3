"""Dependencies shared by the API and the pages: settings, a database session, the signed-in actor.

An API request is authenticated by ``Authorization: Bearer <token>`` (an API token) or by the browser
session cookie. A cookie-authenticated request that changes something must also carry the session's
CSRF token in an ``X-CSRF-Token`` header; bearer tokens cannot be sent by another site, so need none.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from crimelink.access.policy import Actor
from crimelink.deconflict.rules import DeconflictionRules
from crimelink.services.auth import SignedIn, resolve_api_token, resolve_session
from crimelink.settings import Settings

#: The browser session cookie: a random value whose SHA-256 is the ``user_sessions`` row's key.
SESSION_COOKIE = "crimelink_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

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


def current_user(
    request: Request,
    db: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> SignedIn:
    """The user behind an API request, or 401 saying how to authenticate."""
    if bearer is not None:
        signed_in = resolve_api_token(db, bearer.credentials)
        if signed_in is None:
            raise _unauthorised(
                "the API token is not valid: it is unknown or revoked, or its user is inactive"
            )
        # The token's last-used time; and the read ends, which hands the connection back to the pool.
        # The handler runs in another turn of the thread pool. Kept open, the transaction holds a
        # connection while its request waits for a thread: with one thread a worker, requests holding
        # every connection of the pool waited for the one running, which waited for a connection; with
        # two, a fifth fewer checks a second were answered (benchmarks/RESULTS.md, eleventh session).
        db.commit()
        return signed_in
    if cookie:
        signed_in = resolve_session(db, cookie)
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


CurrentUser = Annotated[SignedIn, Depends(current_user)]


async def current_actor(signed_in: CurrentUser) -> Actor:
    return signed_in.actor  # no I/O: ``async`` keeps it off the worker threads


CurrentActor = Annotated[Actor, Depends(current_actor)]
