"""Administration of sharing agreements: list, record, deactivate. The JSON twin is /api/agreements."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from crimelink.access.policy import Action
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.agreements import AgreementCreate
from crimelink.api.schemas.common import IdPath
from crimelink.domain import DataCategory, Purpose
from crimelink.errors import InvalidInputError
from crimelink.services import admin
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import many, optional, parse, text
from crimelink.web.rendering import render, today

router = APIRouter(prefix="/admin/agreements")


@router.get("")
def agreements_page(request: Request, viewer: Viewer, db: SessionDep, created: str = "") -> Response:
    agreements = admin.list_agreements(db, viewer.actor)
    return render(
        request,
        "agreements/list.html",
        viewer=viewer,
        title="Sharing agreements",
        json_url="/api/agreements",
        nav_key="agreements",
        agreements=agreements,
        today=today(),
        notice=(
            f"Sharing agreement {created} recorded." if created in {str(a.id) for a in agreements} else ""
        ),
    )


def _form(
    request: Request,
    viewer: SignedIn,
    db: Session,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "agreements/form.html",
        viewer=viewer,
        title="Record a sharing agreement",
        json_url="/api/agreements",
        nav_key="agreements",
        status_code=status_code,
        values=values,
        errors=errors or {},
        agencies=admin.list_agencies(db, viewer.actor),
        categories=list(DataCategory),
        purposes=list(Purpose),
    )


@router.get("/new")
def new_agreement_page(request: Request, viewer: Viewer, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.AGREEMENT_MANAGE)
    return _form(request, viewer, db, values={"purposes": [], "valid_from": today().isoformat()})


@router.post("")
def create_agreement(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    values: dict[str, Any] = {
        name: text(form, name) for name in ("from_agency_code", "to_agency_code", "category", "isa_reference")
    }
    values |= {
        "purposes": many(form, "purposes"),
        "valid_from": text(form, "valid_from"),
        "valid_until": optional(form, "valid_until"),
    }
    body, errors = parse(AgreementCreate, values)
    if body is not None:
        try:
            view = admin.create_agreement(
                db,
                caller=viewer.actor,
                from_agency_code=body.from_agency_code,
                to_agency_code=body.to_agency_code,
                category=body.category,
                purposes=body.purposes,
                isa_reference=body.isa_reference,
                valid_from=body.valid_from,
                valid_until=body.valid_until,
            )
            db.commit()
            return RedirectResponse(f"/admin/agreements?created={view.id}", status_code=303)
        except InvalidInputError as exc:
            db.rollback()
            errors = dict(exc.problems)
    return _form(request, viewer, db, values=values, errors=errors, status_code=400)


@router.post("/{agreement_id}/deactivate")
def deactivate_agreement(
    request: Request, agreement_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    view = admin.deactivate_agreement(db, caller=viewer.actor, agreement_id=agreement_id)
    db.commit()
    if request.headers.get("HX-Request"):
        return render(request, "agreements/_row.html", viewer=viewer, title="", agreement=view, today=today())
    return RedirectResponse("/admin/agreements", status_code=303)
