"""Your API tokens: create (shown once), list and revoke. The JSON twin is /api/tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access.policy import TOKEN_SCOPES
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.domain import Classification, Purpose
from crimelink.errors import InvalidInputError
from crimelink.services import auth
from crimelink.services.auth import SignedIn
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import many, text
from crimelink.web.labels import SCOPE_LABELS
from crimelink.web.rendering import render

router = APIRouter(prefix="/account/tokens")


def _page(
    request: Request, viewer: SignedIn, db: SessionDep, *, status_code: int = 200, **context: Any
) -> Response:
    new_token = context.get("new_token")
    return render(
        request,
        "tokens.html",
        viewer=viewer,
        title="API tokens",
        # A page showing a live credential is marked up: it must not be printed or pasted around.
        marking=Classification.OFFICIAL_SENSITIVE if new_token else Classification.OFFICIAL,
        status_code=status_code,
        json_url="/api/tokens",
        nav_key="tokens",
        tokens=auth.list_api_tokens(db, viewer.actor),
        scopes=[(scope, SCOPE_LABELS.get(scope, scope)) for scope in sorted(TOKEN_SCOPES)],
        purposes=list(Purpose),
        errors=context.pop("errors", {}),
        **context,
    )


@router.get("")
def tokens_page(request: Request, viewer: Viewer, db: SessionDep) -> Response:
    return _page(request, viewer, db, values={"purpose": viewer.actor.purpose.value, "scopes": []})


@router.post("")
def create_token(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    name, scopes, purpose_value = text(form, "name"), many(form, "scopes"), text(form, "purpose")
    values = {"name": name, "scopes": scopes, "purpose": purpose_value}
    if purpose_value and purpose_value not in {p.value for p in Purpose}:
        errors = {"purpose": "choose a purpose"}
        return _page(request, viewer, db, status_code=400, values=values, errors=errors)
    try:
        token, record = auth.create_api_token(
            db,
            actor=viewer.actor,
            name=name,
            scopes=scopes,
            purpose=Purpose(purpose_value) if purpose_value else None,
        )
    except InvalidInputError as exc:
        db.rollback()
        return _page(request, viewer, db, status_code=400, values=values, errors=dict(exc.problems))
    db.commit()
    return _page(request, viewer, db, status_code=201, new_token=token, new_record=record, values={})


@router.post("/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    record = auth.revoke_api_token(db, actor=viewer.actor, token_id=token_id)
    db.commit()
    if request.headers.get("HX-Request"):
        return render(request, "_token_row.html", viewer=viewer, title="", token=record)
    return RedirectResponse("/account/tokens", status_code=303)
