"""Candidate group detection: which links count, and that a small group is not swallowed by its borough."""

from __future__ import annotations

from datetime import date
from itertools import combinations

import pytest

from crimelink.errors import InvalidInputError
from crimelink.network import Evidence, Node, build_network
from crimelink.network.groups import GroupDetection, detect_candidate_groups, detection_network

DAY = date(2026, 5, 1)
_records = iter(range(1, 100_000))


def evidence(
    *,
    threats: tuple[str, ...] = (),
    category: str = "INTELLIGENCE",
    weight: float = 1.0,
    parties: tuple[str, ...] = ("subject", "associate"),
) -> Evidence:
    return Evidence(
        record_id=next(_records),
        agency_code="POLICE" if category == "INTELLIGENCE" else "LBA-HOUSING",
        dataset="intelligence-reports" if category == "INTELLIGENCE" else "tenancy-cases",
        kind="co-occurrence",
        parties=parties,
        grading="1A" if category == "INTELLIGENCE" else None,
        event_date=DAY,
        threats=threats,
        weight=weight,
        category=category,
    )


def person(entity_id: int) -> Node:
    return Node(entity_id, "PERSON", f"PERSON {entity_id}")


def borough() -> tuple[list[Node], list[tuple[int, int, Evidence]]]:
    """A drugs group of four (1-4) inside a borough of 200 people who share tenancies with neighbours.

    The group: reports about drug supply name 1 with 2, 2 with 3, 3 with 4 and 1 with 4, twice each.
    Everyone (group included) also shares a tenancy with the next three people by number, and person 5
    was seen with person 1 once, years ago, in a labour inspection (no threat, little weight left).
    """
    nodes = [person(n) for n in range(1, 201)]
    links: list[tuple[int, int, Evidence]] = []
    for a, b in ((1, 2), (2, 3), (3, 4), (1, 4)):
        links += [(a, b, evidence(threats=("DRUG_SUPPLY",))) for _ in range(2)]
    for n in range(1, 201):
        links += [(n, m, evidence(category="HOUSING", weight=2.0)) for m in range(n + 1, min(n + 4, 201))]
    links.append((1, 5, evidence(category="LABOUR_MARKET", weight=0.02)))
    return nodes, links


def test_the_drugs_group_is_found_inside_a_borough_of_households() -> None:
    network = build_network(*borough())
    _, candidates = detect_candidate_groups(network)
    assert [c.people for c in candidates] == [(1, 2, 3, 4)]
    assert candidates[0].threats == (("DRUG_SUPPLY", 8),)


def test_tenancies_do_not_link_people_for_detection_but_stay_in_the_network() -> None:
    network = build_network(*borough())
    detection = detection_network(network)
    assert network.evidence_between(10, 11), "the explorer still shows who shares a tenancy"
    assert 10 not in detection.index, "a tenancy alone is family, not criminality"

    def weight(a: int, b: int) -> float:
        graph = detection.graph
        return float(graph.es[graph.get_eid(detection.vertex(a), detection.vertex(b))]["weight"])

    # The inspection still counts, at its own weight; the drug reports count ten times theirs.
    assert weight(1, 5) == pytest.approx(0.02)
    assert weight(1, 2) == pytest.approx(20.0)


def test_a_community_without_enough_threat_tagged_records_is_not_a_candidate() -> None:
    nodes = [person(n) for n in range(1, 5)]
    links = [(a, b, evidence()) for a, b in combinations(range(1, 5), 2)]
    links.append((1, 2, evidence(threats=("FRAUD",))))
    network = build_network(nodes, links)
    assert detect_candidate_groups(network)[1] == [], "one fraud report among four people is too little"
    found = detect_candidate_groups(network, GroupDetection(min_threat_records=1))[1]
    assert [c.people for c in found] == [(1, 2, 3, 4)]


def test_two_people_are_not_a_candidate_however_strong_the_evidence() -> None:
    nodes = [person(1), person(2)]
    links = [(1, 2, evidence(threats=("FIREARMS_SUPPLY_IMPORT",))) for _ in range(5)]
    assert detect_candidate_groups(build_network(nodes, links))[1] == []


def test_detection_is_repeatable() -> None:
    network = build_network(*borough())
    first = [c.key for c in detect_candidate_groups(network)[1]]
    assert first == [c.key for c in detect_candidate_groups(network)[1]]


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("resolution", 0.0),
        ("min_people", 0),
        ("threat_boost", 0.5),
        ("min_threat_records", -1),
        ("thing_weight", 2.0),
    ],
)
def test_nonsense_settings_are_refused_naming_the_setting(setting: str, value: float) -> None:
    with pytest.raises(InvalidInputError, match=setting):
        GroupDetection(**{setting: value})  # type: ignore[arg-type]


def thing(entity_id: int, kind: str = "PREMISES") -> Node:
    return Node(entity_id, kind, f"{kind} {entity_id}")


def test_reporters_complainants_and_carers_link_nothing_but_a_tenant_is_placed_at_the_house() -> None:
    nodes = [person(1), person(2), person(3), person(4), person(5), thing(10)]
    links = [
        (1, 2, evidence(category="TRADING_STANDARDS", parties=("trader_contact", "complainant"))),
        (1, 3, evidence(category="ENVIRONMENTAL", parties=("suspect", "reporter"))),
        (1, 4, evidence(category="CHILDREN_SOCIAL_CARE", threats=("CSE",), parties=("child", "carer"))),
        (1, 10, evidence(category="HOUSING", parties=("occupant", "property"))),
        (1, 5, evidence(category="HOUSING", parties=("occupant", "occupant"))),
    ]
    detection = detection_network(build_network(nodes, links))
    assert sorted(detection.index) == [1, 10], "only the tenant's link to the house counts"


def racket() -> tuple[list[Node], list[tuple[int, int, Evidence]]]:
    """A principal (1) and three enforcers (2-4) of a front company (20).

    Intelligence names 1 with 2 and their car (21); each of 3 and 4 is named, strongly, with a victim's
    shop and its premises (30-31, 40-41); complaints name each enforcer as the front company's man,
    with the company's premises (22), which is all that joins the pairs.
    """
    nodes = [person(n) for n in range(1, 5)] + [thing(n) for n in (21, 22, 30, 31, 40, 41)]
    nodes.append(thing(20, "BUSINESS"))
    strong = {"threats": ("EXTORTION_RACKETEERING",)}
    links = [(a, b, evidence(**strong)) for a, b in ((1, 2), (1, 21), (2, 21))]  # type: ignore[arg-type]
    for enforcer, shop, premises in ((3, 30, 31), (4, 40, 41)):
        links += [
            (a, b, evidence(**strong)) for a, b in ((enforcer, shop), (enforcer, premises), (shop, premises))
        ]  # type: ignore[arg-type]
    for enforcer in (2, 3, 4):
        complaint = {"category": "TRADING_STANDARDS", "weight": 0.35}
        links += [(enforcer, 20, evidence(**complaint)), (enforcer, 22, evidence(**complaint))]  # type: ignore[arg-type]
    return nodes, links


def test_a_group_is_sized_by_its_people_not_by_the_things_it_is_seen_with() -> None:
    network = build_network(*racket())
    _, found = detect_candidate_groups(network, GroupDetection(resolution=0.1))
    assert [c.people for c in found] == [(1, 2, 3, 4)]
    # Counting every shop, car and premises as a member, the shops' pull splits the racket.
    _, split = detect_candidate_groups(network, GroupDetection(resolution=0.1, thing_weight=1.0))
    assert (1, 2, 3, 4) not in [c.people for c in split]
