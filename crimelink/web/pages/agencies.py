"""Administration of partner agencies. The JSON twin is /api/agencies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access.policy import Action
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.agencies import AgencyCreate, AgencyUpdate
from crimelink.domain import AgencyKind
from crimelink.errors import InvalidInputError
from crimelink.services import admin
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import parse, text
from crimelink.web.rendering import render

router = APIRouter(prefix="/admin/agencies")


@router.get("")
def agencies_page(
    request: Request, viewer: Viewer, db: SessionDep, created: str = "", updated: str = ""
) -> Response:
    agencies = admin.list_agencies(db, viewer.actor)
    codes = {a.code for a in agencies}
    notice = (
        f"Agency {created} added."
        if created in codes
        else (f"Agency {updated} saved." if updated in codes else "")
    )
    return render(
        request,
        "agencies/list.html",
        viewer=viewer,
        title="Agencies",
        json_url="/api/agencies",
        nav_key="agencies",
        agencies=agencies,
        notice=notice,
    )


def _form(
    request: Request,
    viewer: SignedIn,
    *,
    code: str | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "agencies/form.html",
        viewer=viewer,
        title=f"Edit agency {code}" if code else "Add an agency",
        json_url=f"/api/agencies/{code}" if code else "/api/agencies",
        nav_key="agencies",
        status_code=status_code,
        code=code,
        values=values,
        errors=errors or {},
        kinds=list(AgencyKind),
    )


@router.get("/new")
def new_agency_page(request: Request, viewer: Viewer) -> Response:
    authorise(viewer.actor, Action.AGENCY_MANAGE)
    return _form(request, viewer, code=None, values={})


def _values(form: Any) -> dict[str, str]:
    return {name: text(form, name) for name in ("code", "name", "kind", "contact")}


@router.post("")
def create_agency(request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    values = _values(form)
    body, errors = parse(AgencyCreate, values)
    if body is not None:
        try:
            agency = admin.create_agency(
                db, caller=viewer.actor, code=body.code, name=body.name, kind=body.kind, contact=body.contact
            )
            db.commit()
            return RedirectResponse(f"/admin/agencies?created={agency.code}", status_code=303)
        except InvalidInputError as exc:
            db.rollback()
            errors = dict(exc.problems)
    return _form(request, viewer, code=None, values=values, errors=errors, status_code=400)


@router.get("/{code}/edit")
def edit_agency_page(request: Request, code: str, viewer: Viewer, db: SessionDep) -> Response:
    agency = admin.get_agency(db, viewer.actor, code)
    values = {"code": agency.code, "name": agency.name, "kind": agency.kind.value, "contact": agency.contact}
    return _form(request, viewer, code=agency.code, values=values)


@router.post("/{code}")
def update_agency(request: Request, code: str, viewer: Viewer, form: CheckedForm, db: SessionDep) -> Response:
    agency = admin.get_agency(db, viewer.actor, code)
    values = _values(form) | {"code": agency.code}
    body, errors = parse(AgencyUpdate, {k: v for k, v in values.items() if k != "code"})
    if body is not None:
        try:
            admin.update_agency(
                db,
                caller=viewer.actor,
                code=agency.code,
                name=body.name,
                kind=body.kind,
                contact=body.contact,
            )
            db.commit()
            return RedirectResponse(f"/admin/agencies?updated={agency.code}", status_code=303)
        except InvalidInputError as exc:
            db.rollback()
            errors = dict(exc.problems)
    return _form(request, viewer, code=agency.code, values=values, errors=errors, status_code=400)
