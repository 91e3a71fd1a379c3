"""The SOC local profile's figures from records: one pass over the current records a reader may see.

The access policy decides every current record once (:class:`~crimelink.services.entities.RecordVisibility`);
a record it refuses adds nothing to any figure here: not to a dataset's count, a month's intelligence, a
threat area, a community-impact kind or a point on the map. So a partner's copy of the profile counts only
what that partner may see, and says so.

What is counted, for the period (a record's date is its event date, else the day it was received):

- records per agency and dataset (all current versions, and those dated in the period);
- intelligence reports per month, graded (3x5x2) or not (legacy 5x5x5 or no grade), and per threat area;
- intelligence past its review date (``review_due``) and intelligence older than the period;
- records per threat area (by their threat tags);
- for the community-impact categories (environmental, trading standards, housing, licensing), records by
  the kind of case their own codes give (``waste_type``, ``case_type``, ``licence_type``...), never by name;
- points on the map: records whose parties carry a latitude and longitude, gathered into grid cells.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from crimelink.access import Actor, load_access_context
from crimelink.domain import Classification, DataCategory
from crimelink.services.entities import RecordVisibility, current_version
from crimelink.services.record_screening import screened_threats
from crimelink.store.models import Dataset, IntelligenceEvaluation, IntelligenceReport, SourceRecord

#: Categories whose records speak of the community's experience of organised crime.
COMMUNITY_CATEGORIES = (
    DataCategory.ENVIRONMENTAL,
    DataCategory.TRADING_STANDARDS,
    DataCategory.HOUSING,
    DataCategory.LICENSING,
)
#: Party fields that hold a record's own code for its kind of case (upper-case tokens, never names).
KIND_FIELDS = ("waste_type", "case_type", "licence_type", "referral_reason", "inspection_outcome")
#: Grid cell of the hotspot map, in degrees (about 450 m north-south and 400 m east-west in London).
CELL_LAT = 0.004
CELL_LON = 0.006
#: Records are read from the store this many at a time.
_BATCH = 2000


@dataclass
class DatasetTally:
    dataset_id: int
    agency_id: int
    code: str
    title: str
    category: DataCategory
    records: int = 0
    in_period: int = 0
    intelligence: int = 0


@dataclass
class MapCell:
    """A grid cell of the map: its centre and how many visible records (and threat-tagged ones) lie in it."""

    lat: float
    lon: float
    records: int = 0
    threat_records: int = 0


@dataclass
class RecordFigures:
    """What one reader's visible records add up to, for one period."""

    since: date
    until: date
    #: The highest classification of any record counted (OFFICIAL when none is).
    marking: Classification = Classification.OFFICIAL
    visible_records: int = 0
    datasets: dict[int, DatasetTally] = field(default_factory=dict)
    #: Month (first day) -> {"graded": n, "ungraded": n} for intelligence dated in the period.
    intelligence_by_month: dict[date, Counter[str]] = field(default_factory=dict)
    intelligence_in_period: int = 0
    intelligence_total: int = 0
    ungraded_intelligence: int = 0
    #: Intelligence (all dates) whose review date has passed.
    review_overdue_intelligence: int = 0
    #: Intelligence dated before the period began.
    older_intelligence: int = 0
    #: Threat code -> records dated in the period tagged with it.
    threat_records: Counter[str] = field(default_factory=Counter)
    #: Threat code -> graded intelligence reports dated in the period tagged with it.
    threat_graded_intelligence: Counter[str] = field(default_factory=Counter)
    #: Category -> kind code -> records dated in the period.
    community: dict[DataCategory, Counter[str]] = field(default_factory=dict)
    #: Category -> records dated in the period (with or without a kind code).
    community_records: Counter[DataCategory] = field(default_factory=Counter)
    cells: dict[tuple[int, int], MapCell] = field(default_factory=dict)
    #: Record ids counted in the period (for the threat assessment's and the marking's sake).
    period_record_ids: list[int] = field(default_factory=list)

    @property
    def located_records(self) -> int:
        return sum(cell.records for cell in self.cells.values())


def month_of(day: date) -> date:
    return day.replace(day=1)


def _graded_reports(session: Session) -> dict[int, bool]:
    """Source record id -> whether its intelligence report's current grading is 3x5x2."""
    latest = (
        select(func.max(IntelligenceEvaluation.id).label("id"))
        .group_by(IntelligenceEvaluation.report_id)
        .subquery()
    )
    graded = {
        int(record_id): source is not None and assessment is not None
        for record_id, source, assessment in session.execute(
            select(
                IntelligenceReport.source_record_id,
                IntelligenceEvaluation.source_evaluation,
                IntelligenceEvaluation.intelligence_assessment,
            )
            .join(IntelligenceEvaluation, IntelligenceEvaluation.report_id == IntelligenceReport.id)
            .join(latest, latest.c.id == IntelligenceEvaluation.id)
        )
    }
    for (record_id,) in session.execute(select(IntelligenceReport.source_record_id)):
        graded.setdefault(int(record_id), False)
    return graded


def _current_records(session: Session) -> Iterator[SourceRecord]:
    query = (
        select(SourceRecord)
        .options(
            load_only(
                SourceRecord.id,
                SourceRecord.agency_id,
                SourceRecord.dataset_id,
                SourceRecord.handling_code,
                SourceRecord.handling_conditions,
                SourceRecord.classification,
                SourceRecord.caveats,
                SourceRecord.threats,
                SourceRecord.event_date,
                SourceRecord.received_at,
                SourceRecord.review_due,
                SourceRecord.normalised,
            )
        )
        .where(current_version())
        .order_by(SourceRecord.id)
        .execution_options(yield_per=_BATCH)
    )
    yield from session.scalars(query)


def _point(normalised: dict[str, object]) -> tuple[float, float] | None:
    for party in normalised.values():
        if not isinstance(party, dict):
            continue
        lat, lon = party.get("latitude"), party.get("longitude")
        numbers = isinstance(lat, int | float) and isinstance(lon, int | float)
        if numbers and -90 <= float(lat) <= 90 and -180 <= float(lon) <= 180:  # type: ignore[arg-type]
            return float(lat), float(lon)  # type: ignore[arg-type]
    return None


def _kinds(normalised: dict[str, object]) -> list[str]:
    found: list[str] = []
    for party in normalised.values():
        if isinstance(party, dict):
            for name in KIND_FIELDS:
                value = party.get(name)
                if isinstance(value, str) and value.strip():
                    found.append(value.strip().upper()[:60])
    return found


def record_figures(session: Session, actor: Actor, *, since: date, until: date, today: date) -> RecordFigures:
    """Count the current records ``actor`` may see, for the period ``since`` to ``until`` (inclusive).

    Not audited here: the report that uses the figures records one event for the whole build.
    """
    visible = RecordVisibility(actor, load_access_context(session))
    datasets = {d.id: d for d in session.scalars(select(Dataset))}
    graded = _graded_reports(session)
    # A record's threats: its agency's tags and those screening kept for it (as the network counts them).
    screened = screened_threats(session)
    figures = RecordFigures(since=since, until=until)
    highest = Classification.OFFICIAL
    months: dict[date, Counter[str]] = defaultdict(Counter)
    for record in _current_records(session):
        if not visible(record):
            continue
        figures.visible_records += 1
        if record.classification.rank > highest.rank:
            highest = record.classification
        dataset = datasets[record.dataset_id]
        tally = figures.datasets.get(dataset.id)
        if tally is None:
            tally = figures.datasets[dataset.id] = DatasetTally(
                dataset.id, dataset.agency_id, dataset.code, dataset.title, dataset.category
            )
        tally.records += 1
        on = record.event_date or record.received_at.date()
        in_period = since <= on <= until
        intelligence = record.id in graded
        if intelligence:
            tally.intelligence += 1
            figures.intelligence_total += 1
            if not graded[record.id]:
                figures.ungraded_intelligence += 1
            if record.review_due < today:
                figures.review_overdue_intelligence += 1
            if on < since:
                figures.older_intelligence += 1
        if not in_period:
            continue
        tally.in_period += 1
        figures.period_record_ids.append(record.id)
        threats = [str(t) for t in (*(record.threats or ()), *screened.get(record.id, ()))]
        figures.threat_records.update(set(threats))
        if intelligence:
            figures.intelligence_in_period += 1
            months[month_of(on)]["graded" if graded[record.id] else "ungraded"] += 1
            if graded[record.id]:
                figures.threat_graded_intelligence.update(set(threats))
        if dataset.category in COMMUNITY_CATEGORIES:
            figures.community_records[dataset.category] += 1
            kinds = _kinds(record.normalised or {})
            if kinds:
                figures.community.setdefault(dataset.category, Counter()).update(kinds[:1])
        point = _point(record.normalised or {})
        if point is not None:
            key = (round(point[0] / CELL_LAT), round(point[1] / CELL_LON))
            cell = figures.cells.get(key)
            if cell is None:
                cell = figures.cells[key] = MapCell(lat=key[0] * CELL_LAT, lon=key[1] * CELL_LON)
            cell.records += 1
            cell.threat_records += bool(threats)
    figures.marking = highest
    figures.intelligence_by_month = dict(months)
    return figures


def period_months(since: date, until: date) -> list[date]:
    """The first day of every month of the period."""
    months: list[date] = []
    current = month_of(since)
    while current <= until:
        months.append(current)
        current = month_of(current + timedelta(days=32))
    return months
