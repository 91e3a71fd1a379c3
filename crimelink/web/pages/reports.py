"""/reports: build the SOC local profile and the strategic group pack, then read them or download the PDF.

Building is a form (CSRF-checked): the copy is built in the background, as HTML and PDF at once, through
the access policy for the signed-in reader. A build that is done within :data:`WAIT_SECONDS` goes straight
to its copy; a longer one leads to its progress page (``/reports/builds/{id}``), which lists the steps
done and the one under way and reloads itself until the copy is ready. The copy is kept **in this
process's memory** for :data:`KEEP_MINUTES` minutes (at most :data:`KEEP_COPIES` copies), for that reader
only; its page logs each build step with the seconds it took and offers the HTML (opened in the browser,
stylesheet linked: the Content-Security-Policy refuses inline styles) and the PDF (downloaded). Nothing is
written to disk. JSON twin: /api/reports (and /api/reports/profile, /api/reports/pack for the files).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from crimelink.access import Action, Actor
from crimelink.api.deps import SessionDep, SettingsDep
from crimelink.api.routes.reports import report_kinds
from crimelink.errors import CrimelinkError, InvalidInputError, NotFoundError
from crimelink.reports.pack import build_pack
from crimelink.reports.profile import build_profile
from crimelink.reports.render import STYLESHEET, RenderedReport, StepLog
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
#: How long the build form waits for the copy before it shows the build's progress page instead.
WAIT_SECONDS = 2.0
#: How often the progress page reloads itself.
POLL_SECONDS = 1
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


@dataclass
class _Build:
    """A build under way (or just ended) in a background thread, for one reader."""

    user_id: int
    title: str
    started: float
    steps: list[tuple[str, float]] = field(default_factory=list)
    copy_id: str | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def step(self, text: str) -> None:
        with _LOCK:
            self.steps.append((text, time.monotonic()))


_BUILDS: OrderedDict[str, _Build] = OrderedDict()


def start_build(
    request: Request, viewer: SignedIn, title: str, build: Callable[[Session, Actor, StepLog], RenderedReport]
) -> str:
    """Build a copy in a background thread with its own session; the id its progress is read by."""
    build_id = secrets.token_urlsafe(18)
    job = _Build(viewer.user.id, title, time.monotonic())
    with _LOCK:
        _BUILDS[build_id] = job
        while len(_BUILDS) > KEEP_COPIES * 2:
            _BUILDS.popitem(last=False)
    factory: sessionmaker[Session] = request.app.state.session_factory
    actor = viewer.actor

    def run() -> None:
        try:
            with factory() as session:
                report = build(session, actor, StepLog(listener=job.step))
                session.commit()
            job.copy_id = keep(job.user_id, report)
        except CrimelinkError as exc:
            job.error = str(exc)
        except Exception:  # the reader is told; the details go to the server's log
            logging.getLogger(__name__).exception("building %s failed", title)
            job.error = "the build failed on the server; the administrator can find why in its log"
        finally:
            job.done.set()

    threading.Thread(target=run, name=f"report-{build_id[:8]}", daemon=True).start()
    job.done.wait(WAIT_SECONDS)
    return build_id


def _build_of(viewer: SignedIn, build_id: str) -> _Build:
    with _LOCK:
        job = _BUILDS.get(build_id)
    if job is None or job.user_id != viewer.user.id:
        raise NotFoundError("that build is not known here: build the report again on the reports page")
    return job


def _after_build(build_id: str, job: _Build) -> RedirectResponse:
    if job.copy_id is not None:
        return RedirectResponse(f"/reports/built/{job.copy_id}", status_code=303)
    return RedirectResponse(f"/reports/builds/{build_id}", status_code=303)


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
    db.commit()  # the request holds no write lock while the build writes its audit event
    build_id = start_build(
        request,
        viewer,
        "the SOC local profile",
        lambda session, actor, steps: build_profile(session, actor, settings, period=period, steps=steps),
    )
    return _after_build(build_id, _build_of(viewer, build_id))


@router.post("/reports/pack")
def build_pack_page(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    """Build the reader's copy of the pack (HTML and PDF), keep it, and show how it was built."""
    authorise(viewer.actor, Action.REPORT_BUILD)
    db.commit()  # the request holds no write lock while the build writes its audit event
    build_id = start_build(
        request,
        viewer,
        "the strategic group pack",
        lambda session, actor, steps: build_pack(session, actor, steps=steps),
    )
    return _after_build(build_id, _build_of(viewer, build_id))


@router.get("/reports/builds/{build_id}")
def build_progress_page(request: Request, build_id: CopyId, viewer: Viewer) -> Response:
    """A build's progress: the steps done and the one under way; the copy itself once it is ready."""
    job = _build_of(viewer, build_id)
    if job.copy_id is not None:
        return RedirectResponse(f"/reports/built/{job.copy_id}", status_code=303)
    now = time.monotonic()
    with _LOCK:
        starts = list(job.steps)
    steps = [
        (text, (starts[i + 1][1] if i + 1 < len(starts) else now) - began, i + 1 == len(starts))
        for i, (text, began) in enumerate(starts)
    ]
    return render(
        request,
        "reports/building.html",
        viewer=viewer,
        title=f"Building {job.title}",
        nav_key="reports",
        status_code=200,
        build_title=job.title,
        steps=steps,
        running=job.error is None and not job.done.is_set(),
        error=job.error,
        seconds=now - job.started,
        poll_seconds=POLL_SECONDS,
        refresh_url=f"/reports/builds/{build_id}",
    )


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
