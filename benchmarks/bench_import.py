"""Import throughput: rows per second parsed and normalised, and stored, on SQLite and PostgreSQL.

    python benchmarks/bench_import.py --rows 200000 --backend sqlite --backend postgresql

Writes a deterministic synthetic register (8 mapped fields a row: name, date of birth, address,
postcode, phone, email, vehicle registration, UPRN), then measures:

- parse + normalise: reading the CSV and turning every row into a normalised record (no database);
- stored: the whole import (read, normalise, de-duplicate, insert, checkpoint) into a fresh store.

PostgreSQL runs on a throwaway local server started for the run (initdb + pg_ctl) unless
--postgres-url names one. Figures go to stdout; record them in benchmarks/RESULTS.md with the machine.
"""

from __future__ import annotations

import argparse
import csv
import platform
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from crimelink.domain import AgencyKind
from crimelink.ingest.importer import import_file
from crimelink.ingest.mapping import DatasetMapping
from crimelink.ingest.readers import open_partner_file
from crimelink.ingest.rows import RowProcessor
from crimelink.services.agencies import register_agency
from crimelink.store import migrate
from crimelink.store.engine import make_engine
from crimelink.store.local_postgres import LocalPostgres

GIVEN = [
    "John",
    "Mary",
    "Mohammed",
    "Olivia",
    "Dean",
    "Aisha",
    "Peter",
    "Zofia",
    "Kwame",
    "Siobhan",
    "Liam",
    "Priya",
]
FAMILY = [
    "Smith",
    "Jones",
    "Khan",
    "O'Brien",
    "Nowak",
    "Mensah",
    "Taylor",
    "Patel",
    "Murphy",
    "Carter",
    "Evans",
]
STREETS = [
    "High St",
    "Mill Road",
    "Church Rd",
    "Station Road",
    "Park Lane",
    "Canal Walk",
    "Bow Rd",
    "Victoria St",
]
MAPPING = {
    "dataset": "bench-register",
    "title": "Benchmark register",
    "agency": "BENCH",
    "record_id": "Ref",
    "columns": {
        "Name": "subject.full_name",
        "DOB": "subject.dob",
        "Address": "premises.address",
        "Postcode": "premises.postcode",
        "Phone": "subject.phone",
        "Email": "subject.email",
        "VRM": "vehicle.vrm",
        "UPRN": "premises.uprn",
    },
}


def write_register(path: Path, rows: int) -> None:
    rng = random.Random(1)
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    inward = "ABDEFGHJLNPQRSTUWXYZ"  # letters a postcode's inward code may use
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Ref", *MAPPING["columns"]])  # type: ignore[arg-type]
        for i in range(rows):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            name = f"{family.upper()}, {given}" if i % 3 == 0 else f"{given} {family}"
            dob = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1940, 2010)}"
            postcode = f"E{rng.randint(1, 20)} {rng.randint(1, 9)}{rng.choice(inward)}{rng.choice(inward)}"
            phone = f"07700 900{rng.randint(0, 999):03d}" if i % 2 else f"020 7946 0{rng.randint(0, 999):03d}"
            vrm = f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(10, 75)} {''.join(rng.choices(letters, k=3))}"
            writer.writerow(
                [
                    f"B{i:07d}",
                    name,
                    dob,
                    f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                    postcode,
                    phone,
                    f"{given.lower()}.{family.lower().replace(chr(39), '')}{i}@example.org",
                    vrm,
                    str(900000000000 + i),
                ]
            )


def bench_normalise(path: Path, mapping: DatasetMapping) -> float:
    source = open_partner_file(path, mapping)
    processor = RowProcessor(mapping, phone_region="GB", received_at=datetime.now(UTC))
    started = time.perf_counter()
    count = 0
    for row_number, row in source.rows():
        processor.process(row_number, row)
        count += 1
    return count / (time.perf_counter() - started)


def bench_store(url: str, path: Path, mapping: DatasetMapping, rows: int) -> tuple[float, int]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        register_agency(session, code="BENCH", name="Benchmark", kind=AgencyKind.LA_HOUSING, contact="")
        session.commit()
    started = time.perf_counter()
    summary = import_file(engine, path, mapping)
    elapsed = time.perf_counter() - started
    engine.dispose()
    assert summary.stored == rows, summary
    return rows / elapsed, summary.quarantined


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", help="admin URL of an existing server (default: start one)")
    args = parser.parse_args()
    backends = args.backend or ["sqlite"]
    mapping = DatasetMapping.from_dict(MAPPING)
    print(
        f"machine: {platform.node()} {platform.machine()} {platform.processor() or ''} python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.csv"
        write_register(path, args.rows)
        print(f"rows: {args.rows:,} ({path.stat().st_size / 1e6:.1f} MB CSV, 8 mapped fields a row)")
        print(f"parse + normalise: {bench_normalise(path, mapping):,.0f} rows/s")
        for backend in backends:
            server = None
            if backend == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            elif args.postgres_url:
                url = args.postgres_url
            else:
                server = LocalPostgres()
                url = server.start()
            try:
                rate, _ = bench_store(url, path, mapping, args.rows)
                print(f"stored ({backend}): {rate:,.0f} rows/s")
            finally:
                if server:
                    server.stop()


if __name__ == "__main__":
    main()
