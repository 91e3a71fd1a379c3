"""Analysts' judgements: same, different or unsure, on two parties or on a party and an entity.

A judgement overrides the model on every later run until it is reversed; it is never deleted. It names
the record version the analyst looked at, and applies to the current version of that record (same
dataset and source key), so a corrected record keeps its judgement.

How a run applies them (:func:`apply_judgements`, after clustering and before ids are given):

1. *different*: when both sides sit in one cluster, the cluster is split in two around them: every
   other member goes with the side it resembles more (the saved model's match weight for people; a
   shared identifier or address key for other kinds; ties stay with the left side).
2. *same*: the two clusters are joined, unless that would put together a pair judged different.
3. *unsure*: recorded for the review queue (the pair leaves it); the model decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import EntityKind
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.linkage.clusters import Cluster, LinkInfo, Party, PartyKey
from crimelink.linkage.incremental import live_entities
from crimelink.linkage.keys import party_keys, person_row
from crimelink.linkage.scoring import PairScorer
from crimelink.store.audit import append_event
from crimelink.store.models import Entity, MatchJudgement, RecordEntityLink, SourceRecord

DECISIONS = ("same", "different", "unsure")
JUDGEMENT_METHOD = "judgement"


@dataclass(frozen=True)
class ActiveJudgement:
    """A judgement mapped onto the current parties: ``right`` or ``entity_id`` is set."""

    id: int
    left: PartyKey
    right: PartyKey | None
    entity_id: int | None
    decision: str


def record_judgement(
    session: Session,
    *,
    left: PartyKey,
    right: PartyKey | None = None,
    entity_id: int | None = None,
    decision: str,
    reason: str,
    decided_by: str,
) -> MatchJudgement:
    """Store a judgement (validated, audited). Raises InvalidInputError / NotFoundError naming the field."""
    if decision not in DECISIONS:
        raise InvalidInputError({"decision": f"'{decision}' is not one of {', '.join(DECISIONS)}"})
    if (right is None) == (entity_id is None):
        raise InvalidInputError({"right": "judge a party against one other party or one entity, not both"})
    if not reason.strip():
        raise InvalidInputError({"reason": "say why, so that the next analyst can follow the decision"})
    _require_party(session, left, "left")
    if right is not None:
        _require_party(session, right, "right")
        if right == left:
            raise InvalidInputError({"right": "a party cannot be judged against itself"})
    if entity_id is not None and session.get(Entity, entity_id) is None:
        raise NotFoundError(f"entity {entity_id} does not exist")
    judgement = MatchJudgement(
        left_record_id=left[0],
        left_party=left[1],
        right_record_id=right[0] if right else None,
        right_party=right[1] if right else None,
        entity_id=entity_id,
        decision=decision,
        reason=reason.strip(),
        decided_by=decided_by,
    )
    session.add(judgement)
    session.flush()
    append_event(
        session,
        actor=decided_by,
        action="judge",
        resource_type="match_judgement",
        resource_id=str(judgement.id),
        details={
            "left": list(left),
            "right": list(right) if right else None,
            "entity": entity_id,
            "decision": decision,
            "reason": judgement.reason,
        },
    )
    return judgement


def reverse_judgement(
    session: Session, judgement_id: int, *, reversed_by: str, reason: str
) -> MatchJudgement:
    """Reverse a judgement: it stops applying from the next run; the record of it stays."""
    judgement = session.get(MatchJudgement, judgement_id)
    if judgement is None:
        raise NotFoundError(f"judgement {judgement_id} does not exist")
    if judgement.reversed_at is not None:
        raise InvalidInputError({"judgement": f"judgement {judgement_id} was already reversed"})
    if not reason.strip():
        raise InvalidInputError({"reason": "say why the judgement is reversed"})
    judgement.reversed_at = datetime.now(UTC)
    judgement.reversed_by = reversed_by
    judgement.reversal_reason = reason.strip()
    session.flush()
    append_event(
        session,
        actor=reversed_by,
        action="reverse",
        resource_type="match_judgement",
        resource_id=str(judgement.id),
        details={"reason": judgement.reversal_reason},
    )
    return judgement


def _require_party(session: Session, key: PartyKey, name: str) -> None:
    record = session.get(SourceRecord, key[0])
    if record is None:
        raise NotFoundError(f"record {key[0]} does not exist")
    if key[1] not in (record.normalised or {}) or key[1] == "record":
        raise InvalidInputError({name: f"record {key[0]} has no party '{key[1]}'"})


def active_judgements(session: Session, parties: Sequence[Party]) -> list[ActiveJudgement]:
    """Unreversed judgements, mapped onto the current version of the records they name."""
    current = {(p.dataset_id, p.source_key, p.party): p.key for p in parties}
    rows = session.scalars(
        select(MatchJudgement).where(MatchJudgement.reversed_at.is_(None)).order_by(MatchJudgement.id)
    ).all()
    if not rows:
        return []
    record_ids = {r.left_record_id for r in rows} | {r.right_record_id for r in rows if r.right_record_id}
    slots = {
        row.id: (row.dataset_id, row.source_key)
        for row in session.execute(
            select(SourceRecord.id, SourceRecord.dataset_id, SourceRecord.source_key).where(
                SourceRecord.id.in_(record_ids)
            )
        ).all()
    }

    def now(record_id: int | None, party: str | None) -> PartyKey | None:
        if record_id is None or party is None or record_id not in slots:
            return None
        return current.get((*slots[record_id], party))

    found = []
    for row in rows:
        left = now(row.left_record_id, row.left_party)
        right = now(row.right_record_id, row.right_party)
        if left is None or (row.entity_id is None and right is None):
            continue  # the record was withdrawn: nothing to apply
        found.append(ActiveJudgement(row.id, left, right, row.entity_id, row.decision))
    return found


def apply_judgements(
    clusters: list[Cluster],
    judgements: Sequence[ActiveJudgement],
    *,
    prior_entity: dict[PartyKey, int],
    scorer: PairScorer,
    banned: dict[PartyKey, set[int]] | None = None,
) -> int:
    """Apply judgements to ``clusters`` in place (see the module docstring). Returns how many applied.

    ``banned`` is filled with the entities a party was judged not to be: it must not keep their id.
    """
    if not judgements:
        return 0
    entity_members: dict[int, set[PartyKey]] = {}
    for key, entity_id in prior_entity.items():
        entity_members.setdefault(entity_id, set()).add(key)
    applied = 0
    forbidden: list[tuple[PartyKey, set[PartyKey]]] = []
    for judgement in judgements:
        if judgement.decision != "different":
            continue
        if judgement.entity_id is not None and banned is not None:
            banned.setdefault(judgement.left, set()).add(judgement.entity_id)
        others = {judgement.right} if judgement.right else entity_members.get(judgement.entity_id or 0, set())
        others = others - {judgement.left}
        forbidden.append((judgement.left, others))
        applied += _split(clusters, judgement.left, others, scorer)
    # One index of where each party is, kept up to date by the joins (an import's references can make
    # thousands of "same" judgements: rebuilding it for each was quadratic).
    where = _where(clusters)
    for judgement in judgements:
        if judgement.decision != "same":
            continue
        others = {judgement.right} if judgement.right else entity_members.get(judgement.entity_id or 0, set())
        applied += _join(clusters, where, judgement.left, others - {judgement.left}, forbidden)
    clusters[:] = [c for c in clusters if c.members]
    return applied


def _where(clusters: list[Cluster]) -> dict[PartyKey, int]:
    return {member.key: index for index, cluster in enumerate(clusters) for member in cluster.members}


def _split(clusters: list[Cluster], left: PartyKey, others: set[PartyKey], scorer: PairScorer) -> int:
    where = _where(clusters)
    if left not in where:
        return 0
    index = where[left]
    cluster = clusters[index]
    right_side = {key for key in others if where.get(key) == index}
    if not right_side:
        return 0
    by_key = {m.key: m for m in cluster.members}
    anchor_left = by_key[left]
    anchors_right = [by_key[key] for key in sorted(right_side)]
    stay, leave = [], []
    for member in cluster.members:
        if member.key == left:
            stay.append(member)
        elif member.key in right_side or _resemblance(member, anchors_right, scorer) > _resemblance(
            member, [anchor_left], scorer
        ):
            leave.append(member)
        else:
            stay.append(member)
    info = {m.key: cluster.links[m.key] for m in cluster.members}
    clusters[index] = Cluster(
        cluster.kind, stay, {m.key: _judged(info[m.key], m.key in (left,)) for m in stay}
    )
    clusters.append(
        Cluster(cluster.kind, leave, {m.key: _judged(info[m.key], m.key in right_side) for m in leave})
    )
    return 1


def _judged(info: LinkInfo, judged: bool) -> LinkInfo:
    return LinkInfo(JUDGEMENT_METHOD, None, info.model_version) if judged else info


def _resemblance(member: Party, anchors: Sequence[Party], scorer: PairScorer) -> float:
    """How much ``member`` looks like the closest of ``anchors``: match weight, or shared keys."""
    best = float("-inf")
    for anchor in anchors:
        if member.kind is EntityKind.PERSON:
            a, b = person_row(member.fields), person_row(anchor.fields)
            value = scorer.score(a, b).match_weight if a and b else float("-inf")
        else:
            value = float(
                len(party_keys(member.kind, member.fields) & party_keys(anchor.kind, anchor.fields))
            )
        best = max(best, value)
    return best


def _join(
    clusters: list[Cluster],
    where: dict[PartyKey, int],
    left: PartyKey,
    others: set[PartyKey],
    forbidden: list[tuple[PartyKey, set[PartyKey]]],
) -> int:
    """Join ``left``'s cluster with each of ``others``' (emptying the joined one; ``where`` follows)."""
    joined = 0
    for key in sorted(others):
        if left not in where or key not in where:
            continue
        a, b = where[left], where[key]
        if a == b or clusters[a].kind is not clusters[b].kind:
            continue
        together = {m.key for m in clusters[a].members} | {m.key for m in clusters[b].members}
        if any(judged in together and together & banned for judged, banned in forbidden):
            continue  # a "different" judgement wins over a "same" one
        merged = Cluster(
            clusters[a].kind,
            clusters[a].members + clusters[b].members,
            {**clusters[a].links, **clusters[b].links},
        )
        for judged in (left, key):
            merged.links[judged] = _judged(merged.links[judged], True)
        for member in clusters[b].members:
            where[member.key] = a
        clusters[a] = merged
        clusters[b] = Cluster(merged.kind, [], {})
        joined = 1
    return joined


def entity_of(session: Session, key: PartyKey) -> int | None:
    """The entity a party is linked to now (following merges), or None."""
    entity_id = session.scalar(
        select(RecordEntityLink.entity_id).where(
            RecordEntityLink.record_id == key[0], RecordEntityLink.party == key[1]
        )
    )
    return None if entity_id is None else live_entities(session, {entity_id})[entity_id]
