"""`resolve_entities`: turn the store's current records into entities whose ids stay stable.

Every run re-clusters the parties of the current version of every source record (see
:mod:`crimelink.linkage.clusters`), then maps each cluster onto the entities its members were already
linked to: none, a new entity; one, kept; several, the best-supported survives and the others point at
it through ``merged_into_id``. An entity whose records now fall in several clusters keeps its id for the
largest part and the other parts are split off. Merges and splits are written to ``entity_merges``.
Links of older record versions are left as they were (history). A run over unchanged records changes
nothing.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from sqlalchemy import Engine, Select, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from crimelink.domain import EntityKind
from crimelink.errors import InvalidInputError
from crimelink.ingest.importer import identifies_something, party_display, party_kind
from crimelink.linkage.clusters import (
    Cluster,
    Party,
    PartyKey,
    PersonLinkage,
    attach_people,
    attach_weak,
    exact_clusters,
    person_address_context,
    person_clusters,
    premises_by_business,
    premises_context,
)
from crimelink.linkage.engine import DuckDBEngine, LinkageEngine, StepCallback
from crimelink.linkage.judgements import ActiveJudgement, active_judgements, apply_judgements
from crimelink.linkage.keys import party_keys, person_row
from crimelink.linkage.scoring import PairScorer
from crimelink.store.audit import append_event
from crimelink.store.bulk import bulk_insert
from crimelink.store.engine import make_session_factory
from crimelink.store.models import (
    Dataset,
    Entity,
    EntityMerge,
    LinkageKey,
    LinkageModel,
    MatchCandidate,
    RecordEntityLink,
    SourceRecord,
)

_LOCK_KEY = 0x43726C72  # serialises resolve runs on PostgreSQL


@dataclass(frozen=True)
class ResolveSummary:
    """What one run did. ``entities_by_kind`` counts live (unmerged) entities after the run."""

    records: int
    parties: int
    clusters: int
    new: int
    kept: int
    merged: int
    split: int
    links_created: int
    links_changed: int
    entities_by_kind: dict[str, int]
    seconds: float
    #: Pairs of people left for analysts (scored between review_from and the threshold).
    review_pairs: int = 0
    model_version: str = ""


@dataclass
class _Counts:
    new: int = 0
    kept: int = 0
    merged: int = 0
    split: int = 0
    links_created: int = 0
    links_changed: int = 0


@dataclass
class _Store:
    """What the store already says: entities (kind, merged into) and links, by party."""

    entity_kind: dict[int, EntityKind]
    merged_into: dict[int, int | None]
    own_links: dict[PartyKey, tuple[int, int, str, float | None, str | None]]
    previous_version: dict[tuple[int, str, str], int] = field(default_factory=dict)

    def canonical(self, entity_id: int) -> int:
        seen = {entity_id}
        while (target := self.merged_into.get(entity_id)) is not None and target not in seen:
            seen.add(target)
            entity_id = target
        return entity_id

    def prior(self, party: Party) -> int | None:
        """The live entity this party was linked to (or the previous version of its record was)."""
        own = self.own_links.get(party.key)
        found = (
            own[1] if own else self.previous_version.get((party.dataset_id, party.source_key, party.party))
        )
        if found is None:
            return None
        entity_id = self.canonical(found)
        return entity_id if self.entity_kind.get(entity_id) is party.kind else None


def resolve_entities(
    engine: Engine,
    *,
    threshold: float = 0.9,
    review_from: float = 0.5,
    linkage_engine: LinkageEngine | None = None,
    actor: str = "system:resolve",
    step: StepCallback | None = None,
) -> ResolveSummary:
    """Resolve all current records into entities; every write in one transaction, with one audit event.

    Pairs of people scored in [``review_from``, ``threshold``) do not link; they are kept for the review
    queue. ``step`` is told what the run is doing (for progress displays).

    Example: ``resolve_entities(engine).new`` is the number of entities created by this run.
    """
    if not 0.0 < threshold < 1.0:
        raise InvalidInputError("the threshold is a match probability between 0 and 1, e.g. 0.9")
    if not 0.0 < review_from <= threshold:
        raise InvalidInputError("review_from is a match probability above 0 and at most the threshold")
    say = step or (lambda _message: None)
    started = time.perf_counter()
    # Read, then match with no transaction open (the long part), then write in one transaction that
    # takes the write lock at its start: on SQLite a transaction that read before others wrote could
    # not write at all.
    say("reading the current version of every record")
    with make_session_factory(engine)() as reading:
        parties, records, read = _current_parties(reading)
    people = [p for p in parties if p.kind is EntityKind.PERSON]
    engine_name = linkage_engine.name if linkage_engine else DuckDBEngine.name
    clusters, linkage = person_clusters(
        people,
        threshold=threshold,
        make_engine=lambda: linkage_engine or DuckDBEngine(),
        engine_name=engine_name,
        review_from=review_from,
        step=say,
    )
    say("attaching weakly identified people, premises and businesses")
    clusters = attach_people(clusters, person_address_context(parties))
    clusters += _other_clusters([p for p in parties if p.kind is not EntityKind.PERSON])
    with make_session_factory(engine.execution_options(sqlite_begin="IMMEDIATE")).begin() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        store = _load_store(session)
        scorer = PairScorer(linkage.settings)
        say("applying analysts' judgements")
        banned: dict[PartyKey, set[int]] = {}
        judged = apply_judgements(
            clusters,
            [*active_judgements(session, parties), *_distinct_by_publisher(session, clusters, parties)],
            prior_entity={p.key: e for p in parties if (e := store.prior(p)) is not None},
            scorer=scorer,
            banned=banned,
        )
        clusters.sort(key=lambda c: min(m.key for m in c.members))
        counts = _Counts()
        say("writing entities and links")
        _assign_entities(session, clusters, store, counts=counts, actor=actor, banned=banned)
        _write_links(session, clusters, store, counts)
        say("writing search keys and the review queue")
        keys = _write_keys(session, parties, read)
        _save_model(
            session, linkage, threshold=threshold, engine_name=engine_name, records=len(people), actor=actor
        )
        review = _write_candidates(session, linkage, parties, scorer)
        by_kind = _entities_by_kind(session)
        details = {
            "records": records,
            "parties": len(parties),
            "clusters": len(clusters),
            **counts.__dict__,
            "judgements_applied": judged,
            "keys": keys,
            "review_pairs": review,
            "threshold": threshold,
            "review_from": review_from,
            "model_version": linkage.version,
            "trained": linkage.trained,
        }
        append_event(session, actor=actor, action="resolve", resource_type="entities", details=details)
    return ResolveSummary(
        records=records,
        parties=len(parties),
        clusters=len(clusters),
        entities_by_kind=by_kind,
        seconds=round(time.perf_counter() - started, 3),
        review_pairs=review,
        model_version=linkage.version,
        **counts.__dict__,
    )


def _distinct_by_publisher(
    session: Session, clusters: Sequence[Cluster], parties: Sequence[Party]
) -> list[ActiveJudgement]:
    """ "Different" for each two records of one deduplicated dataset that linkage put in one cluster.

    A dataset whose mapping says ``deduplicated`` (its publisher resolved its own entities: an
    OpenSanctions dataset, a Crimelink export) holds one record per thing; where a record names one party,
    two such records are two things, however alike. They are judged apart for this run only (nothing is
    stored), so each keeps its own entity and still joins the other agencies' records that match it.
    """
    deduplicated = {
        dataset_id
        for dataset_id, mapping in session.execute(select(Dataset.id, Dataset.mapping))
        if isinstance(mapping, dict) and mapping.get("deduplicated")
    }
    if not deduplicated:
        return []
    named = Counter(p.record_id for p in parties if p.dataset_id in deduplicated)
    apart: list[ActiveJudgement] = []
    for cluster in clusters:
        things = sorted(
            m.key for m in cluster.members if m.dataset_id in deduplicated and named[m.record_id] == 1
        )
        apart.extend(
            ActiveJudgement(id=0, left=left, right=right, entity_id=None, decision="different")
            for i, left in enumerate(things)
            for right in things[i + 1 :]
        )
    return apart


def _save_model(
    session: Session, linkage: PersonLinkage, *, threshold: float, engine_name: str, records: int, actor: str
) -> None:
    """Keep the model this run scored with (once per version): links name it, incremental matching uses it."""
    exists = session.scalar(select(LinkageModel.id).where(LinkageModel.version == linkage.version))
    if exists is None:
        session.add(
            LinkageModel(
                version=linkage.version,
                kind="person",
                engine=engine_name,
                threshold=threshold,
                trained=linkage.trained,
                record_count=records,
                parameters=json.loads(json.dumps(linkage.settings, default=str)),
                created_by=actor,
            )
        )
        session.flush()
    else:
        # The newest model is the one incremental matching uses: a re-run with an older version moves it up.
        latest = session.scalar(select(func.max(LinkageModel.id)))
        if latest != exists:
            model_row = session.get(LinkageModel, exists)
            assert model_row is not None
            session.delete(model_row)
            session.flush()
            _save_model(
                session, linkage, threshold=threshold, engine_name=engine_name, records=records, actor=actor
            )


def _write_candidates(
    session: Session, linkage: PersonLinkage, parties: Sequence[Party], scorer: PairScorer
) -> int:
    """Replace the review queue's pairs with this run's, each with the weight of every comparison."""
    session.execute(delete(MatchCandidate))
    fields = {p.key: p.fields for p in parties}
    rows = []
    for left, right, probability, weight in linkage.candidates:
        a, b = person_row(fields[left]), person_row(fields[right])
        explanation = scorer.score(a, b).explanation() if a and b else {}
        rows.append(
            {
                "model_version": linkage.version,
                "left_record_id": left[0],
                "left_party": left[1],
                "right_record_id": right[0],
                "right_party": right[1],
                "match_probability": probability,
                "match_weight": weight,
                "certainty": abs(probability - 0.5),
                "explanation": explanation,
            }
        )
    for start in range(0, len(rows), 20_000):
        bulk_insert(session, MatchCandidate, rows[start : start + 20_000])
    return len(rows)


def _other_clusters(parties: Sequence[Party]) -> list[Cluster]:
    """Every kind but people: strong identifiers, then weak attaching; premises before businesses."""
    by_kind: dict[EntityKind, list[Cluster]] = {}
    for cluster in exact_clusters(parties):
        by_kind.setdefault(cluster.kind, []).append(cluster)
    premises = attach_weak(by_kind.pop(EntityKind.PREMISES, []), EntityKind.PREMISES)
    businesses = attach_weak(
        by_kind.pop(EntityKind.BUSINESS, []), EntityKind.BUSINESS, premises_context(premises)
    )
    # A shop given by its postcode alone is placed through its trader, then traders are told apart again.
    premises = premises_by_business(premises, businesses)
    found = list(premises)
    found += attach_weak(businesses, EntityKind.BUSINESS, premises_context(premises))
    for kind in sorted(by_kind, key=lambda k: k.value):
        found += attach_weak(by_kind[kind], kind)
    return found


@dataclass(frozen=True)
class _Read:
    """What a run read: the highest record id, and how many record rows (every version) were at or below
    it then. A row at or below it committed after the read (by a writer that had begun before) changes
    the count."""

    through: int
    rows: int


def _current_parties(session: Session) -> tuple[list[Party], int, _Read]:
    """Every party of the current (highest) version of every record; also the number of records, and
    what was read (:class:`_Read`).

    The records are read in batches, and each party keeps its fields with their names and short values
    shared (``sys.intern``) rather than one copy a record: every party of a million records is held for
    the whole run, and the field names alone were a third of their memory.
    """
    # The highest id and the row count in one statement (one snapshot, also on PostgreSQL, where each
    # statement of a transaction sees what was committed before it began); then the records up to it.
    highest, rows = session.execute(select(func.max(SourceRecord.id), func.count())).one()
    read = _Read(highest or 0, rows)
    parties: list[Party] = []
    records = 0
    for record_id, dataset_id, source_key, normalised in session.execute(
        _current_records(through=read.through), execution_options={"yield_per": 5_000}
    ):
        records += 1
        parties.extend(_parties_of(record_id, dataset_id, source_key, normalised))
    return parties, records, read


def _current_records(*, through: int) -> Select[tuple[int, int, str, dict[str, Any] | None]]:
    """The current (highest) version of every record at or below the id ``through``, by id."""
    latest = (
        select(
            SourceRecord.dataset_id, SourceRecord.source_key, func.max(SourceRecord.version).label("version")
        )
        .group_by(SourceRecord.dataset_id, SourceRecord.source_key)
        .subquery()
    )
    query = select(
        SourceRecord.id, SourceRecord.dataset_id, SourceRecord.source_key, SourceRecord.normalised
    ).join(
        latest,
        (SourceRecord.dataset_id == latest.c.dataset_id)
        & (SourceRecord.source_key == latest.c.source_key)
        & (SourceRecord.version == latest.c.version),
    )
    return query.where(SourceRecord.id <= through).order_by(SourceRecord.id)


def _rows_through(session: Session, through: int) -> int:
    return (
        session.scalar(select(func.count()).select_from(SourceRecord).where(SourceRecord.id <= through)) or 0
    )


def _parties_of(
    record_id: int, dataset_id: int, source_key: str, normalised: dict[str, Any] | None
) -> Iterator[Party]:
    for name, fields in sorted((normalised or {}).items()):
        if name != "record" and fields and identifies_something(fields):
            yield Party(
                record_id, sys.intern(name), dataset_id, source_key, party_kind(fields), _shared(fields)
            )


def _shared(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with its names, and its values up to 64 characters, interned (names, dates, postcodes and
    given names repeat across a store's records)."""
    return {
        sys.intern(name): sys.intern(value) if isinstance(value, str) and len(value) <= 64 else value
        for name, value in fields.items()
    }


def _load_store(session: Session) -> _Store:
    entities = session.execute(select(Entity.id, Entity.kind, Entity.merged_into_id)).all()
    store = _Store(
        entity_kind={row.id: row.kind for row in entities},
        merged_into={row.id: row.merged_into_id for row in entities},
        own_links={},
    )
    links = session.execute(
        select(
            RecordEntityLink.id,
            RecordEntityLink.record_id,
            RecordEntityLink.party,
            RecordEntityLink.entity_id,
            RecordEntityLink.method,
            RecordEntityLink.match_probability,
            RecordEntityLink.model_version,
            SourceRecord.dataset_id,
            SourceRecord.source_key,
            SourceRecord.version,
        ).join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
    ).all()
    newest: dict[tuple[int, str, str], int] = {}
    for row in links:
        store.own_links[(row.record_id, row.party)] = (
            row.id,
            row.entity_id,
            row.method,
            row.match_probability,
            row.model_version,
        )
        slot = (row.dataset_id, row.source_key, row.party)
        if row.version >= newest.get(slot, 0):
            newest[slot] = row.version
            store.previous_version[slot] = row.entity_id
    return store


def _assign_entities(
    session: Session,
    clusters: Sequence[Cluster],
    store: _Store,
    *,
    counts: _Counts,
    actor: str,
    banned: dict[PartyKey, set[int]] | None = None,
) -> None:
    """Give every cluster an entity id: kept, merged from several, split off, or new (batched writes).

    A party judged not to be an entity does not vote for keeping that entity's id.
    """
    banned = banned or {}
    votes = [
        Counter(e for m in c.members if (e := store.prior(m)) is not None and e not in banned.get(m.key, ()))
        for c in clusters
    ]
    owner: dict[int, int] = {}
    for index, tally in enumerate(votes):
        for entity_id, count in tally.items():
            if entity_id not in owner or count > votes[owner[entity_id]][entity_id]:
                owner[entity_id] = index
    fresh: list[Cluster] = []
    kept: list[Cluster] = []
    history: list[dict[str, object]] = []
    merged_into: list[dict[str, object]] = []
    for index, cluster in enumerate(clusters):
        owned = sorted((e for e in votes[index] if owner[e] == index), key=lambda e: (-votes[index][e], e))
        if not owned:
            fresh.append(cluster)
            counts.new += 0 if votes[index] else 1
            continue
        cluster.entity_id = owned[0]
        counts.kept += 1
        kept.append(cluster)
        for loser in owned[1:]:
            merged_into.append({"id": loser, "merged_into_id": cluster.entity_id})
            store.merged_into[loser] = cluster.entity_id
            history.append(_merge_row(cluster, loser=loser, votes=votes[index], actor=actor))
            counts.merged += 1
    _insert_entities(session, fresh)
    _refresh_attributes(session, kept)
    if merged_into:
        session.execute(update(Entity), merged_into)
    for index, cluster in enumerate(clusters):
        for entity_id, count in sorted(votes[index].items()):
            if owner[entity_id] == index or cluster.entity_id is None:
                continue
            history.append(
                {
                    "operation": "split",
                    "kept_entity_id": entity_id,
                    "other_entity_id": cluster.entity_id,
                    "reason": f"{count} record(s) of entity {entity_id} no longer match its other records; "
                    f"they now resolve to entity {cluster.entity_id}",
                    "decided_by": actor,
                    "decided_at": datetime.now(UTC),
                }
            )
            counts.split += 1
    if history:
        session.execute(insert(EntityMerge), history)


def _insert_entities(session: Session, clusters: Sequence[Cluster]) -> None:
    """Create one entity per cluster, in one statement per batch; ids come back in order."""
    for start in range(0, len(clusters), 10_000):
        batch = clusters[start : start + 10_000]
        rows = []
        now = datetime.now(UTC)
        for cluster in batch:
            first = min(cluster.members, key=lambda m: m.key)
            rows.append(
                {
                    "kind": cluster.kind,
                    "display_name": party_display(first.fields),
                    "attributes": cluster.attributes(),
                    "created_at": now,
                }
            )
        ids = session.scalars(insert(Entity).returning(Entity.id, sort_by_parameter_order=True), rows).all()
        for cluster, entity_id in zip(batch, ids, strict=True):
            cluster.entity_id = entity_id


def _refresh_attributes(session: Session, clusters: Sequence[Cluster]) -> None:
    """Update the attributes of kept entities whose best-known values changed."""
    current: dict[int, dict[str, Any]] = {}
    ids = [c.entity_id for c in clusters if c.entity_id is not None]
    for start in range(0, len(ids), 10_000):
        current.update(
            session.execute(
                select(Entity.id, Entity.attributes).where(Entity.id.in_(ids[start : start + 10_000]))
            ).all()
        )
    changes = []
    for cluster in clusters:
        attributes = cluster.attributes()
        if current.get(cluster.entity_id or 0) != attributes:
            changes.append({"id": cluster.entity_id, "attributes": attributes})
    if changes:
        session.execute(update(Entity), changes)


def _merge_row(cluster: Cluster, *, loser: int, votes: Counter[int], actor: str) -> dict[str, object]:
    survivor = cluster.entity_id
    return {
        "operation": "merge",
        "kept_entity_id": survivor,
        "other_entity_id": loser,
        "reason": f"{len(cluster.members)} records now resolve to one {cluster.kind.value.lower()}: "
        f"entity {loser} ({votes[loser]} record(s)) merged into entity {survivor} "
        f"({votes[survivor or 0]} record(s))",
        "decided_by": actor,
        "decided_at": datetime.now(UTC),
    }


def _write_links(session: Session, clusters: Sequence[Cluster], store: _Store, counts: _Counts) -> None:
    """Insert missing links and update changed ones (for current record versions only)."""
    inserts: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    now = datetime.now(UTC)
    for cluster in clusters:
        for member in cluster.members:
            info = cluster.links[member.key]
            wanted = (cluster.entity_id, info.method, info.match_probability, info.model_version)
            row = {
                "entity_id": wanted[0],
                "method": wanted[1],
                "match_probability": wanted[2],
                "model_version": wanted[3],
            }
            existing = store.own_links.get(member.key)
            if existing is None:
                inserts.append(
                    {"record_id": member.record_id, "party": member.party, "created_at": now, **row}
                )
            elif existing[1:] != wanted:
                updates.append({"id": existing[0], **row})
            if len(inserts) >= 50_000:  # in batches, so a million links never sit in memory at once
                bulk_insert(session, RecordEntityLink, inserts)
                counts.links_created += len(inserts)
                inserts = []
    bulk_insert(session, RecordEntityLink, inserts)
    if updates:
        session.execute(update(RecordEntityLink), updates)
    counts.links_created += len(inserts)
    counts.links_changed += len(updates)


def _write_keys(session: Session, parties: Sequence[Party], read: _Read) -> int:
    """Replace the blocking keys of the records the run read with those of their current parties (for
    incremental matching and search).

    Records stored after the read keep the keys incremental matching gave them: the run rewrites only the
    keys of records at or below the highest id it read. Should a record at or below it have been committed
    after the read, the run writes its keys from its stored fields too.
    """
    newer = select(LinkageKey.id).where(LinkageKey.record_id > read.through).limit(1)
    if session.scalar(newer) is None:
        # Nothing to keep: the table at once, which SQLite empties in one step (a row at a time took nine
        # times as long for the 100,000-record demo's 830,000 keys).
        session.execute(delete(LinkageKey))
    else:
        session.execute(delete(LinkageKey).where(LinkageKey.record_id <= read.through))
    late: list[Party] = []
    if _rows_through(session, read.through) != read.rows:
        seen = {party.record_id for party in parties}
        for row in session.execute(_current_records(through=read.through)):
            if row.id not in seen:
                late.extend(_parties_of(*row))
    rows: list[dict[str, object]] = []
    written = 0
    for party in chain(parties, late):
        kind = party.kind.value
        rows.extend(
            {"kind": kind, "key": key[:200], "record_id": party.record_id, "party": party.party}
            for key in sorted(party_keys(party.kind, party.fields))
        )
        if len(rows) >= 50_000:  # written as they come: ten million keys never sit in memory at once
            bulk_insert(session, LinkageKey, rows)
            written += len(rows)
            rows = []
    bulk_insert(session, LinkageKey, rows)
    return written + len(rows)


def _entities_by_kind(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Entity.kind, func.count()).where(Entity.merged_into_id.is_(None)).group_by(Entity.kind)
    ).all()
    return {kind.value: count for kind, count in sorted(rows, key=lambda r: r[0].value)}
