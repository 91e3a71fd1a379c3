"""The directory of contacts: who may read and change it, searching it, and checking what is entered."""

from __future__ import annotations

import pytest
from partnership_factories import actor, agency_id, session
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import Specialism
from crimelink.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from crimelink.services.contacts import (
    ContactInput,
    add_contact,
    directory,
    get_contact,
    set_contact_active,
    update_contact,
)
from crimelink.store.models import AuditEvent

__all__ = ["session"]


def shah(db: Session, **overrides: object) -> ContactInput:
    values: dict[str, object] = {
        "agency_id": agency_id(db, "OCC"),
        "name": "DS Priya Shah",
        "job_title": "County lines lead",
        "specialisms": ["COUNTY_LINES", "drugs"],
        "email": "Priya.Shah@Met.Police.UK",
        "phone": "020 7946 0999",
        "out_of_hours": True,
        "username": "oca",
    }
    values.update(overrides)
    return ContactInput(**values)  # type: ignore[arg-type]


def test_the_coordinator_adds_a_contact_and_every_partner_finds_them_by_specialism(session: Session) -> None:
    coordinator = actor(session, "coordinator")
    added = add_contact(session, coordinator, shah(session))
    add_contact(
        session,
        coordinator,
        shah(
            session,
            name="Jo Bell",
            agency_id=agency_id(session, "HOUSING"),
            specialisms=["HOUSING"],
            job_title="Tenancy officer",
            email="jo.bell@ashvale.gov.uk",
            phone="",
            username="",
        ),
    )
    assert added.email == "priya.shah@met.police.uk"
    assert added.phone == "+442079460999"
    assert added.phone_display == "020 7946 0999"
    assert added.specialisms == (Specialism.COUNTY_LINES, Specialism.DRUGS)

    partner = actor(session, "glaa.officer")
    found = directory(session, partner, specialism="county lines")
    assert [c.name for c in found.contacts] == ["DS Priya Shah"]
    assert found.specialism_counts["HOUSING"] == 1
    by_agency = directory(session, partner, agency_id=agency_id(session, "HOUSING"))
    assert [c.name for c in by_agency.contacts] == ["Jo Bell"]
    assert [c.name for c in directory(session, partner, query="lead").contacts] == ["DS Priya Shah"]
    searches = session.scalars(select(AuditEvent).where(AuditEvent.resource_type == "contacts")).all()
    assert len(searches) == 3


def test_bad_email_and_phone_are_named_field_by_field(session: Session) -> None:
    with pytest.raises(InvalidInputError) as refused:
        add_contact(
            session,
            actor(session, "coordinator"),
            shah(
                session,
                name=" ",
                email="priya.shah@",
                phone="12345",
                specialisms=["ASTROLOGY"],
                username="nobody",
            ),
        )
    assert set(refused.value.problems) == {"name", "email", "phone", "specialisms", "username"}
    assert "e-mail" in refused.value.problems["email"]
    assert "telephone" in refused.value.problems["phone"]
    assert "ASTROLOGY" in refused.value.problems["specialisms"]
    with pytest.raises(InvalidInputError) as unreachable:
        add_contact(session, actor(session, "coordinator"), shah(session, email="", phone=""))
    assert "reach" in unreachable.value.problems["email"]


def test_only_those_who_manage_the_directory_change_it(session: Session) -> None:
    with pytest.raises(PermissionDeniedError):
        add_contact(session, actor(session, "oca"), shah(session))
    contact = add_contact(session, actor(session, "admin"), shah(session))
    with pytest.raises(PermissionDeniedError):
        directory(session, actor(session, "auditor"))
    # the administrator manages the directory without reading the plan, and may still list it
    assert [c.id for c in directory(session, actor(session, "admin")).contacts] == [contact.id]


def test_a_retired_contact_leaves_the_directory_but_can_come_back(session: Session) -> None:
    coordinator = actor(session, "coordinator")
    contact = add_contact(session, coordinator, shah(session))
    changed = update_contact(session, coordinator, contact.id, shah(session, job_title="DI, county lines"))
    assert changed.job_title == "DI, county lines"
    set_contact_active(session, coordinator, contact.id, active=False)
    partner = actor(session, "housing.officer")
    assert directory(session, partner).contacts == []
    with pytest.raises(NotFoundError):
        get_contact(session, partner, contact.id)
    assert [c.active for c in directory(session, coordinator, include_retired=True).contacts] == [False]
    with pytest.raises(InvalidInputError):
        set_contact_active(session, coordinator, contact.id, active=False)
    set_contact_active(session, coordinator, contact.id, active=True)
    assert [c.name for c in directory(session, partner).contacts] == ["DS Priya Shah"]
