"""The home page: what the user's roles are for, where to go next, and counts they may see."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from crimelink.api.deps import SessionDep
from crimelink.api.navigation import navigation
from crimelink.domain import UserRole
from crimelink.services.home import home_summary
from crimelink.web.deps import Viewer
from crimelink.web.rendering import render, today

router = APIRouter()

ROLE_WELCOME: dict[UserRole, str] = {
    UserRole.ORGANISED_CRIME_ADVISOR: (
        "Build the organised crime picture: find what every partner holds on a person, place or "
        "vehicle, submit and grade intelligence, and bring partners together on disruption."
    ),
    UserRole.PARTNER_OFFICER: (
        "Ask whether anyone knows a person, address, vehicle or phone, share what your service "
        "knows, and ask for disclosure when another agency holds something you need."
    ),
    UserRole.ANALYST: (
        "Search across the records partners share with your agency, submit intelligence, "
        "import your agency's registers, and map the network and its candidate organised crime groups."
    ),
    UserRole.COORDINATOR: (
        "Follow the partnership's work: search the records shared with your agency and see who "
        "holds what on the people and places the plan is about."
    ),
    UserRole.DECONFLICTION_DESK: (
        "Check people, places and vehicles against what partners hold before activity goes "
        "ahead, so that no agency gets in another's way."
    ),
    UserRole.SAFEGUARDING_LEAD: (
        "Act on safeguarding alerts about children and adults at risk found in exploitation "
        "intelligence, search the records shared with you for safeguarding, and ask partners for "
        "what they hold on the people concerned."
    ),
    UserRole.AUDITOR: (
        "Read the audit trail: who signed in, searched, saw, changed and disclosed what, and "
        "check that the trail has not been altered."
    ),
    UserRole.ADMINISTRATOR: (
        "Manage agencies, users, compartments and the sharing agreements that decide what each "
        "partner sees. Managing them does not let you read partner records."
    ),
}


@router.get("/")
def home(request: Request, viewer: Viewer, db: SessionDep) -> Response:
    actor = viewer.actor
    summary = home_summary(db, actor, today=today())
    return render(
        request,
        "home.html",
        viewer=viewer,
        title=f"Welcome, {viewer.user.display_name}",
        json_url="/api/me",
        nav_key="home",
        summary=summary,
        welcomes=[(role, ROLE_WELCOME[role]) for role in UserRole if role in actor.roles],
        next_steps=[link for link in navigation(actor) if link.key not in {"home", "tokens"}],
    )
