"""/api/agencies: the JSON twin of /admin/agencies."""

from __future__ import annotations

from fastapi import APIRouter, status

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.agencies import AgencyCreate, AgencyPublic, AgencyUpdate
from crimelink.services import admin

router = APIRouter(prefix="/agencies", tags=["agencies"])


@router.get("")
def list_agencies(db: SessionDep, actor: CurrentActor) -> list[AgencyPublic]:
    """Every partner agency (administrators; the ``admin`` scope for tokens)."""
    return [AgencyPublic.model_validate(a) for a in admin.list_agencies(db, actor)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_agency(body: AgencyCreate, db: SessionDep, actor: CurrentActor) -> AgencyPublic:
    agency = admin.create_agency(
        db, caller=actor, code=body.code, name=body.name, kind=body.kind, contact=body.contact
    )
    db.commit()
    return AgencyPublic.model_validate(agency)


@router.get("/{code}")
def get_agency(code: str, db: SessionDep, actor: CurrentActor) -> AgencyPublic:
    return AgencyPublic.model_validate(admin.get_agency(db, actor, code))


@router.patch("/{code}")
def update_agency(code: str, body: AgencyUpdate, db: SessionDep, actor: CurrentActor) -> AgencyPublic:
    agency = admin.update_agency(
        db, caller=actor, code=code, name=body.name, kind=body.kind, contact=body.contact
    )
    db.commit()
    return AgencyPublic.model_validate(agency)
