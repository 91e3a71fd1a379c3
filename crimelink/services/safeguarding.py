"""Safeguarding alerts: the scan that raises them, the inbox, an alert's detail and what the lead does.

A scan (:func:`scan_safeguarding`, from :mod:`crimelink.services.safeguarding_scan`) raises an alert when a
child or an adult at risk appears in a record tagged with an exploitation threat. The safeguarding lead
reads the inbox (:func:`alert_inbox`) and each alert (:func:`get_alert`): who, why they count as a child or
an adult at risk, the threats and the indicators found with where they were found, the suggested routes
each with the rule behind it, and the evidence. Then they act (:func:`act_on_alert`): acknowledge, then
refer (naming the route), record no further action, or close, each with a rationale. The alert advises;
the lead decides.

What an alert shows follows record visibility (docs/access.md): the subject's name and attributes come
from the records the viewer may see, as on the entity page; evidence the viewer may not see is a holding
notice per agency (with the disclosure request form), and neither its threats, its indicators nor the
routes that only it calls for are shown. A decision's rationale is free text that may quote any of the
evidence, so it is shown only to its author and to viewers who may see all of the evidence. Every read
and every action is audited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crimelink.access import Action, Actor, load_access_context
from crimelink.domain import EntityKind
from crimelink.domain.reference import default_reference
from crimelink.errors import ConflictError, InvalidInputError, NotFoundError
from crimelink.network.screening import Route, SubjectKind, SuggestedRoute, ThreatTag, suggest_routes
from crimelink.services.callers import authorise, record_event
from crimelink.services.entities import (
    RecordVisibility,
    _current_records,
    _family,
    derived_identity,
    highest_marking,
    party_label,
    party_of,
)
from crimelink.services.records import HoldingNotice
from crimelink.services.safeguarding_scan import (
    ACKNOWLEDGED,
    CLOSED,
    DEFAULT_REGISTERS,
    NO_FURTHER_ACTION,
    OPEN,
    RAISED,
    REFERRED,
    STATUSES,
    Register,
    ScanSummary,
    scan_safeguarding,
)
from crimelink.store.models import (
    Agency,
    Dataset,
    IntelligenceReport,
    SafeguardingAction,
    SafeguardingAlert,
    SourceRecord,
)
from crimelink.store.models.base import utcnow

__all__ = [
    "ACTIONS",
    "DEFAULT_REGISTERS",
    "MAX_INBOX_LIMIT",
    "MAX_RATIONALE",
    "STATUSES",
    "ActionView",
    "AlertInbox",
    "AlertSummary",
    "AlertView",
    "EvidenceView",
    "MatchView",
    "Register",
    "RouteView",
    "ScanSummary",
    "TagView",
    "act_on_alert",
    "alert_inbox",
    "get_alert",
    "scan_safeguarding",
]

#: At most this many alerts in one page of the inbox.
MAX_INBOX_LIMIT = 100
#: The longest rationale kept.
MAX_RATIONALE = 4000
#: What the lead may do, the statuses each may be done from, and the status it leads to.
ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "acknowledge": (frozenset({RAISED}), ACKNOWLEDGED),
    "refer": (frozenset({ACKNOWLEDGED}), REFERRED),
    "no_further_action": (frozenset({ACKNOWLEDGED}), NO_FURTHER_ACTION),
    "close": (frozenset({ACKNOWLEDGED, REFERRED, NO_FURTHER_ACTION}), CLOSED),
}
#: The inbox's status filters: ``open`` is raised or acknowledged.
STATUS_FILTERS = ("open", "all", *STATUSES)
_WITHHELD = None  # a rationale the viewer may not read
#: Actions a scan takes: their rationale is the scan's own words, never a person's.
_SCAN_ACTIONS = frozenset({"raise", "add_evidence"})
_STATUS_WORDS = {
    RAISED: "raised and not yet acknowledged",
    ACKNOWLEDGED: "acknowledged",
    REFERRED: "referred",
    NO_FURTHER_ACTION: "marked no further action",
    CLOSED: "closed",
}
_DONE_WORDS = {
    "acknowledge": "acknowledged",
    "refer": "referred",
    "no_further_action": "marked no further action",
    "close": "closed",
}


# --- what the inbox and an alert show ---------------------------------------------------------


@dataclass(frozen=True)
class MatchView:
    """One indicator found in a record: what it says, where it was found, and how."""

    indicator_id: str
    indicator_text: str
    #: ``verified`` or ``unverified [U]`` (the catalogue's own flag).
    verification: str
    weight: int
    #: ``text`` (the record's narrative) or ``party.field``.
    where: str
    #: ``text`` (a text rule matched) or ``ticked`` (a field carries the indicator's id).
    how: str
    found: str


@dataclass(frozen=True)
class TagView:
    threat: str
    declared: bool
    score: int
    #: Why the record carries the tag, in words.
    reason: str
    matches: list[MatchView]


@dataclass(frozen=True)
class EvidenceView:
    """A record of the alert that the viewer may see: the subject as it names them, and its tags."""

    record_id: int
    agency_code: str
    agency_name: str
    dataset_title: str
    source_key: str
    classification: str
    on: date
    party: str
    #: The subject as this record names them.
    subject_label: str
    #: Why the subject counted as a child or an adult at risk on this record's date.
    basis: str
    #: The record's narrative (for intelligence, the sanitised text), when it has one.
    text: str | None
    tags: list[TagView]


@dataclass(frozen=True)
class RouteView:
    route: str
    label: str
    rule: str
    threats: list[str]


@dataclass(frozen=True)
class ActionView:
    action: str
    from_status: str | None
    to_status: str
    route: str | None
    #: ``None`` when withheld: it may quote evidence the viewer may not see.
    rationale: str | None
    acted_by: str
    acted_at: datetime


@dataclass(frozen=True)
class AlertSummary:
    """An alert as the inbox lists it."""

    id: int
    kind: str
    status: str
    subject_entity_id: int
    #: From the records the viewer may see; ``None`` when they may see none.
    subject_name: str | None
    threats: list[str]
    routes: list[str]
    raised_at: datetime
    status_changed_at: datetime
    visible_evidence: int
    hidden_evidence: int


@dataclass(frozen=True)
class AlertInbox:
    alerts: list[AlertSummary]
    #: Alerts matching the filters.
    total: int
    limit: int
    offset: int
    status: str
    kind: str | None
    #: Every alert by status, whatever the filters.
    counts: dict[str, int]
    marking: str


@dataclass(frozen=True)
class AlertView:
    id: int
    key: str
    kind: str
    status: str
    subject_entity_id: int
    subject_name: str | None
    subject_attributes: dict[str, str]
    #: The rule that fired, in words.
    rule: str
    #: The threats of the evidence the viewer may see.
    threats: list[str]
    routes: list[RouteView]
    evidence: list[EvidenceView]
    held: list[HoldingNotice]
    history: list[ActionView]
    raised_by: str
    raised_at: datetime
    referred_route: str | None
    #: Screening settings: minimum score, catalogue version, registers, the scan's date.
    inputs: dict[str, Any]
    #: What the lead may do next: keys of :data:`ACTIONS`.
    next_actions: list[str]
    marking: str


# --- reading -------------------------------------------------------------------------------------


def alert_inbox(
    session: Session,
    actor: Actor,
    *,
    status: str = "open",
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> AlertInbox:
    """Alerts with the given status (``open``: raised or acknowledged), most recently changed first,
    as far as the viewer may see their evidence. Audited.

    Example: ``alert_inbox(session, lead).alerts[0].routes`` are the routes suggested for the alert that
    changed last, as far as the lead may see the evidence behind them.
    """
    authorise(actor, Action.SAFEGUARDING_VIEW)
    query = _filtered(status, kind)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    alerts = session.scalars(
        query.options(selectinload(SafeguardingAlert.evidence))
        .order_by(SafeguardingAlert.status_changed_at.desc(), SafeguardingAlert.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    counts = dict(
        session.execute(
            select(SafeguardingAlert.status, func.count()).group_by(SafeguardingAlert.status)
        ).all()
    )
    visible = RecordVisibility(actor, load_access_context(session))
    records = _records(session, {e.record_id for a in alerts for e in a.evidence})
    summaries: list[AlertSummary] = []
    shown: set[int] = set()
    for alert in alerts:
        seen = [e for e in alert.evidence if visible(records[e.record_id])]
        shown.update(e.record_id for e in seen)
        threats = _visible_threats(seen)
        name, _, _ = _subject(session, alert.subject_entity_id, visible)
        summaries.append(
            AlertSummary(
                id=alert.id,
                kind=alert.kind,
                status=alert.status,
                subject_entity_id=alert.subject_entity_id,
                subject_name=name,
                threats=threats,
                routes=[r.route.value for r in _visible_routes(alert, threats)],
                raised_at=alert.raised_at,
                status_changed_at=alert.status_changed_at,
                visible_evidence=len({e.record_id for e in seen}),
                hidden_evidence=len({e.record_id for e in alert.evidence} - {e.record_id for e in seen}),
            )
        )
    record_event(
        session,
        actor,
        action="view",
        resource_type="safeguarding_inbox",
        details={"status": status, "kind": kind, "alerts_shown": [a.id for a in alerts]},
    )
    return AlertInbox(
        alerts=summaries,
        total=total,
        limit=limit,
        offset=offset,
        status=status,
        kind=kind,
        counts={s: int(counts.get(s, 0)) for s in STATUSES},
        marking=highest_marking(records[i].classification for i in shown),
    )


def _filtered(status: str, kind: str | None) -> Any:
    if status not in STATUS_FILTERS:
        raise InvalidInputError("status", f"choose one of {', '.join(STATUS_FILTERS)}")
    query = select(SafeguardingAlert)
    if status == "open":
        query = query.where(SafeguardingAlert.status.in_(OPEN))
    elif status != "all":
        query = query.where(SafeguardingAlert.status == status)
    if kind:
        if kind not in {k.value for k in SubjectKind}:
            raise InvalidInputError("kind", "choose child or adult_at_risk")
        query = query.where(SafeguardingAlert.kind == kind)
    return query


def get_alert(session: Session, actor: Actor, alert_id: int) -> AlertView:
    """One alert, as far as the viewer may see its evidence. Audited.

    Example: ``get_alert(session, lead, 7).held`` lists the agencies holding evidence the lead may not see.
    """
    authorise(actor, Action.SAFEGUARDING_VIEW)
    alert = _alert(session, alert_id)
    view, shown = _view(session, actor, alert)
    record_event(
        session,
        actor,
        action="view",
        resource_type="safeguarding_alert",
        resource_id=str(alert.id),
        details={"records_shown": shown, "held_elsewhere": sum(h.count for h in view.held)},
    )
    return view


def _alert(session: Session, alert_id: int) -> SafeguardingAlert:
    alert = session.get(SafeguardingAlert, alert_id)
    if alert is None:
        raise NotFoundError(f"there is no safeguarding alert {alert_id}: check the number, or open the inbox")
    return alert


def _records(session: Session, ids: Iterable[int]) -> dict[int, SourceRecord]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {r.id: r for r in session.scalars(select(SourceRecord).where(SourceRecord.id.in_(wanted)))}


def _visible_threats(evidence: Sequence[Any]) -> list[str]:
    return sorted({str(tag["threat"]) for e in evidence for tag in e.tags})


def _visible_routes(alert: SafeguardingAlert, threats: Sequence[str]) -> list[SuggestedRoute]:
    """The routes for who the subject is and the threats the viewer may see, each with its rule.

    Worked out again from the visible threats rather than read from the alert: a rule's words name the
    threats behind it, and those of evidence the viewer may not see must not show through.
    """
    return suggest_routes(SubjectKind(alert.kind), threats)


def _subject(
    session: Session, entity_id: int, visible: RecordVisibility
) -> tuple[str | None, dict[str, str], list[SourceRecord]]:
    """The subject as the viewer's records describe them (name, attributes), and those records."""
    try:
        _, family = _family(session, entity_id)
    except NotFoundError:
        return None, {}, []
    records, links = _current_records(session, family)
    shown = [r for r in records.values() if visible(r)]
    name, attributes = derived_identity(
        EntityKind.PERSON, [party_of(r, link.party) for r in shown for link in links[r.id]]
    )
    return name, attributes, shown


def _view(session: Session, actor: Actor, alert: SafeguardingAlert) -> tuple[AlertView, list[int]]:
    visible = RecordVisibility(actor, load_access_context(session))
    basis_ids = {
        int(i)
        for e in alert.evidence
        for i in [e.basis.get("dob_record_id"), *e.basis.get("register_record_ids", [])]
        if isinstance(i, int)
    }
    records = _records(session, {e.record_id for e in alert.evidence} | basis_ids)
    seen = [e for e in alert.evidence if visible(records[e.record_id])]
    hidden = {e.record_id for e in alert.evidence} - {e.record_id for e in seen}
    threats = _visible_threats(seen)
    name, attributes, subject_records = _subject(session, alert.subject_entity_id, visible)
    agencies = {a.id: a for a in session.scalars(select(Agency))}
    evidence = _evidence(session, alert.kind, seen, records, agencies, visible)
    everything_visible = not hidden
    shown = sorted({e.record_id for e in seen} | {r.id for r in subject_records})
    view = AlertView(
        id=alert.id,
        key=alert.key,
        kind=alert.kind,
        status=alert.status,
        subject_entity_id=alert.subject_entity_id,
        subject_name=name,
        subject_attributes=attributes,
        rule=alert.rule,
        threats=threats,
        routes=[
            RouteView(r.route.value, r.label, r.rule, list(r.threats))
            for r in _visible_routes(alert, threats)
        ],
        evidence=evidence,
        held=_held(agencies, records, hidden),
        history=[
            ActionView(
                action=a.action,
                from_status=a.from_status,
                to_status=a.to_status,
                route=a.route,
                rationale=(
                    a.rationale
                    if everything_visible or a.acted_by == actor.username or a.action in _SCAN_ACTIONS
                    else _WITHHELD
                ),
                acted_by=a.acted_by,
                acted_at=a.acted_at,
            )
            for a in alert.actions
        ],
        raised_by=alert.raised_by,
        raised_at=alert.raised_at,
        referred_route=alert.referred_route,
        inputs=dict(alert.inputs),
        next_actions=[name for name, (before, _) in ACTIONS.items() if alert.status in before],
        marking=highest_marking(
            [records[e.record_id].classification for e in seen] + [r.classification for r in subject_records]
        ),
    )
    return view, shown


def _held(
    agencies: dict[int, Agency], records: dict[int, SourceRecord], hidden: set[int]
) -> list[HoldingNotice]:
    by_agency: dict[int, list[int]] = defaultdict(list)
    for record_id in sorted(hidden):
        by_agency[records[record_id].agency_id].append(record_id)
    return [
        HoldingNotice(
            agencies[agency_id].code,
            agencies[agency_id].name,
            agencies[agency_id].contact,
            len(ids),
            tuple(ids),
        )
        for agency_id, ids in sorted(by_agency.items(), key=lambda item: agencies[item[0]].code)
    ]


def _evidence(
    session: Session,
    kind: str,
    seen: Sequence[Any],
    records: dict[int, SourceRecord],
    agencies: dict[int, Agency],
    visible: RecordVisibility,
) -> list[EvidenceView]:
    if not seen:
        return []
    ids = {e.record_id for e in seen}
    datasets = {
        d.id: d
        for d in session.scalars(select(Dataset).where(Dataset.id.in_({records[i].dataset_id for i in ids})))
    }
    sanitised = dict(
        session.execute(
            select(IntelligenceReport.source_record_id, IntelligenceReport.text_sanitised).where(
                IntelligenceReport.source_record_id.in_(ids)
            )
        ).all()
    )
    views = []
    for item in seen:
        record = records[item.record_id]
        dataset = datasets[record.dataset_id]
        views.append(
            EvidenceView(
                record_id=record.id,
                agency_code=agencies[record.agency_id].code,
                agency_name=agencies[record.agency_id].name,
                dataset_title=dataset.title,
                source_key=record.source_key,
                classification=record.classification.value,
                on=record.event_date or record.received_at.date(),
                party=item.party,
                subject_label=party_label(party_of(record, item.party)),
                basis=basis_text(item.basis, kind, records, agencies, visible),
                text=sanitised.get(record.id) or _narrative(record, dataset),
                tags=[_tag_view(ThreatTag.from_json(tag)) for tag in item.tags],
            )
        )
    return sorted(views, key=lambda v: (v.on, v.record_id))


def _narrative(record: SourceRecord, dataset: Dataset) -> str | None:
    """The record's text as its partner wrote it (the columns mapped to record.text; never raw text)."""
    columns = (dataset.mapping or {}).get("columns", {})
    texts = [
        str(record.original[column])
        for column, target in columns.items()
        if (target.get("to") if isinstance(target, dict) else target) == "record.text"
        and record.original.get(column) not in (None, "")
    ]
    return " ".join(texts) or None


def _tag_view(tag: ThreatTag) -> TagView:
    reference = default_reference()
    matches = []
    for match in tag.matches:
        try:
            indicator = reference.indicator(match.indicator_id)
            text, verification = indicator.text, indicator.verification
        except KeyError:  # removed from the catalogue since: the id is still what matched
            text, verification = match.indicator_id, "no longer in the catalogue"
        matches.append(
            MatchView(
                match.indicator_id, text, verification, match.weight, match.where, match.how, match.found
            )
        )
    return TagView(tag.threat, tag.declared, tag.score, tag.reason(), matches)


def basis_text(
    basis: dict[str, Any],
    kind: str,
    records: dict[int, SourceRecord],
    agencies: dict[int, Agency],
    visible: RecordVisibility,
) -> str:
    """Why the subject counted as a child or an adult at risk, saying only what the viewer may see."""
    on = basis.get("on", "")
    if basis.get("by") == "date_of_birth":
        record_id = basis.get("dob_record_id")
        source = records.get(record_id) if isinstance(record_id, int) else None
        if source is not None and visible(source):
            return (
                f"aged {basis.get('age')} on {on}: date of birth {basis.get('dob')} in record "
                f"{source.source_key} ({agencies[source.agency_id].code})"
            )
        holder = f" held by {agencies[source.agency_id].code}" if source is not None else ""
        return f"under 18 on {on}, by a date of birth in a record{holder} you may not see"
    known = (
        "known to children's social care (no date of birth is known)"
        if kind == SubjectKind.CHILD.value
        else "known to adult social care as an adult at risk"
    )
    register = [records[i] for i in basis.get("register_record_ids", []) if i in records]
    seen = [r for r in register if visible(r)]
    if seen:
        keys = ", ".join(f"{r.source_key} ({agencies[r.agency_id].code})" for r in seen[:5])
        return f"{known} on {on}: {keys}"
    holders = sorted({agencies[r.agency_id].code for r in register})
    return f"{known} on {on}, by records{' held by ' + ', '.join(holders) if holders else ''} you may not see"


# --- acting ------------------------------------------------------------------------------------


def act_on_alert(
    session: Session,
    actor: Actor,
    alert_id: int,
    *,
    action: str,
    rationale: str = "",
    route: str | None = None,
) -> AlertView:
    """Move an alert on: ``acknowledge``, then ``refer`` (with ``route``), ``no_further_action`` or ``close``.

    Every action but acknowledging needs a rationale (acknowledging may carry a note). Audited; the
    caller commits. Example: ``act_on_alert(session, lead, 7, action="refer",
    route="MASH_CHILDREN_REFERRAL", rationale="MASH referral made, ref 2026/114")``.
    """
    authorise(actor, Action.SAFEGUARDING_ACT)
    if action not in ACTIONS:
        raise InvalidInputError("action", f"choose one of {', '.join(ACTIONS)}")
    cleaned = rationale.replace("\x00", "").strip()
    if len(cleaned) > MAX_RATIONALE:
        raise InvalidInputError("rationale", f"keep the rationale under {MAX_RATIONALE} characters")
    if action != "acknowledge" and len(cleaned) < 5:
        raise InvalidInputError(
            "rationale", "say why (at least 5 characters): the next person to read the alert needs it"
        )
    chosen: Route | None = None
    if action == "refer":
        try:
            chosen = Route((route or "").strip())
        except ValueError:
            raise InvalidInputError("route", "choose the route the referral went to") from None
    alert = _alert(session, alert_id)
    before, after = ACTIONS[action]
    if alert.status not in before:
        raise ConflictError(
            "action",
            f"alert {alert.id} is {_STATUS_WORDS[alert.status]}, so it cannot be {_DONE_WORDS[action]} now"
            + ("; acknowledge it first" if alert.status == RAISED else ""),
        )
    now = utcnow()
    session.add(
        SafeguardingAction(
            alert_id=alert.id,
            action=action,
            from_status=alert.status,
            to_status=after,
            route=chosen.value if chosen else None,
            rationale=cleaned,
            acted_by=actor.username,
            acted_at=now,
        )
    )
    record_event(
        session,
        actor,
        action="update",
        resource_type="safeguarding_alert",
        resource_id=str(alert.id),
        details={
            "action": action,
            "from": alert.status,
            "to": after,
            "route": chosen.value if chosen else None,
        },
    )
    alert.status = after
    alert.status_changed_by = actor.username
    alert.status_changed_at = now
    if chosen is not None:
        alert.referred_route = chosen.value
    session.flush()
    session.expire(alert, ["actions"])
    return _view(session, actor, alert)[0]
