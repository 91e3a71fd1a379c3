"""A meeting's agenda: built from live items, stored on the meeting, shown to each reader as policy allows.

Building reads everything the meeting should hear about, as of the day it is built:

- **actions from the last meeting** (the last meeting held before this one), with their status now;
- **overdue actions**, and **actions due before the meeting**;
- **new and changed organised crime groups** since the last meeting held (or, for a first meeting, in
  the :data:`FIRST_MEETING_LOOKBACK_DAYS` before it);
- **unresolved deconfliction conflicts** (open ones), by grade and age only: no operation, place or
  target is ever written into an agenda;
- **open safeguarding alerts**, by kind and status only;
- **pending requests for assistance**; **disruption plans due for review** by the meeting's day;
- and the chair's own items, kept when the agenda is rebuilt.

Each item is stored as ``{"kind", "title", "detail", "ref"}`` (``ref`` names the live thing, such as
``action:12`` or ``group:3``). When the agenda is read, each item passes the access policy for that
reader: an item they may not see in detail is folded into a count of its kind ("2 new organised crime
groups"), so a partner officer never learns a group's name without ``group.view``, and only the
deconfliction desk sees conflicts one by one (others see counts by grade), and only the safeguarding lead
sees alerts one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, allowed
from crimelink.deconflict.windows import as_utc
from crimelink.domain import MeetingStatus, PlanStatus
from crimelink.domain.deconfliction import ConflictGrade, ConflictStatus
from crimelink.services.assistance import may_see_request, pending_requests
from crimelink.services.callers import Caller, SystemCaller
from crimelink.services.plan_actions import OPEN_STATUSES, is_overdue, may_see_action, overdue_actions
from crimelink.services.safeguarding_scan import OPEN as OPEN_ALERTS
from crimelink.store.models import (
    Agency,
    AssistanceRequest,
    DisruptionPlan,
    Meeting,
    OperationConflict,
    OrganisedCrimeGroup,
    PlanAction,
    SafeguardingAlert,
)

#: A first meeting hears of groups new or changed in this many days before it is built.
FIRST_MEETING_LOOKBACK_DAYS = 28
MAX_ITEMS = 500

#: Kinds of agenda item, in the order a built agenda takes them, with the heading each is read under.
SECTIONS: dict[str, str] = {
    "previous_action": "Actions from the last meeting",
    "overdue_action": "Overdue actions",
    "due_action": "Actions due before the meeting",
    "new_group": "New organised crime groups",
    "changed_group": "Changed organised crime groups",
    "conflict": "Unresolved deconfliction conflicts",
    "safeguarding_alert": "Open safeguarding alerts",
    "request": "Pending requests for assistance",
    "plan_review": "Disruption plans due for review",
    "item": "Other business",
}
#: What a folded item says, for ``n`` items of a kind the reader may not see in detail.
_FOLDED: dict[str, tuple[str, str]] = {
    "previous_action": (
        "{n} more action{s} from the last meeting",
        "Shown in detail to the agency each is given to and to those who read its plan.",
    ),
    "overdue_action": (
        "{n} more overdue action{s}",
        "Shown in detail to the agency each is given to and to those who read its plan.",
    ),
    "due_action": (
        "{n} more action{s} due before the meeting",
        "Shown in detail to the agency each is given to and to those who read its plan.",
    ),
    "new_group": (
        "{n} new organised crime group{s}",
        "Names are shown only to those who may read organised crime groups.",
    ),
    "changed_group": (
        "{n} changed organised crime group{s}",
        "Names are shown only to those who may read organised crime groups.",
    ),
    "conflict": ("{n} unresolved deconfliction conflict{s}", "The deconfliction desk holds the details."),
    "safeguarding_alert": ("{n} open safeguarding alert{s}", "The safeguarding lead holds the details."),
    "request": (
        "{n} pending request{s} for assistance",
        "Between other agencies; the router holds the details.",
    ),
    "plan_review": ("{n} disruption plan{s} due for review", "Plans are shown to those who read them."),
}
_ACTION_KINDS = frozenset({"previous_action", "overdue_action", "due_action"})


@dataclass(frozen=True)
class AgendaItemView:
    """One line of the agenda as its reader sees it (``count`` > 0: a folded count of hidden items)."""

    position: int
    kind: str
    section: str
    title: str
    detail: str
    ref: str
    href: str
    #: For an action: its status now (the agenda may be older than the action's last move).
    status: str = ""
    overdue: bool = False
    count: int = 0
    removable: bool = False


def item(kind: str, title: str, detail: str, ref: str) -> dict[str, Any]:
    return {"kind": kind, "title": title, "detail": detail, "ref": ref}


def _ref_id(ref: str) -> int | None:
    _, _, number = ref.partition(":")
    return int(number) if number.isdigit() else None


def _codes(session: Session) -> dict[int, str]:
    return {a.id: a.code for a in session.scalars(select(Agency))}


def previous_meeting(session: Session, meeting: Meeting) -> Meeting | None:
    """The last meeting held before ``meeting``."""
    query = (
        select(Meeting)
        .where(
            Meeting.status == MeetingStatus.HELD,
            Meeting.id != meeting.id,
            Meeting.held_at < meeting.held_at,
        )
        .order_by(Meeting.held_at.desc(), Meeting.id.desc())
    )
    return session.scalars(query).first()


def _action_detail(action: PlanAction, codes: dict[int, str], today: date) -> str:
    parts = [codes.get(action.agency_id, "")]
    if action.assignee:
        parts.append(action.assignee)
    if action.due_on is not None:
        due = f"due {action.due_on.strftime('%d %b %Y')}"
        if is_overdue(action, today):
            days = (today - action.due_on).days
            due += f", {days} day{'s' if days != 1 else ''} overdue"
        parts.append(due)
    return "; ".join(p for p in parts if p)


def build_items(session: Session, meeting: Meeting, *, today: date) -> list[dict[str, Any]]:
    """The live items for ``meeting`` as of ``today`` (stored form, before any reader's view)."""
    codes = _codes(session)
    held_on = as_utc(meeting.held_at).date()
    items: list[dict[str, Any]] = []
    listed: set[int] = set()
    previous = previous_meeting(session, meeting)
    if previous is not None:
        query = select(PlanAction).where(PlanAction.meeting_id == previous.id).order_by(PlanAction.id)
        for action in session.scalars(query):
            listed.add(action.id)
            items.append(
                item(
                    "previous_action",
                    action.title,
                    _action_detail(action, codes, today),
                    f"action:{action.id}",
                )
            )
    for action in overdue_actions(session, today=today):
        if action.id not in listed:
            listed.add(action.id)
            items.append(
                item(
                    "overdue_action",
                    action.title,
                    _action_detail(action, codes, today),
                    f"action:{action.id}",
                )
            )
    due_query = (
        select(PlanAction)
        .where(PlanAction.status.in_(OPEN_STATUSES), PlanAction.due_on >= today, PlanAction.due_on <= held_on)
        .order_by(PlanAction.due_on, PlanAction.id)
    )
    for action in session.scalars(due_query):
        if action.id not in listed:
            items.append(
                item("due_action", action.title, _action_detail(action, codes, today), f"action:{action.id}")
            )
    since = (
        as_utc(previous.held_at)
        if previous is not None
        else datetime.combine(today, datetime.min.time()).replace(tzinfo=as_utc(meeting.held_at).tzinfo)
        - timedelta(days=FIRST_MEETING_LOOKBACK_DAYS)
    )
    items.extend(_group_items(session, since))
    for conflict in session.scalars(
        select(OperationConflict)
        .where(OperationConflict.status == ConflictStatus.OPEN)
        .order_by(OperationConflict.detected_at, OperationConflict.id)
    ):
        detail = f"open since {as_utc(conflict.detected_at).strftime('%d %b %Y')}"
        if conflict.escalated_at is not None:
            detail += "; escalated"
        items.append(
            item(
                "conflict",
                f"{conflict.grade.value.title()} conflict {conflict.id}",
                detail,
                f"conflict:{conflict.id}",
            )
        )
    for alert in session.scalars(
        select(SafeguardingAlert)
        .where(SafeguardingAlert.status.in_(OPEN_ALERTS))
        .order_by(SafeguardingAlert.raised_at, SafeguardingAlert.id)
    ):
        who = "Child" if alert.kind == "child" else "Adult at risk"
        detail = f"{alert.status}, raised {as_utc(alert.raised_at).strftime('%d %b %Y')}"
        items.append(item("safeguarding_alert", f"{who}: alert {alert.id}", detail, f"alert:{alert.id}"))
    for request in pending_requests(session):
        parts = [
            f"{request.urgency.value.lower()} request from {codes.get(request.requesting_agency_id, '')}",
            request.status.value.lower(),
        ]
        if request.routed_to_agency_id is not None:
            parts.append(f"with {codes.get(request.routed_to_agency_id, '')}")
        if request.due_on is not None:
            parts.append(f"answer wanted by {request.due_on.strftime('%d %b %Y')}")
        items.append(item("request", request.title, "; ".join(parts), f"request:{request.id}"))
    for plan in session.scalars(
        select(DisruptionPlan)
        .where(
            DisruptionPlan.status == PlanStatus.ACTIVE,
            DisruptionPlan.next_review_on.is_not(None),
            DisruptionPlan.next_review_on <= held_on,
        )
        .order_by(DisruptionPlan.next_review_on, DisruptionPlan.id)
    ):
        review = plan.next_review_on.strftime("%d %b %Y") if plan.next_review_on else ""
        detail = f"review due {review}; owner {codes.get(plan.owner_agency_id, '')}"
        items.append(item("plan_review", plan.title, detail, f"plan:{plan.id}"))
    return items[:MAX_ITEMS]


def _group_items(session: Session, since: datetime) -> list[dict[str, Any]]:
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for group in session.scalars(select(OrganisedCrimeGroup).order_by(OrganisedCrimeGroup.id)):
        created = as_utc(group.created_at)
        updated = as_utc(group.updated_at)
        detail = group.status.value.lower().replace("_", " ")
        if group.criminality:
            detail += "; " + ", ".join(c.lower().replace("_", " ") for c in group.criminality[:4])
        if created > since:
            new.append(
                item(
                    "new_group",
                    group.name,
                    f"{detail}; added {created.strftime('%d %b %Y')}",
                    f"group:{group.id}",
                )
            )
        elif updated > since:
            changed.append(
                item(
                    "changed_group",
                    group.name,
                    f"{detail}; changed {updated.strftime('%d %b %Y')}",
                    f"group:{group.id}",
                )
            )
    return new + changed


def rebuild(session: Session, meeting: Meeting, *, today: date) -> list[dict[str, Any]]:
    """Fresh live items followed by the chair's own items (which a rebuild keeps)."""
    own = [dict(i) for i in meeting.agenda if i.get("kind") == "item"]
    return build_items(session, meeting, today=today) + own


def next_item_ref(agenda: Sequence[dict[str, Any]]) -> str:
    numbers = [_ref_id(str(i.get("ref", ""))) for i in agenda if i.get("kind") == "item"]
    return f"item:{max([n for n in numbers if n is not None], default=0) + 1}"


# --- reading, per reader ----------------------------------------------------------------------------


def _may(caller: Caller, action: Action) -> bool:
    return isinstance(caller, SystemCaller) or bool(allowed(caller, action))


def _visible(session: Session, caller: Caller, entry: dict[str, Any]) -> bool:
    kind = str(entry.get("kind"))
    number = _ref_id(str(entry.get("ref", "")))
    if kind == "item":
        return True
    if kind in _ACTION_KINDS:
        action = session.get(PlanAction, number) if number is not None else None
        return action is not None and may_see_action(caller, action)
    if kind in ("new_group", "changed_group"):
        return _may(caller, Action.GROUP_VIEW)
    if kind == "conflict":
        return _may(caller, Action.DECONFLICTION_BOARD)
    if kind == "safeguarding_alert":
        return _may(caller, Action.SAFEGUARDING_VIEW)
    if kind == "request":
        request = session.get(AssistanceRequest, number) if number is not None else None
        return request is not None and may_see_request(caller, request)
    if kind == "plan_review":
        return _may(caller, Action.PLAN_VIEW)
    return False


_HREFS: dict[str, Callable[[int], str]] = {
    "previous_action": lambda n: f"/actions/{n}",
    "overdue_action": lambda n: f"/actions/{n}",
    "due_action": lambda n: f"/actions/{n}",
    "new_group": lambda n: f"/groups/{n}",
    "changed_group": lambda n: f"/groups/{n}",
    "conflict": lambda n: f"/deconfliction/conflicts/{n}",
    "safeguarding_alert": lambda n: f"/safeguarding/alerts/{n}",
    "request": lambda n: f"/requests/{n}",
    "plan_review": lambda n: f"/plans/{n}",
}


def _conflict_grades(session: Session, refs: Sequence[str]) -> str:
    counts = dict.fromkeys(ConflictGrade, 0)
    resolved = 0
    for ref in refs:
        number = _ref_id(ref)
        conflict = session.get(OperationConflict, number) if number is not None else None
        if conflict is None or conflict.status != ConflictStatus.OPEN:
            resolved += 1
        else:
            counts[conflict.grade] += 1
    parts = [f"{n} {grade.value.lower()}" for grade, n in counts.items() if n]
    if resolved:
        parts.append(f"{resolved} closed since the agenda was built")
    return ", ".join(parts)


def agenda_view(
    session: Session, caller: Caller, meeting: Meeting, *, today: date, may_edit: bool = False
) -> list[AgendaItemView]:
    """The stored agenda as ``caller`` may read it: hidden items folded into counts of their kind."""
    shown: list[AgendaItemView | str] = []
    hidden: dict[str, list[str]] = {}
    for entry in meeting.agenda:
        kind = str(entry.get("kind", "item"))
        ref = str(entry.get("ref", ""))
        if not _visible(session, caller, entry):
            if kind not in hidden:
                shown.append(kind)  # the place of the count of this kind's hidden items
            hidden.setdefault(kind, []).append(ref)
            continue
        shown.append(_item_view(session, entry, kind, ref, today=today, may_edit=may_edit))
    result: list[AgendaItemView] = []
    for position, view in enumerate(shown, start=1):
        if isinstance(view, AgendaItemView):
            result.append(replace(view, position=position))
            continue
        refs = hidden[view]
        n = len(refs)
        title, detail = _FOLDED.get(view, ("{n} item{s} you may not see", ""))
        if view == "conflict":
            detail = f"{_conflict_grades(session, refs)}. {detail}"
        result.append(
            AgendaItemView(
                position=position,
                kind=view,
                section=SECTIONS.get(view, view),
                title=title.format(n=n, s="s" if n != 1 else ""),
                detail=detail,
                ref="",
                href="",
                count=n,
            )
        )
    return result


def _item_view(
    session: Session, entry: dict[str, Any], kind: str, ref: str, *, today: date, may_edit: bool
) -> AgendaItemView:
    number = _ref_id(ref)
    status = ""
    overdue = False
    if kind in _ACTION_KINDS and number is not None:
        action = session.get(PlanAction, number)
        if action is not None:
            status = action.status.value
            overdue = is_overdue(action, today)
    elif kind == "conflict" and number is not None:
        conflict = session.get(OperationConflict, number)
        if conflict is not None and conflict.status != ConflictStatus.OPEN:
            status = conflict.status.value
    return AgendaItemView(
        position=0,
        kind=kind,
        section=SECTIONS.get(kind, kind),
        title=str(entry.get("title", "")),
        detail=str(entry.get("detail", "")),
        ref=ref,
        href=_HREFS[kind](number) if kind in _HREFS and number is not None else "",
        status=status,
        overdue=overdue,
        removable=may_edit,
    )
