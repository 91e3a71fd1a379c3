"""Entity resolution started from the page: the run goes to the background, the page follows its steps
and then shows what it did; one run at a time; only analysts; a failing run says why. Real SQLite, real
threads: the police and housing records of entity_world.py, imported through their mappings and not yet
resolved, so the run the analyst starts is the one that makes the entities.
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from entity_world import (
    HOUSING_COLUMNS,
    HOUSING_ROWS,
    POLICE_COLUMNS,
    POLICE_ROWS,
    housing_mapping,
    police_mapping,
)
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session
from web_factories import add_agencies, audit_events, form_token, make_user, sign_in

from crimelink.api.deps import CSRF_HEADER
from crimelink.domain import Purpose
from crimelink.ingest.importer import import_file
from crimelink.ingest.mapping import DatasetMapping
from crimelink.services import linkage_runs
from crimelink.services.auth import actor_for_user, create_api_token
from crimelink.settings import Settings
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import Entity, LinkageRun, RecordEntityLink, User
from crimelink.web import create_app

#: Long enough for resolution of a dozen records on a slow machine; a run takes a few seconds.
RUN_TIMEOUT = 120
FINISHED = ("succeeded", "failed")


def _import(
    engine: Engine, path: Path, key: str, columns: dict[str, str], rows: list[dict[str, str]]
) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[key, *columns])
        writer.writeheader()
        writer.writerows(rows)
    mapping = police_mapping() if key == "URN" else housing_mapping()
    summary = import_file(engine, path, DatasetMapping.from_dict(mapping))
    assert summary.quarantined == 0, summary


@pytest.fixture(scope="module")
def records_store(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> tuple[Path, Settings]:
    """Agencies, an analyst and a partner officer, and both agencies' records; no entities yet."""
    directory = tmp_path_factory.mktemp("linkage-runs")
    path = directory / "crimelink.db"
    shutil.copyfile(sqlite_template, path)
    settings = Settings(
        _env_file=None, data_dir=directory / "var", secret_key=SecretStr("linkage-runs-" + "k" * 40)
    )
    engine = make_engine(f"sqlite:///{path}")
    add_agencies(engine)
    make_user(engine, settings, username="analyst.one", display_name="Ana Lyst")
    make_user(engine, settings, username="partner.one", agency_code="LBA-HOUSING", roles=["PARTNER_OFFICER"])
    _import(engine, directory / "police.csv", "URN", POLICE_COLUMNS, POLICE_ROWS)
    _import(engine, directory / "housing.csv", "Ref", HOUSING_COLUMNS, HOUSING_ROWS)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path, settings


@dataclass(frozen=True)
class Site:
    app: Any
    engine: Engine

    def browser(self, username: str) -> TestClient:
        """A browser of its own, signed in as ``username`` through the form."""
        client = TestClient(self.app)
        answer = sign_in(client, username)
        assert answer.status_code == 303, answer.text
        return client

    def api_client(self, username: str, scopes: list[str]) -> TestClient:
        """A machine client with an API token of the user's, limited to ``scopes``."""
        with session_scope(self.engine) as session:
            user = session.scalars(select(User).where(User.username == username)).one()
            actor = actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)
            token, _ = create_api_token(session, actor=actor, name="linkage tests", scopes=scopes)
        return TestClient(self.app, headers={"Authorization": f"Bearer {token}"})

    def count(self, model: Any) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def site(records_store: tuple[Path, Settings], tmp_path: Path) -> Iterator[Site]:
    template, settings = records_store
    path = tmp_path / "crimelink.db"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield Site(create_app(settings, engine), engine)
    engine.dispose()


def csrf(client: TestClient) -> str:
    return form_token(client.get("/").text)


def visible_text(page: str) -> str:
    """The page's words as a person reads them (no space before punctuation where a tag ended)."""
    words = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).strip()
    return re.sub(r" ([,.:;)])", r"\1", words)


def polls(fragment: str) -> bool:
    return 'hx-trigger="every 2s"' in fragment


def wait_for_the_end(client: TestClient, run_id: int) -> str:
    """Ask for the run's progress as the page's htmx does until the answer stops asking again."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        fragment = client.get(f"/linkage/runs/{run_id}/progress")
        assert fragment.status_code == 200, fragment.text
        if not polls(fragment.text):
            return fragment.text
        assert time.monotonic() < deadline, f"run {run_id} did not finish: {visible_text(fragment.text)}"
        time.sleep(0.1)


def start_from_the_page(client: TestClient, **values: str) -> Any:
    page = client.get("/linkage")
    assert page.status_code == 200
    form = {"threshold": "0.9", "review_from": "0.5"} | values
    return client.post(
        "/linkage/runs", data={"csrf_token": form_token(page.text), **form}, follow_redirects=False
    )


# --- a run from start to summary ------------------------------------------------------------------


def test_an_analyst_starts_a_run_from_the_page_and_watches_its_steps_then_its_summary(site: Site) -> None:
    analyst = site.browser("analyst.one")
    assert site.count(Entity) == 0
    page = analyst.get("/linkage")
    assert '<a href="/linkage" aria-current="page">Entity resolution</a>' in page.text
    assert "No earlier runs: entity resolution has not been run from this page yet." in visible_text(
        page.text
    )

    with linkage_runs.hold_new_runs() as release:  # the run waits, so the page is seen while it does
        sent = start_from_the_page(analyst, threshold="0.9", review_from="0.5")
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"] == "/linkage?started=1"
        waiting = analyst.get(sent.headers["location"])
        text = visible_text(waiting.text)
        assert "Linkage run 1 started." in text
        assert "Waiting to start Run 1, started by analyst.one" in text
        assert 'hx-get="/linkage/runs/1/progress"' in waiting.text
        assert polls(waiting.text)
        assert analyst.get("/api/linkage/runs/1").json()["status"] == "queued"
        release.set()
        started = time.monotonic()
        finished = wait_for_the_end(analyst, 1)
    took = time.monotonic() - started

    assert not polls(finished)
    shown = visible_text(finished)
    assert "Finished Run 1" in shown
    for step in (
        "Reading the current version of every record",
        "Writing entities and links",
        "Writing search keys and the review queue",
    ):
        assert step in shown
    assert "What the run did" in shown
    assert "Entities by kind after the run" in shown
    assert re.search(r"People \d+", shown)
    assert 'href="/review"' in finished

    run = analyst.get("/api/linkage/runs/1").json()
    assert run["status"] == "succeeded"
    assert run["error"] is None
    steps = [s["text"] for s in run["steps"]]
    assert steps[0] == "reading the current version of every record"
    assert "writing entities and links" in steps
    assert all(s["seconds"] is not None and s["seconds"] >= 0 for s in run["steps"])
    assert sum(s["seconds"] for s in run["steps"]) <= took + 1
    summary = run["summary"]
    assert summary["new"] == sum(summary["entities_by_kind"].values()) > 0
    assert summary["entities_by_kind"]["PERSON"] >= 4
    assert summary["model_version"]
    # The entities are in the store, and the row keeps the steps with the outcome.
    assert site.count(Entity) == summary["new"]
    assert site.count(RecordEntityLink) == summary["links_created"]
    with Session(site.engine) as session:
        row = session.get(LinkageRun, 1)
        assert row is not None
        assert (row.status, row.started_by, row.threshold, row.review_from) == (
            "succeeded",
            "analyst.one",
            0.9,
            0.5,
        )
        assert [s["text"] for s in row.steps] == steps
        assert row.finished_at is not None
        assert row.summary is not None
        assert row.summary["new"] == summary["new"]

    [start] = audit_events(site.engine, resource_type="linkage_run")
    assert (start.action, start.actor, start.resource_id) == ("start", "analyst.one", "1")
    assert start.details == {"threshold": 0.9, "review_from": 0.5}
    assert [e.actor for e in audit_events(site.engine, action="resolve")] == ["analyst.one"]

    # The page now shows the run as the latest, finished; the run's own page says the same.
    latest = visible_text(analyst.get("/linkage").text)
    assert "Latest run Finished Run 1" in latest
    assert "No earlier runs." in latest
    own = analyst.get("/linkage/runs/1")
    assert own.status_code == 200
    assert '<a href="/api/linkage/runs/1">This page as JSON</a>' in own.text
    assert not polls(own.text)
    listed = analyst.get("/api/linkage/runs").json()
    assert (listed["total"], [r["id"] for r in listed["runs"]]) == (1, [1])


# --- one at a time ----------------------------------------------------------------------------------


def test_a_second_run_is_refused_while_one_is_queued_and_accepted_once_it_has_finished(site: Site) -> None:
    analyst = site.browser("analyst.one")
    token = csrf(analyst)
    body = {"threshold": 0.9, "review_from": 0.5}
    with linkage_runs.hold_new_runs() as release:
        first = analyst.post("/api/linkage/runs", json=body, headers={CSRF_HEADER: token})
        assert first.status_code == 201, first.text
        assert (first.json()["id"], first.json()["status"]) == (1, "queued")
        again = analyst.post("/api/linkage/runs", json=body, headers={CSRF_HEADER: token})
        assert again.status_code == 409
        assert "linkage run 1, started by analyst.one, is still queued" in again.json()["errors"]["run"]
        from_the_page = start_from_the_page(analyst)
        assert from_the_page.status_code == 409
        assert "only one run at a time. Wait for it to finish" in visible_text(from_the_page.text)
        assert site.count(LinkageRun) == 1
        release.set()
        wait_for_the_end(analyst, 1)
    assert analyst.get("/api/linkage/runs/1").json()["status"] == "succeeded"
    second = analyst.post("/api/linkage/runs", json=body, headers={CSRF_HEADER: token})
    assert second.status_code == 201, second.text
    wait_for_the_end(analyst, 2)
    rerun = analyst.get("/api/linkage/runs/2").json()
    assert rerun["status"] == "succeeded"
    assert rerun["summary"]["new"] == 0  # the same records: every entity kept
    assert [e.resource_id for e in audit_events(site.engine, resource_type="linkage_run")] == ["1", "2"]


def test_a_run_left_running_by_another_server_blocks_one_left_by_a_stopped_server_does_not(
    site: Site,
) -> None:
    analyst = site.browser("analyst.one")
    token = csrf(analyst)
    with session_scope(site.engine) as session:
        session.add(_left_running(runner="another-host:4242"))
    refused = analyst.post("/api/linkage/runs", json={}, headers={CSRF_HEADER: token})
    assert refused.status_code == 409
    assert "is still running" in refused.json()["errors"]["run"]
    elsewhere = analyst.get("/linkage/runs/1/progress").text
    assert polls(elsewhere)  # that server is still working on it: its progress, as the store has it
    assert "Running Run 1" in visible_text(elsewhere)
    assert "Scoring candidate pairs (in progress)" in visible_text(elsewhere)

    with session_scope(site.engine) as session:
        session.execute(text("UPDATE linkage_runs SET status = 'failed' WHERE id = 1"))
        # This process's own id and host, but no thread of this process runs it: the server was restarted.
        session.add(_left_running(runner=f"{socket.gethostname()}:{os.getpid()}"))
    interrupted = analyst.get("/api/linkage/runs/2").json()
    assert (interrupted["status"], interrupted["error"]) == ("failed", linkage_runs.INTERRUPTED)
    assert not polls(analyst.get("/linkage/runs/2/progress").text)
    started = analyst.post("/api/linkage/runs", json={}, headers={CSRF_HEADER: token})
    assert started.status_code == 201, started.text
    wait_for_the_end(analyst, 3)
    with Session(site.engine) as session:
        statuses = dict(session.execute(select(LinkageRun.id, LinkageRun.status)).all())
        assert statuses == {1: "failed", 2: "failed", 3: "succeeded"}
        assert session.scalars(select(LinkageRun.error).where(LinkageRun.id == 2)).one() == (
            linkage_runs.INTERRUPTED
        )


def _left_running(*, runner: str) -> LinkageRun:
    return LinkageRun(
        status="running",
        threshold=0.9,
        review_from=0.5,
        started_by="analyst.one",
        started_at=datetime.now(UTC),
        current_step="scoring candidate pairs",
        steps=[{"text": "scoring candidate pairs", "started_after": 1.0, "seconds": None}],
        runner=runner,
    )


# --- what is refused --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        ({"threshold": 1.0}, "threshold", "less than 1"),
        ({"threshold": 0}, "threshold", "greater than 0"),
        ({"threshold": "high"}, "threshold", "valid number"),
        ({"review_from": 0}, "review_from", "greater than 0"),
        ({"threshold": 0.8, "review_from": 0.85}, "review_from", "cannot start above the threshold (0.8)"),
    ],
    ids=["threshold-1", "threshold-0", "threshold-text", "review-from-0", "review-above-threshold"],
)
def test_a_bad_threshold_or_review_band_is_refused_naming_the_field(
    site: Site, body: dict[str, Any], field: str, problem: str
) -> None:
    analyst = site.browser("analyst.one")
    answer = analyst.post("/api/linkage/runs", json=body, headers={CSRF_HEADER: csrf(analyst)})
    assert answer.status_code == 422, answer.text
    assert problem in answer.json()["errors"][field]
    assert site.count(LinkageRun) == 0


def test_the_page_shows_what_is_wrong_next_to_the_field_and_keeps_what_was_typed(site: Site) -> None:
    analyst = site.browser("analyst.one")
    typed = start_from_the_page(analyst, threshold="ninety", review_from="0.5")
    assert typed.status_code == 400
    assert 'id="threshold-error"' in typed.text
    assert "enter a match probability between 0 and 1, e.g. 0.9" in visible_text(typed.text)
    assert 'value="ninety"' in typed.text
    above = start_from_the_page(analyst, threshold="0.7", review_from="0.75")
    assert above.status_code == 400
    assert 'id="review_from-error"' in above.text
    assert "There is a problem" in visible_text(above.text)
    assert "the review band cannot start above the threshold (0.7)" in visible_text(above.text)
    assert site.count(LinkageRun) == 0
    assert audit_events(site.engine, resource_type="linkage_run") == []


def test_only_analysts_may_start_or_follow_runs_and_only_they_have_the_link(site: Site) -> None:
    partner = site.browser("partner.one")
    token = csrf(partner)
    for path in ("/linkage", "/linkage/runs/1", "/api/linkage/runs", "/api/linkage/runs/1"):
        refused = partner.get(path)
        assert refused.status_code == 403, path
        assert "the entity.resolve action needs one of the roles ANALYST" in refused.text
    assert partner.post("/api/linkage/runs", json={}, headers={CSRF_HEADER: token}).status_code == 403
    assert partner.post("/linkage/runs", data={"csrf_token": token, "threshold": "0.9"}).status_code == 403
    assert site.count(LinkageRun) == 0
    home = partner.get("/").text
    assert 'href="/linkage"' not in home
    assert "Entity resolution" not in home
    assert 'href="/linkage"' in site.browser("analyst.one").get("/").text

    # A machine client needs a token with the import scope, as for importing registers.
    reader = site.api_client("analyst.one", ["read", "write"])
    refused = reader.get("/api/linkage/runs")
    assert refused.status_code == 403
    assert "do not cover entity.resolve" in refused.json()["detail"]
    importer = site.api_client("analyst.one", ["import"])
    assert importer.get("/api/linkage/runs").json()["total"] == 0


# --- a run that fails ---------------------------------------------------------------------------------


def test_a_run_that_fails_ends_failed_saying_why_and_changes_nothing(site: Site) -> None:
    with site.engine.begin() as connection:
        connection.execute(text("DROP TABLE linkage_keys"))  # resolve writes search keys there
    analyst = site.browser("analyst.one")
    sent = start_from_the_page(analyst)
    assert sent.status_code == 303
    finished = wait_for_the_end(analyst, 1)
    shown = visible_text(finished)
    assert "Failed Run 1" in shown
    assert "The run failed" in shown
    run = analyst.get("/api/linkage/runs/1").json()
    assert run["status"] == "failed"
    assert run["error"] == (
        "Linkage stopped and changed nothing: the database refused it (no such table: linkage_keys). "
        "Ask your administrator to check the store (crimelink db upgrade), then start it again."
    )
    assert run["error"] in shown
    for leak in ("Traceback", 'File "', "DELETE FROM", "sqlalche.me"):
        assert leak not in finished
        assert leak not in run["error"]
    assert run["summary"] is None
    assert run["steps"][-1]["text"] == "writing search keys and the review queue"
    assert site.count(Entity) == 0  # resolve's one transaction was rolled back
    [start, failure] = audit_events(site.engine, resource_type="linkage_run")
    assert (start.action, start.outcome) == ("start", "success")
    assert (failure.action, failure.actor, failure.outcome) == ("resolve", "analyst.one", "failure")
    assert failure.details == {"error": run["error"]}
    # The next run is not blocked by the failed one.
    assert "Failed" in visible_text(analyst.get("/linkage").text)
    assert start_from_the_page(analyst).status_code == 303
    assert "Failed Run 2" in visible_text(wait_for_the_end(analyst, 2))


# --- progress in the store, on both databases ------------------------------------------------------


def test_each_step_is_written_in_its_own_transaction_where_the_database_allows_it(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """PostgreSQL: one short UPDATE per step as it happens. SQLite refuses a transaction's first write if
    another connection committed after it began reading, so there the steps are written with the outcome."""
    add_agencies(engine)
    make_user(engine, settings, username="analyst.one")
    _import(engine, tmp_path / "police.csv", "URN", POLICE_COLUMNS, POLICE_ROWS)
    _import(engine, tmp_path / "housing.csv", "Ref", HOUSING_COLUMNS, HOUSING_ROWS)
    with session_scope(engine) as session:
        user = session.scalars(select(User).where(User.username == "analyst.one")).one()
        analyst = actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)
    progress_writes: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.startswith("UPDATE linkage_runs") and "current_step" in statement:
            progress_writes.append(str(parameters))

    event.listen(engine, "before_cursor_execute", seen)
    run = linkage_runs.start_run(engine, analyst, threshold=0.9, review_from=0.5)
    deadline = time.monotonic() + RUN_TIMEOUT
    while (found := _read_run(engine, analyst, run.id)).active:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    event.remove(engine, "before_cursor_execute", seen)

    assert found.status == "succeeded", found.error
    assert found.summary is not None
    assert found.summary.entities_by_kind["PERSON"] >= 4
    steps = [step.text for step in found.steps]
    assert "writing entities and links" in steps
    if engine.dialect.name == "postgresql":
        assert len(progress_writes) == len(steps)
        assert "writing entities and links" in progress_writes[steps.index("writing entities and links")]
    else:
        assert progress_writes == []
    with Session(engine) as session:
        row = session.get(LinkageRun, run.id)
        assert row is not None
        assert [step["text"] for step in row.steps] == steps


def _read_run(engine: Engine, actor: Any, run_id: int) -> linkage_runs.LinkageRunView:
    with Session(engine) as session:
        return linkage_runs.get_run(session, actor, run_id)
