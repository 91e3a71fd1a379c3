"""Candidate groups from Leiden communities, and matching them to confirmed groups."""

from __future__ import annotations

import itertools

import igraph as ig
import pytest
from graph_factories import Borough, two_cliques

from crimelink.errors import InvalidInputError
from crimelink.network.communities import (
    CandidateGroup,
    candidate_groups,
    cohesion,
    detect_communities,
    graph_communities,
    group_key,
    match_candidates,
)


def test_two_cliques_joined_by_a_bridge_are_two_candidates() -> None:
    borough, left, right, bridge = two_cliques()
    found = candidate_groups(borough.network(), min_people=3)

    assert len(found) == 2
    people = [set(c.people) for c in found]
    # The bridge sits in one of them; the cliques are never mixed.
    assert set(left) | set(right) | {bridge} == people[0] | people[1]
    assert any(set(left) <= p for p in people)
    assert any(set(right) <= p for p in people)
    assert not any(set(left) & p and set(right) & p for p in people)


def test_a_candidate_shows_the_evidence_that_holds_it_together_and_its_bridges() -> None:
    borough, left, right, bridge = two_cliques()
    network = borough.network()
    found = candidate_groups(network, min_people=3, links_shown=3)
    holding_bridge = next(c for c in found if bridge in c.people)

    assert len(holding_bridge.strongest_links) == 3
    strongest = holding_bridge.strongest_links[0]
    assert strongest.weight == 1.0
    assert strongest.evidence[0].dataset == "intelligence-reports"
    assert {strongest.a, strongest.b} <= set(holding_bridge.members)
    # Its links outward are the bridge's two ties into the other clique, seen from inside.
    assert len(holding_bridge.bridges) == 2
    assert {link.a for link in holding_bridge.bridges} == {bridge}
    other = right if set(left) <= set(holding_bridge.people) else left
    assert {link.b for link in holding_bridge.bridges} == set(other[:2])
    assert all(link.evidence[0].parties == ("subject", "associate") for link in holding_bridge.bridges)
    assert holding_bridge.threats == (("DRUG_SUPPLY", holding_bridge.cohesion.internal_links),)


def test_cohesion_of_a_clique_with_nothing_outside() -> None:
    clique = ig.Graph.Full(4)
    clique.es["weight"] = [2.0] * clique.ecount()
    found = cohesion(clique, range(4))
    assert (found.internal_links, found.density, found.internal_weight) == (6, 1.0, 12.0)
    assert (found.boundary_weight, found.inside_share) == (0.0, 1.0)


def test_the_same_seed_gives_the_same_groups_and_keys() -> None:
    graph = ig.Graph.Famous("Zachary")
    assert detect_communities(graph, seed=7) == detect_communities(graph, seed=7)
    borough, *_ = two_cliques()
    first = [c.key for c in candidate_groups(borough.network(), seed=3)]
    assert first == [c.key for c in candidate_groups(borough.network(), seed=3)]


def test_communities_are_numbered_from_the_largest() -> None:
    graph = ig.Graph(n=9, edges=[(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (5, 6), (6, 3), (3, 5), (4, 6)])
    membership = detect_communities(graph)
    assert membership[3] == 0  # the 4-clique
    assert membership[0] == 1
    assert membership[7] != membership[8]  # isolated vertices are communities of one


def test_min_people_counts_people_not_phones() -> None:
    borough = Borough()
    a, b = borough.person(1), borough.person(2)
    phones = [borough.thing(10 + n, "PHONE") for n in range(4)]
    for phone in phones:
        borough.record({"subject": a, "associate": b, "line": phone}, "COUNTY_LINES")
    network = borough.network()
    assert candidate_groups(network, min_people=3) == []
    (only,) = candidate_groups(network, min_people=2)
    assert only.people == (1, 2)
    assert set(only.members) == {1, 2, *phones}


def test_plain_graph_communities_count_vertices() -> None:
    graph = ig.Graph.Full(5) + ig.Graph.Full(2)
    membership, communities = graph_communities(graph, min_size=3)
    assert len(membership) == 7
    assert [c.vertices for c in communities] == [(0, 1, 2, 3, 4)]
    assert communities[0].cohesion.density == 1.0


def test_bad_resolution_and_weights_are_refused() -> None:
    graph = ig.Graph.Full(3)
    with pytest.raises(InvalidInputError, match="resolution"):
        detect_communities(graph, resolution=0)
    graph.es["weight"] = [1.0, -2.0, 1.0]
    with pytest.raises(InvalidInputError, match="positive"):
        detect_communities(graph)


def test_group_key_does_not_depend_on_order() -> None:
    assert group_key([3, 1, 2]) == group_key({1, 2, 3})
    assert group_key([1, 2, 3]) != group_key([1, 2, 4])
    assert group_key([1, 2]).startswith("cg-")


def _candidate(people: tuple[int, ...], things: tuple[int, ...] = ()) -> CandidateGroup:
    borough = Borough()
    for person in people:
        borough.person(person)
    for thing in things:
        borough.thing(thing, "PHONE")
    for a, b in itertools.pairwise(people):
        borough.record({"subject": a, "associate": b}, "DRUG_SUPPLY")
    for thing in things:
        borough.record({"subject": people[0], "line": thing}, "DRUG_SUPPLY")
    (found,) = candidate_groups(borough.network(), min_people=1, resolution=0.01)
    return found


def test_matching_keeps_a_confirmed_groups_id_and_says_who_joined_and_left() -> None:
    renewed = _candidate((1, 2, 3, 4), things=(50,))
    new = _candidate((20, 21, 22))
    matches = match_candidates([renewed, new], {7: {1, 2, 3, 5, 50}, 8: {30, 31, 32}})

    first, second = matches
    assert first.group_id == 7
    # People only: the phone 50 the confirmed group lists is left out of the comparison.
    assert first.jaccard == pytest.approx(3 / 5)
    assert (first.joining, first.leaving) == ((4,), (5,))
    assert first.overlaps == ((7, pytest.approx(0.6)),)
    assert (second.group_id, second.jaccard, second.joining) == (None, 0.0, (20, 21, 22))


def test_matching_is_one_to_one_and_honours_the_threshold() -> None:
    a = _candidate((1, 2, 3, 4))
    b = _candidate((1, 2, 3))
    matches = match_candidates([a, b], {7: {1, 2, 3, 4}})
    assert [m.group_id for m in matches] == [7, None]
    # The second still shows what it shares with the confirmed group.
    assert matches[1].overlaps == ((7, 0.75),)

    loose = match_candidates([b], {7: {1, 2, 3, 4, 5, 6, 7}}, threshold=0.5)
    assert loose[0].group_id is None  # 3 of 7 people: below the threshold
    assert match_candidates([b], {7: {1, 2, 3, 4, 5, 6, 7}}, threshold=0.4)[0].group_id == 7

    with pytest.raises(InvalidInputError, match="threshold"):
        match_candidates([a], {}, threshold=0)


def test_matching_with_known_people_ignores_other_members() -> None:
    a = _candidate((1, 2, 3))
    (match,) = match_candidates([a], {7: {1, 2, 3, 900}}, people={1, 2, 3})
    assert (match.group_id, match.jaccard) == (7, 1.0)
