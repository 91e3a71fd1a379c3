"""Page dependencies: the signed-in viewer (or a redirect to sign in) and CSRF-checked forms."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from crimelink.api.deps import SESSION_COOKIE, SessionDep
from crimelink.services.auth import SignedIn, resolve_session
from crimelink.web.security import CsrfRejected, SignInRequired


def page_viewer(request: Request, db: SessionDep) -> SignedIn:
    """The signed-in user of a browser session; anyone else is sent to the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE)
    signed_in = resolve_session(db, token) if token else None
    if signed_in is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return signed_in


Viewer = Annotated[SignedIn, Depends(page_viewer)]


async def checked_form(request: Request, viewer: Viewer) -> FormData:
    """The posted form, refused (403) unless its ``csrf_token`` is this session's."""
    form = await request.form()
    sent = form.get("csrf_token")
    expected = viewer.user_session.csrf_token if viewer.user_session else ""
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRejected()
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]
