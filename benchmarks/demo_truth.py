"""The demo borough's ground truth seen through a resolved store: which entity each true person became.

Only benchmarks read the ground truth; the product never does. A true person (``P...``) is mapped to
the live entity most of its record parties were linked to (following merges), so a group's true members
can be compared with what the network analysis proposes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session


def load_truth(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _current_records(session: Session) -> Iterator[tuple[str, int]]:
    from crimelink.store.models import Agency, Dataset, SourceRecord

    latest = (
        select(
            SourceRecord.dataset_id, SourceRecord.source_key, func.max(SourceRecord.version).label("version")
        )
        .group_by(SourceRecord.dataset_id, SourceRecord.source_key)
        .subquery()
    )
    query = (
        select(Agency.code, Dataset.code, SourceRecord.source_key, SourceRecord.id)
        .join(Dataset, Dataset.id == SourceRecord.dataset_id)
        .join(Agency, Agency.id == Dataset.agency_id)
        .join(
            latest,
            (SourceRecord.dataset_id == latest.c.dataset_id)
            & (SourceRecord.source_key == latest.c.source_key)
            & (SourceRecord.version == latest.c.version),
        )
    )
    for agency, dataset, key, record_id in session.execute(query):
        yield f"{agency}/{dataset}/{key}", int(record_id)


def entity_of_true_id(engine: Engine, truth: dict[str, Any], prefix: str = "P") -> dict[str, int]:
    """Each true id starting with ``prefix`` that the store holds, mapped to its (majority) live entity."""
    from crimelink.store.models import Entity, RecordEntityLink

    with Session(engine) as session:
        record_ids = dict(_current_records(session))
        links = {
            (int(r), str(p)): int(e)
            for r, p, e in session.execute(
                select(RecordEntityLink.record_id, RecordEntityLink.party, RecordEntityLink.entity_id)
            )
        }
        merged = {
            int(e): int(m)
            for e, m in session.execute(
                select(Entity.id, Entity.merged_into_id).where(Entity.merged_into_id.is_not(None))
            )
        }

    def live(entity_id: int) -> int:
        while entity_id in merged:
            entity_id = merged[entity_id]
        return entity_id

    votes: dict[str, Counter[int]] = {}
    for record_key, parties in truth["records"].items():
        record_id = record_ids.get(record_key)
        if record_id is None:
            continue
        for party, true_id in parties.items():
            if not true_id.startswith(prefix) or "." in party:
                continue
            entity_id = links.get((record_id, party))
            if entity_id is not None:
                votes.setdefault(true_id, Counter())[live(entity_id)] += 1
    return {true_id: counter.most_common(1)[0][0] for true_id, counter in votes.items()}
