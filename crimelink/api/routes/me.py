"""/api/me: the JSON twin of the home page: who you are, what you may do, what you may see counted."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from crimelink.access.policy import Action, allowed
from crimelink.api.deps import CurrentUser, SessionDep
from crimelink.api.navigation import navigation
from crimelink.api.schemas.me import (
    AdminCountsPublic,
    HomePublic,
    MePublic,
    OwnDatasetPublic,
    WaitingItemPublic,
)
from crimelink.services.home import home_summary
from crimelink.services.reminders import ReminderItem

router = APIRouter(tags=["me"])


@router.get("/me")
def me(db: SessionDep, signed_in: CurrentUser) -> MePublic:
    actor = signed_in.actor
    summary = home_summary(db, actor, today=datetime.now(UTC).date())
    home = HomePublic(
        agencies=summary.agencies,
        own_datasets=(
            None
            if summary.own_datasets is None
            else [OwnDatasetPublic.model_validate(d, from_attributes=True) for d in summary.own_datasets]
        ),
        admin=(
            None
            if summary.admin is None
            else AdminCountsPublic.model_validate(summary.admin, from_attributes=True)
        ),
        overdue_actions=_waiting(summary.overdue_actions),
        pending_requests=_waiting(summary.pending_requests),
        links={link.key: link.href for link in navigation(actor)},
    )
    return MePublic(
        username=signed_in.user.username,
        display_name=signed_in.user.display_name,
        agency_code=signed_in.agency.code,
        agency_name=signed_in.agency.name,
        roles=sorted(actor.roles),
        clearance=actor.clearance,
        compartments=sorted(actor.compartments),
        purpose=actor.purpose,
        scopes=None if actor.scopes is None else sorted(actor.scopes),
        allowed_actions=[a.value for a in Action if allowed(actor, a)],
        home=home,
    )


def _waiting(items: list[ReminderItem] | None) -> list[WaitingItemPublic] | None:
    if items is None:
        return None
    return [WaitingItemPublic.model_validate(item, from_attributes=True) for item in items]
