"""`crimelink audit ...`: check the audit trail's hash chain."""

from __future__ import annotations

import typer
from rich.console import Console

from crimelink.services.audit import verify_chain
from crimelink.services.store import open_store
from crimelink.settings import get_settings
from crimelink.store.engine import session_scope

audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
console = Console()


@audit_app.command("verify")
def audit_verify() -> None:
    """Re-compute the hash chain; report every altered, removed or reordered event (exit 1 if any)."""
    engine = open_store(get_settings())
    with session_scope(engine) as session:
        report = verify_chain(session)
    for problem in report.problems:
        console.print(f"[bold red]{problem}[/]")
    if report.ok:
        console.print(f"audit trail intact: {report.checked:,} events, head {report.head}")
        return
    console.print(
        f"[bold red]audit trail NOT intact:[/] {len(report.problems)} problem(s) in {report.checked:,} events"
    )
    raise typer.Exit(1)
