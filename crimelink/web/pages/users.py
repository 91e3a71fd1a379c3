"""Administration of users: add, edit roles / clearance / compartments / active, unlock.

The JSON twin is /api/users. User pages are OFFICIAL-SENSITIVE: they show who is in which
need-to-know compartment.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from crimelink.access.policy import Action
from crimelink.api.deps import SessionDep, SettingsDep
from crimelink.api.schemas.common import IdPath
from crimelink.api.schemas.users import UserCreate, UserPublic, UserUpdate
from crimelink.domain import Classification, UserRole
from crimelink.errors import InvalidInputError
from crimelink.services import admin
from crimelink.services.auth import SignedIn
from crimelink.services.callers import authorise
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import many, parse, text
from crimelink.web.rendering import render

router = APIRouter(prefix="/admin/users")
_MARKING = Classification.OFFICIAL_SENSITIVE


@router.get("")
def users_page(
    request: Request, viewer: Viewer, db: SessionDep, added: str = "", saved: str = "", unlocked: str = ""
) -> Response:
    users = [UserPublic.of(u) for u in admin.list_users(db, viewer.actor)]
    known = {u.username for u in users}
    notice = next(
        (
            f"User {name} {verb}."
            for name, verb in ((added, "added"), (saved, "saved"), (unlocked, "unlocked"))
            if name in known
        ),
        "",
    )
    return render(
        request,
        "users/list.html",
        viewer=viewer,
        title="Users",
        marking=_MARKING,
        json_url="/api/users",
        nav_key="users",
        users=users,
        notice=notice,
    )


def _form(
    request: Request,
    viewer: SignedIn,
    db: Session,
    *,
    user: UserPublic | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "users/form.html",
        viewer=viewer,
        marking=_MARKING,
        title=f"Edit user {user.username}" if user else "Add a user",
        json_url=f"/api/users/{user.id}" if user else "/api/users",
        nav_key="users",
        status_code=status_code,
        user=user,
        values=values,
        errors=errors or {},
        agencies=admin.list_agencies(db, viewer.actor),
        roles=list(UserRole),
        clearances=list(Classification),
        compartments=admin.list_compartments(db, viewer.actor),
        password_min_length=request.app.state.settings.password_min_length,
    )


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: text(form, name) for name in ("username", "display_name", "email", "agency_code", "clearance")
    }
    values["roles"] = many(form, "roles")
    values["compartments"] = many(form, "compartments")
    return values


@router.get("/new")
def new_user_page(request: Request, viewer: Viewer, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.USER_MANAGE)
    values = {"clearance": Classification.OFFICIAL.value, "roles": [], "compartments": []}
    return _form(request, viewer, db, user=None, values=values)


@router.post("")
def create_user(
    request: Request, viewer: Viewer, form: CheckedForm, db: SessionDep, settings: SettingsDep
) -> Response:
    values = _values(form)
    password = form.get("password")
    body, errors = parse(UserCreate, values | {"password": password if isinstance(password, str) else None})
    if body is not None:
        try:
            user = admin.create_user(
                db,
                caller=viewer.actor,
                settings=settings,
                username=body.username,
                display_name=body.display_name,
                email=body.email,
                agency_code=body.agency_code,
                roles=body.roles,
                clearance=body.clearance,
                compartments=body.compartments,
                password=body.password or None,
            )
            db.commit()
            return RedirectResponse(f"/admin/users?added={user.username}", status_code=303)
        except InvalidInputError as exc:
            db.rollback()
            errors = dict(exc.problems)
    return _form(request, viewer, db, user=None, values=values, errors=errors, status_code=400)


@router.get("/{user_id}/edit")
def edit_user_page(request: Request, user_id: IdPath, viewer: Viewer, db: SessionDep) -> Response:
    user = UserPublic.of(admin.get_user(db, viewer.actor, user_id))
    values = user.model_dump(mode="json")
    return _form(request, viewer, db, user=user, values=values)


@router.post("/{user_id}")
def update_user(
    request: Request, user_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    user = UserPublic.of(admin.get_user(db, viewer.actor, user_id))
    values = _values(form) | {"active": form.get("active") == "on"}
    body, errors = parse(UserUpdate, {k: v for k, v in values.items() if k != "username"})
    if body is not None:
        try:
            admin.update_user(
                db,
                caller=viewer.actor,
                user_id=user_id,
                display_name=body.display_name,
                email=body.email,
                agency_code=body.agency_code,
                roles=body.roles,
                clearance=body.clearance,
                compartments=body.compartments,
                active=body.active,
            )
            db.commit()
            return RedirectResponse(f"/admin/users?saved={user.username}", status_code=303)
        except InvalidInputError as exc:
            db.rollback()
            errors = dict(exc.problems)
    return _form(
        request,
        viewer,
        db,
        user=user,
        values=values | {"username": user.username},
        errors=errors,
        status_code=400,
    )


@router.post("/{user_id}/unlock")
def unlock_user(
    request: Request, user_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    user = admin.unlock_user(db, caller=viewer.actor, user_id=user_id)
    db.commit()
    if request.headers.get("HX-Request"):
        return render(
            request,
            "users/_row.html",
            viewer=viewer,
            title="",
            user=UserPublic.of(user),
        )
    return RedirectResponse(f"/admin/users?unlocked={user.username}", status_code=303)
