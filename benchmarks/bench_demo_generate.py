"""Time the demo generator.

    .venv/bin/python benchmarks/bench_demo_generate.py --size 100000
    .venv/bin/python benchmarks/bench_demo_generate.py --size 1000000 --keep /tmp/demo-1m

Prints rows written, seconds, rows per second and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from crimelink.demo import generate_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000, help="approximate total rows (default 100000)")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="crimelink-demo-") as scratch:
        out_dir = args.keep or Path(scratch)
        started = time.perf_counter()
        manifest = generate_demo(out_dir, seed=args.seed, size=args.size)
        elapsed = time.perf_counter() - started
        written = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file())

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = manifest.total_rows
    print(f"size={args.size} rows={rows} datasets={len(manifest.datasets)} seconds={elapsed:.2f}")
    print(f"rows/s={rows / elapsed:,.0f} peak_rss={peak_mib:,.0f} MiB written={written / 2**20:,.1f} MiB")
    for key, count in manifest.record_count.items():
        print(f"  {key:40s} {count:>9,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
