"""`crimelink link FILE [FILE2] --mapping MAPPING --out DIR`: dedupe one partner file or link two."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crimelink.ingest.mapping import load_mapping
from crimelink.linkage import link_files
from crimelink.settings import get_settings

console = Console(width=None if sys.stdout.isatty() else 130, log_path=False)


def link(
    file: Annotated[Path, typer.Argument(help="Partner file to dedupe (or the first of two to link).")],
    mapping: Annotated[Path, typer.Option("--mapping", "-m", help="Column mapping YAML (docs/mapping.md).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Directory for pairs.csv, clusters.csv, quarantine.csv.")
    ],
    file2: Annotated[
        Path | None, typer.Argument(help="Second file: its records are linked to the first's.")
    ] = None,
    party: Annotated[str, typer.Option(help="The party whose fields describe the person.")] = "subject",
    threshold: Annotated[float, typer.Option(help="Match probability at or above which a pair links.")] = 0.9,
    identifier: Annotated[
        list[str] | None,
        typer.Option(
            help="A mapped attribute of the party that identifies a person outright (a staff or case "
            "number shared by both files); repeat for several."
        ),
    ] = None,
) -> None:
    """Find the same person within one file or across two: strong identifiers, then Splink matching."""
    # Splink warns about comparison levels a file cannot exercise (no postcodes, say): noise here.
    logging.getLogger("splink").setLevel(logging.ERROR)
    dataset_mapping = load_mapping(mapping)
    paths = [file] if file2 is None else [file, file2]
    with console.status("linking...") as status:

        def step(message: str) -> None:
            status.update(f"{message}...")
            console.log(message)

        summary = link_files(
            paths,
            dataset_mapping,
            party,
            threshold=threshold,
            out_dir=out,
            phone_region=get_settings().default_phone_region,
            identifier_attributes=tuple(identifier or ()),
            step=step,
        )
    table = Table(title=f"Linkage at match probability >= {threshold}")
    table.add_column("measure")
    table.add_column("count", justify="right")
    for label, value in (
        ("person records", summary.records),
        ("rows quarantined (not linked)", summary.quarantined),
        ("faulty fields left out of linked rows", summary.fields_left_out),
        ("rows without this party", summary.skipped_without_person),
        ("deterministic pairs", summary.deterministic_pairs),
        ("probabilistic pairs", summary.probabilistic_pairs),
        ("pairs across files", summary.cross_source_pairs),
        ("clusters (people)", summary.clusters),
    ):
        table.add_row(label, f"{value:,}")
    console.print(table)
    model = "trained (EM, no labels)" if summary.trained else "fixed parameters (too few records to train)"
    console.print(f"model: {model}; {summary.seconds:.1f}s; results in {summary.out_dir}")
