"""Rendering pages: the Jinja2 environment and the context every page shares.

Every page gets the protective marking banner (OFFICIAL unless the page says otherwise), the
navigation the user's roles allow, who is signed in and for what purpose, the CSRF token for its
forms, and a link to its JSON twin.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from crimelink.api.navigation import navigation
from crimelink.domain import Classification
from crimelink.services.auth import SignedIn, as_utc
from crimelink.web.labels import PURPOSE_LABELS, ROLE_LABELS, SCOPE_LABELS, choices, coded_choices, label

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

try:
    _LOCAL = ZoneInfo("Europe/London")
except ZoneInfoNotFoundError:  # no time zone database: show UTC, and say so
    _LOCAL = ZoneInfo("UTC")


def when(moment: datetime | date | None) -> str:
    """A time as people in the partnership read it: UK local time, day first."""
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        return moment.strftime("%d %b %Y")
    return as_utc(moment).astimezone(_LOCAL).strftime("%d %b %Y %H:%M")


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    env = templates.env
    env.filters["label"] = label
    env.filters["when"] = when
    env.globals.update(
        ROLE_LABELS=ROLE_LABELS,
        PURPOSE_LABELS=PURPOSE_LABELS,
        SCOPE_LABELS=SCOPE_LABELS,
        label=label,
        choices=choices,
        coded_choices=coded_choices,
    )
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates


def today() -> date:
    return datetime.now(UTC).date()


def render(
    request: Request,
    template: str,
    *,
    viewer: SignedIn | None,
    title: str,
    marking: Classification = Classification.OFFICIAL,
    status_code: int = 200,
    json_url: str | None = None,
    nav_key: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` inside the layout, for ``viewer`` (``None`` on the sign-in page)."""
    templates: Jinja2Templates = request.app.state.templates
    shared: dict[str, Any] = {
        "title": title,
        "marking": marking.value,
        "viewer": viewer,
        "nav": navigation(viewer.actor) if viewer else [],
        "nav_key": nav_key,
        "csrf_token": viewer.user_session.csrf_token if viewer and viewer.user_session else "",
        "json_url": json_url,
    }
    response = templates.TemplateResponse(request, template, {**shared, **context}, status_code=status_code)
    return response
