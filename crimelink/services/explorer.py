"""The network explorer: which part of the actor's network a view shows, and the path between two entities.

The pages (``/network``) and the JSON API (``/api/network``, ``/api/network/path``) both call
:func:`explore` and :func:`find_path`. Everything comes from
:func:`crimelink.services.network.network_for`, so a node, a label, a link and its evidence come only
from records the actor may see.

A view has at most one *focus*:

- an **entity** and everything within ``radius`` (1 or 2) links of it;
- a **candidate group** (by its key) or a **confirmed group** (by its id): their members and the links
  between them (needs ``group.view``; the candidates are those of the groups page's analysis);
- none: with a threat or date filter, the filtered network; without, the members of the current
  candidate groups (for those who may read them), else the whole network.

A borough's whole network holds thousands of entities, more than a person can read on a canvas, so a
view keeps at most ``max_nodes`` of them, the most strongly linked first, and says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, allowed
from crimelink.domain import Classification
from crimelink.domain.reference import default_reference
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.network.centrality import evidential_path
from crimelink.network.model import Evidence, Network, build_network
from crimelink.services import groups
from crimelink.services.callers import authorise, record_event
from crimelink.services.entities import highest_marking
from crimelink.services.network import edge_element_id, network_for, network_json, parse_threats
from crimelink.store.models import Dataset, GroupCandidateDecision, SourceRecord

#: Entities a view keeps when nothing narrower is asked for.
DEFAULT_MAX_NODES = 400
#: The most a view may be asked to keep: Cytoscape stays usable in a browser up to about this many.
MAX_NODES_LIMIT = 2000
RADII = (1, 2)
#: Ids per ``IN (...)`` query.
_CHUNK = 5000


@dataclass(frozen=True)
class ExplorerFilters:
    """What a view asks for: evidence filters, at most one focus, and how many entities to keep."""

    threats: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    group_id: int | None = None
    candidate: str | None = None
    entity_id: int | None = None
    radius: int = 1
    max_nodes: int = DEFAULT_MAX_NODES

    def __post_init__(self) -> None:
        focuses = [
            name
            for name, value in (
                ("group", self.group_id),
                ("candidate", self.candidate),
                ("entity", self.entity_id),
            )
            if value is not None
        ]
        if len(focuses) > 1:
            raise InvalidInputError(
                focuses[1], f"show one focus at a time: {' and '.join(focuses)} were both given; clear one"
            )
        if self.radius not in RADII:
            raise InvalidInputError("radius", "show the links within 1 or 2 steps of the entity")
        if not 1 <= self.max_nodes <= MAX_NODES_LIMIT:
            raise InvalidInputError("max_nodes", f"keep between 1 and {MAX_NODES_LIMIT} entities")

    @property
    def filtered(self) -> bool:
        """Whether the evidence is narrowed by threat or date."""
        return bool(self.threats) or self.since is not None or self.until is not None

    def evidence_query(self) -> list[tuple[str, str]]:
        """The evidence filters as query parameters (for links and requests that keep them)."""
        query = [("threat", threat) for threat in self.threats]
        if self.since:
            query.append(("since", self.since.isoformat()))
        if self.until:
            query.append(("until", self.until.isoformat()))
        return query


@dataclass(frozen=True)
class NetworkView:
    """The part of the network a view shows, as Cytoscape.js elements, with what it is in words."""

    network: Network
    #: ``network_json`` of the view: ``elements``, ``total_nodes``, ``total_edges``, ``capped``.
    payload: dict[str, Any]
    focus: str
    marking: str
    #: The entity a view is focused on, with its label.
    entity_id: int | None = None
    group_name: str | None = None


@dataclass(frozen=True)
class EvidenceView:
    """One record's support for a link, in words: who holds it, how it is graded, when, what it says."""

    record_id: int
    dataset: str
    dataset_title: str
    agency: str
    grading: str | None
    date: date | None
    kind: str
    parties: tuple[str, ...]
    threats: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class HopView:
    from_id: int
    to_id: int
    from_label: str
    to_label: str
    #: The Cytoscape element id of the link (``e7-e42``).
    edge: str
    weight: float
    evidence: tuple[EvidenceView, ...]


@dataclass(frozen=True)
class PathView:
    """The answer to "how are these two connected?" in what the actor may see."""

    found: bool
    reason: str
    source: int
    target: int
    hops: tuple[HopView, ...] = ()
    payload: dict[str, Any] = field(default_factory=lambda: network_json(build_network([], [])))
    marking: str = Classification.OFFICIAL.value


# --- views ---------------------------------------------------------------------------------------


def explore(session: Session, actor: Actor, filters: ExplorerFilters, *, today: date) -> NetworkView:
    """The part of the actor's network ``filters`` asks for. Audited (the network view).

    Example: ``explore(session, analyst, ExplorerFilters(entity_id=42, radius=2), today=date.today())``.
    """
    authorise(actor, Action.NETWORK_VIEW)
    threats = sorted(parse_threats(filters.threats) or ()) if filters.threats else None
    if filters.group_id is not None or filters.candidate is not None:
        return _group_view(session, actor, filters, threats, today)
    if filters.entity_id is None and not filters.filtered and allowed(actor, Action.GROUP_VIEW):
        # The analysis reads the same (unfiltered) network, so it is built once.
        picture = groups.analyse(session, actor, today=today)
        current = [c for c in picture.candidates if c.key not in picture.dismissed]
        members = {e for c in current for e in c.members}
        if members:
            focus = (
                f"The {len(current)} candidate group{'' if len(current) == 1 else 's'} of your network: "
                "their members and the links between them"
            )
            return _view(session, picture.network, members, filters, focus)
        return _view(session, picture.network, None, filters, "Your network")
    network = network_for(
        session, actor, today=today, threats=threats, since=filters.since, until=filters.until
    )
    if filters.entity_id is not None:
        return _entity_view(session, network, filters)
    focus = "Your network" + (f" ({_filters_text(filters)})" if filters.filtered else "")
    return _view(session, network, None, filters, focus)


def _view(
    session: Session,
    network: Network,
    entity_ids: Iterable[int] | None,
    filters: ExplorerFilters,
    focus: str,
    *,
    entity_id: int | None = None,
    group_name: str | None = None,
) -> NetworkView:
    payload = network_json(network, entity_ids=entity_ids, max_nodes=filters.max_nodes)
    if payload["capped"]:
        focus += f": the {filters.max_nodes} most strongly linked of {payload['total_nodes']} entities"
    return NetworkView(
        network=network,
        payload=payload,
        focus=focus,
        marking=payload_marking(session, network, payload),
        entity_id=entity_id,
        group_name=group_name,
    )


def _entity_view(session: Session, network: Network, filters: ExplorerFilters) -> NetworkView:
    entity_id = filters.entity_id
    assert entity_id is not None
    if entity_id not in network.index:
        raise NotFoundError(
            f"entity {entity_id} is not in your network"
            + (f" ({_filters_text(filters)})" if filters.filtered else "")
            + ": no record you may see links it to anything. Check the number, or widen the filters"
        )
    around = network.graph.neighborhood(network.vertex(entity_id), order=filters.radius)
    entity_ids = [network.entity(v) for v in around]
    label = network.nodes[entity_id].label
    steps = "link" if filters.radius == 1 else "2 links"
    focus = f"{label} (entity {entity_id}) and everything within {steps} of it"
    if filters.filtered:
        focus += f" ({_filters_text(filters)})"
    return _view(session, network, entity_ids, filters, focus, entity_id=entity_id)


def _group_view(
    session: Session, actor: Actor, filters: ExplorerFilters, threats: list[str] | None, today: date
) -> NetworkView:
    # The candidates of the groups pages: keys are those of the unfiltered analysis.
    picture = groups.analyse(session, actor, today=today)
    network = (
        network_for(session, actor, today=today, threats=threats, since=filters.since, until=filters.until)
        if filters.filtered
        else picture.network
    )
    if filters.candidate is not None:
        candidate = picture.candidate(filters.candidate)
        members: set[int] = set(candidate.members)
        name = None
        focus = f"Candidate group {candidate.key}: its {len(candidate.people)} people, the things they share"
    else:
        assert filters.group_id is not None
        group = groups.get_group(session, filters.group_id)
        members = {m.entity_id for m in group.memberships}
        key = next((k for k, (g, _) in picture.confirmed.items() if g == group.id), None)
        if key is not None:
            members |= set(picture.candidate(key).members)
        else:
            decision = session.scalars(
                select(GroupCandidateDecision)
                .where(GroupCandidateDecision.group_id == group.id)
                .order_by(GroupCandidateDecision.id.desc())
            ).first()
            members |= set(decision.entities if decision else [])
        name = group.name
        focus = f"{group.name} (group {group.id}): its members, the things they share"
    focus += " and the links between them"
    if filters.filtered:
        focus += f" ({_filters_text(filters)})"
    shown = [e for e in members if e in network.index]
    return _view(session, network, shown, filters, focus, group_name=name)


def _filters_text(filters: ExplorerFilters) -> str:
    parts = []
    if filters.threats:
        reference = default_reference()
        parts.append("records about " + " or ".join(_threat_label(reference, t) for t in filters.threats))
    if filters.since and filters.until:
        parts.append(f"dated {filters.since:%d %b %Y} to {filters.until:%d %b %Y}")
    elif filters.since:
        parts.append(f"dated from {filters.since:%d %b %Y}")
    elif filters.until:
        parts.append(f"dated up to {filters.until:%d %b %Y}")
    return "; ".join(parts)


def _threat_label(reference: Any, code: str) -> str:
    try:
        return str(reference.threat_area(code).label)
    except KeyError:
        return code


# --- markings -------------------------------------------------------------------------------------


def payload_marking(session: Session, network: Network, payload: dict[str, Any]) -> str:
    """The highest protective marking of the records behind a payload: its nodes' facts and its links."""
    record_ids: set[int] = set()
    for element in payload["elements"]["nodes"]:
        record_ids.update(network.nodes[element["data"]["entity_id"]].record_ids)
    for element in payload["elements"]["edges"]:
        record_ids.update(element["data"]["record_ids"])
    return records_marking(session, record_ids)


def records_marking(session: Session, record_ids: Iterable[int]) -> str:
    """The highest protective marking among ``record_ids`` (OFFICIAL for none)."""
    ids = sorted(set(record_ids))
    found: set[Classification] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update(
            session.scalars(select(SourceRecord.classification).where(SourceRecord.id.in_(chunk)).distinct())
        )
    return highest_marking(found)


# --- evidence in words ----------------------------------------------------------------------------


def dataset_titles(session: Session) -> dict[str, str]:
    """Dataset code -> title, to name the dataset evidence comes from."""
    return dict(session.execute(select(Dataset.code, Dataset.title)).all())


def evidence_views(items: Sequence[Evidence], titles: dict[str, str]) -> tuple[EvidenceView, ...]:
    """Evidence in words, one item per record (and relationship kind), newest first."""
    reference = default_reference()
    views = [
        EvidenceView(
            record_id=item.record_id,
            dataset=item.dataset,
            dataset_title=titles.get(item.dataset, item.dataset),
            agency=item.agency_code,
            grading=item.grading,
            date=item.event_date,
            kind=item.kind,
            parties=item.parties,
            threats=item.threats,
            summary=_summary(item, titles, reference),
        )
        for item in items
    ]
    views.sort(key=lambda v: (v.date or date.min, v.record_id), reverse=True)
    return tuple(views)


def _summary(item: Evidence, titles: dict[str, str], reference: Any) -> str:
    """E.g. "Intelligence reports record 12 (POLICE), graded 2B, 01 Jun 2025: named together as subject and
    associate; about County lines"."""
    text = f"{titles.get(item.dataset, item.dataset)} record {item.record_id} ({item.agency_code})"
    if item.grading:
        text += f", graded {item.grading}"
    if item.event_date:
        text += f", {item.event_date:%d %b %Y}"
    if item.kind == "co-occurrence":
        how = (
            f"named together as {item.parties[0].replace('_', ' ')} and {item.parties[1].replace('_', ' ')}"
            if len(item.parties) == 2
            else "named together"
        )
    else:
        how = f"a recorded relationship: {item.kind.replace('_', ' ').lower()}"
    text += f": {how}"
    if item.threats:
        text += "; about " + ", ".join(
            _threat_label(reference, t) + (" (by its indicators)" if t in item.screened else "")
            for t in item.threats
        )
    return text


# --- paths ----------------------------------------------------------------------------------------


def find_path(
    session: Session,
    actor: Actor,
    *,
    source: int,
    target: int,
    filters: ExplorerFilters | None = None,
    today: date,
) -> PathView:
    """The strongest-evidence path between two entities in the actor's (filtered) network. Audited.

    Not finding one is an answer (``found`` False, with the reason), not an error.
    """
    chosen = filters or ExplorerFilters()
    threats = sorted(parse_threats(chosen.threats) or ()) if chosen.threats else None
    network = network_for(
        session, actor, today=today, threats=threats, since=chosen.since, until=chosen.until
    )
    view = _path(session, network, source, target)
    record_event(
        session,
        actor,
        action="search",
        resource_type="network_path",
        details={
            "from": source,
            "to": target,
            "found": view.found,
            "hops": len(view.hops),
            "records": sorted({e.record_id for hop in view.hops for e in hop.evidence}),
        },
    )
    return view


def _path(session: Session, network: Network, source: int, target: int) -> PathView:
    try:
        path = evidential_path(network, source, target)
    except NotFoundError:
        missing = next(e for e in (source, target) if e not in network.index)
        return PathView(
            False,
            f"Entity {missing} is not in your network: no record you may see links it to anything.",
            source,
            target,
        )
    if path is None:
        return PathView(
            False,
            f"No chain of links joins {network.nodes[source].label} and {network.nodes[target].label} "
            "in the records you may see.",
            source,
            target,
        )
    titles = dataset_titles(session)
    hops = tuple(
        HopView(
            from_id=hop.a,
            to_id=hop.b,
            from_label=network.nodes[hop.a].label,
            to_label=network.nodes[hop.b].label,
            edge=edge_element_id(hop.a, hop.b),
            weight=hop.weight,
            evidence=evidence_views(hop.evidence, titles),
        )
        for hop in path.hops
    )
    if not hops:
        reason = f"{network.nodes[source].label} is the same entity at both ends."
    elif len(hops) == 1:
        reason = (
            f"1 step over the strongest evidence: {hops[0].from_label} and {hops[0].to_label} are linked "
            f"directly (weight {hops[0].weight:.2f})."
        )
    else:
        weakest = path.weakest
        reason = (
            f"{len(hops)} steps over the strongest evidence; the weakest link is "
            f"{network.nodes[weakest.a].label} to {network.nodes[weakest.b].label} "
            f"(weight {weakest.weight:.2f})."
        )
    payload = network_json(network, entity_ids=path.entities)
    return PathView(True, reason, source, target, hops, payload, payload_marking(session, network, payload))
