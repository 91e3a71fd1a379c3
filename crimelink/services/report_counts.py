"""Counts the SOC local profile and the strategic group pack share: safeguarding, conflicts and groups.

Each is read as the meeting agenda reads it (:mod:`crimelink.services.meeting_agenda`): everyone who may
build a report learns how many there are, never who or where.

- **Safeguarding alerts**: by kind (child, adult at risk) and status. By threat area only as far as the
  reader may see the evidence behind each open alert (as the inbox shows threats); an open alert whose
  evidence the reader may not see is counted as "threat not shown".
- **Deconfliction conflicts** still open: by grade, with how long they have been open and how many are
  escalated. Only the deconfliction desk (``deconfliction.board``) gets them one by one, and then only
  the grade, the kinds of collision and the dates: never an operation, a place, a target or the rationale.
- **Organised crime groups**: by status and criminality for everyone; names only with ``group.view``.

Each count also says the highest classification of what it was counted from, so the report that prints
it can carry the right marking.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crimelink.access import Action, Actor, allowed, load_access_context
from crimelink.deconflict.windows import as_utc
from crimelink.domain import Classification, GroupStatus
from crimelink.domain.deconfliction import ConflictGrade, ConflictStatus
from crimelink.services.entities import RecordVisibility
from crimelink.services.safeguarding_scan import OPEN as OPEN_ALERTS
from crimelink.services.safeguarding_scan import STATUSES as ALERT_STATUSES
from crimelink.store.models import (
    Agency,
    Operation,
    OperationConflict,
    OrganisedCrimeGroup,
    SafeguardingAlert,
    SourceRecord,
)

#: The kinds of alert, in the order reports list them, with their words.
ALERT_KINDS = {"child": "Child", "adult_at_risk": "Adult at risk"}
#: How long a conflict has been open, in the bands reports count.
AGE_BANDS = ((7, "under a week"), (28, "one to four weeks"), (None, "over four weeks"))


def _higher(a: Classification, b: Classification) -> Classification:
    return a if a.rank >= b.rank else b


@dataclass(frozen=True)
class SafeguardingFigures:
    #: kind -> status -> alerts (every alert in the store).
    by_kind_status: dict[str, dict[str, int]]
    open_total: int
    #: Open alerts by threat area, from the evidence the reader may see.
    open_by_threat: dict[str, int]
    #: Open alerts none of whose evidence the reader may see.
    open_threat_not_shown: int
    marking: Classification

    @property
    def total(self) -> int:
        return sum(sum(statuses.values()) for statuses in self.by_kind_status.values())

    def open_of(self, kind: str) -> int:
        return sum(self.by_kind_status.get(kind, {}).get(s, 0) for s in OPEN_ALERTS)


def safeguarding_figures(session: Session, actor: Actor) -> SafeguardingFigures:
    """How many alerts there are, by kind and status, and the open ones by the threats the reader may see."""
    alerts = session.scalars(
        select(SafeguardingAlert).options(selectinload(SafeguardingAlert.evidence))
    ).all()
    by_kind_status = {kind: dict.fromkeys(ALERT_STATUSES, 0) for kind in ALERT_KINDS}
    record_ids = {e.record_id for alert in alerts for e in alert.evidence}
    records = {
        r.id: r for r in session.scalars(select(SourceRecord).where(SourceRecord.id.in_(sorted(record_ids))))
    }
    visible = RecordVisibility(actor, load_access_context(session))
    marking = Classification.OFFICIAL
    by_threat: Counter[str] = Counter()
    not_shown = 0
    for alert in alerts:
        by_kind_status.setdefault(alert.kind, dict.fromkeys(ALERT_STATUSES, 0))
        by_kind_status[alert.kind][alert.status] = by_kind_status[alert.kind].get(alert.status, 0) + 1
        for evidence in alert.evidence:
            marking = _higher(marking, records[evidence.record_id].classification)
        if alert.status not in OPEN_ALERTS:
            continue
        seen = [e for e in alert.evidence if visible(records[e.record_id])]
        threats = {str(tag["threat"]) for e in seen for tag in e.tags if tag.get("threat")}
        if threats:
            by_threat.update(threats)
        else:
            not_shown += 1
    return SafeguardingFigures(
        by_kind_status=by_kind_status,
        open_total=sum(1 for a in alerts if a.status in OPEN_ALERTS),
        open_by_threat=dict(sorted(by_threat.items(), key=lambda item: (-item[1], item[0]))),
        open_threat_not_shown=not_shown,
        marking=marking,
    )


@dataclass(frozen=True)
class ConflictLine:
    """One open conflict, for the desk only: never an operation, place, target or rationale."""

    id: int
    grade: str
    kinds: tuple[str, ...]
    detected_at: datetime
    days_open: int
    escalated: bool


@dataclass(frozen=True)
class ConflictFigures:
    by_grade: dict[str, int]
    #: grade -> age band -> open conflicts.
    by_age: dict[str, dict[str, int]]
    escalated: int
    #: One by one: only for the deconfliction desk (``None`` for everyone else).
    lines: list[ConflictLine] | None
    marking: Classification

    @property
    def total(self) -> int:
        return sum(self.by_grade.values())


def _band(days: int) -> str:
    for limit, words in AGE_BANDS:
        if limit is None or days < limit:
            return words
    return AGE_BANDS[-1][1]


def conflict_figures(session: Session, actor: Actor, *, today: date) -> ConflictFigures:
    """Open deconfliction conflicts by grade and age (and, for the desk, one by one)."""
    conflicts = session.scalars(
        select(OperationConflict)
        .where(OperationConflict.status == ConflictStatus.OPEN)
        .order_by(OperationConflict.detected_at, OperationConflict.id)
    ).all()
    operation_ids = {c.operation_id for c in conflicts} | {
        c.other_operation_id for c in conflicts if c.other_operation_id is not None
    }
    classifications = dict(
        session.execute(
            select(Operation.id, Operation.classification).where(Operation.id.in_(sorted(operation_ids)))
        ).all()
    )
    marking = Classification.OFFICIAL
    by_grade = {grade.value: 0 for grade in ConflictGrade}
    by_age = {grade.value: {words: 0 for _, words in AGE_BANDS} for grade in ConflictGrade}
    lines: list[ConflictLine] = []
    for conflict in conflicts:
        for operation_id in (conflict.operation_id, conflict.other_operation_id):
            if operation_id is not None and operation_id in classifications:
                marking = _higher(marking, classifications[operation_id])
        days = max(0, (today - as_utc(conflict.detected_at).date()).days)
        by_grade[conflict.grade.value] += 1
        by_age[conflict.grade.value][_band(days)] += 1
        lines.append(
            ConflictLine(
                id=conflict.id,
                grade=conflict.grade.value,
                kinds=tuple(conflict.kinds),
                detected_at=as_utc(conflict.detected_at),
                days_open=days,
                escalated=conflict.escalated_at is not None,
            )
        )
    return ConflictFigures(
        by_grade=by_grade,
        by_age=by_age,
        escalated=sum(1 for c in conflicts if c.escalated_at is not None),
        lines=lines if allowed(actor, Action.DECONFLICTION_BOARD) else None,
        marking=marking,
    )


@dataclass(frozen=True)
class GroupLine:
    """A confirmed group as a report names it (only for readers of groups)."""

    id: int
    name: str
    status: str
    structure: str
    criminality: tuple[str, ...]
    members: int
    lead_agency: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class GroupCounts:
    total: int
    by_status: dict[str, int]
    by_criminality: dict[str, int]
    #: (created, last changed) of every group, unnamed: what counts of new and changed groups need.
    dates: list[tuple[datetime, datetime]] = field(default_factory=list)
    #: Every group, with its name: only for readers of groups (``None`` for everyone else).
    groups: list[GroupLine] | None = field(default=None)


def group_counts(session: Session, actor: Actor) -> GroupCounts:
    """Confirmed organised crime groups by status and criminality; named only for ``group.view``."""
    found = session.scalars(
        select(OrganisedCrimeGroup)
        .options(selectinload(OrganisedCrimeGroup.memberships))
        .order_by(OrganisedCrimeGroup.name, OrganisedCrimeGroup.id)
    ).all()
    agencies = dict(session.execute(select(Agency.id, Agency.code)).all())
    statuses = Counter(g.status.value for g in found)
    criminality: Counter[str] = Counter(
        c for g in found if g.status != GroupStatus.ARCHIVED for c in g.criminality
    )
    lines = [
        GroupLine(
            id=g.id,
            name=g.name,
            status=g.status.value,
            structure=g.structure.value,
            criminality=tuple(g.criminality),
            members=len(g.memberships),
            lead_agency=agencies.get(g.lead_agency_id) if g.lead_agency_id is not None else None,
            created_at=as_utc(g.created_at),
            updated_at=as_utc(g.updated_at),
        )
        for g in found
    ]
    return GroupCounts(
        total=len(found),
        by_status={s.value: statuses.get(s.value, 0) for s in GroupStatus},
        by_criminality=dict(sorted(criminality.items(), key=lambda item: (-item[1], item[0]))),
        dates=[(line.created_at, line.updated_at) for line in lines],
        groups=lines if allowed(actor, Action.GROUP_VIEW) else None,
    )
