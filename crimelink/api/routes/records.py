"""/api/records: search and read records through the access policy (hit / no-hit for the rest)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.api.schemas.records import HoldingNoticePublic, RecordPublic, SearchPublic
from crimelink.services.entities import record_entities
from crimelink.services.records import HoldingNotice, get_record, search_records
from crimelink.services.safeguarding_scan import screen_stored_record

router = APIRouter(prefix="/records", tags=["records"])


@router.get("/search")
def search(
    db: SessionDep,
    actor: CurrentActor,
    q: Annotated[str, Query(max_length=200, description="Name, postcode, phone, VRM or words")],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SearchPublic:
    """Records you may see that match every word; other agencies' matches only as holding notices."""
    result = search_records(db, actor, query=q, limit=limit)
    db.commit()  # the search's audit event
    return SearchPublic(
        query=result.query,
        records=[RecordPublic.model_validate(asdict(v)) for v in result.records],
        held_elsewhere=[HoldingNoticePublic.model_validate(asdict(n)) for n in result.held_elsewhere],
        truncated=result.truncated,
        capped=result.capped,
    )


@router.get("/{record_id}")
def read(record_id: IdPath, db: SessionDep, actor: CurrentActor) -> RecordPublic | HoldingNoticePublic:
    """The record, or (when the policy refuses it) only which agency holds it and whom to ask."""
    outcome = get_record(db, actor, record_id)
    db.commit()  # the view's audit event
    if isinstance(outcome, HoldingNotice):
        return HoldingNoticePublic.model_validate(asdict(outcome))
    entities = {party: ref.id for party, ref in record_entities(db, outcome).items()}
    screening = [tag.to_json() for tag in screen_stored_record(db, outcome.id)]
    return RecordPublic.model_validate(asdict(outcome) | {"entities": entities, "screening": screening})
