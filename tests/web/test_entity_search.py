"""Find a person, place, vehicle or phone: fuzzy entity search, as a housing officer and a police
advisor meet it, on records imported through mappings and resolved into entities (entity_world.py,
plus the Smith household below). Real SQLite; the last test also PostgreSQL. No mocks."""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from entity_world import (
    HIDDEN,
    HOUSING_COLUMNS,
    EntityWorld,
    build_entity_world,
    housing_mapping,
    store_world_once,
)
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web_factories import audit_events, field_error, sign_in

from crimelink.domain import Purpose
from crimelink.ingest.importer import import_file
from crimelink.ingest.mapping import DatasetMapping
from crimelink.linkage.resolve import resolve_entities
from crimelink.services.auth import actor_for_user
from crimelink.services.entity_search import search_entities
from crimelink.settings import Settings
from crimelink.store.engine import make_engine
from crimelink.store.models import RecordEntityLink, SourceRecord, User
from crimelink.web import create_app

#: Robert Smith and his household, in the housing register (so both agencies may see them).
SMITH_ROWS = [
    {
        "Ref": "H-20",
        "Tenant": "Robert Smith",
        "DOB": "04/03/1990",
        "NINO": "JK222222B",
        "Postcode": "E3 2AB",
        "Property": "7 Orchard Close",
        "Property Postcode": "E3 2AB",
        "UPRN": "100023337001",
        "Start": "01/04/2025",
    },
    {
        "Ref": "H-21",
        "Tenant": "Rebecca Smith",
        "DOB": "19/08/1975",
        "NINO": "JK333333C",
        "Postcode": "E3 2AB",
        "Start": "01/04/2025",
    },
]


@dataclass(frozen=True)
class Site:
    app: object
    engine: Engine
    world: EntityWorld
    robert: int
    rebecca: int
    #: Record ids by source key, the Smiths' included.
    records: dict[str, int]

    def browser(self, username: str) -> TestClient:
        """A browser of its own, signed in as ``username`` through the form."""
        client = TestClient(self.app)  # type: ignore[arg-type]
        answer = sign_in(client, username)
        assert answer.status_code == 303, answer.text
        return client


def _entity_of(engine: Engine, key: str) -> int:
    with Session(engine) as session:
        return session.scalars(
            select(RecordEntityLink.entity_id)
            .join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
            .where(SourceRecord.source_key == key, RecordEntityLink.party == "subject")
        ).one()


def build_search_world(engine: Engine, settings: Settings, directory: Path) -> EntityWorld:
    """The entity world, then the Smiths imported into the tenancy register and everything resolved."""
    world = build_entity_world(engine, settings, directory)
    smiths = directory / "smiths.csv"
    with smiths.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["Ref", *HOUSING_COLUMNS])
        writer.writeheader()
        writer.writerows(SMITH_ROWS)
    summary = import_file(engine, smiths, DatasetMapping.from_dict(housing_mapping()))
    assert summary.quarantined == 0, summary
    resolve_entities(engine)
    return world


@pytest.fixture(scope="module")
def world_store(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, EntityWorld, Settings]:
    """The entity world plus the Smiths, imported and resolved once; each test copies the file."""
    directory = tmp_path_factory.mktemp("entity-search")
    return store_world_once(directory, sqlite_template, build_search_world, secret="search-tests-")


@pytest.fixture
def site(world_store: tuple[Path, EntityWorld, Settings], tmp_path: Path) -> Iterator[Site]:
    template, world, settings = world_store
    path = tmp_path / "crimelink.db"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield make_site(engine, settings, world)
    engine.dispose()


def make_site(engine: Engine, settings: Settings, world: EntityWorld) -> Site:
    with Session(engine) as session:
        records = dict(session.execute(select(SourceRecord.source_key, SourceRecord.id)).all())
    robert, rebecca = _entity_of(engine, "H-20"), _entity_of(engine, "H-21")
    return Site(create_app(settings, engine), engine, world, robert, rebecca, records)


def visible_text(html: str) -> str:
    """The page's text as read, without tags (and without the space a tag leaves before punctuation)."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
    return re.sub(r" ([,.;])", r"\1", text)


def api(client: TestClient, **params: str) -> dict[str, Any]:
    answer = client.get("/api/entities/search", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def result_links(html: str) -> list[tuple[int, str]]:
    """(entity id, name) of each result row, in order."""
    table = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [(int(i), name) for i, name in re.findall(r'href="/entities/(\d+)">([^<]+)</a>', table)]


def reasons(match: dict[str, Any]) -> dict[str, str]:
    return {reason["comparison"]: reason["level"] for reason in match["reasons"]}


# --- people ----------------------------------------------------------------------------------------


def test_bob_smyth_finds_robert_smith_by_nickname_and_sound_and_says_why(site: Site) -> None:
    partner = site.browser("partner.one")
    page = partner.get("/find", params={"name": "Bob Smyth", "dob": "04/03/1990"})
    assert page.status_code == 200
    assert result_links(page.text) == [(site.robert, "ROBERT SMITH")]
    assert f'href="/entities/{site.rebecca}"' not in page.text  # another Smith at his postcode
    text = visible_text(page.text)
    assert "name: metaphone of both; dob: exact" in text
    assert "Searched for name BOB SMYTH, date of birth 1990-03-04." in text
    assert '<a href="/find" aria-current="page">Find people and places</a>' in page.text

    body = api(partner, name="Bob Smyth", dob="04/03/1990")
    assert body["terms"] == {"name": "BOB SMYTH", "dob": "1990-03-04"}
    (robert,) = body["entities"]
    assert (robert["id"], robert["kind"], robert["display_name"]) == (site.robert, "PERSON", "ROBERT SMITH")
    assert reasons(robert) == {"name": "metaphone of both", "dob": "exact"}
    assert robert["why"] == "name: metaphone of both; dob: exact"
    assert robert["score"] == pytest.approx(sum(r["weight"] for r in robert["reasons"]), abs=0.01)
    assert robert["score"] > 15
    assert robert["attributes"]["dob"] == "1990-03-04"
    assert robert["record_ids"] == [site.records["H-20"]]
    # The name alone finds him too, with less evidence.
    (alone,) = api(partner, name="bob smyth")["entities"]
    assert alone["id"] == site.robert
    assert 0 < alone["score"] < robert["score"]


def test_a_name_given_family_name_first_finds_the_person(site: Site) -> None:
    partner = site.browser("partner.one")
    (found,) = api(partner, name="Smith Robert")["entities"]
    assert found["id"] == site.robert
    assert found["why"] == "name: given and family swapped"


def test_a_date_of_birth_with_day_and_month_transposed_finds_the_person(site: Site) -> None:
    advisor = site.browser("advisor.one")
    body = api(advisor, name="Robert Smith", dob="03/04/1990")  # he was born on 4 March
    assert body["terms"]["dob"] == "1990-04-03"
    (found,) = body["entities"]
    assert found["id"] == site.robert
    assert reasons(found) == {"name": "exact given and family", "dob": "day and month transposed"}
    (by_date,) = api(advisor, dob="03/04/1990")["entities"]
    assert (by_date["id"], by_date["why"]) == (site.robert, "dob: day and month transposed")


# --- vehicles and places ---------------------------------------------------------------------------


def test_a_vrm_typed_with_spaces_in_lower_case_finds_the_vehicle(site: Site) -> None:
    advisor = site.browser("advisor.one")
    for typed in ("kx19 zzt", " KX19ZZT "):
        body = api(advisor, vrm=typed)
        assert body["terms"] == {"vrm": "KX19ZZT"}
        assert [(e["id"], e["kind"], e["why"], e["score"]) for e in body["entities"]] == [
            (site.world.vehicle, "VEHICLE", "vrm: exact", None)
        ]
    page = advisor.get("/find", params={"vrm": "kx19 zzt"})
    assert result_links(page.text) == [(site.world.vehicle, "KX19ZZT")]


def test_a_postcode_or_an_address_finds_the_premises(site: Site) -> None:
    partner = site.browser("partner.one")
    page = partner.get("/find", params={"postcode": "e15 4at"})
    assert page.status_code == 200
    assert [entity for entity, _ in result_links(page.text)] == [site.world.linden_road]
    assert "postcode: exact" in visible_text(page.text)
    (premises,) = api(partner, address="12 Linden Rd", postcode="E154AT")["entities"]
    assert premises["id"] == site.world.linden_road
    assert premises["why"] == "address: exact; postcode: exact"
    assert api(partner, address="12 linden road", kind="PERSON")["entities"] == []


def test_an_email_finds_the_person_whatever_its_case(site: Site) -> None:
    partner = site.browser("partner.one")
    (rowan,) = api(partner, email="Rowan@Example.ORG")["entities"]
    assert (rowan["id"], rowan["why"]) == (site.world.rowan, "email: exact")
    assert rowan["record_ids"] == [site.records["P-3"], site.records["H-9"]]


# --- what may not be seen ---------------------------------------------------------------------------

#: What the partner typed: it is echoed back to them, so it is not a leak.
TYPED = ("VALYA", "ORLOVA", "ORLOVA-KANE")


def test_a_name_only_a_police_only_record_holds_gives_the_partner_a_holding_notice_only(site: Site) -> None:
    world, p1 = site.world, site.world.records["P-1"]
    partner = site.browser("partner.one")
    page = partner.get("/find", params={"name": "Valya Orlova-Kane"})
    assert page.status_code == 200
    assert result_links(page.text) == []
    text = visible_text(page.text)
    assert "Nothing you may see matches." in text
    assert "Ashvale SOC Unit (POLICE) holds 1 record." in text
    assert f'name="record_ids" value="{p1}"' in page.text  # the request-disclosure form
    assert [s for s in HIDDEN if s.lower() in page.text.lower() and s not in TYPED] == []
    # Her entity, which the partner may see through other records, is not tied to the hidden match.
    assert "VALENTINA" not in page.text.upper()
    assert re.search(r'href="/entities/\d', page.text) is None

    answer = partner.get("/api/entities/search", params={"name": "Valya Orlova-Kane"})
    assert [s for s in HIDDEN if s.lower() in answer.text.lower() and s not in TYPED] == []
    assert "VALENTINA" not in answer.text.upper()
    body = answer.json()
    assert body["entities"] == []
    assert [(n["agency_code"], n["count"], n["record_ids"]) for n in body["held_elsewhere"]] == [
        ("POLICE", 1, [p1])
    ]
    # The vehicle only that record names: a notice too, never the vehicle.
    vehicle = api(partner, vrm="kx19 zzt")
    assert vehicle["entities"] == []
    assert [(n["agency_code"], n["record_ids"]) for n in vehicle["held_elsewhere"]] == [("POLICE", [p1])]

    # The police advisor, who may see the record, finds her under that name.
    advisor = site.browser("advisor.one")
    (found,) = api(advisor, name="Valya Orlova-Kane")["entities"]
    assert (found["id"], found["why"]) == (world.valentina, "name: exact given and family")
    assert api(advisor, name="Valya Orlova-Kane")["held_elsewhere"] == []


def test_a_date_that_is_not_real_is_refused_naming_the_field(site: Site) -> None:
    partner = site.browser("partner.one")
    page = partner.get("/find", params={"name": "Robert Smith", "dob": "31/02/1990"})
    assert page.status_code == 422
    assert field_error(page.text, "dob") == "31/02/1990 is not a real date"
    assert "Date of birth: 31/02/1990 is not a real date" in visible_text(page.text)
    assert 'value="Robert Smith"' in page.text  # what was typed is kept for correcting
    answer = partner.get("/api/entities/search", params={"name": "Robert Smith", "dob": "31/02/1990"})
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": "dob: 31/02/1990 is not a real date",
        "errors": {"dob": "31/02/1990 is not a real date"},
    }
    kind = partner.get("/find", params={"name": "Robert Smith", "kind": "DRAGON"})
    assert (kind.status_code, field_error(kind.text, "kind")) == (422, "choose one of the kinds offered")
    nothing = partner.get("/api/entities/search")
    assert nothing.status_code == 422
    assert "enter at least one of a name, date of birth" in nothing.json()["detail"]
    assert audit_events(site.engine, action="search", resource_type="entity") == []


# --- audit, roles and limits -----------------------------------------------------------------------


def test_every_search_is_audited_with_its_purpose_and_terms(site: Site) -> None:
    partner = site.browser("partner.one")
    partner.get("/find", params={"name": "Valya Orlova-Kane"})
    api(partner, name="Bob Smyth", dob="04/03/1990", kind="PERSON")
    first, second = audit_events(site.engine, action="search", resource_type="entity")
    assert (first.actor, first.purpose, first.outcome) == (
        "partner.one",
        Purpose.CRIME_PREVENTION_DETECTION.value,
        "success",
    )
    assert first.details == {
        "terms": {"name": "Valya Orlova-Kane"},
        "kind": None,
        "entities": [],
        "held_elsewhere": 1,
        "capped": False,
    }
    assert second.details["terms"] == {"name": "Bob Smyth", "dob": "04/03/1990"}
    assert (second.details["kind"], second.details["entities"]) == ("PERSON", [site.robert])


def test_only_roles_that_may_search_records_may_find_entities(site: Site) -> None:
    admin = site.browser("admin.one")
    assert "Find people and places" not in admin.get("/").text
    assert admin.get("/find", params={"name": "Robert Smith"}).status_code == 403
    assert admin.get("/api/entities/search", params={"name": "Robert Smith"}).status_code == 403
    # The record search page beside it is unchanged.
    partner = site.browser("partner.one")
    records = partner.get("/search", params={"q": "Robert Smith"})
    assert records.status_code == 200
    assert f'href="/records/{site.records["H-20"]}"' in records.text


def test_a_search_examines_at_most_the_cap_and_says_so(site: Site) -> None:
    with Session(site.engine) as session:
        user = session.scalars(select(User).where(User.username == "advisor.one")).one()
        actor = actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)
        full = search_entities(session, actor, name="Valentina Orlov")
        capped = search_entities(session, actor, name="Valentina Orlov", max_candidates=1)
    assert (full.capped, full.candidates) == (False, 3)  # P-2, H-1 and H-6 name her so
    assert (capped.capped, capped.candidates) == (True, 1)
    assert [e.id for e in capped.entities] == [site.world.valentina]


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_the_search_works_on_postgresql_too(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    site = make_site(engine, settings, build_search_world(engine, settings, tmp_path))
    partner = site.browser("partner.one")
    (robert,) = api(partner, name="Bob Smyth", dob="03/04/1990")["entities"]
    assert (robert["id"], robert["why"]) == (
        site.robert,
        "name: metaphone of both; dob: day and month transposed",
    )
    (premises,) = api(partner, postcode="e15 4at")["entities"]
    assert premises["id"] == site.world.linden_road
    hidden = api(partner, name="Valya Orlova-Kane")
    assert (hidden["entities"], [n["record_ids"] for n in hidden["held_elsewhere"]]) == (
        [],
        [[site.records["P-1"]]],
    )
