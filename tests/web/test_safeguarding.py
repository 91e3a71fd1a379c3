"""Safeguarding alerts as two safeguarding leads, a partner officer and an analyst meet them.

Real records imported through mappings, resolved into entities by linkage, scanned, then read and acted
on through the pages and the JSON API. Real SQLite.

- KAI BRENNAN, 15, is known to children's social care (C-1). Police report P-1 (tagged COUNTY_LINES)
  names him as the associate of an adult; P-3 (CSE, POLICE_ONLY) names him too, so the children's
  services lead may not see it.
- MARGARET ELLERY is known to adult social care (A-1, which only adult social care and the police see).
  Police report P-2 is tagged by no one, but its text shows the signs of cuckooing at her flat.
- HAROLD PIKE is known to adult social care too, but appears only in a drug supply report (P-4).
- DEAN HOLT, LEE MARSH and RAY COLE are adults nobody knows to be at risk.
"""

from __future__ import annotations

import csv
import html
import logging
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from web_factories import add_agencies, audit_events, form_token, make_agency, make_user, sign_in

from crimelink.api.deps import CSRF_HEADER
from crimelink.domain import AgencyKind, Classification, DataCategory, Purpose
from crimelink.ingest.importer import import_file
from crimelink.ingest.mapping import DatasetMapping
from crimelink.linkage.resolve import resolve_entities
from crimelink.services.admin import create_agreement, create_compartment
from crimelink.services.callers import SystemCaller
from crimelink.services.safeguarding import scan_safeguarding
from crimelink.settings import Settings
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import RecordEntityLink, SafeguardingAlert, SourceRecord
from crimelink.web import create_app

TODAY = date(2026, 11, 1)
SCANNER = SystemCaller("safeguarding-scan")

POLICE_COLUMNS = {
    "Grade": "record.grading",
    "Conditions": "record.handling_conditions",
    "Classification": "record.classification",
    "Caveats": "record.caveats",
    "Threats": "record.threats",
    "Text": "record.text",
    "Raw": "record.text_raw",
    "Date": "record.event_date",
    "Subject": "subject.full_name",
    "Subject DOB": "subject.dob",
    "Subject Phone": "subject.phone",
    "Associate": "associate.full_name",
    "Associate DOB": "associate.dob",
    "Associate Phone": "associate.phone",
}
#: What only P-3 (police only) says: the children's services lead must never read it.
P3_TEXT = "The child is believed to be collected from school by an adult male in a car and given gifts."
P3_RAW = "Source 7731 saw the car at the school gates."
POLICE_ROWS = [
    {
        "URN": "P-1",
        "Grade": "2B P",
        "Threats": "COUNTY_LINES",
        "Text": "A 15-year-old is believed to be running drugs on the 'ACE' deal line for the subject, "
        "seen with older males and carrying cash.",
        "Raw": "Stop search by PC 401; the boy had two phones.",
        "Date": "01/06/2025",
        "Subject": "Dean Holt",
        "Subject DOB": "10/10/1990",
        "Associate": "Kai Brennan",
        "Associate DOB": "04/03/2010",
        "Associate Phone": "07700 900111",
    },
    {
        "URN": "P-2",
        "Grade": "2B P",
        "Text": "Young males coming and going at all hours from the flat; the resident has not been seen "
        "for weeks and the door frame is damaged.",
        "Date": "15/07/2025",
        "Subject": "Lee Marsh",
        "Subject DOB": "02/02/1995",
        "Associate": "Margaret Ellery",
        "Associate DOB": "12/05/1950",
        "Associate Phone": "020 7946 0555",
    },
    {
        "URN": "P-3",
        "Grade": "2B C",
        "Conditions": "POLICE_ONLY",
        "Classification": "OFFICIAL-SENSITIVE",
        "Caveats": "CHILDREN",
        "Threats": "CSE",
        "Text": P3_TEXT,
        "Raw": P3_RAW,
        "Date": "01/08/2025",
        "Subject": "Ray Cole",
        "Subject DOB": "03/03/1980",
        "Associate": "Kai Brennan",
        "Associate DOB": "04/03/2010",
        "Associate Phone": "07700 900111",
    },
    {
        "URN": "P-4",
        "Grade": "3C P",
        "Threats": "DRUG_SUPPLY",
        "Text": "Subject is believed to be selling cannabis from the address.",
        "Date": "01/09/2025",
        "Subject": "Harold Pike",
        "Subject DOB": "01/01/1945",
        "Subject Phone": "020 7946 0666",
    },
]
#: A later report on Kai: a re-scan adds it to his open alert.
LATER_ROW = {
    "URN": "P-5",
    "Grade": "2B P",
    "Threats": "CCE",
    "Text": "The boy is believed to be holding cash and phones for the line at an address in Southend.",
    "Date": "01/10/2025",
    "Subject": "Dean Holt",
    "Subject DOB": "10/10/1990",
    "Associate": "Kai Brennan",
    "Associate DOB": "04/03/2010",
    "Associate Phone": "07700 900111",
}
CHILDREN_COLUMNS = {
    "First Name": "child.given_name",
    "Last Name": "child.family_name",
    "DOB": "child.dob",
    "Mobile": "child.phone",
    "Carer": "carer.full_name",
    "Date": "record.received",
    "Concerns": "record.text",
}
CHILDREN_ROWS = [
    {
        "Contact ID": "C-1",
        "First Name": "Kai",
        "Last Name": "Brennan",
        "DOB": "04/03/2010",
        "Mobile": "07700 900111",
        "Carer": "Siobhan Brennan",
        "Date": "01/02/2025",
        "Concerns": "Referral for assessment of special educational needs.",
    }
]
ADULTS_COLUMNS = {
    "Client Name": "client.full_name",
    "Date of Birth": "client.dob",
    "Telephone": "client.phone",
    "Contact Date": "record.received",
    "Safeguarding Concern": "record.text",
}
ADULTS_ROWS = [
    {
        "Contact No": "A-1",
        "Client Name": "Margaret Ellery",
        "Date of Birth": "12/05/1950",
        "Telephone": "020 7946 0555",
        "Contact Date": "01/03/2025",
        "Safeguarding Concern": "Care package review; lives alone.",
    },
    {
        "Contact No": "A-2",
        "Client Name": "Harold Pike",
        "Date of Birth": "01/01/1945",
        "Telephone": "020 7946 0666",
        "Contact Date": "01/03/2025",
        "Safeguarding Concern": "Annual review of support.",
    },
]


def police_mapping() -> dict[str, Any]:
    return {
        "dataset": "intelligence-reports",
        "title": "Police intelligence reports",
        "agency": "POLICE",
        "kind": "INTELLIGENCE",
        "category": DataCategory.INTELLIGENCE.value,
        "record_id": "URN",
        "columns": POLICE_COLUMNS,
    }


def children_mapping() -> dict[str, Any]:
    return {
        "dataset": "children-known",
        "title": "Children known to children's social care",
        "agency": "LBA-CSC",
        "kind": "CASES",
        "category": DataCategory.CHILDREN_SOCIAL_CARE.value,
        "record_id": "Contact ID",
        "defaults": {"classification": "OFFICIAL-SENSITIVE", "caveats": ["CHILDREN"]},
        "columns": CHILDREN_COLUMNS,
    }


def adults_mapping() -> dict[str, Any]:
    return {
        "dataset": "vulnerable-adults",
        "title": "Adults known to adult social care",
        "agency": "LBA-ASC",
        "kind": "CASES",
        "category": DataCategory.ADULT_SOCIAL_CARE.value,
        "record_id": "Contact No",
        "defaults": {"classification": "OFFICIAL-SENSITIVE", "caveats": ["ADULT-SAFEGUARDING"]},
        "columns": ADULTS_COLUMNS,
    }


def _import(
    engine: Engine,
    path: Path,
    key: str,
    columns: dict[str, str],
    rows: list[dict[str, str]],
    mapping: dict[str, Any],
) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[key, *columns])
        writer.writeheader()
        writer.writerows(rows)
    summary = import_file(engine, path, DatasetMapping.from_dict(mapping))
    assert summary.quarantined == 0, summary


def build_world(engine: Engine, settings: Settings, directory: Path) -> None:
    """Agencies, compartments, users, agreements, the records and their entities (not yet scanned)."""
    logging.getLogger("splink").setLevel(logging.ERROR)
    add_agencies(engine)
    setup = SystemCaller("test-setup")
    with session_scope(engine) as session:
        make_agency(session, code="LBA-ASC", name="Ashvale Adult Social Care", kind=AgencyKind.LA_ADULT_SC)
        for code in ("CHILDREN", "ADULT-SAFEGUARDING"):
            create_compartment(session, caller=setup, code=code, name=code.title())
    sensitive = Classification.OFFICIAL_SENSITIVE
    make_user(
        engine,
        settings,
        username="lead.csc",
        display_name="Aisha Lead",
        agency_code="LBA-CSC",
        roles=["SAFEGUARDING_LEAD"],
        clearance=sensitive,
        compartments=["CHILDREN"],
    )
    make_user(
        engine,
        settings,
        username="lead.police",
        display_name="Paul Lead",
        roles=["SAFEGUARDING_LEAD"],
        clearance=sensitive,
        compartments=["CHILDREN", "ADULT-SAFEGUARDING"],
    )
    make_user(engine, settings, username="partner.one", agency_code="LBA-HOUSING", roles=["PARTNER_OFFICER"])
    make_user(engine, settings, username="analyst.one", roles=["ANALYST"], clearance=sensitive)
    with session_scope(engine) as session:
        for sharer, recipient, category in (
            ("POLICE", "LBA-CSC", DataCategory.INTELLIGENCE),
            ("LBA-CSC", "POLICE", DataCategory.CHILDREN_SOCIAL_CARE),
            ("LBA-ASC", "POLICE", DataCategory.ADULT_SOCIAL_CARE),
        ):
            create_agreement(
                session,
                caller=setup,
                from_agency_code=sharer,
                to_agency_code=recipient,
                category=category,
                purposes=[Purpose.SAFEGUARDING],
                isa_reference="ISA-TEST",
                valid_from=date(2020, 1, 1),
            )
    _import(engine, directory / "police.csv", "URN", POLICE_COLUMNS, POLICE_ROWS, police_mapping())
    _import(
        engine, directory / "children.csv", "Contact ID", CHILDREN_COLUMNS, CHILDREN_ROWS, children_mapping()
    )
    _import(engine, directory / "adults.csv", "Contact No", ADULTS_COLUMNS, ADULTS_ROWS, adults_mapping())
    resolve_entities(engine)


@dataclass(frozen=True)
class Site:
    app: Any
    engine: Engine
    directory: Path

    def browser(self, username: str) -> TestClient:
        """A browser of its own, signed in as ``username`` through the form, for safeguarding."""
        client = TestClient(self.app)
        answer = sign_in(client, username, purpose="SAFEGUARDING")
        assert answer.status_code == 303, answer.text
        return client

    def scan(self) -> Any:
        with session_scope(self.engine) as session:
            return scan_safeguarding(session, actor=SCANNER, today=TODAY)

    def entity(self, source_key: str, party: str) -> int:
        with Session(self.engine) as session:
            return session.scalars(
                select(RecordEntityLink.entity_id)
                .join(SourceRecord, SourceRecord.id == RecordEntityLink.record_id)
                .where(SourceRecord.source_key == source_key, RecordEntityLink.party == party)
            ).one()

    def record(self, source_key: str) -> int:
        with Session(self.engine) as session:
            return session.scalars(select(SourceRecord.id).where(SourceRecord.source_key == source_key)).one()

    def alert_of(self, source_key: str, party: str) -> int:
        with Session(self.engine) as session:
            return session.scalars(
                select(SafeguardingAlert.id).where(
                    SafeguardingAlert.subject_entity_id == self.entity(source_key, party)
                )
            ).one()


@pytest.fixture(scope="module")
def safeguarding_store(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, Settings]:
    """The world imported and resolved once; each test gets its own copy of the database file."""
    directory = tmp_path_factory.mktemp("safeguarding-world")
    path = directory / "crimelink.db"
    shutil.copyfile(sqlite_template, path)
    settings = Settings(
        _env_file=None, data_dir=directory / "var", secret_key=SecretStr("safeguarding-tests-" + "k" * 40)
    )
    engine = make_engine(f"sqlite:///{path}")
    build_world(engine, settings, directory)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path, settings


@pytest.fixture
def site(safeguarding_store: tuple[Path, Settings], tmp_path: Path) -> Iterator[Site]:
    template, settings = safeguarding_store
    path = tmp_path / "crimelink.db"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield Site(create_app(settings, engine), engine, tmp_path)
    engine.dispose()


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).strip()


def alerts(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(SafeguardingAlert)) or 0


def test_the_world_resolves_each_person_into_one_entity(site: Site) -> None:
    assert site.entity("C-1", "child") == site.entity("P-1", "associate") == site.entity("P-3", "associate")
    assert site.entity("A-1", "client") == site.entity("P-2", "associate")
    assert site.entity("A-2", "client") == site.entity("P-4", "subject")


def test_a_county_lines_report_naming_a_15_year_old_raises_one_alert_to_the_mash_with_the_report(
    site: Site,
) -> None:
    summary = site.scan()
    assert (summary.alerts_raised, summary.people_found) == (2, 2)  # Kai and Margaret; nobody else

    lead = site.browser("lead.police")
    inbox = lead.get("/api/safeguarding/alerts").json()
    kai = next(a for a in inbox["alerts"] if a["kind"] == "child")
    assert kai["subject_name"] == "KAI BRENNAN"
    assert kai["routes"] == ["MASH_CHILDREN_REFERRAL"]
    assert kai["threats"] == ["COUNTY_LINES", "CSE"]

    alert = lead.get(f"/api/safeguarding/alerts/{kai['id']}").json()
    evidence = {e["source_key"]: e for e in alert["evidence"]}
    assert set(evidence) == {"P-1", "P-3"}
    assert evidence["P-1"]["party"] == "associate"
    assert (
        evidence["P-1"]["basis"] == "aged 15 on 2025-06-01: date of birth 2010-03-04 in record P-1 (POLICE)"
    )
    county_lines = evidence["P-1"]["tags"][0]
    assert (county_lines["threat"], county_lines["declared"]) == ("COUNTY_LINES", True)
    assert {m["indicator_id"] for m in county_lines["matches"]} >= {
        "cl-older-controlling-associates",
        "cl-unexplained-money-goods",
    }
    assert [r["route"] for r in alert["routes"]] == ["MASH_CHILDREN_REFERRAL"]
    assert "always" in alert["routes"][0]["rule"]
    assert alert["status"] == "raised"
    assert alert["next_actions"] == ["acknowledge"]
    # The raw text was never screened, and the alert never carries it.
    assert "two phones" not in str(alert)

    page = visible_text(lead.get(f"/safeguarding/alerts/{kai['id']}").text)
    assert "Children's social care referral (MASH)" in page
    assert "Has older, controlling associates or a new peer group." in page
    assert "“older males”" in page


def test_a_rescan_raises_no_duplicate_and_new_evidence_joins_the_open_alert(site: Site) -> None:
    site.scan()
    again = site.scan()
    assert (again.alerts_raised, again.alerts_updated, again.alerts_unchanged) == (0, 0, 2)
    assert alerts(site.engine) == 2

    _import(
        site.engine,
        site.directory / "police-2.csv",
        "URN",
        POLICE_COLUMNS,
        [*POLICE_ROWS, LATER_ROW],
        police_mapping(),
    )
    resolve_entities(site.engine)
    later = site.scan()
    assert (later.alerts_raised, later.alerts_updated) == (0, 1)
    assert alerts(site.engine) == 2
    lead = site.browser("lead.police")
    alert = lead.get(f"/api/safeguarding/alerts/{site.alert_of('C-1', 'child')}").json()
    assert {e["source_key"] for e in alert["evidence"]} == {"P-1", "P-3", "P-5"}
    assert [h["action"] for h in alert["history"]] == ["raise", "add_evidence"]


def test_an_adult_on_the_adult_social_care_register_in_a_cuckooing_report_gets_an_adult_safeguarding_concern(
    site: Site,
) -> None:
    site.scan()
    lead = site.browser("lead.police")

    alert = lead.get(f"/api/safeguarding/alerts/{site.alert_of('A-1', 'client')}").json()

    assert alert["kind"] == "adult_at_risk"
    assert [r["route"] for r in alert["routes"]] == ["ADULT_SAFEGUARDING_S42"]
    assert alert["threats"] == ["CUCKOOING"]
    (evidence,) = alert["evidence"]
    assert evidence["source_key"] == "P-2"
    assert evidence["basis"].startswith("known to adult social care as an adult at risk on 2025-07-15: A-1")
    (tag,) = evidence["tags"]
    assert tag["declared"] is False  # nobody tagged it: the indicators in its text did
    assert {(m["indicator_id"], m["where"]) for m in tag["matches"]} == {
        ("ck-coming-and-going", "text"),
        ("ck-resident-not-seen-anxious", "text"),
        ("ck-door-damaged-entry-buttons", "text"),
    }
    # Harold is known to adult social care too, but a drug supply report is not exploitation intelligence.
    assert all(
        a["subject_name"] != "HAROLD PIKE" for a in lead.get("/api/safeguarding/alerts").json()["alerts"]
    )


def test_a_partner_officer_cannot_see_the_inbox_and_an_analyst_may_scan_but_not_read_alerts(
    site: Site,
) -> None:
    site.scan()
    alert_id = site.alert_of("C-1", "child")
    partner = site.browser("partner.one")

    assert (
        'href="/safeguarding"' not in partner.get("/").text
    )  # no link in the navigation or on the home page
    refused = partner.get("/safeguarding")
    assert refused.status_code == 403
    assert "safeguarding.view action needs one of the roles SAFEGUARDING_LEAD" in visible_text(refused.text)
    assert partner.get("/api/safeguarding/alerts").status_code == 403
    assert partner.get(f"/api/safeguarding/alerts/{alert_id}").status_code == 403
    assert "KAI" not in partner.get(f"/safeguarding/alerts/{alert_id}").text

    analyst = site.browser("analyst.one")
    token = form_token(analyst.get("/").text)
    scanned = analyst.post(
        "/api/safeguarding/scan", json={"today": "2026-11-01"}, headers={CSRF_HEADER: token}
    )
    assert scanned.status_code == 200
    assert scanned.json()["alerts_unchanged"] == 2
    assert set(scanned.json()) >= {"records_screened", "alerts_raised"}
    assert analyst.get("/api/safeguarding/alerts").status_code == 403


def test_acknowledging_then_closing_is_audited_and_needs_a_reason(site: Site) -> None:
    site.scan()
    alert_id = site.alert_of("C-1", "child")
    lead = site.browser("lead.csc")
    url = f"/safeguarding/alerts/{alert_id}"
    token = form_token(lead.get(url).text)

    too_soon = lead.post(
        f"{url}/actions", data={"csrf_token": token, "action": "close", "rationale": "Done here."}
    )
    assert too_soon.status_code == 409
    assert (
        "is raised and not yet acknowledged, so it cannot be closed now; acknowledge it first"
        in visible_text(too_soon.text)
    )

    acknowledged = lead.post(
        f"{url}/actions", data={"csrf_token": token, "action": "acknowledge"}, follow_redirects=False
    )
    assert acknowledged.status_code == 303
    no_reason = lead.post(f"{url}/actions", data={"csrf_token": token, "action": "close", "rationale": ""})
    assert no_reason.status_code == 422
    assert "say why (at least 5 characters)" in visible_text(no_reason.text)
    referred = lead.post(
        f"{url}/actions",
        data={
            "csrf_token": token,
            "action": "refer",
            "route": "MASH_CHILDREN_REFERRAL",
            "rationale": "MASH referral made, reference 2026/114.",
        },
        follow_redirects=False,
    )
    assert referred.status_code == 303
    closed = lead.post(
        f"{url}/actions",
        data={"csrf_token": token, "action": "close", "rationale": "Strategy meeting held; plan in place."},
    )
    assert closed.status_code == 200
    page = visible_text(closed.text)
    assert "Closed: recorded." in page
    assert "Referred: Children's social care referral (MASH)" in page
    assert "MASH referral made, reference 2026/114." in page  # the author reads their own rationale

    updates = audit_events(site.engine, resource_type="safeguarding_alert", action="update")
    assert [(e.actor, e.details["action"], e.details["to"]) for e in updates] == [
        ("lead.csc", "acknowledge", "acknowledged"),
        ("lead.csc", "refer", "referred"),
        ("lead.csc", "close", "closed"),
    ]
    assert updates[1].details["route"] == "MASH_CHILDREN_REFERRAL"
    assert audit_events(site.engine, resource_type="safeguarding_alert", action="create")
    assert alerts(site.engine) == 2
    # A closed alert stays closed on a re-scan: its evidence raises nothing again.
    assert site.scan().alerts_raised == 0


def test_evidence_hidden_from_the_viewer_shows_only_a_holding_notice(site: Site) -> None:
    site.scan()
    alert_id = site.alert_of("C-1", "child")
    lead = site.browser("lead.csc")

    alert = lead.get(f"/api/safeguarding/alerts/{alert_id}").json()
    assert [e["source_key"] for e in alert["evidence"]] == ["P-1"]
    assert alert["threats"] == ["COUNTY_LINES"]  # CSE is only in the report the lead may not see
    assert [(h["agency_code"], h["count"], h["record_ids"]) for h in alert["held"]] == [
        ("POLICE", 1, [site.record("P-3")])
    ]
    page = lead.get(f"/safeguarding/alerts/{alert_id}").text
    text = visible_text(page)
    assert "Evidence you may not see" in text
    assert "holds 1 record." in text
    assert "Request disclosure" in text
    # Neither what P-3 says, nor whom, nor the threat and indicators it carries (the route's rule names
    # CSE only as DOMAIN.md's general rule).
    for secret in (P3_TEXT, P3_RAW, "RAY COLE", "Child sexual exploitation", "cse-", "gifts"):
        assert secret not in page, secret
    inbox = lead.get("/api/safeguarding/alerts").json()["alerts"]
    kai = next(a for a in inbox if a["id"] == alert_id)
    assert (kai["visible_evidence"], kai["hidden_evidence"], kai["threats"]) == (1, 1, ["COUNTY_LINES"])
    # Adult social care shares nothing with children's services: the lead learns only who holds the register.
    margaret = lead.get(f"/api/safeguarding/alerts/{site.alert_of('A-1', 'client')}").json()
    assert [e["source_key"] for e in margaret["evidence"]] == ["P-2"]
    assert margaret["evidence"][0]["basis"] == (
        "known to adult social care as an adult at risk on 2025-07-15, by records held by LBA-ASC you may not see"
    )
    assert "Care package review" not in str(margaret)
    viewed = audit_events(site.engine, resource_type="safeguarding_alert", action="view")
    assert viewed[0].details["records_shown"] == sorted([site.record("P-1"), site.record("C-1")])


def test_a_rationale_is_withheld_from_a_lead_who_may_not_see_all_the_evidence(site: Site) -> None:
    site.scan()
    alert_id = site.alert_of("C-1", "child")
    police = site.browser("lead.police")
    token = form_token(police.get("/").text)
    for action, rationale in (("acknowledge", ""), ("no_further_action", "Ray Cole arrested; see P-3.")):
        answer = police.post(
            f"/api/safeguarding/alerts/{alert_id}/actions",
            json={"action": action, "rationale": rationale},
            headers={CSRF_HEADER: token},
        )
        assert answer.status_code == 200, answer.text

    children_lead = site.browser("lead.csc").get(f"/api/safeguarding/alerts/{alert_id}").json()
    assert children_lead["status"] == "no_further_action"
    assert [h["rationale"] for h in children_lead["history"]] == ["", None, None]
    assert "Ray Cole" not in str(children_lead)
    assert (
        site.browser("lead.police")
        .get(f"/api/safeguarding/alerts/{alert_id}")
        .json()["history"][2]["rationale"]
        == "Ray Cole arrested; see P-3."
    )


def test_the_inbox_page_lists_open_alerts_and_the_lead_can_scan_from_it(site: Site) -> None:
    lead = site.browser("lead.police")
    empty = visible_text(lead.get("/safeguarding").text)
    assert "No open alerts." in empty

    token = form_token(lead.get("/safeguarding").text)
    scanned = lead.post("/safeguarding/scan", data={"csrf_token": token})
    text = visible_text(scanned.text)
    assert "Scan finished: 2 alerts raised, 0 given new evidence; 2 children or adults at risk found" in text
    assert "KAI BRENNAN" in text
    assert "MARGARET ELLERY" in text
    assert "Adult safeguarding concern (Care Act 2014 s.42 enquiry)" in text
    children = visible_text(lead.get("/safeguarding?kind=child").text)
    assert "KAI BRENNAN" in children
    assert "MARGARET ELLERY" not in children
    assert "No alerts about children with this status." in visible_text(
        lead.get("/safeguarding?kind=child&status=closed").text
    )


def test_the_scan_raises_each_alert_once_on_sqlite_and_postgresql(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "var", secret_key=SecretStr("backends-" + "k" * 40)
    )
    build_world(engine, settings, tmp_path)
    with session_scope(engine) as session:
        first = scan_safeguarding(session, actor=SCANNER, today=TODAY)
    with session_scope(engine) as session:
        again = scan_safeguarding(session, actor=SCANNER, today=TODAY)
        raised = session.execute(
            select(SafeguardingAlert.kind, SafeguardingAlert.threats, SafeguardingAlert.routes).order_by(
                SafeguardingAlert.kind
            )
        ).all()

    assert (first.alerts_raised, again.alerts_raised, again.alerts_unchanged) == (2, 0, 2)
    assert [(kind, threats, [r["route"] for r in routes]) for kind, threats, routes in raised] == [
        ("adult_at_risk", ["CUCKOOING"], ["ADULT_SAFEGUARDING_S42"]),
        ("child", ["COUNTY_LINES", "CSE"], ["MASH_CHILDREN_REFERRAL"]),
    ]


def test_wrong_requests_are_answered_with_what_to_do(site: Site) -> None:
    site.scan()
    alert_id = site.alert_of("C-1", "child")
    lead = site.browser("lead.police")
    headers = {CSRF_HEADER: form_token(lead.get("/").text)}
    url = f"/api/safeguarding/alerts/{alert_id}/actions"

    assert lead.post(url, json={"action": "acknowledge"}, headers=headers).status_code == 200
    wrong_route = lead.post(
        url, json={"action": "refer", "route": "NOWHERE", "rationale": "Referred."}, headers=headers
    )
    assert wrong_route.status_code == 422
    assert wrong_route.json()["errors"] == {"route": "choose the route the referral went to"}
    missing = lead.get("/api/safeguarding/alerts/999999")
    assert missing.status_code == 404
    assert "there is no safeguarding alert 999999" in missing.json()["detail"]
    assert lead.get("/api/safeguarding/alerts?status=lost").status_code == 422
    assert lead.post(url, json={"action": "acknowledge"}).status_code == 403  # no CSRF header
    assert lead.get("/safeguarding?status=lost").status_code == 200  # the page shows open alerts instead
