"""Who matters in a network: centralities, brokers, key players and the evidential path between two entities.

Every measure works on a plain igraph graph (vertex indices, an optional positive ``weight`` edge
attribute) and, through a thin wrapper, on a :class:`~crimelink.network.model.Network` (entity ids).

- **Degree** counts links; **strength** sums their weights (how much evidence ties a vertex in).
- **Betweenness** is the share of shortest paths between other vertices that run through a vertex. A
  link's length is ``1 / weight``, so a path over strong evidence is shorter than one over weak
  evidence. It is normalised by the number of pairs, so 1.0 means every path passes through.
- **Eigenvector** centrality is high for a vertex tied to vertices that are themselves well tied. It is
  computed per connected component (it means nothing across components) and scaled so that each
  component's most central vertex has 1.0.
- A **position score** sums up the three: the mean of strength, betweenness and eigenvector, each as a
  share of the highest value among the vertices ranked.
- **Brokers** are vertices whose ties reach into more than one community: at least ``min_outside_share``
  of their tie strength leads outside their own community. The participation coefficient
  (1 - sum over communities of the squared share of strength into it) is reported beside it.
- **Key players** (Borgatti's KPP-Neg, greedy): the people whose removal most fragments a group. Each
  step removes the candidate whose removal leaves the fewest pairs of the group's people able to reach
  each other; when no removal disconnects anyone more than another, the highest position score goes
  first. Every step reports the largest component and the pairwise reachability before and after.
- The **evidential path** between two entities is the shortest path with link length ``1 / weight``, so
  it prefers strong evidence over few hops, and it lists the evidence on every hop.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import igraph as ig

from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.network._graph import edge_weights, seeded, seen_from
from crimelink.network.model import Evidence, Network

__all__ = [
    "DEFAULT_MIN_OUTSIDE_SHARE",
    "Broker",
    "Centrality",
    "EvidentialPath",
    "Hop",
    "Removal",
    "brokers",
    "centralities",
    "evidential_path",
    "graph_brokers",
    "graph_centralities",
    "graph_key_players",
    "key_players",
    "participation",
    "position_scores",
]

#: Share of a vertex's tie strength that must lead outside its own community for it to be a broker.
DEFAULT_MIN_OUTSIDE_SHARE = 0.25


@dataclass(frozen=True)
class Centrality:
    """The centralities of one vertex (``node`` is a vertex index, or an entity id for a Network)."""

    node: int
    degree: int
    strength: float
    betweenness: float
    eigenvector: float


def _distances(weights: list[float] | None) -> list[float] | None:
    return None if weights is None else [1.0 / w for w in weights]


def graph_centralities(graph: ig.Graph, *, weight: str | None = "weight") -> list[Centrality]:
    """Degree, strength, betweenness (length ``1 / weight``) and eigenvector centrality of every vertex.

    >>> star = ig.Graph.Star(4)
    >>> [round(c.betweenness, 2) for c in graph_centralities(star)]
    [1.0, 0.0, 0.0, 0.0]
    """
    n = graph.vcount()
    if n == 0:
        return []
    weights = edge_weights(graph, weight)
    degree = graph.degree()
    strength = graph.strength(weights=weights)
    pairs = (n - 1) * (n - 2) / 2
    raw = graph.betweenness(directed=False, weights=_distances(weights))
    betweenness = [b / pairs if pairs else 0.0 for b in raw]
    eigenvector = _eigenvector_by_component(graph, weights)
    return [
        Centrality(v, degree[v], float(strength[v]), float(betweenness[v]), eigenvector[v]) for v in range(n)
    ]


def _eigenvector_by_component(graph: ig.Graph, weights: list[float] | None) -> list[float]:
    found = [0.0] * graph.vcount()
    for component in graph.connected_components():
        if len(component) == 1:
            continue
        if len(component) == graph.vcount():
            sub, sub_weights = graph, weights
        else:
            sub = graph.induced_subgraph(component, implementation="create_from_scratch")
            sub_weights = None
            if weights is not None:
                edge_ids = graph.get_eids([(component[a], component[b]) for a, b in sub.get_edgelist()])
                sub_weights = [weights[e] for e in edge_ids]
        # ARPACK starts from a random vector: a fixed seed makes the last digits repeat too.
        with seeded(0):
            values = sub.eigenvector_centrality(scale=True, weights=sub_weights)
        for local, vertex in enumerate(component):
            found[vertex] = max(0.0, float(values[local]))
    return found


def centralities(network: Network) -> dict[int, Centrality]:
    """:func:`graph_centralities` of a network, by entity id."""
    return {
        network.entity(c.node): Centrality(
            network.entity(c.node), c.degree, c.strength, c.betweenness, c.eigenvector
        )
        for c in graph_centralities(network.graph)
    }


def position_scores(found: Mapping[int, Centrality]) -> dict[int, float]:
    """Each node's position score: mean of strength, betweenness and eigenvector as shares of the highest.

    >>> a, b = Centrality(1, 2, 2.0, 1.0, 1.0), Centrality(2, 1, 1.0, 0.0, 0.5)
    >>> position_scores({1: a, 2: b})
    {1: 1.0, 2: 0.3333333333333333}
    """
    if not found:
        return {}
    tops = [
        max(c.strength for c in found.values()),
        max(c.betweenness for c in found.values()),
        max(c.eigenvector for c in found.values()),
    ]

    def share(value: float, top: float) -> float:
        return value / top if top > 0 else 0.0

    return {
        node: (share(c.strength, tops[0]) + share(c.betweenness, tops[1]) + share(c.eigenvector, tops[2])) / 3
        for node, c in found.items()
    }


# --- brokers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Broker:
    """A vertex (or entity) whose ties reach into communities other than its own."""

    node: int
    community: int
    #: Share of the node's tie strength leading outside its own community.
    outside_share: float
    #: 1 - sum of squared shares of tie strength into each community (0: all ties in one community).
    participation: float
    #: Every community its ties reach, with the share of tie strength into it, largest first.
    reach: tuple[tuple[int, float], ...]

    def reason(self) -> str:
        others = ", ".join(f"community {c} ({share:.0%})" for c, share in self.reach if c != self.community)
        return (
            f"{self.outside_share:.0%} of its tie strength leads outside its own community "
            f"{self.community}: to {others}"
        )


def graph_brokers(
    graph: ig.Graph,
    membership: Sequence[int],
    *,
    min_outside_share: float = DEFAULT_MIN_OUTSIDE_SHARE,
    weight: str | None = "weight",
) -> list[Broker]:
    """Vertices whose ties reach other communities, most outward first (see the module docstring).

    ``membership`` gives each vertex's community (as :func:`detect_communities` returns it).
    """
    if len(membership) != graph.vcount():
        raise InvalidInputError("membership", "give one community number for every vertex")
    weights = edge_weights(graph, weight)
    found = []
    for vertex, share in _community_shares(graph, membership, weights).items():
        own = membership[vertex]
        outside = 1.0 - share.get(own, 0.0)
        if len(share) < 2 or outside < min_outside_share:
            continue
        reach = tuple(sorted(share.items(), key=lambda item: (-item[1], item[0])))
        participation = 1.0 - sum(s * s for s in share.values())
        found.append(Broker(vertex, own, outside, participation, reach))
    found.sort(key=lambda b: (-b.outside_share, -b.participation, b.node))
    return found


def participation(
    graph: ig.Graph, membership: Sequence[int], *, weight: str | None = "weight"
) -> list[float]:
    """The participation coefficient of every vertex (0.0 for a vertex without ties)."""
    shares = _community_shares(graph, membership, edge_weights(graph, weight))
    return [
        1.0 - sum(s * s for s in shares[v].values()) if v in shares else 0.0 for v in range(graph.vcount())
    ]


def _community_shares(
    graph: ig.Graph, membership: Sequence[int], weights: list[float] | None
) -> dict[int, dict[int, float]]:
    """Vertex -> community -> share of the vertex's tie strength going into that community."""
    into: dict[int, dict[int, float]] = {}
    for edge, (a, b) in enumerate(graph.get_edgelist()):
        w = 1.0 if weights is None else weights[edge]
        into.setdefault(a, {}).setdefault(membership[b], 0.0)
        into[a][membership[b]] += w
        into.setdefault(b, {}).setdefault(membership[a], 0.0)
        into[b][membership[a]] += w
    shares = {}
    for vertex, by_community in into.items():
        total = sum(by_community.values())
        shares[vertex] = {c: w / total for c, w in by_community.items()} if total else {}
    return shares


def brokers(
    network: Network,
    membership: Sequence[int],
    *,
    min_outside_share: float = DEFAULT_MIN_OUTSIDE_SHARE,
) -> list[Broker]:
    """:func:`graph_brokers` of a network, by entity id."""
    return [
        Broker(network.entity(b.node), b.community, b.outside_share, b.participation, b.reach)
        for b in graph_brokers(network.graph, membership, min_outside_share=min_outside_share)
    ]


# --- key players ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Removal:
    """One step of the greedy key-player analysis: who is removed and what it does to the group."""

    rank: int
    #: The vertex (or entity id) removed at this step.
    node: int
    #: People (counted vertices) in the largest connected component before and after the removal.
    largest_before: int
    largest_after: int
    #: Share of pairs of the group's people (counted vertices) still able to reach each other, counting
    #: everyone removed so far as unreachable: 1.0 for a connected group.
    reachability_before: float
    reachability_after: float
    #: The position score that broke ties between removals fragmenting the group equally.
    position: float


def graph_key_players(
    graph: ig.Graph,
    *,
    candidates: Collection[int] | None = None,
    counted: Collection[int] | None = None,
    k: int | None = None,
    weight: str | None = "weight",
    positions: Mapping[int, float] | None = None,
) -> list[Removal]:
    """Greedy key-player removals from ``graph``: up to ``k`` steps (every candidate when ``k`` is None).

    ``candidates`` are the vertices that may be removed (default: all); ``counted`` are the vertices
    whose ability to reach each other is measured (default: all). ``positions`` breaks ties between
    removals that fragment equally (default: :func:`position_scores` of :func:`graph_centralities`).

    >>> path = ig.Graph(n=5, edges=[(0, 1), (1, 2), (2, 3), (3, 4)])
    >>> graph_key_players(path, k=1)[0].node
    2
    """
    n = graph.vcount()
    pool = sorted(set(range(n)) if candidates is None else set(candidates))
    counted_set = set(range(n)) if counted is None else set(counted)
    if positions is None:
        positions = position_scores({c.node: c for c in graph_centralities(graph, weight=weight)})
    steps = len(pool) if k is None else min(k, len(pool))
    total_pairs = len(counted_set) * (len(counted_set) - 1) / 2
    removed: set[int] = set()
    found: list[Removal] = []
    for rank in range(1, steps + 1):
        present = [v for v in range(n) if v not in removed]
        before_pairs, before_largest = _reach(graph, present, counted_set)
        best: tuple[float, float, int] | None = None
        best_after = (0.0, 0)
        for vertex, (pairs, largest) in _reach_without(graph, present, pool, removed, counted_set).items():
            # Positions are rounded so that equal places compare equal despite floating-point noise.
            key = (pairs, -round(positions.get(vertex, 0.0), 9), vertex)
            if best is None or key < best:
                best, best_after = key, (pairs, largest)
        if best is None:
            break
        vertex = best[2]
        removed.add(vertex)
        found.append(
            Removal(
                rank=rank,
                node=vertex,
                largest_before=before_largest,
                largest_after=best_after[1],
                reachability_before=before_pairs / total_pairs if total_pairs else 0.0,
                reachability_after=best_after[0] / total_pairs if total_pairs else 0.0,
                position=positions.get(vertex, 0.0),
            )
        )
    return found


def _reach(graph: ig.Graph, present: list[int], counted: set[int]) -> tuple[float, int]:
    """(connected pairs of counted vertices, counted vertices in the largest component) among ``present``."""
    sub = graph.induced_subgraph(present, implementation="create_from_scratch")
    sizes: dict[int, int] = {}
    for local, component in enumerate(sub.connected_components().membership):
        if present[local] in counted:
            sizes[component] = sizes.get(component, 0) + 1
    return sum(s * (s - 1) / 2 for s in sizes.values()), max(sizes.values(), default=0)


def _reach_without(
    graph: ig.Graph, present: list[int], pool: list[int], removed: set[int], counted: set[int]
) -> dict[int, tuple[float, int]]:
    """For each candidate still present, :func:`_reach` after also removing it.

    Removing a vertex that is not a cut vertex only takes that vertex out of its component, so only
    cut vertices (articulation points) need their components counted again.
    """
    sub = graph.induced_subgraph(present, implementation="create_from_scratch")
    local_of = {v: i for i, v in enumerate(present)}
    membership = sub.connected_components().membership
    sizes: dict[int, int] = {}
    for local, component in enumerate(membership):
        if present[local] in counted:
            sizes[component] = sizes.get(component, 0) + 1
    base = sum(s * (s - 1) / 2 for s in sizes.values())
    cuts = set(sub.articulation_points())
    found: dict[int, tuple[float, int]] = {}
    for vertex in pool:
        if vertex in removed:
            continue
        local = local_of[vertex]
        if local in cuts:
            found[vertex] = _reach(graph, [v for v in present if v != vertex], counted)
            continue
        own = membership[local]
        if vertex in counted:
            shrunk = dict(sizes)
            shrunk[own] -= 1
            found[vertex] = (base - (sizes[own] - 1), max(shrunk.values(), default=0))
        else:
            found[vertex] = (base, max(sizes.values(), default=0))
    return found


def key_players(
    network: Network,
    entity_ids: Collection[int],
    *,
    candidates: Collection[int] | None = None,
    k: int | None = None,
) -> list[Removal]:
    """Greedy key players of the group ``entity_ids`` in ``network``, by entity id.

    The group is the induced subnetwork on ``entity_ids`` (people and things). Removals are of people
    (``candidates``, by default every person of the group) and reachability counts the group's people:
    a phone or a flat left alone does not count as fragmentation, people who can no longer reach each
    other do. Position scores are computed within the group.
    """
    sub = network.subnetwork(entity_ids)
    people = {sub.vertex(e) for e, node in sub.nodes.items() if node.kind == "PERSON"}
    pool = people if candidates is None else {sub.vertex(e) for e in candidates if e in sub.index}
    found = centralities(sub)
    positions = {sub.vertex(e): score for e, score in position_scores(found).items()}
    return [
        Removal(
            r.rank,
            sub.entity(r.node),
            r.largest_before,
            r.largest_after,
            r.reachability_before,
            r.reachability_after,
            r.position,
        )
        for r in graph_key_players(sub.graph, candidates=pool, counted=people, k=k, positions=positions)
    ]


# --- evidential paths -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Hop:
    """One link of a path, from ``a`` to ``b`` (entity ids), with its evidence."""

    a: int
    b: int
    weight: float
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class EvidentialPath:
    """How two entities are connected: the entities along the way and the evidence on every hop."""

    entities: tuple[int, ...]
    hops: tuple[Hop, ...]
    #: Sum of ``1 / weight`` over the hops: lower is stronger.
    length: float

    @property
    def weakest(self) -> Hop:
        """The hop with the least evidence weight: where the connection is most open to doubt."""
        return min(self.hops, key=lambda hop: hop.weight)


def evidential_path(network: Network, source: int, target: int) -> EvidentialPath | None:
    """The strongest-evidence path from entity ``source`` to entity ``target``; None when unconnected.

    Each link's length is ``1 / weight``, so two hops over strong evidence beat one over weak evidence.

    >>> path = evidential_path(network, 101, 205)  # doctest: +SKIP
    >>> [hop.evidence[0].record_id for hop in path.hops]  # doctest: +SKIP
    """
    for entity in (source, target):
        if entity not in network.index:
            raise NotFoundError(f"entity {entity} is not in this network (or not one you may see)")
    start, end = network.vertex(source), network.vertex(target)
    if start == end:
        return EvidentialPath((source,), (), 0.0)
    graph = network.graph
    if end not in set(graph.subcomponent(start)):
        return None
    distances = _distances(edge_weights(graph, "weight"))
    edges = graph.get_shortest_path(start, end, weights=distances, mode="all", output="epath")
    if not edges:
        return None
    hops = []
    here = start
    for edge_id in edges:
        edge = graph.es[edge_id]
        there = edge.target if edge.source == here else edge.source
        evidence = seen_from(graph, edge_id, here)
        hops.append(Hop(network.entity(here), network.entity(there), float(edge["weight"]), evidence))
        here = there
    entities = (source, *(hop.b for hop in hops))
    return EvidentialPath(entities, tuple(hops), sum(1.0 / hop.weight for hop in hops))
