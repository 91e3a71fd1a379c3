"""Requests for assistance: raising, the routing suggestion, the lifecycle, and who sees what."""

from __future__ import annotations

import pytest
from partnership_factories import NOW, actor, agency_id, due, make_group, session
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import RequestStatus
from crimelink.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from crimelink.services.assistance import (
    RequestBox,
    RequestInput,
    accept_request,
    close_request,
    decline_request,
    get_request,
    list_requests,
    raise_request,
    route_request,
    suggest_specialists,
)
from crimelink.services.contacts import ContactInput, add_contact
from crimelink.store.models import AuditEvent

__all__ = ["session"]


def directory_of_specialists(db: Session) -> dict[str, int]:
    """County-lines specialists in the OCC, the local police and housing; a modern slavery one in GLAA."""
    coordinator = actor(db, "coordinator")
    people = {
        "occ": ContactInput(
            agency_id=agency_id(db, "OCC"),
            name="DS Priya Shah",
            specialisms=["COUNTY_LINES"],
            email="priya.shah@police.example.org",
            username="oca",
        ),
        "police": ContactInput(
            agency_id=agency_id(db, "POLICE"),
            name="PC Sam Reed",
            specialisms=["COUNTY_LINES", "DRUGS"],
            phone="07700 900111",
            out_of_hours=True,
        ),
        "housing": ContactInput(
            agency_id=agency_id(db, "HOUSING"),
            name="Jo Bell",
            specialisms=["COUNTY_LINES", "HOUSING"],
            email="jo.bell@ashvale.example.org",
        ),
        "glaa": ContactInput(
            agency_id=agency_id(db, "GLAA"),
            name="Kay Lamb",
            specialisms=["LABOUR_EXPLOITATION"],
            email="kay.lamb@glaa.example.org",
        ),
    }
    return {key: add_contact(db, coordinator, data).id for key, data in people.items()}


def cuckooing(**overrides: object) -> RequestInput:
    values: dict[str, object] = {
        "title": "Cuckooed flat at 14 Canal Road",
        "details": "Tenant with learning disability; dealers from outside the borough.",
        "specialism": "COUNTY_LINES",
        "urgency": "PRIORITY",
        "due_on": due(7),
    }
    values.update(overrides)
    return RequestInput(**values)  # type: ignore[arg-type]


def test_the_router_is_offered_the_organised_crime_command_first_with_reasons(session: Session) -> None:
    contacts = directory_of_specialists(session)
    request = raise_request(session, actor(session, "housing.officer"), cuckooing(), now=NOW)
    suggestions = suggest_specialists(session, actor(session, "coordinator"), request.id)
    assert [s.contact.id for s in suggestions] == [contacts["occ"], contacts["police"], contacts["housing"]]
    assert "Organised Crime Command" in " ".join(suggestions[0].reasons)
    assert any("police agency" in r for r in suggestions[1].reasons)
    assert any("requesting agency itself" in r for r in suggestions[2].reasons)
    assert contacts["glaa"] not in [s.contact.id for s in suggestions]

    # an urgent request prefers the specialist reachable out of hours; a busy one drops down
    urgent = raise_request(session, actor(session, "glaa.officer"), cuckooing(urgency="URGENT"), now=NOW)
    for _ in range(3):
        other = raise_request(session, actor(session, "glaa.officer"), cuckooing(), now=NOW)
        route_request(session, actor(session, "oca"), other.id, contact_id=contacts["occ"], now=NOW)
    first = suggest_specialists(session, actor(session, "oca"), urgent.id)[0]
    assert first.contact.id == contacts["police"]
    assert "reachable out of hours, and the request is urgent" in first.reasons


def test_a_request_is_routed_accepted_and_closed_and_each_side_sees_it(session: Session) -> None:
    contacts = directory_of_specialists(session)
    housing = actor(session, "housing.officer")
    request = raise_request(session, housing, cuckooing(), now=NOW)
    assert request.status is RequestStatus.OPEN
    assert [r.id for r in list_requests(session, housing, box=RequestBox.RAISED)] == [request.id]

    router = actor(session, "coordinator")
    routed = route_request(session, router, request.id, contact_id=contacts["glaa"], now=NOW)
    assert routed.status is RequestStatus.ROUTED
    assert routed.routed_to_agency_code == "GLAA"
    glaa = actor(session, "glaa.officer")
    received = list_requests(session, glaa, box="received")
    assert [r.id for r in received] == [request.id]
    assert received[0].may_accept
    declined = decline_request(
        session, glaa, request.id, reason="Not labour exploitation: try the police", now=NOW
    )
    assert declined.status is RequestStatus.DECLINED
    assert get_request(session, housing, request.id).response == "Not labour exploitation: try the police"

    route_request(session, router, request.id, contact_id=contacts["occ"], now=NOW)
    # GLAA no longer holds it, and learns nothing more of it
    assert list_requests(session, glaa, box="received") == []
    with pytest.raises(NotFoundError):
        get_request(session, glaa, request.id)
    occ = actor(session, "oca")
    accept_request(session, occ, request.id, now=NOW)
    with pytest.raises(InvalidInputError) as no_answer:
        close_request(session, occ, request.id, response=" ", now=NOW)
    assert no_answer.value.field == "response"
    closed = close_request(session, occ, request.id, response="Joint visit booked for Friday", now=NOW)
    assert closed.status is RequestStatus.CLOSED
    assert closed.closed_by == "oca"
    mine = get_request(session, housing, request.id)
    assert mine.status is RequestStatus.CLOSED
    assert mine.response == "Joint visit booked for Friday"
    assert not (mine.may_accept)
    assert not (mine.may_close)
    assert not (mine.may_decline)
    assert not (mine.may_route)
    steps = session.scalars(
        select(AuditEvent).where(
            AuditEvent.resource_type == "assistance_request", AuditEvent.action.in_(["create", "update"])
        )
    ).all()
    assert len(steps) == 6  # raised, routed, declined, re-routed, accepted, closed


def test_another_agency_learns_nothing_and_partners_cannot_route_or_answer(session: Session) -> None:
    contacts = directory_of_specialists(session)
    group = make_group(session, name="Canal Road Crew")
    request = raise_request(session, actor(session, "housing.officer"), cuckooing(group_id=group.id), now=NOW)
    glaa = actor(session, "glaa.officer")
    with pytest.raises(NotFoundError):
        get_request(session, glaa, request.id)
    assert list_requests(session, glaa, box="raised") == []
    with pytest.raises(PermissionDeniedError):
        list_requests(session, glaa, box="all")
    with pytest.raises(PermissionDeniedError):
        route_request(session, glaa, request.id, contact_id=contacts["glaa"])
    with pytest.raises(PermissionDeniedError):
        suggest_specialists(session, glaa, request.id)
    # the requester may not accept its own request: that is for the agency it is routed to
    route_request(session, actor(session, "oca"), request.id, contact_id=contacts["occ"], now=NOW)
    with pytest.raises(PermissionDeniedError):
        accept_request(session, actor(session, "housing.officer"), request.id)
    # the group is named only to those who read groups
    assert get_request(session, actor(session, "housing.officer"), request.id).group_name == ""
    assert get_request(session, actor(session, "oca"), request.id).group_name == "Canal Road Crew"
    assert [r.id for r in list_requests(session, actor(session, "coordinator"), box="all")] == [request.id]


def test_bad_requests_are_refused_field_by_field(session: Session) -> None:
    with pytest.raises(InvalidInputError) as refused:
        raise_request(
            session,
            actor(session, "housing.officer"),
            cuckooing(title="", specialism="PALMISTRY", urgency="WHENEVER", due_on=due(-1), group_id=999),
            now=NOW,
        )
    assert set(refused.value.problems) == {"title", "specialism", "urgency", "due_on", "group_id"}
    with pytest.raises(PermissionDeniedError):
        raise_request(session, actor(session, "admin"), cuckooing(), now=NOW)
    request = raise_request(session, actor(session, "housing.officer"), cuckooing(), now=NOW)
    with pytest.raises(InvalidInputError) as closed_early:
        close_request(session, actor(session, "oca"), request.id, response="done")
    assert "open" in str(closed_early.value)
