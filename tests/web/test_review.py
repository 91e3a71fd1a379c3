"""The review queue and judgements, as a police analyst, a housing analyst and a housing officer meet
them: real records imported through mappings, resolved into entities by the linkage, and re-resolved
after each judgement to see it applied. Real SQLite.

Four people are each on one police and one housing record, and the model is unsure of each pair:

- INES MARLOW / INES MARLOWE: surnames a letter apart, dates of birth a day apart (55% likely);
- DANIEL KERR: no date of birth on the police record, nearby postcodes (61%); linked as one person
  anyway, as the only person of that name;
- MARA QUILL: dates of birth in the same month (66%); kept apart;
- TOBIAS REYNE (71%): the police record is POLICE_ONLY, so the housing analyst may not see that pair.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from entity_world import HOUSING_COLUMNS, POLICE_COLUMNS, housing_mapping, police_mapping
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from web_factories import add_agencies, audit_events, form_token, make_user, sign_in

from crimelink.api.deps import CSRF_HEADER
from crimelink.domain import DataCategory, Purpose
from crimelink.ingest.importer import import_file
from crimelink.ingest.mapping import DatasetMapping
from crimelink.linkage.resolve import resolve_entities
from crimelink.services.admin import create_agreement
from crimelink.services.callers import SystemCaller
from crimelink.settings import Settings
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import MatchJudgement, RecordEntityLink, SourceRecord
from crimelink.web import create_app

POLICE_ROWS = [
    {"URN": "P-1", "Name": "Daniel Kerr", "Address": "4 Mill Lane", "Postcode": "E15 4XY"},
    {"URN": "P-2", "Name": "Mara Quill", "DOB": "12/05/1990"},
    {
        "URN": "P-3",
        "Name": "Tobias Reyne",
        "DOB": "01/01/1970",
        "Postcode": "E3 2AB",
        "Conditions": "POLICE_ONLY",
    },
    {"URN": "P-4", "Name": "Ines Marlow", "DOB": "14/07/1988"},
]
HOUSING_ROWS = [
    {"Ref": "H-1", "Tenant": "Daniel Kerr", "DOB": "03/02/1985", "Postcode": "E15 4AT"},
    {"Ref": "H-2", "Tenant": "Mara Quill", "DOB": "21/05/1990"},
    {"Ref": "H-3", "Tenant": "Tobias Reyne", "DOB": "09/09/1970", "Postcode": "E3 2XX"},
    {"Ref": "H-4", "Tenant": "Ines Marlowe", "DOB": "15/07/1988"},
]
INES, DANIEL, MARA, TOBIAS = ("H-4", "P-4"), ("H-1", "P-1"), ("H-2", "P-2"), ("H-3", "P-3")
#: What only the police-only record says: never shown to the housing analyst.
HIDDEN = ("TOBIAS", "REYNE", "E3 2AB", "1970-01-01")


def _import(
    engine: Engine, path: Path, columns: dict[str, str], rows: list[dict[str, str]], mapping: Any
) -> None:
    key = "URN" if "URN" in rows[0] else "Ref"
    usual = {"Grade": "2B P", "Text": "Seen at the address.", "Date": "01/06/2025", "Start": "01/02/2024"}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[key, *columns], extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(usual | ({"Grade": "2B C"} if row.get("Conditions") else {}) | row)
    summary = import_file(engine, path, DatasetMapping.from_dict(mapping))
    assert summary.quarantined == 0, summary


def build_review_world(engine: Engine, settings: Settings, directory: Path) -> None:
    """Agencies, users, agreements both ways, the eight records, entities and the pairs for review."""
    add_agencies(engine)
    make_user(engine, settings, username="analyst.one", display_name="Ana Lyst")
    make_user(engine, settings, username="advisor.one", roles=["ORGANISED_CRIME_ADVISOR"])
    make_user(engine, settings, username="housing.analyst", agency_code="LBA-HOUSING", roles=["ANALYST"])
    make_user(engine, settings, username="partner.one", agency_code="LBA-HOUSING", roles=["PARTNER_OFFICER"])
    with session_scope(engine) as session:
        for sharer, recipient, category in (
            ("POLICE", "LBA-HOUSING", DataCategory.INTELLIGENCE),
            ("LBA-HOUSING", "POLICE", DataCategory.HOUSING),
        ):
            create_agreement(
                session,
                caller=SystemCaller("test-setup"),
                from_agency_code=sharer,
                to_agency_code=recipient,
                category=category,
                purposes=[Purpose.CRIME_PREVENTION_DETECTION],
                isa_reference="ISA-TEST",
                valid_from=date(2020, 1, 1),
            )
    _import(engine, directory / "police.csv", POLICE_COLUMNS, POLICE_ROWS, police_mapping())
    _import(engine, directory / "housing.csv", HOUSING_COLUMNS, HOUSING_ROWS, housing_mapping())
    resolve_entities(engine)


@dataclass(frozen=True)
class Site:
    app: Any
    engine: Engine

    def browser(self, username: str) -> TestClient:
        """A browser of its own, signed in as ``username`` through the form."""
        client = TestClient(self.app)
        answer = sign_in(client, username)
        assert answer.status_code == 303, answer.text
        return client

    def record(self, source_key: str) -> int:
        with Session(self.engine) as session:
            return session.scalars(select(SourceRecord.id).where(SourceRecord.source_key == source_key)).one()

    def entity(self, source_key: str) -> int:
        """The entity the record's subject is linked to."""
        with Session(self.engine) as session:
            return session.scalars(
                select(RecordEntityLink.entity_id)
                .join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
                .where(SourceRecord.source_key == source_key, RecordEntityLink.party == "subject")
            ).one()

    def method(self, source_key: str) -> str:
        with Session(self.engine) as session:
            return session.scalars(
                select(RecordEntityLink.method)
                .join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
                .where(SourceRecord.source_key == source_key, RecordEntityLink.party == "subject")
            ).one()


@pytest.fixture(scope="module")
def review_store(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> tuple[Path, Settings]:
    """The world imported, resolved and queued once; each test gets its own copy of the database file."""
    directory = tmp_path_factory.mktemp("review-world")
    path = directory / "crimelink.db"
    shutil.copyfile(sqlite_template, path)
    settings = Settings(
        _env_file=None, data_dir=directory / "var", secret_key=SecretStr("review-tests-" + "k" * 40)
    )
    engine = make_engine(f"sqlite:///{path}")
    build_review_world(engine, settings, directory)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path, settings


@pytest.fixture
def site(review_store: tuple[Path, Settings], tmp_path: Path) -> Iterator[Site]:
    template, settings = review_store
    path = tmp_path / "crimelink.db"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield Site(create_app(settings, engine), engine)
    engine.dispose()


def pairs_of(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The queue's pairs as (source key, source key), in the queue's order."""
    return [tuple(sorted((p["left"]["source_key"], p["right"]["source_key"]))) for p in body["pairs"]]  # type: ignore[misc]


def pair_id(client: TestClient, keys: tuple[str, str]) -> int:
    body = client.get("/api/review/pairs").json()
    return next(
        p["id"]
        for p in body["pairs"]
        if tuple(sorted((p["left"]["source_key"], p["right"]["source_key"]))) == keys
    )


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).strip()


def csrf(client: TestClient) -> str:
    return form_token(client.get("/").text)


def judgements(engine: Engine) -> list[tuple[str, str, bool]]:
    with Session(engine) as session:
        return [
            (j.decision, j.decided_by, j.reversed_at is None)
            for j in session.scalars(select(MatchJudgement).order_by(MatchJudgement.id))
        ]


# --- the queue ------------------------------------------------------------------------------------


def test_the_queue_puts_the_most_uncertain_pair_first_and_only_pairs_the_viewer_may_see_both_of(
    site: Site,
) -> None:
    analyst = site.browser("analyst.one")
    body = analyst.get("/api/review/pairs").json()
    assert pairs_of(body) == [INES, DANIEL, MARA, TOBIAS]
    certainties = [abs(p["match_probability"] - 0.5) for p in body["pairs"]]
    assert certainties == sorted(certainties)
    assert (body["total"], body["need_wider_access"]) == (4, 0)
    ines = body["pairs"][0]
    assert ines["match_probability"] == pytest.approx(0.545, abs=0.001)
    levels = {c["comparison"]: c["level"] for c in ines["comparisons"]}
    assert levels["name"] == "Jaro-Winkler >= 0.92 on both"
    assert levels["dob"] == "one character different"
    # The weights, added to the prior, are the match weight the probability comes from.
    total = ines["prior_weight"] + sum(c["weight"] for c in ines["comparisons"])
    assert total == pytest.approx(ines["match_weight"], abs=0.01)
    assert ines["prior_weight"] == pytest.approx(-13.29, abs=0.01)
    assert {ines["left"]["fields"]["family_name"], ines["right"]["fields"]["family_name"]} == {
        "MARLOW",
        "MARLOWE",
    }
    assert {ines["left"]["agency_code"], ines["right"]["agency_code"]} == {"POLICE", "LBA-HOUSING"}

    housing = site.browser("housing.analyst")
    body = housing.get("/api/review/pairs").json()
    assert pairs_of(body) == [INES, DANIEL, MARA]
    assert (body["total"], body["need_wider_access"]) == (3, 1)
    assert not [secret for secret in HIDDEN if secret in json.dumps(body).upper()]
    page = housing.get("/review")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "1 pair needs someone with wider access: it involves a record you may not see." in text
    assert not [secret for secret in HIDDEN if secret in text.upper()]
    # Side by side, each comparison's level and signed weight, and the prior they were added to.
    assert text.index("MARLOWE") < text.index("KERR") < text.index("QUILL")
    for shown in ("Jaro-Winkler >= 0.92 on both", "+6.91", "one character different", "+6.64", "−13.29"):
        assert shown in text
    assert f'href="/records/{site.record("P-4")}"' in page.text
    assert "54.5% likely the same" in text

    narrowed = housing.get(
        "/api/review/pairs", params={"min_probability": 0.6, "max_probability": 0.7}
    ).json()
    assert pairs_of(narrowed) == [DANIEL, MARA]
    assert pairs_of(housing.get("/api/review/pairs", params={"limit": 1, "offset": 1}).json()) == [DANIEL]
    filtered = visible_text(housing.get("/review", params={"min_percent": "60", "max_percent": "70"}).text)
    assert "KERR" in filtered
    assert "MARLOW" not in filtered

    shown = audit_events(site.engine, actor="housing.analyst", resource_type="review_queue")
    assert shown[0].details["need_wider_access"] == 1
    assert site.record("P-3") not in shown[0].details["records_shown"]
    assert site.record("P-4") in shown[0].details["records_shown"]


# --- judging --------------------------------------------------------------------------------------


def test_a_judgement_from_the_page_is_audited_applied_by_the_next_run_and_leaves_the_queue(
    site: Site,
) -> None:
    analyst = site.browser("analyst.one")
    page = analyst.get("/review").text
    daniel, mara = pair_id(analyst, DANIEL), pair_id(analyst, MARA)
    assert site.entity("P-1") == site.entity("H-1")  # one person, as the only Daniel Kerr
    assert site.entity("P-2") != site.entity("H-2")

    # With htmx the pair is answered in place.
    answered = analyst.post(
        f"/review/pairs/{daniel}/judgement",
        data={
            "csrf_token": form_token(page),
            "decision": "different",
            "reason": "Tenant born 1985; the man stopped is in his sixties",
        },
        headers={"HX-Request": "true"},
    )
    assert answered.status_code == 200
    assert f'id="pair-{daniel}"' in answered.text
    assert f"Pair {daniel}: judged different" in answered.text
    # Without it, back to the queue, which says so.
    sent = analyst.post(
        f"/review/pairs/{mara}/judgement",
        data={
            "csrf_token": form_token(page),
            "decision": "same",
            "reason": "Housing confirm the date of birth was typed day-first by mistake",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/review?judged=")
    assert "recorded" in visible_text(analyst.get(sent.headers["location"]).text)

    assert judgements(site.engine) == [("different", "analyst.one", True), ("same", "analyst.one", True)]
    audited = audit_events(site.engine, resource_type="match_judgement")
    assert [(e.action, e.actor) for e in audited] == [("judge", "analyst.one"), ("judge", "analyst.one")]
    assert audited[1].details["reason"].startswith("Housing confirm")
    assert pairs_of(analyst.get("/api/review/pairs").json()) == [INES, TOBIAS]

    resolve_entities(site.engine)
    assert site.entity("P-1") != site.entity("H-1")
    assert site.entity("P-2") == site.entity("H-2")
    assert site.method("H-2") == site.method("P-2") == "judgement"
    assert pairs_of(analyst.get("/api/review/pairs").json()) == [INES, TOBIAS]


def test_reversing_a_judgement_lets_the_model_decide_again_on_the_next_run(site: Site) -> None:
    analyst = site.browser("analyst.one")
    token = csrf(analyst)
    body = {
        "left": {"record_id": site.record("P-2"), "party": "subject"},
        "right": {"record_id": site.record("H-2"), "party": "subject"},
        "decision": "same",
        "reason": "Same National Insurance number on the housing file",
    }
    created = analyst.post("/api/judgements", json=body, headers={CSRF_HEADER: token})
    assert created.status_code == 201, created.text
    judgement = created.json()
    assert (judgement["decision"], judgement["active"], judgement["decided_by"]) == (
        "same",
        True,
        "analyst.one",
    )
    # Judged already: the first judgement must be reversed before another is made (either way round).
    swapped = body | {"left": body["right"], "right": body["left"], "decision": "different"}
    twice = analyst.post("/api/judgements", json=swapped, headers={CSRF_HEADER: token})
    assert twice.status_code == 409
    assert f"judged same already (judgement {judgement['id']})" in twice.json()["errors"]["right"]
    resolve_entities(site.engine)
    assert site.entity("P-2") == site.entity("H-2")

    history = analyst.get("/review/judgements")
    assert history.status_code == 200
    assert "Same National Insurance number on the housing file" in history.text
    reversed_row = analyst.post(
        f"/review/judgements/{judgement['id']}/reverse",
        data={"csrf_token": form_token(history.text), "reason": "The number belongs to her sister"},
        headers={"HX-Request": "true"},
    )
    assert reversed_row.status_code == 200
    assert reversed_row.text.lstrip().startswith(f'<tr id="judgement-{judgement["id"]}">')
    assert "Reversed" in reversed_row.text
    assert "The number belongs to her sister" in reversed_row.text
    assert judgements(site.engine) == [("same", "analyst.one", False)]
    assert [e.action for e in audit_events(site.engine, resource_type="match_judgement")] == [
        "judge",
        "reverse",
    ]

    resolve_entities(site.engine)
    assert site.entity("P-2") != site.entity("H-2")  # the model's decision again
    assert MARA in pairs_of(analyst.get("/api/review/pairs").json())  # and the pair is back for review
    again = analyst.post(
        f"/api/judgements/{judgement['id']}/reverse", json={"reason": "twice"}, headers={CSRF_HEADER: token}
    )
    assert again.status_code == 422
    assert "already reversed" in again.json()["errors"]["judgement"]


def test_not_this_person_on_the_entity_page_separates_the_record_at_the_next_run(site: Site) -> None:
    advisor = site.browser("advisor.one")
    daniel, p1 = site.entity("P-1"), site.record("P-1")
    page = advisor.get(f"/entities/{daniel}").text
    assert "Not this person?" in page
    assert "No one has judged whether these records are this person." in visible_text(page)
    form = {"csrf_token": form_token(page), "record_id": str(p1), "party": "subject", "noun": "person"}
    refused = advisor.post(
        f"/entities/{daniel}/judgements", data=form | {"reason": " "}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 200
    assert '<details class="not-this" open>' in refused.text
    assert "say why" in visible_text(refused.text)
    answered = advisor.post(
        f"/entities/{daniel}/judgements",
        data=form | {"decision": "different", "reason": "The stop record's man gave a 1950s date of birth"},
        headers={"HX-Request": "true"},
    )
    assert "Recorded: this record's subject is not this person." in visible_text(answered.text)
    with Session(site.engine) as session:
        stored = session.scalars(select(MatchJudgement)).one()
        assert (stored.left_record_id, stored.entity_id, stored.decision) == (p1, daniel, "different")

    resolve_entities(site.engine)
    assert site.entity("P-1") != site.entity("H-1")
    listed = advisor.get(f"/api/entities/{site.entity('P-1')}/judgements").json()
    assert [(j["decision"], j["entity_id"], j["left"]["source_key"]) for j in listed] == [
        ("different", daniel, "P-1")
    ]
    history = visible_text(advisor.get(f"/entities/{site.entity('P-1')}").text)
    assert "The stop record's man gave a 1950s date of birth" in history
    # A housing officer sees the history of records she may see, but may neither judge nor reverse.
    partner = visible_text(site.browser("partner.one").get(f"/entities/{site.entity('P-1')}").text)
    assert "The stop record's man gave a 1950s date of birth" in partner
    assert "Not this person" not in partner
    assert "Reverse" not in partner


# --- who may, and what is refused -----------------------------------------------------------------


def test_a_partner_officer_may_not_judge_and_has_no_review_link(site: Site) -> None:
    partner = site.browser("partner.one")
    token = csrf(partner)
    for path in ("/review", "/review/judgements", "/api/review/pairs", "/api/judgements"):
        refused = partner.get(path)
        assert refused.status_code == 403, path
        assert "entity.judge" in refused.text
    body = {
        "left": {"record_id": site.record("H-2"), "party": "subject"},
        "right": {"record_id": site.record("P-2"), "party": "subject"},
        "decision": "same",
        "reason": "Looks like her",
    }
    assert partner.post("/api/judgements", json=body, headers={CSRF_HEADER: token}).status_code == 403
    assert judgements(site.engine) == []
    home = partner.get("/").text
    assert 'href="/review"' not in home
    assert "Review queue" not in home
    assert 'href="/review"' in site.browser("analyst.one").get("/").text


def test_the_housing_analyst_may_not_judge_a_record_she_may_not_see(site: Site) -> None:
    housing = site.browser("housing.analyst")
    answer = housing.post(
        "/api/judgements",
        json={
            "left": {"record_id": site.record("H-3"), "party": "subject"},
            "right": {"record_id": site.record("P-3"), "party": "subject"},
            "decision": "same",
            "reason": "Same name",
        },
        headers={CSRF_HEADER: csrf(housing)},
    )
    assert answer.status_code == 403
    assert "you may judge only records you may see" in answer.json()["detail"]
    tobias = pair_id(site.browser("analyst.one"), TOBIAS)
    page = housing.get(f"/review/pairs/{tobias}")
    assert page.status_code == 404  # the pair page says no more than the queue did
    assert f"Pair {tobias} is not in your review queue" in page.text
    assert not [secret for secret in (*HIDDEN, "POLICE ONLY") if secret in answer.text.upper()]
    assert judgements(site.engine) == []


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (lambda site: {"reason": ""}, "reason", "this cannot be blank"),
        (lambda site: {"reason": "   "}, "reason", "say why"),
        (lambda site: {"decision": "maybe"}, "decision", "choose one of the options offered"),
        (lambda site: {"entity_id": site.entity("H-2")}, "right", "either right"),
        (lambda site: {"right": None}, "right", "either right"),
        (
            lambda site: {"right": {"record_id": 999_999, "party": "subject"}},
            "right",
            "there is no record 999999",
        ),
        (lambda site: {"right": {"record_id": 0, "party": "subject"}}, "right.record_id", "greater than"),
        (
            lambda site: {"right": {"record_id": site.record("H-2"), "party": "nobody"}},
            "right",
            "has no party 'nobody'",
        ),
    ],
    ids=[
        "empty-reason",
        "blank-reason",
        "unknown-decision",
        "both",
        "neither",
        "no-record",
        "bad-id",
        "no-party",
    ],
)
def test_bad_judgements_are_refused_naming_the_field(
    site: Site, change: Callable[[Site], dict[str, Any]], field: str, problem: str
) -> None:
    analyst = site.browser("analyst.one")
    body: dict[str, Any] = {
        "left": {"record_id": site.record("P-2"), "party": "subject"},
        "right": {"record_id": site.record("H-2"), "party": "subject"},
        "decision": "same",
        "reason": "Same date of birth, typed differently",
    }
    answer = analyst.post("/api/judgements", json=body | change(site), headers={CSRF_HEADER: csrf(analyst)})
    assert answer.status_code == 422, answer.text
    assert problem in answer.json()["errors"][field]
    assert judgements(site.engine) == []


def test_the_page_shows_what_is_wrong_next_to_the_field_and_keeps_the_pair(site: Site) -> None:
    analyst = site.browser("analyst.one")
    mara = pair_id(analyst, MARA)
    page = analyst.get("/review").text
    empty = analyst.post(
        f"/review/pairs/{mara}/judgement",
        data={"csrf_token": form_token(page), "decision": "same", "reason": ""},
        headers={"HX-Request": "true"},
    )
    assert empty.status_code == 200
    assert f'id="pair-{mara}-reason-error"' in empty.text
    assert "say why, so that the next analyst can follow the decision" in empty.text
    assert "QUILL" in empty.text  # the pair is still there to judge
    alone = analyst.get(f"/review/pairs/{mara}")
    assert alone.status_code == 200
    assert "QUILL" in alone.text
    unknown = analyst.post(
        f"/review/pairs/{mara}/judgement",
        data={"csrf_token": form_token(page), "decision": "maybe", "reason": "Not sure at all"},
    )
    assert unknown.status_code == 422
    text = visible_text(unknown.text)
    assert "The judgement was not recorded" in text
    assert "Decision: 'maybe' is not one of same, different, unsure" in text
    assert "Not sure at all" in unknown.text  # what was typed is kept
    assert judgements(site.engine) == []
    with Session(site.engine) as session:
        assert session.scalar(select(func.count()).select_from(MatchJudgement)) == 0
    assert MARA in pairs_of(analyst.get("/api/review/pairs").json())
