"""Plain factories for hand-built groups: records (evidence), people and things, and a group's facts.

A node's ``record_ids`` are filled in from the links it takes part in, as the store reader would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from crimelink.network.model import Evidence, GroupFacts, Node, build_network, group_facts


def record(
    record_id: int,
    on: date | None,
    *threats: str,
    agency: str = "MPS",
    dataset: str = "intelligence-reports",
    grading: str | None = "1B",
    kind: str = "co-occurrence",
    parties: tuple[str, str] = ("subject", "associate"),
) -> Evidence:
    """One record's evidence; link it to two entities with :func:`group`."""
    return Evidence(
        record_id=record_id,
        agency_code=agency,
        dataset=dataset,
        kind=kind,
        parties=parties,
        grading=grading,
        event_date=on,
        threats=tuple(threats),
        weight=1.0,
    )


def person(
    entity_id: int,
    label: str,
    *,
    child: bool = False,
    vulnerable_adult: bool = False,
    parties: dict[str, int] | None = None,
) -> Node:
    return Node(
        entity_id=entity_id,
        kind="PERSON",
        label=label,
        is_child=child,
        vulnerable_adult=vulnerable_adult,
        parties=Counter(parties or {"subject": 1}),
    )


def thing(entity_id: int, kind: str, label: str) -> Node:
    """A phone, vehicle, premises, business, ... (``kind`` is an EntityKind value)."""
    return Node(entity_id=entity_id, kind=kind, label=label, parties=Counter({kind.lower(): 1}))


def group(
    nodes: Sequence[Node], links: Sequence[tuple[int, int, Evidence]], roles: dict[int, str] | None = None
) -> GroupFacts:
    """The facts of a group made of every node, linked by ``(entity a, entity b, evidence)``."""
    by_id = {node.entity_id: node for node in nodes}
    for a, b, evidence in links:
        by_id[a].record_ids.add(evidence.record_id)
        by_id[b].record_ids.add(evidence.record_id)
        by_id[a].threats.update(evidence.threats)
        by_id[b].threats.update(evidence.threats)
    network = build_network(nodes, links)
    return group_facts(network, list(by_id), roles)


# --- the groups the tests talk about ---------------------------------------------------------------

ALAN, BEA, CAL, DEAL_LINE = 1, 2, 3, 10


def drug_supply_group(
    *, people: int = 3, roles: dict[int, str] | None = None, shared_phone: bool = True
) -> GroupFacts:
    """Alan, Bea (and Cal) supplying drugs through one deal line, reported four times over 2024."""
    nodes = [person(ALAN, "Alan Dee"), person(BEA, "Bea Cole"), person(CAL, "Cal Rye")][:people]
    r1 = record(101, date(2024, 1, 15), "DRUG_SUPPLY")
    r2 = record(102, date(2024, 4, 2), "DRUG_SUPPLY")
    r3 = record(103, date(2024, 7, 20), "DRUG_SUPPLY")
    r4 = record(104, date(2024, 12, 3), "DRUG_SUPPLY", grading="2C")
    links: list[tuple[int, int, Evidence]] = [(ALAN, BEA, r1), (ALAN, BEA, r2), (ALAN, BEA, r4)]
    if people == 3:
        links += [(ALAN, CAL, r3), (BEA, CAL, r3)]
    if shared_phone:
        nodes.append(thing(DEAL_LINE, "PHONE", "07700 900123"))
        phone_r1 = record(101, date(2024, 1, 15), "DRUG_SUPPLY", parties=("subject", "line"))
        phone_r2 = record(102, date(2024, 4, 2), "DRUG_SUPPLY", parties=("associate", "line"))
        links += [(ALAN, DEAL_LINE, phone_r1), (BEA, DEAL_LINE, phone_r2)]
        if people == 3:
            links.append(
                (CAL, DEAL_LINE, record(103, date(2024, 7, 20), "DRUG_SUPPLY", parties=("subject", "line")))
            )
    return group(nodes, links, roles)


def fly_tipping_group() -> GroupFacts:
    """One fly-tipping report: a waste carrier, his driver, their van, and the neighbour who reported it."""
    carrier, driver, neighbour, van = 21, 22, 23, 30
    report = record(
        201,
        date(2024, 6, 1),
        "WASTE_CRIME_FLY_TIPPING",
        agency="COUNCIL-ENV",
        dataset="fly-tipping-reports",
        grading=None,
    )
    nodes = [
        person(carrier, "Dan Eve"),
        person(driver, "Eli Fox"),
        person(neighbour, "Fay Gee", parties={"reporter": 1}),
        thing(van, "VEHICLE", "AB12 CDE"),
    ]
    links = [
        (carrier, driver, report),
        (carrier, van, report),
        (driver, van, report),
        (
            neighbour,
            van,
            record(
                201,
                date(2024, 6, 1),
                "WASTE_CRIME_FLY_TIPPING",
                agency="COUNCIL-ENV",
                dataset="fly-tipping-reports",
                grading=None,
                parties=("reporter", "vehicle"),
            ),
        ),
    ]
    return group(nodes, links)


def firearms_group(*, on: date = date(2024, 11, 20)) -> GroupFacts:
    """Three people supplying converted firearms, one of them their enforcer, with a shared car."""
    gus, hal, ivy, car = 41, 42, 43, 50
    nodes = [
        person(gus, "Gus Hay"),
        person(hal, "Hal Ink"),
        person(ivy, "Ivy Jay"),
        thing(car, "VEHICLE", "XY70 ZZZ"),
    ]
    r1 = record(301, date(2024, 3, 5), "FIREARMS_SUPPLY_IMPORT", grading="1A")
    r2 = record(302, date(2024, 7, 9), "FIREARMS_SUPPLY_IMPORT", "SERIOUS_VIOLENCE_WEAPONS", grading="1B")
    r3 = record(303, on, "FIREARMS_SUPPLY_IMPORT", grading="1A")
    links = [
        (gus, hal, r1),
        (hal, ivy, r2),
        (gus, ivy, r3),
        (
            gus,
            car,
            record(
                301, date(2024, 3, 5), "FIREARMS_SUPPLY_IMPORT", grading="1A", parties=("subject", "vehicle")
            ),
        ),
        (hal, car, record(303, on, "FIREARMS_SUPPLY_IMPORT", grading="1A", parties=("associate", "vehicle"))),
    ]
    return group(nodes, links, {ivy: "ENFORCER"})
