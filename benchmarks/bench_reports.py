"""How long the SOC local profile and the strategic group pack take to build, as HTML and as PDF.

    python benchmarks/bench_reports.py --db var/crimelink.db --as analyst.demo [--as partner.demo]
        [--outline var/demo/geography.geojson] [--period 12m] [--repeat 2] [--json OUT]

Builds each user's copy of each report on a demo store (``make run``'s steps, with ``crimelink demo plan``),
first as HTML alone and then as HTML and PDF, with the same functions the pages, the API and the command
call, and prints the seconds of each build and of each step. Every build is audited as the user's, as in
the product, but the session is rolled back at the end, so the store is left as it was. The first build of
a process also builds the user's network, which later builds reuse while the store is unchanged; with
``--repeat 2`` the table shows both. The issue's target is under a minute per build.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from crimelink.domain import Purpose
from crimelink.reports.pack import build_pack
from crimelink.reports.profile import build_profile
from crimelink.reports.render import RenderedReport, ReportFormat
from crimelink.services.auth import actor_for_user
from crimelink.settings import Settings
from crimelink.store.models import SourceRecord, User


def _build(
    session: Session,
    kind: str,
    username: str,
    settings: Settings,
    formats: tuple[ReportFormat, ...],
    period: str,
) -> tuple[RenderedReport, float]:
    user = session.scalars(select(User).where(User.username == username)).one()
    actor = actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)
    started = time.perf_counter()
    if kind == "profile":
        report = build_profile(session, actor, settings, period=period, formats=formats)
    else:
        report = build_pack(session, actor, formats=formats)
    return report, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, default=Path("var/crimelink.db"))
    parser.add_argument("--as", dest="users", action="append", help="a user to build for (repeatable)")
    parser.add_argument(
        "--outline", type=Path, help="the map outline (default: DB's folder/demo/geography.geojson)"
    )
    parser.add_argument("--period", default="12m")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    users = args.users or ["analyst.demo"]
    data_dir = args.db.resolve().parent
    settings = Settings(
        _env_file=None,
        data_dir=data_dir,
        secret_key=SecretStr("benchmark-" + "b" * 40),
        map_outline_file=args.outline or data_dir / "demo" / "geography.geojson",
    )
    engine = create_engine(f"sqlite:///{args.db.resolve()}")
    results: list[dict[str, Any]] = []
    with Session(engine) as session:
        records = session.query(SourceRecord).count()
        print(f"store: {args.db} ({records:,} record versions)")
        for username in users:
            for kind in ("profile", "pack"):
                for formats in (("html",), ("html", "pdf")):
                    for attempt in range(1, args.repeat + 1):
                        report, seconds = _build(session, kind, username, settings, formats, args.period)
                        size = len(report.pdf) if report.pdf else len(report.html.encode())
                        label = "+".join(formats)
                        print(
                            f"{kind:8} {label:9} {username:18} run {attempt}: {seconds:6.1f} s  ({size:,} bytes)"
                        )
                        for step in report.steps:
                            print(f"    {step.seconds:7.2f} s  {step.text}")
                        results.append(
                            {
                                "report": kind,
                                "formats": list(formats),
                                "user": username,
                                "attempt": attempt,
                                "seconds": round(seconds, 2),
                                "bytes": size,
                                "marking": report.marking.value,
                                "steps": [{"step": s.text, "seconds": s.seconds} for s in report.steps],
                            }
                        )
        session.rollback()  # the builds' audit events: a benchmark leaves the store as it was
    if args.json:
        args.json.write_text(
            json.dumps({"db": str(args.db), "records": records, "builds": results}, indent=2)
        )


if __name__ == "__main__":
    main()
