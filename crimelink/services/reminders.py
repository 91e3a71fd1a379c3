"""Reminders: overdue actions and pending requests for assistance, by e-mail and on the home page.

What is reminded about:

- every open action past its due date (:func:`~crimelink.services.plan_actions.overdue_actions`);
- every request for assistance still open, routed or accepted that is past its due date, or has been
  open longer than ``request_pending_days`` (``CRIMELINK_REQUEST_PENDING_DAYS``).

Who is told (each person gets one e-mail listing all their items):

- an action: the assignee, when the assignee is a user with an e-mail address (or a directory contact
  of the agency with that user name or name); otherwise the agency's directory contacts with an e-mail
  address; otherwise the agency's co-ordinators. An action no one can be found for is listed, not lost;
- a request: the requester (or, without an address, their agency's contacts, then co-ordinators), and
  the directory contact it is routed to.

An item reminded about within ``reminder_interval_hours`` is not reminded about again. Every attempt is
kept in ``reminders_sent`` (delivered, or failed with the server's reason), and an item's
``reminded_at`` moves on only when an e-mail about it was delivered, so a run that finds the SMTP server
down is retried next time and says so clearly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, allowed
from crimelink.domain import UserRole
from crimelink.errors import ConfigurationError
from crimelink.services.assistance import PENDING, may_see_request
from crimelink.services.auth import as_utc
from crimelink.services.callers import Caller, authorise, record_event
from crimelink.services.mail import Delivery, MailMessage
from crimelink.services.plan_actions import may_see_action, overdue_actions
from crimelink.settings import Settings
from crimelink.store.models import Agency, AssistanceRequest, Contact, PlanAction, ReminderSent, User
from crimelink.store.models.base import utcnow

__all__ = [
    "LetterResult",
    "Mailer",
    "ReminderItem",
    "ReminderLetter",
    "ReminderPlan",
    "ReminderPolicy",
    "ReminderRun",
    "SentReminder",
    "overdue_actions_for",
    "pending_requests_for",
    "plan_reminders",
    "recent_reminders",
    "send_reminders",
]

#: Requests still waiting on someone.

SubjectType = Literal["action", "request"]


class Mailer(Protocol):
    """What sending needs of a mailer (:class:`~crimelink.services.mail.SmtpMailer`)."""

    @property
    def server(self) -> str: ...

    def send(self, messages: Sequence[MailMessage]) -> list[Delivery]: ...


@dataclass(frozen=True)
class ReminderPolicy:
    """How often to remind, when a request counts as pending too long, and where links point."""

    resend_after: timedelta = timedelta(hours=24)
    request_pending_days: int = 14
    #: ``https://crimelink.example.org``; empty: links are paths (``/actions/12``).
    base_url: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderPolicy:
        return cls(
            resend_after=timedelta(hours=settings.reminder_interval_hours),
            request_pending_days=settings.request_pending_days,
            base_url=settings.public_base_url or "",
        )


@dataclass(frozen=True)
class ReminderItem:
    """An overdue action or a pending request, as a reminder (or the home page) lists it."""

    subject_type: SubjectType
    subject_id: int
    title: str
    #: The agency an action is given to, or the agency that asked for assistance.
    agency_name: str
    status: str
    due_on: date | None
    days_overdue: int
    open_days: int
    path: str
    assignee: str = ""
    reminded_at: datetime | None = None

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def kind_label(self) -> str:
        return "Overdue action" if self.subject_type == "action" else "Request for assistance"

    @property
    def why(self) -> str:
        """``5 days overdue (due 18 Dec 2026)`` or ``open for 16 days, no due date``."""
        if self.due_on is not None and self.days_overdue > 0:
            return f"{_days(self.days_overdue)} overdue (due {_day(self.due_on)})"
        due = f"due {_day(self.due_on)}" if self.due_on is not None else "no due date"
        return f"open for {_days(self.open_days)}, {due}"


@dataclass(frozen=True)
class ReminderLetter:
    """One e-mail: to one person, about every item of theirs."""

    recipient: str
    recipient_name: str
    #: Why this person gets it (``the assignee``, ``a contact of Ashvale Licensing`` ...).
    reasons: tuple[str, ...]
    items: tuple[ReminderItem, ...]
    subject_line: str
    body: str


@dataclass(frozen=True)
class ReminderPlan:
    letters: tuple[ReminderLetter, ...]
    #: Items no one could be found to tell (no user, contact or co-ordinator with an e-mail address).
    unaddressed: tuple[ReminderItem, ...]
    #: Items reminded about within the interval, left until it has passed.
    recently_reminded: tuple[ReminderItem, ...]


@dataclass(frozen=True)
class LetterResult:
    recipient: str
    items: tuple[ReminderItem, ...]
    delivered: bool
    error: str = ""


@dataclass(frozen=True)
class ReminderRun:
    """What a run did: e-mails sent or failed, items no one could be told about, items left for later."""

    dry_run: bool
    server: str
    plan: ReminderPlan
    results: tuple[LetterResult, ...] = field(default=())

    @property
    def delivered(self) -> int:
        return sum(1 for r in self.results if r.delivered)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.delivered)

    @property
    def problem(self) -> str:
        """The first failure's reason (a server that is down fails every e-mail the same way), or ``""``."""
        return next((r.error for r in self.results if not r.delivered), "")

    def summary(self) -> str:
        """One sentence for the command line and the pages."""
        if self.dry_run:
            text = (
                f"dry run: {_count(len(self.plan.letters), 'e-mail')} would be sent about "
                f"{_count(_items(self.plan.letters), 'item')}"
            )
        elif not self.results:
            text = "nothing to remind anyone about"
        else:
            text = f"{_count(self.delivered, 'e-mail')} delivered"
            if self.failed:
                text += f", {self.failed} failed ({self.problem})"
        if self.plan.recently_reminded:
            text += (
                f"; {_count(len(self.plan.recently_reminded), 'item')} reminded about recently, left for now"
            )
        if self.plan.unaddressed:
            ids = ", ".join(f"{i.subject_type} {i.subject_id}" for i in self.plan.unaddressed)
            text += f"; no one with an e-mail address to tell about {ids}: add a contact for the agency"
        return text


@dataclass(frozen=True)
class SentReminder:
    """A row of the reminders log."""

    subject_type: str
    subject_id: int
    recipient: str
    subject_line: str
    sent_at: datetime
    delivered: bool
    error: str

    @property
    def path(self) -> str:
        return _path(self.subject_type, self.subject_id)


# --- what is due ---------------------------------------------------------------------------------


def _day(value: date) -> str:
    return value.strftime("%d %b %Y")


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _items(letters: Iterable[ReminderLetter]) -> int:
    return len({(i.subject_type, i.subject_id) for letter in letters for i in letter.items})


def _path(subject_type: str, subject_id: int) -> str:
    return f"/actions/{subject_id}" if subject_type == "action" else f"/requests/{subject_id}"


def _agency_names(session: Session) -> dict[int, str]:
    return {agency.id: agency.name for agency in session.scalars(select(Agency))}


def _action_item(action: PlanAction, agencies: dict[int, str], today: date) -> ReminderItem:
    late = (today - action.due_on).days if action.due_on is not None and action.due_on < today else 0
    return ReminderItem(
        subject_type="action",
        subject_id=action.id,
        title=action.title,
        agency_name=agencies.get(action.agency_id, ""),
        status=action.status.value,
        due_on=action.due_on,
        days_overdue=late,
        open_days=max(0, (today - as_utc(action.created_at).date()).days),
        path=_path("action", action.id),
        assignee=action.assignee,
        reminded_at=as_utc(action.reminded_at) if action.reminded_at else None,
    )


def _request_item(request: AssistanceRequest, agencies: dict[int, str], today: date) -> ReminderItem:
    late = (today - request.due_on).days if request.due_on is not None and request.due_on < today else 0
    return ReminderItem(
        subject_type="request",
        subject_id=request.id,
        title=request.title,
        agency_name=agencies.get(request.requesting_agency_id, ""),
        status=request.status.value,
        due_on=request.due_on,
        days_overdue=late,
        open_days=max(0, (today - as_utc(request.created_at).date()).days),
        path=_path("request", request.id),
        assignee=request.requested_by,
        reminded_at=as_utc(request.reminded_at) if request.reminded_at else None,
    )


def _requests_to_remind(session: Session, *, today: date, pending_days: int) -> list[AssistanceRequest]:
    """Pending requests past their due date, or open for at least ``pending_days``."""
    opened_before = datetime.combine(today - timedelta(days=pending_days), time.min, tzinfo=UTC)
    query = (
        select(AssistanceRequest)
        .where(
            AssistanceRequest.status.in_(PENDING),
            or_(AssistanceRequest.due_on < today, AssistanceRequest.created_at <= opened_before),
        )
        .order_by(AssistanceRequest.id)
    )
    return list(session.scalars(query))


def _is_coordinator(actor: Actor) -> bool:
    return UserRole.COORDINATOR in actor.roles


def overdue_actions_for(session: Session, actor: Actor, *, today: date) -> list[ReminderItem] | None:
    """The viewer's agency's overdue actions (a co-ordinator: every one they may see), most overdue first.

    ``None`` when the viewer may see no actions at all (the home page then shows no list).
    """
    if not (
        allowed(actor, Action.ACTION_UPDATE)
        or allowed(actor, Action.PLAN_VIEW)
        or allowed(actor, Action.PARTNERSHIP_VIEW)
    ):
        return None
    agencies = _agency_names(session)
    everyone = _is_coordinator(actor)
    rows = [
        action
        for action in overdue_actions(session, today=today)
        if (everyone or action.agency_id == actor.agency_id) and may_see_action(actor, action)
    ]
    return [_action_item(action, agencies, today) for action in rows]


def pending_requests_for(session: Session, actor: Actor, *, today: date) -> list[ReminderItem] | None:
    """Requests still waiting that the viewer's agency raised or was routed (a co-ordinator: all).

    Past-due ones first. ``None`` when the viewer may not see requests at all.
    """
    if not (allowed(actor, Action.REQUEST_SUBMIT) or allowed(actor, Action.REQUEST_ROUTE)):
        return None
    agencies = _agency_names(session)
    everyone = _is_coordinator(actor)
    query = select(AssistanceRequest).where(AssistanceRequest.status.in_(PENDING))
    rows = [
        request
        for request in session.scalars(query.order_by(AssistanceRequest.id))
        if (everyone or actor.agency_id in (request.requesting_agency_id, request.routed_to_agency_id))
        and may_see_request(actor, request)
    ]
    items = [_request_item(request, agencies, today) for request in rows]
    items.sort(key=lambda i: (-i.days_overdue, i.due_on or date.max, i.subject_id))
    return items


# --- who is told ---------------------------------------------------------------------------------


@dataclass
class _Box:
    address: str
    name: str
    reasons: list[str] = field(default_factory=list)
    items: list[ReminderItem] = field(default_factory=list)


def _user_address(session: Session, username: str) -> tuple[str, str] | None:
    if not username.strip():
        return None
    user = session.scalars(select(User).where(User.username == username.strip().lower())).first()
    if user is None or not user.active or not user.email.strip():
        return None
    return user.email.strip(), user.display_name


def _agency_contacts(session: Session, agency_id: int) -> list[Contact]:
    query = select(Contact).where(
        Contact.agency_id == agency_id, Contact.active.is_(True), Contact.email != ""
    )
    return list(session.scalars(query.order_by(Contact.id)))


def _agency_coordinators(session: Session, agency_id: int) -> list[User]:
    users = session.scalars(
        select(User)
        .where(User.agency_id == agency_id, User.active.is_(True), User.email != "")
        .order_by(User.id)
    )
    return [u for u in users if UserRole.COORDINATOR.value in u.roles]


def _for_someone(
    session: Session, someone: str, agency_id: int, agency_name: str, role: str
) -> list[tuple[str, str, str]]:
    """(address, name, why) for ``someone`` (a username or a contact's name), else their agency."""
    user = _user_address(session, someone)
    if user is not None:
        return [(user[0], user[1], role)]
    contacts = _agency_contacts(session, agency_id)
    wanted = someone.strip().lower()
    named = [c for c in contacts if wanted and wanted in {(c.username or "").lower(), c.name.strip().lower()}]
    if named:
        return [(c.email, c.name, f"{role} (in the directory)") for c in named]
    if contacts:
        return [(c.email, c.name, f"a directory contact of {agency_name}") for c in contacts]
    return [
        (u.email, u.display_name, f"a co-ordinator of {agency_name}")
        for u in _agency_coordinators(session, agency_id)
    ]


def _action_recipients(session: Session, action: PlanAction, agency_name: str) -> list[tuple[str, str, str]]:
    return _for_someone(session, action.assignee, action.agency_id, agency_name, "the action's assignee")


def _request_recipients(
    session: Session, request: AssistanceRequest, agency_name: str
) -> list[tuple[str, str, str]]:
    found = _for_someone(
        session, request.requested_by, request.requesting_agency_id, agency_name, "the requester"
    )
    if request.routed_to_contact_id is not None:
        contact = session.get(Contact, request.routed_to_contact_id)
        if contact is not None and contact.active and contact.email:
            found.append((contact.email, contact.name, "the specialist the request is routed to"))
    return found


# --- the letters ---------------------------------------------------------------------------------


def _subject_line(items: Sequence[ReminderItem]) -> str:
    actions = sum(1 for i in items if i.subject_type == "action")
    requests = len(items) - actions
    parts = []
    if actions:
        parts.append(_count(actions, "overdue action"))
    if requests:
        parts.append(_count(requests, "pending request") + " for assistance")
    return "Crimelink reminder: " + " and ".join(parts)


def _body(box: _Box, policy: ReminderPolicy) -> str:
    lines = [
        f"Hello {box.name or box.address},",
        "",
        f"Crimelink has {_count(len(box.items), 'item')} waiting on you or your agency:",
        "",
    ]
    for number, item in enumerate(box.items, start=1):
        lines.append(f"{number}. {item.kind_label} {item.subject_id}: {item.title}")
        if item.subject_type == "action":
            given = f"   Given to: {item.agency_name}"
            lines.append(given + (f" (assignee: {item.assignee})" if item.assignee else ""))
        else:
            lines.append(f"   Asked by: {item.agency_name} ({item.assignee}), {item.status.lower()}")
        lines.append(f"   Due: {_day(item.due_on) if item.due_on else 'no due date'}")
        lines.append(f"   Why now: {item.why}")
        lines.append(f"   Open it: {policy.base_url}{item.path}")
        lines.append("")
    hours = int(policy.resend_after.total_seconds() // 3600)
    lines += [
        f"You get this as {'; '.join(dict.fromkeys(box.reasons))}.",
        f"Crimelink reminds about the same item at most every {hours} hour{'s' if hours != 1 else ''}.",
        "Sign in to Crimelink to update these items; replies to this e-mail are not read.",
    ]
    return "\n".join(lines) + "\n"


def plan_reminders(session: Session, *, now: datetime, policy: ReminderPolicy) -> ReminderPlan:
    """Who would be told about what, now (nothing is sent or changed)."""
    today = now.date()
    agencies = _agency_names(session)
    due: list[tuple[ReminderItem, list[tuple[str, str, str]]]] = []
    for action in overdue_actions(session, today=today):
        item = _action_item(action, agencies, today)
        due.append((item, _action_recipients(session, action, item.agency_name)))
    for request in _requests_to_remind(session, today=today, pending_days=policy.request_pending_days):
        item = _request_item(request, agencies, today)
        due.append((item, _request_recipients(session, request, item.agency_name)))
    boxes: dict[str, _Box] = {}
    unaddressed: list[ReminderItem] = []
    recent: list[ReminderItem] = []
    for item, recipients in due:
        if item.reminded_at is not None and now - item.reminded_at < policy.resend_after:
            recent.append(item)
            continue
        if not recipients:
            unaddressed.append(item)
            continue
        for address, name, why in recipients:
            box = boxes.setdefault(address.lower(), _Box(address=address, name=name))
            box.reasons.append(why)
            if item not in box.items:
                box.items.append(item)
    letters = tuple(
        ReminderLetter(
            recipient=box.address,
            recipient_name=box.name,
            reasons=tuple(dict.fromkeys(box.reasons)),
            items=tuple(box.items),
            subject_line=_subject_line(box.items),
            body=_body(box, policy),
        )
        for box in boxes.values()
    )
    return ReminderPlan(letters=letters, unaddressed=tuple(unaddressed), recently_reminded=tuple(recent))


def send_reminders(
    session: Session,
    caller: Caller,
    *,
    mailer: Mailer | None,
    policy: ReminderPolicy,
    now: datetime | None = None,
    dry_run: bool = False,
) -> ReminderRun:
    """Send the reminders due now (``reminder.send``), one e-mail per person. Audited.

    Every attempt is recorded in ``reminders_sent`` in the caller's transaction, delivered or not;
    commit it even when the run failed. With ``dry_run`` nothing is sent or recorded.

    Example: ``send_reminders(session, SystemCaller("reminders send"), mailer=SmtpMailer.from_settings(s),
    policy=ReminderPolicy.from_settings(s))``.
    """
    authorise(caller, Action.REMINDER_SEND)
    now = as_utc(now or utcnow())
    plan = plan_reminders(session, now=now, policy=policy)
    if dry_run:
        return ReminderRun(dry_run=True, server=mailer.server if mailer else "", plan=plan)
    if mailer is None and plan.letters:
        raise ConfigurationError(
            "no SMTP server is configured: set CRIMELINK_SMTP_HOST (and CRIMELINK_SMTP_PORT, "
            "CRIMELINK_SMTP_SENDER) to send reminder e-mails"
        )
    messages = [MailMessage(to=x.recipient, subject=x.subject_line, body=x.body) for x in plan.letters]
    deliveries = mailer.send(messages) if mailer is not None and messages else []
    results: list[LetterResult] = []
    reached: set[tuple[str, int]] = set()
    for letter, delivery in zip(plan.letters, deliveries, strict=True):
        results.append(LetterResult(letter.recipient, letter.items, delivery.delivered, delivery.error))
        for item in letter.items:
            session.add(
                ReminderSent(
                    subject_type=item.subject_type,
                    subject_id=item.subject_id,
                    recipient=letter.recipient,
                    subject_line=letter.subject_line[:300],
                    sent_at=now,
                    delivered=delivery.delivered,
                    error=delivery.error,
                )
            )
            if delivery.delivered:
                reached.add((item.subject_type, item.subject_id))
    for subject_type, subject_id in reached:
        row: PlanAction | AssistanceRequest | None = (
            session.get(PlanAction, subject_id)
            if subject_type == "action"
            else session.get(AssistanceRequest, subject_id)
        )
        if row is not None:
            row.reminded_at = now
    run = ReminderRun(
        dry_run=False, server=mailer.server if mailer else "", plan=plan, results=tuple(results)
    )
    record_event(
        session,
        caller,
        action="send",
        resource_type="reminders",
        outcome="success" if not run.failed else "failure",
        details={
            "delivered": run.delivered,
            "failed": run.failed,
            "reminded": sorted(f"{t}:{i}" for t, i in reached),
            "unaddressed": [f"{i.subject_type}:{i.subject_id}" for i in plan.unaddressed],
            "error": run.problem,
        },
    )
    return run


def recent_reminders(session: Session, caller: Caller, *, limit: int = 100) -> list[SentReminder]:
    """The latest reminders sent or failed, newest first (for those who may send them)."""
    authorise(caller, Action.REMINDER_SEND)
    rows = list(session.scalars(select(ReminderSent).order_by(ReminderSent.id.desc()).limit(limit)))
    record_event(session, caller, action="view", resource_type="reminders_sent", details={"shown": len(rows)})
    return [
        SentReminder(
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            recipient=row.recipient,
            subject_line=row.subject_line,
            sent_at=as_utc(row.sent_at),
            delivered=row.delivered,
            error=row.error,
        )
        for row in rows
    ]
