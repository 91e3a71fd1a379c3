"""Key players on real criminal networks: the London gang's recorded ranks, and fragmenting Caviar.

    python benchmarks/bench_real_networks.py [--data /work/shared/data/criminal-networks] [--json OUT]

Data: ``/work/shared/data/criminal-networks`` (see its README; cite the original studies).

**London gang** (Grund and Densley 2015; 54 members, 315 weighted ties): every member's key-player rank
(the product's :func:`analyse_network` as the CLI runs it: the greedy top 10, then everyone else by
position score; and, beside it, the greedy removal order of all 54) is compared with the
gang rank the study recorded (``Ranking``: 1 is the top of the gang, 5 the bottom) by Spearman
correlation, and by how many of our top 7 are among the 7 members ranked 1 or 2. Each single centrality
is scored the same way, for comparison. Only the ties are read: the node table's attributes (age,
birthplace, arrests ...) are never used for ranking.

**Caviar** (Morselli 2009; Montreal drug importers, wiretaps over 11 investigation phases): the product's
greedy key players are removed five at a time and the remaining network's largest component and pairwise
reachability (share of pairs of people still connected) are reported, for the whole investigation
(``morselli_caviar.csv``, the directed weighted matrix made undirected by adding the two directions) and
for each phase (``caviar-phases``). For comparison: the five highest by degree, the five highest by
betweenness (both removed at once), and five at random (mean of 200 draws).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import igraph as ig
import numpy as np

from crimelink.network.centrality import graph_centralities, graph_key_players
from crimelink.network.edgelist import analyse_network, read_edge_list

DATA = Path("/work/shared/data/criminal-networks")
TOP_TIER = 7  # members the London gang study ranked 1 or 2


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation (average ranks for ties)."""

    def ranks(values: list[float]) -> np.ndarray:
        order = np.argsort(values, kind="stable")
        ranked = np.empty(len(values))
        array = np.asarray(values)[order]
        start = 0
        while start < len(array):
            end = start
            while end + 1 < len(array) and array[end + 1] == array[start]:
                end += 1
            ranked[order[start : end + 1]] = (start + end) / 2 + 1
            start = end + 1
        return ranked

    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def london_gang(data: Path) -> dict[str, Any]:
    loaded = read_edge_list(data / "london_gang.edges.csv", nodes=data / "london_gang.nodes.csv")
    network = loaded.network
    with (data / "london_gang.nodes.csv").open(newline="") as handle:
        recorded = {row["id"]: float(row["Ranking"]) for row in csv.DictReader(handle)}
    started = time.perf_counter()
    analysis = analyse_network(network, top_k=10)
    seconds = time.perf_counter() - started
    every = analyse_network(network, top_k=network.graph.vcount())
    entities = sorted(network.nodes)
    gang_rank = [recorded[loaded.names[e]] for e in entities]
    top_tier = {e for e in entities if recorded[loaded.names[e]] <= 2}
    leader = next(e for e in entities if recorded[loaded.names[e]] == 1)

    def score(order: list[int], label: str) -> dict[str, Any]:
        position = {e: n for n, e in enumerate(order, start=1)}
        return {
            "measure": label,
            "spearman": round(spearman([position[e] for e in entities], gang_rank), 3),
            f"top{TOP_TIER}_overlap": len(set(order[:TOP_TIER]) & top_tier),
            "leader_rank": position[leader],
        }

    by_key_player = sorted(entities, key=lambda e: analysis.ranking[e])
    rows = [
        score(by_key_player, "key-player rank (greedy top 10, then position)"),
        score(sorted(entities, key=lambda e: every.ranking[e]), "greedy removal order of all 54"),
    ]
    measures = {
        "degree": lambda e: analysis.centrality[e].degree,
        "strength": lambda e: analysis.centrality[e].strength,
        "betweenness (1/weight)": lambda e: analysis.centrality[e].betweenness,
        "eigenvector": lambda e: analysis.centrality[e].eigenvector,
        "position score": lambda e: analysis.positions[e],
    }
    for label, value in measures.items():
        rows.append(score(sorted(entities, key=lambda e: (-value(e), e)), label))
    return {
        "nodes": network.graph.vcount(),
        "links": network.graph.ecount(),
        "communities": len(analysis.communities),
        "seconds": round(seconds, 2),
        "rows": rows,
        "top_key_players": [loaded.names[e] for e in by_key_player[:TOP_TIER]],
        "recorded_top_tier": sorted((loaded.names[e] for e in top_tier), key=int),
    }


def matrix_edges(path: Path, out: Path) -> Path:
    """A labelled (directed, weighted) adjacency matrix as an undirected edge list CSV."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    labels = [label.strip() for label in rows[0][1:]]
    summed: dict[tuple[str, str], float] = {}
    for row in rows[1:]:
        source = row[0].strip()
        for label, cell in zip(labels, row[1:], strict=True):
            value = float(cell or 0)
            if value and source != label:
                key = (min(source, label, key=int), max(source, label, key=int))
                summed[key] = summed.get(key, 0.0) + value
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "target", "weight"])
        writer.writerows([a, b, w] for (a, b), w in sorted(summed.items()))
    return out


def reach_without(graph: ig.Graph, removed: set[int]) -> tuple[int, float]:
    """(largest component, share of the original pairs still connected) after removing ``removed``."""
    n = graph.vcount()
    keep = [v for v in range(n) if v not in removed]
    sizes = graph.induced_subgraph(keep).connected_components().sizes()
    pairs = sum(s * (s - 1) / 2 for s in sizes)
    return max(sizes, default=0), pairs / (n * (n - 1) / 2)


def fragmentation(name: str, edges: Path, *, k: int, draws: int, rng: random.Random) -> dict[str, Any]:
    loaded = read_edge_list(edges)
    graph = loaded.network.graph
    found = graph_centralities(graph)
    removals = graph_key_players(graph, k=k)
    by_degree = sorted(range(graph.vcount()), key=lambda v: (-found[v].degree, v))[:k]
    by_betweenness = sorted(range(graph.vcount()), key=lambda v: (-found[v].betweenness, v))[:k]
    chance = [reach_without(graph, set(rng.sample(range(graph.vcount()), k))) for _ in range(draws)]
    largest, reachable = reach_without(graph, set())
    names = [loaded.names[loaded.network.entity(r.node)] for r in removals]
    return {
        "network": name,
        "nodes": graph.vcount(),
        "links": graph.ecount(),
        "largest_before": largest,
        "reachability_before": round(reachable, 3),
        "key_players": names,
        "key_players_after": _after(reach_without(graph, {r.node for r in removals})),
        "degree_after": _after(reach_without(graph, set(by_degree))),
        "betweenness_after": _after(reach_without(graph, set(by_betweenness))),
        "random_after": {
            "largest": round(float(np.mean([c[0] for c in chance])), 1),
            "reachability": round(float(np.mean([c[1] for c in chance])), 3),
        },
    }


def _after(found: tuple[int, float]) -> dict[str, float]:
    return {"largest": found[0], "reachability": round(found[1], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--k", type=int, default=5, help="key players removed from Caviar")
    parser.add_argument("--draws", type=int, default=200, help="random removals averaged")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args()

    gang = london_gang(args.data)
    print(
        f"London gang: {gang['nodes']} members, {gang['links']} ties, {gang['communities']} communities; "
        f"analysed in {gang['seconds']}s"
    )
    print(f"{'ranking by':<50} {'Spearman':>8} {'top-7 overlap':>14} {'leader at':>9}")
    for row in gang["rows"]:
        print(
            f"{row['measure']:<50} {row['spearman']:>8.3f} {row[f'top{TOP_TIER}_overlap']:>11} / {TOP_TIER}"
            f" {row['leader_rank']:>9}"
        )
    print(
        f"our top 7: {', '.join(gang['top_key_players'])}; recorded ranks 1-2: {', '.join(gang['recorded_top_tier'])}"
    )

    rng = random.Random(20261129)
    caviar: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        whole = matrix_edges(args.data / "morselli_caviar.csv", Path(scratch) / "morselli_caviar.edges.csv")
        caviar.append(fragmentation("morselli_caviar", whole, k=args.k, draws=args.draws, rng=rng))
    phases = args.data / "caviar-phases"
    for phase in range(1, 12):
        caviar.append(
            fragmentation(
                f"caviar phase {phase}",
                phases / f"caviar{phase}.edges.csv",
                k=args.k,
                draws=args.draws,
                rng=rng,
            )
        )
    print()
    print(f"Caviar: reachability (largest component) after removing {args.k}")
    print(
        f"{'network':<18} {'nodes':>5} {'before':>12} {'key players':>12} {'degree':>12} {'betweenness':>12} {'random':>12}"
    )
    for row in caviar:

        def cell(after: dict[str, float]) -> str:
            return f"{after['reachability']:.2f} ({after['largest']:g})"

        print(
            f"{row['network']:<18} {row['nodes']:>5} {row['reachability_before']:>6.2f} ({row['largest_before']:>3})"
            f" {cell(row['key_players_after']):>12} {cell(row['degree_after']):>12}"
            f" {cell(row['betweenness_after']):>12} {cell(row['random_after']):>12}"
        )
    print(f"morselli_caviar key players: {', '.join(caviar[0]['key_players'])}")
    if args.json:
        report = {"london_gang": gang, "caviar": caviar}
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
