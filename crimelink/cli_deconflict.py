"""`crimelink deconflict ...`: the desk's scheduled work, run on the server.

- ``escalate``: escalate every red conflict left unresolved past the set time (run it every few minutes);
- ``check-all``: check every live operation again and lapse the conflicts of expired interests (run it
  after a linkage run, when entities may have merged, and daily).

Both are idempotent and audited as ``system:deconflict ...``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crimelink.deconflict.rules import DEFAULT_RULES, DeconflictionRules
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
        int,
        typer.Option(min=1, help="Escalate red conflicts unresolved for this long."),
    ] = int(DEFAULT_RULES.escalate_red_after.total_seconds() // 60),
    now: Annotated[str | None, typer.Option(help="Run as of this time (ISO 8601, UTC; default now).")] = None,
) -> None:
    """Escalate unresolved red conflicts past the set time to the duty inspector (each once)."""
    rules = DeconflictionRules(escalate_red_after=timedelta(minutes=after_minutes))
    engine = open_store(get_settings())
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
    engine = open_store(get_settings())
    with console.status("checking live operations..."), session_scope(engine) as session:
        summary = check_all(session, SystemCaller("deconflict check-all"), now=_now(now))
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
