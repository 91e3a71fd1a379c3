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
  do not link people to people here: they say who lives with whom, which is family, not criminality.
  A housing or licensing register (``place_categories``) still links a person to a *thing*: the
  tenant or landlord of a house, the holder of a licence for a shop. That places the person where the
  group operates (the occupants of a begging ring's house, the landlord of exploited workers'
  accommodation) without joining households to each other directly. Every register still shapes the
  full network the explorer shows, and a child stays a child there;
- who reported something does not take part in it: a reporting party's co-occurrence
  (``non_participants``: a fly-tip's reporter, a trader's complainant, who is often the victim) links
  nothing here, and nor do the adults round a child or an adult at risk in a social care record (a
  carer, parent, referrer: :data:`crimelink.network.store.SUPPORTING_PARTIES`). A victim's evidence is
  about what the group did, not about who works with whom.

Communities are found with Leiden on the constant Potts model (CPM): a community holds together when the
evidence inside it, per pair of *people* in it, exceeds ``resolution``. People count one each towards a
community's size and every other entity (premises, vehicle, phone, business, ...) ``thing_weight``
(none by default): an organised crime group is a number of persons (Serious Crime Act 2015, s.45), and its
premises, vehicles and phones are how they are linked, not members to be paid for; a well-evidenced group
(many things) is not penalised against a thinly evidenced one. Unlike modularity, CPM has no resolution
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
from crimelink.network.store import SUPPORTING_PARTIES

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
#: Registers that place a person at a thing (tenant, landlord, licence holder) without linking people.
PLACE_CATEGORIES = frozenset({DataCategory.HOUSING.value, DataCategory.LICENSING.value})
#: Parties whose co-occurrence is not taking part: who reported or complained.
NON_PARTICIPANTS = frozenset({"reporter", "complainant"})
#: Social care records, whose supporting parties (carer, parent, referrer, ...) are not in any group.
CARE_CATEGORIES = frozenset({DataCategory.CHILDREN_SOCIAL_CARE.value, DataCategory.ADULT_SOCIAL_CARE.value})
#: Leiden passes at most: iterating "until stable" need not end when node weights differ.
LEIDEN_ITERATIONS = 20


@dataclass(frozen=True)
class GroupDetection:
    """How candidate groups are detected (see the module docstring)."""

    objective: Literal["CPM", "modularity"] = "CPM"
    #: CPM: the evidence weight per pair of members a community must exceed; modularity: the usual
    #: resolution parameter (1 = standard modularity).
    resolution: float = 0.07
    #: Serious Crime Act 2015 s.45: an organised crime group has three or more persons.
    min_people: int = 3
    threat_boost: float = 10.0
    link_categories: frozenset[str] = field(default=LINK_CATEGORIES)
    #: Categories that link a person to a thing only (never two people); see the module docstring.
    place_categories: frozenset[str] = field(default=PLACE_CATEGORIES)
    #: Parties whose co-occurrence links nothing in detection.
    non_participants: frozenset[str] = field(default=NON_PARTICIPANTS)
    #: CPM only: how much an entity that is not a person counts towards a community's size (a person: 1).
    thing_weight: float = 0.0
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
        if not 0 <= self.thing_weight <= 1:
            raise InvalidInputError("thing_weight", "must be from 0 to 1 (a person counts 1)")

    def to_json(self) -> dict[str, Any]:
        settings = asdict(self)
        for name in ("link_categories", "place_categories", "non_participants"):
            settings[name] = sorted(getattr(self, name))
        return settings


DEFAULT_DETECTION = GroupDetection()


def _counted_weight(item: Evidence, settings: GroupDetection, *, person_to_thing: bool = False) -> float:
    """What one piece of evidence counts in detection (module docstring); 0 when it does not count."""
    if any(party in settings.non_participants for party in item.parties):
        return 0.0
    if item.category in CARE_CATEGORIES and any(party in SUPPORTING_PARTIES for party in item.parties):
        return 0.0
    if item.threats:
        return item.weight * settings.threat_boost
    if item.category in settings.link_categories:
        return item.weight
    if person_to_thing and item.category in settings.place_categories:
        return item.weight
    return 0.0


def detection_network(network: Network, settings: GroupDetection = DEFAULT_DETECTION) -> Network:
    """The network of links that count for detection, each edge keeping only the evidence that counts.

    Entities with no such link are left out; node facts are the full network's.
    """
    graph = network.graph
    kinds = graph.vs["kind"] if graph.vcount() else []
    keep: list[int] = []
    evidence: list[list[Evidence]] = []
    weights: list[float] = []
    for edge in graph.es:
        source, target = edge.tuple
        to_thing = (kinds[source] == "PERSON") != (kinds[target] == "PERSON")
        counted = [
            (item, weight)
            for item in edge["evidence"]
            if (weight := _counted_weight(item, settings, person_to_thing=to_thing)) > 0
        ]
        if counted:
            keep.append(edge.index)
            evidence.append([item for item, _ in counted])
            weights.append(sum(weight for _, weight in counted))
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
    sizes = None
    if settings.objective == "CPM":
        sizes = [1.0 if kind == "PERSON" else settings.thing_weight for kind in graph.vs["kind"]]
    with seeded(settings.seed):
        found = graph.community_leiden(
            objective_function=settings.objective,
            weights="weight",
            resolution=settings.resolution,
            n_iterations=LEIDEN_ITERATIONS,
            node_weights=sizes,
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
