"""/api/groups: candidate organised crime groups from your network, confirmed groups, and the decisions.

Reading needs ``group.view`` (Organised Crime Advisors, analysts, co-ordinators; API tokens with the
``read`` scope); confirming or dismissing a candidate needs ``group.manage`` (advisors and analysts; the
``write`` scope). Candidates are found in the network of the records you may see, so two users may see
different candidates; a candidate's key stays the same while its members do. Scores and legal
assessments advise, with every input shown; people decide. Every read and decision is audited.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.api.schemas.groups import (
    CandidateProfilePublic,
    GroupConfirmCreate,
    GroupDismissCreate,
    GroupListPublic,
    GroupProfilePublic,
    GroupScoreCreate,
)
from crimelink.network.centrality import Removal
from crimelink.network.legal import DefinitionAssessment, LegalAssessment
from crimelink.network.priority import Score
from crimelink.services import group_views, groups
from crimelink.services.group_views import DismissedFilter, LinkView, ProfileView

router = APIRouter(prefix="/groups", tags=["groups"])

CandidateKeyPath = Annotated[str, Path(pattern=r"^cg-[0-9a-f]{12}$", description="A candidate group's key")]


def _today() -> date:
    return datetime.now(UTC).date()


# --- shapes ---------------------------------------------------------------------------------------


def score_data(score: Score) -> dict[str, Any]:
    data = asdict(score)
    data["inputs"] = [{**item, "source": str(item["source"])} for item in data["inputs"]]
    return data


def _definition(definition: DefinitionAssessment) -> dict[str, Any]:
    return {
        "test": definition.test,
        "title": definition.title,
        "law": definition.law,
        "status": definition.status.value,
        "summary": definition.summary,
        "limbs": [
            {
                "limb": limb.limb,
                "question": limb.question,
                "status": limb.status.value,
                "reasons": list(limb.reasons),
                "record_ids": list(limb.record_ids),
                "offences": [{**asdict(o), "display_name": o.display_name} for o in limb.offences],
            }
            for limb in definition.limbs
        ],
        "caveats": list(definition.caveats),
        "advice": definition.advice,
    }


def legal_data(legal: LegalAssessment) -> dict[str, Any]:
    return {
        "serious_crime": _definition(legal.serious_crime),
        "organised_crime": _definition(legal.organised_crime),
        "advice": legal.advice,
    }


def _key_player(removal: Removal, labels: dict[int, str | None]) -> dict[str, Any]:
    return {**asdict(removal), "entity_id": removal.node, "label": labels.get(removal.node)}


def _link(link: LinkView) -> dict[str, Any]:
    return asdict(link)


def _threats(threats: tuple[tuple[str, int], ...]) -> list[dict[str, Any]]:
    return [{"threat": threat, "evidence": count} for threat, count in threats]


def candidate_profile_public(view: ProfileView) -> CandidateProfilePublic:
    profile = view.profile
    candidate = profile.candidate
    assert candidate is not None
    dismissal = profile.dismissed_by
    return CandidateProfilePublic.model_validate(
        {
            "key": profile.key,
            "group_id": view.group_id,
            "group_name": view.group_name,
            "dismissed": {
                "reason": dismissal.reason,
                "decided_by": dismissal.decided_by,
                "decided_at": dismissal.decided_at,
            }
            if dismissal
            else None,
            "people": [asdict(m) for m in profile.members],
            "things": [asdict(m) for m in profile.things],
            "key_players": [_key_player(r, view.labels) for r in profile.key_players],
            "legal": legal_data(profile.legal),
            "scores": [score_data(s) for s in profile.scores],
            "cohesion": asdict(candidate.cohesion),
            "threats": _threats(candidate.threats),
            "strongest_links": [_link(link) for link in view.strongest_links],
            "bridges": [_link(link) for link in view.bridges],
            "as_of": view.as_of,
            "marking": view.marking,
        }
    )


def group_profile_public(view: ProfileView) -> GroupProfilePublic:
    profile = view.profile
    group = profile.group
    assert group is not None
    decision = view.decision
    return GroupProfilePublic.model_validate(
        {
            "id": group.id,
            "name": group.name,
            "aliases": list(group.aliases or []),
            "status": group.status.value,
            "structure": group.structure.value,
            "management_level": group.management_level.value if group.management_level else None,
            "lead_agency": view.lead_agency,
            "lead_officer": group.lead_officer,
            "criminality": list(group.criminality or []),
            "national_ocgm_urn": group.national_ocgm_urn,
            "notes": group.notes,
            "created_at": group.created_at,
            "updated_at": group.updated_at,
            "confirmed_by": decision.decided_by if decision else None,
            "confirmed_at": decision.decided_at if decision else None,
            "candidate_key": profile.candidate.key if profile.candidate else None,
            "members": [asdict(m) for m in profile.members],
            "new_people": [asdict(m) for m in profile.new_people],
            "missing": [asdict(m) for m in profile.missing],
            "things": [asdict(m) for m in profile.things],
            "key_players": [_key_player(r, view.labels) for r in profile.key_players],
            "legal": legal_data(profile.legal),
            "scores": [score_data(s) for s in profile.scores],
            "strongest_links": [_link(link) for link in view.strongest_links],
            "explorer_url": f"/network?group={group.id}",
            "as_of": view.as_of,
            "marking": view.marking,
        }
    )


def group_list_public(listed: group_views.GroupList) -> GroupListPublic:
    return GroupListPublic.model_validate(
        {
            "candidates": [
                {
                    "rank": row.rank,
                    "key": row.summary.key,
                    "people": row.summary.people,
                    "members": row.summary.members,
                    "threats": _threats(row.summary.threats),
                    "group_id": row.summary.group_id,
                    "group_name": row.summary.group_name,
                    "overlap": row.summary.overlap,
                    "dismissed": row.dismissed,
                    "score": score_data(row.summary.score),
                }
                for row in listed.candidates
            ],
            "groups": [
                {**asdict(row), "score": score_data(row.score) if row.score else None}
                for row in listed.groups
            ],
            "dismissed": listed.dismissed,
            "found": listed.found,
            "dismissed_count": listed.dismissed_count,
            "settings": listed.settings,
            "as_of": listed.as_of,
            "marking": listed.marking,
        }
    )


def confirmation_of(body: GroupConfirmCreate) -> groups.Confirmation:
    return groups.Confirmation(
        name=body.name,
        structure=body.structure,
        status=body.status,
        lead_agency_code=body.lead_agency or None,
        lead_officer=body.lead_officer,
        criminality=tuple(c.value for c in body.criminality),
        roles=dict(body.roles),
        confidence=dict(body.confidence),
        exclude=frozenset(body.exclude),
        reason=body.reason,
    )


# --- routes ---------------------------------------------------------------------------------------


@router.get("")
def list_groups(db: SessionDep, actor: CurrentActor, dismissed: DismissedFilter = "hide") -> GroupListPublic:
    """Candidates ranked by the local priority score (``dismissed``: hide, only or all), and the groups."""
    listed = group_views.group_list(db, actor, dismissed=dismissed, today=_today())
    db.commit()  # the network view's audit event
    return group_list_public(listed)


@router.get("/candidates/{key}")
def get_candidate(key: CandidateKeyPath, db: SessionDep, actor: CurrentActor) -> CandidateProfilePublic:
    """A candidate: people with suggested roles, key players, legal assessment, both scores, evidence."""
    view = group_views.candidate_view(db, actor, key, today=_today())
    db.commit()  # the view's audit event
    return candidate_profile_public(view)


@router.post("/candidates/{key}/confirm", status_code=status.HTTP_201_CREATED)
def confirm_candidate(
    key: CandidateKeyPath, body: GroupConfirmCreate, db: SessionDep, actor: CurrentActor
) -> GroupProfilePublic:
    """Confirm the candidate into a group record; later analyses show it as this group."""
    group = group_views.confirm(db, actor, key=key, confirmation=confirmation_of(body), today=_today())
    db.commit()
    view = group_views.group_view(db, actor, group.id, today=_today())
    db.commit()  # the view's audit event
    return group_profile_public(view)


@router.post("/candidates/{key}/dismiss")
def dismiss_candidate(
    key: CandidateKeyPath, body: GroupDismissCreate, db: SessionDep, actor: CurrentActor
) -> CandidateProfilePublic:
    """Dismiss the candidate with a reason; later analyses keep it dismissed (and off the default list)."""
    group_views.dismiss(db, actor, key=key, reason=body.reason, today=_today())
    db.commit()
    view = group_views.candidate_view(db, actor, key, today=_today())
    db.commit()  # the view's audit event
    return candidate_profile_public(view)


@router.post("/{group_id}/scores", status_code=status.HTTP_201_CREATED)
def record_score(
    group_id: IdPath, body: GroupScoreCreate, db: SessionDep, actor: CurrentActor
) -> GroupProfilePublic:
    """Score the group under one scheme with your inputs; the profile and the ranked list start from them."""
    inputs = {name: (item.value, item.reason) for name, item in body.inputs.items()}
    group_views.record_score(db, actor, group_id=group_id, scheme=body.scheme, inputs=inputs, today=_today())
    db.commit()
    view = group_views.group_view(db, actor, group_id, today=_today())
    db.commit()  # the view's audit event
    return group_profile_public(view)


@router.get("/{group_id}")
def get_group(group_id: IdPath, db: SessionDep, actor: CurrentActor) -> GroupProfilePublic:
    """A confirmed group: record, members, who the network now adds or no longer finds, assessment, scores."""
    view = group_views.group_view(db, actor, group_id, today=_today())
    db.commit()  # the view's audit event
    return group_profile_public(view)
