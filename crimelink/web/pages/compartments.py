"""Administration of compartments (need-to-know groups). The JSON twin is /api/compartments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.api.deps import SessionDep
from crimelink.api.schemas.compartments import CompartmentCreate
from crimelink.errors import InvalidInputError
from crimelink.services import admin
from crimelink.services.auth import SignedIn
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import parse, text
from crimelink.web.rendering import render

router = APIRouter(prefix="/admin/compartments")


def _page(
    request: Request, viewer: SignedIn, db: SessionDep, *, status_code: int = 200, **context: Any
) -> Response:
    return render(
        request,
        "compartments.html",
        viewer=viewer,
        title="Compartments",
        json_url="/api/compartments",
        nav_key="compartments",
        status_code=status_code,
        compartments=admin.list_compartments(db, viewer.actor),
        values=context.pop("values", {}),
        errors=context.pop("errors", {}),
        **context,
    )


@router.get("")
def compartments_page(request: Request, viewer: Viewer, db: SessionDep, created: str = "") -> Response:
    known = {c.code for c in admin.list_compartments(db, viewer.actor)}
    return _page(request, viewer, db, notice=f"Compartment {created} added." if created in known else "")


@router.post("")
def create_compartment(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    values = {name: text(form, name) for name in ("code", "name", "description")}
    body, errors = parse(CompartmentCreate, values)
    if body is not None:
        try:
            compartment = admin.create_compartment(
                db, caller=viewer.actor, code=body.code, name=body.name, description=body.description
            )
            db.commit()
            return RedirectResponse(f"/admin/compartments?created={compartment.code}", status_code=303)
        except InvalidInputError as exc:
            db.rollback()
            errors = dict(exc.problems)
    return _page(request, viewer, db, status_code=400, values=values, errors=errors)
