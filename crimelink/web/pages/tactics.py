"""The menu of tactics, one tactic's profile, and recommended tactics for a group, candidate or entities.

JSON twins: /api/tactics, /api/tactics/{id}, /api/groups/{id}/recommended-tactics,
/api/groups/candidates/{key}/recommended-tactics, /api/entities/{id}/recommended-tactics and
/api/recommended-tactics?entity_id=... . The menu is filtered by area of a criminal's life, 4P, threat,
owning agency, target kind and words; unverified entries are marked [U]. A recommendation lists each
tactic with its score, every reason (the fact, from records you may see, and the rule) and whom it would
be aimed at. Each recommendation carries its tactic's slug (``data-tactic``) so a plan can take it up.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from crimelink.access import Action, allowed
from crimelink.api.deps import SessionDep
from crimelink.api.routes.groups import CandidateKeyPath
from crimelink.api.routes.tactics import TacticIdPath
from crimelink.api.schemas.common import IdPath
from crimelink.domain import AgencyKind, Classification, CriminalityType, FourP, LifestyleArea
from crimelink.domain.reference import TargetKind
from crimelink.errors import InvalidInputError
from crimelink.services import tactics
from crimelink.services.auth import SignedIn
from crimelink.services.tactics import RecommendationsView
from crimelink.web.deps import Viewer
from crimelink.web.pages.records import without_nul
from crimelink.web.pages.safeguarding import threat_label
from crimelink.web.rendering import render, today

router = APIRouter()

AREA_LABELS = {
    LifestyleArea.LIFESTYLE: "Lifestyle",
    LifestyleArea.BEHAVIOUR: "Behaviour",
    LifestyleArea.VEHICLES: "Vehicles",
    LifestyleArea.TRAVEL: "Travel",
    LifestyleArea.BUSINESS: "Business",
    LifestyleArea.CRIME: "Crime",
}
FOUR_P_LABELS = {
    FourP.PURSUE: "Pursue",
    FourP.PREVENT: "Prevent",
    FourP.PROTECT: "Protect",
    FourP.PREPARE: "Prepare",
}
AGENCY_LABELS = {
    AgencyKind.POLICE_BCU: "Police (BCU)",
    AgencyKind.POLICE_FORCE_SOC: "Police (force SOC)",
    AgencyKind.ROCU: "ROCU",
    AgencyKind.NCA: "NCA",
    AgencyKind.LA_LICENSING: "Council licensing",
    AgencyKind.LA_TRADING_STANDARDS: "Trading standards",
    AgencyKind.LA_HOUSING: "Council housing",
    AgencyKind.LA_PLANNING: "Council planning",
    AgencyKind.LA_ENV_HEALTH: "Environmental health",
    AgencyKind.LA_ENV_ENFORCEMENT: "Environmental enforcement",
    AgencyKind.LA_CHILDRENS_SC: "Children's social care",
    AgencyKind.LA_ADULT_SC: "Adult social care",
    AgencyKind.LA_COMMUNITY_SAFETY: "Community safety",
    AgencyKind.GLAA: "GLAA",
    AgencyKind.BORDER_FORCE: "Border Force",
    AgencyKind.IMMIGRATION_ENFORCEMENT: "Immigration Enforcement",
    AgencyKind.HMRC: "HMRC",
    AgencyKind.DVLA: "DVLA",
    AgencyKind.DWP: "DWP",
    AgencyKind.ENVIRONMENT_AGENCY: "Environment Agency",
    AgencyKind.FIRE_RESCUE: "Fire and rescue",
    AgencyKind.MOPAC_PCC: "MOPAC / PCC",
    AgencyKind.CPS: "CPS",
    AgencyKind.HEALTH: "Health",
    AgencyKind.EDUCATION: "Education",
    AgencyKind.PROBATION: "Probation",
    AgencyKind.VCS: "Voluntary and community sector",
}
TARGET_KIND_LABELS = {
    TargetKind.PERSON: "Person",
    TargetKind.PREMISES: "Premises",
    TargetKind.BUSINESS: "Business",
    TargetKind.VEHICLE: "Vehicle",
    TargetKind.GROUP: "Group",
    TargetKind.PLACE: "Place",
}
FILTER_LABELS = {
    "area": "Area of life",
    "four_p": "4P",
    "threat": "Threat",
    "agency": "Owning agency",
    "target_kind": "Used against",
    "text": "Words",
    "entity_ids": "Entity numbers",
}
TARGET_TITLES = {
    "group": "Recommended tactics for {label}",
    "candidate": "Recommended tactics for {label}",
    "entity": "Recommended tactics for {label}",
    "entities": "Recommended tactics for {label}",
}


def agency_label(code: str) -> str:
    """An agency kind in words.

    >>> agency_label("GLAA"), agency_label("LA_LICENSING")
    ('GLAA', 'Council licensing')
    """
    try:
        return AGENCY_LABELS[AgencyKind(code)]
    except ValueError:
        return code


def _shared() -> dict[str, Any]:
    return {
        "AREA_LABELS": {k.value: v for k, v in AREA_LABELS.items()},
        "FOUR_P_LABELS": {k.value: v for k, v in FOUR_P_LABELS.items()},
        "TARGET_KIND_LABELS": {k.value: v for k, v in TARGET_KIND_LABELS.items()},
        "agency_label": agency_label,
        "threat_label": threat_label,
    }


def _options() -> dict[str, list[tuple[str, str]]]:
    return {
        "area": [(k.value, v) for k, v in AREA_LABELS.items()],
        "four_p": [(k.value, v) for k, v in FOUR_P_LABELS.items()],
        "threat": sorted(((t.value, threat_label(t.value)) for t in CriminalityType), key=lambda o: o[1]),
        "agency": sorted(((k.value, v) for k, v in AGENCY_LABELS.items()), key=lambda o: o[1]),
        "target_kind": [(k.value, v) for k, v in TARGET_KIND_LABELS.items()],
    }


@router.get("/tactics")
def menu_page(
    request: Request,
    viewer: Viewer,
    area: str = "",
    four_p: str = "",
    threat: str = "",
    agency: str = "",
    target_kind: str = "",
    text: str = "",
) -> Response:
    values = {
        "area": area,
        "four_p": four_p,
        "threat": threat,
        "agency": agency,
        "target_kind": target_kind,
        "text": without_nul(text),
    }
    errors: dict[str, str] = {}
    try:
        filters = tactics.parse_menu_filters(**values)
    except InvalidInputError as exc:
        errors = dict(exc.problems)
        filters = tactics.MenuFilters()
    menu = tactics.tactic_menu(viewer.actor, filters)
    query = "&".join(f"{k}={v}" for k, v in values.items() if v and k not in errors)
    return render(
        request,
        "tactics/menu.html",
        viewer=viewer,
        title="Menu of tactics",
        nav_key="tactics",
        json_url="/api/tactics" + (f"?{query}" if query else ""),
        status_code=422 if errors else 200,
        menu=menu,
        values=values,
        errors=errors,
        labels=FILTER_LABELS,
        options=_options(),
        **_shared(),
    )


@router.get("/tactics/recommended")
def chosen_entities_page(
    request: Request,
    viewer: Viewer,
    db: SessionDep,
    entity_ids: str = "",
    label: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    values = {"entity_ids": without_nul(entity_ids), "label": without_nul(label)}
    if not values["entity_ids"].strip():
        return _choose_page(request, viewer, values, {})
    numbers = [part for part in values["entity_ids"].replace(",", " ").split() if part]
    bad = [part for part in numbers if not part.isdigit() or len(part) > 18 or int(part) < 1]
    if bad:
        return _choose_page(
            request, viewer, values, {"entity_ids": f"{bad[0]!r} is not an entity number; give numbers only"}
        )
    try:
        view = tactics.recommend_for_entities(
            db, viewer.actor, [int(n) for n in numbers], label=values["label"], today=today()
        )
    except InvalidInputError as exc:
        db.rollback()
        return _choose_page(request, viewer, values, dict(exc.problems))
    db.commit()  # the audit events
    json_url = "/api/recommended-tactics?" + "&".join(f"entity_id={n}" for n in numbers)
    return _recommendations_page(
        request, viewer, view, json_url=json_url, back=("/tactics", "Menu of tactics")
    )


def _choose_page(
    request: Request, viewer: SignedIn, values: dict[str, str], errors: dict[str, str]
) -> Response:
    return render(
        request,
        "tactics/choose.html",
        viewer=viewer,
        title="Recommend tactics for entities you choose",
        nav_key="tactics",
        status_code=422 if errors else 200,
        values=values,
        errors=errors,
        labels=FILTER_LABELS,
    )


@router.get("/tactics/{tactic_id}")
def tactic_page(request: Request, tactic_id: TacticIdPath, viewer: Viewer) -> Response:
    tactic = tactics.get_tactic(viewer.actor, tactic_id)
    return render(
        request,
        "tactics/tactic.html",
        viewer=viewer,
        title=tactic.display_name,
        nav_key="tactics",
        json_url=f"/api/tactics/{tactic.id}",
        tactic=tactic,
        **_shared(),
    )


def _recommendations_page(
    request: Request, viewer: SignedIn, view: RecommendationsView, *, json_url: str, back: tuple[str, str]
) -> Response:
    return render(
        request,
        "tactics/recommended.html",
        viewer=viewer,
        title=TARGET_TITLES[view.target_kind].format(label=view.facts.label),
        marking=Classification(view.marking),
        nav_key="tactics",
        json_url=json_url,
        view=view,
        back=back,
        # "Add to the plan" for a confirmed group: its disruption plan's add-action form, the tactic chosen.
        add_to_plan=f"/groups/{view.target_id}/plan"
        if view.target_kind == "group" and allowed(viewer.actor, Action.PLAN_MANAGE)
        else "",
        **_shared(),
    )


@router.get("/groups/{group_id}/tactics")
def group_recommendations_page(
    request: Request, group_id: IdPath, viewer: Viewer, db: SessionDep
) -> Response:
    view = tactics.recommend_for_group(db, viewer.actor, group_id, today=today())
    db.commit()  # the audit events
    return _recommendations_page(
        request,
        viewer,
        view,
        json_url=f"/api/groups/{group_id}/recommended-tactics",
        back=(f"/groups/{group_id}", view.facts.label),
    )


@router.get("/groups/candidates/{key}/tactics")
def candidate_recommendations_page(
    request: Request, key: CandidateKeyPath, viewer: Viewer, db: SessionDep
) -> Response:
    view = tactics.recommend_for_candidate(db, viewer.actor, key, today=today())
    db.commit()  # the audit events
    return _recommendations_page(
        request,
        viewer,
        view,
        json_url=f"/api/groups/candidates/{key}/recommended-tactics",
        back=(f"/groups/candidates/{key}", f"Candidate {key}"),
    )


@router.get("/entities/{entity_id}/tactics")
def entity_recommendations_page(
    request: Request, entity_id: IdPath, viewer: Viewer, db: SessionDep
) -> Response:
    view = tactics.recommend_for_entity(db, viewer.actor, entity_id, today=today())
    db.commit()  # the audit events
    return _recommendations_page(
        request,
        viewer,
        view,
        json_url=f"/api/entities/{entity_id}/recommended-tactics",
        back=(f"/entities/{entity_id}", view.facts.label),
    )
