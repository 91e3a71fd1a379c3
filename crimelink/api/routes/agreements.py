"""/api/agreements: the JSON twin of /admin/agreements."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, status

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.agreements import AgreementCreate, AgreementPublic
from crimelink.api.schemas.common import IdPath
from crimelink.services import admin
from crimelink.services.admin import AgreementView

router = APIRouter(prefix="/agreements", tags=["sharing agreements"])


def agreement_public(view: AgreementView) -> AgreementPublic:
    return AgreementPublic(
        id=view.id,
        from_agency_code=view.from_agency_code,
        to_agency_code=view.to_agency_code,
        category=view.category,
        purposes=list(view.purposes),
        isa_reference=view.isa_reference,
        valid_from=view.valid_from,
        valid_until=view.valid_until,
        active=view.active,
        in_force=view.in_force(datetime.now(UTC).date()),
        created_at=view.created_at,
    )


@router.get("")
def list_agreements(db: SessionDep, actor: CurrentActor) -> list[AgreementPublic]:
    return [agreement_public(v) for v in admin.list_agreements(db, actor)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_agreement(body: AgreementCreate, db: SessionDep, actor: CurrentActor) -> AgreementPublic:
    view = admin.create_agreement(
        db,
        caller=actor,
        from_agency_code=body.from_agency_code,
        to_agency_code=body.to_agency_code,
        category=body.category,
        purposes=body.purposes,
        isa_reference=body.isa_reference,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
    )
    db.commit()
    return agreement_public(view)


@router.get("/{agreement_id}")
def get_agreement(agreement_id: IdPath, db: SessionDep, actor: CurrentActor) -> AgreementPublic:
    return agreement_public(admin.get_agreement(db, actor, agreement_id))


@router.post("/{agreement_id}/deactivate")
def deactivate_agreement(agreement_id: IdPath, db: SessionDep, actor: CurrentActor) -> AgreementPublic:
    """End the agreement now; nothing more is shared under it."""
    view = admin.deactivate_agreement(db, caller=actor, agreement_id=agreement_id)
    db.commit()
    return agreement_public(view)
