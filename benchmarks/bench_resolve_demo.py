"""Entity resolution accuracy on the demo borough: pairwise precision, recall and F1 against its ground truth.

    python benchmarks/bench_resolve_demo.py --size 20000 [--contenders crimelink,splink] [--json OUT]

Generates the demo (seed 20261128), loads it into a fresh SQLite store, then runs each contender in its
own interpreter (so its wall time and peak resident set, VmHWM, are its own):

- ``crimelink``: ``resolve_entities`` over the loaded store (every kind of party; its wall time includes
  reading the store and writing entities and links);
- ``splink``: plain Splink 5 on the same store's person parties, trained the way Splink's tutorials do
  (see ``plain_splink.py``), clustered at match probability 0.95 (the tutorial's) and 0.9.

Both are compared with the ground truth's true ids, per kind (persons: true ids P..., premises H...,
vehicles V..., phones T..., businesses B...); plain Splink only on persons. A party is scored when the
store holds it and the ground truth names it; parties a contender leaves out count as single-member
clusters. Pairs are counted from cluster sizes (sums of n(n-1)/2 over clusters and over their
intersections with the true entities), never listed, so scoring stays small at 1,000,000 records.
The product never reads the ground truth; only this benchmark does.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import tempfile
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import plain_splink
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

SCRIPT = Path(__file__).resolve()
SEED = 20261128
CONTENDERS = ("crimelink", "splink")
KINDS = {"P": "person", "H": "premises", "V": "vehicle", "T": "phone", "B": "business"}
_KIND_CODE = {letter: code for code, letter in enumerate(KINDS)}
_PARTY_BITS = 10  # a member is (store record id << 10) | party-name number


# --- scoring ---------------------------------------------------------------------------------------


@dataclass
class Members:
    """The parties to score, sorted by key, with their true entity (kind code and number)."""

    keys: np.ndarray
    kinds: np.ndarray
    truth: np.ndarray


class PartyKeys:
    """Numbers party names so a (record, party) member is one int64."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def key(self, record_id: int, party: str) -> int:
        number = self._numbers.setdefault(party, len(self._numbers))
        if number >= 1 << _PARTY_BITS:
            raise ValueError("too many distinct party names to number")
        return (record_id << _PARTY_BITS) | number


def iter_truth_records(path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """(record key, {party: true id}) from ``truth.json`` without loading the whole file.

    The demo writes one record entry a line inside ``"records": {``; any other layout is read whole.
    """
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith('"records": {'):
                break
        else:
            yield from json.loads(path.read_text(encoding="utf-8"))["records"].items()
            return
        for line in handle:
            text = line.strip()
            if text.startswith("}"):
                return
            if text:
                yield from json.loads("{" + text.rstrip(",") + "}").items()


def current_records(engine: Engine) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(``agency/dataset/key`` as the ground truth names it, store record id, normalised fields) of the
    latest version of every record in the store."""
    from crimelink.store.models import Agency, Dataset, SourceRecord

    latest = (
        select(
            SourceRecord.dataset_id, SourceRecord.source_key, func.max(SourceRecord.version).label("version")
        )
        .group_by(SourceRecord.dataset_id, SourceRecord.source_key)
        .subquery()
    )
    query = (
        select(Agency.code, Dataset.code, SourceRecord.source_key, SourceRecord.id, SourceRecord.normalised)
        .join(Dataset, Dataset.id == SourceRecord.dataset_id)
        .join(Agency, Agency.id == Dataset.agency_id)
        .join(
            latest,
            (SourceRecord.dataset_id == latest.c.dataset_id)
            & (SourceRecord.source_key == latest.c.source_key)
            & (SourceRecord.version == latest.c.version),
        )
    )
    with Session(engine) as session:
        for agency, dataset, key, record_id, normalised in session.execute(
            query, execution_options={"yield_per": 5000}
        ):
            yield f"{agency}/{dataset}/{key}", record_id, normalised or {}


def load_members(engine: Engine, truth_path: Path, party_keys: PartyKeys) -> Members:
    """Every party of the current store records that the ground truth names, with its true id."""
    record_ids: dict[str, int] = {}
    in_store = array("q")
    for record_key, record_id, normalised in current_records(engine):
        record_ids[record_key] = record_id
        in_store.extend(
            party_keys.key(record_id, party)
            for party, fields in normalised.items()
            if party != "record" and fields
        )
    keys, kinds, truth = array("q"), array("b"), array("q")
    for record_key, parties in iter_truth_records(truth_path):
        record_id = record_ids.get(record_key)
        if record_id is None:
            continue
        for party, true_id in parties.items():
            code = _KIND_CODE.get(true_id[:1])
            if code is not None:
                keys.append(party_keys.key(record_id, party))
                kinds.append(code)
                truth.append(int(true_id[1:]))
    del record_ids
    key_array = _ints(keys)
    keep = np.isin(key_array, _ints(in_store))
    order = np.argsort(key_array[keep], kind="stable")
    return Members(
        keys=key_array[keep][order],
        kinds=_ints(kinds, np.int8)[keep][order],
        truth=_ints(truth)[keep][order],
    )


def _ints(values: array[int], dtype: Any = np.int64) -> np.ndarray:
    return np.frombuffer(values, dtype=dtype) if len(values) else np.empty(0, dtype=dtype)


def labels_for(members: Members, keys: array[int], labels: array[int]) -> np.ndarray:
    """The predicted cluster label of every member; members without one get a label of their own."""
    predicted_keys = _ints(keys)
    predicted = _ints(labels)
    order = np.argsort(predicted_keys, kind="stable")
    predicted_keys, predicted = predicted_keys[order], predicted[order]
    at = np.searchsorted(predicted_keys, members.keys)
    inside = at < len(predicted_keys)
    found = np.zeros(len(members.keys), dtype=bool)
    found[inside] = predicted_keys[at[inside]] == members.keys[inside]
    out = np.empty(len(members.keys), dtype=np.int64)
    out[found] = predicted[at[found]]
    singles = ~found
    # Below every real label: never collides with one.
    low = int(predicted.min()) if len(predicted) else 0
    out[singles] = low - 1 - np.arange(int(singles.sum()), dtype=np.int64)
    return out


def _pairs_within(labels: np.ndarray) -> int:
    _, counts = np.unique(labels, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def pair_scores(predicted: np.ndarray, true: np.ndarray) -> dict[str, float | int]:
    """Pairwise scores from two clusterings of the same members, by contingency counts."""
    _, predicted_dense = np.unique(predicted, return_inverse=True)
    _, true_dense = np.unique(true, return_inverse=True)
    joint = predicted_dense.astype(np.int64) * (int(true_dense.max(initial=0)) + 1) + true_dense
    got, want, hit = _pairs_within(predicted), _pairs_within(true), _pairs_within(joint)
    precision = hit / got if got else 1.0
    recall = hit / want if want else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "members": len(true),
        "pairs": got,
        "true_pairs": want,
        "true_positives": hit,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def score_kind(members: Members, labels: np.ndarray, letter: str) -> dict[str, float | int]:
    mask = members.kinds == _KIND_CODE[letter]
    return pair_scores(labels[mask], members.truth[mask])


def crimelink_labels(engine: Engine, party_keys: PartyKeys) -> tuple[array[int], array[int]]:
    from crimelink.store.models import RecordEntityLink

    keys, labels = array("q"), array("q")
    with Session(engine) as session:
        rows = session.execute(
            select(RecordEntityLink.record_id, RecordEntityLink.party, RecordEntityLink.entity_id),
            execution_options={"yield_per": 10000},
        )
        for record_id, party, entity_id in rows:
            keys.append(party_keys.key(record_id, party))
            labels.append(entity_id)
    return keys, labels


def splink_labels(
    path: Path, party_keys: PartyKeys, thresholds: list[str]
) -> tuple[array[int], list[array[int]]]:
    keys, labels = array("q"), [array("q") for _ in thresholds]
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = [header.index(f"cluster_{t}") for t in thresholds]
        for row in reader:
            keys.append(party_keys.key(int(row[0]), row[1]))
            for column, out in zip(columns, labels, strict=True):
                out.append(int(row[column]))
    return keys, labels


# --- workers (each contender runs in a child process started by main) ------------------------------


def crimelink_worker(args: argparse.Namespace) -> None:
    from crimelink.linkage.resolve import resolve_entities
    from crimelink.store.engine import make_engine

    engine = make_engine(f"sqlite:///{args.store}")
    started = time.perf_counter()
    summary = resolve_entities(engine, threshold=args.threshold)
    seconds = time.perf_counter() - started
    payload = {
        "records": summary.records,
        "parties": summary.parties,
        "clusters": summary.clusters,
        "entities_by_kind": summary.entities_by_kind,
        "resolve_seconds": summary.seconds,
    }
    plain_splink.write_result(args.result, payload, seconds=seconds)


def splink_worker(args: argparse.Namespace) -> None:
    from crimelink.store.engine import make_engine

    engine = make_engine(f"sqlite:///{args.store}")
    thresholds = plain_splink.PEOPLE_THRESHOLDS
    started = time.perf_counter()
    people = plain_splink.people_from_store(engine)
    labels, facts = plain_splink.dedupe_people(people, thresholds=thresholds)
    seconds = time.perf_counter() - started
    with args.clusters.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "party", *(f"cluster_{t}" for t in thresholds)])
        for index, (record_id, party) in enumerate(people.rows()):
            writer.writerow([record_id, party, *(labels[t][index] for t in thresholds)])
    payload = {"records": len(people), "thresholds": list(thresholds), **facts}
    plain_splink.write_result(args.result, payload, seconds=seconds)


# --- the benchmark ---------------------------------------------------------------------------------


def demo_store(tmp: Path, size: int, *, reuse: bool, report: dict[str, Any]) -> Engine:
    """The demo generated into ``tmp/demo`` and loaded into a fresh SQLite store, ``tmp/store.db``.

    With ``reuse`` (``--workdir``) a demo already generated there is kept, and so is the freshly loaded
    store (``tmp/loaded.db``), copied for each run. Generation and loading times go into ``report``.
    """
    from crimelink.demo import generate_demo
    from crimelink.demo.loader import load_demo
    from crimelink.store import migrate
    from crimelink.store.engine import make_engine

    demo, store, loaded = tmp / "demo", tmp / "store.db", tmp / "loaded.db"
    started = time.perf_counter()
    if not (reuse and (demo / "ground_truth" / "truth.json").exists()):
        generate_demo(demo, seed=SEED, size=size)
    report["generate_seconds"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    if reuse and loaded.exists():
        shutil.copyfile(loaded, store)
        engine = make_engine(f"sqlite:///{store}")
        migrate.upgrade(engine)
    else:
        engine = make_engine(f"sqlite:///{store}")
        migrate.upgrade(engine)
        load_demo(engine, demo)
        if reuse:
            engine.dispose()
            shutil.copyfile(store, loaded)
    report["load_seconds"] = round(time.perf_counter() - started, 1)
    print(
        f"demo size {size:,}: generated in {report['generate_seconds']:.1f} s, "
        f"loaded in {report['load_seconds']:.1f} s",
        flush=True,
    )
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--threshold", type=float, default=0.9, help="Crimelink's match threshold")
    parser.add_argument(
        "--contenders",
        default=",".join(CONTENDERS),
        help=f"comma-separated, from {', '.join(CONTENDERS)} (default: both)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the generated demo and loaded store here and reuse them on the next run (same size)",
    )
    parser.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--clusters", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "crimelink":
        crimelink_worker(args)
        return
    if args.worker == "splink":
        splink_worker(args)
        return
    contenders = [name.strip() for name in args.contenders.split(",") if name.strip()]
    unknown = sorted(set(contenders) - set(CONTENDERS))
    if unknown or not contenders:
        parser.error(f"unknown contender(s) {', '.join(unknown)}: choose from {', '.join(CONTENDERS)}")

    report: dict[str, Any] = {"benchmark": "resolve_demo", "size": args.size, "seed": SEED}
    with tempfile.TemporaryDirectory() as scratch:
        tmp = str(args.workdir or scratch)
        demo, store = Path(tmp) / "demo", Path(tmp) / "store.db"
        engine = demo_store(Path(tmp), args.size, reuse=args.workdir is not None, report=report)
        results: dict[str, dict[str, Any]] = {}
        for contender in contenders:
            print(f"{contender}: running", flush=True)
            worker_args = ["--worker", contender, "--store", str(store), "--threshold", str(args.threshold)]
            if contender == "splink":
                worker_args += ["--clusters", str(Path(tmp) / "splink_clusters.csv")]
            results[contender] = plain_splink.run_worker(SCRIPT, worker_args)
        party_keys = PartyKeys()
        members = load_members(engine, demo / "ground_truth" / "truth.json", party_keys)
        rows = []
        if "crimelink" in results:
            rows.append(_report_crimelink(results["crimelink"], members, engine, party_keys, args, report))
        if "splink" in results:
            rows.extend(
                _report_splink(results["splink"], members, Path(tmp) / "splink_clusters.csv", party_keys)
            )
        engine.dispose()
    _print_table(rows, args.size)
    report["persons"] = rows
    report["harness_peak_mb"] = round(plain_splink.peak_rss_mb(), 1)
    print(
        f"this process (generating, loading and scoring; contenders not included) peaked at "
        f"{report['harness_peak_mb']:.0f} MB"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")


def _report_crimelink(
    result: dict[str, Any],
    members: Members,
    engine: Engine,
    party_keys: PartyKeys,
    args: argparse.Namespace,
    report: dict[str, Any],
) -> dict[str, Any]:
    keys, entity_ids = crimelink_labels(engine, party_keys)
    labels = labels_for(members, keys, entity_ids)
    del keys, entity_ids
    print(
        f"crimelink: {result['records']:,} records, {result['parties']:,} parties, resolved in "
        f"{result['seconds']:.1f} s (threshold {args.threshold})"
    )
    by_kind = {}
    for letter, kind in KINDS.items():
        scores = score_kind(members, labels, letter)
        if not scores["pairs"] and not scores["true_pairs"]:
            continue
        by_kind[kind] = scores
        print(
            f"{kind:9} pairs predicted {scores['pairs']:7,} true {scores['true_pairs']:7,}  "
            f"precision {scores['precision']:.4f} recall {scores['recall']:.4f} F1 {scores['f1']:.4f}"
        )
    report["crimelink"] = {
        "threshold": args.threshold,
        **{k: result[k] for k in ("records", "parties", "clusters", "seconds", "peak_mb", "process_seconds")},
        "by_kind": by_kind,
    }
    return {
        "contender": "crimelink",
        "threshold": args.threshold,
        "records": result["parties"],
        **by_kind.get("person", score_kind(members, labels, "P")),
        "seconds": result["seconds"],
        "peak_mb": result["peak_mb"],
        "process_seconds": result["process_seconds"],
    }


def _report_splink(
    result: dict[str, Any], members: Members, clusters: Path, party_keys: PartyKeys
) -> list[dict[str, Any]]:
    thresholds = [str(t) for t in result["thresholds"]]
    keys, per_threshold = splink_labels(clusters, party_keys, thresholds)
    print(
        f"splink: {result['records']:,} person parties deduplicated in {result['seconds']:.1f} s "
        f"(prior {result['probability_two_random_records_match']:.3g})"
    )
    rows = []
    for threshold, cluster_ids in zip(thresholds, per_threshold, strict=True):
        scores = score_kind(members, labels_for(members, keys, cluster_ids), "P")
        print(
            f"person    threshold {threshold}: pairs predicted {scores['pairs']:7,} true {scores['true_pairs']:7,}  "
            f"precision {scores['precision']:.4f} recall {scores['recall']:.4f} F1 {scores['f1']:.4f}"
        )
        rows.append(
            {
                "contender": "splink",
                "threshold": float(threshold),
                "records": result["records"],
                **scores,
                "splink_pairs_scored": result["pairs_scored_at_or_above"][threshold],
                "seconds": result["seconds"],
                "peak_mb": result["peak_mb"],
                "process_seconds": result["process_seconds"],
            }
        )
    return rows


def _print_table(rows: list[dict[str, Any]], size: int) -> None:
    if not rows:
        return
    print()
    print(
        f"Persons on the {size:,}-record demo: {rows[0]['members']:,} person parties scored, "
        f"{rows[0]['true_pairs']:,} true pairs (records = rows the contender took in: crimelink every "
        "party, splink person parties)"
    )
    header = (
        f"{'contender':10} {'threshold':>9} {'records':>10} {'pairs':>10} {'precision':>9} {'recall':>7} "
        f"{'F1':>7} {'wall s':>8} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['contender']:10} {row['threshold']:>9} {row['records']:>10,} {row['pairs']:>10,} "
            f"{row['precision']:>9.4f} {row['recall']:>7.4f} {row['f1']:>7.4f} {row['seconds']:>8.1f} "
            f"{row['peak_mb']:>8.0f}"
        )


if __name__ == "__main__":
    main()
