"""Who else knows this? The entity page, its JSON twin, holdings and the cross-agency report, as a
housing officer and a police advisor meet them, on records imported through mappings and resolved
into entities by the linkage (see entity_world.py). Real SQLite; the last test also PostgreSQL."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from entity_world import HIDDEN, P2_SANITISED, EntityWorld, build_entity_world, store_world_once
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web_factories import audit_events, form_token, sign_in

from crimelink.domain import LawfulBasis, Purpose
from crimelink.services.auth import actor_for_user
from crimelink.services.disclosure import decide_disclosure
from crimelink.settings import Settings
from crimelink.store.engine import make_engine
from crimelink.store.models import DisclosureRequest, User
from crimelink.web import create_app


@dataclass(frozen=True)
class Site:
    app: object
    engine: Engine
    world: EntityWorld

    def browser(self, username: str) -> TestClient:
        """A browser of its own (its own cookies), signed in as ``username`` through the form."""
        client = TestClient(self.app)  # type: ignore[arg-type]
        answer = sign_in(client, username)
        assert answer.status_code == 303, answer.text
        return client


@pytest.fixture(scope="module")
def world_store(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, EntityWorld, Settings]:
    """The world imported and resolved once; each test gets its own copy of the database file."""
    directory = tmp_path_factory.mktemp("entity-world")
    return store_world_once(directory, sqlite_template, build_entity_world, secret="entity-tests-")


@pytest.fixture
def site(world_store: tuple[Path, EntityWorld, Settings], tmp_path: Path) -> Iterator[Site]:
    template, world, settings = world_store
    path = tmp_path / "crimelink.db"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield Site(create_app(settings, engine), engine, world)
    engine.dispose()


def leaked(text: str) -> list[str]:
    """The police-only record's strings found in ``text`` (case-insensitive)."""
    return [secret for secret in HIDDEN if secret.lower() in text.lower()]


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# --- the entity page --------------------------------------------------------------------------------


def test_a_partner_sees_her_records_and_only_that_the_police_hold_one_more(site: Site) -> None:
    world, p1 = site.world, site.world.records["P-1"]
    partner = site.browser("partner.one")
    page = partner.get(f"/entities/{world.valentina}")
    assert page.status_code == 200
    assert leaked(page.text) == []
    text = visible_text(page.text)
    assert "<h1>VALENTINA ORLOV</h1>" in page.text
    assert "Person known to 2 agencies. You may see 3 of the 4 records about this person" in text
    for key in ("H-1", "H-6", "P-2"):
        assert f'href="/records/{site.world.records[key]}"' in page.text
    assert P2_SANITISED in page.text
    assert "Officer observation" not in page.text  # P-2's raw text stays with the police
    assert "Ashvale SOC Unit (POLICE) holds 1 record." in text
    assert "Contact: Duty officer, 020 7946 0000" in text
    assert f'name="record_ids" value="{p1}"' in page.text
    assert f'href="/records/{p1}"' not in page.text
    # Linked through the records she may see, and not the vehicle only P-1 names.
    assert f'href="/entities/{world.caspar}">CASPAR WREN</a>' in page.text
    assert f'href="/entities/{world.linden_road}">12 LINDEN ROAD</a>' in page.text
    assert f'href="/entities/{world.vehicle}"' not in page.text
    assert "Subject: same identifier (deterministic)" in text
    assert "[OFFICIAL]" in page.text

    api = partner.get(f"/api/entities/{world.valentina}")
    assert api.status_code == 200
    assert leaked(api.text) == []
    body = api.json()
    assert body["display_name"] == "VALENTINA ORLOV"
    assert body["attributes"]["dob"] == "1984-03-07"
    assert (body["visible_records"], body["hidden_records"]) == (3, 1)
    police = next(a for a in body["agencies"] if a["agency_code"] == "POLICE")
    assert [r["source_key"] for r in police["records"]] == ["P-2"]
    assert police["held"]["count"] == 1
    assert police["held"]["record_ids"] == [p1]
    assert {e["id"] for e in body["linked"]} == {world.caspar, world.linden_road}
    assert [e["source_key"] for e in body["timeline"]] == ["H-1", "P-2", "H-6"]

    holdings = partner.get(f"/api/entities/{world.valentina}/holdings").json()
    assert [
        (h["agency_code"], h["records"], h["visible"], h["record_ids_to_request"])
        for h in holdings["agencies"]
    ] == [
        ("LBA-HOUSING", 2, 2, []),
        ("POLICE", 2, 1, [p1]),
    ]


def test_a_persons_page_leads_to_everyone_known_by_that_name(site: Site) -> None:
    partner = site.browser("partner.one")
    page = partner.get(f"/entities/{site.world.valentina}")
    link = 'href="/find?name=VALENTINA+ORLOV&amp;kind=PERSON"'
    assert link in page.text
    assert "Everyone known by this name" in visible_text(page.text)
    found = partner.get("/find?name=VALENTINA+ORLOV&kind=PERSON")
    assert found.status_code == 200
    assert f'href="/entities/{site.world.valentina}"' in found.text
    assert "Everyone known by this name" not in partner.get(f"/entities/{site.world.linden_road}").text


def test_the_advisor_sees_what_both_agencies_hold_including_the_police_only_record(site: Site) -> None:
    world = site.world
    advisor = site.browser("advisor.one")
    page = advisor.get(f"/entities/{world.valentina}")
    assert page.status_code == 200
    for secret in ("ORLOVA-KANE", "HARROW COURT", "N1 9GU", "1979-11-23", "nail bar"):
        assert secret in page.text
    assert f'href="/entities/{world.vehicle}">KX19ZZT</a>' in page.text
    assert "Records you may not see" not in page.text
    body = advisor.get(f"/api/entities/{world.valentina}").json()
    assert (body["visible_records"], body["hidden_records"]) == (4, 0)
    # The name the visible records agree on, not the one linkage happened to store.
    assert body["display_name"] == "VALENTINA ORLOV"


def test_an_entity_only_a_hidden_record_names_shows_its_kind_and_holder_and_nothing_else(site: Site) -> None:
    world = site.world
    partner = site.browser("partner.one")
    page = partner.get(f"/entities/{world.vehicle}")
    assert page.status_code == 200
    assert leaked(page.text) == []
    assert f"<h1>Vehicle {world.vehicle}</h1>" in page.text
    text = visible_text(page.text)
    assert "You may not see any record about this vehicle." in text
    assert "Ashvale SOC Unit (POLICE) holds 1 record." in text
    assert "Timeline" not in text
    assert "Linked people" not in text
    body = partner.get(f"/api/entities/{world.vehicle}").json()
    assert body["display_name"] is None
    assert (body["attributes"], body["linked"], body["timeline"]) == ({}, [], [])
    assert leaked(json.dumps(body)) == []


def test_errors_say_nothing_of_what_is_hidden(site: Site) -> None:
    world = site.world
    partner = site.browser("partner.one")
    missing = partner.get("/api/entities/999999")
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("no entity 999999")
    assert partner.get(f"/api/entities/{2**63}").status_code == 422
    assert partner.get("/reports/cross-agency?kind=SPACESHIP").status_code == 400
    admin = site.browser("admin.one")
    for path in (
        f"/api/entities/{world.valentina}",
        f"/api/entities/{world.valentina}/holdings",
        "/api/reports/cross-agency",
        f"/entities/{world.valentina}",
        "/reports/cross-agency",
    ):
        refused = admin.get(path)
        assert refused.status_code == 403, path
        assert "needs one of the roles" in refused.text
        assert leaked(refused.text) == []
        assert "VALENTINA" not in refused.text
    nav = admin.get("/").text
    assert "Cross-agency report" not in nav
    assert 'href="/reports/cross-agency"' in partner.get("/").text


def test_a_merged_entity_leads_to_the_entity_it_was_merged_into(site: Site) -> None:
    world = site.world
    partner = site.browser("partner.one")
    hop = partner.get(f"/entities/{world.rowan_merged}", follow_redirects=False)
    assert hop.status_code == 303
    assert hop.headers["location"] == f"/entities/{world.rowan}?merged_from={world.rowan_merged}"
    page = partner.get(hop.headers["location"])
    text = visible_text(page.text)
    assert f"Entity {world.rowan_merged} was merged into this one" in text
    assert f"entity {world.rowan_merged} merged into entity {world.rowan} (system:resolve)" in text
    assert "<h1>ROWAN BLYTHE</h1>" in page.text
    # A made-up merged_from says nothing.
    assert "was merged into this one" not in partner.get(f"/entities/{world.rowan}?merged_from=1").text

    body = partner.get(f"/api/entities/{world.rowan_merged}").json()
    assert (body["id"], body["merged_from"], body["merged_ids"]) == (
        world.rowan,
        world.rowan_merged,
        [world.rowan_merged],
    )
    assert sorted(r["source_key"] for a in body["agencies"] for r in a["records"]) == ["H-3", "H-9", "P-3"]
    holdings = partner.get(f"/api/entities/{world.rowan_merged}/holdings").json()
    assert (holdings["id"], holdings["merged_from"]) == (world.rowan, world.rowan_merged)


def test_the_record_page_links_each_party_to_who_else_knows_it(site: Site) -> None:
    world = site.world
    partner = site.browser("partner.one")
    page = partner.get(f"/records/{world.records['P-2']}").text
    assert f'<a href="/entities/{world.valentina}">Who else knows this person?</a>' in page
    assert f'<a href="/entities/{world.linden_road}">Who else knows this premises?</a>' in page
    held = partner.get(f"/records/{world.records['P-1']}").text
    assert "/entities/" not in held
    # The JSON twin names the same entities; a hidden record's notice names none.
    shown = partner.get(f"/api/records/{world.records['P-2']}").json()
    assert shown["entities"]["subject"] == world.valentina
    assert world.linden_road in shown["entities"].values()
    notice = partner.get(f"/api/records/{world.records['P-1']}").json()
    assert "entities" not in notice
    assert notice["kind"] == "held_elsewhere"


# --- the cross-agency report ------------------------------------------------------------------------


def test_the_report_lists_entities_two_agencies_know_with_their_counts(site: Site) -> None:
    world = site.world
    partner = site.browser("partner.one")
    report = partner.get("/api/reports/cross-agency").json()
    assert report["total"] == 3
    assert report["kinds"] == {"PERSON": 2, "PREMISES": 1}
    assert [e["id"] for e in report["entities"]] == [world.valentina, world.rowan, world.linden_road]
    listed = {e["id"] for e in report["entities"]}
    assert not listed & {world.barnaby, world.caspar, world.vehicle, world.rowan_merged}
    valentina = report["entities"][0]
    assert (valentina["display_name"], valentina["agencies"], valentina["records"]) == (
        "VALENTINA ORLOV",
        2,
        4,
    )
    assert valentina["visible_records"] == 3
    assert [(h["agency_code"], h["records"], h["visible"]) for h in valentina["holdings"]] == [
        ("LBA-HOUSING", 2, 2),
        ("POLICE", 2, 1),
    ]
    assert leaked(json.dumps(report)) == []

    premises = partner.get("/api/reports/cross-agency", params={"kind": "PREMISES"}).json()
    assert [(e["id"], e["display_name"]) for e in premises["entities"]] == [
        (world.linden_road, "12 LINDEN ROAD")
    ]
    assert premises["total"] == 1
    second = partner.get("/api/reports/cross-agency", params={"limit": 1, "offset": 1}).json()
    assert [e["id"] for e in second["entities"]] == [world.rowan]
    assert partner.get("/api/reports/cross-agency", params={"min_agencies": 3}).json()["total"] == 0
    assert partner.get("/api/reports/cross-agency", params={"min_agencies": 1}).status_code == 422

    page = partner.get("/reports/cross-agency")
    assert page.status_code == 200
    assert leaked(page.text) == []
    text = visible_text(page.text)
    assert "3 entities known to 2 or more agencies" in text
    assert '<label for="kind">Kind</label>' in page.text
    assert '<label for="min_agencies">Known to at least</label>' in page.text
    assert f'<a href="/entities/{world.valentina}">VALENTINA ORLOV</a>' in page.text
    assert "POLICE 2 records (1 you may see)" in text
    assert "LBA-HOUSING 2 records LBA-HOUSING" not in text  # fully visible holdings carry no note
    assert "BARNABY" not in page.text
    filtered = visible_text(partner.get("/reports/cross-agency?kind=PREMISES").text)
    assert "1 premises entity known to 2 or more agencies" in filtered


def test_the_report_names_an_entity_only_from_records_the_viewer_may_see(site: Site) -> None:
    """The police see more: the report names the same entities, and counts the same holdings."""
    advisor = site.browser("advisor.one")
    report = advisor.get("/api/reports/cross-agency").json()
    assert report["total"] == 3
    valentina = report["entities"][0]
    assert (valentina["records"], valentina["visible_records"]) == (4, 4)


# --- disclosure from the entity page, and the audit -------------------------------------------------


def test_a_partner_asks_for_the_hidden_record_from_the_entity_page_and_sees_it_once_granted(
    site: Site,
) -> None:
    world, p1 = site.world, site.world.records["P-1"]
    partner = site.browser("partner.one")
    page = partner.get(f"/entities/{world.valentina}").text
    sent = partner.post(
        "/disclosures",
        data={
            "csrf_token": form_token(page),
            "holder": "Ashvale SOC Unit",
            "record_ids": str(p1),
            "justification": "Joint visit to the tenancy planned with the police",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    with Session(site.engine) as session:
        request = session.scalars(select(DisclosureRequest)).one()
        assert (request.record_id, request.status.value) == (p1, "PENDING")
        advisor = session.scalars(select(User).where(User.username == "advisor.one")).one()
        decide_disclosure(
            session,
            actor_for_user(session, advisor, Purpose.CRIME_PREVENTION_DETECTION),
            request_id=request.id,
            grant=True,
            lawful_basis=LawfulBasis.CDA1998_S115,
            conditions=[],
            note="",
            expires_on=None,
        )
        session.commit()
    granted = partner.get(f"/entities/{world.valentina}")
    assert "ORLOVA-KANE" in granted.text
    assert "Records you may not see" not in granted.text
    assert f'href="/entities/{world.vehicle}">KX19ZZT</a>' in granted.text


def test_every_read_is_audited_with_what_was_shown(site: Site) -> None:
    world = site.world
    partner = site.browser("partner.one")
    partner.get(f"/entities/{world.valentina}")
    partner.get(f"/api/entities/{world.rowan_merged}/holdings")
    partner.get("/api/reports/cross-agency", params={"kind": "PERSON"})
    views = audit_events(site.engine, actor="partner.one", resource_type="entity")
    assert [(e.action, e.resource_id) for e in views] == [("view", str(world.valentina))]
    shown = {site.world.records[k] for k in ("H-1", "H-6", "P-2")}
    assert set(views[0].details["records_shown"]) == shown
    assert views[0].details["held_elsewhere"] == 1
    holdings = audit_events(site.engine, actor="partner.one", resource_type="entity_holdings")
    assert [(e.resource_id, e.details["requested"]) for e in holdings] == [
        (str(world.rowan), world.rowan_merged)
    ]
    report = audit_events(site.engine, actor="partner.one", resource_type="cross_agency")
    assert [(e.action, e.details["kind"], e.details["entities"]) for e in report] == [
        ("report", "PERSON", [world.valentina, world.rowan])
    ]


# --- both databases ---------------------------------------------------------------------------------


def test_entities_and_the_report_work_on_sqlite_and_postgresql(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    world = build_entity_world(engine, settings, tmp_path)
    site = Site(create_app(settings, engine), engine, world)
    partner = site.browser("partner.one")
    report = partner.get("/api/reports/cross-agency").json()
    assert [(e["id"], e["agencies"], e["records"], e["visible_records"]) for e in report["entities"]] == [
        (world.valentina, 2, 4, 3),
        (world.rowan, 2, 3, 3),
        (world.linden_road, 2, 2, 2),
    ]
    entity = partner.get(f"/api/entities/{world.rowan_merged}").json()
    assert (entity["id"], entity["merged_from"]) == (world.rowan, world.rowan_merged)
    hidden = partner.get(f"/api/entities/{world.valentina}")
    assert hidden.json()["hidden_records"] == 1
    assert leaked(hidden.text) == []
