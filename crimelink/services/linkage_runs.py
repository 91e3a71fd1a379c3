"""Batch linkage runs started by people: one at a time, in a background thread, with their progress.

:func:`start_run` records the run (``queued``) and its audit event in one transaction, then resolves
the store's records into entities (:func:`crimelink.linkage.resolve.resolve_entities`) in a thread of
the web process. The step callback keeps the run's progress: each step with the seconds it took. The
run ends ``succeeded`` with the summary, or ``failed`` with a message for people; the traceback goes
to the server's log only. Resolve writes its own audit event; a failure is audited here.

Progress is written to the run's row in short transactions of its own, never in resolve's. On SQLite
the steps are written with the outcome instead: resolve reads the store in the transaction it later
writes in, and SQLite refuses that transaction's first write if any other connection has committed
since it began reading. Meanwhile :func:`get_run` and :func:`list_runs` read the steps from memory
(the run's thread is in this process), so the pages show the same progress on either database.

One run at a time: a start is refused while another run is queued or running. A run whose process
has gone (the server stopped mid-run) is shown as interrupted, and recorded so when the next starts.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor
from crimelink.errors import ConflictError, CrimelinkError, InvalidInputError, NotFoundError
from crimelink.linkage.resolve import ResolveSummary, resolve_entities
from crimelink.services.callers import authorise, record_event
from crimelink.store.engine import session_scope
from crimelink.store.models import LinkageRun
from crimelink.store.models.base import utcnow

logger = logging.getLogger(__name__)

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
ACTIVE = (QUEUED, RUNNING)
#: At most this many runs in one page of the list.
MAX_LIST_LIMIT = 100
#: A step's description is cut to this length (Splink's can quote a whole blocking rule).
MAX_STEP = 500
INTERRUPTED = (
    "The run was interrupted: the server running it stopped before the run ended. Start it again; "
    "linkage changes the store only when a run completes."
)

#: Ended runs whose outcome this process keeps in memory (see _Progress.outcome).
_KEEP_ENDED = 20
_START_LOCK_KEY = 0x43726C72 + 1  # serialises starting runs on PostgreSQL (resolve uses 0x43726C72)
_HOST = socket.gethostname()


# --- what a run looks like -----------------------------------------------------------------------


@dataclass(frozen=True)
class RunStep:
    """One thing a run did: ``started_after`` seconds from its start, for ``seconds``.

    ``seconds`` is ``None`` for the current step of a run read from the store, and how long the step
    has taken so far for one read from this process's memory.
    """

    text: str
    started_after: float
    seconds: float | None


@dataclass(frozen=True)
class LinkageRunView:
    id: int
    status: str
    threshold: float
    review_from: float
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    current_step: str
    steps: list[RunStep]
    #: What the run did, once it succeeded.
    summary: ResolveSummary | None
    #: Why it failed, for people (no traceback).
    error: str | None

    @property
    def active(self) -> bool:
        """Queued or running: the page keeps asking for its progress."""
        return self.status in ACTIVE


@dataclass(frozen=True)
class LinkageRunList:
    runs: list[LinkageRunView]
    total: int
    limit: int
    offset: int


# --- runs in this process ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    status: str
    finished_at: datetime
    summary: dict[str, Any] | None
    error: str | None


class _Progress:
    """What one run has done so far, as its step callback said; read by request threads meanwhile."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._began = 0.0
        self._steps: list[dict[str, Any]] = []
        self.status = QUEUED
        #: How it ended, once that is saved. A request may read the store as it was a moment before
        #: (SQLite reads a snapshot from the request's first query), so the outcome is kept here too.
        self.outcome: _Outcome | None = None

    def begin(self) -> None:
        with self._lock:
            self._began = time.perf_counter()
            self.status = RUNNING

    def step(self, description: str) -> list[dict[str, Any]]:
        """Start a step (closing the one before it); the steps so far, as the row keeps them."""
        with self._lock:
            now = time.perf_counter() - self._began
            self._close(now)
            self._steps.append(
                {"text": description[:MAX_STEP], "started_after": round(now, 3), "seconds": None}
            )
            return [dict(s) for s in self._steps]

    def finish(self) -> list[dict[str, Any]]:
        with self._lock:
            self._close(time.perf_counter() - self._began)
            return [dict(s) for s in self._steps]

    def snapshot(self) -> tuple[str, list[RunStep]]:
        """The status and the steps, the current one with the seconds it has taken so far."""
        with self._lock:
            now = time.perf_counter() - self._began
            return self.status, [
                RunStep(
                    s["text"],
                    s["started_after"],
                    s["seconds"] if s["seconds"] is not None else round(now - s["started_after"], 3),
                )
                for s in self._steps
            ]

    def _close(self, now: float) -> None:
        if self._steps and self._steps[-1]["seconds"] is None:
            self._steps[-1]["seconds"] = round(now - self._steps[-1]["started_after"], 3)


#: A run in this process's memory: (the store's URL, the run's id). Tests open many stores in one process.
_RunKey = tuple[str, int]


class _LiveRuns:
    """The runs this process's threads are running (and the last few they ran), by store and id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[_RunKey, _Progress] = {}
        #: Held while a start checks for a run in progress and records its own (within this process).
        self.starting = threading.Lock()
        #: While set, new runs wait in ``queued`` until the event is set (see :func:`hold_new_runs`).
        self.gate: threading.Event | None = None

    def add(self, key: _RunKey) -> _Progress:
        with self._lock:
            progress = self._runs[key] = _Progress()
            return progress

    def get(self, key: _RunKey) -> _Progress | None:
        with self._lock:
            return self._runs.get(key)

    def forget(self, key: _RunKey) -> None:
        with self._lock:
            self._runs.pop(key, None)

    def retire(self, key: _RunKey) -> None:
        """The run's thread has ended: keep its outcome a while, for readers of older snapshots."""
        with self._lock:
            ended = [k for k, p in self._runs.items() if k != key and p.outcome is not None]
            for old in ended[: max(0, len(ended) - _KEEP_ENDED)]:
                del self._runs[old]


_LIVE = _LiveRuns()


@contextmanager
def hold_new_runs() -> Iterator[threading.Event]:
    """Keep every run started meanwhile in ``queued`` until the event is set (or the block ends).

    For tests that need a run in progress for as long as they like::

        with hold_new_runs() as release:
            first = start_run(engine, analyst, threshold=0.9, review_from=0.5)  # stays queued
            ...
            release.set()
    """
    gate = threading.Event()
    _LIVE.gate = gate
    try:
        yield gate
    finally:
        _LIVE.gate = None
        gate.set()


def _runner() -> str:
    return f"{_HOST}:{os.getpid()}"


def _store(bind: Engine | Connection) -> str:
    return str(bind.engine.url)


def _orphaned(store: str, row: LinkageRun) -> bool:
    """A queued or running run no thread will finish: its process (on this host) has gone."""
    if _LIVE.get((store, row.id)) is not None:
        return False
    host, _, pid = row.runner.rpartition(":")
    if host != _HOST or not pid.isdigit():
        return False  # another server's run: that server finishes it
    if int(pid) == os.getpid():
        return True  # this process runs no such thread
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


# --- starting a run ------------------------------------------------------------------------------


def check_band(threshold: float, review_from: float) -> None:
    """Refuse a threshold and review band outside ``0 < review_from <= threshold < 1``, naming the field."""
    problems: dict[str, str] = {}
    if not (math.isfinite(threshold) and 0 < threshold < 1):
        problems["threshold"] = "enter a match probability above 0 and below 1, e.g. 0.9"
    if not (math.isfinite(review_from) and 0 < review_from < 1):
        problems["review_from"] = "enter a match probability above 0 and below 1, e.g. 0.5"
    elif "threshold" not in problems and review_from > threshold:
        problems["review_from"] = (
            f"the review band cannot start above the threshold ({threshold:g}): pairs scored from here "
            "up to the threshold go to the review queue"
        )
    if problems:
        raise InvalidInputError(problems)


def start_run(engine: Engine, actor: Actor, *, threshold: float, review_from: float) -> LinkageRunView:
    """Record a run and start it in a background thread; refused while another is queued or running.

    Audited (``start`` on ``linkage_run``). Follow it with :func:`get_run`.

    Example: ``start_run(engine, analyst, threshold=0.9, review_from=0.5).status`` is ``"queued"``.
    """
    authorise(actor, Action.ENTITY_RESOLVE)
    check_band(threshold, review_from)
    store = _store(engine)
    with _LIVE.starting, session_scope(engine) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _START_LOCK_KEY})
        _record_interrupted(session, store)
        active = session.scalars(
            select(LinkageRun).where(LinkageRun.status.in_(ACTIVE)).order_by(LinkageRun.id).limit(1)
        ).first()
        if active is not None:
            raise ConflictError(
                "run",
                f"linkage run {active.id}, started by {active.started_by}, is still {active.status}: "
                "only one run at a time. Wait for it to finish, then start another",
            )
        run = LinkageRun(
            status=QUEUED,
            threshold=threshold,
            review_from=review_from,
            started_by=actor.username,
            started_at=utcnow(),
            current_step="",
            steps=[],
            runner=_runner(),
        )
        session.add(run)
        session.flush()
        record_event(
            session,
            actor,
            action="start",
            resource_type="linkage_run",
            resource_id=str(run.id),
            details={"threshold": threshold, "review_from": review_from},
        )
        # Known to this process before the row is committed, so no reader takes it for an orphan.
        progress = _LIVE.add((store, run.id))
        try:
            session.commit()
        except BaseException:
            _LIVE.forget((store, run.id))
            raise
    view = _view(store, run, progress)
    thread = threading.Thread(
        target=_run,
        kwargs={
            "engine": engine,
            "run_id": run.id,
            "actor": actor,
            "threshold": threshold,
            "review_from": review_from,
            "progress": progress,
            "gate": _LIVE.gate,
        },
        name=f"linkage-run-{run.id}",
        daemon=True,  # a server stopping mid-run loses nothing: resolve writes in one transaction
    )
    thread.start()
    return view


def _record_interrupted(session: Session, store: str) -> None:
    for row in session.scalars(select(LinkageRun).where(LinkageRun.status.in_(ACTIVE))):
        if _orphaned(store, row):
            row.status, row.error, row.finished_at = FAILED, INTERRUPTED, utcnow()
    session.flush()


# --- the run's thread ----------------------------------------------------------------------------


def _run(
    *,
    engine: Engine,
    run_id: int,
    actor: Actor,
    threshold: float,
    review_from: float,
    progress: _Progress,
    gate: threading.Event | None,
) -> None:
    # SQLite would refuse resolve's writes after ours (see the module's docstring): steps wait.
    write_steps = engine.dialect.name != "sqlite"

    def step(description: str) -> None:
        steps = progress.step(description)
        if write_steps:
            _save_steps(engine, run_id, steps)

    try:
        if gate is not None:
            gate.wait()
        progress.begin()
        _update(engine, run_id, status=RUNNING)
        summary = resolve_entities(
            engine, threshold=threshold, review_from=review_from, actor=actor.username, step=step
        )
    except Exception as exc:
        logger.exception("linkage run %s failed", run_id)
        outcome = _Outcome(FAILED, utcnow(), None, failure_message(exc))
    else:
        outcome = _Outcome(SUCCEEDED, utcnow(), asdict(summary), None)
    try:
        _save_outcome(engine, run_id, outcome, steps=progress.finish(), actor=actor)
    except DBAPIError as exc:
        logger.exception("linkage run %s: could not record how it ended", run_id)
        said = _database_said(exc)
        outcome = _Outcome(
            FAILED,
            utcnow(),
            None,
            f"The store refused to record how this run ended ({said}). Ask your administrator to check "
            "the store, then start the run again.",
        )
    progress.outcome = outcome
    _LIVE.retire((_store(engine), run_id))


def _update(engine: Engine, run_id: int, **values: Any) -> None:
    with session_scope(engine) as session:
        session.execute(update(LinkageRun).where(LinkageRun.id == run_id).values(**values))


def _save_steps(engine: Engine, run_id: int, steps: list[dict[str, Any]]) -> None:
    """Write the steps so far in a transaction of their own; a failure here does not stop the run."""
    try:
        _update(engine, run_id, steps=steps, current_step=steps[-1]["text"])
    except DBAPIError:
        logger.warning("linkage run %s: could not record its progress", run_id, exc_info=True)


def _save_outcome(
    engine: Engine, run_id: int, outcome: _Outcome, *, steps: list[dict[str, Any]], actor: Actor
) -> None:
    """Status, finish time, steps and summary or error; a failure is audited (resolve audits success)."""
    with session_scope(engine) as session:
        session.execute(
            update(LinkageRun)
            .where(LinkageRun.id == run_id)
            .values(
                status=outcome.status,
                finished_at=outcome.finished_at,
                steps=steps,
                summary=outcome.summary,
                error=outcome.error,
            )
        )
        if outcome.status == FAILED:
            record_event(
                session,
                actor,
                action="resolve",
                resource_type="linkage_run",
                resource_id=str(run_id),
                outcome="failure",
                details={"error": outcome.error},
            )


def _database_said(exc: DBAPIError) -> str:
    """The first line of the driver's message: never the SQL, nor PostgreSQL's DETAIL (which quotes values)."""
    said = str(exc.orig).strip()
    return said.splitlines()[0][:200] if said else type(exc.orig).__name__


def failure_message(exc: Exception) -> str:
    """Why a run failed, for the person who started it: no traceback, no SQL, and what to do next.

    Resolve writes in one transaction, so a failed run has changed nothing. Example: a store missing a
    table gives "Linkage stopped and changed nothing: the database refused it (no such table: ...)".
    """
    if isinstance(exc, CrimelinkError):
        return f"Linkage stopped and changed nothing: {exc}."
    if isinstance(exc, DBAPIError):
        said = _database_said(exc)
        if "database is locked" in said:
            return (
                "Linkage stopped and changed nothing: the store was busy with other changes while it ran "
                "(database is locked). Start it again when fewer people are using Crimelink."
            )
        return (
            f"Linkage stopped and changed nothing: the database refused it ({said}). Ask your "
            "administrator to check the store (crimelink db upgrade), then start it again."
        )
    return (
        f"Linkage stopped and changed nothing: an unexpected error ({type(exc).__name__}). "
        "The details are in the server log; ask your administrator."
    )


# --- reading runs --------------------------------------------------------------------------------


def get_run(session: Session, actor: Actor, run_id: int) -> LinkageRunView:
    """One run, with its progress so far (or its summary, or why it failed)."""
    authorise(actor, Action.ENTITY_RESOLVE)
    row = session.get(LinkageRun, run_id)
    if row is None:
        raise NotFoundError(f"there is no linkage run {run_id}")
    store = _store(session.get_bind())
    return _view(store, row, _LIVE.get((store, row.id)))


def list_runs(session: Session, actor: Actor, *, limit: int = 20, offset: int = 0) -> LinkageRunList:
    """Runs, newest first. Reading runs is not audited: they hold counts, never record content."""
    authorise(actor, Action.ENTITY_RESOLVE)
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise InvalidInputError("limit", f"ask for 1 to {MAX_LIST_LIMIT} runs")
    if offset < 0:
        raise InvalidInputError("offset", "start from 0 or later")
    total = session.scalar(select(func.count()).select_from(LinkageRun)) or 0
    rows = session.scalars(select(LinkageRun).order_by(LinkageRun.id.desc()).limit(limit).offset(offset))
    store = _store(session.get_bind())
    return LinkageRunList(
        runs=[_view(store, row, _LIVE.get((store, row.id))) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


def latest_run(session: Session, actor: Actor) -> LinkageRunView | None:
    """The most recent run, in progress or finished; ``None`` before the first."""
    runs = list_runs(session, actor, limit=1).runs
    return runs[0] if runs else None


_SUMMARY_FIELDS = {f.name for f in fields(ResolveSummary)}


def _view(store: str, row: LinkageRun, live: _Progress | None) -> LinkageRunView:
    status, error, finished_at, summary = row.status, row.error, row.finished_at, row.summary
    steps = [RunStep(s["text"], s["started_after"], s["seconds"]) for s in row.steps or []]
    if status in ACTIVE and live is not None:
        status, steps = live.snapshot()
        if live.outcome is not None:
            status, finished_at = live.outcome.status, live.outcome.finished_at
            summary, error = live.outcome.summary, live.outcome.error
    elif status in ACTIVE and _orphaned(store, row):
        status, error = FAILED, INTERRUPTED
    return LinkageRunView(
        id=row.id,
        status=status,
        threshold=row.threshold,
        review_from=row.review_from,
        started_by=row.started_by,
        started_at=row.started_at,
        finished_at=finished_at,
        current_step=steps[-1].text if steps else row.current_step,
        steps=steps,
        summary=ResolveSummary(**{k: v for k, v in summary.items() if k in _SUMMARY_FIELDS})
        if summary
        else None,
        error=error,
    )
