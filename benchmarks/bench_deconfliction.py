"""Deconfliction check latency with 100,000 live operations and 100,000 interests in the store.

    python benchmarks/bench_deconfliction.py [--operations 100000] [--interests 100000] [--checks 1000]
        [--warm-up 200]
        [--backend sqlite] [--backend postgresql] [--database-url URL] [--seed 7] [--spread 1]
        [--postgres-over socket|tcp]

Fills a fresh store (a temporary SQLite file; a temporary PostgreSQL server started as the tests start
one, reached through its Unix socket as an application on the same host would, or over TCP on loopback
with ``--postgres-over tcp``; or the empty database ``--database-url`` names) with synthetic live operations and interests spread
over the demo borough's bounding box and the year 2026, written with bulk inserts together with their
index rows (``operation_cells``, from the product's own :func:`crimelink.deconflict.index.index_rows`):

- operations: 95% last 1-8 hours, 4.8% 1-7 days, 0.2% are standing for 30-365 days (a fifth of those
  with no end); 80% at one location, the rest at 2-6; radii 100-500 m (75% 300 m); half the locations
  carry a UPRN from a pool of 40,000; 10% covert; 0-3 targets each (phone, VRM or person) drawn from
  pools large enough that targets sometimes repeat;
- interests: a phone, VRM, person or UPRN from the same pools, most without expiry.

Then, after ``--warm-up`` untimed rounds of the same work on other operations drawn the same way and an
``ANALYZE`` (a store in service has been analysed by autovacuum since the tables a check writes stopped
being empty: see :func:`analyze`), it times, for ``--checks`` new operations drawn the same way, each in
its own transaction:

- **detect**: :func:`crimelink.services.deconfliction_check.find_conflicts` on the freshly inserted
  operation: the indexed candidate lookups and the grading of every candidate, writing nothing;
- **check**: the first deconfliction check of it (index write, the same detection, storing each conflict
  with its three notices, the operations' statuses, the audit event), as registration runs it;
- **re-check**: :func:`crimelink.services.deconfliction.check_operation` again (idempotent), including
  the submitter's view it returns;
- **register**: :func:`crimelink.services.deconfliction.register_operation` end to end (validation,
  normalising and resolving targets with linkage, the check, the view), committed.

``--spread N`` spreads the same store over a box N times as wide and as tall around the borough (N=10
is about Greater London's extent), leaving the store's size alone and cutting how many conflicts a
check finds: it separates the cost of the lookups from the cost of writing what they find.

It prints p50 / p95 / p99 in milliseconds per backend, the conflicts found, and the check's latency by how
many conflicts it had to store: at this density (100,000 operations in 20 km² in a year, 274 a day) an
operation meets about a dozen others on average, and a long one hundreds, every one written with its
notices.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.deconflict.index import index_rows
from crimelink.deconflict.rules import DEFAULT_RULES
from crimelink.deconflict.windows import Window
from crimelink.domain import (
    AgencyKind,
    Classification,
    OperationStatus,
    OperationType,
    Purpose,
    UserRole,
    Visibility,
)
from crimelink.domain.deconfliction import InterestSubject, TargetKind
from crimelink.services.deconfliction import (
    LocationInput,
    OperationInput,
    TargetInput,
    check_operation,
    register_operation,
)
from crimelink.services.deconfliction_check import find_conflicts, run_operation_check
from crimelink.store import migrate
from crimelink.store.bulk import bulk_insert
from crimelink.store.engine import make_engine
from crimelink.store.local_postgres import LocalPostgres
from crimelink.store.models import (
    Agency,
    Interest,
    Operation,
    OperationCell,
    OperationConflict,
    OperationLocation,
    OperationTarget,
    User,
)

# The demo borough's bounding box (crimelink.demo.geography) and the year the operations fall in.
WEST, EAST, SOUTH, NORTH = 0.000, 0.072, 51.520, 51.556
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 12, 31, 12, tzinfo=UTC)
AGENCIES = [
    ("POLICE", AgencyKind.POLICE_BCU),
    ("OCC", AgencyKind.POLICE_FORCE_SOC),
    ("ROCU", AgencyKind.ROCU),
    ("GLAA", AgencyKind.GLAA),
    ("BF", AgencyKind.BORDER_FORCE),
    ("IE", AgencyKind.IMMIGRATION_ENFORCEMENT),
    ("TS", AgencyKind.LA_TRADING_STANDARDS),
    ("LIC", AgencyKind.LA_LICENSING),
    ("HSG", AgencyKind.LA_HOUSING),
    ("EA", AgencyKind.ENVIRONMENT_AGENCY),
]
PHONES, VRMS, PEOPLE, UPRNS = 150_000, 100_000, 150_000, 40_000
OPERATION_TYPES = list(OperationType)
_INSERT_CHUNK = 20_000


def phone(n: int) -> str:
    return f"+447700{n:06d}"


def vrm(n: int) -> str:
    letters = "ABCDEFGHJKLMNOPRSTUVWXY"
    a, b = divmod(n, 1000)
    return f"{letters[a % 23]}{letters[(a // 23) % 23]}{b % 100:02d}{letters[a % 7]}{letters[b % 23]}{letters[(a + b) % 23]}"


def person_key(n: int) -> str:
    born = datetime(1960, 1, 1) + timedelta(days=n % 15000)
    return f"PERSON:{born.date().isoformat()}|P{n:06d}|G{n % 97}"


def uprn(n: int) -> str:
    return str(100_000_000_000 + n)


@dataclass(frozen=True)
class Drawn:
    """One synthetic operation: window, visibility, locations (lat, lon, radius, uprn), targets."""

    window: Window
    covert: bool
    locations: list[tuple[float, float, float, str | None]]
    targets: list[tuple[TargetKind, str, str]]


def draw_window(rng: random.Random) -> Window:
    start = YEAR_START + timedelta(minutes=rng.randrange(365 * 24 * 60))
    roll = rng.random()
    if roll < 0.95:
        return Window(start, start + timedelta(hours=rng.uniform(1, 8)))
    if roll < 0.998:
        return Window(start, start + timedelta(days=rng.uniform(1, 7)))
    if rng.random() < 0.2:
        return Window(start, None, standing=True)
    return Window(start, start + timedelta(days=rng.uniform(30, 365)), standing=True)


def draw_target(rng: random.Random) -> tuple[TargetKind, str, str]:
    kind = rng.choice((TargetKind.PHONE, TargetKind.VRM, TargetKind.PERSON))
    if kind is TargetKind.PHONE:
        value = phone(rng.randrange(PHONES))
        return kind, value, f"PHONE:{value}"
    if kind is TargetKind.VRM:
        value = vrm(rng.randrange(VRMS))
        return kind, value, f"VRM:{value}"
    key = person_key(rng.randrange(PEOPLE))
    return kind, key.removeprefix("PERSON:"), key


#: How many times wider and taller than the borough the operations are spread (``--spread``).
SPREAD = [1.0]


def draw(rng: random.Random) -> Drawn:
    count = 1 if rng.random() < 0.8 else rng.randint(2, 6)
    half_height, half_width = (NORTH - SOUTH) * SPREAD[0] / 2, (EAST - WEST) * SPREAD[0] / 2
    middle_lat, middle_lon = (NORTH + SOUTH) / 2, (EAST + WEST) / 2
    locations = []
    for _ in range(count):
        radius = 300.0 if rng.random() < 0.75 else float(rng.choice((100, 150, 200, 400, 500)))
        locations.append(
            (
                round(rng.uniform(middle_lat - half_height, middle_lat + half_height), 6),
                round(rng.uniform(middle_lon - half_width, middle_lon + half_width), 6),
                radius,
                uprn(rng.randrange(UPRNS)) if rng.random() < 0.5 else None,
            )
        )
    targets = [draw_target(rng) for _ in range(rng.choice((0, 1, 1, 2, 3)))]
    return Drawn(draw_window(rng), rng.random() < 0.1, locations, targets)


def chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), _INSERT_CHUNK):
        yield rows[start : start + _INSERT_CHUNK]


def fill(engine: Engine, operations: int, interests: int, seed: int) -> dict[str, int]:
    """Bulk-load agencies, operations (with locations, targets and cells) and interests."""
    rng = random.Random(seed)
    now = NOW
    with Session(engine) as session:
        agency_ids = []
        for code, kind in AGENCIES:
            agency = Agency(code=code, name=f"Agency {code}", kind=kind, contact=f"{code} duty desk")
            session.add(agency)
            session.flush()
            agency_ids.append(agency.id)
        session.add(
            User(
                agency_id=agency_ids[0],
                username="bench.desk",
                display_name="Benchmark desk",
                roles=[UserRole.DECONFLICTION_DESK.value, UserRole.ORGANISED_CRIME_ADVISOR.value],
                clearance=Classification.OFFICIAL_SENSITIVE,
            )
        )
        session.commit()
    op_rows, loc_rows, target_rows, cell_rows = [], [], [], []
    location_id = target_id = 0
    live = [OperationStatus.SUBMITTED, OperationStatus.CLEARED, OperationStatus.ACTIVE]
    for op_id in range(1, operations + 1):
        drawn = draw(rng)
        op_rows.append(
            {
                "id": op_id,
                "agency_id": rng.choice(agency_ids),
                "name": f"Operation {op_id}",
                "officer": "Officer",
                "contact_24h": "07700 900000",
                "operation_type": rng.choice(OPERATION_TYPES),
                "visibility": Visibility.COVERT if drawn.covert else Visibility.OVERT,
                "classification": Classification.OFFICIAL,
                "armed": False,
                "starts_at": drawn.window.start,
                "ends_at": drawn.window.end,
                "standing": drawn.window.standing,
                "status": rng.choice(live),
                "created_by": "bench",
                "created_at": now,
                "updated_at": now,
            }
        )
        for lat, lon, radius, place in drawn.locations:
            location_id += 1
            loc_rows.append(
                {
                    "id": location_id,
                    "operation_id": op_id,
                    "address": "",
                    "postcode": None,
                    "uprn": place,
                    "latitude": lat,
                    "longitude": lon,
                    "radius_m": radius,
                    "entity_id": None,
                }
            )
            cell_rows.extend(
                index_rows(
                    location_id=location_id,
                    operation_id=op_id,
                    latitude=lat,
                    longitude=lon,
                    radius_m=radius,
                    window=drawn.window,
                )
            )
        for kind, value, key in drawn.targets:
            target_id += 1
            target_rows.append(
                {
                    "id": target_id,
                    "operation_id": op_id,
                    "identifier_kind": kind.value,
                    "identifier_value": value,
                    "match_key": key,
                    "entity_id": None,
                    "resolution_method": None,
                    "match_probability": None,
                }
            )
    interest_rows = []
    for interest_id in range(1, interests + 1):
        roll = rng.random()
        if roll < 0.2:
            value = uprn(rng.randrange(UPRNS))
            kind, subject, key = TargetKind.UPRN, InterestSubject.PREMISES, f"UPRN:{value}"
        else:
            kind, value, key = draw_target(rng)
            subject = {
                TargetKind.PHONE: InterestSubject.PHONE,
                TargetKind.VRM: InterestSubject.VEHICLE,
                TargetKind.PERSON: InterestSubject.PERSON,
            }[kind]
        interest_rows.append(
            {
                "id": interest_id,
                "agency_id": rng.choice(agency_ids),
                "subject_kind": subject.value,
                "entity_id": None,
                "group_id": None,
                "identifier_kind": kind.value,
                "identifier_value": value,
                "match_key": key,
                "label": value,
                "reason": "",
                "contact": "DS Example 07700 900456",
                "consult_before_action": rng.random() < 0.3,
                "expires_on": None
                if rng.random() < 0.7
                else (YEAR_START + timedelta(days=rng.randrange(400))).date(),
                "created_by": "bench",
                "created_at": now,
            }
        )
    with Session(engine) as session:
        for model, rows in (
            (Operation, op_rows),
            (OperationLocation, loc_rows),
            (OperationTarget, target_rows),
            (OperationCell, [{"id": i + 1, **row} for i, row in enumerate(cell_rows)]),
            (Interest, interest_rows),
        ):
            for chunk in chunks(rows):
                bulk_insert(session, model, chunk)
        session.commit()
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            for table in (
                "operations",
                "operation_locations",
                "operation_targets",
                "operation_cells",
                "interests",
            ):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
            connection.commit()
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    return {
        "operations": len(op_rows),
        "locations": len(loc_rows),
        "targets": len(target_rows),
        "cells": len(cell_rows),
        "interests": len(interest_rows),
    }


def desk_actor(engine: Engine) -> Actor:
    with Session(engine) as session:
        police = session.scalar(select(Agency).where(Agency.code == "POLICE"))
        user = session.scalar(select(User).where(User.username == "bench.desk"))
        assert police is not None
        assert user is not None
        return Actor(
            user_id=user.id,
            username="bench.desk",
            agency_id=police.id,
            agency_code=police.code,
            agency_is_police=True,
            roles=frozenset({UserRole.DECONFLICTION_DESK, UserRole.ORGANISED_CRIME_ADVISOR}),
            clearance=Classification.OFFICIAL_SENSITIVE,
            compartments=frozenset(),
            purpose=Purpose.OPERATIONAL_DECONFLICTION,
        )


def new_operation(session: Session, drawn: Drawn, agency_id: int, n: int) -> Operation:
    operation = Operation(
        agency_id=agency_id,
        name=f"New operation {n}",
        officer="Officer",
        contact_24h="07700 900001",
        operation_type=OperationType.MULTI_AGENCY_DAY_OF_ACTION,
        visibility=Visibility.COVERT if drawn.covert else Visibility.OVERT,
        starts_at=drawn.window.start,
        ends_at=drawn.window.end,
        standing=drawn.window.standing,
        status=OperationStatus.SUBMITTED,
        created_by="bench",
    )
    operation.locations = [
        OperationLocation(latitude=lat, longitude=lon, radius_m=radius, uprn=place)
        for lat, lon, radius, place in drawn.locations
    ]
    operation.targets = [
        OperationTarget(identifier_kind=kind.value, identifier_value=value, match_key=key)
        for kind, value, key in drawn.targets
    ]
    session.add(operation)
    session.flush()
    return operation


def as_input(drawn: Drawn, n: int) -> OperationInput:
    targets = []
    for kind, value, _ in drawn.targets:
        if kind is TargetKind.PERSON:
            born, family, given = value.split("|")
            targets.append(TargetInput("PERSON", f"{letters(given)} {letters(family)}", dob=born))
        else:
            targets.append(TargetInput(kind.value, value))
    return OperationInput(
        name=f"Registered operation {n}",
        officer="Officer",
        contact_24h="07700 900002",
        operation_type="MULTI_AGENCY_DAY_OF_ACTION",
        starts_at=drawn.window.start,
        ends_at=drawn.window.end,
        standing=drawn.window.standing,
        visibility="COVERT" if drawn.covert else "OVERT",
        locations=[
            LocationInput(latitude=lat, longitude=lon, radius_m=radius, uprn=place)
            for lat, lon, radius, place in drawn.locations
        ],
        targets=targets,
    )


def letters(code: str) -> str:
    """A name made of letters only from a synthetic code (``P000123`` -> ``Pabbbcd``)."""
    return code[0] + "".join("abcdefghij"[int(c)] if c.isdigit() else c.lower() for c in code[1:])


def percentiles(samples: list[float]) -> tuple[float, float, float, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    return at(0.50), at(0.95), at(0.99), max(ordered) * 1000


def analyze(engine: Engine) -> None:
    """Gather the tables' statistics now, as autovacuum does in a store in service once its tables grow.

    The fill leaves the tables a check writes (audit events, conflicts, notices) empty, and the server
    analysed them so. Planned for empty tables, the statements that read them (the audit chain's last
    event, an operation's conflicts) scanned them whole at every call, on plans kept as long as the
    connection: 7,761 scans of ``audit_events`` reading 15 million rows over a run of 1,000 checks, whose
    mean rose from 3.57 ms in the first hundred to 4.88 in the last (``RESULTS.md``, seventeenth session). A deployment's autovacuum
    analyses a table that was empty once a few dozen rows are written to it.
    """
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def time_checks(engine: Engine, checks: int, seed: int, warm_up: int = 0) -> dict[str, Any]:
    """Time ``checks`` iterations (see the module's docstring), after ``warm_up`` untimed ones of other
    operations and :func:`analyze`: what a server in service has done before."""
    rng = random.Random(seed + 1)
    warm_rng = random.Random(seed + 3)
    caller = desk_actor(engine)
    detected, first, again, registered = [], [], [], []
    by_count: list[tuple[int, float]] = []
    conflicts = 0
    with Session(engine) as session:
        agency_ids = list(session.scalars(select(Agency.id)).all())
    for n in range(-warm_up, checks):
        if n == 0 and warm_up:
            analyze(engine)
            detected, first, again, registered, by_count, conflicts = [], [], [], [], [], 0
        source = warm_rng if n < 0 else rng  # the timed operations are the same whatever the warm-up
        drawn = draw(source)
        with Session(engine) as session:
            operation = new_operation(session, drawn, source.choice(agency_ids), n)
            started = time.perf_counter()
            found = find_conflicts(session, operation, rules=DEFAULT_RULES, today=NOW.date())
            detected.append(time.perf_counter() - started)
            started = time.perf_counter()
            outcome = run_operation_check(session, caller, operation, rules=DEFAULT_RULES, now=NOW)
            session.flush()
            first.append(time.perf_counter() - started)
            assert len(outcome.created) == len(found), "the check stored what detection found"
            by_count.append((len(outcome.created), first[-1]))
            conflicts += len(outcome.created)
            operation_id = operation.id  # read before the clock starts: after the commit it is read again
            session.commit()
            started = time.perf_counter()
            result = check_operation(session, caller, operation_id, now=NOW)
            again.append(time.perf_counter() - started)
            assert result.created == 0, "a second check found new conflicts: it is not idempotent"
            session.commit()
        with Session(engine) as session:
            started = time.perf_counter()
            register_operation(session, caller, as_input(draw(source), n), now=NOW)
            session.commit()
            registered.append(time.perf_counter() - started)
    with Session(engine) as session:
        stored = session.scalar(select(func.count()).select_from(OperationConflict)) or 0
    return {
        "detect": detected,
        "check": first,
        "re-check": again,
        "register": registered,
        "conflicts": conflicts,
        "stored": stored,
        "by_count": by_count,
    }


def add_postgres_over(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--postgres-over",
        choices=["socket", "tcp"],
        default="socket",
        help="reach the started PostgreSQL server through its Unix socket (as on one host) or TCP on loopback",
    )


def started_postgres(server: LocalPostgres, args: argparse.Namespace) -> str:
    """Start ``server``; its URL through the Unix socket or over TCP, as ``--postgres-over`` says."""
    url = server.start()
    return server.socket_url() if args.postgres_over == "socket" else url


def run_backend(url: str, args: argparse.Namespace) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    started = time.perf_counter()
    counts = fill(engine, args.operations, args.interests, args.seed)
    loaded = time.perf_counter() - started
    print(
        f"\n[{engine.dialect.name}] loaded {counts['operations']:,} operations ({counts['locations']:,} locations, "
        f"{counts['targets']:,} targets, {counts['cells']:,} index rows) and {counts['interests']:,} interests "
        f"in {loaded:.0f} s"
    )
    timings = time_checks(engine, args.checks, args.seed, args.warm_up)
    print(f"{'measure':<10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name in ("detect", "check", "re-check", "register"):
        p50, p95, p99, worst = percentiles(timings[name])
        print(f"{name:<10} {p50:8.2f} {p95:8.2f} {p99:8.2f} {worst:8.2f}")
    print("check by conflicts stored:")
    for low, high in ((0, 0), (1, 5), (6, 20), (21, 100), (101, 10**9)):
        group = [seconds for count, seconds in timings["by_count"] if low <= count <= high]
        if group:
            p50, p95, p99, worst = percentiles(group)
            label = f"{low}" if low == high else (f"{low}-{high}" if high < 10**9 else f"{low}+")
            print(
                f"  {label:>7} conflicts: {len(group):5} checks  p50 {p50:7.2f}  p95 {p95:7.2f}  p99 {p99:7.2f} ms"
            )
    mean = statistics.mean(timings["check"]) * 1000
    print(
        f"{args.checks:,} checks of new operations: mean {mean:.2f} ms; {timings['conflicts']:,} conflicts found "
        f"(about {timings['conflicts'] / max(args.checks, 1):.1f} a check)"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--operations", type=int, default=100_000)
    parser.add_argument("--interests", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument(
        "--warm-up",
        type=int,
        default=200,
        help="untimed iterations of other operations first, then ANALYZE (as a store in service)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database to use instead of starting a server"
    )
    parser.add_argument(
        "--spread",
        type=float,
        default=1.0,
        help="spread over a box this many times the borough's width and height",
    )
    add_postgres_over(parser)
    args = parser.parse_args()
    SPREAD[0] = args.spread
    backends = args.backend or ["sqlite", "postgresql"]
    print("command: python " + " ".join(sys.argv))
    if args.spread != 1:
        print(f"spread: {args.spread:g} times the borough's width and height")
    print(f"machine: {platform.node()} {platform.machine()} python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            if backend == "sqlite":
                run_backend(f"sqlite:///{Path(tmp) / 'deconfliction.db'}", args)
                continue
            if args.database_url:
                run_backend(args.database_url, args)
                continue
            server = LocalPostgres()
            try:
                run_backend(started_postgres(server, args), args)
            finally:
                server.stop()


if __name__ == "__main__":
    main()
