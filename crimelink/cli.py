"""The ``crimelink`` command line (Typer + rich)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import select

from crimelink.cli_audit import audit_app
from crimelink.cli_deconflict import deconflict_app
from crimelink.cli_entities import entities_app
from crimelink.cli_export import export_app, import_ftm_command
from crimelink.cli_link import link
from crimelink.cli_network import network_app
from crimelink.cli_reminders import reminders_app
from crimelink.cli_reports import report_app
from crimelink.cli_safeguarding import safeguarding_app
from crimelink.cli_web import demo_users, serve, user_app
from crimelink.domain import AgencyKind
from crimelink.errors import CrimelinkError
from crimelink.ingest.importer import ImportSummary, ProgressCallback, import_file
from crimelink.ingest.mapping import load_mapping
from crimelink.services.agencies import register_agency
from crimelink.services.stats import dataset_counts, grading_counts
from crimelink.services.store import open_store
from crimelink.settings import get_settings
from crimelink.store import migrate
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import Agency, Dataset, QuarantineEntry

app = typer.Typer(
    help="Crimelink: the serious and organised crime partnership platform.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
agency_app = typer.Typer(help="Partner agencies.", no_args_is_help=True)
demo_app = typer.Typer(help="The synthetic demo borough.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(agency_app, name="agency")
app.add_typer(demo_app, name="demo")
app.add_typer(audit_app, name="audit")
app.add_typer(user_app, name="user")
app.add_typer(entities_app, name="entities")
app.add_typer(safeguarding_app, name="safeguarding")
app.add_typer(network_app, name="network")
app.add_typer(deconflict_app, name="deconflict")
app.add_typer(reminders_app, name="reminders")
app.add_typer(export_app, name="export")
app.command("import-ftm")(import_ftm_command)
app.add_typer(report_app, name="report")
app.command("serve")(serve)
app.command("link")(link)
demo_app.command("users")(demo_users)

# Piped output (make run, CI logs) gets room for the tables instead of the 80-column default.
console = Console(width=None if sys.stdout.isatty() else 130)


def main() -> None:
    """Entry point that turns Crimelink's own errors into a message and exit status 1."""
    try:
        app()
    except CrimelinkError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise SystemExit(1) from None


@contextmanager
def _progress() -> Iterator[Callable[[str], ProgressCallback]]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:

        def for_task(label: str) -> ProgressCallback:
            task = bar.add_task(label, total=None)

            def update(done: int, total: int) -> None:
                bar.update(task, completed=done, total=max(total, done))

            return update

        yield for_task


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema (SQLite or PostgreSQL)."""
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url())
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    console.print(
        f"database {engine.url.render_as_string(hide_password=True)}: {before or 'empty'} -> {after}"
    )


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database."""
    engine = make_engine(get_settings().resolved_database_url())
    console.print(f"{migrate.current_revision(engine) or 'empty'} (latest: {migrate.head_revision()})")


@agency_app.command("add")
def agency_add(
    code: Annotated[str, typer.Argument(help="Short code, e.g. LBX-HOUSING")],
    name: Annotated[str, typer.Argument(help="Full name")],
    kind: Annotated[AgencyKind, typer.Option(help="Kind of agency")],
    contact: Annotated[str, typer.Option(help="Whom partners should contact")] = "",
) -> None:
    """Register a partner agency (or update its name, kind and contact)."""
    engine = open_store(get_settings())
    with session_scope(engine) as session:
        register_agency(session, code=code, name=name, kind=kind, contact=contact)
    console.print(f"agency {code} registered")


@agency_app.command("list")
def agency_list() -> None:
    """List registered agencies."""
    engine = open_store(get_settings())
    table = Table("code", "name", "kind", "contact")
    with session_scope(engine) as session:
        for agency in session.scalars(select(Agency).order_by(Agency.code)):
            table.add_row(agency.code, agency.name, agency.kind.value, agency.contact)
    console.print(table)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or JSON Lines file", exists=False)],
    mapping: Annotated[Path, typer.Option("--mapping", "-m", help="Column mapping (YAML)")],
) -> None:
    """Import a partner file. Safe to repeat: unchanged rows are not stored twice; a killed import resumes."""
    settings = get_settings()
    engine = open_store(settings)
    dataset_mapping = load_mapping(mapping)
    with _progress() as progress:
        summary = import_file(
            engine,
            file,
            dataset_mapping,
            batch_size=settings.import_batch_size,
            phone_region=settings.default_phone_region,
            actor="system:cli",
            progress=progress(f"{dataset_mapping.agency}/{dataset_mapping.dataset}"),
        )
    _print_summaries([summary])
    if summary.quarantined:
        console.print(
            f"[yellow]{summary.quarantined} row(s) quarantined:[/] "
            f"crimelink quarantine --dataset {summary.agency}/{summary.dataset}"
        )


@app.command("quarantine")
def quarantine_command(
    dataset: Annotated[str | None, typer.Option(help="AGENCY/dataset to show")] = None,
    file: Annotated[str | None, typer.Option(help="Only this file name")] = None,
    limit: Annotated[int, typer.Option(help="At most this many entries")] = 200,
) -> None:
    """Rows that could not be stored: file, row, column, field and reason."""
    engine = open_store(get_settings())
    query = (
        select(Agency.code, Dataset.code, QuarantineEntry)
        .join(Dataset, Dataset.id == QuarantineEntry.dataset_id)
        .join(Agency, Agency.id == Dataset.agency_id)
        .order_by(Agency.code, Dataset.code, QuarantineEntry.file_name, QuarantineEntry.row_number)
        .limit(limit)
    )
    if dataset:
        agency_code, _, dataset_code = dataset.partition("/")
        query = query.where(Agency.code == agency_code, Dataset.code == dataset_code)
    if file:
        query = query.where(QuarantineEntry.file_name == file)
    table = Table("dataset", "file", "row", "column", "field", "reason")
    count = 0
    with session_scope(engine) as session:
        for agency_code, dataset_code, entry in session.execute(query):
            count += 1
            table.add_row(
                f"{agency_code}/{dataset_code}",
                entry.file_name,
                str(entry.row_number),
                entry.column,
                entry.field,
                entry.reason,
            )
    if count:
        console.print(table)
    else:
        console.print("nothing in quarantine")


@app.command("stats")
def stats_command() -> None:
    """What the store holds, per agency and dataset."""
    engine = open_store(get_settings())
    with session_scope(engine) as session:
        counts = dataset_counts(session)
        grades = grading_counts(session)
    table = Table("agency", "dataset", "kind", "records", "versions", "quarantined", "intel")
    for row in counts:
        table.add_row(
            row.agency,
            row.dataset,
            row.kind.lower(),
            f"{row.records:,}",
            f"{row.versions:,}",
            f"{row.quarantined_rows:,}",
            f"{row.intelligence_reports:,}",
        )
    table.add_section()
    table.add_row(
        f"{len({r.agency for r in counts})} agencies",
        f"{len(counts)} datasets",
        "",
        f"{sum(r.records for r in counts):,}",
        f"{sum(r.versions for r in counts):,}",
        f"{sum(r.quarantined_rows for r in counts):,}",
        f"{sum(r.intelligence_reports for r in counts):,}",
    )
    console.print(table)
    if grades:
        console.print("intelligence by grade: " + ", ".join(f"{g}: {n}" for g, n in grades.items()))


@demo_app.command("generate")
def demo_generate(
    out: Annotated[Path | None, typer.Option(help="Directory to write (default DATA_DIR/demo)")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default from settings)")] = None,
    size: Annotated[
        int | None, typer.Option(help="Approximate number of rows (default from settings)")
    ] = None,
) -> None:
    """Write the synthetic borough's partner files, mappings and (separately) its ground truth."""
    from crimelink.demo.generator import generate_demo

    settings = get_settings()
    directory = out or settings.data_dir / "demo"
    manifest = generate_demo(directory, seed=seed or settings.demo_seed, size=size or settings.demo_size)
    total = sum(manifest.record_count.values())
    console.print(f"demo borough written to {directory}: {len(manifest.datasets)} datasets, {total:,} rows")


@demo_app.command("load")
def demo_load(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Demo directory (default DATA_DIR/demo)")
    ] = None,
    generate: Annotated[bool, typer.Option(help="Generate the demo first if it is not there")] = False,
    again: Annotated[
        bool, typer.Option("--again", help="Re-read every file even when the demo is already loaded")
    ] = False,
) -> None:
    """Register the demo agencies and import every demo dataset through the normal import path."""
    from crimelink.demo.loader import already_loaded, load_demo

    settings = get_settings()
    folder = directory or settings.data_dir / "demo"
    if generate and not (folder / "manifest.yaml").is_file():
        demo_generate(out=folder, seed=None, size=None)
    engine = open_store(settings)
    if not again and already_loaded(engine, folder):
        console.print(f"demo in {folder} is already loaded: nothing to do (--again re-reads every file)")
        return
    with _progress() as progress:
        summaries = load_demo(
            engine,
            folder,
            batch_size=settings.import_batch_size,
            phone_region=settings.default_phone_region,
            on_dataset=progress,
        )
    _print_summaries(summaries)


@demo_app.command("operations")
def demo_operations(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Demo directory (default DATA_DIR/demo)")
    ] = None,
) -> None:
    """Register the demo's planned operations and interests as each agency's officer (after `entities
    resolve` and `demo users`). Safe to repeat: nothing is registered twice."""
    from crimelink.demo.operations_loader import load_demo_operations

    settings = get_settings()
    engine = open_store(settings)
    with session_scope(engine) as session:
        summary = load_demo_operations(session, directory or settings.data_dir / "demo", settings)
    for name in summary.registered:
        console.print(f"registered {name}: {summary.messages.get(name, 'interest flagged.')}")
    if summary.already_there:
        console.print(f"{len(summary.already_there)} already registered: nothing to do for them")
    table = Table("role", "username", "password", "agency", title="Operation officers (synthetic data only)")
    for role, username, password, agency_code in summary.sign_ins:
        table.add_row(role.value, username, password, agency_code)
    console.print(table)


@demo_app.command("plan")
def demo_plan(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Demo directory (default DATA_DIR/demo)")
    ] = None,
) -> None:
    """Give the demo its co-ordinated plan (groups, contacts, objectives, disruption plans, meetings,
    requests, outcomes), entered as each agency's officer (after `demo operations`). Safe to repeat."""
    from crimelink.demo.plan_loader import load_demo_plan

    settings = get_settings()
    engine = open_store(settings)
    with session_scope(engine) as session:
        summary = load_demo_plan(session, directory or settings.data_dir / "demo", settings)
    if summary.confirmed_groups:
        console.print("the analyst confirmed: " + "; ".join(summary.confirmed_groups))
    for line in summary.single_targets:
        console.print(f"plan against a single target: {line}")
    if summary.added:
        console.print("added " + _counted(summary.added))
    if summary.already_there:
        console.print(f"already there, nothing to do for them: {_counted(summary.already_there)}")
    for note in summary.notes:
        console.print(f"left out: {note}")
    states = ", ".join(f"{status.lower()} {count}" for status, count in summary.actions_by_status.items())
    console.print(f"actions: {states}; {summary.overdue} overdue")
    table = Table("role", "username", "password", "agency", title="Partner officers (synthetic data only)")
    for role, username, password, agency_code in summary.sign_ins:
        table.add_row(role.value, username, password, agency_code)
    console.print(table)


def _counted(counts: Mapping[str, int]) -> str:
    """``{"contacts": 15, "meetings": 1}`` -> ``15 contacts, 1 meeting``."""
    return ", ".join(f"{n} {kind.removesuffix('s') if n == 1 else kind}" for kind, n in counts.items())


def _print_summaries(summaries: list[ImportSummary]) -> None:
    table = Table("dataset", "file", "rows read", "stored", "new versions", "unchanged", "quarantined")
    for s in summaries:
        resumed = f" (resumed after row {s.resumed_after_row})" if s.resumed_after_row else ""
        table.add_row(
            f"{s.agency}/{s.dataset}",
            Path(s.file).name + resumed,
            *(f"{n:,}" for n in (s.rows_read, s.stored, s.versioned, s.unchanged, s.quarantined)),
        )
    console.print(table)
