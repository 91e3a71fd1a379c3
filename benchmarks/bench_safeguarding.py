"""Safeguarding alerts on the demo borough: recall and precision against its planted exploited people.

    python benchmarks/bench_safeguarding.py --size 20000 [--workdir DIR] [--json OUT]
    python benchmarks/bench_safeguarding.py --store resolved.db --truth ground_truth/truth.json

Generates the demo (seed 20261128), loads it into a fresh SQLite store and resolves it into entities (as
``bench_resolve_demo.py`` does), or copies a store already resolved (``--store``, never written to), then
runs the safeguarding scan as of the demo's reference date and scores its alerts:

- **recall**: of the planted exploited people who are children or vulnerable adults (the ground truth's
  ``exploited`` list, with each person's ``is_child`` and ``vulnerable_adult``), the share with at least
  one alert on the entity their records were resolved into;
- **precision**: of the alerts, the share whose subject is a planted exploited person; *strict precision*
  counts only those who are also a child or a vulnerable adult in the ground truth (a worker who was 17
  when exploited but is 19 on the reference date counts for precision, not for strict precision).

An alert's subject is the true person most of its entity's record parties belong to. The product never
reads the ground truth; only this benchmark does.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench_resolve_demo import SEED, iter_truth_records
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session


def true_person_of_entities(engine: Engine, truth_path: Path) -> dict[int, str]:
    """Each live person entity's majority true person id (``P...``), from the record parties linked to it."""
    from crimelink.store.models import Agency, Dataset, Entity, RecordEntityLink, SourceRecord

    with Session(engine) as session:
        latest = (
            select(
                SourceRecord.dataset_id,
                SourceRecord.source_key,
                func.max(SourceRecord.version).label("version"),
            )
            .group_by(SourceRecord.dataset_id, SourceRecord.source_key)
            .subquery()
        )
        record_ids = {
            f"{agency}/{dataset}/{key}": record_id
            for agency, dataset, key, record_id in session.execute(
                select(Agency.code, Dataset.code, SourceRecord.source_key, SourceRecord.id)
                .join(Dataset, Dataset.id == SourceRecord.dataset_id)
                .join(Agency, Agency.id == Dataset.agency_id)
                .join(
                    latest,
                    (SourceRecord.dataset_id == latest.c.dataset_id)
                    & (SourceRecord.source_key == latest.c.source_key)
                    & (SourceRecord.version == latest.c.version),
                )
            )
        }
        links = {
            (int(record_id), str(party)): int(entity_id)
            for record_id, party, entity_id in session.execute(
                select(RecordEntityLink.record_id, RecordEntityLink.party, RecordEntityLink.entity_id)
            )
        }
        merged = {
            int(e): int(m)
            for e, m in session.execute(
                select(Entity.id, Entity.merged_into_id).where(Entity.merged_into_id.is_not(None))
            )
        }

    def live(entity_id: int) -> int:
        seen = {entity_id}
        while entity_id in merged and merged[entity_id] not in seen:
            entity_id = merged[entity_id]
            seen.add(entity_id)
        return entity_id

    votes: dict[int, Counter[str]] = defaultdict(Counter)
    for record_key, parties in iter_truth_records(truth_path):
        record_id = record_ids.get(record_key)
        if record_id is None:
            continue
        for party, true_id in parties.items():
            entity_id = links.get((record_id, party))
            if entity_id is not None and true_id.startswith("P") and "." not in party:
                votes[live(entity_id)][true_id] += 1
    return {entity_id: counter.most_common(1)[0][0] for entity_id, counter in votes.items()}


def load_truth_people(truth_path: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The persons table and the exploited list (the whole file is read: its tables are small)."""
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    return truth["persons"], list(truth["exploited"])


def score(engine: Engine, truth_path: Path) -> dict[str, Any]:
    from crimelink.store.models import Entity, SafeguardingAlert

    persons, exploited = load_truth_people(truth_path)
    expected = {p for p in exploited if persons[p]["is_child"] or persons[p]["vulnerable_adult"]}
    person_of = true_person_of_entities(engine, truth_path)
    with Session(engine) as session:
        merged: dict[int, int | None] = dict(
            session.execute(
                select(Entity.id, Entity.merged_into_id).where(Entity.merged_into_id.is_not(None))
            ).all()
        )
        alerts = session.execute(
            select(
                SafeguardingAlert.id,
                SafeguardingAlert.subject_entity_id,
                SafeguardingAlert.kind,
                SafeguardingAlert.threats,
            ).order_by(SafeguardingAlert.id)
        ).all()
    rows, found = [], set()
    for alert_id, entity_id, kind, threats in alerts:
        while (target := merged.get(entity_id)) is not None:
            entity_id = target
        person = person_of.get(entity_id)
        facts = persons.get(person or "", {})
        verdict = "exploited" if person in exploited else "not exploited"
        if person in expected:
            found.add(person)
        rows.append(
            {
                "alert": alert_id,
                "kind": kind,
                "threats": threats,
                "true_person": person,
                "is_child": facts.get("is_child"),
                "vulnerable_adult": facts.get("vulnerable_adult"),
                "verdict": verdict,
            }
        )
    right = sum(1 for r in rows if r["verdict"] == "exploited")
    strict = sum(1 for r in rows if r["true_person"] in expected)
    return {
        "exploited": len(exploited),
        "expected": len(expected),
        "alerts": len(rows),
        "recall": len(found) / len(expected) if expected else 1.0,
        "precision": right / len(rows) if rows else 1.0,
        "strict_precision": strict / len(rows) if rows else 1.0,
        "missed": sorted(expected - found),
        "by_alert": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="keep the demo and resolved store here for reuse"
    )
    parser.add_argument(
        "--store", type=Path, default=None, help="a resolved demo store to copy (not written)"
    )
    parser.add_argument("--truth", type=Path, default=None, help="its ground truth (with --store)")
    parser.add_argument("--min-score", type=int, default=None, help="the scan's minimum indicator score")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args()
    if (args.store is None) != (args.truth is None):
        parser.error("give --store and --truth together")

    from crimelink.demo import generate_demo
    from crimelink.demo.loader import load_demo
    from crimelink.demo.world import REFERENCE_DATE
    from crimelink.linkage.resolve import resolve_entities
    from crimelink.network.screening import DEFAULT_MIN_SCORE
    from crimelink.services.callers import SystemCaller
    from crimelink.services.safeguarding import scan_safeguarding
    from crimelink.store import migrate
    from crimelink.store.engine import make_engine, session_scope

    report: dict[str, Any] = {"benchmark": "safeguarding", "seed": SEED}
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(args.workdir or scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        store = tmp / "store.db"
        if args.store is not None:
            shutil.copyfile(args.store, store)
            truth = args.truth
            report["source"] = str(args.store)
        else:
            demo, resolved = tmp / "demo", tmp / "resolved.db"
            truth = demo / "ground_truth" / "truth.json"
            report["size"] = args.size
            if not (args.workdir and resolved.exists()):
                started = time.perf_counter()
                generate_demo(demo, seed=SEED, size=args.size)
                engine = make_engine(f"sqlite:///{resolved}")
                migrate.upgrade(engine)
                load_demo(engine, demo)
                resolve_entities(engine)
                engine.dispose()
                report["prepare_seconds"] = round(time.perf_counter() - started, 1)
                print(
                    f"demo size {args.size:,} generated, loaded and resolved in {report['prepare_seconds']} s"
                )
            shutil.copyfile(resolved, store)
        engine = make_engine(f"sqlite:///{store}")
        migrate.upgrade(engine)
        min_score = args.min_score or DEFAULT_MIN_SCORE
        started = time.perf_counter()
        with session_scope(engine) as session:
            summary = scan_safeguarding(
                session, actor=SystemCaller("bench-safeguarding"), today=REFERENCE_DATE, min_score=min_score
            )
        report["scan_seconds"] = round(time.perf_counter() - started, 2)
        with session_scope(engine) as session:
            again = scan_safeguarding(
                session, actor=SystemCaller("bench-safeguarding"), today=REFERENCE_DATE, min_score=min_score
            )
        report["scan"] = {
            "records_screened": summary.records_screened,
            "records_tagged": summary.records_tagged,
            "tags_by_threat": summary.tags_by_threat,
            "people_found": summary.people_found,
            "alerts_raised": summary.alerts_raised,
            "min_score": summary.min_score,
            "catalogue": summary.catalogue,
            "rescan_alerts_raised": again.alerts_raised,
        }
        report.update(score(engine, truth))
        engine.dispose()
    for row in report["by_alert"]:
        print(
            f"alert {row['alert']:4} {row['kind']:13} {','.join(row['threats']):45} {row['true_person'] or '-':8} "
            f"child={row['is_child']} vulnerable={row['vulnerable_adult']}  {row['verdict']}"
        )
    print(
        f"\nscan: {summary.records_screened:,} records screened, {summary.records_tagged:,} tagged, "
        f"{summary.alerts_raised} alerts in {report['scan_seconds']} s (minimum score {summary.min_score}); "
        f"a re-scan raised {again.alerts_raised}"
    )
    print(
        f"planted exploited people: {report['exploited']}, of whom children or vulnerable adults: "
        f"{report['expected']}\nrecall {report['recall']:.3f}  precision {report['precision']:.3f}  "
        f"strict precision {report['strict_precision']:.3f}  missed {report['missed'] or 'none'}"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
