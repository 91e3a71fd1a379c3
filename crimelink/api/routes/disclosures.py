"""/api/disclosures: ask another agency for records you may not see; decide requests made to yours."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, status

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.api.schemas.disclosures import DisclosureCreate, DisclosureDecision, DisclosurePublic
from crimelink.services import disclosure

router = APIRouter(prefix="/disclosures", tags=["disclosures"])


def _public(db: SessionDep, actor: CurrentActor, request_id: int) -> DisclosurePublic:
    for summary in disclosure.my_requests(db, actor) + disclosure.requests_to_decide(db, actor):
        if summary.id == request_id:
            return DisclosurePublic.model_validate(asdict(summary))
    raise AssertionError("a request just written is visible to its writer")  # pragma: no cover


@router.get("/mine")
def mine(db: SessionDep, actor: CurrentActor) -> list[DisclosurePublic]:
    """Requests raised by your agency and their outcomes."""
    return [DisclosurePublic.model_validate(asdict(s)) for s in disclosure.my_requests(db, actor)]


@router.get("/to-decide")
def to_decide(db: SessionDep, actor: CurrentActor) -> list[DisclosurePublic]:
    """Requests addressed to your agency (for those who may decide them)."""
    return [DisclosurePublic.model_validate(asdict(s)) for s in disclosure.requests_to_decide(db, actor)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create(body: DisclosureCreate, db: SessionDep, actor: CurrentActor) -> list[DisclosurePublic]:
    created = disclosure.request_disclosure(
        db, actor, record_ids=body.record_ids, justification=body.justification
    )
    db.commit()
    return [_public(db, actor, r.id) for r in created]


@router.post("/{request_id}/decision")
def decide(
    request_id: IdPath, body: DisclosureDecision, db: SessionDep, actor: CurrentActor
) -> DisclosurePublic:
    """Grant (recording the lawful basis and any conditions) or refuse a request to your agency."""
    request = disclosure.decide_disclosure(
        db,
        actor,
        request_id=request_id,
        grant=body.grant,
        lawful_basis=body.lawful_basis,
        conditions=body.conditions,
        note=body.note,
        expires_on=body.expires_on,
    )
    db.commit()
    return _public(db, actor, request.id)
