"""Centralities, brokers, key players, evidential paths and suggested roles on small hand-built networks."""

from __future__ import annotations

import dataclasses

import igraph as ig
import pytest
from graph_factories import Borough, two_cliques

from crimelink.domain.codes import MemberRole
from crimelink.errors import NotFoundError
from crimelink.network.centrality import (
    brokers,
    centralities,
    evidential_path,
    graph_centralities,
    graph_key_players,
    key_players,
    position_scores,
)
from crimelink.network.communities import detect_communities
from crimelink.network.model import Network, build_network
from crimelink.network.roles import group_key_players, involvement, suggest_roles


def test_betweenness_is_a_share_of_paths_and_eigenvector_is_per_component() -> None:
    star = ig.Graph.Star(5)
    found = graph_centralities(star)
    assert found[0].betweenness == 1.0
    assert found[0].degree == 4
    assert [c.betweenness for c in found[1:]] == [0.0] * 4

    two_triangles = ig.Graph.Full(3) + ig.Graph.Full(3)
    assert [c.eigenvector for c in graph_centralities(two_triangles)] == pytest.approx([1.0] * 6)


def test_strength_sums_evidence_and_betweenness_follows_strong_links() -> None:
    borough = Borough()
    a, b, c, d = (borough.person(n) for n in (1, 2, 3, 4))
    borough.record({"subject": a, "associate": b}, weight=0.1)  # weak direct link
    borough.record({"subject": a, "associate": c}, weight=1.0)
    borough.record({"subject": c, "associate": b}, weight=1.0)
    borough.record({"subject": c, "associate": b}, weight=0.5)
    borough.record({"subject": b, "associate": d}, weight=1.0)
    network = borough.network()
    found = centralities(network)
    assert found[c].strength == pytest.approx(2.5)
    # a to b and a to d run through c, whose links are strong, not along the weak direct link.
    assert found[c].betweenness == pytest.approx(2 / 3)
    assert found[a].betweenness == 0.0
    # Counting hops alone, the direct link would carry them and c would lie on no shortest path.
    assert graph_centralities(network.graph, weight=None)[network.vertex(c)].betweenness == 0.0


def test_the_bridge_between_two_cliques_is_the_broker() -> None:
    borough, _, _, bridge = two_cliques()
    network = borough.network()
    membership = detect_communities(network.graph)
    found = brokers(network, membership)

    assert found[0].node == bridge
    assert found[0].outside_share == pytest.approx(0.5)
    assert found[0].participation == pytest.approx(0.5)
    assert "50% of its tie strength leads outside" in found[0].reason()
    # Clique members tied to the bridge keep almost all their strength at home: not brokers.
    assert {b.node for b in found} == {bridge}


def test_the_bridge_is_the_top_key_player_and_its_removal_splits_the_people() -> None:
    borough, _, _, bridge = two_cliques()
    network = borough.network()
    first, second = key_players(network, network.nodes, k=2)

    assert first.node == bridge
    assert (first.largest_before, first.largest_after) == (11, 5)
    assert first.reachability_before == 1.0
    assert first.reachability_after == pytest.approx(20 / 55)
    # After the split nobody else cuts anyone off: the next removal only takes itself out.
    assert second.largest_after == 5
    assert second.reachability_after == pytest.approx(16 / 55)


def test_greedy_removal_on_a_plain_graph_and_ties_go_to_the_best_placed() -> None:
    path = ig.Graph(n=7, edges=[(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6)])
    removals = graph_key_players(path, k=3)
    assert removals[0].node == 3
    assert removals[0].largest_after == 3
    assert {r.node for r in removals[1:]} == {1, 5}

    clique = ig.Graph.Full(4)
    clique.add_vertices(1)
    clique.add_edges([(0, 4)])  # vertex 0 holds the pendant vertex 4
    assert graph_key_players(clique, k=1)[0].node == 0
    nobody_cut = graph_key_players(ig.Graph.Full(4), candidates=[1, 2], k=2)
    assert [r.node for r in nobody_cut] == [1, 2]  # equal positions: lowest vertex first


def test_position_score_is_the_mean_share_of_the_best() -> None:
    star = ig.Graph.Star(4)
    scores = position_scores({c.node: c for c in graph_centralities(star)})
    assert scores[0] == pytest.approx(1.0)
    # A leaf: a third of the centre's strength, no betweenness, eigenvector 1/sqrt(3) of the centre's.
    assert scores[1] == pytest.approx((1 / 3 + 0 + 3**-0.5) / 3)


def test_the_evidential_path_prefers_strong_evidence_to_fewer_hops() -> None:
    borough = Borough()
    a, b, c = borough.person(1), borough.person(2), borough.person(3)
    weak = borough.record({"subject": a, "associate": b}, weight=0.1, grading="3E")
    first = borough.record({"subject": a, "associate": c}, weight=1.0, grading="1A")
    second = borough.record({"subject": b, "associate": c}, weight=1.0, grading="1A")
    network = borough.network()

    path = evidential_path(network, a, b)
    assert path is not None
    assert path.entities == (a, c, b)
    assert [hop.evidence[0].record_id for hop in path.hops] == [first, second]
    assert path.length == pytest.approx(2.0)
    # The second hop is read from c to b: c was the record's subject, b its associate... seen from c.
    assert path.hops[1].evidence[0].parties == ("associate", "subject")
    assert path.weakest.weight == 1.0
    assert weak not in {item.record_id for hop in path.hops for item in hop.evidence}


def test_no_path_between_unconnected_entities_and_unknown_entities_are_refused() -> None:
    borough = Borough()
    a, b, c = borough.person(1), borough.person(2), borough.person(3)
    borough.record({"subject": a, "associate": b})
    network = borough.network()
    assert evidential_path(network, a, c) is None
    assert evidential_path(network, a, a) is not None
    with pytest.raises(NotFoundError):
        evidential_path(network, a, 404)


def county_line() -> tuple[Network, dict[str, int]]:
    """A deal line: principal, holder, runner, a child runner, a cuckooed adult, an enforcer, a neighbour."""
    borough = Borough()
    cast = {
        name: borough.person(n, name, child=name == "child", vulnerable=name == "cuckooed")
        for n, name in enumerate(
            ("principal", "holder", "runner", "child", "cuckooed", "enforcer", "neighbour"), 1
        )
    }
    line = borough.thing(20, "PHONE", "+447700900001")
    car = borough.thing(21, "VEHICLE", "AB12CDE")
    flat = borough.thing(22, "PREMISES", "Flat 1")
    borough.record({"subject": cast["holder"], "line": line}, "COUNTY_LINES", "DRUG_SUPPLY")
    borough.record(
        {"subject": cast["principal"], "line": line, "vehicle": car}, "COUNTY_LINES", "DRUG_SUPPLY"
    )
    borough.record(
        {"subject": cast["child"], "associate": cast["runner"], "location": flat, "line": line},
        "CCE",
        "COUNTY_LINES",
    )
    borough.record({"subject": cast["runner"], "associate": cast["holder"], "location": flat}, "CUCKOOING")
    borough.record({"occupant": cast["cuckooed"], "property": flat}, dataset="tenancy-cases", grading=None)
    borough.record({"complainant": cast["neighbour"], "location": flat}, dataset="complaints", grading=None)
    borough.record(
        {"subject": cast["enforcer"], "associate": cast["principal"]}, "SERIOUS_VIOLENCE_WEAPONS", weight=0.6
    )
    return borough.network(), cast


def test_a_child_in_a_county_lines_record_is_an_exploited_person_with_the_reason() -> None:
    network, cast = county_line()
    roles = suggest_roles(network, network.nodes)

    child = roles[cast["child"]]
    assert child.role is MemberRole.EXPLOITED_PERSON
    assert child.reasons == ("a child in records about CCE, COUNTY_LINES",)
    cuckooed = roles[cast["cuckooed"]]
    assert cuckooed.role is MemberRole.EXPLOITED_PERSON
    assert cuckooed.reasons[0].startswith("an adult at risk in a group whose evidence concerns")


def test_roles_follow_what_people_appear_as() -> None:
    network, cast = county_line()
    roles = suggest_roles(network, network.nodes)

    assert roles[cast["holder"]].role is MemberRole.LINE_HOLDER
    assert "deal line +447700900001" in roles[cast["holder"]].reasons[0]
    assert roles[cast["enforcer"]].role is MemberRole.ENFORCER
    assert roles[cast["enforcer"]].reasons == ("subject of 1 record(s) about SERIOUS_VIOLENCE_WEAPONS",)
    assert roles[cast["runner"]].role is MemberRole.COURIER_RUNNER
    # The principal holds the enforcer to the rest: the top key player, who also fits line holder.
    principal = roles[cast["principal"]]
    assert principal.role is MemberRole.PRINCIPAL
    assert principal.reasons[0].startswith("key player 1 of 4 suspects")
    assert MemberRole.LINE_HOLDER in [role for role, _ in principal.also]
    # The neighbour who complained is no suspect.
    neighbour = roles[cast["neighbour"]]
    assert neighbour.role is MemberRole.UNKNOWN
    assert neighbour.reasons[0].startswith("no record about a criminality type names them")


def test_victims_and_bystanders_are_never_key_players() -> None:
    network, cast = county_line()
    found = involvement(network, network.nodes)
    assert set(found.exploited) == {cast["child"], cast["cuckooed"]}
    assert set(found.others) == {cast["neighbour"]}
    ranked = [r.node for r in group_key_players(network, network.nodes)]
    assert ranked[0] == cast["principal"]
    assert set(ranked) == {cast["principal"], cast["holder"], cast["runner"], cast["enforcer"]}


def test_roles_do_not_depend_on_names() -> None:
    network, _ = county_line()
    renamed = build_network(
        [dataclasses.replace(node, label=f"someone {n}") for n, node in enumerate(network.nodes.values())],
        [
            (network.entity(e.source), network.entity(e.target), item)
            for e in network.graph.es
            for item in e["evidence"]
        ],
    )
    before = {e: s.role for e, s in suggest_roles(network, network.nodes).items()}
    assert before == {e: s.role for e, s in suggest_roles(renamed, renamed.nodes).items()}


def test_workers_of_a_labour_exploitation_group_are_presumed_victims() -> None:
    borough = Borough()
    boss, driver = borough.person(1, "boss"), borough.person(2, "driver")
    workers = [borough.person(10 + n) for n in range(3)]
    bar = borough.thing(30, "BUSINESS", "Nail bar")
    hmo = borough.thing(31, "PREMISES", "12 High Street")
    borough.record({"subject": boss, "associate": driver, "business": bar}, "MODERN_SLAVERY")
    borough.record({"landlord": boss, "premises": hmo}, dataset="hmo-register", grading=None)
    borough.record({"holder": driver, "business": bar}, dataset="premises-licences", grading=None)
    # Only the boss links the recruiter to the rest: the boss is the top key player.
    recruiter = borough.person(3, "recruiter")
    borough.record({"subject": recruiter, "associate": boss}, "HUMAN_TRAFFICKING")
    for worker in workers:
        borough.record(
            {"worker": worker, "business": bar, "accommodation": hmo},
            dataset="labour-inspections",
            grading=None,
        )
    network = borough.network()
    roles = suggest_roles(network, network.nodes)
    assert all(roles[w].role is MemberRole.EXPLOITED_PERSON for w in workers)
    assert roles[workers[0]].reasons[0].startswith("appears in the group only as a worker")
    assert roles[boss].role is MemberRole.PRINCIPAL
    # The driver holds the bar's licence: leadership shown beside their suggestion, never a second principal.
    assert roles[driver].role is not MemberRole.PRINCIPAL
    assert (MemberRole.PRINCIPAL, ("holds or directs Nail bar, in the group",)) in roles[driver].also


def test_without_any_criminality_facts_everyone_is_considered() -> None:
    borough, *_ = two_cliques()
    network = borough.network()
    stripped = build_network(
        [dataclasses.replace(node, threats=set()) for node in network.nodes.values()],
        [
            (
                network.entity(e.source),
                network.entity(e.target),
                dataclasses.replace(item, threats=(), parties=()),
            )
            for e in network.graph.es
            for item in e["evidence"]
        ],
    )
    found = involvement(stripped, stripped.nodes)
    assert len(found.suspects) == 11
    assert next(iter(found.suspects.values())).startswith("nothing in the data says")


def test_a_hop_read_against_the_links_order_keeps_everything_but_the_party_order() -> None:
    borough = Borough()
    a, b = borough.person(1), borough.person(2)
    borough.record({"subject": a, "associate": b})
    network = borough.network()
    (item,) = network.evidence_between(a, b)
    stored = dataclasses.replace(item, category="INTELLIGENCE")
    relinked = build_network(network.nodes.values(), [(a, b, stored)])
    path = evidential_path(relinked, b, a)
    assert path is not None
    (seen,) = path.hops[0].evidence
    assert seen == dataclasses.replace(stored, parties=("associate", "subject"))
