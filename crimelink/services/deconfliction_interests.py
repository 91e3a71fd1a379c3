"""Standing interests: an agency's flag on a person, premises, vehicle, phone, business or group.

Registering one checks it at once against every live operation (an operation touching the subject is a
conflict: information, or amber when the holder asked to be consulted before action); withdrawing or
expiry lapses its conflicts. When an operation touching it completes, the holder is told there is an
outcome to ask about. An interest belongs to its agency; another agency learns of it only blind.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor
from crimelink.deconflict.rules import DEFAULT_RULES, DeconflictionRules
from crimelink.deconflict.windows import as_utc
from crimelink.domain.deconfliction import InterestSubject
from crimelink.errors import ConflictError, InvalidInputError, NotFoundError
from crimelink.linkage.incremental import current_model
from crimelink.services.callers import authorise, record_event
from crimelink.services.deconfliction_check import close_interest, hold_check_lock, run_interest_check
from crimelink.services.deconfliction_input import MAX_TEXT, InterestInput, clean_target, clean_text
from crimelink.services.deconfliction_reads import conflicts_of_interest, is_desk, own_interest
from crimelink.services.deconfliction_views import InterestView, interest_view
from crimelink.store.models import Interest, OrganisedCrimeGroup
from crimelink.store.models.base import utcnow


def register_interest(
    session: Session,
    actor: Actor,
    data: InterestInput,
    *,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> InterestView:
    """Flag a standing interest for the actor's agency and check it against live operations. Audited.

    Example: ``register_interest(session, oca, InterestInput(contact="DS Shah 07700 900456",
    subject=TargetInput("PERSON", "Jon Smyth", dob="02/01/1990")))``.
    """
    hold_check_lock(session)  # checks that store conflicts take turns
    authorise(actor, Action.INTEREST_REGISTER)
    now = as_utc(now or utcnow())
    problems: dict[str, str] = {}
    contact = clean_text(data.contact, "contact", problems, longest=200)
    reason = clean_text(data.reason, "reason", problems, longest=MAX_TEXT, required=False)
    label = clean_text(data.label, "label", problems, longest=300, required=False)
    if data.expires_on is not None and data.expires_on < now.date():
        problems["expires_on"] = "the expiry date has passed"
    if (data.subject is None) == (data.group_id is None):
        problems["subject"] = "flag either a subject or an organised crime group"
    target = None
    if data.subject is not None:
        saved = current_model(session) if data.subject.kind.strip().upper() == "PERSON" else None
        target = clean_target(session, "subject", data.subject, problems, saved)
    group = session.get(OrganisedCrimeGroup, data.group_id) if data.group_id is not None else None
    if data.group_id is not None and group is None:
        problems["group_id"] = f"there is no organised crime group {data.group_id}"
    if problems:
        raise InvalidInputError(problems)
    interest = Interest(
        agency_id=actor.agency_id,
        subject_kind=(target.subject if target is not None else InterestSubject.GROUP).value,
        entity_id=target.entity_id if target is not None else None,
        group_id=data.group_id,
        identifier_kind=target.kind.value if target is not None else None,
        identifier_value=target.value if target is not None else None,
        match_key=target.match_key if target is not None else "",
        label=label
        or (target.value if target is not None else f"group {group.name if group else data.group_id}"),
        reason=reason,
        contact=contact,
        consult_before_action=bool(data.consult_before_action),
        expires_on=data.expires_on,
        created_by=actor.username,
        created_at=now,
    )
    session.add(interest)
    session.flush()
    record_event(
        session,
        actor,
        action="create",
        resource_type="interest",
        resource_id=str(interest.id),
        details={
            "subject_kind": interest.subject_kind,
            "entity_id": interest.entity_id,
            "group_id": interest.group_id,
        },
    )
    run_interest_check(session, actor, interest, rules=rules, now=now)
    return interest_view(
        session, interest, conflicts_of_interest(session, interest.id), rules=rules, today=now.date()
    )


def withdraw_interest(
    session: Session,
    actor: Actor,
    interest_id: int,
    *,
    rules: DeconflictionRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> InterestView:
    """Withdraw one of the agency's interests; its open conflicts lapse. Audited."""
    hold_check_lock(session)  # checks that store conflicts take turns
    interest = own_interest(session, actor, interest_id, Action.INTEREST_REGISTER)
    if interest.agency_id != actor.agency_id:
        raise NotFoundError(f"you have no interest {interest_id}: check the number, or open your interests")
    if interest.withdrawn_at is not None:
        raise ConflictError("interest", f"interest {interest.id} was already withdrawn")
    now = as_utc(now or utcnow())
    interest.withdrawn_at = now
    interest.withdrawn_by = actor.username
    lapsed = close_interest(
        session, interest, reason=f"interest {interest.id} was withdrawn", rules=rules, now=now
    )
    record_event(
        session,
        actor,
        action="update",
        resource_type="interest",
        resource_id=str(interest.id),
        details={"withdrawn": True, "lapsed": lapsed},
    )
    return interest_view(
        session, interest, conflicts_of_interest(session, interest.id), rules=rules, today=now.date()
    )


def my_interests(
    session: Session,
    actor: Actor,
    *,
    include_inactive: bool = False,
    rules: DeconflictionRules = DEFAULT_RULES,
    today: date | None = None,
) -> list[InterestView]:
    """The actor's agency's interests with their conflicts (blind). Audited."""
    authorise(actor, Action.INTEREST_REGISTER)
    today = today or utcnow().date()
    query = select(Interest).where(Interest.agency_id == actor.agency_id)
    if not include_inactive:
        query = query.where(
            Interest.withdrawn_at.is_(None), or_(Interest.expires_on.is_(None), Interest.expires_on >= today)
        )
    interests = session.scalars(query.order_by(Interest.id.desc())).all()
    record_event(
        session, actor, action="view", resource_type="interests", details={"shown": [i.id for i in interests]}
    )
    return [
        interest_view(session, i, conflicts_of_interest(session, i.id), rules=rules, today=today)
        for i in interests
    ]


def get_interest(
    session: Session,
    actor: Actor,
    interest_id: int,
    *,
    rules: DeconflictionRules = DEFAULT_RULES,
    today: date | None = None,
) -> InterestView:
    """One of the agency's interests (the desk: any) with its conflicts. Audited."""
    interest = own_interest(
        session,
        actor,
        interest_id,
        Action.INTEREST_REGISTER if not is_desk(actor) else Action.DECONFLICTION_BOARD,
    )
    record_event(session, actor, action="view", resource_type="interest", resource_id=str(interest.id))
    return interest_view(
        session,
        interest,
        conflicts_of_interest(session, interest.id),
        rules=rules,
        today=today or utcnow().date(),
    )
