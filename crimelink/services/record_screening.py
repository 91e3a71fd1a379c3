"""Screening kept with the records: the threats the indicator catalogue tags each record with.

Screening (:mod:`crimelink.network.screening`) is pure and takes a quarter of a millisecond a record, too
slow to redo over a borough's records whenever someone opens the network. So a screening run keeps each
record's result in :class:`~crimelink.store.models.RecordScreening`: every tag (the holding agency's
own and those the indicators give, each with its matched indicators), the threats the indicators give,
and the catalogue version and minimum score it was screened with. A run screens only records never screened, or screened with
another catalogue or minimum score (after an edit of the catalogue), so running it again is cheap.

The safeguarding scan runs it (``crimelink safeguarding scan``, in ``make run``) and reads the kept tags
for its alerts, and a submitted
intelligence report is screened as it is stored. The network reads the kept tags
(:func:`screened_threats`): a record tagged by screening is threat-tagged evidence, as one tagged by its
agency is, and the evidence says which tags came from screening.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from crimelink.network.screening import RecordContent, Screener, default_screener
from crimelink.store.models import Dataset, RecordScreening, SourceRecord
from crimelink.store.models.base import utcnow

__all__ = [
    "DatasetText",
    "ScreeningRun",
    "dataset_texts",
    "record_content",
    "screen_records",
    "screened_threats",
]

#: Records screened (and ids read) per query.
CHUNK = 2000


@dataclass(frozen=True)
class DatasetText:
    """Where a dataset's narrative is: the columns mapped to record.text, and free-text attributes."""

    text_columns: tuple[str, ...]
    text_fields: tuple[tuple[str, str], ...]


def dataset_texts(session: Session) -> dict[int, DatasetText]:
    """Each dataset's narrative columns and free-text attributes, by dataset id, from its mapping."""
    found = {}
    for dataset_id, mapping in session.execute(select(Dataset.id, Dataset.mapping)).all():
        columns: dict[str, Any] = (mapping or {}).get("columns", {})
        text_columns, text_fields = [], []
        for column, target in columns.items():
            to = target.get("to") if isinstance(target, dict) else target
            if to == "record.text":
                text_columns.append(column)
            elif isinstance(target, dict) and target.get("type") == "text" and isinstance(to, str):
                party, _, name = to.partition(".")
                if party != "record":
                    text_fields.append((party, name))
        found[dataset_id] = DatasetText(tuple(text_columns), tuple(text_fields))
    return found


def record_content(
    texts: DatasetText, *, original: dict[str, Any], normalised: dict[str, Any], threats: Iterable[str]
) -> RecordContent:
    """What screening reads of a record: its (sanitised) text, free-text attributes, fields and own tags."""
    narrative = " ".join(str(original[c]) for c in texts.text_columns if original.get(c) not in (None, ""))
    found = {"text": narrative} if narrative else {}
    for party, name in texts.text_fields:
        value = (normalised.get(party) or {}).get(name)
        if isinstance(value, str) and value:
            found[f"{party}.{name}"] = value
    return RecordContent(texts=found, fields=normalised, declared_threats=tuple(threats))


@dataclass(frozen=True)
class ScreeningRun:
    """What a screening run did: records screened, how many the indicators tagged, tags by threat."""

    screened: int
    tagged: int
    by_threat: dict[str, int]
    catalogue: str
    min_score: int


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _due(session: Session, screener: Screener, record_ids: Collection[int] | None) -> list[int]:
    """Records never screened, or screened with other settings; of ``record_ids`` when given."""
    stale = (
        select(SourceRecord.id)
        .outerjoin(RecordScreening, RecordScreening.record_id == SourceRecord.id)
        .where(
            or_(
                RecordScreening.record_id.is_(None),
                RecordScreening.catalogue != screener.catalogue,
                RecordScreening.min_score != screener.min_score,
            )
        )
        .order_by(SourceRecord.id)
    )
    if record_ids is None:
        return list(session.scalars(stale))
    wanted = sorted(set(record_ids))
    return [
        found
        for chunk in _chunks(wanted)
        for found in session.scalars(stale.where(SourceRecord.id.in_(chunk)))
    ]


def screen_records(
    session: Session, *, screener: Screener | None = None, record_ids: Collection[int] | None = None
) -> ScreeningRun:
    """Screen every record not yet screened with ``screener``'s settings (or only ``record_ids``); keep it.

    Idempotent: a second run with the same catalogue and minimum score screens nothing. The caller
    commits. Example: ``screen_records(session)`` after an import.
    """
    screener = screener or default_screener()
    texts = dataset_texts(session)
    by_threat: Counter[str] = Counter()
    screened = tagged = 0
    now = utcnow()
    for chunk in _chunks(_due(session, screener, record_ids)):
        rows = session.execute(
            select(
                SourceRecord.id,
                SourceRecord.dataset_id,
                SourceRecord.original,
                SourceRecord.normalised,
                SourceRecord.threats,
            ).where(SourceRecord.id.in_(chunk))
        ).all()
        kept = []
        for record_id, dataset_id, original, normalised, threats in rows:
            content = record_content(
                texts.get(dataset_id, DatasetText((), ())),
                original=original or {},
                normalised=normalised or {},
                threats=threats or (),
            )
            tags = screener.screen(content)
            # The threats the indicators give (the agency's own tags are on the record already).
            found = [tag.threat for tag in tags if tag.score >= screener.min_score]
            tagged += bool(found)
            by_threat.update(found)
            kept.append(
                {
                    "record_id": record_id,
                    "catalogue": screener.catalogue,
                    "min_score": screener.min_score,
                    "threats": found,
                    "tags": [tag.to_json() for tag in tags],
                    "screened_at": now,
                }
            )
        screened += len(kept)
        session.execute(delete(RecordScreening).where(RecordScreening.record_id.in_(chunk)))
        if kept:
            session.execute(insert(RecordScreening), kept)
    return ScreeningRun(
        screened=screened,
        tagged=tagged,
        by_threat=dict(sorted(by_threat.items())),
        catalogue=screener.catalogue,
        min_score=screener.min_score,
    )


def screened_threats(
    session: Session, record_ids: Collection[int] | None = None
) -> dict[int, tuple[str, ...]]:
    """The threats screening tagged each record with, for records it tagged (of ``record_ids`` if given)."""
    query = select(RecordScreening.record_id, RecordScreening.threats)
    if record_ids is None:
        rows: Iterable[Any] = session.execute(query)
    else:
        ids = sorted(set(record_ids))
        rows = (
            row
            for chunk in _chunks(ids)
            for row in session.execute(query.where(RecordScreening.record_id.in_(chunk)))
        )
    return {int(record_id): tuple(threats) for record_id, threats in rows if threats}
