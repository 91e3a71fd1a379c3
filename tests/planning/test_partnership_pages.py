"""The plan board, meetings, requests and the directory through the pages and the JSON API.

The partnership is ``partnership_factories``'s, signed in as people sign in. Times are relative to now:
the pages, like the people using them, work on the clock (a meeting sits today, an hour ago).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from partnership_factories import build_partnership, make_group
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.services.auth import hash_password
from crimelink.settings import Settings
from crimelink.store.models import Agency, Contact, PlanAction, User
from crimelink.web import create_app

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from web_factories import PASSWORD, field_error, form_token, signed_in_as


@dataclass
class Site:
    engine: Engine
    app: object

    def client(self, username: str) -> tuple[TestClient, str]:
        client = TestClient(self.app)  # type: ignore[arg-type]
        return client, signed_in_as(client, username)

    def agency(self, code: str) -> int:
        with Session(self.engine) as session:
            return session.scalars(select(Agency.id).where(Agency.code == code)).one()


@pytest.fixture
def site(sqlite_engine: Engine, tmp_path: Path) -> Site:
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "var", secret_key=SecretStr("test-secret-key-" + "k" * 40)
    )
    with Session(sqlite_engine) as session:
        build_partnership(session)
        for user in session.scalars(select(User)):
            user.password_hash = hash_password(PASSWORD)
        make_group(session, name="Canal Road Crew", created_at=datetime.now(UTC) - timedelta(days=1))
        session.commit()
    return Site(sqlite_engine, create_app(settings, sqlite_engine))


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "label" and values.get("for"):
            self.labelled.add(str(values["for"]))
        if tag in {"input", "select", "textarea"} and values.get("type") != "hidden":
            self.fields.append(values)


def assert_labelled(html: str) -> None:
    parser = _Fields()
    parser.feed(html)
    unlabelled = [f for f in parser.fields if f.get("id") not in parser.labelled and not f.get("aria-label")]
    assert unlabelled == []


def nav_labels(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav" aria-label="Main">(.*?)</nav>', html, re.S)
    assert nav
    return re.findall(r'<a href="[^"]+"[^>]*>([^<]+)</a>', nav.group(1))


def posted(client: TestClient, url: str, token: str, **data: str | list[str]) -> str:
    """Send a form, follow the redirect, return the page's location (or fail with its errors)."""
    response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
    assert response.status_code == 303, re.findall(r'class="field-error"[^>]*>(.*?)</p>', response.text, re.S)
    return response.headers["location"]


def test_navigation_offers_the_plan_to_readers_and_the_directory_to_its_managers(site: Site) -> None:
    partner, _ = site.client("housing.officer")
    assert {"Partnership plan", "Meetings", "Requests for assistance", "Contacts"} <= set(
        nav_labels(partner.get("/").text)
    )
    admin, _ = site.client("admin")
    labels = nav_labels(admin.get("/").text)
    assert "Contacts" in labels
    assert "Partnership plan" not in labels
    auditor, _ = site.client("auditor")
    assert not {"Partnership plan", "Contacts", "Requests for assistance"} & set(
        nav_labels(auditor.get("/").text)
    )
    assert auditor.get("/plan").status_code == 403


def test_a_coordinator_walks_agenda_minutes_resolutions_to_actions(site: Site) -> None:
    coordinator, token = site.client("coordinator")
    board = coordinator.get("/plan")
    assert board.status_code == 200
    assert "Add an objective" in board.text
    objective_url = posted(
        coordinator,
        "/plan/objectives/new",
        token,
        title="Close the county lines running into Ashvale",
        four_p="PURSUE",
        phase="CLEAR",
        owner_agency_id=str(site.agency("OCC")),
        measure="Lines closed",
    )
    assert "Close the county lines" in coordinator.get(objective_url).text

    sits = datetime.now(UTC) - timedelta(hours=1)
    meeting_url = posted(
        coordinator,
        "/meetings/new",
        token,
        title="SOC Partnership Board",
        held_at=sits.strftime("%Y-%m-%dT%H:%M"),
        location="Town Hall",
        chair="Cllr Ade Okafor",
        attendees="DS Priya Shah (OCC)\nJo Bell (Housing)",
    )
    meeting_id = int(meeting_url.split("/")[2].split("?")[0])
    page = coordinator.get(meeting_url)
    assert "Canal Road Crew" in page.text
    assert "New organised crime groups" in page.text
    assert "Rebuild from live items" in page.text
    assert_labelled(page.text)
    posted(coordinator, f"/meetings/{meeting_id}/agenda/items", token, **{"item-title": "Apologies"})
    posted(coordinator, f"/meetings/{meeting_id}/agenda/rebuild", token)
    page = coordinator.get(f"/meetings/{meeting_id}")
    assert "Apologies" in page.text
    assert "Canal Road Crew" in page.text

    posted(
        coordinator, f"/meetings/{meeting_id}/minutes", token, minutes="1. County lines update from the OCC."
    )
    # a resolution given to an agency without a due date is refused, with the error by the field
    refused = coordinator.post(
        f"/meetings/{meeting_id}/resolutions",
        data={"csrf_token": token, "text": "Close 14 Canal Road", "agency_id": str(site.agency("HOUSING"))},
    )
    assert refused.status_code == 400
    assert "due date" in field_error(refused.text, "due_on")
    due = (sits + timedelta(days=14)).date().isoformat()
    done = posted(
        coordinator,
        f"/meetings/{meeting_id}/resolutions",
        token,
        text="Housing to serve a closure notice on 14 Canal Road",
        agency_id=str(site.agency("HOUSING")),
        assignee="Jo Bell",
        due_on=due,
    )
    assert "resolution-action" in done
    with Session(site.engine) as session:
        action = session.scalars(select(PlanAction).where(PlanAction.meeting_id == meeting_id)).one()
    page = coordinator.get(f"/meetings/{meeting_id}")
    assert (
        f'<a href="/actions/{action.id}">Housing to serve a closure notice on 14 Canal Road</a>' in page.text
    )
    posted(coordinator, f"/meetings/{meeting_id}/held", token)
    held = coordinator.get(f"/api/meetings/{meeting_id}").json()
    assert held["status"] == "HELD"
    assert held["resolutions"][0]["action"]["agency_code"] == "HOUSING"
    assert held["resolutions"][0]["action"]["due_on"] == due
    assert held["resolutions"][0]["action"]["status"] == "APPROVED"

    # the partner officer reads the same meeting: the group is a count, never a name
    partner, _ = site.client("housing.officer")
    seen = partner.get(f"/meetings/{meeting_id}")
    assert seen.status_code == 200
    assert "Canal Road Crew" not in seen.text
    assert "1 new organised crime group" in seen.text
    assert "Canal Road Crew" not in partner.get(f"/api/meetings/{meeting_id}").text
    assert "Rebuild from live items" not in seen.text


def test_requests_are_raised_routed_and_answered_through_the_pages(site: Site) -> None:
    coordinator, coordinator_token = site.client("coordinator")
    posted(
        coordinator,
        "/contacts/new",
        coordinator_token,
        name="DS Priya Shah",
        agency_id=str(site.agency("OCC")),
        specialisms=["COUNTY_LINES"],
        email="priya.shah@police.example.org",
        phone="020 7946 0999",
        username="oca",
    )
    bad = coordinator.post(
        "/contacts/new",
        data={
            "csrf_token": coordinator_token,
            "name": "Jo Bell",
            "agency_id": str(site.agency("HOUSING")),
            "specialisms": "HOUSING",
            "email": "jo.bell@",
            "phone": "12",
        },
    )
    assert bad.status_code == 400
    assert "e-mail" in field_error(bad.text, "email")
    assert "telephone" in field_error(bad.text, "phone")
    assert_labelled(coordinator.get("/contacts/new").text)

    housing, housing_token = site.client("housing.officer")
    form = housing.get("/requests/new")
    assert_labelled(form.text)
    blank = housing.post("/requests/new", data={"csrf_token": housing_token, "title": "", "specialism": ""})
    assert blank.status_code == 400
    assert field_error(blank.text, "title")
    assert field_error(blank.text, "specialism")
    request_url = posted(
        housing,
        "/requests/new",
        housing_token,
        title="Cuckooed flat at 14 Canal Road",
        specialism="COUNTY_LINES",
        urgency="PRIORITY",
        details="Tenant with a learning disability.",
    )
    request_id = int(request_url.split("/")[2].split("?")[0])

    queue = coordinator.get("/requests")
    assert "The router's queue" in queue.text
    assert "Cuckooed flat" in queue.text
    routing = coordinator.get(f"/requests/{request_id}")
    assert "Route to DS Priya Shah" in routing.text
    assert "Organised Crime Command" in routing.text
    with Session(site.engine) as session:
        contact_id = session.scalars(select(Contact.id)).one()
    posted(coordinator, f"/requests/{request_id}/route", coordinator_token, contact_id=str(contact_id))

    glaa, _ = site.client("glaa.officer")
    assert glaa.get(f"/requests/{request_id}").status_code == 404
    assert "Cuckooed flat" not in glaa.get("/requests").text

    occ, occ_token = site.client("oca")
    assert "Cuckooed flat" in occ.get("/requests").text
    posted(occ, f"/requests/{request_id}/accept", occ_token)
    empty = occ.post(f"/requests/{request_id}/close", data={"csrf_token": occ_token, "response": ""})
    assert empty.status_code == 400
    assert field_error(empty.text, "response")
    posted(occ, f"/requests/{request_id}/close", occ_token, response="Joint visit booked for Friday")

    mine = housing.get(f"/api/requests/{request_id}").json()
    assert mine["status"] == "CLOSED"
    assert mine["response"] == "Joint visit booked for Friday"
    assert mine["routed_to"]["name"] == "DS Priya Shah"
    assert "Joint visit booked" in housing.get(f"/requests/{request_id}").text


def test_the_api_runs_the_plan_with_the_session_cookie_and_csrf_header(site: Site) -> None:
    coordinator, token = site.client("coordinator")
    headers = {"X-CSRF-Token": token}
    objective = coordinator.post(
        "/api/partnership/objectives",
        json={"title": "Safeguard exploited children", "four_p": "PROTECT"},
        headers=headers,
    )
    assert objective.status_code == 201, objective.text
    initiative = coordinator.post(
        "/api/partnership/initiatives",
        json={
            "name": "County lines week of action",
            "lead_agency_id": site.agency("OCC"),
            "partner_agency_ids": [site.agency("HOUSING")],
            "objective_id": objective.json()["id"],
        },
        headers=headers,
    )
    assert initiative.status_code == 201, initiative.text
    action = coordinator.post(
        f"/api/partnership/initiatives/{initiative.json()['id']}/actions",
        json={
            "title": "Visit every cuckooed address",
            "agency_id": site.agency("HOUSING"),
            "due_on": "2030-01-31",
        },
        headers=headers,
    )
    assert action.status_code == 201
    assert action.json()["four_p"] == "PROTECT"
    board = coordinator.get("/api/partnership/board").json()
    protect = next(c for c in board["columns"] if c["four_p"] == "PROTECT")
    assert protect["objectives"][0]["initiatives"][0]["counts"]["by_status"]["APPROVED"] == 1
    bad = coordinator.post(
        "/api/partnership/objectives", json={"title": "", "four_p": "PERSUADE"}, headers=headers
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"title", "four_p"}
    partner, partner_token = site.client("glaa.officer")
    refused = partner.post(
        "/api/partnership/objectives",
        json={"title": "Mine", "four_p": "PURSUE"},
        headers={"X-CSRF-Token": partner_token},
    )
    assert refused.status_code == 403
    for page in (
        "/plan",
        f"/plan/objectives/{objective.json()['id']}",
        f"/plan/initiatives/{initiative.json()['id']}",
        "/meetings",
        "/requests",
        "/contacts",
    ):
        response = partner.get(page)
        assert response.status_code == 200, page
        assert_labelled(response.text)
    for page in ("/plan/objectives/new", "/plan/initiatives/new", "/meetings/new"):
        assert_labelled(coordinator.get(page).text)
    assert "Visit every cuckooed address" in partner.get(f"/plan/initiatives/{initiative.json()['id']}").text
    token_check = form_token(coordinator.get("/plan/initiatives/new").text)
    assert token_check == token
