"""`crimelink report profile|pack`: build one user's copy of the SOC local profile or the strategic group pack.

The copy is built as that user (``--as``), for a purpose (``--purpose``), through the access policy, so it
holds only what they may see, and the build is audited under their name. The file's extension chooses the
format: ``.pdf`` or ``.html`` (a standalone document with its stylesheet inline).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.domain import Purpose
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.reports.render import RenderedReport, ReportFormat, StepLog
from crimelink.services.auth import actor_for_user, normalise_username
from crimelink.services.store import open_store
from crimelink.settings import get_settings
from crimelink.store.engine import session_scope
from crimelink.store.models import User

report_app = typer.Typer(
    help="The SOC local profile and the strategic group pack (HTML and PDF).", no_args_is_help=True
)
console = Console(width=None if sys.stdout.isatty() else 130)

AsUser = Annotated[
    str, typer.Option("--as", help="Build the copy as this user: it holds only what they may see.")
]
Out = Annotated[Path, typer.Option("--out", help="Write the report here: FILE.pdf or FILE.html.")]
PurposeOption = Annotated[
    Purpose,
    typer.Option(help="The purpose the copy is built for (sharing agreements name the purposes they serve)."),
]


def report_format(path: Path) -> ReportFormat:
    """The format a file name asks for, from its extension."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return "pdf"
    if suffix in (".html", ".htm"):
        return "html"
    raise InvalidInputError("out", f"{path.name}: end the file name in .pdf or .html")


def actor_named(session: Session, username: str, purpose: Purpose) -> Actor:
    """The active user ``username`` as the access policy sees them, acting for ``purpose``."""
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        raise NotFoundError(
            f"there is no user {username!r}: check the name, or list users with `crimelink user list`"
        )
    if not user.active:
        raise InvalidInputError("as", f"{username} is deactivated: reports are built only for active users")
    return actor_for_user(session, user, purpose)


def _build(
    kind: str, username: str, out: Path, purpose: Purpose, period: str | None
) -> tuple[RenderedReport, ReportFormat]:
    from crimelink.reports.pack import build_pack
    from crimelink.reports.profile import build_profile

    fmt = report_format(out)
    settings = get_settings()
    engine = open_store(settings)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress, session_scope(engine) as session:
        task = progress.add_task("starting", total=None)

        def show(step: str) -> None:
            progress.update(task, description=step)
            progress.console.print(f"  [dim]{step}[/]")

        log = StepLog(listener=show)
        actor = actor_named(session, username, purpose)
        formats: tuple[ReportFormat, ...] = (fmt,)
        if kind == "profile":
            report = build_profile(session, actor, settings, period=period, formats=formats, steps=log)
        else:
            report = build_pack(session, actor, formats=formats, steps=log)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(report.content(fmt))
    return report, fmt


def _summary(report: RenderedReport, out: Path) -> None:
    table = Table(title=f"{report.title}: copy for {report.built_for}")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for step in report.steps:
        table.add_row(step.text, f"{step.seconds:.2f}")
    table.add_row("[bold]total[/]", f"[bold]{sum(s.seconds for s in report.steps):.2f}[/]")
    console.print(table)
    console.print(f"[bold]{report.marking.value}[/]: wrote {out} ({out.stat().st_size:,} bytes)")


@report_app.command("profile")
def profile(
    username: AsUser,
    out: Out,
    period: Annotated[
        str,
        typer.Option(
            help="The period: a number of months to today (12m) or two dates (2026-01-01..2026-06-30)."
        ),
    ] = "12m",
    purpose: PurposeOption = Purpose.CRIME_PREVENTION_DETECTION,
) -> None:
    """Build the SOC local profile as one user's copy (threats, vulnerability, groups, gaps, the 4P plan)."""
    report, _ = _build("profile", username, out, purpose, period)
    _summary(report, out)


@report_app.command("pack")
def pack(
    username: AsUser,
    out: Out,
    purpose: PurposeOption = Purpose.CRIME_PREVENTION_DETECTION,
) -> None:
    """Build the strategic group pack as one user's copy (plan status, overdue actions, outcomes since the
    last meeting, new and changed groups, conflicts, safeguarding)."""
    report, _ = _build("pack", username, out, purpose, None)
    _summary(report, out)
