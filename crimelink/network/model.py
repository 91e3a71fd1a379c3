"""The network's data: nodes (resolved entities), evidence (why two of them are linked) and the graph.

This module is the contract between the parts of :mod:`crimelink.network`: the store reader turns
records a viewer may see into :class:`Node` and :class:`Evidence`; :func:`build_network` puts them into
an igraph graph whose edge weight is the summed weight of its evidence; the analyses (communities,
centrality, roles, key players, paths, legal tests, scores) read the graph and these facts. Nothing here
reads the store or knows about users: what a viewer may see is decided before the evidence is built.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import igraph as ig


@dataclass(frozen=True)
class Evidence:
    """One record's (or one typed relationship's) support for a link between two entities."""

    record_id: int
    agency_code: str
    #: The dataset's code, e.g. ``intelligence-reports``.
    dataset: str
    #: ``co-occurrence`` (both appear in one record) or a :class:`RelationshipType` value.
    kind: str
    #: The two parties' names in the record (``subject``, ``associate``, ``line``, ...), in the order
    #: of the edge's ends; empty for a typed relationship.
    parties: tuple[str, ...]
    #: 3x5x2 grading of an intelligence report, source evaluation then assessment, e.g. ``"1A"``;
    #: ``None`` for a register record.
    grading: str | None
    event_date: date | None
    #: CriminalityType codes the record is tagged with.
    threats: tuple[str, ...]
    #: How much this evidence counts (see :mod:`crimelink.network.weights`).
    weight: float
    #: The dataset's :class:`DataCategory` value (``INTELLIGENCE``, ``HOUSING``, ...); empty when unknown.
    category: str = ""
    #: Those of ``threats`` that screening gave (the catalogue's indicators found in the record), not the
    #: holding agency.
    screened: tuple[str, ...] = ()


@dataclass
class Node:
    """A resolved entity as the network sees it, with the facts the analyses use."""

    entity_id: int
    #: An :class:`EntityKind` value.
    kind: str
    label: str
    threats: set[str] = field(default_factory=set)
    #: How often the entity appears as each party of a record (``subject``, ``line``, ``child``, ...).
    parties: Counter[str] = field(default_factory=Counter)
    #: A child (under 18 on the date of the record) in any record the viewer may see.
    is_child: bool = False
    #: Known to adult social care as an adult at risk, in a record the viewer may see.
    vulnerable_adult: bool = False
    record_ids: set[int] = field(default_factory=set)
    agencies: set[str] = field(default_factory=set)


@dataclass
class Network:
    """An undirected weighted graph over entities.

    Vertex attributes: ``entity_id``, ``kind``, ``label``. Edge attributes: ``weight`` (summed evidence
    weight) and ``evidence`` (a list of :class:`Evidence`). ``nodes`` holds every vertex's facts by
    entity id, and ``index`` maps an entity id to its vertex index.
    """

    graph: ig.Graph
    nodes: dict[int, Node]
    index: dict[int, int]

    def vertex(self, entity_id: int) -> int:
        return self.index[entity_id]

    def entity(self, vertex: int) -> int:
        return int(self.graph.vs[vertex]["entity_id"])

    def evidence_between(self, a: int, b: int) -> list[Evidence]:
        """The evidence linking entities ``a`` and ``b`` (empty when they are not adjacent)."""
        edge = self.graph.get_eid(self.index[a], self.index[b], directed=False, error=False)
        return [] if edge < 0 else list(self.graph.es[edge]["evidence"])

    def subnetwork(self, entity_ids: Iterable[int]) -> Network:
        """The induced network on ``entity_ids`` (those present)."""
        vertices = sorted({self.index[e] for e in entity_ids if e in self.index})
        sub = self.graph.induced_subgraph(vertices, implementation="create_from_scratch")
        ids = [int(v) for v in sub.vs["entity_id"]] if sub.vcount() else []
        return Network(sub, {e: self.nodes[e] for e in ids}, {e: i for i, e in enumerate(ids)})


def build_network(nodes: Iterable[Node], evidence: Iterable[tuple[int, int, Evidence]]) -> Network:
    """A network from nodes and ``(entity a, entity b, evidence)`` triples.

    Evidence between the same two entities (in either order) is gathered on one edge whose weight is the
    sum of the evidence weights; a record counted twice for one pair (two parties of one record that
    resolved to the same two entities) counts once, with its heaviest weight. Self-links are dropped,
    and so is evidence naming an entity that is not among ``nodes``.
    """
    by_id = {node.entity_id: node for node in nodes}
    ids = sorted(by_id)
    index = {entity_id: i for i, entity_id in enumerate(ids)}
    gathered: dict[tuple[int, int], dict[tuple[int, str], Evidence]] = {}
    for a, b, item in evidence:
        if a == b or a not in index or b not in index:
            continue
        key = (a, b) if a < b else (b, a)
        if key != (a, b):
            item = flipped(item)
        per_record = gathered.setdefault(key, {})
        seen = per_record.get((item.record_id, item.kind))
        if seen is None or item.weight > seen.weight:
            per_record[(item.record_id, item.kind)] = item
    graph = ig.Graph(n=len(ids))
    graph.vs["entity_id"] = ids
    graph.vs["kind"] = [by_id[e].kind for e in ids]
    graph.vs["label"] = [by_id[e].label for e in ids]
    pairs = sorted(gathered)
    graph.add_edges([(index[a], index[b]) for a, b in pairs])
    items: list[list[Evidence]] = [
        sorted(gathered[p].values(), key=lambda e: (e.record_id, e.kind)) for p in pairs
    ]
    graph.es["evidence"] = items
    graph.es["weight"] = [sum(e.weight for e in edge) for edge in items]
    return Network(graph, by_id, index)


def flipped(item: Evidence) -> Evidence:
    """The same evidence seen from the other end of its link: its two parties swapped."""
    if len(item.parties) != 2:
        return item
    return replace(item, parties=(item.parties[1], item.parties[0]))


@dataclass(frozen=True)
class GroupFacts:
    """What the legal tests and the priority scorers read about one (candidate or confirmed) group."""

    #: Person entities in the group.
    people: Sequence[int]
    #: Every entity in the group (people, premises, phones, vehicles, businesses, ...).
    entities: Sequence[int]
    #: Evidence on the links inside the group.
    evidence: Sequence[Evidence]
    #: Suggested or confirmed role of each person (a :class:`MemberRole` value), when known.
    roles: dict[int, str] = field(default_factory=dict)
    nodes: dict[int, Node] = field(default_factory=dict)


def group_facts(
    network: Network, entity_ids: Iterable[int], roles: dict[int, str] | None = None
) -> GroupFacts:
    """The facts of the group made of ``entity_ids`` in ``network``."""
    sub = network.subnetwork(entity_ids)
    evidence = [item for items in sub.graph.es["evidence"] for item in items] if sub.graph.ecount() else []
    people = [e for e, node in sub.nodes.items() if node.kind == "PERSON"]
    return GroupFacts(
        people=sorted(people),
        entities=sorted(sub.nodes),
        evidence=evidence,
        roles=dict(roles or {}),
        nodes=dict(sub.nodes),
    )
