"""/api/users: the JSON twin of /admin/users."""

from __future__ import annotations

from fastapi import APIRouter, status

from crimelink.api.deps import CurrentActor, SessionDep, SettingsDep
from crimelink.api.schemas.common import IdPath
from crimelink.api.schemas.users import UserCreate, UserPublic, UserUpdate
from crimelink.services import admin

router = APIRouter(prefix="/users", tags=["users"])


@router.get("")
def list_users(db: SessionDep, actor: CurrentActor) -> list[UserPublic]:
    return [UserPublic.of(u) for u in admin.list_users(db, actor)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, db: SessionDep, actor: CurrentActor, settings: SettingsDep) -> UserPublic:
    """Add a user; the initial password must pass the password rules (422 names the problems)."""
    user = admin.create_user(
        db,
        caller=actor,
        settings=settings,
        username=body.username,
        display_name=body.display_name,
        email=body.email,
        agency_code=body.agency_code,
        roles=body.roles,
        clearance=body.clearance,
        compartments=body.compartments,
        password=body.password,
    )
    db.commit()
    return UserPublic.of(user)


@router.get("/{user_id}")
def get_user(user_id: IdPath, db: SessionDep, actor: CurrentActor) -> UserPublic:
    return UserPublic.of(admin.get_user(db, actor, user_id))


@router.patch("/{user_id}")
def update_user(user_id: IdPath, body: UserUpdate, db: SessionDep, actor: CurrentActor) -> UserPublic:
    user = admin.update_user(
        db,
        caller=actor,
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
    return UserPublic.of(user)


@router.post("/{user_id}/unlock")
def unlock_user(user_id: IdPath, db: SessionDep, actor: CurrentActor) -> UserPublic:
    """Clear a lockout after too many failed sign-ins."""
    user = admin.unlock_user(db, caller=actor, user_id=user_id)
    db.commit()
    return UserPublic.of(user)
