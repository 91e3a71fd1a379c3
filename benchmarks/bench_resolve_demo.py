"""Entity resolution accuracy on the demo borough: pairwise precision, recall and F1 against its ground truth.

    python benchmarks/bench_resolve_demo.py --size 20000

Generates the demo (seed 20261128), loads it into a fresh SQLite store, runs `resolve_entities`, and
compares the parties the product put in one entity with the ground truth's true ids, per kind
(persons: true ids P..., premises H..., vehicles V..., phones T..., businesses B...). The product never
reads the ground truth; only this benchmark does.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.demo import generate_demo
from crimelink.demo.loader import load_demo
from crimelink.linkage.resolve import resolve_entities
from crimelink.store import migrate
from crimelink.store.engine import make_engine
from crimelink.store.models import Agency, Dataset, RecordEntityLink, SourceRecord

KINDS = {"P": "person", "H": "premises", "V": "vehicle", "T": "phone", "B": "business"}


def pairs(groups: dict[object, list[tuple[str, str]]]) -> set[frozenset[tuple[str, str]]]:
    found: set[frozenset[tuple[str, str]]] = set()
    for members in groups.values():
        for a, b in combinations(sorted(set(members)), 2):
            found.add(frozenset((a, b)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--threshold", type=float, default=0.9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        generate_demo(demo, seed=20261128, size=args.size)
        engine = make_engine(f"sqlite:///{Path(tmp) / 'store.db'}")
        migrate.upgrade(engine)
        load_demo(engine, demo)
        started = time.perf_counter()
        summary = resolve_entities(engine, threshold=args.threshold)
        seconds = time.perf_counter() - started
        truth = json.loads((demo / "ground_truth" / "truth.json").read_text())["records"]
        predicted: dict[str, dict[int, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
        actual: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
        with Session(engine) as session:
            rows = session.execute(
                select(
                    Agency.code,
                    Dataset.code,
                    SourceRecord.source_key,
                    RecordEntityLink.party,
                    RecordEntityLink.entity_id,
                )
                .join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
                .join(Dataset, Dataset.id == SourceRecord.dataset_id)
                .join(Agency, Agency.id == Dataset.agency_id)
            ).all()
        for agency, dataset, key, party, entity_id in rows:
            true_id = truth.get(f"{agency}/{dataset}/{key}", {}).get(party)
            if not true_id or true_id[0] not in KINDS:
                continue
            kind = KINDS[true_id[0]]
            member = (f"{agency}/{dataset}/{key}", party)
            predicted[kind][entity_id].append(member)
            actual[kind][true_id].append(member)
    print(
        f"demo size {args.size:,}: {summary.records:,} records, {summary.parties:,} parties, resolved in {seconds:.1f} s"
    )
    for kind in KINDS.values():
        got, want = pairs(predicted[kind]), pairs(actual[kind])  # type: ignore[arg-type]
        if not want and not got:
            continue
        true_positive = len(got & want)
        precision = true_positive / len(got) if got else 1.0
        recall = true_positive / len(want) if want else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(
            f"{kind:9} pairs predicted {len(got):7,} true {len(want):7,}  precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}"
        )


if __name__ == "__main__":
    main()
