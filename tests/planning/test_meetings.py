"""Meetings: the agenda built from live items and shown per reader, minutes, resolutions as actions."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta

import pytest
from partnership_factories import (
    NOW,
    TODAY,
    actor,
    agency_id,
    due,
    make_alert,
    make_conflict,
    make_group,
    make_plan,
    session,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import ActionStatus, MeetingStatus
from crimelink.errors import InvalidInputError, PermissionDeniedError
from crimelink.services.assistance import RequestInput, raise_request
from crimelink.services.meetings import (
    MeetingInput,
    MeetingView,
    ResolutionInput,
    add_agenda_item,
    add_resolution,
    call_meeting,
    cancel_meeting,
    get_meeting,
    mark_held,
    rebuild_agenda,
    record_minutes,
    remove_agenda_item,
)
from crimelink.services.partnership_plan import ObjectiveInput, add_plan_action, create_objective
from crimelink.services.plan_actions import move_action
from crimelink.store.models import AuditEvent, PlanAction

__all__ = ["session"]

#: What no agenda may ever carry: the covert side of the conflict.
COVERT = ("Nightjar", "Harriet Quill", "07700 900777", "Quarry Row", "E15 4QR", "900555")


def board(**overrides: object) -> MeetingInput:
    values: dict[str, object] = {
        "title": "SOC Partnership Board",
        "held_at": NOW + timedelta(days=7),
        "location": "Town Hall, Room 2",
        "chair": "Cllr Ade Okafor",
        "attendees": ["DS Priya Shah (OCC)", "Jo Bell (Housing)", "Jo Bell (Housing)"],
    }
    values.update(overrides)
    return MeetingInput(**values)  # type: ignore[arg-type]


def last_meeting_with_a_resolution(db: Session) -> int:
    """A board held a fortnight ago that gave housing an action, now overdue; returns the action's id."""
    coordinator = actor(db, "coordinator")
    then = NOW - timedelta(days=14)
    meeting = call_meeting(db, coordinator, board(held_at=then), now=then)
    resolution = add_resolution(
        db,
        coordinator,
        meeting.id,
        ResolutionInput(
            text="Housing to serve a closure notice on 14 Canal Road",
            agency_id=agency_id(db, "HOUSING"),
            assignee="Jo Bell",
            due_on=TODAY - timedelta(days=2),
        ),
        now=then,
    )
    mark_held(db, coordinator, meeting.id, now=then)
    assert resolution.action is not None
    return resolution.action.id


def live_world(db: Session) -> dict[str, int]:
    coordinator = actor(db, "coordinator")
    previous_action = last_meeting_with_a_resolution(db)
    objective = create_objective(
        db,
        coordinator,
        ObjectiveInput(title="Close county lines", four_p="PURSUE"),
        now=NOW - timedelta(days=30),
    )
    overdue = add_plan_action(
        db,
        coordinator,
        title="Map the Canal Road line's runners",
        agency_id=agency_id(db, "OCC"),
        objective_id=objective.id,
        due_on=due(-5),
        now=NOW - timedelta(days=20),
    )
    due_soon = add_plan_action(
        db,
        coordinator,
        title="Brief the ward panel",
        agency_id=agency_id(db, "CSP"),
        objective_id=objective.id,
        due_on=due(3),
        now=NOW,
    )
    later = add_plan_action(
        db,
        coordinator,
        title="Review the year",
        agency_id=agency_id(db, "CSP"),
        objective_id=objective.id,
        due_on=due(60),
        now=NOW,
    )
    new_group = make_group(db, name="Canal Road Crew", created_at=NOW - timedelta(days=2))
    changed_group = make_group(
        db,
        name="Brookfield Waste Gang",
        created_at=NOW - timedelta(days=90),
        updated_at=NOW - timedelta(days=1),
    )
    quiet_group = make_group(
        db, name="Old Mill Firm", created_at=NOW - timedelta(days=90), updated_at=NOW - timedelta(days=60)
    )
    conflict = make_conflict(db)
    alert = make_alert(db)
    closed_alert = make_alert(db, status="closed")
    housing_request = raise_request(
        db,
        actor(db, "housing.officer"),
        RequestInput(title="Cuckooed flat at 14 Canal Road", specialism="COUNTY_LINES"),
        now=NOW,
    )
    glaa_request = raise_request(
        db,
        actor(db, "glaa.officer"),
        RequestInput(title="Nail bar workers", specialism="MODERN_SLAVERY"),
        now=NOW,
    )
    plan = make_plan(db, title="Disrupt the Canal Road Crew", next_review_on=due(5))
    make_plan(db, title="Later plan", next_review_on=due(40))
    return {
        "previous_action": previous_action,
        "overdue": overdue.id,
        "due_soon": due_soon.id,
        "later": later.id,
        "new_group": new_group.id,
        "changed_group": changed_group.id,
        "quiet_group": quiet_group.id,
        "conflict": conflict,
        "alert": alert.id,
        "closed_alert": closed_alert.id,
        "housing_request": housing_request.id,
        "glaa_request": glaa_request.id,
        "plan": plan.id,
    }


def refs(view: MeetingView) -> list[str]:
    return [item.ref for item in view.agenda]


def text_of(view: MeetingView) -> str:
    return json.dumps(asdict(view), default=str)


def test_the_agenda_picks_up_every_kind_of_live_item(session: Session) -> None:
    ids = live_world(session)
    meeting = call_meeting(session, actor(session, "coordinator"), board(), now=NOW)
    stored = [(i["kind"], i["ref"]) for i in session.get_one(type_of_meeting(), meeting.id).agenda]
    assert stored == [
        ("previous_action", f"action:{ids['previous_action']}"),
        ("overdue_action", f"action:{ids['overdue']}"),
        ("due_action", f"action:{ids['due_soon']}"),
        ("new_group", f"group:{ids['new_group']}"),
        ("changed_group", f"group:{ids['changed_group']}"),
        ("conflict", f"conflict:{ids['conflict']}"),
        ("safeguarding_alert", f"alert:{ids['alert']}"),
        ("request", f"request:{ids['housing_request']}"),
        ("request", f"request:{ids['glaa_request']}"),
        ("plan_review", f"plan:{ids['plan']}"),
    ]
    # the agenda never holds the covert side of a conflict, in any field
    assert not any(
        secret in json.dumps(session.get_one(type_of_meeting(), meeting.id).agenda) for secret in COVERT
    )


def type_of_meeting() -> type:
    from crimelink.store.models import Meeting

    return Meeting


def test_each_reader_sees_only_what_the_policy_allows_and_counts_for_the_rest(session: Session) -> None:
    ids = live_world(session)
    meeting = call_meeting(session, actor(session, "coordinator"), board(), now=NOW)

    partner = get_meeting(session, actor(session, "housing.officer"), meeting.id, today=TODAY)
    words = text_of(partner)
    assert "Canal Road Crew" not in words
    assert "Brookfield Waste Gang" not in words
    assert "Disrupt the Canal Road Crew" not in words
    assert "Nail bar workers" not in words
    folded = {item.kind: item for item in partner.agenda if item.count}
    assert folded["new_group"].title == "1 new organised crime group"
    assert folded["changed_group"].title == "1 changed organised crime group"
    assert folded["conflict"].title == "1 unresolved deconfliction conflict"
    assert folded["conflict"].detail.startswith("1 amber") or folded["conflict"].detail.startswith("1 red")
    assert folded["safeguarding_alert"].title == "1 open safeguarding alert"
    assert folded["request"].title == "1 pending request for assistance"
    assert folded["plan_review"].title == "1 disruption plan due for review"
    assert f"request:{ids['housing_request']}" in refs(partner)  # its own request, in full
    assert f"action:{ids['previous_action']}" in refs(partner)

    coordinator = get_meeting(session, actor(session, "coordinator"), meeting.id, today=TODAY)
    assert {
        "Canal Road Crew",
        "Brookfield Waste Gang",
        "Disrupt the Canal Road Crew",
        "Nail bar workers",
    } <= {item.title for item in coordinator.agenda}
    assert "Old Mill Firm" not in text_of(coordinator)
    assert [i.kind for i in coordinator.agenda if i.count] == ["conflict", "safeguarding_alert"]

    desk = get_meeting(session, actor(session, "desk"), meeting.id, today=TODAY)
    conflict_items = [i for i in desk.agenda if i.kind == "conflict"]
    assert conflict_items[0].href == f"/deconfliction/conflicts/{ids['conflict']}"
    assert not conflict_items[0].count
    assert not any(secret in text_of(desk) for secret in COVERT)

    lead = get_meeting(session, actor(session, "safeguarding.lead"), meeting.id, today=TODAY)
    alerts = [i for i in lead.agenda if i.kind == "safeguarding_alert"]
    assert [(a.ref, a.count) for a in alerts] == [(f"alert:{ids['alert']}", 0)]
    assert "Kyle Runner" not in text_of(lead)  # an alert's subject is read on the alert, not the agenda


def test_rebuilding_keeps_the_chairs_items_and_the_agenda_tracks_action_status(session: Session) -> None:
    ids = live_world(session)
    coordinator = actor(session, "coordinator")
    meeting = call_meeting(session, coordinator, board(), now=NOW)
    add_agenda_item(session, coordinator, meeting.id, title="Apologies", detail="Taken at the start", now=NOW)
    with_item = add_agenda_item(session, coordinator, meeting.id, title="Date of next meeting", now=NOW)
    remove_agenda_item(session, coordinator, meeting.id, ref=f"action:{ids['due_soon']}", now=NOW)
    with pytest.raises(InvalidInputError):
        remove_agenda_item(session, coordinator, meeting.id, ref=f"alert:{ids['alert']}")  # not hers to see
    assert [i.title for i in with_item.agenda if i.kind == "item"] == ["Apologies", "Date of next meeting"]

    move_action(
        session, actor(session, "housing.officer"), ids["previous_action"], to_status="IN_PROGRESS", now=NOW
    )
    rebuilt = rebuild_agenda(session, coordinator, meeting.id, now=NOW)
    assert f"action:{ids['due_soon']}" in refs(rebuilt)  # a live item comes back when rebuilt
    assert [i.title for i in rebuilt.agenda if i.kind == "item"] == ["Apologies", "Date of next meeting"]
    previous = next(i for i in rebuilt.agenda if i.kind == "previous_action")
    assert previous.status == "IN_PROGRESS"
    assert previous.overdue
    assert previous.href == f"/actions/{ids['previous_action']}"
    with pytest.raises(PermissionDeniedError):
        rebuild_agenda(session, actor(session, "housing.officer"), meeting.id)


def test_resolutions_become_tracked_actions_and_the_next_agenda_lists_them(session: Session) -> None:
    coordinator = actor(session, "coordinator")
    sits = NOW + timedelta(days=7)
    meeting = call_meeting(session, coordinator, board(held_at=sits), now=NOW)
    with pytest.raises(InvalidInputError) as early:
        record_minutes(session, coordinator, meeting.id, minutes="Too soon", now=NOW)
    assert "sits on" in str(early.value)

    record_minutes(session, coordinator, meeting.id, minutes="Present: ...\n1. County lines update", now=sits)
    housing = agency_id(session, "HOUSING")
    resolution = add_resolution(
        session,
        coordinator,
        meeting.id,
        ResolutionInput(
            text="Serve a closure notice on 14 Canal Road",
            agency_id=housing,
            assignee="Jo Bell",
            due_on=sits.date() + timedelta(days=14),
        ),
        now=sits,
    )
    noted = add_resolution(
        session, coordinator, meeting.id, ResolutionInput(text="Minutes of the last meeting agreed"), now=sits
    )
    assert noted.action is None
    action = session.get_one(PlanAction, resolution.action.id if resolution.action else 0)
    assert (action.agency_id, action.assignee, action.due_on, action.status, action.meeting_id) == (
        housing,
        "Jo Bell",
        sits.date() + timedelta(days=14),
        ActionStatus.APPROVED,
        meeting.id,
    )
    assert "SOC Partnership Board" in action.events[0].note
    with pytest.raises(InvalidInputError) as incomplete:
        add_resolution(
            session,
            coordinator,
            meeting.id,
            ResolutionInput(text="Someone to act", agency_id=housing),
            now=sits,
        )
    assert set(incomplete.value.problems) == {"due_on"}
    with pytest.raises(InvalidInputError) as ownerless:
        add_resolution(
            session, coordinator, meeting.id, ResolutionInput(text="Act", due_on=due(30)), now=sits
        )
    assert set(ownerless.value.problems) == {"agency_id"}

    held = mark_held(session, coordinator, meeting.id, now=sits)
    assert held.status is MeetingStatus.HELD
    assert not held.may_edit_agenda
    assert not held.may_mark_held
    with pytest.raises(InvalidInputError):
        add_agenda_item(session, coordinator, meeting.id, title="Late item")

    move_action(session, actor(session, "housing.officer"), action.id, to_status="IN_PROGRESS", now=sits)
    following = call_meeting(
        session, coordinator, board(held_at=sits + timedelta(days=28)), now=sits + timedelta(days=1)
    )
    assert following.previous_meeting_id == meeting.id
    from_last = [i for i in following.agenda if i.kind == "previous_action"]
    assert [(i.title, i.status) for i in from_last] == [
        ("Serve a closure notice on 14 Canal Road", "IN_PROGRESS")
    ]
    partner_view = get_meeting(session, actor(session, "glaa.officer"), meeting.id, today=sits.date())
    assert partner_view.minutes.startswith("Present")
    assert partner_view.resolutions[0].action is not None
    assert (
        len(session.scalars(select(AuditEvent).where(AuditEvent.resource_type == "meeting_resolution")).all())
        == 2
    )


def test_a_cancelled_meeting_takes_no_minutes(session: Session) -> None:
    coordinator = actor(session, "coordinator")
    meeting = call_meeting(session, coordinator, board(held_at=NOW), now=NOW)
    cancel_meeting(session, coordinator, meeting.id, now=NOW)
    with pytest.raises(InvalidInputError) as cancelled:
        record_minutes(session, coordinator, meeting.id, minutes="Held anyway", now=NOW)
    assert "cancelled" in str(cancelled.value)
    with pytest.raises(InvalidInputError) as blank:
        call_meeting(session, coordinator, board(title="", held_at=None), now=NOW)
    assert set(blank.value.problems) == {"title", "held_at"}
