"""Who else knows this? Resolved entities read through the access policy.

An entity's stored ``display_name`` and ``attributes`` were computed by linkage from *all* its records,
including records a given actor may not see, so they are never shown. What an actor learns of an entity
is derived from the records they may see; of the rest they learn only, per holding agency, "agency X
holds N records; contact Y" (docs/access.md, *Hit / no-hit*), with the record references needed to
raise a disclosure request. The policy is asked once per record per request.

Only the current version of each record counts: older versions keep their links as history. The
cross-agency report (:mod:`crimelink.services.cross_agency`) builds on the helpers here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from crimelink.access import AccessContext, Action, Actor, allowed, load_access_context
from crimelink.domain import Classification, EntityKind, grade_label
from crimelink.errors import NotFoundError
from crimelink.ingest.importer import party_display
from crimelink.linkage.clusters import ATTRIBUTE_FIELDS, values_of
from crimelink.services.callers import authorise, record_event
from crimelink.services.records import HoldingNotice, RecordView
from crimelink.store.models import (
    Agency,
    Dataset,
    Entity,
    EntityMerge,
    EntityRelationship,
    IntelligenceReport,
    RecordEntityLink,
    SourceRecord,
)


@dataclass(frozen=True)
class LinkExplanation:
    """How one party of a record was linked to the entity."""

    party: str
    #: deterministic | probabilistic | new | judgement (or another rule the linkage names)
    method: str
    match_probability: float | None
    model_version: str | None


@dataclass(frozen=True)
class EntityRecord:
    """A record about the entity that the actor may see, summarised; the record page has the rest."""

    id: int
    dataset_code: str
    dataset_title: str
    category: str
    source_key: str
    version: int
    handling_code: str
    handling_conditions: list[dict[str, Any]]
    classification: str
    caveats: list[str]
    event_date: date | None
    received_at: datetime
    #: The record's parties that are this entity, with their fields as this record gives them.
    parties: dict[str, dict[str, Any]]
    #: Sanitised text and grade, when the record is an intelligence report (never the raw text).
    intelligence_text: str | None
    grading: str | None
    links: list[LinkExplanation]


@dataclass(frozen=True)
class AgencyRecords:
    """One holding agency: the records the actor may see, and a holding notice for the rest."""

    agency_code: str
    agency_name: str
    contact: str
    records: list[EntityRecord]
    held: HoldingNotice | None


@dataclass(frozen=True)
class LinkedEntity:
    """Another entity connected to this one by records the actor may see."""

    id: int
    kind: str
    #: From the visible records that connect them; ``None`` when none of them names it.
    display_name: str | None
    #: ``SAME_RECORD`` (a party of the same record) and/or relationship types (``ASSOCIATE_OF``...).
    connections: list[str]
    #: The visible records that connect them.
    record_ids: list[int]


@dataclass(frozen=True)
class TimelineEntry:
    """A dated event: a visible record, or a merge or split of the entity's identity."""

    on: date
    #: record | merged (``other_entity_id`` merged into ``kept_entity_id``) | split_off | split_from
    event: str
    record_id: int | None = None
    agency_code: str | None = None
    dataset_title: str | None = None
    source_key: str | None = None
    kept_entity_id: int | None = None
    other_entity_id: int | None = None
    decided_by: str | None = None


@dataclass(frozen=True)
class EntityView:
    """What an actor may know of one entity. ``display_name`` is ``None`` when they may see no record."""

    id: int
    kind: str
    #: The id asked for, when it had been merged into this entity.
    merged_from: int | None
    #: Ids of every entity merged (directly or in a chain) into this one.
    merged_ids: list[int]
    display_name: str | None
    #: Identifying attributes as the visible records give them (most common value of each).
    attributes: dict[str, str]
    agencies: list[AgencyRecords]
    linked: list[LinkedEntity]
    timeline: list[TimelineEntry]
    visible_records: int
    hidden_records: int
    #: The highest classification of the records shown (the page's protective marking).
    marking: str

    @property
    def held_elsewhere(self) -> list[HoldingNotice]:
        return [agency.held for agency in self.agencies if agency.held is not None]


@dataclass(frozen=True)
class AgencyHolding:
    """The hit / no-hit answer for one agency: how many records it holds, whom to ask."""

    agency_code: str
    agency_name: str
    contact: str
    records: int
    #: How many of them the actor may see.
    visible: int
    #: Opaque references to the others, used only to raise a disclosure request for them.
    record_ids_to_request: tuple[int, ...]


@dataclass(frozen=True)
class EntityHoldings:
    id: int
    kind: str
    merged_from: int | None
    agencies: list[AgencyHolding]


@dataclass(frozen=True)
class EntityRef:
    id: int
    kind: str


# --- the policy, once per record ---------------------------------------------------------------


@dataclass
class RecordVisibility:
    """Asks the policy about each record once, however often a request meets it."""

    actor: Actor
    context: AccessContext
    _decided: dict[int, bool] = field(default_factory=dict)

    def __call__(self, record: SourceRecord) -> bool:
        decided = self._decided.get(record.id)
        if decided is None:
            resource = self.context.resource(record)
            decided = self._decided[record.id] = bool(allowed(self.actor, Action.RECORD_VIEW, resource))
        return decided


def current_version() -> ColumnElement[bool]:
    """True for the current (highest) version of a record."""
    newer = aliased(SourceRecord)
    return ~exists().where(
        newer.dataset_id == SourceRecord.dataset_id,
        newer.source_key == SourceRecord.source_key,
        newer.version > SourceRecord.version,
    )


def _family(session: Session, entity_id: int) -> tuple[Entity, list[int]]:
    """The surviving entity for ``entity_id`` (following merges) and every id merged into it."""
    entity = session.get(Entity, entity_id)
    if entity is None:
        raise NotFoundError(f"no entity {entity_id}: check the number, or search for the person or place")
    seen = {entity.id}
    while entity.merged_into_id is not None and entity.merged_into_id not in seen:
        target = session.get(Entity, entity.merged_into_id)
        if target is None:
            break
        seen.add(target.id)
        entity = target
    family, frontier = [entity.id], [entity.id]
    while frontier:
        merged = session.scalars(
            select(Entity.id).where(Entity.merged_into_id.in_(frontier), Entity.id.not_in(family))
        ).all()
        frontier = list(merged)
        family.extend(frontier)
    return entity, family


def survivor_id(session: Session, actor: Actor, entity_id: int) -> int:
    """The id of the entity ``entity_id`` now is: itself, or the entity it was merged into."""
    authorise(actor, Action.RECORD_VIEW)
    return _family(session, entity_id)[0].id


# --- deriving what may be shown ------------------------------------------------------------------


def party_label(fields: dict[str, Any]) -> str:
    """A party as one short line: a person's name, else its most telling field."""
    name = fields.get("full_name")
    if not name:
        name = " ".join(str(fields[part]) for part in ("given_name", "family_name") if fields.get(part))
    return str(name) if name else party_display(fields)


def _most_common(values: Iterable[str]) -> str | None:
    counts = Counter(v for v in values if v)
    return min(counts, key=lambda v: (-counts[v], v)) if counts else None


def derived_identity(
    kind: EntityKind, parties: Sequence[dict[str, Any]]
) -> tuple[str | None, dict[str, str]]:
    """(display name, attributes) from the given parties only: the visible records' view of the entity."""
    if not parties:
        return None, {}
    attributes: dict[str, str] = {}
    for name in ATTRIBUTE_FIELDS.get(kind, ()):
        value = _most_common(v for fields in parties for v in values_of(fields.get(name)))
        if value is not None:
            attributes[name] = value
    return _most_common(party_label(fields) for fields in parties), attributes


def highest_marking(classifications: Iterable[Classification]) -> str:
    highest = max(classifications, key=lambda c: c.rank, default=Classification.OFFICIAL)
    return highest.value


def _holding_notices(agencies: dict[int, Agency], hidden: dict[int, set[int]]) -> dict[int, HoldingNotice]:
    return {
        agency_id: HoldingNotice(
            agencies[agency_id].code,
            agencies[agency_id].name,
            agencies[agency_id].contact,
            len(ids),
            tuple(sorted(ids)),
        )
        for agency_id, ids in hidden.items()
        if ids
    }


# --- one entity ----------------------------------------------------------------------------------


def get_entity(session: Session, actor: Actor, entity_id: int) -> EntityView:
    """The entity as the actor may know it, following a merged id to its survivor. Audited.

    Example: ``get_entity(session, partner, 42).held_elsewhere`` lists the agencies holding records on
    entity 42 that the partner may not see, each with a count and a contact.
    """
    authorise(actor, Action.RECORD_VIEW)
    entity, family = _family(session, entity_id)
    visible = RecordVisibility(actor, load_access_context(session))
    agencies = {a.id: a for a in session.scalars(select(Agency))}
    records, links = _current_records(session, family)
    shown = [r for r in records.values() if visible(r)]
    hidden: dict[int, set[int]] = defaultdict(set)
    for record in records.values():
        if not visible(record):
            hidden[record.agency_id].add(record.id)
    kind = EntityKind(entity.kind)
    name, attributes = derived_identity(
        kind, [party_of(r, link.party) for r in shown for link in links[r.id]]
    )
    summaries = _summaries(session, shown, links, family)
    notices = _holding_notices(agencies, hidden)
    view = EntityView(
        id=entity.id,
        kind=kind.value,
        merged_from=entity_id if entity_id != entity.id else None,
        merged_ids=sorted(i for i in family if i != entity.id),
        display_name=name,
        attributes=attributes,
        agencies=[
            AgencyRecords(
                agency_code=agencies[agency_id].code,
                agency_name=agencies[agency_id].name,
                contact=agencies[agency_id].contact,
                records=[s for s in summaries if records[s.id].agency_id == agency_id],
                held=notices.get(agency_id),
            )
            for agency_id in sorted({r.agency_id for r in records.values()}, key=lambda a: agencies[a].code)
        ],
        linked=_linked_entities(session, family, visible) if shown else [],
        timeline=_timeline(session, family, shown, agencies) if shown else [],
        visible_records=len(shown),
        hidden_records=sum(len(ids) for ids in hidden.values()),
        marking=highest_marking(r.classification for r in shown),
    )
    record_event(
        session,
        actor,
        action="view",
        resource_type="entity",
        resource_id=str(entity.id),
        details={
            "requested": entity_id,
            "records_shown": sorted(r.id for r in shown),
            "held_elsewhere": view.hidden_records,
        },
    )
    return view


def _current_records(
    session: Session, family: list[int]
) -> tuple[dict[int, SourceRecord], dict[int, list[RecordEntityLink]]]:
    """The current records linked to the entity, and their links to it, by record id."""
    records: dict[int, SourceRecord] = {}
    links: dict[int, list[RecordEntityLink]] = defaultdict(list)
    for link, record in session.execute(
        select(RecordEntityLink, SourceRecord)
        .join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
        .where(RecordEntityLink.entity_id.in_(family), current_version())
        .order_by(SourceRecord.id, RecordEntityLink.party)
    ).all():
        records[record.id] = record
        links[record.id].append(link)
    return records, links


def party_of(record: SourceRecord, party: str) -> dict[str, Any]:
    """One party's normalised fields in a record (empty when the record no longer has it)."""
    fields = record.normalised.get(party)
    return fields if isinstance(fields, dict) else {}


def _summaries(
    session: Session,
    shown: list[SourceRecord],
    links: dict[int, list[RecordEntityLink]],
    family: list[int],
) -> list[EntityRecord]:
    if not shown:
        return []
    datasets = {
        d.id: d for d in session.scalars(select(Dataset).where(Dataset.id.in_({r.dataset_id for r in shown})))
    }
    # Reports of every record of the entity, by join rather than a list of ids (an address may have
    # thousands of records); only the visible ones are used.
    reports = {
        report.source_record_id: report
        for report in session.scalars(
            select(IntelligenceReport)
            .join(RecordEntityLink, RecordEntityLink.record_id == IntelligenceReport.source_record_id)
            .where(RecordEntityLink.entity_id.in_(family))
            .options(selectinload(IntelligenceReport.evaluations))
        ).unique()
    }
    summaries = []
    for record in shown:
        dataset, report = datasets[record.dataset_id], reports.get(record.id)
        grading = None
        if report is not None and report.evaluations:
            evaluation = report.current_evaluation
            grading = grade_label(
                evaluation.source_evaluation,
                evaluation.intelligence_assessment,
                evaluation.handling_code,
                evaluation.legacy_grading,
            )
        summaries.append(
            EntityRecord(
                id=record.id,
                dataset_code=dataset.code,
                dataset_title=dataset.title,
                category=dataset.category.value,
                source_key=record.source_key,
                version=record.version,
                handling_code=record.handling_code.value,
                handling_conditions=list(record.handling_conditions),
                classification=record.classification.value,
                caveats=list(record.caveats),
                event_date=record.event_date,
                received_at=record.received_at,
                parties={link.party: dict(party_of(record, link.party)) for link in links[record.id]},
                intelligence_text=report.text_sanitised if report is not None else None,
                grading=grading,
                links=[
                    LinkExplanation(link.party, link.method, link.match_probability, link.model_version)
                    for link in links[record.id]
                ],
            )
        )
    return summaries


@dataclass
class _Connections:
    """Other entities met through visible records: how, on which records, and their parties there."""

    how: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    records: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    parties: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))


def _linked_entities(session: Session, family: list[int], visible: RecordVisibility) -> list[LinkedEntity]:
    """Entities on the same visible records, and relationships whose evidence the actor may see."""
    found = _Connections()
    own_records = select(RecordEntityLink.record_id).where(RecordEntityLink.entity_id.in_(family))
    for link, record in session.execute(
        select(RecordEntityLink, SourceRecord)
        .join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
        .where(
            RecordEntityLink.record_id.in_(own_records),
            RecordEntityLink.entity_id.not_in(family),
            current_version(),
        )
    ).all():
        if visible(record):
            found.how[link.entity_id].add("SAME_RECORD")
            found.records[link.entity_id].add(record.id)
            found.parties[link.entity_id].append(party_of(record, link.party))
    _add_relationships(session, family, visible, found)
    if not found.how:
        return []
    kinds = dict(session.execute(select(Entity.id, Entity.kind).where(Entity.id.in_(found.how))).all())
    linked = []
    for other, how in found.how.items():
        kind = EntityKind(kinds[other])
        name, _ = derived_identity(kind, found.parties[other])
        linked.append(LinkedEntity(other, kind.value, name, sorted(how), sorted(found.records[other])))
    return sorted(linked, key=lambda e: (-len(e.record_ids), e.kind, e.display_name or "", e.id))


def _add_relationships(
    session: Session, family: list[int], visible: RecordVisibility, found: _Connections
) -> None:
    """Typed relationships of the entity, each only if a record evidencing it is one the actor may see."""
    relationships = session.scalars(
        select(EntityRelationship)
        .where(
            or_(EntityRelationship.from_entity_id.in_(family), EntityRelationship.to_entity_id.in_(family))
        )
        .options(selectinload(EntityRelationship.evidence))
    ).all()
    evidence_ids = {e.record_id for r in relationships for e in r.evidence}
    if not evidence_ids:
        return
    evidence = {
        r.id: r for r in session.scalars(select(SourceRecord).where(SourceRecord.id.in_(evidence_ids)))
    }
    named: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for link in session.scalars(select(RecordEntityLink).where(RecordEntityLink.record_id.in_(evidence_ids))):
        named[(link.record_id, link.entity_id)].append(party_of(evidence[link.record_id], link.party))
    for relationship in relationships:
        seen = [e.record_id for e in relationship.evidence if visible(evidence[e.record_id])]
        mine = relationship.from_entity_id in family
        other = relationship.to_entity_id if mine else relationship.from_entity_id
        if not seen or other in family:
            continue
        found.how[other].add(relationship.kind.value)
        found.records[other].update(seen)
        for record_id in seen:
            found.parties[other].extend(named.get((record_id, other), []))


def _timeline(
    session: Session, family: list[int], shown: list[SourceRecord], agencies: dict[int, Agency]
) -> list[TimelineEntry]:
    titles = dict(
        session.execute(
            select(Dataset.id, Dataset.title).where(Dataset.id.in_({r.dataset_id for r in shown}))
        ).all()
    )
    entries = [
        TimelineEntry(
            on=record.event_date or record.received_at.date(),
            event="record",
            record_id=record.id,
            agency_code=agencies[record.agency_id].code,
            dataset_title=titles[record.dataset_id],
            source_key=record.source_key,
        )
        for record in shown
    ]
    history = session.scalars(
        select(EntityMerge).where(
            or_(EntityMerge.kept_entity_id.in_(family), EntityMerge.other_entity_id.in_(family))
        )
    )
    for change in history:
        # The free-text reason is not shown: a person's judgement may quote records the viewer may not see.
        if change.operation == "merge":
            event = "merged"
        else:
            event = "split_off" if change.kept_entity_id in family else "split_from"
        entries.append(
            TimelineEntry(
                on=change.decided_at.date(),
                event=event,
                kept_entity_id=change.kept_entity_id,
                other_entity_id=change.other_entity_id,
                decided_by=change.decided_by,
            )
        )
    return sorted(entries, key=lambda e: (e.on, e.event != "record", e.record_id or 0))


# --- hit / no-hit --------------------------------------------------------------------------------


def agencies_knowing(session: Session, actor: Actor, entity_id: int) -> EntityHoldings:
    """Which agencies hold records on the entity, how many, and whom to ask: hit / no-hit. Audited.

    Any role that may search records may ask (docs/access.md: *Hit / no-hit*); nothing of any
    record's content is returned.
    """
    authorise(actor, Action.RECORD_SEARCH)
    entity, family = _family(session, entity_id)
    visible = RecordVisibility(actor, load_access_context(session))
    held: dict[int, set[int]] = defaultdict(set)
    hidden: dict[int, set[int]] = defaultdict(set)
    for record in session.scalars(
        select(SourceRecord)
        .where(
            SourceRecord.id.in_(
                select(RecordEntityLink.record_id).where(RecordEntityLink.entity_id.in_(family))
            ),
            current_version(),
        )
        .order_by(SourceRecord.id)
    ):
        held[record.agency_id].add(record.id)
        if not visible(record):
            hidden[record.agency_id].add(record.id)
    agencies = {a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_(held)))}
    holdings = [
        AgencyHolding(
            agency_code=agencies[agency_id].code,
            agency_name=agencies[agency_id].name,
            contact=agencies[agency_id].contact,
            records=len(ids),
            visible=len(ids) - len(hidden[agency_id]),
            record_ids_to_request=tuple(sorted(hidden[agency_id])),
        )
        for agency_id, ids in held.items()
    ]
    record_event(
        session,
        actor,
        action="view",
        resource_type="entity_holdings",
        resource_id=str(entity.id),
        details={"requested": entity_id, "agencies": sorted(h.agency_code for h in holdings)},
    )
    return EntityHoldings(
        id=entity.id,
        kind=EntityKind(entity.kind).value,
        merged_from=entity_id if entity_id != entity.id else None,
        agencies=sorted(holdings, key=lambda h: h.agency_code),
    )


def record_entities(session: Session, record: RecordView) -> dict[str, EntityRef]:
    """The entity each party of a record (one the actor was shown) is linked to, by party name."""
    rows = session.execute(
        select(RecordEntityLink.party, Entity.id, Entity.kind)
        .join(Entity, Entity.id == RecordEntityLink.entity_id)
        .where(RecordEntityLink.record_id == record.id)
    ).all()
    # An older version's link may name a merged entity: its page redirects to the survivor.
    return {party: EntityRef(entity_id, EntityKind(kind).value) for party, entity_id, kind in rows}
