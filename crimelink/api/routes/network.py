"""/api/network: the network of people, places and things you may see, and paths through it.

Reading needs ``network.view`` (every reader; API tokens with the ``read`` scope). The network is built
only from the current records you may see, so a node, a name, a link or its evidence from a record you
may not see never appears. Focusing on a candidate or a confirmed group also needs ``group.view``.
Every view is audited.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import MAX_ID
from crimelink.api.schemas.network import NetworkPublic, PathPublic
from crimelink.domain import CriminalityType
from crimelink.services import explorer

router = APIRouter(prefix="/network", tags=["network"])

EntityQuery = Annotated[int, Query(ge=1, le=MAX_ID)]
CandidateKey = Annotated[str, Query(pattern=r"^cg-[0-9a-f]{12}$", description="A candidate group's key")]
Threats = Annotated[
    list[CriminalityType] | None,
    Query(description="Only records tagged with one of these threat areas are evidence (repeat for more)"),
]


def _filters(
    threat: list[CriminalityType] | None,
    since: date | None,
    until: date | None,
    *,
    group: int | None = None,
    candidate: str | None = None,
    entity: int | None = None,
    radius: int = 1,
    max_nodes: int = explorer.DEFAULT_MAX_NODES,
) -> explorer.ExplorerFilters:
    return explorer.ExplorerFilters(
        threats=tuple(t.value for t in threat or ()),
        since=since,
        until=until,
        group_id=group,
        candidate=candidate,
        entity_id=entity,
        radius=radius,
        max_nodes=max_nodes,
    )


def network_public(view: explorer.NetworkView) -> NetworkPublic:
    return NetworkPublic.model_validate({**view.payload, "focus": view.focus, "marking": view.marking})


@router.get("")
def get_network(
    db: SessionDep,
    actor: CurrentActor,
    threat: Threats = None,
    since: date | None = None,
    until: date | None = None,
    group: Annotated[int | None, Query(ge=1, le=MAX_ID, description="A confirmed group's id")] = None,
    candidate: CandidateKey | None = None,
    entity: Annotated[int | None, Query(ge=1, le=MAX_ID, description="An entity to centre on")] = None,
    radius: Annotated[int, Query(ge=1, le=2, description="Links out from the entity: 1 or 2")] = 1,
    max_nodes: Annotated[int, Query(ge=1, le=explorer.MAX_NODES_LIMIT)] = explorer.DEFAULT_MAX_NODES,
) -> NetworkPublic:
    """Part of your network as Cytoscape.js elements: one focus (group, candidate or entity) at most.

    Without a focus: the filtered network, or without filters the members of the current candidate groups
    (for roles that may read groups); at most ``max_nodes`` entities, the most strongly linked first.
    """
    filters = _filters(
        threat,
        since,
        until,
        group=group,
        candidate=candidate,
        entity=entity,
        radius=radius,
        max_nodes=max_nodes,
    )
    view = explorer.explore(db, actor, filters, today=datetime.now(UTC).date())
    db.commit()  # the view's audit event
    return network_public(view)


def path_public(path: explorer.PathView) -> PathPublic:
    hops: list[dict[str, Any]] = [
        {
            "from": hop.from_id,
            "to": hop.to_id,
            "from_label": hop.from_label,
            "to_label": hop.to_label,
            "edge": hop.edge,
            "weight": hop.weight,
            "evidence": [asdict(item) for item in hop.evidence],
        }
        for hop in path.hops
    ]
    return PathPublic.model_validate(
        {
            "found": path.found,
            "reason": path.reason,
            "hops": hops,
            "network": {**path.payload, "focus": "The path", "marking": path.marking},
        }
    )


@router.get("/path")
def get_path(
    db: SessionDep,
    actor: CurrentActor,
    source: Annotated[int, Query(alias="from", ge=1, le=MAX_ID, description="Entity id at one end")],
    target: Annotated[int, Query(alias="to", ge=1, le=MAX_ID, description="Entity id at the other end")],
    threat: Threats = None,
    since: date | None = None,
    until: date | None = None,
) -> PathPublic:
    """The strongest-evidence chain of links between two entities, with the evidence on every hop.

    A link's length is 1 / its evidence weight, so strong evidence beats few hops. ``found`` is false
    (with the reason) when the two are not connected in what you may see.
    """
    path = explorer.find_path(
        db,
        actor,
        source=source,
        target=target,
        filters=_filters(threat, since, until),
        today=datetime.now(UTC).date(),
    )
    db.commit()  # the search's audit event
    return path_public(path)
