"""Reminder e-mails, received by a real SMTP server the tests start (aiosmtpd on a free local port).

An overdue action reaches its assignee (or the agency's contacts, or its co-ordinators), naming the
action and its due date; the same item is not reminded about again within the interval; pending
requests reach their requester and the specialist they are routed to; a server that is down is said
so, clearly, and every attempt is kept. Also the command line and the home page's lists.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from outcomes_factories import (
    NOW,
    TODAY,
    actor,
    agency_id,
    audit_events,
    build_store,
    build_world,
    make_action,
    make_contact,
    make_plan,
    make_request,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crimelink.cli import app
from crimelink.domain import RequestStatus
from crimelink.errors import ConfigurationError, PermissionDeniedError
from crimelink.services.callers import SystemCaller
from crimelink.services.mail import SmtpMailer
from crimelink.services.reminders import (
    ReminderPolicy,
    ReminderRun,
    overdue_actions_for,
    pending_requests_for,
    send_reminders,
)
from crimelink.settings import get_settings
from crimelink.store import migrate
from crimelink.store.engine import make_engine
from crimelink.store.models import AssistanceRequest, PlanAction, ReminderSent

SCHEDULER = SystemCaller("reminders send")
POLICY = ReminderPolicy(
    resend_after=timedelta(hours=24), request_pending_days=14, base_url="https://crimelink.example"
)
REFUSED = "nobody@refused.example"


class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], Message]] = []

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: SmtpSession, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: SmtpSession, envelope: Envelope
    ) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        self.received.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(content, policy=email.policy.default))
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [message for rcpts, message in self.received if address in rcpts]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]


@pytest.fixture
def mailer(smtp: tuple[Inbox, int]) -> SmtpMailer:
    return SmtpMailer(host="127.0.0.1", port=smtp[1], sender="crimelink@csp.example", timeout=5)


@pytest.fixture
def session(sqlite_engine: Engine) -> Iterator[Session]:
    with Session(sqlite_engine) as session:
        build_world(session)
        yield session


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


def run(session: Session, mailer: SmtpMailer, **overrides: Any) -> ReminderRun:
    values: dict[str, Any] = {"mailer": mailer, "policy": POLICY, "now": NOW}
    values.update(overrides)
    return send_reminders(session, SCHEDULER, **values)


# --- actions -----------------------------------------------------------------------------------------


def test_an_overdue_action_produces_an_email_the_server_receives(
    session: Session, mailer: SmtpMailer, inbox: Inbox
) -> None:
    action = make_action(session)  # licensing's, assigned to lic.officer, due 9 Mar 2026
    make_action(session, title="Not yet due", due_on=TODAY + timedelta(days=2))

    result = run(session, mailer)

    assert (result.delivered, result.failed) == (1, 0)
    [message] = inbox.to("lic.officer@licensing.example")
    assert len(inbox.received) == 1
    assert message["Subject"] == "Crimelink reminder: 1 overdue action"
    assert message["From"] == "crimelink@csp.example"
    text = body(message)
    assert f"Overdue action {action.id}: Licence review: Supreme Pizza, 12 Marsh Lane" in text
    assert "Due: 09 Mar 2026" in text
    assert "7 days overdue (due 09 Mar 2026)" in text
    assert f"Open it: https://crimelink.example/actions/{action.id}" in text
    assert "You get this as the action's assignee." in text
    assert "Not yet due" not in text
    [sent] = session.scalars(select(ReminderSent)).all()
    assert (sent.subject_type, sent.subject_id, sent.recipient, sent.delivered) == (
        "action",
        action.id,
        "lic.officer@licensing.example",
        True,
    )
    assert session.get(PlanAction, action.id).reminded_at is not None  # type: ignore[union-attr]
    [event] = audit_events(session, resource_type="reminders", action="send")
    assert event.actor == "system:reminders send"
    assert event.details["reminded"] == [f"action:{action.id}"]


def test_the_same_item_is_not_reminded_about_again_within_the_interval(
    session: Session, mailer: SmtpMailer, inbox: Inbox
) -> None:
    action = make_action(session)
    run(session, mailer)
    again = run(session, mailer, now=NOW + timedelta(hours=23))
    assert again.results == ()
    assert [i.subject_id for i in again.plan.recently_reminded] == [action.id]
    assert "1 item reminded about recently, left for now" in again.summary()
    assert len(inbox.received) == 1
    later = run(session, mailer, now=NOW + timedelta(hours=25))
    assert later.delivered == 1
    assert len(inbox.received) == 2
    assert "8 days overdue" in body(inbox.received[1][1])


def test_each_person_gets_one_email_listing_all_their_items(
    session: Session, mailer: SmtpMailer, inbox: Inbox
) -> None:
    first = make_action(session)
    second = make_action(session, title="Test purchase at the off-licence", due_on=TODAY - timedelta(days=1))
    run(session, mailer)
    [message] = inbox.to("lic.officer@licensing.example")
    assert message["Subject"] == "Crimelink reminder: 2 overdue actions"
    text = body(message)
    assert f"/actions/{first.id}" in text
    assert f"/actions/{second.id}" in text
    assert "1 day overdue (due 15 Mar 2026)" in text
    assert len(session.scalars(select(ReminderSent)).all()) == 2


def test_without_the_assignees_address_the_agencys_contacts_then_its_coordinators_are_told(
    session: Session, mailer: SmtpMailer, inbox: Inbox
) -> None:
    env = agency_id(session, "ENV")
    make_contact(session, agency_id=env, name="Env duty officer", email="duty@env.example")
    make_contact(session, agency_id=env, name="Retired", email="old@env.example", active=False)
    tipping = make_action(session, agency_id=env, assignee="env.officer", title="Seize the tipper lorry")
    housing = make_action(
        session, agency_id=agency_id(session, "HOUSING"), assignee="", title="Inspect the HMO at 3 Marsh Lane"
    )
    nobody = make_action(session, agency_id=agency_id(session, "POLICE"), assignee="", title="Visit the yard")

    result = run(session, mailer)

    [duty] = inbox.to("duty@env.example")
    assert "Seize the tipper lorry" in body(duty)
    assert "a directory contact of Ashvale Environmental Enforcement" in body(duty)
    assert inbox.to("old@env.example") == []
    [coordinator] = inbox.to("coord@housing.example")
    assert "Inspect the HMO at 3 Marsh Lane" in body(coordinator)
    assert "a co-ordinator of Ashvale Housing" in body(coordinator)
    # No one at the police has an address to be reminded at: the item is listed, not lost.
    assert [i.subject_id for i in result.plan.unaddressed] == [nobody.id]
    assert f"no one with an e-mail address to tell about action {nobody.id}" in result.summary()
    assert session.get(PlanAction, nobody.id).reminded_at is None  # type: ignore[union-attr]
    assert {tipping.id, housing.id} == {
        s.subject_id for s in session.scalars(select(ReminderSent)).all() if s.delivered
    }


def test_a_directory_contact_named_as_the_assignee_is_told_rather_than_every_contact(
    session: Session, mailer: SmtpMailer, inbox: Inbox
) -> None:
    env = agency_id(session, "ENV")
    make_contact(session, agency_id=env, name="Env duty officer", email="duty@env.example")
    make_contact(session, agency_id=env, name="Sam Reyes", email="sam.reyes@env.example")
    make_action(session, agency_id=env, assignee="Sam Reyes")
    run(session, mailer)
    assert [rcpts for rcpts, _ in inbox.received] == [["sam.reyes@env.example"]]


# --- requests ----------------------------------------------------------------------------------------


def test_pending_requests_remind_the_requester_and_the_specialist_they_are_routed_to(
    session: Session, mailer: SmtpMailer, inbox: Inbox
) -> None:
    overdue = make_request(session)  # due 3 days ago
    fi = make_contact(
        session, agency_id=agency_id(session, "POLICE"), name="DC Femi Ade", email="femi.ade@police.example"
    )
    routed_long_ago = make_request(
        session,
        title="Surveillance on the Marsh Lane yard",
        status=RequestStatus.ROUTED,
        routed_to_contact_id=fi.id,
        routed_to_agency_id=agency_id(session, "POLICE"),
        due_on=None,
        created_at=NOW - timedelta(days=20),
    )
    make_request(session, title="Recent and not yet due", due_on=TODAY + timedelta(days=5))
    make_request(session, title="Already closed", status=RequestStatus.CLOSED)

    result = run(session, mailer)

    assert result.failed == 0
    [requester] = inbox.to("lic.officer@licensing.example")
    assert requester["Subject"] == "Crimelink reminder: 2 pending requests for assistance"
    text = body(requester)
    assert f"Request for assistance {overdue.id}: Financial investigator for Supreme Pizza's takings" in text
    assert "3 days overdue (due 13 Mar 2026)" in text
    assert f"https://crimelink.example/requests/{overdue.id}" in text
    assert "open for 20 days, no due date" in text
    assert "Recent and not yet due" not in text
    assert "Already closed" not in text
    [specialist] = inbox.to("femi.ade@police.example")
    assert "Surveillance on the Marsh Lane yard" in body(specialist)
    assert "the specialist the request is routed to" in body(specialist)
    assert session.get(AssistanceRequest, routed_long_ago.id).reminded_at is not None  # type: ignore[union-attr]


def test_actions_and_requests_to_the_same_person_share_one_email(
    session: Session, mailer: SmtpMailer, inbox: Inbox
) -> None:
    make_action(session)
    make_request(session)
    run(session, mailer)
    [message] = inbox.to("lic.officer@licensing.example")
    assert message["Subject"] == "Crimelink reminder: 1 overdue action and 1 pending request for assistance"


# --- failures ----------------------------------------------------------------------------------------


def test_an_smtp_server_that_is_down_is_reported_and_every_attempt_is_kept(
    session: Session, smtp: tuple[Inbox, int]
) -> None:
    action = make_action(session)
    request = make_request(session)
    closed_port = free_port()
    down = SmtpMailer(host="127.0.0.1", port=closed_port, sender="crimelink@csp.example", timeout=2)

    result = run(session, down)

    assert (result.delivered, result.failed) == (0, 1)
    assert result.problem.startswith(f"could not connect to the SMTP server 127.0.0.1:{closed_port}: ")
    assert "refused" in result.problem.lower()
    assert "0 e-mails delivered, 1 failed (could not connect" in result.summary()
    attempts = session.scalars(select(ReminderSent).order_by(ReminderSent.id)).all()
    assert [(a.subject_type, a.subject_id, a.delivered) for a in attempts] == [
        ("action", action.id, False),
        ("request", request.id, False),
    ]
    assert all(a.error == result.problem for a in attempts)
    # Nothing was delivered, so the next run tries again at once.
    assert session.get(PlanAction, action.id).reminded_at is None  # type: ignore[union-attr]
    [event] = audit_events(session, resource_type="reminders")
    assert event.outcome == "failure"
    up = SmtpMailer(host="127.0.0.1", port=smtp[1], sender="crimelink@csp.example")
    assert run(session, up, now=NOW + timedelta(minutes=5)).delivered == 1
    assert len(smtp[0].received) == 1


def test_a_refused_recipient_fails_alone(session: Session, mailer: SmtpMailer, inbox: Inbox) -> None:
    env = agency_id(session, "ENV")
    make_contact(session, agency_id=env, name="Gone", email=REFUSED)
    refused = make_action(session, agency_id=env, assignee="")
    delivered = make_action(session)
    result = run(session, mailer)
    assert (result.delivered, result.failed) == (1, 1)
    assert "550" in result.problem
    assert "no such mailbox" in result.problem
    assert session.get(PlanAction, refused.id).reminded_at is None  # type: ignore[union-attr]
    assert session.get(PlanAction, delivered.id).reminded_at is not None  # type: ignore[union-attr]


def test_a_dry_run_sends_and_records_nothing(session: Session, mailer: SmtpMailer, inbox: Inbox) -> None:
    make_action(session)
    result = run(session, mailer, dry_run=True)
    assert [letter.recipient for letter in result.plan.letters] == ["lic.officer@licensing.example"]
    assert result.summary().startswith("dry run: 1 e-mail would be sent about 1 item")
    assert inbox.received == []
    assert session.scalars(select(ReminderSent)).all() == []


def test_only_coordinators_send_reminders_and_only_with_a_server(session: Session) -> None:
    make_action(session)
    with pytest.raises(PermissionDeniedError):
        send_reminders(session, actor(session, "lic.officer"), mailer=None, policy=POLICY, now=NOW)
    # The administrator reads no plan, so not the reminders' titles either (not even as a preview).
    with pytest.raises(PermissionDeniedError):
        send_reminders(session, actor(session, "admin"), mailer=None, policy=POLICY, dry_run=True, now=NOW)
    with pytest.raises(ConfigurationError, match="set CRIMELINK_SMTP_HOST"):
        send_reminders(session, actor(session, "coordinator"), mailer=None, policy=POLICY, now=NOW)


# --- the home page's lists ---------------------------------------------------------------------------


def test_the_home_page_lists_the_agencys_overdue_actions_and_pending_requests(engine: Engine) -> None:
    with Session(engine) as session:
        build_world(session)
        licensing = make_action(session)
        plan = make_plan(session)
        make_action(session, agency_id=agency_id(session, "ENV"), title="Tipper lorry", plan_id=plan.id)
        request = make_request(session)
        lic, env, coord = (actor(session, u) for u in ("lic.officer", "env.officer", "coordinator"))
        lic_actions = overdue_actions_for(session, lic, today=TODAY)
        env_actions = overdue_actions_for(session, env, today=TODAY)
        all_actions = overdue_actions_for(session, coord, today=TODAY)
        lic_requests = pending_requests_for(session, lic, today=TODAY)
        env_requests = pending_requests_for(session, env, today=TODAY)
        all_requests = pending_requests_for(session, coord, today=TODAY)
        auditor = overdue_actions_for(session, actor(session, "auditor"), today=TODAY)
    assert [(i.subject_id, i.path, i.days_overdue) for i in lic_actions or []] == [
        (licensing.id, f"/actions/{licensing.id}", 7)
    ]
    assert [i.title for i in env_actions or []] == ["Tipper lorry"]
    assert {i.title for i in all_actions or []} == {licensing.title, "Tipper lorry"}
    assert [(i.subject_id, i.path) for i in lic_requests or []] == [(request.id, f"/requests/{request.id}")]
    assert env_requests == []
    assert [i.subject_id for i in all_requests or []] == [request.id]
    assert auditor is None


# --- the command line --------------------------------------------------------------------------------


@pytest.fixture
def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: tuple[Inbox, int]) -> Iterator[Path]:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("CRIMELINK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CRIMELINK_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("CRIMELINK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CRIMELINK_SMTP_PORT", str(smtp[1]))
    monkeypatch.setenv("CRIMELINK_SMTP_SENDER", "reminders@csp.example")
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    build_store(engine)
    with Session(engine) as session:
        make_action(session)
        session.commit()
    engine.dispose()
    yield path
    get_settings.cache_clear()


def test_reminders_send_from_the_command_line(
    cli_store: Path, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    now = ["--now", NOW.isoformat()]
    dry = runner.invoke(app, ["reminders", "send", "--dry-run", *now])
    assert dry.exit_code == 0, dry.output
    assert "would be sent" in dry.output
    assert smtp[0].received == []

    sent = runner.invoke(app, ["reminders", "send", *now])
    assert sent.exit_code == 0, sent.output
    assert "1 e-mail delivered" in sent.output
    [message] = smtp[0].to("lic.officer@licensing.example")
    assert message["From"] == "reminders@csp.example"
    assert "Open it: /actions/1" in body(message)  # no public address set: a path

    monkeypatch.setenv("CRIMELINK_SMTP_PORT", str(free_port()))
    get_settings.cache_clear()
    later = ["--now", (NOW + timedelta(days=2)).isoformat()]
    down = runner.invoke(app, ["reminders", "send", *later])
    assert down.exit_code == 1
    said = " ".join(down.output.split())
    assert "could not connect to the SMTP server 127.0.0.1:" in said
    assert "The attempts are recorded; the items will be tried again on the next run." in said
