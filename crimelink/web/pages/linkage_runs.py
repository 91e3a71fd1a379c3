"""Entity resolution from the page: start a batch linkage run and watch it work, step by step.

JSON twins: /api/linkage/runs and /api/linkage/runs/{id}. The latest run's progress asks for itself
again every two seconds with htmx (``/linkage/runs/{id}/progress``) while the run is queued or running;
the answer for a finished run carries no trigger, so the asking stops and the summary stays.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crimelink.access import Action
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.domain import EntityKind
from crimelink.errors import ConflictError, InvalidInputError
from crimelink.services import linkage_runs
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.pages.records import without_nul
from crimelink.web.rendering import render

router = APIRouter()

#: Earlier runs per page of the list.
PAGE_SIZE = 20
#: How often (seconds) the page asks for a running run's progress.
POLL_SECONDS = 2
STATUS_LABELS = {
    linkage_runs.QUEUED: "Waiting to start",
    linkage_runs.RUNNING: "Running",
    linkage_runs.SUCCEEDED: "Finished",
    linkage_runs.FAILED: "Failed",
}
STATUS_CLASSES = {
    linkage_runs.QUEUED: "status-warning",
    linkage_runs.RUNNING: "status-warning",
    linkage_runs.SUCCEEDED: "status-ok",
    linkage_runs.FAILED: "status-ended",
}
KIND_LABELS = {
    EntityKind.PERSON.value: "People",
    EntityKind.PREMISES.value: "Premises",
    EntityKind.VEHICLE.value: "Vehicles",
    EntityKind.PHONE.value: "Phones",
    EntityKind.EMAIL.value: "E-mail addresses",
    EntityKind.BUSINESS.value: "Businesses",
    EntityKind.BANK_ACCOUNT.value: "Bank accounts",
    EntityKind.ONLINE_ACCOUNT.value: "Online accounts",
}
FIELD_LABELS = {"threshold": "Link at or above", "review_from": "Review from", "run": "Linkage run"}
DEFAULTS = {"threshold": "0.9", "review_from": "0.5"}


def duration(seconds: float | None) -> str:
    """Seconds as people read them.

    >>> duration(0.04), duration(12.345), duration(754.0), duration(None)
    ('0.0 s', '12.3 s', '12 min 34 s', '')
    """
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def sentence(step: str) -> str:
    """A step as the start of a sentence: "scoring candidate pairs" becomes "Scoring candidate pairs"."""
    return step[:1].upper() + step[1:]


def _run_context() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "status_classes": STATUS_CLASSES,
        "kind_labels": KIND_LABELS,
        "duration": duration,
        "sentence": sentence,
        "poll_seconds": POLL_SECONDS,
    }


def _store(request: Request) -> Engine:
    """The application's store: a run works in transactions of its own, outside the request's session."""
    engine: Engine = request.app.state.engine
    return engine


def _probabilities(values: dict[str, str]) -> dict[str, float]:
    """The form's numbers; the service then checks that they make a sensible band."""
    numbers: dict[str, float] = {}
    problems: dict[str, str] = {}
    for name, value in values.items():
        try:
            numbers[name] = float(value)
        except ValueError:
            problems[name] = f"enter a match probability between 0 and 1, e.g. {DEFAULTS[name]}"
    if problems:
        raise InvalidInputError(problems)
    return numbers


# --- the page ------------------------------------------------------------------------------------


@router.get("/linkage")
def linkage_page(
    request: Request,
    viewer: Viewer,
    db: SessionDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    started: str = "",
) -> Response:
    notice = ""
    if started.isdigit():
        notice = f"Linkage run {started} started. Its progress below updates itself; you may leave this page."
    return _page(request, viewer, db, page=page, values=DEFAULTS, errors={}, notice=notice)


def _page(
    request: Request,
    viewer: SignedIn,
    db: Session,
    *,
    page: int,
    values: dict[str, str],
    errors: dict[str, str],
    notice: str = "",
    status_code: int = 200,
) -> Response:
    # The latest run is shown in full at the top; the list holds the ones before it.
    latest = linkage_runs.latest_run(db, viewer.actor)
    found = linkage_runs.list_runs(db, viewer.actor, limit=PAGE_SIZE, offset=1 + (page - 1) * PAGE_SIZE)
    earlier = max(0, found.total - 1)
    pages = max(1, -(-earlier // PAGE_SIZE))
    return render(
        request,
        "linkage/runs.html",
        viewer=viewer,
        title="Entity resolution",
        status_code=status_code,
        json_url="/api/linkage/runs",
        nav_key="linkage",
        notice=notice,
        run=latest,
        earlier=found.runs,
        earlier_total=earlier,
        values=values,
        errors=errors,
        field_labels=FIELD_LABELS,
        page=page,
        pages=pages,
        previous_url=(f"/linkage?page={page - 1}" if page > 2 else "/linkage") if page > 1 else "",
        next_url=f"/linkage?page={page + 1}" if page < pages else "",
        **_run_context(),
    )


@router.post("/linkage/runs")
def start_run(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    """Start a run with the form's threshold and review band, then back to the page to watch it."""
    authorise(viewer.actor, Action.ENTITY_RESOLVE)
    values = {name: without_nul(text(form, name)) for name in ("threshold", "review_from")}
    try:
        numbers = _probabilities(values)
        run = linkage_runs.start_run(
            _store(request), viewer.actor, threshold=numbers["threshold"], review_from=numbers["review_from"]
        )
    except InvalidInputError as exc:
        status_code = 409 if isinstance(exc, ConflictError) else 400
        return _page(
            request, viewer, db, page=1, values=values, errors=dict(exc.problems), status_code=status_code
        )
    return RedirectResponse(f"/linkage?started={run.id}", status_code=303)


# --- one run -------------------------------------------------------------------------------------


@router.get("/linkage/runs/{run_id}")
def run_page(request: Request, run_id: IdPath, viewer: Viewer, db: SessionDep) -> Response:
    run = linkage_runs.get_run(db, viewer.actor, run_id)
    return render(
        request,
        "linkage/run.html",
        viewer=viewer,
        title=f"Linkage run {run.id}",
        json_url=f"/api/linkage/runs/{run.id}",
        nav_key="linkage",
        run=run,
        **_run_context(),
    )


@router.get("/linkage/runs/{run_id}/progress")
def run_progress(request: Request, run_id: IdPath, viewer: Viewer, db: SessionDep) -> Response:
    """The run's progress (or, once finished, its summary) alone: what the page's htmx asks for."""
    run = linkage_runs.get_run(db, viewer.actor, run_id)
    return render(request, "linkage/_run.html", viewer=viewer, title="", run=run, **_run_context())
