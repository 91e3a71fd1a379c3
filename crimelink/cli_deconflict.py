"""`crimelink deconflict ...`: the desk's scheduled work, run on the server.

- ``escalate``: escalate every red conflict left unresolved past the set time (run it every few minutes);
- ``check-all``: check every live operation again and lapse the conflicts of expired interests (run it
  after a linkage run, when entities may have merged, and daily).

Both are idempotent and audited as ``system:deconflict ...``.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crimelink.deconflict.rules import rules_as_mapping, rules_from
from crimelink.services.callers import SystemCaller
from crimelink.services.deconfliction import check_all, escalate_overdue
from crimelink.services.store import open_store
from crimelink.settings import get_settings
from crimelink.store.engine import session_scope

deconflict_app = typer.Typer(
    help="Operational deconfliction: escalation and re-checks.", no_args_is_help=True
)
console = Console(width=None if sys.stdout.isatty() else 130)


def _now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            "write the time as YYYY-MM-DDTHH:MM, e.g. 2026-03-03T06:00", param_hint="--now"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@deconflict_app.command("escalate")
def escalate(
    after_minutes: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Escalate red conflicts unresolved for this long (default: the rules' "
            "escalate_red_after_minutes, 60 unless CRIMELINK_DECONFLICTION_RULES_FILE sets it).",
        ),
    ] = None,
    now: Annotated[str | None, typer.Option(help="Run as of this time (ISO 8601, UTC; default now).")] = None,
) -> None:
    """Escalate unresolved red conflicts past the set time to the duty inspector (each once)."""
    settings = get_settings()
    rules = rules_from(settings.deconfliction_rules_file)
    if after_minutes is not None:
        rules = replace(rules, escalate_red_after=timedelta(minutes=after_minutes))
    after_minutes = int(rules.escalate_red_after.total_seconds() // 60)
    engine = open_store(settings)
    with session_scope(engine) as session:
        escalated = escalate_overdue(session, SystemCaller("deconflict escalate"), rules=rules, now=_now(now))
    if escalated:
        console.print(
            f"escalated {len(escalated)} red conflict{'s' if len(escalated) != 1 else ''}: "
            + ", ".join(str(i) for i in escalated)
            + ". The desk's board lists them first."
        )
    else:
        console.print(f"no red conflict has been unresolved for more than {after_minutes} minutes.")


@deconflict_app.command("check-all")
def check_everything(
    now: Annotated[str | None, typer.Option(help="Run as of this time (ISO 8601, UTC; default now).")] = None,
) -> None:
    """Check every live operation again (after a linkage run) and lapse expired interests' conflicts."""
    settings = get_settings()
    rules = rules_from(settings.deconfliction_rules_file)
    engine = open_store(settings)
    with console.status("checking live operations..."), session_scope(engine) as session:
        summary = check_all(session, SystemCaller("deconflict check-all"), rules=rules, now=_now(now))
    table = Table(title="Deconfliction re-check")
    table.add_column("measure")
    table.add_column("count", justify="right")
    for label, value in (
        ("live operations checked", summary.operations_checked),
        ("interests expired (their conflicts lapsed)", summary.interests_expired),
        ("conflicts found or found again", summary.conflicts_created),
        ("conflicts that no longer hold (lapsed)", summary.conflicts_lapsed),
    ):
        table.add_row(label, f"{value:,}")
    console.print(table)


@deconflict_app.command("rules")
def show_rules() -> None:
    """The deconfliction rules in effect: the defaults, or what CRIMELINK_DECONFLICTION_RULES_FILE sets."""
    settings = get_settings()
    rules = rules_as_mapping(rules_from(settings.deconfliction_rules_file))
    source = settings.deconfliction_rules_file
    table = Table(title=f"Deconfliction rules ({source if source else 'the defaults, DOMAIN.md section 6'})")
    table.add_column("rule")
    table.add_column("value")
    for name, value in rules.items():
        table.add_row(name, _shown(value))
    console.print(table)


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return f"{value:g}" if isinstance(value, float) else str(value)
