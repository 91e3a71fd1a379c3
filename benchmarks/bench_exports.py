"""How long each export takes on a demo store, as one user: ``python benchmarks/bench_exports.py --db PATH``.

Every format is exported once for the whole network the user may see (``--as``, default the demo
analyst), then once more for the first confirmed group, each into a temporary file; the timings include
reading the network, writing and validating (FtM validates every entity), but not committing the
audit events (rolled back, so the store is unchanged).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import Purpose
from crimelink.reports.exports import ExportFormat, ExportScope, run_export
from crimelink.services.auth import actor_for_user
from crimelink.store.engine import make_engine
from crimelink.store.models import OrganisedCrimeGroup, User


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="A demo store (SQLite file)")
    parser.add_argument("--as", dest="username", default="analyst.demo", help="Who exports")
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
    engine.dispose()


if __name__ == "__main__":
    main()
