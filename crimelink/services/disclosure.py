"""Disclosure requests: asking the holder of records one may not see, and the holder's decision.

A grant records the lawful basis and any conditions and is a dissemination: from then until it
expires, the access policy lets the requesting agency see the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, AgencyResource, allowed, load_access_context
from crimelink.domain import DisclosureStatus, HandlingCondition, LawfulBasis
from crimelink.errors import CrimelinkError, InvalidInputError, NotFoundError, PermissionDeniedError
from crimelink.store.audit import append_event
from crimelink.store.models import Agency, DisclosureRequest, SourceRecord, User


@dataclass(frozen=True)
class DisclosureSummary:
    """What either side may know of a request: never the record's content."""

    id: int
    record_id: int
    holder_agency: str
    requester: str
    requester_agency: str
    purpose: str
    justification: str
    status: str
    lawful_basis: str | None
    conditions: list[str]
    decision_note: str
    created_at: datetime
    decided_at: datetime | None
    expires_on: date | None


def request_disclosure(
    session: Session, actor: Actor, *, record_ids: list[int], justification: str
) -> list[DisclosureRequest]:
    """One request per record the actor may not already see; records they can see are refused."""
    gate = allowed(actor, Action.DISCLOSURE_REQUEST)
    if not gate:
        raise PermissionDeniedError(gate.reason)
    if len(justification.strip()) < 10:
        raise InvalidInputError({"justification": "say why you need these records (at least 10 characters)"})
    if not record_ids:
        raise InvalidInputError({"record_ids": "name at least one record"})
    context = load_access_context(session)
    created = []
    for record_id in sorted(set(record_ids)):
        record = session.get(SourceRecord, record_id)
        if record is None:
            raise NotFoundError(f"no record {record_id}")
        if allowed(actor, Action.RECORD_VIEW, context.resource(record)):
            raise InvalidInputError({"record_ids": f"you can already see record {record_id}"})
        request = DisclosureRequest(
            record_id=record_id,
            holder_agency_id=record.agency_id,
            requester_user_id=actor.user_id,
            requester_agency_id=actor.agency_id,
            purpose=actor.purpose,
            justification=justification.strip(),
            status=DisclosureStatus.PENDING,
        )
        session.add(request)
        session.flush()
        _audit(session, actor, request, "request", "pending")
        created.append(request)
    return created


def decide_disclosure(
    session: Session,
    actor: Actor,
    *,
    request_id: int,
    grant: bool,
    lawful_basis: LawfulBasis | None,
    conditions: list[str],
    note: str,
    expires_on: date | None,
) -> DisclosureRequest:
    """The holding agency grants (with a lawful basis) or refuses a pending request."""
    request = session.get(DisclosureRequest, request_id)
    if request is None:
        raise NotFoundError(f"no disclosure request {request_id}")
    gate = allowed(actor, Action.DISCLOSURE_DECIDE, AgencyResource(request.holder_agency_id))
    if not gate:
        raise PermissionDeniedError(gate.reason)
    if request.status is not DisclosureStatus.PENDING:
        raise InvalidInputError({"status": f"this request was already {request.status.value.lower()}"})
    problems: dict[str, str] = {}
    if grant and lawful_basis is None:
        problems["lawful_basis"] = "a grant must record its lawful basis"
    if expires_on is not None and expires_on < datetime.now(UTC).date():
        problems["expires_on"] = "the expiry date is in the past"
    parsed = []
    for text in conditions:
        try:
            parsed.append(HandlingCondition.parse(text).to_json())
        except CrimelinkError as exc:
            problems["conditions"] = str(exc)
    if problems:
        raise InvalidInputError(problems)
    request.status = DisclosureStatus.GRANTED if grant else DisclosureStatus.REFUSED
    request.lawful_basis = lawful_basis
    request.conditions = parsed
    request.decision_note = note.strip()
    request.decided_by_user_id = actor.user_id
    request.decided_at = datetime.now(UTC)
    request.expires_on = expires_on
    session.flush()
    _audit(session, actor, request, "disclosure", "granted" if grant else "refused")
    return request


def requests_to_decide(session: Session, actor: Actor) -> list[DisclosureSummary]:
    """Pending and decided requests addressed to the actor's agency (for those who may decide)."""
    if not allowed(actor, Action.DISCLOSURE_DECIDE, AgencyResource(actor.agency_id)):
        return []
    query = select(DisclosureRequest).where(DisclosureRequest.holder_agency_id == actor.agency_id)
    return _summaries(session, list(session.scalars(query.order_by(DisclosureRequest.id.desc()))))


def my_requests(session: Session, actor: Actor) -> list[DisclosureSummary]:
    """Requests raised by the actor's agency, with their outcome."""
    query = select(DisclosureRequest).where(DisclosureRequest.requester_agency_id == actor.agency_id)
    return _summaries(session, list(session.scalars(query.order_by(DisclosureRequest.id.desc()))))


def _summaries(session: Session, requests: list[DisclosureRequest]) -> list[DisclosureSummary]:
    agencies = dict(session.execute(select(Agency.id, Agency.code)).all())
    users = dict(
        session.execute(
            select(User.id, User.display_name).where(User.id.in_({r.requester_user_id for r in requests}))
        ).all()
    )
    return [
        DisclosureSummary(
            id=r.id,
            record_id=r.record_id,
            holder_agency=agencies[r.holder_agency_id],
            requester=users.get(r.requester_user_id, ""),
            requester_agency=agencies[r.requester_agency_id],
            purpose=r.purpose.value,
            justification=r.justification,
            status=r.status.value,
            lawful_basis=r.lawful_basis.value if r.lawful_basis else None,
            conditions=[HandlingCondition.from_json(c).code.value for c in r.conditions],
            decision_note=r.decision_note,
            created_at=r.created_at,
            decided_at=r.decided_at,
            expires_on=r.expires_on,
        )
        for r in requests
    ]


def _audit(session: Session, actor: Actor, request: DisclosureRequest, action: str, outcome: str) -> None:
    append_event(
        session,
        actor=actor.username,
        actor_user_id=actor.user_id,
        actor_agency_id=actor.agency_id,
        action=action,
        resource_type="disclosure_request",
        resource_id=str(request.id),
        purpose=request.purpose.value,
        outcome=outcome,
        details={
            "record": request.record_id,
            "holder_agency": request.holder_agency_id,
            "requester_agency": request.requester_agency_id,
            "lawful_basis": request.lawful_basis.value if request.lawful_basis else None,
        },
    )
