"""Candidate groups at scale: Leiden communities on a 1,000,000-node LFR-style graph, scored by NMI.

    python benchmarks/bench_lfr.py [--nodes 1000000] [--resolution 1 --resolution 300] [--json OUT]

networkx's ``LFR_benchmark_graph`` takes hours at this size, so the graph is generated here with numpy,
following the LFR recipe (Lancichinetti, Fortunato and Radicchi 2008) with stub matching:

- degrees from a power law with exponent ``--tau1`` (2.5) between ``--min-degree`` (8) and
  ``--max-degree`` (50): mean about 15;
- community sizes from a power law with exponent ``--tau2`` (1.5) between ``--min-community`` (20) and
  ``--max-community`` (100), drawn until every node has a place;
- each node keeps ``(1 - mu)`` of its degree inside its community (``--mu`` 0.2) and is placed, most
  demanding first, at random in a community big enough to hold that many neighbours (the LFR rule);
  internal stubs are paired at random within the community, external ones across the whole graph (a
  configuration model per layer);
- self-loops and repeated pairs are dropped rather than rewired (LFR rewires them). Small, dense
  communities repeat many internal pairs, so about one in seven asked-for links goes (mostly internal
  ones): the mean degree and the mixing actually reached are printed beside the asked-for ones.

The timed part is the product's ``graph_communities`` (Leiden, weighted modularity, seeded, then each
community of ``--min-size`` or more vertices described with its cohesion), once per resolution. NMI
compares the full membership (every vertex) with the planted communities; ARI is given beside it.

Modularity's resolution limit means a graph this large merges planted communities that share even one
edge at resolution 1 (merging two communities of volume d with one edge between them gains
1/L - d^2/(2L^2) > 0 when d^2 < 2L), so a higher resolution is also run: this is the setting a force-wide
deployment needs, and why the resolution is configurable.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path
from typing import Any

import igraph as ig
import numpy as np
from partition_scores import adjusted_rand_index, normalised_mutual_information

from crimelink.network.communities import graph_communities


def power_law(rng: np.random.Generator, exponent: float, low: float, high: float, size: int) -> np.ndarray:
    """Samples of x^-exponent on [low, high] by inverse transform."""
    u = rng.random(size)
    a = 1.0 - exponent
    return (low**a + u * (high**a - low**a)) ** (1.0 / a)


def place(rng: np.random.Generator, wanted: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Each node's community: a random free place in a community with room for its internal degree.

    Nodes are placed most demanding first, each level among the free places of every community bigger
    than its internal degree (the LFR rule); a node nothing fits takes any free place, its internal
    degree then capped at the community's size less one.
    """
    places = np.repeat(np.arange(len(sizes)), sizes)
    places = places[np.argsort(sizes[places], kind="stable")]
    place_size = sizes[places]
    free = np.ones(len(places), dtype=bool)
    community = np.empty(len(wanted), dtype=np.int64)
    for level in np.unique(wanted)[::-1]:
        nodes = np.flatnonzero(wanted == level)
        start = int(np.searchsorted(place_size, level + 1))
        candidates = np.flatnonzero(free[start:]) + start
        if len(candidates) < len(nodes):
            candidates = np.flatnonzero(free)
        chosen = rng.choice(candidates, size=len(nodes), replace=False)
        community[nodes] = places[chosen]
        free[chosen] = False
    return community


def lfr_graph(args: argparse.Namespace) -> tuple[ig.Graph, np.ndarray, dict[str, float]]:
    rng = np.random.default_rng(args.seed)
    n = args.nodes
    degree = np.rint(power_law(rng, args.tau1, args.min_degree, args.max_degree, n)).astype(np.int64)
    sizes: list[int] = []
    while sum(sizes) < n:
        batch = np.rint(power_law(rng, args.tau2, args.min_community, args.max_community, 10_000)).astype(int)
        sizes.extend(batch.tolist())
    cumulative = np.cumsum(sizes)
    count = int(np.searchsorted(cumulative, n)) + 1
    sizes = sizes[:count]
    sizes[-1] -= int(cumulative[count - 1]) - n
    wanted = np.rint(degree * (1 - args.mu)).astype(np.int64)
    community = place(rng, wanted, np.asarray(sizes))
    size_of = np.asarray(sizes)[community]
    internal = np.minimum(wanted, size_of - 1)
    external = degree - internal

    def pair(stub_nodes: np.ndarray, groups: np.ndarray | None) -> np.ndarray:
        # Shuffle the stubs, then (within each group) pair neighbours: a random matching.
        order = rng.permutation(len(stub_nodes))
        stub_nodes = stub_nodes[order]
        if groups is not None:
            groups = groups[order]
            by_group = np.argsort(groups, kind="stable")
            stub_nodes, groups = stub_nodes[by_group], groups[by_group]
            same = groups[:-1:2] == groups[1::2]
            return np.column_stack([stub_nodes[:-1:2][same], stub_nodes[1::2][same]])
        half = len(stub_nodes) // 2 * 2
        return np.column_stack([stub_nodes[:half:2], stub_nodes[1:half:2]])

    inside_stubs = np.repeat(np.arange(n), internal)
    inside = pair(inside_stubs, community[inside_stubs])
    outside = pair(np.repeat(np.arange(n), external), None)
    edges = np.concatenate([inside, outside])
    edges = edges[edges[:, 0] != edges[:, 1]]
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    graph = ig.Graph(n=n, edges=edges, directed=False)
    crossing = community[edges[:, 0]] != community[edges[:, 1]]
    facts = {
        "nodes": float(n),
        "edges": float(len(edges)),
        "mean_degree": 2 * len(edges) / n,
        "planted_communities": float(count),
        "links_asked": float(degree.sum() / 2),
        "mu_asked": args.mu,
        "mu_measured": float(crossing.mean()),
    }
    return graph, community, facts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--mu", type=float, default=0.2, help="mixing: share of each node's links outside")
    parser.add_argument("--tau1", type=float, default=2.5)
    parser.add_argument("--tau2", type=float, default=1.5)
    parser.add_argument("--min-degree", type=int, default=8)
    parser.add_argument("--max-degree", type=int, default=50)
    parser.add_argument("--min-community", type=int, default=20)
    parser.add_argument("--max-community", type=int, default=100)
    parser.add_argument("--min-size", type=int, default=3, help="smallest community described (vertices)")
    parser.add_argument(
        "--resolution", type=float, action="append", help="repeat for several (default: 1 and 300)"
    )
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args()
    resolutions = args.resolution or [1.0, 300.0]

    started = time.perf_counter()
    graph, planted, facts = lfr_graph(args)
    generated = time.perf_counter() - started
    print(
        f"LFR-style graph: {int(facts['nodes']):,} nodes, {int(facts['edges']):,} edges "
        f"({facts['edges'] / facts['links_asked']:.0%} of those asked for), mean degree "
        f"{facts['mean_degree']:.1f}, {int(facts['planted_communities']):,} planted communities, "
        f"mu {facts['mu_asked']} asked / {facts['mu_measured']:.3f} measured; generated in {generated:.1f}s"
    )
    runs: list[dict[str, Any]] = []
    print(f"{'resolution':>10} {'seconds':>8} {'found':>9} {'described':>9} {'NMI':>6} {'ARI':>6}")
    for resolution in resolutions:
        started = time.perf_counter()
        membership, communities = graph_communities(
            graph, resolution=resolution, min_size=args.min_size, seed=args.seed
        )
        seconds = time.perf_counter() - started
        found = np.asarray(membership)
        run = {
            "resolution": resolution,
            "seconds": round(seconds, 2),
            "communities_found": int(found.max()) + 1,
            "communities_described": len(communities),
            "nmi": round(normalised_mutual_information(planted, found), 4),
            "ari": round(adjusted_rand_index(planted, found), 4),
        }
        runs.append(run)
        print(
            f"{resolution:>10g} {seconds:>8.1f} {run['communities_found']:>9,} {run['communities_described']:>9,} "
            f"{run['nmi']:>6.3f} {run['ari']:>6.3f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident set: {peak:,.0f} MiB")
    if args.json:
        report = {"graph": facts, "generation_seconds": round(generated, 2), "runs": runs, "peak_mib": peak}
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
