"""The safeguarding scan: screen records, find children and adults at risk in exploitation, raise alerts.

A person entity is

- a **child** on a record's date when a date of birth makes them under 18 then (their date of birth in
  that record, else the one their other records give most often), or, with no date of birth anywhere,
  when they are on a children's social care register (by default the ``child`` of ``children-known``);
- an **adult at risk** when they are not a child then and adult social care knows them (by default the
  ``client`` of ``vulnerable-adults``).

Such a person who is a party (through :class:`RecordEntityLink`, on the current version of a record,
following merges to the surviving entity; in a register's own records, only as its client, since the
carer or relative a case record names is its contact) of a record tagged with an exploitation threat
(:data:`crimelink.network.screening.EXPLOITATION_THREATS`: the holding agency's own tag, or indicators
weighing at least the minimum score) raises one alert per person and kind, with every such record as
evidence and the routes :func:`~crimelink.network.screening.suggest_routes` gives.

The scan is idempotent. Evidence is identified by dataset, source key and party, so a new version of a
record is the same evidence. Evidence already in an alert for the person and kind (of any status) raises
nothing; new evidence is added to the open alert, or, once every alert on them is decided, raises a new
alert with all the evidence. Each alert raised or added to writes an audit event in the transaction.

Intelligence is screened on its sanitised text only: raw intelligence never leaves the originator, and an
alert that said which indicator its raw text held would carry it out.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor
from crimelink.domain import EntityKind
from crimelink.domain.reference import default_reference
from crimelink.errors import NotFoundError
from crimelink.network.screening import (
    DEFAULT_MIN_SCORE,
    Screener,
    SubjectKind,
    ThreatTag,
    default_screener,
    suggest_routes,
)
from crimelink.services.callers import Caller, authorise, record_event
from crimelink.services.entities import current_version
from crimelink.services.record_screening import DatasetText, dataset_texts, record_content, screen_records
from crimelink.store.models import (
    Dataset,
    Entity,
    RecordEntityLink,
    RecordScreening,
    SafeguardingAction,
    SafeguardingAlert,
    SafeguardingEvidence,
    SourceRecord,
)
from crimelink.store.models.base import utcnow

#: Alert statuses, in the order an alert moves through them.
RAISED, ACKNOWLEDGED, REFERRED, NO_FURTHER_ACTION, CLOSED = (
    "raised",
    "acknowledged",
    "referred",
    "no_further_action",
    "closed",
)
STATUSES = (RAISED, ACKNOWLEDGED, REFERRED, NO_FURTHER_ACTION, CLOSED)
OPEN = (RAISED, ACKNOWLEDGED)
ADULT_AGE = 18
#: Records screened per query.
_CHUNK = 2000

RULES = {
    SubjectKind.CHILD: (
        "A child (under 18 on the record's date by a date of birth, or known to children's social care "
        "where no date of birth is known) is a party of a record tagged with an exploitation threat"
    ),
    SubjectKind.ADULT_AT_RISK: (
        "An adult known to adult social care as an adult at risk is a party of a record tagged with an "
        "exploitation threat"
    ),
}


@dataclass(frozen=True)
class Register:
    """A social care register: the ``party`` of its records is a person the agency knows as ``kind``."""

    dataset: str
    party: str
    kind: SubjectKind

    def describe(self) -> str:
        return f"{self.dataset}.{self.party}"


DEFAULT_REGISTERS = (
    Register("children-known", "child", SubjectKind.CHILD),
    Register("vulnerable-adults", "client", SubjectKind.ADULT_AT_RISK),
)


@dataclass(frozen=True)
class ScanSummary:
    """What a scan did: counts only, so any role allowed to scan may read it."""

    records_screened: int
    #: Records carrying at least one exploitation tag.
    records_tagged: int
    #: Exploitation tags by threat, over the records screened.
    tags_by_threat: dict[str, int]
    #: Children and adults at risk (distinct entities) found in tagged records.
    people_found: int
    alerts_raised: int
    alerts_updated: int
    alerts_unchanged: int
    min_score: int
    catalogue: str
    seconds: float
    #: Records (of any kind, not only those with a person at risk) screened for the network's threat tags
    #: in this scan because they had not been screened with its catalogue and minimum score before.
    records_screened_for_network: int = 0


# --- who is at risk ----------------------------------------------------------------------------


@dataclass
class _Person:
    """What the store says of one surviving person entity: dates of birth and register entries."""

    dobs: Counter[str] = field(default_factory=Counter)
    #: Where each date of birth was first seen (record id).
    dob_records: dict[str, int] = field(default_factory=dict)
    registers: dict[SubjectKind, list[int]] = field(default_factory=lambda: defaultdict(list))

    def usual_dob(self) -> str | None:
        if not self.dobs:
            return None
        return min(self.dobs, key=lambda dob: (-self.dobs[dob], dob))


@dataclass(frozen=True)
class _Appearance:
    party: str
    entity_id: int
    dob: str | None


def _parse(dob: str | None) -> date | None:
    if not dob:
        return None
    try:
        return date.fromisoformat(dob[:10])
    except ValueError:
        return None


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _at_risk(
    person: _Person, appearance: _Appearance, record_id: int, on: date
) -> tuple[SubjectKind, dict[str, Any]] | None:
    """Whether the person is a child or an adult at risk on ``on``, and the basis (the rule's inputs)."""
    own = _parse(appearance.dob)
    dob_text = appearance.dob if own is not None else person.usual_dob()
    born = own or _parse(dob_text)
    if born is not None and born <= on:
        age = _age(born, on)
        if age < ADULT_AGE:
            source = record_id if own is not None else person.dob_records.get(str(dob_text))
            return SubjectKind.CHILD, {
                "by": "date_of_birth",
                "dob": born.isoformat(),
                "dob_record_id": source,
                "age": age,
                "on": on.isoformat(),
            }
    elif born is None and person.registers.get(SubjectKind.CHILD):
        return SubjectKind.CHILD, {
            "by": "register",
            "register_record_ids": sorted(person.registers[SubjectKind.CHILD])[:20],
            "on": on.isoformat(),
        }
    if person.registers.get(SubjectKind.ADULT_AT_RISK):
        return SubjectKind.ADULT_AT_RISK, {
            "by": "register",
            "register_record_ids": sorted(person.registers[SubjectKind.ADULT_AT_RISK])[:20],
            "on": on.isoformat(),
        }
    return None


def _survivors(session: Session) -> dict[int, int]:
    merged: dict[int, int] = {
        entity_id: target
        for entity_id, target in session.execute(
            select(Entity.id, Entity.merged_into_id).where(Entity.merged_into_id.is_not(None))
        ).all()
        if target is not None
    }
    resolved: dict[int, int] = {}
    for start in merged:
        seen, entity = {start}, merged[start]
        while entity in merged and merged[entity] not in seen:
            seen.add(entity)
            entity = merged[entity]
        resolved[start] = entity
    return resolved


@dataclass
class _People:
    persons: dict[int, _Person] = field(default_factory=lambda: defaultdict(_Person))
    #: Each record with person parties: its date and its people.
    appearances: dict[int, list[_Appearance]] = field(default_factory=lambda: defaultdict(list))
    dates: dict[int, date] = field(default_factory=dict)


def _read_people(session: Session, survivors: dict[int, int], registers: Sequence[Register]) -> _People:
    """Pass one: every person party of every current record, with the dates of birth it gives.

    A register's record is about its client: the other people it names (a carer, a parent) are its
    contacts, so they do not appear in it as people who may be exploited (their dates of birth count).
    """
    codes = dict(session.execute(select(Dataset.id, Dataset.code)).all())
    register_of = {(r.dataset, r.party): r.kind for r in registers}
    register_datasets = {r.dataset for r in registers}
    people = _People()
    rows = session.execute(
        select(
            RecordEntityLink.record_id,
            RecordEntityLink.party,
            RecordEntityLink.entity_id,
            SourceRecord.dataset_id,
            SourceRecord.normalised,
            SourceRecord.event_date,
            SourceRecord.received_at,
        )
        .join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
        .join(Entity, Entity.id == RecordEntityLink.entity_id)
        .where(Entity.kind == EntityKind.PERSON, current_version())
        .order_by(RecordEntityLink.record_id),
        execution_options={"yield_per": 5000},
    )
    for record_id, party, entity_id, dataset_id, normalised, event_date, received_at in rows:
        entity = survivors.get(entity_id, entity_id)
        fields = (normalised or {}).get(party)
        dob = fields.get("dob") if isinstance(fields, dict) else None
        dob = dob if isinstance(dob, str) and _parse(dob) is not None else None
        person = people.persons[entity]
        if dob is not None:
            person.dobs[dob] += 1
            person.dob_records.setdefault(dob, record_id)
        code = codes.get(dataset_id, "")
        kind = register_of.get((code, party))
        if kind is not None:
            person.registers[kind].append(record_id)
        if kind is not None or code not in register_datasets:
            people.appearances[record_id].append(_Appearance(party, entity, dob))
        people.dates[record_id] = event_date or received_at.date()
    return people


# --- screening ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Finding:
    record_id: int
    slot: tuple[int, str, str]
    party: str
    tags: tuple[ThreatTag, ...]
    basis: dict[str, Any]


def _chunks(ids: Sequence[int], size: int = _CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- the scan ----------------------------------------------------------------------------------


def scan_safeguarding(
    session: Session,
    *,
    actor: Caller,
    today: date,
    min_score: int = DEFAULT_MIN_SCORE,
    registers: Sequence[Register] = DEFAULT_REGISTERS,
    screener: Screener | None = None,
) -> ScanSummary:
    """Screen the current records and raise (or add to) alerts. Idempotent; audited; the caller commits.

    ``today`` bounds the evidence: a record dated after it is left for a later scan.

    Example: ``scan_safeguarding(session, actor=SystemCaller("safeguarding-scan"), today=date.today())``
    run twice raises its alerts once.
    """
    authorise(actor, Action.SAFEGUARDING_SCAN)
    started = time.perf_counter()
    screener = screener or Screener(default_reference().indicators, min_score=min_score)
    # Every record's threat tags, kept for the network and read below (only records not yet screened with
    # these settings are screened).
    kept = screen_records(session, screener=screener)
    survivors = _survivors(session)
    people = _read_people(session, survivors, registers)
    candidates = _candidate_records(people, today)
    findings, tagged, by_threat = _screen(session, people, candidates)
    screened = len(candidates)
    settings = {
        "min_score": screener.min_score,
        "catalogue": screener.catalogue,
        "registers": [r.describe() for r in registers],
        "scanned_on": today.isoformat(),
    }
    raised = updated = unchanged = 0
    existing = _existing_alerts(session, survivors)
    for (entity_id, kind), found in sorted(findings.items()):
        outcome = _upsert(
            session, actor, entity_id, kind, found, existing.get((entity_id, kind), []), settings
        )
        raised += outcome == "raised"
        updated += outcome == "updated"
        unchanged += outcome == "unchanged"
    summary = ScanSummary(
        records_screened=screened,
        records_tagged=tagged,
        tags_by_threat=dict(sorted(by_threat.items())),
        people_found=len({entity_id for entity_id, _ in findings}),
        alerts_raised=raised,
        alerts_updated=updated,
        alerts_unchanged=unchanged,
        min_score=screener.min_score,
        catalogue=str(settings["catalogue"]),
        seconds=round(time.perf_counter() - started, 2),
        records_screened_for_network=kept.screened,
    )
    record_event(
        session,
        actor,
        action="scan",
        resource_type="safeguarding_scan",
        details={
            "records_screened": screened,
            "records_tagged": tagged,
            "alerts_raised": raised,
            "alerts_updated": updated,
            **settings,
        },
    )
    return summary


def _candidate_records(people: _People, today: date) -> list[int]:
    """Records, dated by ``today``, with a party who might be a child or an adult at risk on their date."""
    found = []
    for record_id, appearances in people.appearances.items():
        on = people.dates[record_id]
        if on > today:
            continue
        if any(_at_risk(people.persons[a.entity_id], a, record_id, on) for a in appearances):
            found.append(record_id)
    return sorted(found)


def _screen(
    session: Session, people: _People, candidates: list[int]
) -> tuple[dict[tuple[int, SubjectKind], list[_Finding]], int, Counter[str]]:
    """Pass two: the candidate records' kept screening; every at-risk party of a tagged one is a finding.

    The scan has just screened every record with its settings (:func:`screen_records`), so the tags are
    read, not worked out again.
    """
    findings: dict[tuple[int, SubjectKind], list[_Finding]] = defaultdict(list)
    by_threat: Counter[str] = Counter()
    tagged = 0
    for chunk in _chunks(candidates):
        # Plain rows, not ORM objects: the records are only read, and the session stays small.
        rows = session.execute(
            select(SourceRecord.id, SourceRecord.dataset_id, SourceRecord.source_key, RecordScreening.tags)
            .join(RecordScreening, RecordScreening.record_id == SourceRecord.id)
            .where(SourceRecord.id.in_(chunk))
        ).all()
        for record_id, dataset_id, source_key, kept in rows:
            tags = tuple(tag for tag in map(ThreatTag.from_json, kept or ()) if tag.exploitation)
            if not tags:
                continue
            tagged += 1
            by_threat.update(t.threat for t in tags)
            on = people.dates[record_id]
            for appearance in people.appearances[record_id]:
                found = _at_risk(people.persons[appearance.entity_id], appearance, record_id, on)
                if found is None:
                    continue
                kind, basis = found
                findings[(appearance.entity_id, kind)].append(
                    _Finding(
                        record_id, (dataset_id, source_key, appearance.party), appearance.party, tags, basis
                    )
                )
    return findings, tagged, by_threat


# --- alerts ------------------------------------------------------------------------------------


def _existing_alerts(
    session: Session, survivors: dict[int, int]
) -> dict[tuple[int, SubjectKind], list[tuple[SafeguardingAlert, set[tuple[int, str, str]]]]]:
    """Every alert by (surviving subject, kind), with the slots of its evidence."""
    slots: dict[int, set[tuple[int, str, str]]] = defaultdict(set)
    for alert_id, dataset_id, source_key, party in session.execute(
        select(
            SafeguardingEvidence.alert_id,
            SourceRecord.dataset_id,
            SourceRecord.source_key,
            SafeguardingEvidence.party,
        ).join(SourceRecord, SourceRecord.id == SafeguardingEvidence.record_id)
    ).all():
        slots[alert_id].add((dataset_id, source_key, party))
    found: dict[tuple[int, SubjectKind], list[tuple[SafeguardingAlert, set[tuple[int, str, str]]]]] = (
        defaultdict(list)
    )
    for alert in session.scalars(select(SafeguardingAlert).order_by(SafeguardingAlert.id)):
        subject = survivors.get(alert.subject_entity_id, alert.subject_entity_id)
        found[(subject, SubjectKind(alert.kind))].append((alert, slots[alert.id]))
    return found


def alert_key(kind: SubjectKind, entity_id: int, slots: Iterable[tuple[int, str, str]]) -> str:
    """The stable key of an alert: its kind, subject and a digest of its evidence."""
    digest = hashlib.sha256(repr(sorted(set(slots))).encode()).hexdigest()[:20]
    return f"{kind.value}:{entity_id}:{digest}"


def _threats_of(tags: Iterable[dict[str, Any]]) -> list[str]:
    return sorted({str(tag["threat"]) for tag in tags})


def _upsert(
    session: Session,
    actor: Caller,
    entity_id: int,
    kind: SubjectKind,
    findings: list[_Finding],
    existing: list[tuple[SafeguardingAlert, set[tuple[int, str, str]]]],
    settings: dict[str, Any],
) -> str:
    """Raise an alert, add new evidence to the open one, or do nothing: ``raised``, ``updated`` or ``unchanged``."""
    covered = set().union(*(slots for _, slots in existing)) if existing else set()
    unique: dict[tuple[int, str, str], _Finding] = {}
    for finding in findings:
        unique.setdefault(finding.slot, finding)
    new = [f for slot, f in unique.items() if slot not in covered]
    if not new:
        return "unchanged"
    by = _name(actor)
    now = utcnow()
    open_alerts = [alert for alert, _ in existing if alert.status in OPEN]
    if open_alerts:
        alert = open_alerts[-1]
        _add_evidence(session, alert, new, by)
        tags = [tag for evidence in alert.evidence for tag in evidence.tags]
        alert.threats = _threats_of(tags)
        alert.routes = [r.to_json() for r in suggest_routes(kind, alert.threats)]
        alert.inputs = {**alert.inputs, **settings}
        session.add(
            SafeguardingAction(
                alert_id=alert.id,
                action="add_evidence",
                from_status=alert.status,
                to_status=alert.status,
                rationale=f"{len(new)} more record{'' if len(new) == 1 else 's'} found by a scan",
                acted_by=by,
                acted_at=now,
            )
        )
        record_event(
            session,
            actor,
            action="update",
            resource_type="safeguarding_alert",
            resource_id=str(alert.id),
            details={"evidence_added": sorted(f.record_id for f in new), "threats": alert.threats},
        )
        return "updated"
    everything = list(unique.values())
    threats = _threats_of(tag.to_json() for f in everything for tag in f.tags)
    alert = SafeguardingAlert(
        key=alert_key(kind, entity_id, unique),
        subject_entity_id=entity_id,
        kind=kind.value,
        status=RAISED,
        threats=threats,
        routes=[r.to_json() for r in suggest_routes(kind, threats)],
        rule=RULES[kind],
        inputs=settings,
        raised_by=by,
        raised_at=now,
        status_changed_by=by,
        status_changed_at=now,
    )
    session.add(alert)
    session.flush()
    _add_evidence(session, alert, everything, by)
    session.add(
        SafeguardingAction(
            alert_id=alert.id, action="raise", from_status=None, to_status=RAISED, acted_by=by, acted_at=now
        )
    )
    record_event(
        session,
        actor,
        action="create",
        resource_type="safeguarding_alert",
        resource_id=str(alert.id),
        details={
            "subject_entity_id": entity_id,
            "kind": kind.value,
            "threats": threats,
            "evidence": sorted({f.record_id for f in everything}),
        },
    )
    return "raised"


def _add_evidence(session: Session, alert: SafeguardingAlert, findings: list[_Finding], by: str) -> None:
    for finding in findings:
        evidence = SafeguardingEvidence(
            alert_id=alert.id,
            record_id=finding.record_id,
            party=finding.party,
            tags=[tag.to_json() for tag in finding.tags],
            basis=finding.basis,
            added_by=by,
        )
        session.add(evidence)
        alert.evidence.append(evidence)
    session.flush()


def _name(caller: Caller) -> str:
    return caller.username if isinstance(caller, Actor) else f"system:{caller.command}"


def screen_stored_record(
    session: Session, record_id: int, *, min_score: int = DEFAULT_MIN_SCORE
) -> list[ThreatTag]:
    """The threat tags of one stored record, each with its matched indicators and where they matched.

    Screens what the scan screens (the sanitised narrative, free-text attributes, ticked fields and the
    agency's own tags), never raw intelligence text. The caller has already decided the viewer may see the
    record: a tag says only what is in it.
    """
    record = session.get(SourceRecord, record_id)
    if record is None:
        raise NotFoundError(f"no record {record_id}")
    texts = dataset_texts(session).get(record.dataset_id, DatasetText((), ()))
    content = record_content(
        texts,
        original=record.original or {},
        normalised=record.normalised or {},
        threats=record.threats or (),
    )
    return default_screener(min_score).screen(content)
