"""Candidate organised crime groups from the whole picture: which links count, and how groups are cut.

A borough's network joins almost everyone: households through tenancies and registers, neighbours
through premises, traders through licences. Communities of that network are neighbourhoods, not
groups. Organised crime groups are found in the links that speak of crime or of enforcement, so
detection reads a *detection network* made from the full one:

- evidence from a record tagged with a threat (by its agency or by screening) counts, multiplied by
  ``threat_boost``: being named together in intelligence about drug supply says far more about working
  together than being inspected on the same day;
- evidence from enforcement and case work (``link_categories``: intelligence, labour market, trading
  standards, environmental, immigration, border) counts at its own weight;
- registers of residence and care (housing, licensing, nominals, children's and adults' social care)
  do not link people here: they say who lives with whom, which is family, not criminality. They still
  shape the full network the explorer shows, and a child stays a child there.

Communities are found with Leiden on the constant Potts model (CPM): a community holds together when the
evidence inside it, per pair of members, exceeds ``resolution``. Unlike modularity, CPM has no resolution
limit, so a group of four is not swallowed by a large network around it. Communities with at least
``min_people`` people and at least ``min_threat_records`` threat-tagged records among their links are
the candidates. Every number here is a setting, shown with the candidates; candidates are advice for an
analyst, who confirms or dismisses them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from crimelink.domain.codes import DataCategory
from crimelink.errors import InvalidInputError
from crimelink.network._graph import seeded
from crimelink.network.communities import CandidateGroup, candidates_from_membership
from crimelink.network.model import Evidence, Network

__all__ = ["DEFAULT_DETECTION", "GroupDetection", "detect_candidate_groups", "detection_network"]

LINK_CATEGORIES = frozenset(
    {
        DataCategory.INTELLIGENCE.value,
        DataCategory.LABOUR_MARKET.value,
        DataCategory.TRADING_STANDARDS.value,
        DataCategory.ENVIRONMENTAL.value,
        DataCategory.IMMIGRATION.value,
        DataCategory.BORDER.value,
    }
)


@dataclass(frozen=True)
class GroupDetection:
    """How candidate groups are detected (see the module docstring)."""

    objective: Literal["CPM", "modularity"] = "CPM"
    #: CPM: the evidence weight per pair of members a community must exceed; modularity: the usual
    #: resolution parameter (1 = standard modularity).
    resolution: float = 0.05
    #: Serious Crime Act 2015 s.45: an organised crime group has three or more persons.
    min_people: int = 3
    threat_boost: float = 10.0
    link_categories: frozenset[str] = field(default=LINK_CATEGORIES)
    min_threat_records: int = 2
    seed: int = 0

    def __post_init__(self) -> None:
        if self.resolution <= 0:
            raise InvalidInputError("resolution", "must be greater than 0")
        if self.min_people < 1:
            raise InvalidInputError("min_people", "must be at least 1")
        if self.threat_boost < 1:
            raise InvalidInputError(
                "threat_boost", "must be at least 1 (threat-tagged evidence never counts less)"
            )
        if self.min_threat_records < 0:
            raise InvalidInputError("min_threat_records", "must be 0 or more")

    def to_json(self) -> dict[str, Any]:
        settings = asdict(self)
        settings["link_categories"] = sorted(self.link_categories)
        return settings


DEFAULT_DETECTION = GroupDetection()


def _counted_weight(item: Evidence, settings: GroupDetection) -> float:
    if item.threats:
        return item.weight * settings.threat_boost
    if item.category in settings.link_categories:
        return item.weight
    return 0.0


def detection_network(network: Network, settings: GroupDetection = DEFAULT_DETECTION) -> Network:
    """The network of links that count for detection, each edge keeping only the evidence that counts.

    Entities with no such link are left out; node facts are the full network's.
    """
    graph = network.graph
    keep: list[int] = []
    evidence: list[list[Evidence]] = []
    weights: list[float] = []
    for edge in graph.es:
        counted = [item for item in edge["evidence"] if _counted_weight(item, settings) > 0]
        if counted:
            keep.append(edge.index)
            evidence.append(counted)
            weights.append(sum(_counted_weight(item, settings) for item in counted))
    sub = graph.subgraph_edges(keep, delete_vertices=True)
    # subgraph_edges keeps the edges in their original order.
    sub.es["evidence"] = evidence
    sub.es["weight"] = weights
    ids = [int(e) for e in sub.vs["entity_id"]] if sub.vcount() else []
    return Network(sub, {e: network.nodes[e] for e in ids}, {e: i for i, e in enumerate(ids)})


def detect_candidate_groups(
    network: Network, settings: GroupDetection = DEFAULT_DETECTION
) -> tuple[Network, list[CandidateGroup]]:
    """The detection network and its candidate groups, most people first.

    A candidate must hold ``min_threat_records`` threat-tagged records among its internal links.
    """
    detection = detection_network(network, settings)
    graph = detection.graph
    if graph.vcount() == 0:
        return detection, []
    with seeded(settings.seed):
        found = graph.community_leiden(
            objective_function=settings.objective,
            weights="weight",
            resolution=settings.resolution,
            n_iterations=-1,
        )
    membership = list(found.membership)
    candidates = candidates_from_membership(detection, membership, min_people=settings.min_people)
    kept = [c for c in candidates if _internal_threat_records(detection, c) >= settings.min_threat_records]
    return detection, kept


def _internal_threat_records(network: Network, candidate: CandidateGroup) -> int:
    inside = set(candidate.members)
    records: set[int] = set()
    graph = network.graph
    for member in candidate.members:
        vertex = network.index[member]
        for edge_id in graph.incident(vertex):
            edge = graph.es[edge_id]
            other = network.entity(edge.target if edge.source == vertex else edge.source)
            if other in inside:
                records.update(item.record_id for item in edge["evidence"] if item.threats)
    return len(records)
