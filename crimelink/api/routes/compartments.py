"""/api/compartments: the JSON twin of /admin/compartments."""

from __future__ import annotations

from fastapi import APIRouter, status

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.compartments import CompartmentCreate, CompartmentPublic
from crimelink.services import admin

router = APIRouter(prefix="/compartments", tags=["compartments"])


@router.get("")
def list_compartments(db: SessionDep, actor: CurrentActor) -> list[CompartmentPublic]:
    return [CompartmentPublic.model_validate(c) for c in admin.list_compartments(db, actor)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_compartment(body: CompartmentCreate, db: SessionDep, actor: CurrentActor) -> CompartmentPublic:
    compartment = admin.create_compartment(
        db, caller=actor, code=body.code, name=body.name, description=body.description
    )
    db.commit()
    return CompartmentPublic.model_validate(compartment)
