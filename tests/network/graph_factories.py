"""Plain factories for hand-built networks: records naming parties become evidence, as the store reader does.

``Borough`` collects people, things and records; ``network()`` builds the :class:`Network`. Every two
parties of one record are linked by that record (co-occurrence), each party's node counts the party and
takes the record's threats, exactly as :mod:`crimelink.network.store` reads the store.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from crimelink.network.model import Evidence, Network, Node, build_network


@dataclass
class Borough:
    nodes: dict[int, Node] = field(default_factory=dict)
    links: list[tuple[int, int, Evidence]] = field(default_factory=list)
    next_record: int = 1

    def person(
        self, entity_id: int, label: str = "", *, child: bool = False, vulnerable: bool = False
    ) -> int:
        self.nodes[entity_id] = Node(
            entity_id, "PERSON", label or f"person {entity_id}", is_child=child, vulnerable_adult=vulnerable
        )
        return entity_id

    def thing(self, entity_id: int, kind: str, label: str = "") -> int:
        self.nodes[entity_id] = Node(entity_id, kind, label or f"{kind.lower()} {entity_id}")
        return entity_id

    def record(
        self,
        parties: dict[str, int],
        *threats: str,
        weight: float = 1.0,
        dataset: str = "intelligence-reports",
        grading: str | None = "1B",
    ) -> int:
        """A record naming ``parties`` (party name -> entity id); returns its id."""
        record_id = self.next_record
        self.next_record += 1
        for party, entity in parties.items():
            node = self.nodes[entity]
            node.parties[party] += 1
            node.threats.update(threats)
            node.record_ids.add(record_id)
            node.agencies.add("MPS")
        for (party_a, a), (party_b, b) in itertools.combinations(parties.items(), 2):
            evidence = Evidence(
                record_id=record_id,
                agency_code="MPS",
                dataset=dataset,
                kind="co-occurrence",
                parties=(party_a, party_b),
                grading=grading,
                event_date=date(2026, 5, 1),
                threats=tuple(threats),
                weight=weight,
            )
            self.links.append((a, b, evidence))
        return record_id

    def network(self) -> Network:
        return build_network(self.nodes.values(), self.links)


def two_cliques(size: int = 5) -> tuple[Borough, list[int], list[int], int]:
    """Two cliques of ``size`` people, each tied to a bridge person through two of its members.

    Returns the borough, the two cliques' entity ids and the bridge's: people 1..size, 101..100+size, 999.
    """
    borough = Borough()
    left = [borough.person(i) for i in range(1, size + 1)]
    right = [borough.person(100 + i) for i in range(1, size + 1)]
    bridge = borough.person(999, "bridge")
    for clique in (left, right):
        for a, b in itertools.combinations(clique, 2):
            borough.record({"subject": a, "associate": b}, "DRUG_SUPPLY")
        for member in clique[:2]:
            borough.record({"subject": bridge, "associate": member}, "DRUG_SUPPLY", weight=0.5)
    return borough, left, right, bridge
