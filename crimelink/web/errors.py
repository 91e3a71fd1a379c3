"""One place that turns errors into answers: JSON ``{"detail": ...}`` under /api, a page elsewhere.

| error | status |
| --- | --- |
| not signed in, unknown or revoked token | 401 (pages: redirect to /sign-in) |
| CSRF token missing or wrong | 403 |
| :class:`PermissionDeniedError` (the policy said no) | 403 |
| :class:`NotFoundError` | 404 |
| :class:`ConflictError` (a duplicate code or username) | 409 |
| :class:`InvalidInputError`, request validation | 422 (pages: 400 when not shown on a form) |
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from crimelink.api.deps import SESSION_COOKIE
from crimelink.api.problems import field_problems, problems_sentence
from crimelink.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from crimelink.services.auth import SignedIn, resolve_session
from crimelink.web.rendering import render
from crimelink.web.security import CsrfRejected, SignInRequired

_TITLES = {
    400: "That request could not be understood",
    401: "Please sign in",
    403: "You may not do this",
    404: "Page not found",
    405: "That cannot be done here",
    409: "That already exists",
    422: "Some of what was entered is not valid",
}


def is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def _viewer(request: Request) -> SignedIn | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        return resolve_session(session, token)


def error_page(request: Request, status_code: int, message: str, *, title: str | None = None) -> Response:
    return render(
        request,
        "error.html",
        viewer=_viewer(request),
        title=title or _TITLES.get(status_code, "Something went wrong"),
        status_code=status_code,
        message=message,
    )


def _answer(
    request: Request,
    status_code: int,
    detail: str,
    *,
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if is_api(request):
        body: dict[str, Any] = {"detail": detail}
        if errors:
            body["errors"] = errors
        return JSONResponse(body, status_code=status_code, headers=headers)
    return error_page(request, status_code, detail[:1].upper() + detail[1:])


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    target = "/sign-in" + (f"?{urlencode({'next': exc.next_path})}" if exc.next_path != "/" else "")
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _csrf(request: Request, exc: Exception) -> Response:
    return error_page(
        request,
        403,
        "This form has expired or was not sent from a Crimelink page, so nothing was changed. "
        "Go back, reload the page and try again.",
        title="The form could not be accepted",
    )


async def _permission(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PermissionDeniedError)
    return _answer(request, 403, f"not allowed: {exc.reason}")


async def _not_found(request: Request, exc: Exception) -> Response:
    return _answer(request, 404, str(exc))


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidInputError)
    status_code = 409 if isinstance(exc, ConflictError) else 422
    if not is_api(request) and status_code == 422:
        status_code = 400
    return _answer(request, status_code, str(exc), errors=dict(exc.problems))


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = field_problems(exc.errors())
    if is_api(request):
        return _answer(request, 422, problems_sentence(problems), errors=problems)
    return error_page(request, 400, f"The request was not valid: {problems_sentence(problems)}.")


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else None
    if is_api(request):
        detail = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" else "no such API endpoint"
        return _answer(request, exc.status_code, str(detail), headers=headers)
    if exc.status_code == 404:
        return error_page(
            request, 404, "There is no page at this address. Check it, or start again from Home."
        )
    return error_page(request, exc.status_code, str(exc.detail))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(CsrfRejected, _csrf)
    app.add_exception_handler(PermissionDeniedError, _permission)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(InvalidInputError, _invalid)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
