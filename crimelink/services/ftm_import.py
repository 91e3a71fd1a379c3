"""Importing FollowTheMoney entities (an Aleph collection's export) as a dataset of one agency.

The reader (:mod:`crimelink.ingest.ftm`) turns each entity into a row of the ordinary import
(:func:`crimelink.ingest.importer.import_file`); this module checks ``dataset.import``, builds the
dataset's mapping from the file, and records what the file says about identity: each end of a link is
the entity it names (:func:`judge_references`). docs/exports.md describes the mapping.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor
from crimelink.domain import DataCategory, HandlingCode
from crimelink.ingest.ftm import ftm_mapping, references
from crimelink.ingest.importer import ImportSummary, import_file
from crimelink.ingest.importer import ProgressCallback as ImportProgress
from crimelink.services.callers import authorise, record_event
from crimelink.store.engine import session_scope
from crimelink.store.models import Agency, Dataset, MatchJudgement, SourceRecord

#: Ids per ``IN (...)`` query.
_CHUNK = 5000


def import_ftm(
    engine: Engine,
    actor: Actor,
    path: Path,
    *,
    dataset: str,
    agency: str | None = None,
    title: str | None = None,
    category: DataCategory = DataCategory.OTHER,
    classification: str = "OFFICIAL",
    handling_code: HandlingCode = HandlingCode.PERMITTED,
    handling_conditions: tuple[str, ...] = (),
    deduplicated: bool = False,
    batch_size: int = 2000,
    phone_region: str = "GB",
    progress: ImportProgress | None = None,
) -> ImportSummary:
    """Import a file of FollowTheMoney entities (an Aleph collection's export) as a dataset. Audited.

    Each entity becomes a source record of ``agency``'s dataset ``dataset`` (default: the actor's
    agency) through the same import as any partner file (:mod:`crimelink.ingest.ftm` says how): batched,
    resumable, unchanged entities never stored twice, bad lines quarantined naming the line and the
    property. Entity resolution then links the records like any others; with ``deduplicated`` (the
    publisher resolved its own entities, as a Crimelink export has) it never joins two of the file's
    entities to each other.

    Example: ``import_ftm(engine, analyst, Path("aleph.ftm.json"), dataset="aleph-case-7")``.
    """
    authorise(actor, Action.DATASET_IMPORT)
    mapping = ftm_mapping(
        path,
        dataset=dataset,
        agency=agency or actor.agency_code,
        title=title or f"FollowTheMoney entities: {path.name}",
        category=category,
        classification=classification,
        handling_code=handling_code,
        handling_conditions=handling_conditions,
        deduplicated=deduplicated,
    )
    summary = import_file(
        engine,
        path,
        mapping,
        batch_size=batch_size,
        phone_region=phone_region,
        actor=actor.username,
        progress=progress,
    )
    with session_scope(engine) as session:
        judged = judge_references(session, actor, agency=mapping.agency, dataset=mapping.dataset)
        record_event(
            session,
            actor,
            action=Action.DATASET_IMPORT.value,
            resource_type="dataset",
            resource_id=f"{mapping.agency}/{mapping.dataset}",
            details={
                "format": "ftm",
                "file": path.name,
                "run": summary.run_id,
                "stored": summary.stored,
                "versioned": summary.versioned,
                "unchanged": summary.unchanged,
                "quarantined": summary.quarantined,
                "references_judged_same": judged,
                "deduplicated": deduplicated,
            },
        )
    return summary


def judge_references(session: Session, actor: Actor, *, agency: str, dataset: str) -> int:
    """Say that each party of an imported FtM link is the entity the link points to; how many were new.

    A FollowTheMoney link names its ends by id: the file itself says which entity each end is. That is
    recorded as a *same* judgement between the link record's party and the party of the entity's own
    record (``decided_by`` the importing user, the reason naming the file's ids), so entity resolution
    joins them even where the fields alone would not decide it (two businesses of one name). Like any
    judgement it shows on the review pages and an analyst can reverse it.
    """
    dataset_row = session.scalars(
        select(Dataset)
        .join(Agency, Agency.id == Dataset.agency_id)
        .where(Agency.code == agency, Dataset.code == dataset)
    ).one()
    current: dict[str, SourceRecord] = {}
    for record in session.scalars(select(SourceRecord).where(SourceRecord.dataset_id == dataset_row.id)):
        held = current.get(record.source_key)
        if held is None or held.version < record.version:
            current[record.source_key] = record
    ids = [r.id for r in current.values()]
    existing: set[tuple[int, str, int | None, str | None]] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        existing.update(
            (row[0], row[1], row[2], row[3])
            for row in session.execute(
                select(
                    MatchJudgement.left_record_id,
                    MatchJudgement.left_party,
                    MatchJudgement.right_record_id,
                    MatchJudgement.right_party,
                ).where(
                    MatchJudgement.left_record_id.in_(chunk),
                    MatchJudgement.decision == "same",
                    MatchJudgement.reversed_at.is_(None),
                )
            )
        )
    added = 0
    for record in current.values():
        for party, target in references(record.original).items():
            thing = current.get(target)
            if thing is None or party not in record.normalised or len(thing.normalised) != 1:
                continue
            thing_party = next(iter(thing.normalised))
            if (record.id, party, thing.id, thing_party) in existing:
                continue
            session.add(
                MatchJudgement(
                    left_record_id=record.id,
                    left_party=party,
                    right_record_id=thing.id,
                    right_party=thing_party,
                    decision="same",
                    reason=f"the FollowTheMoney link {record.source_key} names {target} as its {party}",
                    decided_by=actor.username,
                )
            )
            added += 1
    session.flush()
    return added
