"""/api/tokens: the JSON twin of /account/tokens. Browser sessions only: a token cannot mint tokens."""

from __future__ import annotations

from fastapi import APIRouter, status

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.api.schemas.tokens import ApiTokenCreate, ApiTokenCreated, ApiTokenPublic
from crimelink.services import auth

router = APIRouter(prefix="/tokens", tags=["API tokens"])


@router.get("")
def list_tokens(db: SessionDep, actor: CurrentActor) -> list[ApiTokenPublic]:
    """Your own tokens (never their text, which is not kept)."""
    return [ApiTokenPublic.model_validate(t) for t in auth.list_api_tokens(db, actor)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_token(body: ApiTokenCreate, db: SessionDep, actor: CurrentActor) -> ApiTokenCreated:
    """A new token for yourself; ``token`` in the answer is shown this once."""
    token, record = auth.create_api_token(
        db, actor=actor, name=body.name, scopes=body.scopes, purpose=body.purpose
    )
    db.commit()
    return ApiTokenCreated(token=token, **ApiTokenPublic.model_validate(record).model_dump())


@router.post("/{token_id}/revoke")
def revoke_token(token_id: IdPath, db: SessionDep, actor: CurrentActor) -> ApiTokenPublic:
    record = auth.revoke_api_token(db, actor=actor, token_id=token_id)
    db.commit()
    return ApiTokenPublic.model_validate(record)
