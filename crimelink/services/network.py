"""The organised crime picture as one actor may see it: the network over the records they may see.

The access policy decides every current record once (:class:`~crimelink.services.entities.RecordVisibility`);
only the records it allows reach :mod:`crimelink.network.store`, so a record the actor may not see adds
no link, no entity and no fact or name to one. Filters narrow the evidence to records tagged with any of
some threat areas and to a window of record dates (event date, else the day received); the other
visible records still name the entities in it and say who is a child or an adult at risk.

:func:`network_json` turns a network into Cytoscape.js elements for the network page and the API.
"""

from __future__ import annotations

import hashlib
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from crimelink.access import Action, Actor, load_access_context
from crimelink.domain import CriminalityType
from crimelink.errors import InvalidInputError
from crimelink.network.model import Network
from crimelink.network.store import read_network
from crimelink.network.weights import DEFAULT_RULES, WeightRules
from crimelink.services.callers import authorise, record_event
from crimelink.services.entities import RecordVisibility, current_version
from crimelink.services.record_screening import screened_threats
from crimelink.store.models import (
    Entity,
    EntityMerge,
    EntityRelationship,
    RecordEntityLink,
    RecordScreening,
    RelationshipEvidence,
    SourceRecord,
)


def network_for(
    session: Session,
    actor: Actor,
    *,
    today: date | None = None,
    threats: Iterable[CriminalityType | str] | None = None,
    since: date | None = None,
    until: date | None = None,
    rules: WeightRules = DEFAULT_RULES,
) -> Network:
    """The network over the current records ``actor`` may see, weighted as of ``today``. Audited.

    ``threats``: only records tagged with at least one of these threat areas are evidence.
    ``since`` / ``until`` (inclusive): only records dated in the window are. ``today`` (default: the
    current UTC date) is the day evidence ages to; the policy always decides visibility as of now.

    Example: ``network_for(session, analyst, threats=["COUNTY_LINES"], since=date(2025, 1, 1))``.
    """
    authorise(actor, Action.NETWORK_VIEW)
    wanted = parse_threats(threats)
    if since is not None and until is not None and since > until:
        raise InvalidInputError("since", f"the window starts ({since}) after it ends ({until}); swap them")
    day = today or datetime.now(UTC).date()
    visible = RecordVisibility(actor, load_access_context(session))
    screened = screened_threats(session) if wanted is not None else {}
    shown: list[int] = []
    evidence: list[int] = []
    for record in session.scalars(
        select(SourceRecord)
        .options(
            load_only(
                SourceRecord.id,
                SourceRecord.agency_id,
                SourceRecord.dataset_id,
                SourceRecord.handling_code,
                SourceRecord.handling_conditions,
                SourceRecord.classification,
                SourceRecord.caveats,
                SourceRecord.threats,
                SourceRecord.event_date,
                SourceRecord.received_at,
            )
        )
        .where(current_version())
    ):
        if not visible(record):
            continue
        shown.append(record.id)
        if _in_filters(record, screened.get(record.id, ()), wanted, since, until):
            evidence.append(record.id)
    network = _cached_network(session, evidence, shown, day=day, rules=rules)
    record_event(
        session,
        actor,
        action="view",
        resource_type="network",
        details={
            "threats": sorted(wanted) if wanted is not None else None,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "as_of": day.isoformat(),
            "records": len(evidence),
            "entities": network.graph.vcount(),
            "links": network.graph.ecount(),
        },
    )
    return network


#: Networks built recently, by what they were built from (see :func:`_cached_network`).
_BUILT: OrderedDict[tuple[object, ...], Network] = OrderedDict()
_BUILT_LOCK = threading.Lock()
#: How many networks are kept: a few users' views, each a few megabytes at a borough's size.
NETWORKS_KEPT = 6


def _store_state(session: Session) -> tuple[object, ...]:
    """What a network is read from besides the records: links, entities, merges, relationships, screening."""
    return tuple(
        session.execute(
            select(
                select(func.count(RecordEntityLink.id)).scalar_subquery(),
                select(func.max(RecordEntityLink.id)).scalar_subquery(),
                select(func.count(Entity.merged_into_id)).scalar_subquery(),
                select(func.max(Entity.id)).scalar_subquery(),
                select(func.max(EntityMerge.id)).scalar_subquery(),
                select(func.max(EntityRelationship.id)).scalar_subquery(),
                select(func.max(RelationshipEvidence.id)).scalar_subquery(),
                select(func.count(RecordScreening.record_id)).scalar_subquery(),
                select(func.max(RecordScreening.screened_at)).scalar_subquery(),
            )
        ).one()
    )


def _ids_digest(ids: list[int]) -> str:
    return hashlib.sha256(array("q", ids).tobytes()).hexdigest()


def _cached_network(
    session: Session, evidence: list[int], shown: list[int], *, day: date, rules: WeightRules
) -> Network:
    """The network read from these records, reused while nothing it is read from has changed.

    Visibility is decided afresh on every call; only the reading and building, from exactly the same
    visible records of the same store, the same links and entities and the same day and rules, is
    reused. Records are never changed in place (a change is a new version, a new id), so the ids say
    what was read.
    """
    store = str(session.get_bind().engine.url)
    key = (store, _ids_digest(evidence), _ids_digest(shown), day, rules, _store_state(session))
    with _BUILT_LOCK:
        found = _BUILT.get(key)
        if found is not None:
            _BUILT.move_to_end(key)
            return found
    network = read_network(session, evidence, today=day, rules=rules, context_record_ids=shown)
    with _BUILT_LOCK:
        _BUILT[key] = network
        while len(_BUILT) > NETWORKS_KEPT:
            _BUILT.popitem(last=False)
    return network


def parse_threats(threats: Iterable[CriminalityType | str] | None) -> frozenset[str] | None:
    """Threat area codes as given (``None``: no filter); an unknown code is an error naming the known ones."""
    if threats is None:
        return None
    codes: set[str] = set()
    for threat in threats:
        text = str(threat).strip().upper()
        try:
            codes.add(CriminalityType(text).value)
        except ValueError:
            known = ", ".join(t.value for t in CriminalityType)
            raise InvalidInputError(
                "threats", f"unknown threat area {threat!r}; use one of {known}"
            ) from None
    return frozenset(codes)


def _in_filters(
    record: SourceRecord,
    screened: tuple[str, ...],
    threats: frozenset[str] | None,
    since: date | None,
    until: date | None,
) -> bool:
    """Whether a record is evidence under the filters: tagged (by its agency or by screening) and dated."""
    if (
        threats is not None
        and not threats.intersection(record.threats or ())
        and not threats.intersection(screened)
    ):
        return False
    if since is None and until is None:
        return True
    on = record.event_date or record.received_at.date()
    return (since is None or on >= since) and (until is None or on <= until)


# --- Cytoscape.js ------------------------------------------------------------------------------------


def node_element_id(entity_id: int) -> str:
    """The Cytoscape element id of an entity's node, e.g. ``e42``."""
    return f"e{entity_id}"


def edge_element_id(a: int, b: int) -> str:
    """The Cytoscape element id of the link between two entities (either order), e.g. ``e7-e42``."""
    low, high = sorted((a, b))
    return f"{node_element_id(low)}-{node_element_id(high)}"


def network_json(
    network: Network, *, entity_ids: Iterable[int] | None = None, max_nodes: int | None = None
) -> dict[str, Any]:
    """The network (or the part of it on ``entity_ids``) as Cytoscape.js elements.

    With ``max_nodes``, only the most strongly linked entities are kept (the sum of their link weights,
    then entity id), and ``capped`` says so; ``total_nodes`` and ``total_edges`` count before the cap.
    Shape: ``{"elements": {"nodes": [{"data": {...}}], "edges": [{"data": {...}}]}, "total_nodes",
    "total_edges", "capped"}``; node data has ``id``, ``entity_id``, ``kind``, ``kind_label``, ``label``,
    ``threats``, ``records``, ``agencies``, ``child``, ``vulnerable_adult``; edge data has ``id``,
    ``source``, ``target``, ``weight``, ``evidence_count``, ``record_ids`` and ``kinds`` (co-occurrence
    and/or relationship types).
    """
    graph = network.graph
    chosen = set(network.nodes) if entity_ids is None else {e for e in entity_ids if e in network.index}
    total = len(chosen)
    capped = max_nodes is not None and total > max(max_nodes, 0)
    whole = len(chosen) == len(network.nodes)
    total_edges = graph.ecount() if whole else network.subnetwork(chosen).graph.ecount()
    if capped:
        strength = graph.strength(weights="weight") if graph.ecount() else [0.0] * graph.vcount()
        ranked = sorted(chosen, key=lambda e: (-strength[network.index[e]], e))
        chosen = set(ranked[: max(max_nodes or 0, 0)])
    sub = network if whole and not capped else network.subnetwork(chosen)
    nodes = [_node_data(network, entity_id) for entity_id in sorted(sub.nodes)]
    edges: list[tuple[int, int, dict[str, Any]]] = []
    ids = [int(e) for e in sub.graph.vs["entity_id"]] if sub.graph.vcount() else []
    links = sub.graph.get_edgelist()
    if links:
        for (u, v), evidence, link_weight in zip(
            links, sub.graph.es["evidence"], sub.graph.es["weight"], strict=True
        ):
            a, b = sorted((ids[u], ids[v]))
            data = {
                "id": edge_element_id(a, b),
                "source": node_element_id(a),
                "target": node_element_id(b),
                "weight": round(float(link_weight), 4),
                "evidence_count": len(evidence),
                "record_ids": sorted({item.record_id for item in evidence}),
                "kinds": sorted({item.kind for item in evidence}),
            }
            edges.append((a, b, {"data": data}))
    edges.sort(key=lambda edge: (edge[0], edge[1]))
    return {
        "elements": {"nodes": nodes, "edges": [element for _, _, element in edges]},
        "total_nodes": total,
        "total_edges": total_edges,
        "capped": capped,
    }


def _node_data(network: Network, entity_id: int) -> dict[str, Any]:
    node = network.nodes[entity_id]
    return {
        "data": {
            "id": node_element_id(entity_id),
            "entity_id": entity_id,
            "kind": node.kind,
            "kind_label": node.kind.replace("_", " ").capitalize(),
            "label": node.label,
            "threats": sorted(node.threats),
            "records": len(node.record_ids),
            "agencies": sorted(node.agencies),
            "child": node.is_child,
            "vulnerable_adult": node.vulnerable_adult,
        }
    }
