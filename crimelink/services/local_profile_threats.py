"""Threats by area for the SOC local profile: each threat area read as one whole, MoRiLE-style.

The reader's network for the period (:func:`crimelink.services.network.network_for`: the current records
they may see, dated in the period) is cut by threat area: a threat area's evidence is every link whose
record is tagged with it, its people and things those links join. That whole is scored with the same
:class:`~crimelink.network.priority.MoRiLEStyleScorer` that scores groups, its harm read from that one
threat area only. So every assessment is a **local approximation, not national MoRiLE output**, and shows
every input: harm by element, geographic scope, victim vulnerability, recency and evidence reliability
come from the records; organisational position is the analyst's (neutral until supplied).

Threat areas come from the reference data (``threat_areas.yaml``): those the partnership marked as in its
local scope always appear (with no evidence, as an intelligence gap); the others appear when the reader's
records hold them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.domain import CriminalityType
from crimelink.domain.reference import ThreatArea, default_reference
from crimelink.network.model import Evidence, GroupFacts, Network
from crimelink.network.priority import MoRiLEStyleScorer, Score, ScoringContext
from crimelink.services.network import network_for

#: Long lists of record numbers in an input's basis are shortened to a count ("412 records").
_ID_LIST = re.compile(r"records (\d+(?:, \d+){3,}) and (\d+)")


def short_basis(text: str) -> str:
    """An input's basis with long lists of record numbers counted instead.

    >>> short_basis("County lines (4 of 4) in records 1, 2, 3, 4 and 5.")
    'County lines (4 of 4) in 5 records.'
    >>> short_basis("in records 1, 2 and 3")
    'in records 1, 2 and 3'
    """
    return _ID_LIST.sub(lambda m: f"{len(m.group(1).split(', ')) + 1} records", text)


@dataclass(frozen=True)
class ThreatAssessment:
    """One threat area as the reader's records show it in the period."""

    threat: str
    label: str
    description: str
    in_local_scope: bool
    soc_category: str | None
    #: Records dated in the period tagged with it (whether or not they link two entities).
    records: int
    graded_intelligence: int
    #: People and things its linked records join, and how many of the people are children or
    #: adults at risk (counts only: no one is named).
    people: int
    entities: int
    children: int
    adults_at_risk: int
    #: Confirmed organised crime groups recorded with this criminality.
    groups: int
    #: The MoRiLE-style score; ``None`` when no linked record holds the threat.
    score: Score | None

    @property
    def risk(self) -> float:
        return self.score.total if self.score is not None else 0.0


def _by_threat(network: Network) -> dict[str, list[tuple[int, int, Evidence]]]:
    """Each threat code's evidence, each item narrowed to that one threat (so harm reads that threat)."""
    found: dict[str, list[tuple[int, int, Evidence]]] = {}
    if not network.graph.ecount():
        return found
    ids = [int(e) for e in network.graph.vs["entity_id"]]
    for (u, v), items in zip(network.graph.get_edgelist(), network.graph.es["evidence"], strict=True):
        for item in items:
            for threat in item.threats:
                found.setdefault(threat, []).append((ids[u], ids[v], replace(item, threats=(threat,))))
    return found


def _facts(network: Network, links: list[tuple[int, int, Evidence]]) -> GroupFacts:
    entities = sorted({e for a, b, _ in links for e in (a, b)})
    nodes = {e: network.nodes[e] for e in entities}
    return GroupFacts(
        people=[e for e in entities if nodes[e].kind == "PERSON"],
        entities=entities,
        evidence=[item for _, _, item in links],
        nodes=nodes,
    )


def _areas(present: set[str]) -> list[ThreatArea]:
    reference = default_reference()
    return [area for area in reference.threat_areas if area.in_local_scope or area.id.value in present]


def assess_threats(
    session: Session,
    actor: Actor,
    *,
    since: date,
    until: date,
    today: date,
    tagged_records: dict[str, int],
    graded_intelligence: dict[str, int],
    group_criminality: dict[str, int],
) -> list[ThreatAssessment]:
    """Threat areas, highest MoRiLE-style risk first, then in-scope areas with no evidence.

    ``tagged_records`` and ``graded_intelligence`` are the reader's counts per threat code for the period
    (:func:`crimelink.services.local_profile_records.record_figures`); ``group_criminality`` counts
    confirmed groups per criminality. The network read is audited by ``network_for``.
    """
    network = network_for(session, actor, today=today, since=since, until=until)
    evidence = _by_threat(network)
    scorer = MoRiLEStyleScorer()
    present = {t for t, n in tagged_records.items() if n} | set(evidence)
    assessments: list[ThreatAssessment] = []
    for area in _areas(present):
        code = area.id.value
        links = evidence.get(code, [])
        facts = _facts(network, links) if links else None
        people = [network.nodes[e] for e in facts.people] if facts else []
        assessments.append(
            ThreatAssessment(
                threat=code,
                label=area.label,
                description=area.description,
                in_local_scope=area.in_local_scope,
                soc_category=area.soc_category.value if area.soc_category else None,
                records=tagged_records.get(code, 0),
                graded_intelligence=graded_intelligence.get(code, 0),
                people=len(people),
                entities=len(facts.entities) if facts else 0,
                children=sum(1 for node in people if node.is_child),
                adults_at_risk=sum(1 for node in people if node.vulnerable_adult),
                groups=group_criminality.get(code, 0),
                score=scorer.score(facts, ScoringContext(as_of=today)) if facts else None,
            )
        )
    assessments.sort(key=lambda a: (-a.risk, -a.records, not a.in_local_scope, a.label))
    return assessments


def threat_label(code: str) -> str:
    """The reference data's label for a threat code (the code itself when it is not one)."""
    try:
        return default_reference().threat_area(CriminalityType(code)).label
    except (KeyError, ValueError):
        return code.replace("_", " ").capitalize()
