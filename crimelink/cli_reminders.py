"""`crimelink reminders send`: e-mail the reminders about overdue actions and pending requests.

Run it on the server from a scheduler (hourly is plenty: an item is reminded about at most every
``CRIMELINK_REMINDER_INTERVAL_HOURS``). ``--dry-run`` lists who would be told about what and sends
nothing. Every attempt is recorded (delivered, or failed with the server's reason) and audited as
``system:reminders send``; when the SMTP server cannot be reached the command says so and exits 1, and
the items are tried again on the next run.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crimelink.services.callers import SystemCaller
from crimelink.services.mail import SmtpMailer
from crimelink.services.reminders import ReminderPolicy, ReminderRun, send_reminders
from crimelink.services.store import open_store
from crimelink.settings import get_settings
from crimelink.store.engine import session_scope

reminders_app = typer.Typer(
    help="Reminder e-mails about overdue actions and pending requests.", no_args_is_help=True
)
console = Console(width=None if sys.stdout.isatty() else 130)


def _now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            "write the time as YYYY-MM-DDTHH:MM, e.g. 2026-03-16T09:00", param_hint="--now"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@reminders_app.command("send")
def send(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List who would be told about what; send nothing.")
    ] = False,
    now: Annotated[str | None, typer.Option(help="Run as of this time (ISO 8601, UTC; default now).")] = None,
) -> None:
    """Send one e-mail to each person with overdue actions or pending requests to hear about."""
    settings = get_settings()
    mailer = SmtpMailer.from_settings(settings) if settings.smtp_host or not dry_run else None
    engine = open_store(settings)
    with session_scope(engine) as session:
        run = send_reminders(
            session,
            SystemCaller("reminders send"),
            mailer=mailer,
            policy=ReminderPolicy.from_settings(settings),
            now=_now(now),
            dry_run=dry_run,
        )
    _show(run)
    if run.failed:
        console.print(
            f"[bold red]error:[/] {run.failed} e-mail{'s' if run.failed != 1 else ''} not delivered: {run.problem}. "
            "The attempts are recorded; the items will be tried again on the next run."
        )
        raise typer.Exit(1)


def _show(run: ReminderRun) -> None:
    table = Table(title="Reminders" + (" (dry run: nothing sent)" if run.dry_run else ""))
    table.add_column("to")
    table.add_column("items")
    table.add_column("result")
    results = {r.recipient: r for r in run.results}
    for letter in run.plan.letters:
        result = results.get(letter.recipient)
        if result is None:
            outcome = "would be sent"
        elif result.delivered:
            outcome = "delivered"
        else:
            outcome = f"failed: {result.error}"
        items = ", ".join(f"{i.subject_type} {i.subject_id} ({i.why})" for i in letter.items)
        table.add_row(letter.recipient, items, outcome)
    if run.plan.letters:
        console.print(table)
    console.print(run.summary() + ".")
