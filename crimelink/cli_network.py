"""`crimelink network analyse EDGES.csv --out DIR`: the organised crime picture's analyses on any edge list."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crimelink.errors import CrimelinkError
from crimelink.network.centrality import DEFAULT_MIN_OUTSIDE_SHARE
from crimelink.network.communities import DEFAULT_RESOLUTION, DEFAULT_SEED
from crimelink.network.edgelist import analyse_network, read_edge_list, role_counts, write_analysis

network_app = typer.Typer(help="Network analysis: communities, key players and roles.", no_args_is_help=True)
console = Console(width=None if sys.stdout.isatty() else 130, log_path=False)


@network_app.callback()
def network() -> None:
    """Network analysis: communities, key players and roles."""
    # A callback keeps ``analyse`` a named subcommand while it is the only one.


@network_app.command("analyse")
def analyse(
    edges: Annotated[Path, typer.Argument(help="Edge list CSV with a header row: one link a row.")],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Directory for communities.csv, rankings.csv, key_players.csv."),
    ],
    nodes: Annotated[
        Path | None,
        typer.Option(
            help="Node table CSV: an id column, and optionally label, kind, is_child, vulnerable_adult, "
            "threats (other columns are ignored)."
        ),
    ] = None,
    resolution: Annotated[
        float, typer.Option(help="Leiden modularity resolution: higher finds smaller communities.")
    ] = DEFAULT_RESOLUTION,
    min_size: Annotated[
        int, typer.Option(min=1, help="Smallest community reported, in people (nodes of kind PERSON).")
    ] = 3,
    top_k: Annotated[int, typer.Option(min=1, help="Key players found by greedy removal.")] = 10,
    broker_share: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of a node's tie strength leading outside its community that makes it a broker.",
        ),
    ] = DEFAULT_MIN_OUTSIDE_SHARE,
    source: Annotated[str, typer.Option(help="Column holding one end of the link.")] = "source",
    target: Annotated[str, typer.Option(help="Column holding the other end.")] = "target",
    weight: Annotated[
        str | None,
        typer.Option(help="Column holding the link's weight (default: 'weight' if present, else 1 a row)."),
    ] = None,
    node_id: Annotated[str, typer.Option(help="Column of the node table holding the node id.")] = "id",
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same communities.")
    ] = DEFAULT_SEED,
) -> None:
    """Find communities, rank key players and brokers, and suggest roles, on any edge list."""
    if resolution <= 0:
        raise typer.BadParameter("must be greater than 0", param_hint="--resolution")
    started = time.perf_counter()
    try:
        loaded = read_edge_list(
            edges, nodes=nodes, source=source, target=target, weight=weight, node_id=node_id
        )
        analysis = analyse_network(
            loaded.network,
            resolution=resolution,
            min_size=min_size,
            top_k=top_k,
            seed=seed,
            broker_share=broker_share,
        )
        paths = write_analysis(analysis, loaded, out, top_k=top_k)
    except CrimelinkError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    graph = loaded.network.graph
    summary = Table(title=f"{edges.name}: {graph.vcount():,} nodes, {graph.ecount():,} links")
    summary.add_column("measure")
    summary.add_column("count", justify="right")
    for label, value in (
        ("rows read", loaded.rows),
        ("rows linking a node to itself (left out)", loaded.self_links),
        (f"communities of {min_size} or more people", len(analysis.communities)),
        ("brokers", len(analysis.brokers)),
    ):
        summary.add_row(label, f"{value:,}")
    for role, count in sorted(role_counts(analysis).items()):
        summary.add_row(f"suggested {role.value}", f"{count:,}")
    console.print(summary)
    top = Table(title="Key players (greedy removal)")
    for column in ("rank", "node", "largest part after", "reachability after"):
        top.add_column(column, justify="right" if column != "node" else "left")
    for removal in analysis.key_players:
        top.add_row(
            str(removal.rank),
            loaded.names[removal.node],
            f"{removal.largest_after:,} (was {removal.largest_before:,})",
            f"{removal.reachability_after:.0%} (was {removal.reachability_before:.0%})",
        )
    console.print(top)
    console.print(
        f"{time.perf_counter() - started:.1f}s; results in {', '.join(str(p) for p in paths.values())}"
    )
