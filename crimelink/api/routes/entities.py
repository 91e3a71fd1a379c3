"""/api/entities and /api/reports/cross-agency: who else knows this person, place or thing?

Content only from records the policy lets you see; of the rest, which agency holds how many and
whom to ask (hit / no-hit). Every read is audited.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.api.schemas.entities import CrossAgencyReportPublic, EntityHoldingsPublic, EntityPublic
from crimelink.domain import EntityKind
from crimelink.services.cross_agency import MAX_REPORT_LIMIT, cross_agency_report
from crimelink.services.entities import agencies_knowing, get_entity

router = APIRouter()


@router.get("/entities/{entity_id}", tags=["entities"])
def read(entity_id: IdPath, db: SessionDep, actor: CurrentActor) -> EntityPublic:
    """The entity as the records you may see describe it, by agency; a merged id gives its survivor."""
    view = get_entity(db, actor, entity_id)
    db.commit()  # the view's audit event
    return EntityPublic.model_validate(asdict(view))


@router.get("/entities/{entity_id}/holdings", tags=["entities"])
def holdings(entity_id: IdPath, db: SessionDep, actor: CurrentActor) -> EntityHoldingsPublic:
    """Which agencies hold records on the entity, how many, and whom to ask (hit / no-hit)."""
    found = agencies_knowing(db, actor, entity_id)
    db.commit()  # the audit event
    return EntityHoldingsPublic.model_validate(asdict(found))


@router.get("/reports/cross-agency", tags=["reports"])
def cross_agency(
    db: SessionDep,
    actor: CurrentActor,
    min_agencies: Annotated[int, Query(ge=2, le=100, description="Known to at least this many agencies")] = 2,
    kind: Annotated[EntityKind | None, Query(description="Only entities of this kind")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_REPORT_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> CrossAgencyReportPublic:
    """Entities known to several agencies, most agencies first; names only from records you may see."""
    report = cross_agency_report(db, actor, min_agencies=min_agencies, kind=kind, limit=limit, offset=offset)
    db.commit()  # the report's audit event
    return CrossAgencyReportPublic.model_validate(asdict(report))
