"""Outcomes, the performance dashboard and reminders through the pages and the JSON API, on a real store
and a real SMTP server (aiosmtpd), signed in as people sign in.

The partnership is ``outcomes_factories.py``'s. The pages work on the clock, so dates are relative to
today.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from fastapi.testclient import TestClient
from outcomes_factories import agency_id, build_store, make_action, make_group, make_plan, make_request
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.services.callers import SystemCaller
from crimelink.services.outcomes import OutcomeInput, record_outcome
from crimelink.settings import Settings
from crimelink.store.models import Outcome, ReminderSent
from crimelink.web import create_app

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from web_factories import field_error, form_token, signed_in_as

TODAY = datetime.now(UTC).date()


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], Any]] = []

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        self.received.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(content, policy=email.policy.default))
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Partnership:
    engine: Engine
    app: Any
    inbox: Inbox
    ids: dict[str, int]

    def client(self, username: str) -> tuple[TestClient, str]:
        client = TestClient(self.app)
        return client, signed_in_as(client, username)


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "var",
        secret_key=SecretStr("test-secret-key-" + "k" * 40),
        **overrides,
    )


@pytest.fixture
def partnership(sqlite_engine: Engine, tmp_path: Path) -> Iterator[Partnership]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    build_store(sqlite_engine, with_passwords=True)
    with Session(sqlite_engine) as session:
        group = make_group(session)
        plan = make_plan(session, group_id=group.id)
        action = make_action(
            session,
            plan_id=plan.id,
            agency_id=agency_id(session, "LIC"),
            due_on=TODAY - timedelta(days=4),
            created_at=datetime.now(UTC) - timedelta(days=30),
        )
        request = make_request(
            session, due_on=TODAY - timedelta(days=2), created_at=datetime.now(UTC) - timedelta(days=6)
        )
        session.commit()
        ids = {"group": group.id, "plan": plan.id, "action": action.id, "request": request.id}
    settings = _settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_sender="crimelink@csp.example",
        public_base_url="https://crimelink.example/",
    )
    try:
        yield Partnership(sqlite_engine, create_app(settings, sqlite_engine), inbox, ids)
    finally:
        controller.stop()


def _record(engine: Engine, username: str, **values: Any) -> int:
    from outcomes_factories import actor

    with Session(engine) as session:
        view = record_outcome(session, actor(session, username), OutcomeInput(**values))
        session.commit()
        return view.id


# --- recording --------------------------------------------------------------------------------------


def test_an_officer_records_an_outcome_from_an_action_and_sees_how_it_was_graded(
    partnership: Partnership,
) -> None:
    client, token = partnership.client("lic.officer")
    action = partnership.ids["action"]
    form = client.get(f"/outcomes/new?action_id={action}")
    assert form.status_code == 200
    assert f'name="action_id" type="text" value="{action}"' in form.text
    assert "Cash seizure" in form.text
    assert "unverified [U]" in form.text

    sent = client.post(
        "/outcomes/new",
        data={
            "csrf_token": token,
            "kind": "SEIZURE_CASH",
            "occurred_on": TODAY.isoformat(),
            "value_gbp": "£12,500",
            "action_id": str(action),
            "notes": "Cash in the till's false bottom",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    page = client.get(sent.headers["location"])
    assert "Outcome recorded." in page.text
    assert 'grade-moderate">Moderate</span>' in page.text
    assert "value £12,500 is at least £10,000" in page.text
    assert "The recorder kept that grade." in page.text
    assert f'href="/actions/{action}"' in page.text
    # Licensing does not read groups or plans: the outcome is linked, but their names are not shown.
    assert "Marsh Lane fly-tipping crew" not in page.text
    with Session(partnership.engine) as session:
        stored = session.scalars(select(Outcome)).one()
        assert (stored.group_id, stored.plan_id) == (partnership.ids["group"], partnership.ids["plan"])


def test_the_form_names_each_problem_next_to_its_field(partnership: Partnership) -> None:
    client, token = partnership.client("lic.officer")
    page = client.post(
        "/outcomes/new",
        data={
            "csrf_token": token,
            "kind": "LICENCE_REVIEW",
            "occurred_on": (TODAY + timedelta(days=3)).isoformat(),
            "impact": "MAJOR",
            "quantity": "lots",
            "group_id": "12x",
        },
    )
    assert page.status_code == 400
    assert field_error(page.text, "quantity") == "enter a number, like 12500 or 3.5"
    assert field_error(page.text, "group_id") == "enter a number (digits only)"
    again = client.post(
        "/outcomes/new",
        data={
            "csrf_token": token,
            "kind": "LICENCE_REVIEW",
            "occurred_on": (TODAY + timedelta(days=3)).isoformat(),
            "impact": "MAJOR",
            "group_id": str(partnership.ids["group"]),
        },
    )
    assert again.status_code == 400
    assert field_error(again.text, "occurred_on").startswith("the date is in the future")
    assert field_error(again.text, "override_reason") == (
        "the grading gives minor; say why this outcome is major instead"
    )
    assert field_error(again.text, "group_id").startswith(
        "linking an outcome to an organised crime group needs"
    )
    assert 'value="MAJOR" selected' in again.text  # what was entered is kept
    with Session(partnership.engine) as session:
        assert session.scalars(select(Outcome)).all() == []


# --- list and dashboard -----------------------------------------------------------------------------


def _some_outcomes(partnership: Partnership) -> None:
    group = partnership.ids["group"]
    _record(
        partnership.engine, "oca", kind="SEIZURE_CASH", occurred_on=TODAY, value_gbp=60_000, group_id=group
    )
    _record(partnership.engine, "oca", kind="ARREST", occurred_on=TODAY, quantity=2, unit="people")
    _record(partnership.engine, "env.officer", kind="CLEARANCE_COST", occurred_on=TODAY, cost_gbp=2_750)


def test_the_dashboard_draws_its_charts_and_gives_the_numbers_in_tables(partnership: Partnership) -> None:
    _some_outcomes(partnership)
    client, _ = partnership.client("coordinator")
    page = client.get("/outcomes/dashboard")
    assert page.status_code == 200
    assert page.text.count('<svg role="img"') == 3
    assert '<title id="chart-grades-title">Outcomes by month, by disruption grade</title>' in page.text
    assert 'class="chart-series-major"' in page.text
    assert "<dt>Value seized</dt><dd>£60,000</dd>" in page.text
    assert "<dt>Costs</dt><dd>£2,750</dd>" in page.text
    assert "<dt>Actions overdue now</dt><dd>1</dd>" in page.text
    month = TODAY.strftime("%b %Y")
    row = re.search(rf'<tr><th scope="row">{month}</th>(.*?)</tr>', page.text)
    assert row is not None
    assert re.findall(r'<td class="number">([^<]*)</td>', row.group(1))[:5] == ["1", "0", "1", "1", "3"]
    assert 'href="/groups/' in page.text
    assert "Marsh Lane fly-tipping crew" in page.text
    assert '<link rel="stylesheet" href="/static/charts.css">' in page.text
    assert client.get("/static/charts.css").status_code == 200

    data = client.get("/api/outcomes/dashboard").json()
    assert data["outcomes"] == 3
    assert data["seizure_value_gbp"] == 60_000
    assert data["by_grade"][0] == {
        "grade": "MAJOR",
        "meaning": data["by_grade"][0]["meaning"],
        "outcomes": 1,
        "overridden": 0,
    }
    assert data["months"][-1]["by_kind"] == {"SEIZURE_CASH": 1, "ARREST": 1, "CLEARANCE_COST": 1}
    assert {g["name"] for g in data["by_group"]} == {"Marsh Lane fly-tipping crew", "Not linked to a group"}


def test_a_partner_officer_sees_the_figures_but_never_a_group_name(partnership: Partnership) -> None:
    _some_outcomes(partnership)
    client, _ = partnership.client("pc.officer")
    for path in ("/outcomes/dashboard", "/outcomes", "/api/outcomes/dashboard", "/api/outcomes"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert "Marsh Lane" not in answer.text, path
    assert "shown to those who may read organised crime groups" in client.get("/outcomes/dashboard").text
    assert client.get("/api/outcomes/dashboard").json()["by_group"] is None
    refused = client.get(f"/api/outcomes/dashboard?group_id={partnership.ids['group']}")
    assert refused.status_code == 403
    assert "group.view" in refused.json()["detail"]


def test_the_outcomes_list_filters_and_links_each_outcome(partnership: Partnership) -> None:
    _some_outcomes(partnership)
    client, _ = partnership.client("oca")
    page = client.get(f"/outcomes?agency_id={agency_id_of(partnership, 'ENV')}")
    assert page.status_code == 200
    assert re.search(r'<a href="/outcomes/\d+">Clearance cost \(e.g. fly-tipping\)</a>', page.text)
    assert not re.search(r'<a href="/outcomes/\d+">Cash seizure</a>', page.text)
    assert "Outcomes, newest first (1)" in page.text
    assert '<a href="/outcomes/new">Record an outcome</a>' in page.text
    bad = client.get("/outcomes?since=2026-13-01")
    assert bad.status_code == 400
    assert field_error(bad.text, "since") == "enter a date like 2026-03-16"


def agency_id_of(partnership: Partnership, code: str) -> int:
    with Session(partnership.engine) as session:
        return agency_id(session, code)


# --- the API ----------------------------------------------------------------------------------------


def test_the_api_records_lists_and_reads_outcomes(partnership: Partnership) -> None:
    client, token = partnership.client("oca")
    headers = {"X-CSRF-Token": token}
    body = {
        "kind": "SEIZURE_FIREARMS",
        "occurred_on": TODAY.isoformat(),
        "quantity": 2,
        "unit": "handguns",
        "plan_id": partnership.ids["plan"],
    }
    created = client.post("/api/outcomes", json=body, headers=headers)
    assert created.status_code == 201, created.text
    outcome = created.json()
    assert outcome["impact"] == "MAJOR"
    assert outcome["group_name"] == "Marsh Lane fly-tipping crew"
    assert "2 firearms is at least 2 firearms" in outcome["impact_basis"]
    assert client.get(f"/api/outcomes/{outcome['id']}").json()["id"] == outcome["id"]
    assert [o["id"] for o in client.get("/api/outcomes?kind=SEIZURE_FIREARMS").json()["outcomes"]] == [
        outcome["id"]
    ]

    refused = client.post(
        "/api/outcomes", json={**body, "impact": "MINOR", "action_id": 999_999}, headers=headers
    )
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"override_reason", "action_id"}
    assert client.post("/api/outcomes", json=body).status_code == 403  # no CSRF header
    assert client.get("/api/outcomes/999999").status_code == 404

    grading = client.get("/api/outcomes/grading").json()
    assert grading["verified"] is False
    cash = next(k for k in grading["kinds"] if k["kind"] == "SEIZURE_CASH")
    assert [r["value_at_least"] for r in cash["rules"]] == [50_000, 10_000]


# --- reminders and the home page --------------------------------------------------------------------


def test_a_coordinator_sends_reminders_from_the_home_page(partnership: Partnership) -> None:
    client, _ = partnership.client("coordinator")
    home = client.get("/")
    action, request = partnership.ids["action"], partnership.ids["request"]
    assert f'<a href="/actions/{action}">Licence review: Supreme Pizza, 12 Marsh Lane</a>' in home.text
    assert f'<a href="/requests/{request}">' in home.text
    assert "Overdue actions (1)" in home.text
    assert "2 days overdue" in home.text
    assert 'action="/reminders/send"' in home.text
    twin = client.get("/api/me").json()["home"]  # the home page's JSON twin lists the same
    assert [(i["subject_id"], i["path"]) for i in twin["overdue_actions"]] == [(action, f"/actions/{action}")]
    assert f'<td class="number">{twin["overdue_actions"][0]["days_overdue"]}</td>' in home.text
    assert [i["subject_id"] for i in twin["pending_requests"]] == [request]

    page = client.post("/reminders/send", data={"csrf_token": form_token(home.text)})
    assert page.status_code == 200
    assert "1 e-mail delivered" in page.text
    [(rcpts, message)] = partnership.inbox.received
    assert rcpts == ["lic.officer@licensing.example"]
    text = message.get_content()
    assert "Licence review: Supreme Pizza, 12 Marsh Lane" in text
    assert f"Open it: https://crimelink.example/actions/{action}" in text
    assert f"Open it: https://crimelink.example/requests/{request}" in text
    assert "Delivered" in page.text  # the log
    # Straight away again: nothing new is sent.
    again = client.post("/reminders/send", data={"csrf_token": form_token(home.text)})
    assert "nothing to remind anyone about" in again.text
    assert "2 items reminded about recently, left for now" in again.text
    assert len(partnership.inbox.received) == 1


def test_partners_see_their_own_agencys_items_and_no_send_button(partnership: Partnership) -> None:
    officer, _ = partnership.client("lic.officer")
    home = officer.get("/")
    assert "Overdue actions and pending requests for Ashvale Licensing" in home.text
    assert f'href="/actions/{partnership.ids["action"]}"' in home.text
    assert 'action="/reminders/send"' not in home.text
    assert officer.get("/reminders").status_code == 403
    other, token = partnership.client("env.officer")
    assert "Licence review: Supreme Pizza" not in other.get("/").text
    assert other.post("/api/reminders/send", headers={"X-CSRF-Token": token}).status_code == 403


def test_the_reminders_api_and_a_server_that_is_down(partnership: Partnership, tmp_path: Path) -> None:
    client, token = partnership.client("coordinator")
    headers = {"X-CSRF-Token": token}
    dry = client.post("/api/reminders/send?dry_run=true", headers=headers).json()
    assert dry["dry_run"] is True
    assert [letter["recipient"] for letter in dry["letters"]] == ["lic.officer@licensing.example"]
    assert dry["letters"][0]["delivered"] is None
    assert partnership.inbox.received == []

    down_app = create_app(
        _settings(tmp_path / "down", smtp_host="127.0.0.1", smtp_port=free_port()), partnership.engine
    )
    down = TestClient(down_app)
    down_token = signed_in_as(down, "coordinator")
    answer = down.post("/api/reminders/send", headers={"X-CSRF-Token": down_token}).json()
    assert (answer["delivered"], answer["failed"]) == (0, 1)
    assert answer["problem"].startswith("could not connect to the SMTP server 127.0.0.1:")
    page = down.get("/reminders")
    assert "Failed" in page.text
    assert "could not connect to the SMTP server" in page.text
    with Session(partnership.engine) as session:
        assert [r.delivered for r in session.scalars(select(ReminderSent))] == [False, False]
    log = down.get("/api/reminders").json()["reminders"]
    assert {r["path"] for r in log} == {
        f"/actions/{partnership.ids['action']}",
        f"/requests/{partnership.ids['request']}",
    }

    unconfigured = TestClient(create_app(_settings(tmp_path / "none"), partnership.engine))
    none_token = signed_in_as(unconfigured, "coordinator")
    refused = unconfigured.post("/api/reminders/send", headers={"X-CSRF-Token": none_token})
    assert refused.status_code == 503
    assert "set CRIMELINK_SMTP_HOST" in refused.json()["detail"]
    page = unconfigured.post("/reminders/send", data={"csrf_token": none_token})
    assert page.status_code == 503
    assert "Reminders cannot be sent" in page.text


# --- navigation and accessibility -------------------------------------------------------------------


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        if tag == "label" and values.get("for"):
            self.labelled.add(str(values["for"]))
        if tag in {"input", "select", "textarea"} and values.get("type") != "hidden":
            self.fields.append(values)


def test_every_page_is_in_the_navigation_and_labels_its_fields(partnership: Partnership) -> None:
    outcome = _record(partnership.engine, "oca", kind="ARREST", occurred_on=TODAY)
    client, _ = partnership.client("coordinator")
    home = client.get("/").text
    for href, text in (
        ("/outcomes", "Outcomes"),
        ("/outcomes/dashboard", "Performance"),
        ("/reminders", "Reminders"),
    ):
        assert f'<a href="{href}">{text}</a>' in home
    officer, _ = partnership.client("pc.officer")
    officer_home = officer.get("/").text
    assert '<a href="/outcomes">Outcomes</a>' in officer_home
    assert '<a href="/reminders">Reminders</a>' not in officer_home
    for path in (
        "/outcomes",
        "/outcomes/new",
        "/outcomes/dashboard",
        f"/outcomes/{outcome}",
        "/reminders",
        "/",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        parser = _Fields()
        parser.feed(page.text)
        assert parser.lang == "en-GB"
        unlabelled = [
            f for f in parser.fields if f.get("id") not in parser.labelled and not f.get("aria-label")
        ]
        assert unlabelled == [], path
    assert SystemCaller  # the scheduler's caller is exercised in test_reminders.py
