"""`crimelink entities resolve`: resolve the store's records into entities with stable ids."""

from __future__ import annotations

import logging
import sys
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crimelink.linkage.engine import DuckDBEngine, LinkageEngine
from crimelink.linkage.resolve import resolve_entities
from crimelink.services.store import open_store
from crimelink.settings import get_settings

entities_app = typer.Typer(help="Resolved entities.", no_args_is_help=True)
console = Console(width=None if sys.stdout.isatty() else 130)


@entities_app.command("resolve")
def resolve(
    threshold: Annotated[
        float, typer.Option(help="Match probability at or above which two person records link.")
    ] = 0.9,
    review_from: Annotated[
        float,
        typer.Option(help="Pairs scored from this probability up to the threshold go to the review queue."),
    ] = 0.5,
    engine_name: Annotated[
        str,
        typer.Option(
            "--engine",
            help="duckdb (embedded, the default) or spark (local Spark; needs the 'spark' extra and Java).",
        ),
    ] = "duckdb",
) -> None:
    """Link every current record's parties to entities; ids stay stable from run to run."""
    # Splink warns about comparison levels the data cannot exercise: noise here.
    logging.getLogger("splink").setLevel(logging.ERROR)
    if engine_name not in ("duckdb", "spark"):
        raise typer.BadParameter("choose duckdb or spark", param_hint="--engine")
    linkage_engine: LinkageEngine = DuckDBEngine()
    if engine_name == "spark":
        from crimelink.linkage.spark_engine import SparkEngine

        linkage_engine = SparkEngine()
    engine = open_store(get_settings())
    started = time.perf_counter()
    with console.status("resolving entities...") as status:

        def step(message: str) -> None:
            console.log(f"[{time.perf_counter() - started:6.1f}s] {message}")
            status.update(f"{message}...")

        summary = resolve_entities(
            engine,
            threshold=threshold,
            review_from=review_from,
            linkage_engine=linkage_engine,
            actor="system:cli",
            step=step,
        )
    kinds = Table(title="Entities by kind")
    kinds.add_column("kind")
    kinds.add_column("entities", justify="right")
    for kind, count in summary.entities_by_kind.items():
        kinds.add_row(kind, f"{count:,}")
    console.print(kinds)
    run = Table(title=f"This run (match probability >= {threshold})")
    run.add_column("measure")
    run.add_column("count", justify="right")
    for label, value in (
        ("records", summary.records),
        ("parties", summary.parties),
        ("new entities", summary.new),
        ("kept", summary.kept),
        ("merged", summary.merged),
        ("split", summary.split),
        ("links created", summary.links_created),
        ("links changed", summary.links_changed),
        ("pairs for review", summary.review_pairs),
    ):
        run.add_row(label, f"{value:,}")
    console.print(run)
    console.print(f"model {summary.model_version}; {summary.seconds:.1f}s")
