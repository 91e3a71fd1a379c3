"""The record pages as their users meet them: search with hit / no-hit, the record page, disclosure
requests and decisions, submitting intelligence, and the audit viewer. Real SQLite, signed in through
the sign-in form."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web_factories import PASSWORD, field_error, form_token, make_user

from crimelink.access import Actor
from crimelink.domain import Classification, DataCategory, DatasetKind, HandlingCode, Purpose
from crimelink.services.auth import actor_for_user
from crimelink.services.intelligence import submit_intelligence
from crimelink.settings import Settings
from crimelink.store.engine import session_scope
from crimelink.store.models import Agency, Dataset, SharingAgreement, SourceRecord, User
from crimelink.web import create_app

OS = Classification.OFFICIAL_SENSITIVE
#: Only the police intelligence report names her; a partner must never see this name unless disclosed.
HIDDEN_NAME = "MARGOT"
SANITISED = "Subject is believed to keep cash for a supply line at the flat."
RAW = "Source QX-17, paid handler meeting on Tuesday: subject keeps the cash under the floorboards."


# --- a small partnership -----------------------------------------------------------------------


def _agency(session: Session, code: str) -> Agency:
    return session.scalars(select(Agency).where(Agency.code == code)).one()


def actor_for(
    session: Session, username: str, purpose: Purpose = Purpose.CRIME_PREVENTION_DETECTION
) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).one()
    return actor_for_user(session, user, purpose)


def make_dataset(session: Session, agency: Agency, category: DataCategory, **overrides: Any) -> Dataset:
    values: dict[str, Any] = {
        "agency_id": agency.id,
        "code": f"{category.value.lower().replace('_', '-')}-{agency.code.lower()}",
        "title": f"{category.value.replace('_', ' ').title()} register",
        "kind": DatasetKind.REGISTER,
        "category": category,
        "mapping": {"columns": {}},
        "mapping_hash": "0" * 64,
    }
    values.update(overrides)
    dataset = Dataset(**values)
    session.add(dataset)
    session.flush()
    return dataset


def make_record(session: Session, dataset: Dataset, key: str, *, name: str, **overrides: Any) -> SourceRecord:
    values: dict[str, Any] = {
        "agency_id": dataset.agency_id,
        "dataset_id": dataset.id,
        "source_key": key,
        "version": 1,
        "content_hash": hashlib.sha256(key.encode()).hexdigest(),
        "original": {"Name": name.title()},
        "normalised": {"subject": {"full_name": name}},
        "handling_code": HandlingCode.PERMITTED,
        "handling_conditions": [],
        "classification": Classification.OFFICIAL,
        "caveats": [],
        "received_at": datetime(2026, 1, 1, tzinfo=UTC),
        "review_due": date(2027, 1, 1),
    }
    values.update(overrides)
    record = SourceRecord(**values)
    session.add(record)
    session.flush()
    return record


@pytest.fixture
def partnership(store: Engine, settings: Settings) -> dict[str, int]:
    """Police, housing and children's social care; who may see what; and one record of each.

    Returns the ids of the police intelligence record, the housing record and the children's record.
    """
    make_user(store, settings, username="analyst.one", clearance=OS)
    make_user(store, settings, username="partner.one", agency_code="LBA-HOUSING", roles=["PARTNER_OFFICER"])
    make_user(store, settings, username="auditor.one", roles=["AUDITOR"])
    make_user(store, settings, username="admin.one", roles=["ADMINISTRATOR"])
    make_user(
        store, settings, username="lead.one", agency_code="LBA-CSC", roles=["SAFEGUARDING_LEAD"], clearance=OS
    )
    with session_scope(store) as session:
        police, housing, csc = (_agency(session, c) for c in ("POLICE", "LBA-HOUSING", "LBA-CSC"))
        session.add(
            SharingAgreement(
                from_agency_id=police.id,
                to_agency_id=housing.id,
                category=DataCategory.INTELLIGENCE,
                purposes=[Purpose.CRIME_PREVENTION_DETECTION.value],
                isa_reference="ISA-TEST",
                valid_from=date(2020, 1, 1),
            )
        )
        tenancy = make_record(
            session, make_dataset(session, housing, DataCategory.HOUSING), "T-1", name="DORIAN QUINCE"
        )
        child = make_record(
            session,
            make_dataset(session, csc, DataCategory.CHILDREN_SOCIAL_CARE, kind=DatasetKind.CASES),
            "C-1",
            name="ROSA QUINCE",
            classification=OS,
            caveats=["CHILDREN"],
            handling_code=HandlingCode.CONDITIONS,
            handling_conditions=[{"code": "REFER_TO_ORIGINATOR_BEFORE_ACTION"}],
        )
        # Shared with housing by agreement, but kept from them by its POLICE_ONLY condition.
        report = submit_intelligence(
            session,
            actor_for(session, "analyst.one"),
            form={
                "source_evaluation": "2",
                "intelligence_assessment": "B",
                "handling_code": "C",
                "handling_conditions": "POLICE_ONLY",
                "text": SANITISED,
                "text_raw": RAW,
                "subject_name": f"{HIDDEN_NAME} QUINCE",
            },
        )
        return {"police": report.source_record_id, "housing": tenancy.id, "children": child.id}


def browser(client: TestClient, username: str, purpose: str = "CRIME_PREVENTION_DETECTION") -> TestClient:
    """A separate browser (its own cookies) signed in as ``username``."""
    other = TestClient(client.app)
    page = other.get("/sign-in")
    answer = other.post(
        "/sign-in",
        data={
            "csrf_token": form_token(page.text),
            "username": username,
            "password": PASSWORD,
            "purpose": purpose,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return other


def csrf_of(client: TestClient) -> str:
    return form_token(client.get("/").text)


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- hit / no-hit and disclosure ------------------------------------------------------------------


def test_a_partner_sees_their_own_record_and_only_who_holds_the_police_one(
    client: TestClient, partnership: dict[str, int]
) -> None:
    partner = browser(client, "partner.one")
    page = partner.get("/search", params={"q": "quince"})
    assert page.status_code == 200
    assert f'href="/records/{partnership["housing"]}"' in page.text
    assert "DORIAN QUINCE" in page.text
    text = visible_text(page.text)
    assert "1 record you may see" in text
    assert "Ashvale SOC Unit (POLICE) holds 1 record." in text
    assert "Contact: Duty officer, 020 7946 0000" in text
    for secret in (HIDDEN_NAME, SANITISED, RAW, f'href="/records/{partnership["police"]}"'):
        assert secret not in page.text
    assert 'name="record_ids" value="{}"'.format(partnership["police"]) in page.text

    held = partner.get(f"/records/{partnership['police']}")
    assert held.status_code == 200
    assert "This record is held by another agency" in held.text
    assert HIDDEN_NAME not in held.text
    assert SANITISED not in held.text


def test_after_the_police_grant_disclosure_the_partner_sees_the_sanitised_text_never_the_raw(
    client: TestClient, partnership: dict[str, int]
) -> None:
    partner, police_record = browser(client, "partner.one"), partnership["police"]
    request = {"csrf_token": csrf_of(partner), "record_ids": str(police_record)}
    too_short = partner.post("/disclosures", data=request | {"justification": "need it"})
    assert too_short.status_code == 422
    assert "at least 10 characters" in field_error(too_short.text, f"request-{police_record}-justification")
    assert "need it" in too_short.text  # what they typed is kept

    sent = partner.post(
        "/disclosures", data=request | {"justification": "Joint visit to the tenancy next week"}
    )
    assert sent.status_code == 200  # followed to the list
    assert "Disclosure request sent to POLICE." in sent.text

    analyst = browser(client, "analyst.one")
    home = visible_text(analyst.get("/").text)
    assert "Waiting for your agency's decision 1" in home
    to_decide = analyst.get("/disclosures").text
    request_id = re.search(r'action="/disclosures/(\d+)/decision"', to_decide)
    assert request_id is not None
    decide = f"/disclosures/{request_id.group(1)}/decision"
    decision = {"csrf_token": csrf_of(analyst), "decision": "grant", "note": "For the joint visit"}
    unlawful = analyst.post(decide, data=decision)
    assert unlawful.status_code == 422
    assert field_error(unlawful.text, f"decide-{request_id.group(1)}-lawful_basis") == (
        "a grant must record its lawful basis"
    )
    assert "For the joint visit" in unlawful.text
    granted = analyst.post(
        decide, data=decision | {"lawful_basis": "CDA1998_S115", "conditions": "NOT_FOR_EVIDENTIAL_USE"}
    )
    assert granted.status_code == 200
    assert "Request 1 from LBA-HOUSING granted." in visible_text(granted.text)
    assert "Waiting for your agency's decision 0" in visible_text(analyst.get("/").text)

    record = partner.get(f"/records/{police_record}")
    text = visible_text(record.text)
    assert SANITISED in text
    assert f"{HIDDEN_NAME} QUINCE" in text
    assert "2B C" in text
    assert "C — police only" in text
    assert "A disclosure of this record to your agency was granted." in text
    assert RAW not in record.text
    assert "Police only" not in text
    assert "Raw text" not in text
    mine = visible_text(partner.get("/disclosures").text)
    assert "Granted" in mine
    assert "Crime and Disorder Act 1998, section 115" in mine
    assert "Not for evidential use" in mine or "not for evidential use" in mine


def test_with_htmx_the_request_form_is_answered_in_place(
    client: TestClient, partnership: dict[str, int]
) -> None:
    partner = browser(client, "partner.one")
    answer = partner.post(
        "/disclosures",
        data={
            "csrf_token": csrf_of(partner),
            "record_ids": str(partnership["police"]),
            "holder": "Ashvale SOC Unit",
            "justification": "Joint visit to the tenancy next week",
        },
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert "<html" not in answer.text
    assert "Disclosure request sent to POLICE for 1 record." in visible_text(answer.text)


def test_the_police_see_their_report_with_its_raw_text_marked_police_only(
    client: TestClient, partnership: dict[str, int]
) -> None:
    page = browser(client, "analyst.one").get(f"/records/{partnership['police']}")
    text = visible_text(page.text)
    assert "Your agency holds this record." in text
    assert "2B C" in text
    assert "Untested source; known indirectly to the source but corroborated" in text
    assert "C — police only" in text
    assert "Police only Raw text" in text
    assert RAW in text
    assert "Parties" in text
    assert f"{HIDDEN_NAME} QUINCE" in text


def test_an_official_sensitive_record_carries_the_marking_for_its_holder_and_stays_hidden_from_others(
    client: TestClient, partnership: dict[str, int]
) -> None:
    lead = browser(client, "lead.one", purpose="SAFEGUARDING")
    page = lead.get(f"/records/{partnership['children']}")
    assert page.status_code == 200
    assert '<div class="marking marking-sensitive"' in page.text
    assert "[OFFICIAL-SENSITIVE]</title>" in page.text
    assert "C — refer to originator before action" in visible_text(page.text)

    held = browser(client, "partner.one").get(f"/records/{partnership['children']}")
    assert "ROSA" not in held.text
    assert "marking-sensitive" not in held.text
    assert "Ashvale Children's Social Care (LBA-CSC) holds 1 record." in visible_text(held.text).replace(
        "&#39;", "'"
    )


def test_refusals_are_pages_that_say_why_and_unknown_records_are_not_found(
    client: TestClient, partnership: dict[str, int]
) -> None:
    admin = browser(client, "admin.one")
    refused = admin.get("/search", params={"q": "quince"})
    assert refused.status_code == 403
    assert "the record.search action needs one of the roles" in refused.text
    assert "DORIAN" not in refused.text
    assert admin.get(f"/records/{partnership['housing']}").status_code == 403
    assert admin.get("/intelligence/new").status_code == 403
    assert admin.get("/disclosures").status_code == 403

    partner = browser(client, "partner.one")
    assert partner.get("/records/999999").status_code == 404
    assert partner.get(f"/records/{2**70}").status_code == 400
    assert partner.get("/records/not-a-number").status_code == 400
    not_mine = partner.post(
        "/disclosures/1/decision", data={"csrf_token": csrf_of(partner), "decision": "grant"}
    )
    assert not_mine.status_code == 404


# --- submitting intelligence ----------------------------------------------------------------------


def test_the_intelligence_form_shows_each_problem_next_to_its_field_and_keeps_what_was_typed(
    client: TestClient, partnership: dict[str, int]
) -> None:
    partner = browser(client, "partner.one")
    form = partner.get("/intelligence/new")
    assert form.status_code == 200
    assert "SECRET and TOP SECRET material must never be entered" in form.text
    typed = {
        "csrf_token": form_token(form.text),
        "source_evaluation": "1",
        "intelligence_assessment": "B",
        "handling_code": "C",
        "classification": "SECRET",
        "text": "Van seen unloading boxes at night",
        "subject_name": "Nadia Greaves",
        "threats": ["COUNTERFEIT_GOODS", "FRAUD"],
    }
    answer = partner.post("/intelligence", data=typed)
    assert answer.status_code == 422
    assert "needs at least one handling condition" in field_error(answer.text, "handling_conditions")
    assert "must not hold SECRET" in field_error(answer.text, "classification")
    assert 'href="#handling_conditions"' in answer.text
    assert 'href="#classification"' in answer.text
    assert 'value="Nadia Greaves"' in answer.text
    assert ">Van seen unloading boxes at night</textarea>" in answer.text
    assert '<option value="COUNTERFEIT_GOODS" selected>' in answer.text
    assert '<option value="C" selected>' in answer.text


def test_a_valid_submission_goes_to_its_record_page_with_the_grade(
    client: TestClient, partnership: dict[str, int]
) -> None:
    partner = browser(client, "partner.one")
    submitted = partner.post(
        "/intelligence",
        data={
            "csrf_token": csrf_of(partner),
            "source_evaluation": "1",
            "intelligence_assessment": "B",
            "handling_code": "P",
            "classification": "OFFICIAL",
            "text": "Van seen unloading boxes at night",
            "text_raw": "My neighbour at number 4 told me",
            "subject_name": "Nadia Greaves",
            "subject_postcode": "e15 4at",
        },
        follow_redirects=False,
    )
    assert submitted.status_code == 303, submitted.text
    assert re.fullmatch(
        r"/records/\d+\?submitted=LBA-HOUSING-\d{8}-[0-9A-F]{6}", submitted.headers["location"]
    )
    page = visible_text(partner.get(submitted.headers["location"]).text)
    assert "Intelligence report LBA-HOUSING-" in page
    assert " submitted." in page
    assert "1B P" in page
    assert "P — lawful sharing permitted" in page
    assert "E15 4AT" in page


def test_a_report_shows_its_threat_screening_with_the_indicators_found_never_from_raw_text(
    client: TestClient, partnership: dict[str, int]
) -> None:
    analyst = browser(client, "analyst.one")
    submitted = analyst.post(
        "/intelligence",
        data={
            "csrf_token": csrf_of(analyst),
            "source_evaluation": "2",
            "intelligence_assessment": "B",
            "handling_code": "P",
            "classification": "OFFICIAL",
            "text": "Young males coming and going at all hours; the door frame is damaged.",
            "text_raw": "Caller also saw drug paraphernalia in the hallway and takeaway deliveries at odd hours.",
            "subject_name": "Nadia Greaves",
        },
        follow_redirects=False,
    )
    assert submitted.status_code == 303, submitted.text
    record_id = int(submitted.headers["location"].split("?")[0].rsplit("/", 1)[1])
    page = visible_text(analyst.get(f"/records/{record_id}").text)
    assert "Threat screening" in page
    assert "ck-coming-and-going in text (text: “coming and going”)" in page
    answer = analyst.get(f"/api/records/{record_id}").json()
    tags = {tag["threat"]: tag for tag in answer["screening"]}
    assert set(tags) == {"CUCKOOING"}
    assert tags["CUCKOOING"]["declared"] is False
    matches = tags["CUCKOOING"]["matches"]
    assert "ck-coming-and-going" in {m["indicator_id"] for m in matches}
    sanitised = "young males coming and going at all hours; the door frame is damaged."
    assert all(m["found"].lower() in sanitised for m in matches), "the raw text's signs are never screened"


def test_a_partner_sees_the_raw_text_it_submitted_labelled_as_its_own(
    client: TestClient, partnership: dict[str, int]
) -> None:
    partner = browser(client, "partner.one")
    submitted = partner.post(
        "/intelligence",
        data={
            "csrf_token": csrf_of(partner),
            "source_evaluation": "1",
            "intelligence_assessment": "B",
            "handling_code": "P",
            "text": "Van seen unloading boxes at night",
            "text_raw": "My neighbour at number 4 told me",
        },
    )
    page = visible_text(submitted.text)
    assert "Ashvale Housing only Raw text" in page
    assert "My neighbour at number 4 told me" in page


def test_ticked_and_typed_conditions_are_composed_into_the_handling_code(
    client: TestClient, partnership: dict[str, int]
) -> None:
    analyst = browser(client, "analyst.one")
    submitted = analyst.post(
        "/intelligence",
        data={
            "csrf_token": csrf_of(analyst),
            "source_evaluation": "2",
            "intelligence_assessment": "C",
            "handling_code": "C",
            "classification": "OFFICIAL",
            "conditions": ["POLICE_ONLY", "NOT_FOR_EVIDENTIAL_USE"],
            "named_recipients": "glaa, lba-housing",
            "time_limited": "2027-03-31",
            "text": "Subject drives the white van",
        },
    )
    assert submitted.status_code == 200
    text = visible_text(submitted.text)
    assert (
        "C — police only; not for evidential use; named recipients only: GLAA, LBA-HOUSING; "
        "may be shared until 31 Mar 2027"
    ) in text
    bad_date = analyst.post(
        "/intelligence",
        data={
            "csrf_token": csrf_of(analyst),
            "source_evaluation": "2",
            "intelligence_assessment": "Z",
            "handling_code": "C",
            "time_limited": "next week",
            "text": "x",
        },
    )
    assert bad_date.status_code == 422
    assert field_error(bad_date.text, "time_limited") == "enter the date sharing ends, like 2027-03-31"
    assert field_error(bad_date.text, "intelligence_assessment") == (
        "choose how the intelligence is assessed (A to E)"
    )


# --- the audit viewer -----------------------------------------------------------------------------


def test_the_auditor_sees_sign_ins_and_views_and_that_the_chain_is_intact(
    client: TestClient, partnership: dict[str, int]
) -> None:
    partner = browser(client, "partner.one")
    partner.get("/search", params={"q": "quince"})
    partner.get(f"/records/{partnership['police']}")
    refused = partner.get("/audit")
    assert refused.status_code == 403
    assert "the audit.read action needs one of the roles AUDITOR" in refused.text

    auditor = browser(client, "auditor.one")
    page = auditor.get("/audit")
    assert page.status_code == 200
    assert '<div class="marking marking-sensitive"' in page.text
    rows = re.findall(r'<tr id="event-\d+">(.*?)</tr>', page.text, re.S)
    cells = [visible_text(row) for row in rows]
    assert any("partner.one" in c and "sign_in" in c and "success" in c for c in cells)
    assert any(
        "partner.one" in c and " view " in c and str(partnership["police"]) in c and "denied" in c
        for c in cells
    )
    assert any("partner.one" in c and " search " in c and "quince" in c for c in cells)

    filtered = auditor.get("/audit", params={"who": "partner.one", "action": "view"})
    filtered_rows = re.findall(r'<tr id="event-\d+">', filtered.text)
    assert len(filtered_rows) == 1
    bad = auditor.get("/audit", params={"since": "yesterday"})
    assert bad.status_code == 422
    assert field_error(bad.text, "since") == "enter a date like 2026-04-01"

    verified = visible_text(auditor.get("/audit/verify").text)
    assert "The chain is intact." in verified
    partial = auditor.get("/audit/verify", headers={"HX-Request": "true"})
    assert "<html" not in partial.text
    assert "The chain is intact." in partial.text


# --- every new page labels its fields -------------------------------------------------------------


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if tag == "label" and values.get("for"):
            self.labelled.add(str(values["for"]))
        if tag in {"input", "select", "textarea"} and values.get("type") != "hidden":
            self.fields.append(values)


def test_every_field_on_the_record_pages_is_labelled_and_ids_are_unique(
    client: TestClient, partnership: dict[str, int], store: Engine, settings: Settings
) -> None:
    partner = browser(client, "partner.one")
    partner.post(
        "/disclosures",
        data={
            "csrf_token": csrf_of(partner),
            "record_ids": str(partnership["police"]),
            "justification": "Joint visit to the tenancy next week",
        },
    )
    pages = {
        "partner.one": [
            "/search?q=quince",
            f"/records/{partnership['police']}",
            "/intelligence/new",
            "/disclosures",
        ],
        "analyst.one": ["/disclosures", f"/records/{partnership['police']}"],
        "auditor.one": ["/audit", "/audit/verify"],
    }
    for username, paths in pages.items():
        user = browser(client, username)
        for path in paths:
            page = user.get(path)
            assert page.status_code == 200, path
            parser = _Fields()
            parser.feed(page.text)
            unlabelled = [f for f in parser.fields if f.get("id") not in parser.labelled]
            assert unlabelled == [], path
            assert len(parser.ids) == len(set(parser.ids)), path


def test_signed_out_visitors_are_sent_to_sign_in(store: Engine, settings: Settings) -> None:
    anonymous = TestClient(create_app(settings, store))
    for path in ("/search?q=x", "/records/1", "/intelligence/new", "/disclosures", "/audit"):
        answer = anonymous.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in?next=")
