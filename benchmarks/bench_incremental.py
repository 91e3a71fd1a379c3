"""Incremental matching latency: one new record linked against a resolved store, timed record by record.

    python benchmarks/bench_incremental.py --store /work/bench1m/store.db [--records 500]

The store must have been resolved (``crimelink entities resolve`` or ``bench_resolve_demo.py
--contenders crimelink --workdir DIR``, whose ``DIR/store.db`` it can use). The benchmark takes person
parties at random from the store's current records and makes a new record of each, as a partner's form
would carry it: half copied with a slip (a nickname or a one-letter typo in the family name, the date of
birth dropped or its day and month swapped), a quarter unchanged, a quarter invented people nobody holds.
Each new record is written to a benchmark dataset, then ``link_record`` (candidates from the indexed
keys, scoring with the saved model, the link and the keys written) and the commit are timed. It reports
the 50th, 95th and 99th percentiles, and how often a copied record joined the entity its original is in
(the store's own answer, not the ground truth: this measures that incremental matching agrees with the
batch). Everything it writes is rolled back at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimelink.domain import AgencyKind, Classification, EntityKind, HandlingCode
from crimelink.ingest.importer import party_kind
from crimelink.linkage.incremental import current_model, link_record
from crimelink.linkage.records import nicknames
from crimelink.store.engine import make_engine
from crimelink.store.models import Agency, Dataset, Entity, RecordEntityLink, SourceRecord

SEED = 20261129


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's records and links")
    args = parser.parse_args()
    engine = make_engine(f"sqlite:///{args.store}")
    rng = random.Random(SEED)
    with Session(engine) as session:
        record_count = session.scalar(select(func.count()).select_from(SourceRecord)) or 0
        saved = current_model(session)
        samples = _sample_people(session, rng, args.records)
        dataset = _bench_dataset(session)
        session.commit()
        reverse_nicknames: dict[str, str] = {}
        for nickname, canonical in nicknames().items():
            reverse_nicknames.setdefault(canonical, nickname)
        timings: list[float] = []
        agreed = copied = invented = invented_new = 0
        created: list[int] = []
        for index, (fields, entity_id) in enumerate(samples):
            kind = index % 4
            if kind == 3:
                fields, entity_id = _invented(rng), None
            elif kind in (0, 1):
                fields = _slip(rng, fields, reverse_nicknames)
            record = SourceRecord(
                agency_id=dataset.agency_id,
                dataset_id=dataset.id,
                source_key=f"bench-{SEED}-{index}",
                version=1,
                content_hash=f"bench-{index}",
                row_number=index + 1,
                original={},
                normalised={"subject": fields},
                handling_code=HandlingCode.PERMITTED,
                classification=Classification.OFFICIAL,
                received_at=datetime.now(UTC),
                review_due=date.today() + timedelta(days=365),
            )
            session.add(record)
            session.flush()
            started = time.perf_counter()
            decisions = link_record(session, record, saved=saved)
            session.commit()
            timings.append((time.perf_counter() - started) * 1000)
            created.append(record.id)
            (decision,) = decisions
            if entity_id is None:
                invented += 1
                invented_new += decision.created
            else:
                copied += 1
                agreed += _live(session, decision.entity_id) == _live(session, entity_id)
        if not args.keep:
            _remove(session, created, dataset)
    timings.sort()
    cut = statistics.quantiles(timings, n=100)
    print(
        f"store: {args.store} ({record_count:,} records); model {saved.version}; {len(timings)} new records"
    )
    print(
        f"link_record + commit, ms: p50 {cut[49]:.1f}  p95 {cut[94]:.1f}  p99 {cut[98]:.1f}  "
        f"max {timings[-1]:.1f}"
    )
    print(f"copied people joined the entity of their original: {agreed}/{copied} ({agreed / copied:.1%})")
    print(f"invented people started a new entity: {invented_new}/{invented}")


def _sample_people(session: Session, rng: random.Random, count: int) -> list[tuple[dict[str, Any], int]]:
    """Random person parties with a name and a date of birth, and the entity each is linked to."""
    highest = session.scalar(select(func.max(SourceRecord.id))) or 0
    found: list[tuple[dict[str, Any], int]] = []
    while len(found) < count:
        ids = [rng.randint(1, highest) for _ in range(200)]
        rows = session.execute(
            select(SourceRecord.id, SourceRecord.normalised).where(SourceRecord.id.in_(ids))
        ).all()
        for record_id, normalised in rows:
            for party, fields in sorted((normalised or {}).items()):
                if party == "record" or not fields or party_kind(fields) is not EntityKind.PERSON:
                    continue
                if not (fields.get("family_name") and fields.get("given_name") and fields.get("dob")):
                    continue
                entity_id = session.scalar(
                    select(RecordEntityLink.entity_id).where(
                        RecordEntityLink.record_id == record_id, RecordEntityLink.party == party
                    )
                )
                if entity_id is not None and len(found) < count:
                    keep = ("given_name", "family_name", "full_name", "dob", "postcode", "address", "phone")
                    found.append(({k: fields[k] for k in keep if fields.get(k)}, entity_id))
                break
    return found


def _slip(rng: random.Random, fields: dict[str, Any], reverse_nicknames: dict[str, str]) -> dict[str, Any]:
    changed = dict(fields)
    choice = rng.randrange(4)
    if choice == 0 and changed["given_name"] in reverse_nicknames:
        changed["given_name"] = reverse_nicknames[changed["given_name"]]
    elif choice == 1:
        family = changed["family_name"]
        at = rng.randrange(len(family))
        changed["family_name"] = family[:at] + rng.choice(string.ascii_uppercase) + family[at + 1 :]
    elif choice == 2:
        changed.pop("dob", None)
    else:
        dob = changed["dob"]
        if int(dob[8:10]) <= 12:
            changed["dob"] = f"{dob[:5]}{dob[8:10]}-{dob[5:7]}"
    changed["full_name"] = f"{changed['given_name']} {changed['family_name']}"
    return changed


def _invented(rng: random.Random) -> dict[str, Any]:
    given = "".join(rng.choice(string.ascii_uppercase) for _ in range(7))
    family = "".join(rng.choice(string.ascii_uppercase) for _ in range(9))
    return {
        "given_name": given,
        "family_name": family,
        "full_name": f"{given} {family}",
        "dob": f"19{rng.randint(40, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
    }


def _live(session: Session, entity_id: int) -> int:
    seen: set[int] = set()
    while entity_id not in seen:
        seen.add(entity_id)
        target = session.scalar(select(Entity.merged_into_id).where(Entity.id == entity_id))
        if target is None:
            return entity_id
        entity_id = target
    return entity_id


def _bench_dataset(session: Session) -> Dataset:
    from crimelink.ingest.importer import ensure_dataset
    from crimelink.ingest.mapping import DatasetMapping
    from crimelink.services.agencies import register_agency

    if session.scalar(select(Agency).where(Agency.code == "BENCH")) is None:
        register_agency(session, code="BENCH", name="Benchmark", kind=AgencyKind.POLICE_BCU, contact="bench")
    mapping = DatasetMapping.from_dict(
        {
            "dataset": "bench-incremental",
            "title": "Incremental benchmark",
            "agency": "BENCH",
            "record_id": "id",
            "columns": {"name": "subject.full_name"},
        }
    )
    return ensure_dataset(session, mapping)


def _remove(session: Session, record_ids: list[int], dataset: Dataset) -> None:
    """Undo the benchmark's writes (source records refuse UPDATE, not DELETE of whole rows here)."""
    from sqlalchemy import delete

    from crimelink.store.models import LinkageKey

    entity_ids = set(
        session.scalars(select(RecordEntityLink.entity_id).where(RecordEntityLink.record_id.in_(record_ids)))
    )
    session.execute(delete(LinkageKey).where(LinkageKey.record_id.in_(record_ids)))
    session.execute(delete(RecordEntityLink).where(RecordEntityLink.record_id.in_(record_ids)))
    still_used = set(
        session.scalars(select(RecordEntityLink.entity_id).where(RecordEntityLink.entity_id.in_(entity_ids)))
    )
    session.execute(Entity.__table__.delete().where(Entity.id.in_(entity_ids - still_used)))
    session.execute(SourceRecord.__table__.delete().where(SourceRecord.id.in_(record_ids)))
    session.delete(dataset)
    session.commit()


if __name__ == "__main__":
    main()
