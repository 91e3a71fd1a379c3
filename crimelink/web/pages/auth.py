"""Signing in and out: local passwords (with lockout) and, when configured, OpenID Connect."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from authlib.common.errors import AuthlibBaseError
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from joserfc.errors import JoseError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from crimelink.api.deps import SESSION_COOKIE, SessionDep, SettingsDep
from crimelink.domain import Purpose
from crimelink.errors import InvalidInputError
from crimelink.services.auth import (
    NewSession,
    SignInResult,
    authenticate_oidc,
    authenticate_password,
    create_session,
    end_session,
)
from crimelink.settings import Settings
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.rendering import render
from crimelink.web.security import (
    SIGN_IN_COOKIE,
    SIGN_IN_COOKIE_MAX_AGE,
    CsrfRejected,
    new_sign_in_cookie,
    safe_next,
    sign_in_form_token,
    sign_in_token_valid,
)

router = APIRouter()


async def posted_form(request: Request) -> FormData:
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]


def _sign_in_page(
    request: Request,
    settings: Settings,
    *,
    next_path: str,
    status_code: int = 200,
    **context: Any,
) -> Response:
    cookie = request.cookies.get(SIGN_IN_COOKIE) or new_sign_in_cookie()
    response = render(
        request,
        "sign_in.html",
        viewer=None,
        title="Sign in to Crimelink",
        status_code=status_code,
        form_token=sign_in_form_token(cookie, request.app.state.signing_key),
        next_path=next_path,
        purposes=list(Purpose),
        sso_label=settings.oidc_label if request.app.state.oidc is not None else None,
        errors=context.pop("errors", {}),
        **context,
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        cookie,
        max_age=SIGN_IN_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    return response


def _signed_in_response(new: NewSession, *, next_path: str, settings: Settings) -> Response:
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/", secure=settings.cookie_secure, httponly=True)
    return response


@router.get("/sign-in")
def sign_in_page(request: Request, settings: SettingsDep, next: str = "", signed_out: str = "") -> Response:
    notice = "You have signed out." if signed_out else ""
    return _sign_in_page(request, settings, next_path=safe_next(next), notice=notice)


@router.post("/sign-in")
def sign_in(request: Request, form: PostedForm, db: SessionDep, settings: SettingsDep) -> Response:
    if not sign_in_token_valid(
        request.cookies.get(SIGN_IN_COOKIE), text(form, "csrf_token"), request.app.state.signing_key
    ):
        raise CsrfRejected()
    next_path = safe_next(text(form, "next"))
    username, purpose_value = text(form, "username"), text(form, "purpose")
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    if text(form, "method") == "sso" and request.app.state.oidc is not None:
        query = urlencode({"purpose": purpose_value, "next": next_path})
        return RedirectResponse(f"/auth/oidc/login?{query}", status_code=303)
    errors: dict[str, str] = {}
    if purpose_value not in {p.value for p in Purpose}:
        errors["purpose"] = "Choose why you are using Crimelink today."
    if not username:
        errors["username"] = "Enter your username."
    if not password:
        errors["password"] = "Enter your password."
    if errors:
        return _sign_in_page(
            request,
            settings,
            next_path=next_path,
            status_code=400,
            errors=errors,
            username=username,
            purpose=purpose_value,
        )
    purpose = Purpose(purpose_value)
    result = authenticate_password(
        db, username=username, password=password, purpose=purpose, settings=settings
    )
    if result.user is None or not result.succeeded:
        db.commit()  # the failed attempt, the lockout and their audit events stay recorded
        return _sign_in_page(
            request,
            settings,
            next_path=next_path,
            status_code=401,
            message=result.message,
            username=username,
            purpose=purpose_value,
        )
    new = create_session(db, user=result.user, purpose=purpose, settings=settings)
    db.commit()
    return _signed_in_response(new, next_path=next_path, settings=settings)


@router.post("/sign-out")
def sign_out(viewer: Viewer, form: CheckedForm, db: SessionDep, settings: SettingsDep) -> Response:
    end_session(db, viewer)
    db.commit()
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax"
    )
    return response


# --- OpenID Connect --------------------------------------------------------------------------------


def _oidc_client(request: Request) -> Any:
    client = request.app.state.oidc
    if client is None:
        raise HTTPException(404, "single sign-on is not configured")
    return client


@router.get("/auth/oidc/login")
async def oidc_login(request: Request, purpose: str = "", next: str = "") -> Response:
    client = _oidc_client(request)
    if purpose not in {p.value for p in Purpose}:
        raise InvalidInputError("purpose", "choose why you are using Crimelink today, on the sign-in page")
    request.session["crimelink_purpose"] = purpose
    request.session["crimelink_next"] = safe_next(next)
    redirect: Response = await client.authorize_redirect(request, str(request.url_for("oidc_callback")))
    return redirect


def _finish_oidc(
    db: Session, *, claims: dict[str, Any], purpose: Purpose, settings: Settings
) -> tuple[SignInResult, NewSession | None]:
    result = authenticate_oidc(db, claims=claims, purpose=purpose, issuer=settings.oidc_issuer or "")
    new = None
    if result.succeeded and result.user is not None:
        new = create_session(db, user=result.user, purpose=purpose, settings=settings)
    db.commit()
    return result, new


@router.get("/auth/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    client = _oidc_client(request)
    purpose = Purpose(request.session.pop("crimelink_purpose", Purpose.CRIME_PREVENTION_DETECTION.value))
    next_path = safe_next(request.session.pop("crimelink_next", "/"))
    try:
        token = await client.authorize_access_token(request)
    except (AuthlibBaseError, JoseError, httpx.HTTPError, ValueError, KeyError) as exc:
        reason = (
            getattr(exc, "description", None) or getattr(exc, "error", None) or str(exc) or type(exc).__name__
        )
        return _sign_in_page(
            request,
            settings,
            next_path=next_path,
            status_code=401,
            message=f"Single sign-on did not complete ({reason}). Try again, or sign in with a password.",
        )
    claims = dict(token.get("userinfo") or {})
    result, new = await run_in_threadpool(_finish_oidc, db, claims=claims, purpose=purpose, settings=settings)
    if new is None:
        return _sign_in_page(request, settings, next_path=next_path, status_code=401, message=result.message)
    return _signed_in_response(new, next_path=next_path, settings=settings)
