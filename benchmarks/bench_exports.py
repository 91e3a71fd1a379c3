"""How long each export takes on a demo store, as one user: ``python benchmarks/bench_exports.py --db PATH``.

``--round-trip`` also imports the user's FollowTheMoney export into a fresh store (as a deduplicated
dataset of a police analyst's agency), resolves it, exports it again, and compares: entities per schema,
links, and how many exported entities linkage joined to another.

Every format is exported once for the whole network the user may see (``--as``, default the demo
analyst), then once more for the first confirmed group, each into a temporary file; the timings include
reading the network, writing and validating (FtM validates every entity), but not committing the
audit events (rolled back, so the store is unchanged).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.domain import AgencyKind, Classification, Purpose, UserRole
from crimelink.linkage.resolve import resolve_entities
from crimelink.reports.exports import ExportFormat, ExportScope, run_export
from crimelink.services.admin import create_user
from crimelink.services.agencies import register_agency
from crimelink.services.auth import actor_for_user
from crimelink.services.callers import SystemCaller
from crimelink.services.ftm_import import import_ftm
from crimelink.settings import Settings
from crimelink.store import migrate
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import OrganisedCrimeGroup, User


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="A demo store (SQLite file)")
    parser.add_argument("--as", dest="username", default="analyst.demo", help="Who exports")
    parser.add_argument("--round-trip", action="store_true", help="also re-import the FtM export and compare")
    args = parser.parse_args()
    engine = make_engine(f"sqlite:///{args.db}")
    with tempfile.TemporaryDirectory() as scratch, Session(engine) as session:
        user = session.scalars(select(User).where(User.username == args.username)).one()
        actor = actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)
        group = session.scalars(select(OrganisedCrimeGroup.id).order_by(OrganisedCrimeGroup.id)).first()
        scopes = [("network", ExportScope())]
        if group is not None:
            scopes.append((f"group {group}", ExportScope(group_id=group)))
        print(f"store {args.db} ({args.db.stat().st_size / 1e6:.0f} MB), as {args.username}")
        print(f"{'scope':<10} {'format':<8} {'entities':>9} {'links':>8} {'MB':>7} {'seconds':>8}")
        for label, scope in scopes:
            for fmt in ExportFormat:
                path = Path(scratch) / f"export.{fmt.value}"
                started = time.perf_counter()
                with path.open("wb") as handle:
                    result = run_export(session, actor, fmt, out=handle, scope=scope)
                elapsed = time.perf_counter() - started
                print(
                    f"{label:<10} {fmt.value:<8} {result.entities:>9,} {result.links:>8,} "
                    f"{result.bytes / 1e6:>7.1f} {elapsed:>8.2f}"
                )
                path.unlink()
        session.rollback()
        if args.round_trip:
            _round_trip(session, actor, Path(scratch))
            session.rollback()
    engine.dispose()


def _export(session: Session, username: str, fmt: str) -> bytes:
    user = session.scalars(select(User).where(User.username == username)).one()
    actor = actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)
    out = io.BytesIO()
    run_export(session, actor, fmt, out=out)
    return out.getvalue()


def _round_trip(session: Session, actor: Actor, scratch: Path) -> None:
    exported = scratch / "export.ftm.json"
    started = time.perf_counter()
    with exported.open("wb") as handle:
        run_export(session, actor, "ftm", out=handle)
    print(f"\nround trip: FtM export {time.perf_counter() - started:.1f} s")
    settings = Settings(
        _env_file=None, data_dir=scratch / "var", secret_key=SecretStr("round-trip-" + "s" * 40)
    )
    fresh = make_engine(f"sqlite:///{scratch / 'fresh.db'}")
    migrate.upgrade(fresh)
    with session_scope(fresh) as setup:
        register_agency(setup, code="POLICE", name="Police", kind=AgencyKind.POLICE_BCU, contact="SOC desk")
    with session_scope(fresh) as setup:
        create_user(
            setup,
            caller=SystemCaller("bench"),
            settings=settings,
            username="analyst.fresh",
            display_name="Fresh Analyst",
            agency_code="POLICE",
            roles=[UserRole.ANALYST],
            clearance=Classification.OFFICIAL_SENSITIVE,
            compartments=[],
            email="",
            password="round-trip-analyst-2026",
        )
    with Session(fresh) as reading:
        user = reading.scalars(select(User).where(User.username == "analyst.fresh")).one()
        analyst = actor_for_user(reading, user, Purpose.CRIME_PREVENTION_DETECTION)
    started = time.perf_counter()
    summary = import_ftm(fresh, analyst, exported, dataset="round-trip", deduplicated=True)
    print(
        f"import {time.perf_counter() - started:.1f} s ({summary.stored:,} stored, {summary.quarantined} quarantined)"
    )
    started = time.perf_counter()
    resolve_entities(fresh)
    print(f"resolve {time.perf_counter() - started:.1f} s")
    before = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    with Session(fresh) as reading:
        after = [json.loads(line) for line in _export(reading, "analyst.fresh", "ftm").decode().splitlines()]
        tables = zipfile.ZipFile(io.BytesIO(_export(reading, "analyst.fresh", "csv")))
        rows = csv.DictReader(io.StringIO(tables.read("entities.csv").decode("utf-8-sig")))
        joined = sum(
            1
            for row in rows
            if sum(1 for ref in row["records"].split("; ") if "/crimelink-entity-" in ref) > 1
        )
    counts_before, counts_after = Counter(e["schema"] for e in before), Counter(e["schema"] for e in after)
    for schema in sorted(set(counts_before) | set(counts_after)):
        print(f"  {schema:<14} {counts_before[schema]:>8,} -> {counts_after[schema]:>8,}")
    print(f"entities joining two or more exported entities: {joined}")
    fresh.dispose()
    shutil.rmtree(scratch / "var", ignore_errors=True)


if __name__ == "__main__":
    main()
