"""Incremental matching: one new record's parties join existing entities or start new ones, at once.

A partner's form or an intelligence report's subject should not wait for the next batch run. For each
party: its blocking keys (:mod:`crimelink.linkage.keys`) find candidate parties through the indexed
``linkage_keys`` table; the candidates are scored with the saved person model in Python
(:class:`~crimelink.linkage.scoring.PairScorer`, the batch's own weights); the same rules as the batch
decide, in order: a shared strong identifier, a match probability at or above the model's threshold,
the only known thing with that name or address; otherwise a new entity. The decision, its method and
probability are written as the party's link; its keys are added so the next record finds it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import EntityKind
from crimelink.errors import InvalidInputError
from crimelink.ingest.importer import party_display, party_kind
from crimelink.linkage.clusters import (
    ATTRIBUTE_FIELDS,
    EXACT_RULES_VERSION,
    fixed_settings,
    person_model_version,
    values_of,
)
from crimelink.linkage.keys import party_keys, person_lookup_keys, person_row
from crimelink.linkage.records import person_from_party, shared_identifier
from crimelink.linkage.scoring import PairScore, PairScorer
from crimelink.store.expressions import one_of
from crimelink.store.models import Entity, LinkageKey, LinkageModel, RecordEntityLink, SourceRecord

#: At most this many candidate parties are scored for one new party (the commonest keys are capped).
MAX_CANDIDATES = 500
#: The threshold used before any model has been saved by a batch run.
DEFAULT_THRESHOLD = 0.9


@dataclass(frozen=True)
class SavedModel:
    version: str
    threshold: float
    settings: dict[str, Any]
    scorer: PairScorer


@dataclass(frozen=True)
class MatchDecision:
    """What happened to one party: the entity it joined or started, how, and what was weighed."""

    party: str
    kind: EntityKind
    entity_id: int
    method: str
    match_probability: float | None
    created: bool
    candidates: int
    explanation: dict[str, Any] = field(default_factory=dict)


def current_model(session: Session) -> SavedModel:
    """The latest saved person model, or the documented starting parameters when none is saved."""
    saved = session.execute(
        select(LinkageModel).order_by(LinkageModel.id.desc()).limit(1)
    ).scalar_one_or_none()
    if saved is None:
        settings = fixed_settings()
        version = person_model_version(threshold=DEFAULT_THRESHOLD, engine_name="python")
        return SavedModel(version, DEFAULT_THRESHOLD, settings, PairScorer(settings))
    try:
        scorer = PairScorer(saved.parameters)
    except InvalidInputError:
        # Saved by an earlier version of the comparisons: score with the documented parameters until the
        # next batch run saves a model of the current shape.
        logging.getLogger(__name__).warning(
            "linkage model %s predates the current comparisons; run 'crimelink entities resolve'",
            saved.version,
        )
        settings = fixed_settings()
        return SavedModel(saved.version, saved.threshold, settings, PairScorer(settings))
    return SavedModel(saved.version, saved.threshold, saved.parameters, scorer)


def link_record(
    session: Session, record: SourceRecord, *, saved: SavedModel | None = None
) -> list[MatchDecision]:
    """Link every party of a stored record that is not linked yet. Returns one decision per party."""
    saved = saved or current_model(session)
    linked = set(
        session.scalars(select(RecordEntityLink.party).where(RecordEntityLink.record_id == record.id)).all()
    )
    decisions = []
    for party, fields in sorted((record.normalised or {}).items()):
        if party == "record" or not fields or party in linked:
            continue
        decisions.append(link_party(session, record.id, party, fields, saved=saved))
    return decisions


def link_party(
    session: Session, record_id: int, party: str, fields: dict[str, Any], *, saved: SavedModel
) -> MatchDecision:
    """Match one party against the store and write its link and keys (in the caller's transaction)."""
    kind = party_kind(fields)
    keys = party_keys(kind, fields)
    if kind is EntityKind.PERSON:
        decision = _match_person(session, party, fields, saved)
    else:
        decision = _match_other(session, party, kind, fields)
    entity_id, created = decision.entity_id, False
    if entity_id == 0:
        entity = Entity(kind=kind, display_name=party_display(fields), attributes=_attributes(kind, fields))
        session.add(entity)
        session.flush()
        entity_id, created = entity.id, True
    version = saved.version if kind is EntityKind.PERSON else EXACT_RULES_VERSION
    session.add(
        RecordEntityLink(
            record_id=record_id,
            party=party,
            entity_id=entity_id,
            method=decision.method,
            match_probability=decision.match_probability,
            model_version=version,
        )
    )
    session.add_all(
        LinkageKey(kind=kind.value, key=key[:200], record_id=record_id, party=party) for key in keys
    )
    session.flush()
    return MatchDecision(
        party,
        kind,
        entity_id,
        decision.method,
        decision.match_probability,
        created,
        decision.candidates,
        decision.explanation,
    )


@dataclass(frozen=True)
class PartyMatch:
    """What linkage would decide for a party, without writing anything: the entity it is, if any."""

    kind: EntityKind
    #: ``None``: no known entity (linking a record would start a new one).
    entity_id: int | None
    method: str
    match_probability: float | None
    candidates: int


def match_party(session: Session, fields: dict[str, Any], *, saved: SavedModel | None = None) -> PartyMatch:
    """The entity a party with these normalised fields is, by the rules :func:`link_party` applies.

    Nothing is written: a deconfliction target or a search term finds its entity without becoming a
    record. Example: ``match_party(session, {"phone": "+447700900123"}).entity_id``.
    """
    kind = party_kind(fields)
    if kind is EntityKind.PERSON:
        found = _match_person(session, "", fields, saved or current_model(session))
    else:
        found = _match_other(session, "", kind, fields)
    if found.entity_id == 0:
        return PartyMatch(kind, None, found.method, None, found.candidates)
    return PartyMatch(kind, found.entity_id, found.method, found.match_probability, found.candidates)


@dataclass(frozen=True)
class _Found:
    entity_id: int  # 0: start a new entity
    method: str
    match_probability: float | None
    candidates: int
    explanation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    record_id: int
    party: str
    entity_id: int
    key: str


def candidates(session: Session, kind: EntityKind, keys: Iterable[str]) -> list[Candidate]:
    """Current parties sharing any of ``keys``, with the live entity each is linked to."""
    wanted = sorted({key[:200] for key in keys})
    if not wanted:
        return []
    rows = session.execute(
        select(LinkageKey.record_id, LinkageKey.party, RecordEntityLink.entity_id, LinkageKey.key)
        .join(
            RecordEntityLink,
            (RecordEntityLink.record_id == LinkageKey.record_id)
            & (RecordEntityLink.party == LinkageKey.party),
        )
        .where(LinkageKey.kind == kind.value, LinkageKey.key.in_(wanted))
        .limit(MAX_CANDIDATES * 4)
    ).all()
    live = live_entities(session, {row.entity_id for row in rows})
    return [Candidate(row.record_id, row.party, live[row.entity_id], row.key) for row in rows]


_ENTITIES_MERGED = select(Entity.id, Entity.merged_into_id).where(one_of(Entity.id, "ids"))


def live_entities(session: Session, ids: set[int]) -> dict[int, int]:
    """Entity id -> the entity it was finally merged into (itself when not merged), a query per hop."""
    found = {entity_id: entity_id for entity_id in ids}
    pending = set(ids)
    while pending:
        rows = session.execute(_ENTITIES_MERGED, {"ids": sorted(pending)}).all()
        step = {row.id: row.merged_into_id for row in rows if row.merged_into_id is not None}
        if not step:
            break
        for original, current in found.items():
            if current in step:
                found[original] = step[current]
        pending = set(step.values())
    return found


def _match_person(session: Session, party: str, fields: dict[str, Any], saved: SavedModel) -> _Found:
    row = person_row(fields)
    if row is None:
        return _Found(0, "new", None, 0)
    found = candidates(session, EntityKind.PERSON, person_lookup_keys(row))
    if not found:
        return _Found(0, "new", None, 0)
    by_party: dict[tuple[int, str], Candidate] = {}
    for candidate in found:
        by_party.setdefault((candidate.record_id, candidate.party), candidate)
    chosen = list(by_party.values())[:MAX_CANDIDATES]
    normalised: dict[int, dict[str, Any]] = dict(
        session.execute(
            select(SourceRecord.id, SourceRecord.normalised).where(
                SourceRecord.id.in_({c.record_id for c in chosen})
            )
        ).all()
    )
    me = person_from_party(fields, unique_id=0, source="", record_id="")
    assert me is not None
    best: tuple[PairScore, Candidate] | None = None
    rows_by_entity: dict[int, list[dict[str, Any]]] = {}
    for candidate in chosen:
        other_fields = (normalised.get(candidate.record_id) or {}).get(candidate.party) or {}
        other = person_from_party(other_fields, unique_id=1, source="", record_id="")
        if other is None:
            continue
        if shared_identifier(me, other) is not None:
            return _Found(candidate.entity_id, "deterministic", 1.0, len(chosen))
        other_row = other.as_row()
        rows_by_entity.setdefault(candidate.entity_id, []).append(other_row)
        score = saved.scorer.score(row, other_row)
        if best is None or score.match_probability > best[0].match_probability:
            best = (score, candidate)
    if best is not None and best[0].match_probability >= saved.threshold:
        score, candidate = best
        return _Found(
            candidate.entity_id,
            "probabilistic",
            round(score.match_probability, 6),
            len(chosen),
            score.explanation(),
        )
    unique = _unique_name_entity(row, chosen, rows_by_entity)
    if unique is not None:
        return _Found(unique, "unique-name", None, len(chosen))
    return _Found(0, "new", None, len(chosen))


def _unique_name_entity(
    row: dict[str, Any], chosen: list[Candidate], rows_by_entity: dict[int, list[dict[str, Any]]]
) -> int | None:
    """The batch's unique-name rule for one record: no date of birth, exactly one person of that name."""
    if row["dob"] or not row["given_canonical"] or not row["family_name"]:
        return None
    name_key = f"name:{row['given_canonical']}|{row['family_name']}"
    entities = {c.entity_id for c in chosen if c.key == name_key}
    if len(entities) != 1:
        return None
    entity_id = next(iter(entities))
    phones = {r["phone"] for r in rows_by_entity.get(entity_id, []) if r["phone"]}
    if row["phone"] and phones and row["phone"] not in phones:
        return None  # the one namesake known has a different phone: not enough to say it is them
    return entity_id


def _match_other(session: Session, party: str, kind: EntityKind, fields: dict[str, Any]) -> _Found:
    keys = party_keys(kind, fields)
    found = candidates(session, kind, keys)
    strong = {c.entity_id for c in found if c.key.split(":", 1)[0] not in ("addr", "postcode", "bname")}
    if strong:
        return _Found(min(strong), "deterministic", 1.0, len(found))
    for prefix, method in (("addr", "unique-address"), ("bname", "unique-business-name")):
        entities = {c.entity_id for c in found if c.key.startswith(prefix + ":")}
        if len(entities) == 1:
            return _Found(next(iter(entities)), method, None, len(found))
    if kind is EntityKind.PREMISES and not fields.get("address") and not fields.get("uprn"):
        entities = {c.entity_id for c in found if c.key.startswith("postcode:")}
        if len(entities) == 1:
            return _Found(next(iter(entities)), "unique-postcode", None, len(found))
    return _Found(0, "new", None, len(found))


def _attributes(kind: EntityKind, fields: dict[str, Any]) -> dict[str, Any]:
    found = {}
    for name in ATTRIBUTE_FIELDS.get(kind, ()):
        values = values_of(fields.get(name))
        if values:
            found[name] = values[0]
    return found
