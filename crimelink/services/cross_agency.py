"""The cross-agency report: which people, places and things several agencies hold records on.

Which agencies hold how many records on an entity is hit / no-hit information (docs/access.md), so
every entity known to enough agencies is listed with its holdings, whoever asks; its name comes only
from records the asker may see (see :mod:`crimelink.services.entities`). Grouped queries over the
current records' links count and order the entities; the policy then decides each record of the page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, load_access_context
from crimelink.domain import Classification, EntityKind
from crimelink.services.callers import authorise, record_event
from crimelink.services.entities import (
    RecordVisibility,
    current_version,
    derived_identity,
    highest_marking,
    party_of,
)
from crimelink.store.models import Agency, Entity, RecordEntityLink, SourceRecord

#: The most entities one page of the report lists.
MAX_REPORT_LIMIT = 200


@dataclass(frozen=True)
class ReportHolding:
    agency_code: str
    agency_name: str
    records: int
    visible: int


@dataclass(frozen=True)
class CrossAgencyEntity:
    id: int
    kind: str
    #: From the records the actor may see; ``None`` when they may see none.
    display_name: str | None
    agencies: int
    records: int
    visible_records: int
    holdings: list[ReportHolding]


@dataclass(frozen=True)
class CrossAgencyReport:
    min_agencies: int
    kind: str | None
    limit: int
    offset: int
    #: Entities known to at least ``min_agencies`` agencies (of ``kind``, when given).
    total: int
    #: The same count for each kind, whatever ``kind`` is, for choosing one.
    kinds: dict[str, int]
    entities: list[CrossAgencyEntity]
    marking: str


def cross_agency_report(
    session: Session,
    actor: Actor,
    *,
    min_agencies: int = 2,
    kind: EntityKind | None = None,
    limit: int = 50,
    offset: int = 0,
) -> CrossAgencyReport:
    """Entities known to at least ``min_agencies`` agencies, most agencies first. Audited.

    Which agencies hold how many records on an entity is hit / no-hit information, so every entity
    is listed with its holdings; its name comes only from records the actor may see.
    """
    authorise(actor, Action.RECORD_SEARCH)
    min_agencies = max(min_agencies, 1)
    limit = min(max(limit, 1), MAX_REPORT_LIMIT)
    offset = max(offset, 0)
    agency_count = func.count(distinct(SourceRecord.agency_id))
    record_count = func.count(distinct(SourceRecord.id))
    grouped = (
        select(
            RecordEntityLink.entity_id.label("entity_id"),
            Entity.kind.label("kind"),
            agency_count.label("agencies"),
            record_count.label("records"),
        )
        .join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
        .join(Entity, Entity.id == RecordEntityLink.entity_id)
        .where(Entity.merged_into_id.is_(None), current_version())
        .group_by(RecordEntityLink.entity_id, Entity.kind)
        .having(agency_count >= min_agencies)
    )
    facet = grouped.subquery()
    kinds = {
        EntityKind(k).value: n
        for k, n in session.execute(
            select(facet.c.kind, func.count()).group_by(facet.c.kind).order_by(facet.c.kind)
        ).all()
    }
    total = kinds.get(kind.value, 0) if kind is not None else sum(kinds.values())
    page_query = grouped.where(Entity.kind == kind) if kind is not None else grouped
    page = session.execute(
        page_query.order_by(agency_count.desc(), record_count.desc(), RecordEntityLink.entity_id)
        .limit(limit)
        .offset(offset)
    ).all()
    entities, marking = _report_rows(session, actor, page)
    record_event(
        session,
        actor,
        action="report",
        resource_type="cross_agency",
        details={
            "min_agencies": min_agencies,
            "kind": kind.value if kind else None,
            "offset": offset,
            "entities": [e.id for e in entities],
        },
    )
    return CrossAgencyReport(
        min_agencies=min_agencies,
        kind=kind.value if kind else None,
        limit=limit,
        offset=offset,
        total=total,
        kinds=kinds,
        entities=entities,
        marking=marking,
    )


def _report_rows(session: Session, actor: Actor, page: Sequence[Any]) -> tuple[list[CrossAgencyEntity], str]:
    """Holdings and (visible-only) names for one page of the report; the policy decides each record."""
    ids = [row.entity_id for row in page]
    if not ids:
        return [], Classification.OFFICIAL.value
    visible = RecordVisibility(actor, load_access_context(session))
    agencies = {a.id: a for a in session.scalars(select(Agency))}
    held: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    seen: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    parties: dict[int, list[dict[str, Any]]] = defaultdict(list)
    shown: list[Classification] = []
    for link, record in session.execute(
        select(RecordEntityLink, SourceRecord)
        .join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
        .where(RecordEntityLink.entity_id.in_(ids), current_version())
        .order_by(SourceRecord.id)
    ).all():
        held[link.entity_id][record.agency_id].add(record.id)
        if visible(record):
            seen[link.entity_id][record.agency_id].add(record.id)
            parties[link.entity_id].append(party_of(record, link.party))
            shown.append(record.classification)
    rows = []
    for row in page:
        kind = EntityKind(row.kind)
        name, _ = derived_identity(kind, parties[row.entity_id])
        by_agency = held[row.entity_id]
        rows.append(
            CrossAgencyEntity(
                id=row.entity_id,
                kind=kind.value,
                display_name=name,
                agencies=row.agencies,
                records=row.records,
                visible_records=sum(len(s) for s in seen[row.entity_id].values()),
                holdings=[
                    ReportHolding(
                        agencies[agency_id].code,
                        agencies[agency_id].name,
                        len(record_ids),
                        len(seen[row.entity_id][agency_id]),
                    )
                    for agency_id, record_ids in sorted(by_agency.items(), key=lambda i: agencies[i[0]].code)
                ],
            )
        )
    return rows, highest_marking(shown)
