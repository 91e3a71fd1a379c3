"""`crimelink export FORMAT --as USERNAME --out PATH` and `crimelink import-ftm FILE --dataset CODE --as USERNAME`.

An export is what the named user may see (their network, one confirmed group or some entities), written
as FollowTheMoney entities, CSV, i2 Analyst's Notebook CSV, GraphML or GEXF (docs/exports.md), and
audited as that user. ``import-ftm`` imports a file of FollowTheMoney entities (an Aleph collection) as a
dataset of the user's agency; run ``crimelink entities resolve`` afterwards to resolve the new records.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.domain import DataCategory, HandlingCode, Purpose
from crimelink.errors import NotFoundError
from crimelink.reports.exports import FORMATS, ExportFormat, ExportScope, run_export
from crimelink.services.auth import actor_for_user, normalise_username
from crimelink.services.exports import ProgressCallback
from crimelink.services.ftm_import import import_ftm
from crimelink.services.store import open_store
from crimelink.settings import get_settings
from crimelink.store.engine import session_scope
from crimelink.store.models import User

export_app = typer.Typer(
    help="Export what a user may see for Aleph, i2 Analyst's Notebook, Gephi and spreadsheets.",
    no_args_is_help=True,
)
console = Console(width=None if sys.stdout.isatty() else 130, stderr=True)

AsOption = Annotated[str, typer.Option("--as", help="The user the export (or import) is made as.")]
PurposeOption = Annotated[Purpose, typer.Option(help="Why: the access policy and the audit record it.")]


def user_actor(session: Session, username: str, purpose: Purpose) -> Actor:
    """The actor for a username (as the user would be signed in for ``purpose``)."""
    user = session.scalars(select(User).where(User.username == normalise_username(username))).one_or_none()
    if user is None or not user.active:
        raise NotFoundError(
            f"no active user {username!r}: check the username (the administrator's Users page lists them)"
        )
    return actor_for_user(session, user, purpose)


@contextmanager
def _progress() -> Iterator[ProgressCallback]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=max(total, done))

        yield update


def _export(
    export_format: ExportFormat,
    username: str,
    out: Path,
    group: int | None,
    entity: list[int],
    purpose: Purpose,
) -> None:
    engine = open_store(get_settings())
    scope = ExportScope(group_id=group, entity_ids=tuple(entity))
    target = out
    if export_format is ExportFormat.CSV and out.is_dir():
        target = out / "crimelink-export.csv.zip"
    try:
        with session_scope(engine) as session, _progress() as progress, target.open("wb") as handle:
            actor = user_actor(session, username, purpose)
            result = run_export(session, actor, export_format, out=handle, scope=scope, progress=progress)
    except BaseException:
        target.unlink(missing_ok=True)  # never leave half a file that looks like an export
        raise
    typer.echo(
        f"{FORMATS[export_format].label}: {result.entities:,} entities, {result.links:,} links "
        f"({result.scope_text}; {result.marking}) -> {target}"
    )


def _command(export_format: ExportFormat) -> None:
    def command(
        username: AsOption,
        out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
        group: Annotated[int | None, typer.Option(help="Only this confirmed group.")] = None,
        entity: Annotated[
            list[int] | None, typer.Option(help="Only these entities (repeat), and the links between them.")
        ] = None,
        purpose: PurposeOption = Purpose.CRIME_PREVENTION_DETECTION,
    ) -> None:
        _export(export_format, username, out, group, entity or [], purpose)

    command.__doc__ = f"{FORMATS[export_format].label}: {FORMATS[export_format].purpose}"
    export_app.command(export_format.value)(command)


for _format in ExportFormat:
    _command(_format)


def import_ftm_command(
    file: Annotated[Path, typer.Argument(help="FollowTheMoney entities, one JSON object a line.")],
    dataset: Annotated[str, typer.Option(help="Dataset code, e.g. aleph-case-7 ([a-z0-9-]).")],
    username: AsOption,
    agency: Annotated[
        str | None, typer.Option(help="Agency holding the dataset (default: the user's).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Dataset title.")] = None,
    category: Annotated[
        DataCategory, typer.Option(help="What sharing agreements apply to.")
    ] = DataCategory.OTHER,
    classification: Annotated[str, typer.Option(help="OFFICIAL or OFFICIAL-SENSITIVE.")] = "OFFICIAL",
    handling_code: Annotated[
        HandlingCode, typer.Option(help="P, or C with --condition.")
    ] = HandlingCode.PERMITTED,
    condition: Annotated[
        list[str] | None, typer.Option(help="Handling condition (repeat), e.g. POLICE_ONLY.")
    ] = None,
    deduplicated: Annotated[
        bool,
        typer.Option(
            help="The publisher resolved its own entities (an OpenSanctions dataset, a Crimelink export): "
            "linkage joins them to other records, never to each other."
        ),
    ] = False,
) -> None:
    """Import FollowTheMoney entities (e.g. an Aleph collection) as a dataset; then 'crimelink entities resolve'."""
    settings = get_settings()
    engine = open_store(settings)
    with session_scope(engine) as session:
        actor = user_actor(session, username, Purpose.CRIME_PREVENTION_DETECTION)
    with _progress() as progress:
        summary = import_ftm(
            engine,
            actor,
            file,
            dataset=dataset,
            agency=agency,
            title=title,
            category=category,
            classification=classification,
            handling_code=handling_code,
            handling_conditions=tuple(condition or ()),
            deduplicated=deduplicated,
            batch_size=settings.import_batch_size,
            phone_region=settings.default_phone_region,
            progress=lambda done, total: progress("importing entities", done, total),
        )
    typer.echo(
        f"{summary.agency}/{summary.dataset}: {summary.rows_read:,} entities read, {summary.stored:,} stored, "
        f"{summary.versioned:,} changed, {summary.unchanged:,} unchanged, {summary.quarantined:,} quarantined"
    )
    if summary.quarantined:
        typer.echo(f"see them: crimelink quarantine --dataset {summary.agency}/{summary.dataset}")
    typer.echo("now resolve the new records: crimelink entities resolve")


__all__ = ["export_app", "import_ftm_command"]
