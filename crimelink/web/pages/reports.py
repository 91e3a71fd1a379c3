"""/reports: build the SOC local profile and the strategic group pack, then read them or download the PDF.

Building is a form (CSRF-checked): the copy is built there and then, as HTML and PDF at once, through the
access policy for the signed-in reader, and kept **in this process's memory** for :data:`KEEP_MINUTES`
minutes (at most :data:`KEEP_COPIES` copies), for that reader only. The page it leads to logs each build
step with the seconds it took and offers the HTML (opened in the browser, stylesheet linked: the
Content-Security-Policy refuses inline styles) and the PDF (downloaded). Nothing is written to disk. JSON
twin: /api/reports (and /api/reports/profile, /api/reports/pack for the files themselves).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access import Action
from crimelink.api.deps import SessionDep, SettingsDep
from crimelink.api.routes.reports import report_kinds
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.reports.pack import build_pack
from crimelink.reports.profile import build_profile
from crimelink.reports.render import STYLESHEET, RenderedReport
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.services.local_profile import parse_period
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.pages.records import without_nul
from crimelink.web.rendering import render, today

router = APIRouter()

#: Built copies are kept this long, and no more than this many at once (the oldest go first).
KEEP_MINUTES = 60
KEEP_COPIES = 12
PERIODS = (
    ("12m", "The last 12 months"),
    ("6m", "The last 6 months"),
    ("3m", "The last 3 months"),
    ("24m", "The last 24 months"),
)
FIELD_LABELS = {"period": "Period", "since": "From", "until": "To"}
CopyId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,64}$")]


@dataclass(frozen=True)
class _Kept:
    user_id: int
    report: RenderedReport
    kept_at: float


_COPIES: OrderedDict[str, _Kept] = OrderedDict()
_LOCK = threading.Lock()


def keep(user_id: int, report: RenderedReport) -> str:
    """Keep a built copy for its reader; the id it is fetched by."""
    copy_id = secrets.token_urlsafe(18)
    now = time.monotonic()
    with _LOCK:
        for key in [k for k, kept in _COPIES.items() if now - kept.kept_at > KEEP_MINUTES * 60]:
            del _COPIES[key]
        _COPIES[copy_id] = _Kept(user_id, report, now)
        while len(_COPIES) > KEEP_COPIES:
            _COPIES.popitem(last=False)
    return copy_id


def kept_copy(viewer: SignedIn, copy_id: str) -> RenderedReport:
    """A copy built for ``viewer`` and still kept; anyone else's is as if it did not exist."""
    with _LOCK:
        kept = _COPIES.get(copy_id)
    if kept is None or kept.user_id != viewer.user.id or time.monotonic() - kept.kept_at > KEEP_MINUTES * 60:
        raise NotFoundError(
            f"that copy is not kept any more (copies are kept for {KEEP_MINUTES} minutes, for the reader who "
            "built them): build it again on the reports page"
        )
    return kept.report


def _page(
    request: Request,
    viewer: SignedIn,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    authorise(viewer.actor, Action.REPORT_BUILD)
    return render(
        request,
        "reports/index.html",
        viewer=viewer,
        title="Reports",
        json_url="/api/reports",
        nav_key="reports",
        status_code=status_code,
        kinds={k.kind: k for k in report_kinds()},
        periods=PERIODS,
        values=values,
        errors=errors,
        field_labels=FIELD_LABELS,
    )


@router.get("/reports")
def reports_page(request: Request, viewer: Viewer) -> Response:
    return _page(request, viewer, values={"period": "12m"}, errors={})


def _period(values: dict[str, str]) -> str:
    """The period the form asks for: two dates when given, else the chosen number of months."""
    since, until = values.get("since", ""), values.get("until", "")
    if since or until:
        if not (since and until):
            raise InvalidInputError("since" if not since else "until", "give both dates, or neither")
        return f"{since}..{until}"
    return values.get("period") or "12m"


@router.post("/reports/profile")
def build_profile_page(
    request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep, settings: SettingsDep
) -> Response:
    """Build the reader's copy of the profile (HTML and PDF), keep it, and show how it was built."""
    authorise(viewer.actor, Action.REPORT_BUILD)
    values = {name: without_nul(text(form, name)) for name in ("period", "since", "until")}
    try:
        period = _period(values)
        parse_period(period, today=today())
    except InvalidInputError as exc:
        return _page(request, viewer, values=values, errors=dict(exc.problems), status_code=400)
    report = build_profile(db, viewer.actor, settings, period=period)
    db.commit()
    return RedirectResponse(f"/reports/built/{keep(viewer.user.id, report)}", status_code=303)


@router.post("/reports/pack")
def build_pack_page(viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    """Build the reader's copy of the pack (HTML and PDF), keep it, and show how it was built."""
    authorise(viewer.actor, Action.REPORT_BUILD)
    report = build_pack(db, viewer.actor)
    db.commit()
    return RedirectResponse(f"/reports/built/{keep(viewer.user.id, report)}", status_code=303)


@router.get("/reports/built/{copy_id}")
def built_page(request: Request, copy_id: CopyId, viewer: Viewer) -> Response:
    report = kept_copy(viewer, copy_id)
    context: dict[str, Any] = {
        "report": report,
        "copy_id": copy_id,
        "total_seconds": sum(s.seconds for s in report.steps),
        "pdf_size": len(report.pdf or b""),
        "keep_minutes": KEEP_MINUTES,
    }
    return render(
        request,
        "reports/built.html",
        viewer=viewer,
        title=f"{report.title}: your copy",
        marking=report.marking,
        nav_key="reports",
        **context,
    )


@router.get("/reports/built/{copy_id}/html")
def built_html(copy_id: CopyId, viewer: Viewer) -> Response:
    """The copy as a page of its own (the stylesheet linked, for the Content-Security-Policy)."""
    report = kept_copy(viewer, copy_id)
    return Response(report.html_linked, media_type="text/html; charset=utf-8")


@router.get("/reports/built/{copy_id}/pdf")
def built_pdf(copy_id: CopyId, viewer: Viewer) -> Response:
    report = kept_copy(viewer, copy_id)
    return Response(
        report.content("pdf"),
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{report.filename_stem}.pdf"'},
    )


@router.get("/reports/report.css")
def report_stylesheet() -> Response:
    """The reports' stylesheet (the same one the PDF and the standalone HTML carry inline)."""
    return Response(STYLESHEET.read_text(encoding="utf-8"), media_type="text/css")
