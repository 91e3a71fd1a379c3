"""Disruption plans and actions through the pages and the JSON API, signed in as people sign in.

The partnership is the deconfliction tests' (``plans_factories``): the police's Organised Crime Advisor
(``pc.covert``) runs the plan, GLAA and trading standards are partner agencies, the analyst reads plans.
The pages work on the clock, as the people using them do.
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
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.services.auth import hash_password
from crimelink.settings import Settings
from crimelink.store.models import DisruptionPlan, PlanAction, User
from crimelink.web import create_app

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from plans_factories import agency_id, build_store, make_group
from web_factories import PASSWORD, field_error, signed_in_as


@dataclass
class Partnership:
    engine: Engine
    app: object
    group_id: int
    police: int
    glaa: int

    def client(self, username: str) -> tuple[TestClient, str]:
        client = TestClient(self.app)  # type: ignore[arg-type]
        return client, signed_in_as(client, username)


@pytest.fixture
def partnership(sqlite_engine: Engine, tmp_path: Path) -> Partnership:
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "var", secret_key=SecretStr("test-secret-key-" + "k" * 40)
    )
    build_store(sqlite_engine)
    with Session(sqlite_engine) as session:
        for user in session.scalars(select(User)):
            user.password_hash = hash_password(PASSWORD)
        group = make_group(session)
        ids = (group.id, agency_id(session, "POLICE"), agency_id(session, "GLAA"))
        session.commit()
    return Partnership(sqlite_engine, create_app(settings, sqlite_engine), *ids)


def open_plan_through_form(p: Partnership, oca: TestClient, token: str) -> int:
    answer = oca.post(
        "/plans/new",
        data={
            "csrf_token": token,
            "title": "Disrupt the car wash network",
            "owner_agency_id": str(p.police),
            "owner_officer": "DS Priya Shah",
            "group_id": str(p.group_id),
            "objectives": "Close the car washes; safeguard the workers.",
            "review_every_days": "28",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:3000]
    return int(answer.headers["location"].split("/")[2].split("?")[0])


def add_action_through_form(
    p: Partnership, oca: TestClient, token: str, plan_id: int, **overrides: str
) -> int:
    data = {
        "csrf_token": token,
        "title": "Inspect the car wash for labour exploitation",
        "agency_id": str(p.glaa),
        "assignee": "Officer Kay Lamb",
        "due_on": (datetime.now(UTC).date() + timedelta(days=7)).isoformat(),
        "four_p": "PURSUE",
        "tactic": "",
    }
    data.update(overrides)
    answer = oca.post(f"/plans/{plan_id}/actions", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:3000]
    with Session(p.engine) as session:
        return int(session.scalars(select(PlanAction.id).order_by(PlanAction.id.desc())).first() or 0)


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


def unlabelled(html: str) -> list[dict[str, str | None]]:
    parser = _Fields()
    parser.feed(html)
    return [f for f in parser.fields if f.get("id") not in parser.labelled]


# --- plans ----------------------------------------------------------------------------------------


def test_an_advisor_opens_the_groups_plan_from_its_page_and_bad_input_is_named_by_field(
    partnership: Partnership,
) -> None:
    oca, token = partnership.client("pc.covert")
    assert "Disruption plans" in oca.get("/").text
    assert 'href="/actions"' in oca.get("/").text
    to_new = oca.get(f"/groups/{partnership.group_id}/plan", follow_redirects=False)
    assert to_new.headers["location"] == f"/plans/new?group_id={partnership.group_id}"
    form = oca.get(to_new.headers["location"])
    assert form.status_code == 200
    assert f'value="{partnership.group_id}"' in form.text
    assert unlabelled(form.text) == []
    bad = oca.post(
        "/plans/new",
        data={
            "csrf_token": token,
            "title": "",
            "owner_agency_id": str(partnership.police),
            "group_id": str(partnership.group_id),
            "target_entity_id": "",
            "review_every_days": "monthly",
        },
    )
    assert bad.status_code == 400
    assert field_error(bad.text, "review_every_days") == "enter a number (digits only)"
    both = oca.post(
        "/plans/new",
        data={
            "csrf_token": token,
            "title": "",
            "owner_agency_id": str(partnership.police),
            "group_id": str(partnership.group_id),
            "target_entity_id": "12",
            "review_every_days": "28",
        },
    )
    assert both.status_code == 400
    assert "name the plan" in field_error(both.text, "title")
    assert "give exactly one" in field_error(both.text, "group_id")
    plan_id = open_plan_through_form(partnership, oca, token)
    assert oca.get(f"/groups/{partnership.group_id}/plan", follow_redirects=False).headers["location"] == (
        f"/plans/{plan_id}"
    )
    page = oca.get(f"/plans/{plan_id}")
    assert "Canal Yard car wash network" in page.text
    assert "DS Priya Shah" in page.text
    assert unlabelled(page.text) == []
    listed = oca.get("/plans")
    assert f'href="/plans/{plan_id}"' in listed.text
    assert unlabelled(listed.text) == []


def test_the_add_action_form_takes_a_tactic_from_the_link_and_names_each_problem(
    partnership: Partnership,
) -> None:
    oca, token = partnership.client("pc.covert")
    plan_id = open_plan_through_form(partnership, oca, token)
    to_plan = oca.get(
        f"/groups/{partnership.group_id}/plan?tactic=premises-licence-review", follow_redirects=False
    )
    assert to_plan.headers["location"] == f"/plans/{plan_id}?tactic=premises-licence-review#add-title"
    page = oca.get(f"/plans/{plan_id}?tactic=premises-licence-review")
    assert f'href="/groups/{partnership.group_id}/tactics"' in page.text  # the tactics pages' recommendations
    assert '<option value="premises-licence-review" selected>' in page.text
    bad = oca.post(
        f"/plans/{plan_id}/actions",
        data={"csrf_token": token, "title": "", "agency_id": "", "due_on": "next week", "tactic": "made-up"},
    )
    assert bad.status_code == 400
    assert field_error(bad.text, "agency_id") == "choose the agency the action is given to"
    assert field_error(bad.text, "due_on") == "enter a date like 2026-12-31"
    unknown_tactic = oca.post(
        f"/plans/{plan_id}/actions",
        data={
            "csrf_token": token,
            "title": "Review",
            "agency_id": str(partnership.glaa),
            "tactic": "made-up",
        },
    )
    assert "no tactic &#39;made-up&#39; in the menu" in field_error(unknown_tactic.text, "tactic")
    late = (datetime.now(UTC).date() - timedelta(days=2)).isoformat()
    add_action_through_form(partnership, oca, token, plan_id, due_on=late, tactic="premises-licence-review")
    page = oca.get(f"/plans/{plan_id}")
    assert "Overdue by 2 days" in page.text
    assert "Premises licence review" in page.text
    plan = oca.get(f"/api/plans/{plan_id}").json()
    assert plan["counts"]["PROPOSED"] == 1
    assert plan["actions_overdue"] == 1
    assert plan["group_name"] == "Canal Yard car wash network"


def test_add_to_plan_for_a_group_with_no_plan_yet_keeps_the_tactic_through_opening_one(
    partnership: Partnership,
) -> None:
    oca, token = partnership.client("pc.covert")
    to_new = oca.get(
        f"/groups/{partnership.group_id}/plan?tactic=premises-licence-review", follow_redirects=False
    )
    assert to_new.headers["location"] == (
        f"/plans/new?group_id={partnership.group_id}&tactic=premises-licence-review"
    )
    form = oca.get(to_new.headers["location"])
    assert '<input type="hidden" name="then_tactic" value="premises-licence-review">' in form.text
    opened = oca.post(
        "/plans/new",
        data={
            "csrf_token": token,
            "title": "Disrupt the car wash network",
            "owner_agency_id": str(partnership.police),
            "group_id": str(partnership.group_id),
            "review_every_days": "28",
            "then_tactic": "premises-licence-review",
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303
    location = opened.headers["location"]
    assert location.endswith("?done=opened&tactic=premises-licence-review#add-title")
    page = oca.get(location.split("#")[0])
    assert '<option value="premises-licence-review" selected>' in page.text


def test_the_api_opens_plans_and_adds_actions_with_the_same_checks(partnership: Partnership) -> None:
    oca, token = partnership.client("pc.covert")
    headers = {"X-CSRF-Token": token}
    refused = oca.post(
        "/api/plans", json={"title": "X", "owner_agency_id": partnership.police}, headers=headers
    )
    assert refused.status_code == 422
    assert "group_id" in refused.json()["errors"]
    made = oca.post(
        "/api/plans",
        json={"title": "Car washes", "owner_agency_id": partnership.police, "group_id": partnership.group_id},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    plan_id = made.json()["id"]
    action = oca.post(
        f"/api/plans/{plan_id}/actions",
        json={"title": "GLAA inspection", "agency_id": partnership.glaa, "four_p": "PURSUE"},
        headers=headers,
    )
    assert action.status_code == 201
    assert action.json()["next_moves"][0] == "DECONFLICTING"
    closed = oca.post(f"/api/plans/{plan_id}/close", json={"note": "Handed to the NCA"}, headers=headers)
    assert closed.json()["status"] == "CLOSED"
    assert closed.json()["counts"]["ABANDONED"] == 1
    again = oca.post(
        f"/api/plans/{plan_id}/actions",
        json={"title": "More", "agency_id": partnership.glaa},
        headers=headers,
    )
    assert again.status_code == 409
    assert "closed" in again.json()["detail"]


# --- actions --------------------------------------------------------------------------------------


def test_a_partner_moves_its_actions_but_cannot_reach_the_plan(partnership: Partnership) -> None:
    oca, token = partnership.client("pc.covert")
    plan_id = open_plan_through_form(partnership, oca, token)
    action_id = add_action_through_form(partnership, oca, token, plan_id)
    oca.post(
        f"/actions/{action_id}/move",
        data={"csrf_token": token, "status": "APPROVED", "note": "agreed", "back": f"/actions/{action_id}"},
    )
    glaa, glaa_token = partnership.client("glaa.officer")
    home = glaa.get("/").text
    assert 'href="/actions"' in home
    assert 'href="/plans"' not in home
    assert glaa.get(f"/plans/{plan_id}").status_code == 403
    assert glaa.get("/plans").status_code == 403
    assert glaa.get(f"/api/plans/{plan_id}").status_code == 403
    mine = glaa.get("/actions")
    assert "Inspect the car wash" in mine.text
    assert "Disrupt the car wash network" not in mine.text
    assert unlabelled(mine.text) == []
    buttons = re.findall(r'name="status" value="([A-Z_]+)"', mine.text)
    assert buttons == ["IN_PROGRESS", "DONE"]
    moved = glaa.post(
        f"/actions/{action_id}/move",
        data={"csrf_token": glaa_token, "status": "IN_PROGRESS", "note": "visit booked", "back": "/actions"},
        follow_redirects=False,
    )
    assert moved.headers["location"] == "/actions?done=moved"
    api = glaa.get("/api/actions").json()["actions"]
    assert [(a["id"], a["status"], a["plan_id"]) for a in api] == [(action_id, "IN_PROGRESS", None)]
    page = glaa.get(f"/actions/{action_id}")
    assert "visit booked" in page.text
    assert f'href="/plans/{plan_id}"' not in page.text
    ts, _ = partnership.client("ts.officer")
    assert ts.get(f"/actions/{action_id}").status_code == 404
    assert ts.get(f"/api/actions/{action_id}").status_code == 404


def test_abandoning_without_a_note_shows_the_notes_error(partnership: Partnership) -> None:
    oca, token = partnership.client("pc.covert")
    plan_id = open_plan_through_form(partnership, oca, token)
    action_id = add_action_through_form(partnership, oca, token, plan_id)
    answer = oca.post(
        f"/actions/{action_id}/move",
        data={"csrf_token": token, "status": "ABANDONED", "note": "", "back": f"/actions/{action_id}"},
    )
    assert answer.status_code == 400
    assert field_error(answer.text, f"note-{action_id}") == "say why the action is abandoned"
    api = oca.post(f"/api/actions/{action_id}/move", json={"status": "DONE"}, headers={"X-CSRF-Token": token})
    assert api.status_code == 422
    assert "PROPOSED can move to" in api.json()["errors"]["status"]


def test_an_action_registers_its_operation_and_follows_it(partnership: Partnership) -> None:
    oca, token = partnership.client("pc.covert")
    plan_id = open_plan_through_form(partnership, oca, token)
    action_id = add_action_through_form(partnership, oca, token, plan_id)
    glaa, glaa_token = partnership.client("glaa.officer")
    page = glaa.get(f"/actions/{action_id}")
    assert f'href="/actions/{action_id}/operation/new"' in page.text
    form = glaa.get(f"/actions/{action_id}/operation/new")
    assert 'value="Inspect the car wash for labour exploitation"' in form.text
    assert f'value="{partnership.group_id}"' not in form.text  # a partner is not told the plan's group
    assert unlabelled(form.text) == []
    starts = (datetime.now(UTC) + timedelta(days=2)).replace(hour=6, minute=0, second=0, microsecond=0)
    data = {
        "csrf_token": glaa_token,
        "name": "Car wash inspection",
        "officer": "Officer Kay Lamb",
        "contact_24h": "GLAA duty 07700 900321",
        "operation_type": "GLAA_INSPECTION",
        "visibility": "OVERT",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        "radius_m": "300",
        "submit_mode": "submit",
    }
    nowhere = glaa.post(f"/actions/{action_id}/operation/new", data=data)
    assert nowhere.status_code == 400
    assert field_error(nowhere.text, "address") == "give at least one location or one target"
    data.update(address="Unit 2, Canal Yard", latitude="51.529", longitude="0.015")
    made = glaa.post(f"/actions/{action_id}/operation/new", data=data, follow_redirects=False)
    assert made.status_code == 303, made.text[:3000]
    operation_id = int(made.headers["location"].rsplit("/", 1)[1])
    page = glaa.get(f"/actions/{action_id}")
    assert "Approved" in page.text
    assert f'href="/operations/{operation_id}"' in page.text
    assert "is cleared by deconfliction" in page.text
    # The plan's manager, of another agency, reads the action but not the operation's page.
    oca_page = oca.get(f"/actions/{action_id}")
    assert f'href="/operations/{operation_id}"' not in oca_page.text
    assert "only that agency reads it" in oca_page.text
    with Session(partnership.engine) as session:
        plan = session.get(DisruptionPlan, plan_id)
        assert plan is not None
        assert plan.actions[0].operation_id == operation_id


def test_closing_a_plan_needs_a_note_and_leaves_it_read_only(partnership: Partnership) -> None:
    oca, token = partnership.client("pc.covert")
    plan_id = open_plan_through_form(partnership, oca, token)
    add_action_through_form(partnership, oca, token, plan_id)
    bad = oca.post(f"/plans/{plan_id}/close", data={"csrf_token": token, "close_note": ""})
    assert bad.status_code == 400
    assert "say why the plan closes" in field_error(bad.text, "close_note")
    oca.post(f"/plans/{plan_id}/close", data={"csrf_token": token, "close_note": "Group dismantled"})
    page = oca.get(f"/plans/{plan_id}")
    assert "Closed" in page.text
    assert "Group dismantled" in page.text
    assert "Add an action" not in page.text
    assert "Close the plan" not in page.text
    refused = oca.post(
        f"/plans/{plan_id}/actions",
        data={"csrf_token": token, "title": "Late idea", "agency_id": str(partnership.glaa)},
    )
    assert refused.status_code == 409
