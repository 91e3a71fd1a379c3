"""What one actor may export: their network (or part of it) with the records behind it.

An export is read from :func:`crimelink.services.network.network_for`, so every entity, name, identifier,
link and record reference in it comes from current records the access policy lets the actor see; a
record they may not see adds nothing, not even a name. The writers in :mod:`crimelink.reports.exports`
turn an :class:`ExportSnapshot` into FollowTheMoney entities, CSV, i2 Analyst's Notebook CSV, GraphML
or GEXF; :func:`audit_export` records who exported what.

A **scope** is the whole network, one confirmed group (its recorded members and the things recorded
with them at confirmation, and the links between them; needs ``group.view``), or a set of entities (and
the links between them).

Each link gets one **relation** (:class:`Relation`) read from its evidence: a typed relationship first
(``ASSOCIATE_OF``, ``OWNS`` ...), else the names the record gives its two parties (a ``landlord`` and the
``premises``, a ``subject`` and an ``associate``, an ``employer`` and a ``worker``); the relation also
says which end is which (the owner, the asset). Anything else is :attr:`Relation.OTHER`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor
from crimelink.domain import EntityKind
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.linkage.clusters import values_of
from crimelink.linkage.incremental import live_entities
from crimelink.network.model import Evidence, Network
from crimelink.services.callers import authorise, record_event
from crimelink.services.entities import highest_marking
from crimelink.services.groups import get_group
from crimelink.services.network import network_for
from crimelink.store.models import (
    Agency,
    Dataset,
    EntityRelationship,
    GroupCandidateDecision,
    RecordEntityLink,
    RelationshipEvidence,
    SourceRecord,
)

#: Ids per ``IN (...)`` query.
_CHUNK = 5000
#: Identifying fields exported for each kind of entity, in the order they are shown.
EXPORT_FIELDS: dict[EntityKind, tuple[str, ...]] = {
    EntityKind.PERSON: (
        "full_name",
        "given_name",
        "family_name",
        "alias",
        "dob",
        "nino",
        "address",
        "postcode",
        "phone",
        "email",
    ),
    EntityKind.PREMISES: ("address", "postcode", "uprn"),
    EntityKind.VEHICLE: ("vrm", "vin"),
    EntityKind.PHONE: ("phone",),
    EntityKind.EMAIL: ("email",),
    EntityKind.BUSINESS: ("business_name", "company_number", "address", "postcode", "phone", "email"),
    EntityKind.BANK_ACCOUNT: ("account",),
    EntityKind.ONLINE_ACCOUNT: ("handle",),
}
#: Reported to a progress callback: (stage, done, total).
ProgressCallback = Callable[[str, int, int], None]


class Relation(StrEnum):
    """What a link is, as far as its evidence says."""

    FAMILY = "FAMILY"
    ASSOCIATE = "ASSOCIATE"
    DIRECTORSHIP = "DIRECTORSHIP"
    OWNERSHIP = "OWNERSHIP"
    EMPLOYMENT = "EMPLOYMENT"
    OTHER = "OTHER"


#: Typed relationships and the relation they are; the relationship's ``from`` end is the first role.
TYPED_RELATIONS: dict[str, Relation] = {
    "FAMILY_OF": Relation.FAMILY,
    "ASSOCIATE_OF": Relation.ASSOCIATE,
    "DIRECTOR_OF": Relation.DIRECTORSHIP,
    "OWNS": Relation.OWNERSHIP,
}
#: ``WORKS_AT`` runs from the employee to the employer: the reverse of the relation's order.
_EMPLOYED_AT = "WORKS_AT"

#: Party names of one record that make a relation: (relation, first party names, second party names,
#: the kinds the first and second may be). The first end is the relation's source (the owner, the
#: director, the employer, the person).
PARTY_RELATIONS: tuple[
    tuple[Relation, frozenset[str], frozenset[str], frozenset[str], frozenset[str]], ...
] = (
    (
        Relation.FAMILY,
        frozenset({"person", "subject", "child", "nominal"}),
        frozenset({"relative", "parent", "mother", "father", "sibling", "brother", "sister"}),
        frozenset({EntityKind.PERSON}),
        frozenset({EntityKind.PERSON}),
    ),
    (
        Relation.ASSOCIATE,
        frozenset({"person", "subject", "nominal", "suspect"}),
        frozenset({"associate"}),
        frozenset({EntityKind.PERSON}),
        frozenset({EntityKind.PERSON}),
    ),
    (
        Relation.DIRECTORSHIP,
        frozenset({"director"}),
        frozenset({"organization", "organisation", "business", "company"}),
        frozenset({EntityKind.PERSON, EntityKind.BUSINESS}),
        frozenset({EntityKind.BUSINESS}),
    ),
    (
        Relation.OWNERSHIP,
        frozenset({"owner", "landlord", "keeper", "registered_keeper"}),
        frozenset({"asset", "premises", "property", "vehicle", "account"}),
        frozenset({EntityKind.PERSON, EntityKind.BUSINESS}),
        frozenset({EntityKind.PREMISES, EntityKind.VEHICLE, EntityKind.BANK_ACCOUNT}),
    ),
    (
        Relation.EMPLOYMENT,
        frozenset({"employer", "business", "company"}),
        frozenset({"employee", "worker"}),
        frozenset({EntityKind.BUSINESS}),
        frozenset({EntityKind.PERSON}),
    ),
)
#: When a link's evidence says several things, the first of these wins.
RELATION_ORDER = (
    Relation.FAMILY,
    Relation.ASSOCIATE,
    Relation.DIRECTORSHIP,
    Relation.OWNERSHIP,
    Relation.EMPLOYMENT,
    Relation.OTHER,
)


@dataclass(frozen=True)
class ExportScope:
    """What part of the actor's network to export: all of it, one confirmed group, or some entities."""

    group_id: int | None = None
    entity_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.group_id is not None and self.entity_ids:
            raise InvalidInputError("group_id", "export a group or a set of entities, not both: clear one")

    @property
    def kind(self) -> str:
        if self.group_id is not None:
            return "group"
        return "entities" if self.entity_ids else "network"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "group_id": self.group_id, "entity_ids": sorted(self.entity_ids)}


@dataclass(frozen=True)
class RecordRef:
    """A record behind an exported entity or link, as the actor may see it."""

    record_id: int
    agency: str
    dataset: str
    source_key: str
    classification: str
    on: date | None

    @property
    def reference(self) -> str:
        """``AGENCY/dataset/key``: how a partner finds the record in their own system."""
        return f"{self.agency}/{self.dataset}/{self.source_key}"


@dataclass(frozen=True)
class ExportEntity:
    """A resolved entity as the actor's records describe it."""

    entity_id: int
    kind: EntityKind
    label: str
    #: Identifying field -> its values in the visible records (the commonest first).
    values: dict[str, tuple[str, ...]]
    agencies: tuple[str, ...]
    threats: tuple[str, ...]
    child: bool
    vulnerable_adult: bool
    records: tuple[RecordRef, ...]

    def first(self, name: str) -> str | None:
        found = self.values.get(name, ())
        return found[0] if found else None

    @property
    def marking(self) -> str:
        return highest_marking_of(self.records)


@dataclass(frozen=True)
class ExportEvidence:
    """One record's support for a link."""

    record: RecordRef
    #: ``co-occurrence`` or a relationship type.
    kind: str
    #: The two parties' names in the record, in the order of the link's ends (source, target).
    parties: tuple[str, ...]
    grading: str | None
    weight: float


@dataclass(frozen=True)
class ExportLink:
    """A link between two exported entities, oriented as its relation reads (source: owner, director ...)."""

    source: int
    target: int
    relation: Relation
    weight: float
    evidence: tuple[ExportEvidence, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted({item.kind for item in self.evidence}))

    @property
    def records(self) -> tuple[RecordRef, ...]:
        seen: dict[int, RecordRef] = {}
        for item in self.evidence:
            seen.setdefault(item.record.record_id, item.record)
        return tuple(seen[k] for k in sorted(seen))

    @property
    def first_seen(self) -> date | None:
        return min((r.on for r in self.records if r.on), default=None)

    @property
    def last_seen(self) -> date | None:
        return max((r.on for r in self.records if r.on), default=None)

    @property
    def roles(self) -> str:
        """How the records name the two ends, e.g. ``landlord / premises``; typed kinds as they are."""
        pairs = sorted({" / ".join(item.parties) for item in self.evidence if len(item.parties) == 2})
        typed = sorted({item.kind for item in self.evidence if item.kind != "co-occurrence"})
        return "; ".join([*typed, *pairs])

    @property
    def marking(self) -> str:
        return highest_marking_of(self.records)


@dataclass(frozen=True)
class ExportSnapshot:
    """Everything one export writes: what the actor may see of the scope, as of a day."""

    actor: str
    scope: ExportScope
    #: The scope in words, e.g. ``Group 3 (The Vance line)``.
    scope_text: str
    as_of: date
    entities: list[ExportEntity]
    links: list[ExportLink]
    #: The highest classification of the records behind the export.
    marking: str

    def index(self) -> dict[int, ExportEntity]:
        """The exported entities by id."""
        return {entity.entity_id: entity for entity in self.entities}


def highest_marking_of(records: Iterable[RecordRef]) -> str:
    from crimelink.domain import Classification

    return highest_marking(Classification(r.classification) for r in records)


# --- building a snapshot ---------------------------------------------------------------------------


def export_snapshot(
    session: Session,
    actor: Actor,
    *,
    scope: ExportScope | None = None,
    today: date | None = None,
    progress: ProgressCallback | None = None,
) -> ExportSnapshot:
    """What ``actor`` may export of ``scope`` (default: their whole network). Not audited: see
    :func:`audit_export`, which the writer calls with the format once the file is written.

    Example: ``export_snapshot(session, analyst, scope=ExportScope(group_id=3))``.
    """
    authorise(actor, Action.EXPORT_RUN)
    scope = scope or ExportScope()
    day = today or datetime.now(UTC).date()
    if scope.group_id is not None:
        authorise(actor, Action.GROUP_VIEW)
    _report(progress, "reading your network", 0, 1)
    network = network_for(session, actor, today=day)
    chosen, scope_text = _scope_entities(session, network, scope)
    sub = network if chosen is None else network.subnetwork(chosen)
    _report(progress, "reading your network", 1, 1)
    record_ids = sorted({r for node in sub.nodes.values() for r in node.record_ids})
    refs = _record_refs(session, record_ids)
    parties = _entity_parties(session, record_ids, set(sub.nodes))
    entities: list[ExportEntity] = []
    total = len(sub.nodes)
    for done, entity_id in enumerate(sorted(sub.nodes), start=1):
        node = sub.nodes[entity_id]
        kind = EntityKind(node.kind)
        entities.append(
            ExportEntity(
                entity_id=entity_id,
                kind=kind,
                label=node.label,
                values=_values(kind, node.label, parties.get(entity_id, [])),
                agencies=tuple(sorted(node.agencies)),
                threats=tuple(sorted(node.threats)),
                child=node.is_child,
                vulnerable_adult=node.vulnerable_adult,
                records=tuple(refs[r] for r in sorted(node.record_ids) if r in refs),
            )
        )
        if done % 500 == 0 or done == total:
            _report(progress, "entities", done, total)
    links = _links(session, sub, refs, progress)
    return ExportSnapshot(
        actor=actor.username,
        scope=scope,
        scope_text=scope_text,
        as_of=day,
        entities=entities,
        links=links,
        marking=highest_marking_of(refs.values()),
    )


def audit_export(
    session: Session, actor: Actor, snapshot: ExportSnapshot, *, export_format: str, size_bytes: int
) -> None:
    """Record the export: who, in what format, of what scope, how many entities and links."""
    record_event(
        session,
        actor,
        action=Action.EXPORT_RUN.value,
        resource_type="export",
        resource_id=export_format,
        details={
            "format": export_format,
            "scope": snapshot.scope.as_json(),
            "scope_text": snapshot.scope_text,
            "as_of": snapshot.as_of.isoformat(),
            "entities": len(snapshot.entities),
            "links": len(snapshot.links),
            "records": len({r.record_id for e in snapshot.entities for r in e.records}),
            "marking": snapshot.marking,
            "bytes": size_bytes,
        },
    )


def _report(progress: ProgressCallback | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


def _scope_entities(session: Session, network: Network, scope: ExportScope) -> tuple[set[int] | None, str]:
    if scope.group_id is not None:
        group = get_group(session, scope.group_id)
        members = {m.entity_id for m in group.memberships}
        decision = session.scalars(
            select(GroupCandidateDecision)
            .where(GroupCandidateDecision.group_id == group.id)
            .order_by(GroupCandidateDecision.id.desc())
        ).first()
        members |= set(decision.entities if decision else [])
        live = live_entities(session, members) if members else {}
        return {live[e] for e in members} & set(network.index), f"Group {group.id} ({group.name})"
    if scope.entity_ids:
        wanted = set(scope.entity_ids)
        live = live_entities(session, wanted)
        missing = sorted(e for e in wanted if live[e] not in network.index)
        if missing:
            raise NotFoundError(
                f"entit{'y' if len(missing) == 1 else 'ies'} {', '.join(map(str, missing))} "
                "not in your network: no record you may see names "
                f"{'it' if len(missing) == 1 else 'them'}. Check the numbers"
            )
        return {live[e] for e in wanted}, f"{len(wanted)} chosen entities and the links between them"
    return None, "Your whole network"


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _record_refs(session: Session, record_ids: Sequence[int]) -> dict[int, RecordRef]:
    agencies = dict(session.execute(select(Agency.id, Agency.code)).all())
    datasets = dict(session.execute(select(Dataset.id, Dataset.code)).all())
    refs: dict[int, RecordRef] = {}
    for chunk in _chunks(record_ids):
        for row in session.execute(
            select(
                SourceRecord.id,
                SourceRecord.agency_id,
                SourceRecord.dataset_id,
                SourceRecord.source_key,
                SourceRecord.classification,
                SourceRecord.event_date,
                SourceRecord.received_at,
            ).where(SourceRecord.id.in_(chunk))
        ):
            refs[row.id] = RecordRef(
                record_id=row.id,
                agency=agencies[row.agency_id],
                dataset=datasets[row.dataset_id],
                source_key=row.source_key,
                classification=row.classification.value,
                on=row.event_date or row.received_at.date(),
            )
    return refs


def _entity_parties(
    session: Session, record_ids: Sequence[int], entity_ids: set[int]
) -> dict[int, list[dict[str, Any]]]:
    """Each exported entity's parties in the records given (all of them visible to the actor)."""
    links: list[tuple[int, str, int]] = []
    for chunk in _chunks(record_ids):
        links.extend(
            (row.record_id, row.party, row.entity_id)
            for row in session.execute(
                select(RecordEntityLink.record_id, RecordEntityLink.party, RecordEntityLink.entity_id).where(
                    RecordEntityLink.record_id.in_(chunk)
                )
            )
        )
    live: dict[int, int] = {}
    raw_ids = sorted({e for _, _, e in links})
    for chunk in _chunks(raw_ids):
        live.update(live_entities(session, set(chunk)))
    normalised: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(record_ids):
        for row in session.execute(
            select(SourceRecord.id, SourceRecord.normalised).where(SourceRecord.id.in_(chunk))
        ):
            normalised[row.id] = row.normalised
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for record_id, party, entity_id in links:
        entity = live.get(entity_id, entity_id)
        fields = normalised.get(record_id, {}).get(party)
        if entity in entity_ids and isinstance(fields, dict):
            found[entity].append(fields)
    return found


def _values(kind: EntityKind, label: str, parties: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Every value of each identifying field in the parties, the commonest first (then alphabetical)."""
    values: dict[str, tuple[str, ...]] = {}
    for name in EXPORT_FIELDS.get(kind, ()):
        counts = Counter(v for fields in parties for v in values_of(fields.get(name)))
        if name == "full_name" and label and kind is EntityKind.PERSON and label not in counts:
            counts[label] = 0
        if counts:
            ranked = sorted(counts, key=lambda v: (-counts[v], v))
            if name == "full_name" and label in counts:
                ranked = [label, *(v for v in ranked if v != label)]
            values[name] = tuple(ranked)
    return values


# --- links -----------------------------------------------------------------------------------------


@dataclass
class _Directions:
    """(record id, relationship type) -> (from entity, to entity), live ids."""

    found: dict[tuple[int, str], list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))


def _typed_directions(session: Session, record_ids: Sequence[int]) -> _Directions:
    directions = _Directions()
    rows: list[tuple[int, str, int, int]] = []
    for chunk in _chunks(record_ids):
        rows.extend(
            (row.record_id, row.kind.value, row.from_entity_id, row.to_entity_id)
            for row in session.execute(
                select(
                    RelationshipEvidence.record_id,
                    EntityRelationship.kind,
                    EntityRelationship.from_entity_id,
                    EntityRelationship.to_entity_id,
                )
                .join(EntityRelationship, EntityRelationship.id == RelationshipEvidence.relationship_id)
                .where(RelationshipEvidence.record_id.in_(chunk))
            )
        )
    if rows:
        live = live_entities(session, {e for _, _, a, b in rows for e in (a, b)})
        for record_id, kind, from_id, to_id in rows:
            directions.found[(record_id, kind)].append((live[from_id], live[to_id]))
    return directions


def _links(
    session: Session, network: Network, refs: dict[int, RecordRef], progress: ProgressCallback | None
) -> list[ExportLink]:
    graph = network.graph
    if not graph.ecount():
        return []
    ids = [int(e) for e in graph.vs["entity_id"]]
    typed_records = sorted(
        {item.record_id for items in graph.es["evidence"] for item in items if item.kind != "co-occurrence"}
    )
    directions = _typed_directions(session, typed_records)
    kinds = {e: EntityKind(node.kind) for e, node in network.nodes.items()}
    links: list[ExportLink] = []
    total = graph.ecount()
    for done, ((u, v), evidence, weight) in enumerate(
        zip(graph.get_edgelist(), graph.es["evidence"], graph.es["weight"], strict=True), start=1
    ):
        a, b = sorted((ids[u], ids[v]))
        relation, source = _relation(a, b, evidence, kinds, directions)
        target = b if source == a else a
        items = tuple(
            ExportEvidence(
                record=refs[item.record_id],
                kind=item.kind,
                parties=item.parties if source == a else tuple(reversed(item.parties)),
                grading=item.grading,
                weight=round(item.weight, 4),
            )
            for item in evidence
            if item.record_id in refs
        )
        links.append(ExportLink(source, target, relation, round(float(weight), 4), items))
        if done % 1000 == 0 or done == total:
            _report(progress, "links", done, total)
    return sorted(links, key=lambda link: (min(link.source, link.target), max(link.source, link.target)))


def _relation(
    a: int, b: int, evidence: Sequence[Evidence], kinds: dict[int, EntityKind], directions: _Directions
) -> tuple[Relation, int]:
    """The link's relation and its source end (``a`` or ``b``; ``a`` when the relation has no direction)."""
    found: dict[Relation, int] = {}
    for item in evidence:
        if item.kind != "co-occurrence":
            for from_id, to_id in directions.found.get((item.record_id, item.kind), []):
                if {from_id, to_id} != {a, b}:
                    continue
                if item.kind == _EMPLOYED_AT:
                    found.setdefault(Relation.EMPLOYMENT, to_id)
                elif item.kind in TYPED_RELATIONS:
                    found.setdefault(TYPED_RELATIONS[item.kind], from_id)
            continue
        if len(item.parties) != 2:
            continue
        first, second = item.parties
        for relation, sources, targets, source_kinds, target_kinds in PARTY_RELATIONS:
            if (
                first in sources
                and second in targets
                and kinds[a] in source_kinds
                and kinds[b] in target_kinds
            ):
                found.setdefault(relation, a)
            elif (
                second in sources
                and first in targets
                and kinds[b] in source_kinds
                and kinds[a] in target_kinds
            ):
                found.setdefault(relation, b)
    for relation in RELATION_ORDER:
        if relation in found:
            return relation, found[relation]
    return Relation.OTHER, a


def exportable_groups(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Confirmed groups ``actor`` may export one of, as (id, name) by name: none without ``group.view``."""
    from crimelink.access import allowed
    from crimelink.store.models import OrganisedCrimeGroup

    if not allowed(actor, Action.GROUP_VIEW):
        return []
    query = select(OrganisedCrimeGroup.id, OrganisedCrimeGroup.name).order_by(OrganisedCrimeGroup.name)
    return [(row.id, row.name) for row in session.execute(query)]
