"""The review queue and analysts' judgements, read and written through the access policy.

Linkage keeps the pairs of its last run whose match probability fell in the review band
(``match_candidates``: below the threshold, so the model did not link them on its own). The queue lists
them most uncertain first (``certainty = |p - 0.5|``), where a person's answer settles the most, with
what the model weighed: the level each comparison reached and its weight (log2 Bayes factor), and the
prior weight they were added to, so that the total is explained. An analyst answers same, different or
unsure with a reason; :mod:`crimelink.linkage.judgements` stores and audits the answer, which overrides
the model from the next run until it is reversed.

Need-to-know (docs/access.md): a pair is listed only to an actor who may see both its records; of the
others the queue says only how many there are. Judging and reversing need ``entity.judge`` and
``record.view`` on every record the judgement names. A judgement's reason is free text that may quote
its records, so a judgement is listed only to actors who may see every record it names.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, aliased, load_only

from crimelink.access import Action, Actor, allowed, load_access_context
from crimelink.domain import EntityKind
from crimelink.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from crimelink.ingest.importer import party_kind
from crimelink.linkage.clusters import PartyKey
from crimelink.linkage.judgements import DECISIONS as DECISIONS  # the answers a person may give
from crimelink.linkage.judgements import entity_of, record_judgement, reverse_judgement
from crimelink.services.callers import authorise, record_event
from crimelink.services.entities import (
    RecordVisibility,
    _family,
    current_version,
    highest_marking,
    party_label,
    party_of,
)
from crimelink.store.models import (
    Agency,
    Dataset,
    Entity,
    LinkageModel,
    MatchCandidate,
    MatchJudgement,
    RecordEntityLink,
    SourceRecord,
)

#: At most this many pairs, or judgements, in one page.
MAX_QUEUE_LIMIT = 100
#: The longest reason kept for a judgement or its reversal.
MAX_REASON = 4000
#: Records looked up in one query when deciding who may see which pair.
_CHUNK = 5000


# --- what the queue shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewParty:
    """One side of a pair: a party of a record, as that record gives it."""

    record_id: int
    party: str
    agency_code: str
    agency_name: str
    dataset_code: str
    dataset_title: str
    source_key: str
    version: int
    classification: str
    #: The party's normalised fields (what linkage compared).
    fields: dict[str, Any]
    #: The entity the party is linked to now (following merges), if any.
    entity_id: int | None


@dataclass(frozen=True)
class ComparisonWeight:
    """What one comparison found: the level the pair reached and its weight (log2 Bayes factor)."""

    comparison: str
    level: str
    weight: float


@dataclass(frozen=True)
class ReviewPair:
    """A pair linkage was unsure of: both parties, the probability, and how the weights add up to it."""

    id: int
    model_version: str
    match_probability: float
    #: ``prior_weight`` plus every comparison's weight.
    match_weight: float
    #: The weight of the prior (the chance two random records are the same), before any comparison.
    prior_weight: float
    comparisons: list[ComparisonWeight]
    left: ReviewParty
    right: ReviewParty
    #: Both parties are linked to one entity now (by a rule other than the score, or through others).
    same_entity: bool


@dataclass(frozen=True)
class ReviewQueue:
    pairs: list[ReviewPair]
    #: Pairs waiting that the actor may review (both records visible, not yet judged).
    total: int
    limit: int
    offset: int
    min_probability: float | None
    max_probability: float | None
    #: Pairs waiting with a record the actor may not see: only their number is given.
    need_wider_access: int
    #: The highest classification of the records shown (the page's protective marking).
    marking: str


@dataclass(frozen=True)
class JudgedParty:
    """A party a judgement names, as the record version the analyst looked at gives it."""

    record_id: int
    party: str
    agency_code: str
    dataset_title: str
    source_key: str
    label: str
    entity_id: int | None


@dataclass(frozen=True)
class JudgementView:
    id: int
    decision: str
    reason: str
    decided_by: str
    decided_at: datetime
    left: JudgedParty
    #: The other party, for a judgement on two parties.
    right: JudgedParty | None
    #: The entity, for a judgement on a party and an entity.
    entity_id: int | None
    #: Not reversed: linkage applies it on every run.
    active: bool
    reversed_at: datetime | None
    reversed_by: str | None
    reversal_reason: str | None


@dataclass(frozen=True)
class JudgementList:
    judgements: list[JudgementView]
    #: Judgements the actor may see (on records they may all see).
    total: int
    limit: int
    offset: int


# --- the queue -----------------------------------------------------------------------------------


def review_queue(
    session: Session,
    actor: Actor,
    *,
    limit: int,
    offset: int,
    min_probability: float | None = None,
    max_probability: float | None = None,
) -> ReviewQueue:
    """The pairs waiting for a person, most uncertain first, that ``actor`` may see both sides of. Audited.

    Example: ``review_queue(session, analyst, limit=20, offset=0).need_wider_access`` is how many more
    pairs wait for someone allowed to see records the analyst may not.
    """
    authorise(actor, Action.ENTITY_JUDGE)
    authorise(actor, Action.RECORD_VIEW)
    _check_band(min_probability, max_probability)
    query = select(
        MatchCandidate.id,
        MatchCandidate.left_record_id,
        MatchCandidate.left_party,
        MatchCandidate.right_record_id,
        MatchCandidate.right_party,
    ).order_by(MatchCandidate.certainty, MatchCandidate.id)
    if min_probability is not None:
        query = query.where(MatchCandidate.match_probability >= min_probability)
    if max_probability is not None:
        query = query.where(MatchCandidate.match_probability <= max_probability)
    rows = session.execute(query).all()
    records = _access_facts(session, {r.left_record_id for r in rows} | {r.right_record_id for r in rows})
    visible = RecordVisibility(actor, load_access_context(session))
    judged = _judged_pairs(session)
    reviewable: list[int] = []
    hidden = 0
    for row in rows:
        left, right = records[row.left_record_id], records[row.right_record_id]
        if frozenset({_slot(left, row.left_party), _slot(right, row.right_party)}) in judged:
            continue
        if visible(left) and visible(right):
            reviewable.append(row.id)
        else:
            hidden += 1
    shown = reviewable[offset : offset + limit]
    candidates = {
        c.id: c for c in session.scalars(select(MatchCandidate).where(MatchCandidate.id.in_(shown)))
    }
    pairs = _pairs(session, [candidates[i] for i in shown])
    record_ids = sorted({p.left.record_id for p in pairs} | {p.right.record_id for p in pairs})
    record_event(
        session,
        actor,
        action="view",
        resource_type="review_queue",
        details={"pairs_shown": shown, "records_shown": record_ids, "need_wider_access": hidden},
    )
    return ReviewQueue(
        pairs=pairs,
        total=len(reviewable),
        limit=limit,
        offset=offset,
        min_probability=min_probability,
        max_probability=max_probability,
        need_wider_access=hidden,
        marking=highest_marking(records[i].classification for i in record_ids),
    )


def candidate_pair(session: Session, actor: Actor, candidate_id: int) -> ReviewPair:
    """One pair of the queue, that the actor may see both sides of (to judge it on its own page). Audited."""
    authorise(actor, Action.ENTITY_JUDGE)
    candidate = session.get(MatchCandidate, candidate_id)
    missing = NotFoundError(
        f"pair {candidate_id} is not in your review queue: the next linkage run may have settled it"
    )
    if candidate is None:
        raise missing
    context = load_access_context(session)
    for record_id in (candidate.left_record_id, candidate.right_record_id):
        record = session.get(SourceRecord, record_id)
        if record is None or not allowed(actor, Action.RECORD_VIEW, context.resource(record)):
            raise missing  # a pair the queue never listed for this actor is as good as absent
    pair = _pairs(session, [candidate])[0]
    record_event(
        session,
        actor,
        action="view",
        resource_type="review_pair",
        resource_id=str(candidate_id),
        details={"records_shown": sorted({pair.left.record_id, pair.right.record_id})},
    )
    return pair


def _check_band(low: float | None, high: float | None) -> None:
    for name, value in (("min_probability", low), ("max_probability", high)):
        if value is not None and not (0.0 <= value <= 1.0 and math.isfinite(value)):
            raise InvalidInputError(name, "a match probability is between 0 and 1, e.g. 0.6")
    if low is not None and high is not None and low > high:
        raise InvalidInputError("min_probability", "must not be above max_probability")


def _access_facts(session: Session, record_ids: Iterable[int]) -> dict[int, SourceRecord]:
    """The records by id, with only the columns visibility and judgements need loaded."""
    ids = sorted(record_ids)
    found: dict[int, SourceRecord] = {}
    for start in range(0, len(ids), _CHUNK):
        found.update(
            (record.id, record)
            for record in session.scalars(
                select(SourceRecord)
                .where(SourceRecord.id.in_(ids[start : start + _CHUNK]))
                .options(
                    load_only(
                        SourceRecord.agency_id,
                        SourceRecord.dataset_id,
                        SourceRecord.source_key,
                        SourceRecord.handling_code,
                        SourceRecord.handling_conditions,
                        SourceRecord.classification,
                        SourceRecord.caveats,
                    )
                )
            )
        )
    return found


def _slot(record: SourceRecord, party: str) -> tuple[int, str, str]:
    """Where a party lives across versions of its record: a judgement on one version holds for the next."""
    return (record.dataset_id, record.source_key, party)


def _judged_pairs(session: Session) -> set[frozenset[tuple[int, str, str]]]:
    """The two parties of every active judgement on a pair, as slots."""
    left, right = aliased(SourceRecord), aliased(SourceRecord)
    rows = session.execute(
        select(
            left.dataset_id,
            left.source_key,
            MatchJudgement.left_party,
            right.dataset_id,
            right.source_key,
            MatchJudgement.right_party,
        )
        .join(left, left.id == MatchJudgement.left_record_id)
        .join(right, right.id == MatchJudgement.right_record_id)
        .where(MatchJudgement.reversed_at.is_(None))
    ).all()
    return {frozenset({(r[0], r[1], r[2]), (r[3], r[4], str(r[5]))}) for r in rows}


def _pairs(session: Session, candidates: Sequence[MatchCandidate]) -> list[ReviewPair]:
    if not candidates:
        return []
    ids = {c.left_record_id for c in candidates} | {c.right_record_id for c in candidates}
    records = {r.id: r for r in session.scalars(select(SourceRecord).where(SourceRecord.id.in_(ids)))}
    datasets = {
        d.id: d
        for d in session.scalars(
            select(Dataset).where(Dataset.id.in_({r.dataset_id for r in records.values()}))
        )
    }
    agencies = {
        a.id: a
        for a in session.scalars(select(Agency).where(Agency.id.in_({r.agency_id for r in records.values()})))
    }
    priors = _prior_weights(session, {c.model_version for c in candidates})

    def side(record_id: int, party: str) -> ReviewParty:
        record = records[record_id]
        dataset, agency = datasets[record.dataset_id], agencies[record.agency_id]
        return ReviewParty(
            record_id=record.id,
            party=party,
            agency_code=agency.code,
            agency_name=agency.name,
            dataset_code=dataset.code,
            dataset_title=dataset.title,
            source_key=record.source_key,
            version=record.version,
            classification=record.classification.value,
            fields=dict(party_of(record, party)),
            entity_id=entity_of(session, (record.id, party)),
        )

    pairs = []
    for candidate in candidates:
        comparisons = [
            ComparisonWeight(name, str(found.get("level", "")), float(found.get("weight", 0.0)))
            for name, found in (candidate.explanation or {}).items()
            if isinstance(found, dict)
        ]
        prior = priors.get(candidate.model_version)
        if prior is None:  # a model no longer saved: the prior is what the comparisons do not explain
            prior = candidate.match_weight - sum(c.weight for c in comparisons)
        left = side(candidate.left_record_id, candidate.left_party)
        right = side(candidate.right_record_id, candidate.right_party)
        pairs.append(
            ReviewPair(
                id=candidate.id,
                model_version=candidate.model_version,
                match_probability=candidate.match_probability,
                match_weight=candidate.match_weight,
                prior_weight=prior,
                comparisons=comparisons,
                left=left,
                right=right,
                same_entity=left.entity_id is not None and left.entity_id == right.entity_id,
            )
        )
    return pairs


def _prior_weights(session: Session, versions: set[str]) -> dict[str, float]:
    """The prior weight, log2(p / (1 - p)), of each saved model version."""
    found = {}
    for version, parameters in session.execute(
        select(LinkageModel.version, LinkageModel.parameters).where(LinkageModel.version.in_(versions))
    ).all():
        prior = (parameters or {}).get("probability_two_random_records_match")
        if isinstance(prior, int | float) and 0 < prior < 1:
            found[version] = math.log2(prior / (1 - prior))
    return found


# --- judging -------------------------------------------------------------------------------------


def judge_pair(
    session: Session, actor: Actor, *, left: PartyKey, right: PartyKey, decision: str, reason: str
) -> JudgementView:
    """Judge two parties same, different or unsure. Both records must be ones the actor may see.

    Example: ``judge_pair(session, analyst, left=(12, "subject"), right=(40, "subject"),
    decision="different", reason="Different NHS numbers on the two files")``.
    """
    authorise(actor, Action.ENTITY_JUDGE)
    authorise(actor, Action.RECORD_VIEW)
    records = _visible_or_refuse(session, actor, {"left": left[0], "right": right[0]})
    left_fields, right_fields = party_of(records[left[0]], left[1]), party_of(records[right[0]], right[1])
    if left_fields and right_fields and party_kind(left_fields) is not party_kind(right_fields):
        raise InvalidInputError(
            "right",
            f"a {party_kind(left_fields).value.lower()} cannot be the same as a "
            f"{party_kind(right_fields).value.lower()}: judge parties of one kind",
        )
    earlier = _active_judgement_on(
        session, _slot(records[left[0]], left[1]), _slot(records[right[0]], right[1])
    )
    if earlier is not None:
        raise ConflictError(
            "right",
            f"these two were judged {earlier.decision} already (judgement {earlier.id}): "
            "reverse that judgement to judge them again",
        )
    judgement = record_judgement(
        session,
        left=left,
        right=right,
        decision=decision,
        reason=_reason(reason),
        decided_by=actor.username,
    )
    return _views(session, [judgement])[0]


def _active_judgement_on(
    session: Session, one: tuple[int, str, str], other: tuple[int, str, str]
) -> MatchJudgement | None:
    """The active judgement on these two parties (in any version of their records), if there is one."""
    left, right = aliased(SourceRecord), aliased(SourceRecord)
    wanted = {one, other}
    for judgement, *slots in session.execute(
        select(MatchJudgement, left.dataset_id, left.source_key, right.dataset_id, right.source_key)
        .join(left, left.id == MatchJudgement.left_record_id)
        .join(right, right.id == MatchJudgement.right_record_id)
        .where(
            MatchJudgement.reversed_at.is_(None),
            left.dataset_id.in_({one[0], other[0]}),
            left.source_key.in_({one[1], other[1]}),
        )
    ).all():
        named = {(slots[0], slots[1], judgement.left_party), (slots[2], slots[3], judgement.right_party)}
        if named == wanted:
            return judgement
    return None


def judge_link(
    session: Session, actor: Actor, *, party: PartyKey, entity_id: int, decision: str, reason: str
) -> JudgementView:
    """Judge whether a party is an entity (the entity page's "not this person"). Follows merges.

    The party's record must be one the actor may see, and so must at least one record of the entity.
    """
    authorise(actor, Action.ENTITY_JUDGE)
    authorise(actor, Action.RECORD_VIEW)
    records = _visible_or_refuse(session, actor, {"left": party[0]})
    try:
        entity, family = _family(session, entity_id)
    except NotFoundError as exc:
        raise InvalidInputError("entity_id", str(exc)) from None
    visible = RecordVisibility(actor, load_access_context(session))
    entity_records = session.scalars(
        select(SourceRecord)
        .join(RecordEntityLink, RecordEntityLink.record_id == SourceRecord.id)
        .where(RecordEntityLink.entity_id.in_(family), current_version())
    ).all()
    if not any(visible(record) for record in entity_records):
        raise PermissionDeniedError(
            f"you may see none of the records of entity {entity_id}, so you cannot judge what it is"
        )
    fields = party_of(records[party[0]], party[1])
    kind = EntityKind(entity.kind)
    if fields and party_kind(fields) is not kind:
        raise InvalidInputError(
            "entity_id",
            f"entity {entity.id} is a {kind.value.lower()} and record {party[0]}'s {party[1]} is a "
            f"{party_kind(fields).value.lower()}: judge a party against an entity of its kind",
        )
    judgement = record_judgement(
        session,
        left=party,
        entity_id=entity.id,
        decision=decision,
        reason=_reason(reason),
        decided_by=actor.username,
    )
    return _views(session, [judgement])[0]


def reverse(session: Session, actor: Actor, *, judgement_id: int, reason: str) -> JudgementView:
    """Reverse a judgement: from the next run the model decides again. The judgement stays on record."""
    authorise(actor, Action.ENTITY_JUDGE)
    authorise(actor, Action.RECORD_VIEW)
    judgement = session.get(MatchJudgement, judgement_id)
    if judgement is None:
        raise NotFoundError(f"there is no judgement {judgement_id}")
    named = {"left": judgement.left_record_id}
    if judgement.right_record_id is not None:
        named["right"] = judgement.right_record_id
    _visible_or_refuse(session, actor, named)
    reverse_judgement(session, judgement_id, reversed_by=actor.username, reason=_reason(reason))
    return _views(session, [judgement])[0]


def _reason(reason: str) -> str:
    # PostgreSQL can store no NUL character; the domain function checks the reason is not blank.
    cleaned = reason.replace("\x00", "")
    if len(cleaned) > MAX_REASON:
        raise InvalidInputError("reason", f"keep the reason under {MAX_REASON} characters")
    return cleaned


def _visible_or_refuse(session: Session, actor: Actor, named: dict[str, int]) -> dict[int, SourceRecord]:
    """The records a judgement names, by id; refused unless the actor may see every one of them."""
    context = load_access_context(session)
    records = {}
    for field, record_id in named.items():
        record = session.get(SourceRecord, record_id)
        if record is None:
            raise InvalidInputError(field, f"there is no record {record_id}")
        if not allowed(actor, Action.RECORD_VIEW, context.resource(record)):
            # The policy's reason is not given: it would describe a record the actor may not see.
            raise PermissionDeniedError(
                f"you may judge only records you may see, and record {record_id} ({field}) is not one "
                "of them: ask someone who may see it, or ask its holder to disclose it"
            )
        records[record_id] = record
    return records


# --- judgements as history -----------------------------------------------------------------------


def judgements_for_entity(session: Session, actor: Actor, entity_id: int) -> list[JudgementView]:
    """Judgements on the entity or on any of its records' parties, newest first; only those naming
    records the actor may all see. Audited."""
    authorise(actor, Action.RECORD_VIEW)
    entity, family = _family(session, entity_id)
    slots = set(
        session.execute(
            select(SourceRecord.dataset_id, SourceRecord.source_key, RecordEntityLink.party)
            .join(RecordEntityLink, RecordEntityLink.record_id == SourceRecord.id)
            .where(RecordEntityLink.entity_id.in_(family), current_version())
        ).all()
    )
    left, right = aliased(SourceRecord), aliased(SourceRecord)

    def names_entity(side: type[SourceRecord]) -> Any:
        version = aliased(SourceRecord)
        return exists().where(
            version.dataset_id == side.dataset_id,
            version.source_key == side.source_key,
            RecordEntityLink.record_id == version.id,
            RecordEntityLink.entity_id.in_(family),
        )

    rows = session.execute(
        select(MatchJudgement, left.dataset_id, left.source_key, right.dataset_id, right.source_key)
        .join(left, left.id == MatchJudgement.left_record_id)
        .outerjoin(right, right.id == MatchJudgement.right_record_id)
        .where(or_(MatchJudgement.entity_id.in_(family), names_entity(left), names_entity(right)))
        .order_by(MatchJudgement.id.desc())
    ).all()
    judgements = [
        row[0]
        for row in rows
        if row[0].entity_id in family
        or (row[1], row[2], row[0].left_party) in slots
        or (row[3], row[4], row[0].right_party) in slots
    ]
    shown = _views(session, _visible_judgements(session, actor, judgements))
    record_event(
        session,
        actor,
        action="view",
        resource_type="entity_judgements",
        resource_id=str(entity.id),
        details={"requested": entity_id, "judgements_shown": [j.id for j in shown]},
    )
    return shown


def recent_judgements(session: Session, actor: Actor, *, limit: int, offset: int) -> JudgementList:
    """Every judgement on records the actor may all see, newest first, for review and reversal. Audited."""
    authorise(actor, Action.ENTITY_JUDGE)
    authorise(actor, Action.RECORD_VIEW)
    everything = session.scalars(select(MatchJudgement).order_by(MatchJudgement.id.desc())).all()
    seen = _visible_judgements(session, actor, everything)
    shown = _views(session, seen[offset : offset + limit])
    record_event(
        session,
        actor,
        action="view",
        resource_type="match_judgements",
        details={"judgements_shown": [j.id for j in shown]},
    )
    return JudgementList(judgements=shown, total=len(seen), limit=limit, offset=offset)


def get_judgement(session: Session, actor: Actor, judgement_id: int) -> JudgementView:
    """One judgement, if it names only records the actor may see. Audited."""
    authorise(actor, Action.RECORD_VIEW)
    judgement = session.get(MatchJudgement, judgement_id)
    if judgement is None or not _visible_judgements(session, actor, [judgement]):
        raise NotFoundError(f"there is no judgement {judgement_id} on records you may see")
    record_event(
        session, actor, action="view", resource_type="match_judgement", resource_id=str(judgement_id)
    )
    return _views(session, [judgement])[0]


def _visible_judgements(
    session: Session, actor: Actor, judgements: Sequence[MatchJudgement]
) -> list[MatchJudgement]:
    named = {j.left_record_id for j in judgements} | {
        j.right_record_id for j in judgements if j.right_record_id is not None
    }
    records = _access_facts(session, named)
    visible = RecordVisibility(actor, load_access_context(session))
    return [
        j
        for j in judgements
        if visible(records[j.left_record_id])
        and (j.right_record_id is None or visible(records[j.right_record_id]))
    ]


def _views(session: Session, judgements: Sequence[MatchJudgement]) -> list[JudgementView]:
    if not judgements:
        return []
    ids = {j.left_record_id for j in judgements} | {
        j.right_record_id for j in judgements if j.right_record_id is not None
    }
    records = {r.id: r for r in session.scalars(select(SourceRecord).where(SourceRecord.id.in_(ids)))}
    datasets = dict(
        session.execute(
            select(Dataset.id, Dataset.title).where(Dataset.id.in_({r.dataset_id for r in records.values()}))
        ).all()
    )
    agencies = dict(
        session.execute(
            select(Agency.id, Agency.code).where(Agency.id.in_({r.agency_id for r in records.values()}))
        ).all()
    )

    def judged(record_id: int, party: str) -> JudgedParty:
        record = records[record_id]
        return JudgedParty(
            record_id=record.id,
            party=party,
            agency_code=agencies[record.agency_id],
            dataset_title=datasets[record.dataset_id],
            source_key=record.source_key,
            label=party_label(party_of(record, party)),
            entity_id=entity_of(session, (record.id, party)),
        )

    return [
        JudgementView(
            id=j.id,
            decision=j.decision,
            reason=j.reason,
            decided_by=j.decided_by,
            decided_at=j.decided_at,
            left=judged(j.left_record_id, j.left_party),
            right=(
                judged(j.right_record_id, j.right_party)
                if j.right_record_id is not None and j.right_party is not None
                else None
            ),
            entity_id=_live(session, j.entity_id),
            active=j.reversed_at is None,
            reversed_at=j.reversed_at,
            reversed_by=j.reversed_by,
            reversal_reason=j.reversal_reason,
        )
        for j in judgements
    ]


def _live(session: Session, entity_id: int | None) -> int | None:
    """The entity ``entity_id`` is now (it may have been merged since it was judged)."""
    if entity_id is None:
        return None
    seen = {entity_id}
    while (target := session.scalar(select(Entity.merged_into_id).where(Entity.id == entity_id))) is not None:
        if target in seen:
            break
        seen.add(target)
        entity_id = target
    return entity_id
