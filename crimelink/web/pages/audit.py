"""The audit viewer for auditors: search the trail and check its hash chain.

The JSON twins are /api/audit/events and /api/audit/verify. The page is OFFICIAL-SENSITIVE: the
trail says who searched for whom, which is itself sensitive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from crimelink.access.policy import Action
from crimelink.api.deps import SessionDep
from crimelink.domain import Classification
from crimelink.services.audit import ChainReport, search_audit, verify_chain
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.store.models import AuditEvent
from crimelink.web.deps import Viewer
from crimelink.web.pages.records import without_nul
from crimelink.web.rendering import render

router = APIRouter(prefix="/audit")
_MARKING = Classification.OFFICIAL_SENSITIVE

try:
    _LOCAL = ZoneInfo("Europe/London")
except ZoneInfoNotFoundError:  # no time zone database: the days are UTC days
    _LOCAL = ZoneInfo("UTC")

#: The filters and the longest value each accepts (the columns' widths).
FILTERS: dict[str, int] = {"who": 200, "action": 60, "resource_type": 60, "resource_id": 100}


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    details: list[tuple[str, str]]


def _details(details: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in details.items()
        if value not in (None, "", [], {})
    ]


def _day_start(day: date) -> datetime:
    """The start of a UK calendar day, in UTC (the trail is stored in UTC)."""
    return datetime.combine(day, time(), tzinfo=_LOCAL).astimezone(UTC)


def _filters(
    values: dict[str, str],
) -> tuple[dict[str, Any], dict[str, str]]:
    """The service's filter arguments from the form, and a problem per field that is not valid."""
    errors: dict[str, str] = {}
    arguments: dict[str, Any] = {}
    for name, longest in FILTERS.items():
        if len(values[name]) > longest:
            errors[name] = f"keep it under {longest} characters"
        arguments[name] = values[name] or None
    days: dict[str, date | None] = {}
    for name in ("since", "until"):
        try:
            days[name] = date.fromisoformat(values[name]) if values[name] else None
        except ValueError:
            errors[name] = "enter a date like 2026-04-01"
            days[name] = None
    since, until = days["since"], days["until"]
    if since and until and until < since:
        errors["until"] = "the end date is before the start date"
    arguments["since"] = _day_start(since) if since else None
    # Up to the end of the day named, i.e. before the next day starts.
    arguments["until"] = _day_start(until + timedelta(days=1)) - timedelta(microseconds=1) if until else None
    return arguments, errors


def _page(
    request: Request,
    viewer: SignedIn,
    db: Session,
    *,
    values: dict[str, str],
    chain: ChainReport | None = None,
) -> Response:
    arguments, errors = _filters(values)
    events: list[EventRow] = []
    if not errors:
        found = search_audit(db, viewer.actor, **arguments)
        events = [EventRow(e, _details(e.details)) for e in found]
        db.commit()  # the search of the trail is itself audited
    query = urlencode({k: v for k, v in values.items() if v and k in FILTERS})
    return render(
        request,
        "audit/list.html",
        viewer=viewer,
        title="Audit trail",
        marking=_MARKING,
        status_code=422 if errors else 200,
        json_url="/api/audit/events" + (f"?{query}" if query else ""),
        nav_key="audit",
        values=values,
        errors=errors,
        events=events,
        chain=chain,
    )


@router.get("")
def audit_page(
    request: Request,
    viewer: Viewer,
    db: SessionDep,
    who: str = "",
    action: str = "",
    resource_type: str = "",
    resource_id: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    authorise(viewer.actor, Action.AUDIT_READ)
    typed = {
        "who": who,
        "action": action,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "since": since,
        "until": until,
    }
    values = {name: without_nul(value).strip() for name, value in typed.items()}
    return _page(request, viewer, db, values=values)


@router.get("/verify")
def verify_page(request: Request, viewer: Viewer, db: SessionDep) -> Response:
    """Recompute the hash chain; with htmx only the result is returned, into the page's verify section."""
    authorise(viewer.actor, Action.AUDIT_READ)
    chain = verify_chain(db)
    if request.headers.get("HX-Request"):
        return render(request, "audit/_verify.html", viewer=viewer, title="", marking=_MARKING, chain=chain)
    values = dict.fromkeys(("who", "action", "resource_type", "resource_id", "since", "until"), "")
    return _page(request, viewer, db, values=values, chain=chain)
