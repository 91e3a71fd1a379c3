"""/api/review/pairs and /api/judgements: the pairs linkage was unsure of, and people's judgements on them.

Only pairs and judgements whose records you may all see are returned; judging needs ``entity.judge``
and applies from the next linkage run. Every read and judgement is audited.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, status

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.api.schemas.review import (
    JudgementCreate,
    JudgementListPublic,
    JudgementPublic,
    JudgementReverse,
    ReviewQueuePublic,
)
from crimelink.errors import InvalidInputError
from crimelink.services import review

router = APIRouter(tags=["review"])

Probability = Annotated[float | None, Query(ge=0.0, le=1.0, description="A match probability, 0 to 1")]


@router.get("/review/pairs")
def review_pairs(
    db: SessionDep,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=review.MAX_QUEUE_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    min_probability: Probability = None,
    max_probability: Probability = None,
) -> ReviewQueuePublic:
    """Pairs waiting for a person, most uncertain first, with the weight of every comparison."""
    queue = review.review_queue(
        db,
        actor,
        limit=limit,
        offset=offset,
        min_probability=min_probability,
        max_probability=max_probability,
    )
    db.commit()  # the view's audit event
    return ReviewQueuePublic.model_validate(asdict(queue))


@router.post("/judgements", status_code=status.HTTP_201_CREATED)
def judge(body: JudgementCreate, db: SessionDep, actor: CurrentActor) -> JudgementPublic:
    """Judge a party against another party (``right``) or against an entity (``entity_id``)."""
    left = (body.left.record_id, body.left.party)
    if body.right is not None and body.entity_id is None:
        judgement = review.judge_pair(
            db,
            actor,
            left=left,
            right=(body.right.record_id, body.right.party),
            decision=body.decision,
            reason=body.reason,
        )
    elif body.entity_id is not None and body.right is None:
        judgement = review.judge_link(
            db, actor, party=left, entity_id=body.entity_id, decision=body.decision, reason=body.reason
        )
    else:
        raise InvalidInputError(
            "right", "give either right (another party) or entity_id (an entity) to judge left against"
        )
    db.commit()
    return JudgementPublic.model_validate(asdict(judgement))


@router.post("/judgements/{judgement_id}/reverse")
def reverse(
    judgement_id: IdPath, body: JudgementReverse, db: SessionDep, actor: CurrentActor
) -> JudgementPublic:
    """Reverse a judgement: from the next linkage run the model decides again."""
    judgement = review.reverse(db, actor, judgement_id=judgement_id, reason=body.reason)
    db.commit()
    return JudgementPublic.model_validate(asdict(judgement))


@router.get("/judgements")
def judgements(
    db: SessionDep,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=review.MAX_QUEUE_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> JudgementListPublic:
    """Judgements on records you may all see, newest first."""
    found = review.recent_judgements(db, actor, limit=limit, offset=offset)
    db.commit()  # the view's audit event
    return JudgementListPublic.model_validate(asdict(found))


@router.get("/entities/{entity_id}/judgements", tags=["entities"])
def entity_judgements(entity_id: IdPath, db: SessionDep, actor: CurrentActor) -> list[JudgementPublic]:
    """Judgements on the entity or on its records' parties, newest first (on records you may all see)."""
    found = review.judgements_for_entity(db, actor, entity_id)
    db.commit()  # the view's audit event
    return [JudgementPublic.model_validate(asdict(j)) for j in found]
