"""/api/tactics: the menu of tactics; recommended tactics for a group, a candidate, an entity or a set.

Reading the menu needs ``tactic.view`` (every role that reads records; API tokens with the ``read``
scope). Recommendations read only the records you may see; for groups and candidates they also need
``group.view``. Each recommendation names its tactic by a stable slug (``tactic_id``), gives its score,
every reason (the rule and the facts it read) and whom it would be aimed at, and marks unverified menu
entries as such. Every recommendation read is audited.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.routes.groups import CandidateKeyPath
from crimelink.api.schemas.common import IdPath, StoreId
from crimelink.api.schemas.tactics import (
    RecommendationsPublic,
    TacticMenuPublic,
    TacticPublic,
)
from crimelink.domain.reference import Tactic
from crimelink.planning import Recommendation
from crimelink.services import tactics
from crimelink.services.tactics import RecommendationsView, TacticMenu

router = APIRouter(tags=["tactics"])

TacticIdPath = Annotated[
    str, Path(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=100, description="A tactic's id")
]


def _today() -> date:
    return datetime.now(UTC).date()


def tactic_public(tactic: Tactic) -> TacticPublic:
    data = tactic.model_dump(mode="json")
    return TacticPublic.model_validate(
        {
            **data,
            "display_name": tactic.display_name,
            "verification": tactic.verification,
            "url": f"/tactics/{tactic.id}",
        }
    )


def menu_public(menu: TacticMenu) -> TacticMenuPublic:
    filters = menu.filters
    return TacticMenuPublic.model_validate(
        {
            "filters": {
                "area": filters.area.value if filters.area else None,
                "four_p": filters.four_p.value if filters.four_p else None,
                "threat": filters.threat.value if filters.threat else None,
                "agency": filters.agency.value if filters.agency else None,
                "target_kind": filters.target_kind.value if filters.target_kind else None,
                "text": filters.text or None,
            },
            "areas": [
                {"area": area.value, "tactics": [tactic_public(t) for t in listed]}
                for area, listed in menu.areas
            ],
            "shown": menu.shown,
            "total": menu.total,
            "unverified_shown": menu.unverified_shown,
        }
    )


def _recommendation(item: Recommendation) -> dict[str, object]:
    tactic = item.tactic
    return {
        "tactic_id": tactic.id,
        "name": tactic.name,
        "display_name": tactic.display_name,
        "score": item.score,
        "reasons": [
            {
                "rule": r.rule,
                "text": r.text,
                "why": r.why,
                "weight": r.weight,
                "inputs": [
                    {
                        "kind": i.kind,
                        "label": i.label,
                        "detail": i.detail,
                        "entity_id": i.entity_id,
                        "record_ids": list(i.record_ids),
                    }
                    for i in r.inputs
                ],
            }
            for r in item.reasons
        ],
        "aimed_at": [
            {"entity_id": a.entity_id, "label": a.label, "kind": a.kind, "why": a.why} for a in item.aimed_at
        ],
        "owner_agencies": [a.value for a in tactic.owner_agencies],
        "legal_basis": tactic.legal_basis,
        "needs_court": tactic.needs_court,
        "verified": tactic.verified,
        "verification": tactic.verification,
        "url": f"/tactics/{tactic.id}",
    }


def recommendations_public(view: RecommendationsView) -> RecommendationsPublic:
    facts = view.facts
    return RecommendationsPublic.model_validate(
        {
            "target_kind": view.target_kind,
            "target_id": view.target_id,
            "label": facts.label,
            "recommendations": [_recommendation(item) for item in view.recommendations],
            "entities": [
                {
                    "entity_id": e.entity_id,
                    "kind": e.kind,
                    "label": e.label,
                    "child": e.child,
                    "vulnerable_adult": e.vulnerable_adult,
                }
                for e in facts.entities
            ],
            "signs": [
                {
                    "sign": s.sign,
                    "label": s.label,
                    "entity_id": s.entity_id or None,
                    "entity_label": s.entity_label,
                    "entity_kind": s.entity_kind,
                    "detail": s.detail,
                    "record_ids": list(s.record_ids),
                }
                for s in facts.signs
            ],
            "threats": [{"threat": t.threat, "record_ids": list(t.record_ids)} for t in facts.threats],
            "key_players": [
                {
                    "entity_id": k.entity_id,
                    "label": k.label,
                    "rank": k.rank,
                    "reachability_before": k.reachability_before,
                    "reachability_after": k.reachability_after,
                    "why": k.why,
                }
                for k in facts.key_players
            ],
            "record_count": view.record_count,
            "not_seen": view.not_seen,
            "marking": view.marking,
            "as_of": view.as_of,
            "rules_source": view.rules_source,
        }
    )


@router.get("/tactics")
def list_tactics(
    actor: CurrentActor,
    area: str | None = None,
    four_p: str | None = None,
    threat: str | None = None,
    agency: str | None = None,
    target_kind: str | None = None,
    text: Annotated[str | None, Query(max_length=200)] = None,
) -> TacticMenuPublic:
    """The menu, filtered by area, 4P, threat, owning agency (an agency kind), target kind and words."""
    filters = tactics.parse_menu_filters(
        area=area, four_p=four_p, threat=threat, agency=agency, target_kind=target_kind, text=text
    )
    return menu_public(tactics.tactic_menu(actor, filters))


@router.get("/tactics/{tactic_id}")
def get_tactic(tactic_id: TacticIdPath, actor: CurrentActor) -> TacticPublic:
    """One tactic: what it is, impacts, procedure, who can help, watch-outs, legal basis, court, verification."""
    return tactic_public(tactics.get_tactic(actor, tactic_id))


@router.get("/groups/{group_id}/recommended-tactics")
def group_recommendations(group_id: IdPath, db: SessionDep, actor: CurrentActor) -> RecommendationsPublic:
    """Tactics for a confirmed group, ranked, each with its reasons. Audited."""
    view = tactics.recommend_for_group(db, actor, group_id, today=_today())
    db.commit()  # the audit events
    return recommendations_public(view)


@router.get("/groups/candidates/{key}/recommended-tactics")
def candidate_recommendations(
    key: CandidateKeyPath, db: SessionDep, actor: CurrentActor
) -> RecommendationsPublic:
    """Tactics for a candidate group of your current analysis, ranked, each with its reasons. Audited."""
    view = tactics.recommend_for_candidate(db, actor, key, today=_today())
    db.commit()  # the audit events
    return recommendations_public(view)


@router.get("/entities/{entity_id}/recommended-tactics")
def entity_recommendations(entity_id: IdPath, db: SessionDep, actor: CurrentActor) -> RecommendationsPublic:
    """Tactics for one entity as the records you may see show it. Audited."""
    view = tactics.recommend_for_entity(db, actor, entity_id, today=_today())
    db.commit()  # the audit events
    return recommendations_public(view)


@router.get("/recommended-tactics")
def entities_recommendations(
    db: SessionDep,
    actor: CurrentActor,
    entity_id: Annotated[list[StoreId], Query(min_length=1, max_length=tactics.MAX_ENTITIES)],
    label: Annotated[str, Query(max_length=200)] = "",
) -> RecommendationsPublic:
    """Tactics for a hand-picked set of entities (``entity_id`` repeated), read together. Audited."""
    view = tactics.recommend_for_entities(db, actor, entity_id, label=label, today=_today())
    db.commit()  # the audit events
    return recommendations_public(view)
