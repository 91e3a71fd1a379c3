"""Reading the network from the store: the records a viewer may see become nodes and evidence.

The caller decides which records the viewer may see (:mod:`crimelink.services.network` asks the access
policy) and passes their ids; nothing else is read here, so a record left out contributes no link, no
node and no node fact, not even a name. Pass only current versions of records.

- **Nodes** are the live entities (following ``merged_into_id`` chains, so merged entities collapse
  into one) linked to a party of a given record, or at either end of a typed relationship evidenced
  by one.
- **Co-occurrence**: every two parties of one record that are different entities are linked, with
  that record as the evidence.
- **Typed relationships**: an :class:`~crimelink.store.models.EntityRelationship` is a link with one
  piece of evidence per supporting record among those given.

Node facts come from the parties of the given records: the label is the commonest way they name the
entity (a person's name, else an address, VRM, number ...), never ``Entity.display_name``, which
linkage built from every record including ones the viewer may not see. ``context_record_ids`` (also
visible to the viewer) add to an existing node's label and safeguarding facts but make no links and
no nodes: a network filtered to one threat still shows that a child in it is a child.

- ``is_child``: a person party whose date of birth makes them under 18 on the record's date, or a
  person party of a children's social care record (any party but the adults round them, such as a
  carer: :data:`SUPPORTING_PARTIES`) unless its date of birth shows they were 18 or over.
- ``vulnerable_adult``: a person party of an adult social care record, other than a supporting
  party, unless its date of birth shows a child.

A record's threats are its agency's own tags and those screening kept for it (the indicator catalogue
applied by :mod:`crimelink.services.record_screening`; evidence names them in ``screened``).

A record's date is its event date, else the day it was received; evidence carries it as
``event_date`` and it is the date evidence ages from (:mod:`crimelink.network.weights`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import DataCategory, EntityKind
from crimelink.ingest.importer import party_display
from crimelink.linkage.clusters import values_of
from crimelink.linkage.incremental import live_entities
from crimelink.network.model import Evidence, Network, Node, build_network
from crimelink.network.weights import CO_OCCURRENCE, DEFAULT_RULES, WeightRules, evidence_weight, grading_code
from crimelink.store.models import (
    Agency,
    Dataset,
    Entity,
    EntityRelationship,
    IntelligenceEvaluation,
    IntelligenceReport,
    RecordEntityLink,
    RecordScreening,
    RelationshipEvidence,
    SourceRecord,
)

#: Ids per ``IN (...)`` query: within every supported database's limit on bound parameters.
CHUNK_SIZE = 5000
#: Parties of a social care record who are not its subject: the adults round a child, who referred.
SUPPORTING_PARTIES = frozenset(
    {"carer", "parent", "guardian", "referrer", "reporter", "professional", "social_worker", "contact"}
)
ADULTHOOD_YEARS = 18
#: ``Evidence.parties`` of a typed relationship, which names no parties of a record.
NO_PARTIES: tuple[str, ...] = ()


@dataclass(frozen=True)
class NetworkEvidence:
    """What :func:`read_evidence` found: the nodes, and ``(entity a, entity b, evidence)`` triples."""

    nodes: list[Node]
    links: list[tuple[int, int, Evidence]]


@dataclass(frozen=True)
class _Record:
    id: int
    agency_code: str
    dataset: str
    category: DataCategory
    normalised: dict[str, Any]
    #: The agency's own tags, then those screening added (:mod:`crimelink.services.record_screening`).
    threats: tuple[str, ...]
    #: Event date, else the day received.
    on: date | None
    #: Threats screening tagged the record with that its agency did not.
    screened: tuple[str, ...] = ()


@dataclass
class _Facts:
    """What the parties of visible records say about one entity, gathered before it becomes a Node."""

    names: list[str] = field(default_factory=list)
    child: bool = False
    vulnerable_adult: bool = False


def read_evidence(
    session: Session,
    record_ids: Iterable[int],
    *,
    today: date,
    rules: WeightRules = DEFAULT_RULES,
    context_record_ids: Iterable[int] = (),
) -> NetworkEvidence:
    """Nodes and weighted evidence from the records ``record_ids`` (current versions the viewer may see).

    Example: ``found = read_evidence(session, visible_ids, today=date.today())`` then
    ``build_network(found.nodes, found.links)``, which is what :func:`read_network` does.
    """
    evidence_ids = set(record_ids)
    records = _load_records(session, evidence_ids)
    links = _load_links(session, evidence_ids)
    relationships = _load_relationships(session, evidence_ids)
    live = _live(session, {e for _, _, e in links} | {e for _, _, a, b in relationships for e in (a, b)})
    kinds = _kinds(session, set(live.values()))
    gradings = _gradings(session, evidence_ids)

    nodes, facts, parties_of = _nodes_of(records, links, live, kinds)
    make = _EvidenceMaker(gradings, today, rules)
    triples: list[tuple[int, int, Evidence]] = []
    for record_id, parties in parties_of.items():
        record = records[record_id]
        for i, (party_a, a) in enumerate(parties):
            for party_b, b in parties[i + 1 :]:
                if a != b:
                    triples.append((a, b, make(record, CO_OCCURRENCE, (party_a, party_b))))
    for record_id, kind, from_id, to_id in relationships:
        a, b = live[from_id], live[to_id]
        for entity in (a, b):
            if entity not in nodes:
                nodes[entity] = Node(entity_id=entity, kind=kinds[entity].value, label="")
        triples.append((a, b, make(records[record_id], kind, NO_PARTIES)))

    _add_context(session, set(context_record_ids) - evidence_ids, nodes, kinds, facts)
    for entity, node in nodes.items():
        found = facts.get(entity)
        node.label = _label(found.names if found else [], node.kind, entity)
        node.is_child = bool(found and found.child)
        node.vulnerable_adult = bool(found and found.vulnerable_adult)
    return NetworkEvidence([nodes[e] for e in sorted(nodes)], triples)


def read_network(
    session: Session,
    record_ids: Iterable[int],
    *,
    today: date,
    rules: WeightRules = DEFAULT_RULES,
    context_record_ids: Iterable[int] = (),
) -> Network:
    """The network built from :func:`read_evidence`."""
    found = read_evidence(
        session, record_ids, today=today, rules=rules, context_record_ids=context_record_ids
    )
    return build_network(found.nodes, found.links)


def party_label(fields: dict[str, Any]) -> str:
    """A party as one short line: a person's name, else its most telling field (address, VRM, number)."""
    name = fields.get("full_name")
    if name:
        return str(name)
    given, family = fields.get("given_name"), fields.get("family_name")
    if given or family:
        return " ".join(str(part) for part in (given, family) if part)
    return party_display(fields)


# --- the facts of a party ------------------------------------------------------------------------


def _nodes_of(
    records: dict[int, _Record],
    links: list[tuple[int, str, int]],
    live: dict[int, int],
    kinds: dict[int, EntityKind],
) -> tuple[dict[int, Node], dict[int, _Facts], dict[int, list[tuple[str, int]]]]:
    """A node for each live entity the records name, its facts so far, and each record's (party, entity)."""
    nodes: dict[int, Node] = {}
    facts: dict[int, _Facts] = defaultdict(_Facts)
    parties_of: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for record_id, party, entity_id in links:
        record, entity = records[record_id], live[entity_id]
        node = nodes.get(entity)
        if node is None:
            node = nodes[entity] = Node(entity_id=entity, kind=kinds[entity].value, label="")
        node.record_ids.add(record_id)
        node.agencies.add(record.agency_code)
        node.parties[party] += 1
        node.threats.update(record.threats)
        _note_party(facts[entity], record, party, kinds[entity])
        parties_of[record_id].append((party, entity))
    return nodes, facts, parties_of


def _note_party(facts: _Facts, record: _Record, party: str, kind: EntityKind) -> None:
    fields = record.normalised.get(party)
    if not isinstance(fields, dict):
        return
    facts.names.append(party_label(fields))
    if kind is not EntityKind.PERSON:
        return
    adult = _adult_on(fields, record.on)
    if adult is False:
        facts.child = True
    if party in SUPPORTING_PARTIES:
        return
    if record.category is DataCategory.CHILDREN_SOCIAL_CARE and adult is not True:
        facts.child = True
    if record.category is DataCategory.ADULT_SOCIAL_CARE and adult is not False:
        facts.vulnerable_adult = True


def _adult_on(fields: dict[str, Any], on: date | None) -> bool | None:
    """Whether the party was 18 or over on ``on`` by a date of birth it gives; ``None`` when unknown."""
    if on is None:
        return None
    for text in values_of(fields.get("dob")):
        try:
            born = date.fromisoformat(text[:10])
        except ValueError:
            continue
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        return age >= ADULTHOOD_YEARS
    return None


def _label(names: list[str], kind: str, entity_id: int) -> str:
    counts = Counter(name for name in names if name)
    if not counts:
        # Only at the end of a relationship whose record does not name it: say what it is, no more.
        return f"{kind.replace('_', ' ').lower()} {entity_id}"
    return min(counts, key=lambda name: (-counts[name], name))


@dataclass
class _EvidenceMaker:
    """Evidence of one record; weights are remembered, as many records share a date, grade and parties."""

    gradings: dict[int, str | None]
    today: date
    rules: WeightRules
    _weights: dict[tuple[str, str | None, date | None, tuple[str, ...]], float] = field(default_factory=dict)

    def __call__(self, record: _Record, kind: str, parties: tuple[str, ...]) -> Evidence:
        grading = self.gradings.get(record.id)
        key = (kind, grading, record.on, parties)
        weight = self._weights.get(key)
        if weight is None:
            weight = self._weights[key] = evidence_weight(
                kind=kind,
                grading=grading,
                event_date=record.on,
                parties=parties,
                today=self.today,
                rules=self.rules,
            )
        return Evidence(
            record_id=record.id,
            agency_code=record.agency_code,
            dataset=record.dataset,
            kind=kind,
            parties=parties,
            grading=grading,
            event_date=record.on,
            threats=record.threats,
            weight=weight,
            category=record.category.value,
            screened=record.screened,
        )


def _add_context(
    session: Session,
    context_ids: set[int],
    nodes: dict[int, Node],
    kinds: dict[int, EntityKind],
    facts: dict[int, _Facts],
) -> None:
    """Labels and safeguarding facts of existing nodes from the other visible records."""
    if not context_ids or not nodes:
        return
    family = _merged_into(session, set(nodes))
    wanted: list[tuple[int, str, int]] = []
    for chunk in _chunks(family):
        for record_id, party, entity_id in session.execute(
            select(RecordEntityLink.record_id, RecordEntityLink.party, RecordEntityLink.entity_id).where(
                RecordEntityLink.entity_id.in_(chunk)
            )
        ):
            if record_id in context_ids:
                wanted.append((record_id, party, family[entity_id]))
    records = _load_records(session, {record_id for record_id, _, _ in wanted})
    for record_id, party, entity in sorted(wanted):
        _note_party(facts[entity], records[record_id], party, kinds[entity])


# --- bulk reads ----------------------------------------------------------------------------------


def _chunks(ids: Collection[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK_SIZE):
        yield ordered[start : start + CHUNK_SIZE]


def _load_records(session: Session, ids: Collection[int]) -> dict[int, _Record]:
    if not ids:
        return {}
    agencies: dict[int, str] = dict(session.execute(select(Agency.id, Agency.code)).all())
    datasets = {
        dataset_id: (code, category)
        for dataset_id, code, category in session.execute(select(Dataset.id, Dataset.code, Dataset.category))
    }
    records: dict[int, _Record] = {}
    for chunk in _chunks(ids):
        screened = {
            int(record_id): tuple(str(t) for t in threats)
            for record_id, threats in session.execute(
                select(RecordScreening.record_id, RecordScreening.threats).where(
                    RecordScreening.record_id.in_(chunk)
                )
            )
            if threats
        }
        for row in session.execute(
            select(
                SourceRecord.id,
                SourceRecord.agency_id,
                SourceRecord.dataset_id,
                SourceRecord.normalised,
                SourceRecord.threats,
                SourceRecord.event_date,
                SourceRecord.received_at,
            ).where(SourceRecord.id.in_(chunk))
        ):
            code, category = datasets[row.dataset_id]
            declared = tuple(dict.fromkeys(str(t) for t in row.threats or ()))
            added = tuple(t for t in screened.get(row.id, ()) if t not in declared)
            records[row.id] = _Record(
                id=row.id,
                agency_code=agencies[row.agency_id],
                dataset=code,
                category=DataCategory(category),
                normalised=row.normalised if isinstance(row.normalised, dict) else {},
                threats=declared + added,
                on=row.event_date or (row.received_at.date() if row.received_at else None),
                screened=added,
            )
    return records


def _load_links(session: Session, ids: Collection[int]) -> list[tuple[int, str, int]]:
    """(record id, party, entity id) of every party of the records, in record then party order."""
    found: list[tuple[int, str, int]] = []
    for chunk in _chunks(ids):
        found.extend(
            (record_id, party, entity_id)
            for record_id, party, entity_id in session.execute(
                select(RecordEntityLink.record_id, RecordEntityLink.party, RecordEntityLink.entity_id)
                .where(RecordEntityLink.record_id.in_(chunk))
                .order_by(RecordEntityLink.record_id, RecordEntityLink.party)
            )
        )
    return found


def _load_relationships(session: Session, ids: Collection[int]) -> list[tuple[int, str, int, int]]:
    """(record id, relationship type, from entity, to entity) for each relationship the records support."""
    found: list[tuple[int, str, int, int]] = []
    for chunk in _chunks(ids):
        for record_id, kind, from_id, to_id in session.execute(
            select(
                RelationshipEvidence.record_id,
                EntityRelationship.kind,
                EntityRelationship.from_entity_id,
                EntityRelationship.to_entity_id,
            )
            .join(EntityRelationship, EntityRelationship.id == RelationshipEvidence.relationship_id)
            .where(RelationshipEvidence.record_id.in_(chunk))
            .order_by(RelationshipEvidence.record_id, EntityRelationship.id)
        ):
            found.append((record_id, kind.value, from_id, to_id))
    return found


def _live(session: Session, ids: Collection[int]) -> dict[int, int]:
    """Entity id -> the live entity it was (perhaps in a chain) merged into, or itself."""
    found: dict[int, int] = {}
    for chunk in _chunks(ids):
        found.update(live_entities(session, set(chunk)))
    return found


def _merged_into(session: Session, live_ids: Collection[int]) -> dict[int, int]:
    """Each of ``live_ids``, and every entity merged into one of them (perhaps in a chain), -> that one."""
    found = {entity_id: entity_id for entity_id in live_ids}
    frontier: set[int] = set(live_ids)
    while frontier:
        step: dict[int, int] = {}
        for chunk in _chunks(frontier):
            for entity_id, into in session.execute(
                select(Entity.id, Entity.merged_into_id).where(Entity.merged_into_id.in_(chunk))
            ):
                if entity_id not in found and into is not None:
                    step[entity_id] = found[into]
        found.update(step)
        frontier = set(step)
    return found


def _kinds(session: Session, ids: Collection[int]) -> dict[int, EntityKind]:
    found: dict[int, EntityKind] = {}
    for chunk in _chunks(ids):
        found.update(
            (entity_id, EntityKind(kind))
            for entity_id, kind in session.execute(select(Entity.id, Entity.kind).where(Entity.id.in_(chunk)))
        )
    return found


def _gradings(session: Session, ids: Collection[int]) -> dict[int, str | None]:
    """Record id -> the grade of its report's newest evaluation (as :func:`grading_code` writes it)."""
    found: dict[int, str | None] = {}
    for chunk in _chunks(ids):
        for record_id, source, assessment, legacy in session.execute(
            select(
                IntelligenceReport.source_record_id,
                IntelligenceEvaluation.source_evaluation,
                IntelligenceEvaluation.intelligence_assessment,
                IntelligenceEvaluation.legacy_grading,
            )
            .join(IntelligenceEvaluation, IntelligenceEvaluation.report_id == IntelligenceReport.id)
            .where(IntelligenceReport.source_record_id.in_(chunk))
            .order_by(IntelligenceEvaluation.id)
        ):
            found[record_id] = grading_code(source, assessment, legacy)
    return found
