"""Candidate groups and key players on the demo borough, against its planted groups.

    python benchmarks/bench_groups_demo.py [--db var/crimelink.db] [--truth var/demo/ground_truth/truth.json]
        [--resolution 0.05 --resolution 0.02] [--threat-boost 10] [--json OUT]

Reads a demo store that has been loaded and resolved (``make run`` up to ``crimelink entities resolve``)
without writing to it, builds the network of every current record with the product's store reader
(``crimelink.network.store.read_network``, dated the ground truth's reference date), then per resolution:

- **ARI**: the product's candidate groups (``detect_candidate_groups``: CPM on crime and enforcement
  links, at least 3 people and 2 threat-tagged records) against the planted groups, over the planted
  groups' people (a person in no candidate counts as a group of their own); and the same over the
  planted people and everyone in a candidate holding one ("with bystanders");
- **ceiling**: the ARI if each planted group were split only where its own people and the things they
  are directly linked to fall apart (no algorithm can join people no evidence joins);
- **principal's rank**: where each planted principal comes in ``group_key_players`` of the candidate
  group holding them (target: top three);
- **purity**: the share of the people of candidates holding planted people who are planted people.

Only this benchmark reads the ground truth; the product never does.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import igraph as ig
from demo_truth import entity_of_true_id, load_truth
from partition_scores import adjusted_rand_index
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from crimelink.network.groups import DEFAULT_DETECTION, GroupDetection, detect_candidate_groups
from crimelink.network.model import Network
from crimelink.network.roles import group_key_players, suggest_roles
from crimelink.network.store import read_network
from crimelink.store.models import SourceRecord


def demo_network(db: Path, truth: dict[str, Any]) -> tuple[Network, dict[str, int], float]:
    engine = create_engine(f"sqlite+pysqlite:///file:{db.resolve()}?mode=ro&uri=true")
    started = time.perf_counter()
    with Session(engine) as session:
        current = select(func.max(SourceRecord.id)).group_by(SourceRecord.dataset_id, SourceRecord.source_key)
        ids = [record_id for (record_id,) in session.execute(current)]
        network = read_network(session, ids, today=date.fromisoformat(truth["reference_date"]))
    seconds = time.perf_counter() - started
    return network, entity_of_true_id(engine, truth), seconds


def ceiling(network: Network, groups: list[tuple[str, list[int]]]) -> float:
    graph = network.graph
    truth, found = [], []
    for group_id, people in groups:
        vertices = {network.vertex(p) for p in people}
        things = {n for v in vertices for n in graph.neighbors(v) if graph.vs[n]["kind"] != "PERSON"}
        kept = sorted(vertices | things)
        parts = graph.induced_subgraph(kept).connected_components().membership
        local = {v: i for i, v in enumerate(kept)}
        for person in people:
            truth.append(group_id)
            found.append(f"{group_id}-{parts[local[network.vertex(person)]]}")
    return adjusted_rand_index(truth, found)


def evaluate(
    network: Network,
    groups: list[dict[str, Any]],
    t2e: dict[str, int],
    resolution: float,
    threat_boost: float = DEFAULT_DETECTION.threat_boost,
) -> dict[str, Any]:
    started = time.perf_counter()
    detection, candidates = detect_candidate_groups(
        network, GroupDetection(resolution=resolution, threat_boost=threat_boost)
    )
    seconds = time.perf_counter() - started
    holding = {p: c for c in candidates for p in c.people}
    planted = {t2e[m["person"]]: g["id"] for g in groups for m in g["members"] if m["person"] in t2e}
    ari = adjusted_rand_index(
        list(planted.values()), [holding[p].key if p in holding else f"alone-{p}" for p in planted]
    )
    # Stricter: over the planted people and everyone in a candidate holding one, so a candidate padded
    # with bystanders scores lower.
    touched = {c.key: c for c in candidates if set(c.people) & set(planted)}
    everyone = sorted(set(planted) | {p for c in touched.values() for p in c.people})
    strict = adjusted_rand_index(
        [planted.get(p, f"outside-{p}") for p in everyone],
        [holding[p].key if p in holding else f"alone-{p}" for p in everyone],
    )
    purity = sum(len(set(c.people) & set(planted)) for c in touched.values()) / max(
        1, sum(len(c.people) for c in touched.values())
    )
    rows = []
    for group in groups:
        principal = t2e.get(group["members"][0]["person"])
        candidate = holding.get(principal) if principal is not None else None
        rank = None
        suggested = None
        if candidate is not None:
            removals = group_key_players(detection, candidate.members)
            order = [r.node for r in removals]
            rank = order.index(principal) + 1 if principal in order else None
            suggested = suggest_roles(detection, candidate.members, key_players=removals)[
                principal
            ].role.value
        rows.append(
            {
                "group": group["id"],
                "scenario": group["scenario"],
                "principal_rank": rank,
                "principal_suggested_role": suggested,
                "candidate_people": len(candidate.people) if candidate else 0,
            }
        )
    return {
        "resolution": resolution,
        "threat_boost": threat_boost,
        "seconds": round(seconds, 2),
        "candidates": len(candidates),
        "candidates_with_threats": sum(1 for c in candidates if c.threats),
        "ari": round(ari, 3),
        "ari_with_bystanders": round(strict, 3),
        "purity": round(purity, 3),
        "groups": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, default=Path("var/crimelink.db"))
    parser.add_argument("--truth", type=Path, default=Path("var/demo/ground_truth/truth.json"))
    parser.add_argument(
        "--resolution",
        type=float,
        action="append",
        help=f"CPM resolution of the detection, repeat for several (default: {DEFAULT_DETECTION.resolution})",
    )
    parser.add_argument(
        "--threat-boost",
        type=float,
        default=DEFAULT_DETECTION.threat_boost,
        help="weight of threat-tagged evidence",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args()
    truth = load_truth(args.truth)
    network, t2e, read_seconds = demo_network(args.db, truth)
    graph: ig.Graph = network.graph
    print(f"demo network: {graph.vcount():,} entities, {graph.ecount():,} links; read in {read_seconds:.1f}s")
    groups = truth["groups"]
    planted = [(g["id"], [t2e[m["person"]] for m in g["members"] if m["person"] in t2e]) for g in groups]
    limit = ceiling(network, planted)
    print(f"ARI ceiling (planted groups split only where their own evidence is): {limit:.3f}")
    runs = []
    for resolution in args.resolution or [DEFAULT_DETECTION.resolution]:
        run = evaluate(network, groups, t2e, resolution, args.threat_boost)
        runs.append(run)
        print(
            f"\nresolution {resolution:g}: {run['candidates']:,} candidates ({run['candidates_with_threats']:,} with "
            f"criminality evidence) in {run['seconds']}s; ARI {run['ari']:.3f} (with bystanders "
            f"{run['ari_with_bystanders']:.3f}); purity {run['purity']:.2f}"
        )
        print(f"{'group':<6} {'scenario':<18} {'people':>6} {'principal rank':>14}  suggested role")
        for row in run["groups"]:
            print(
                f"{row['group']:<6} {row['scenario']:<18} {row['candidate_people']:>6} "
                f"{row['principal_rank'] or '-':>14}  {row['principal_suggested_role'] or '-'}"
            )
    if args.json:
        report = {
            "entities": graph.vcount(),
            "links": graph.ecount(),
            "ari_ceiling": round(limit, 3),
            "runs": runs,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
