"""Administration pages and their JSON twins: who may use them, what they record, how errors show."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web_factories import audit_events, field_error, make_user, sign_in, signed_in_as

from crimelink.api.deps import CSRF_HEADER
from crimelink.settings import Settings

ADMIN_PAGES = ["/admin/agencies", "/admin/users", "/admin/compartments", "/admin/agreements"]
ADMIN_API = ["/api/agencies", "/api/users", "/api/compartments", "/api/agreements"]


@pytest.fixture
def admin(client: TestClient, store: Engine, settings: Settings) -> str:
    """Sign the client in as an administrator; returns the session's CSRF token."""
    make_user(store, settings, username="admin.one", display_name="Ada Min", roles=["ADMINISTRATOR"])
    return signed_in_as(client, "admin.one")


def _nav(html: str) -> list[str]:
    nav = html.split('<nav class="site-nav"')[1].split("</nav>")[0]
    return re.findall(r'<a href="([^"]+)"', nav)


def test_administrator_reaches_every_admin_page_and_its_json_twin(client: TestClient, admin: str) -> None:
    for page, api in zip(ADMIN_PAGES, ADMIN_API, strict=True):
        response = client.get(page)
        assert response.status_code == 200, page
        assert f'<a href="{api}">This page as JSON</a>' in response.text
        assert client.get(api).status_code == 200


def test_a_partner_officer_is_refused_admin_pages_with_the_reason(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(
        store, settings, username="housing.officer", agency_code="LBA-HOUSING", roles=["PARTNER_OFFICER"]
    )
    signed_in_as(client, "housing.officer")
    for page in [*ADMIN_PAGES, "/admin/agencies/new", "/admin/users/new", "/admin/agreements/new"]:
        response = client.get(page)
        assert response.status_code == 403, page
        assert "You may not do this" in response.text
        assert "needs one of the roles ADMINISTRATOR" in response.text
    for api in ADMIN_API:
        refused = client.get(api)
        assert refused.status_code == 403
        assert refused.json()["detail"].startswith("not allowed: the ")


def test_navigation_shows_admin_links_only_to_administrators(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings, username="admin.one", roles=["ADMINISTRATOR"])
    make_user(
        store, settings, username="housing.officer", agency_code="LBA-HOUSING", roles=["PARTNER_OFFICER"]
    )
    make_user(store, settings, username="auditor.one", roles=["AUDITOR"])
    seen = {}
    for username in ("admin.one", "housing.officer", "auditor.one"):
        other = TestClient(client.app)
        signed_in_as(other, username)
        seen[username] = _nav(other.get("/").text)
    # Administrators also keep the directory of contacts.
    assert seen["admin.one"] == ["/", "/contacts", *ADMIN_PAGES, "/account/tokens"]
    assert seen["housing.officer"] == [
        "/",
        "/search",
        "/find",
        "/reports/cross-agency",
        "/network",
        "/exports",
        "/tactics",
        "/operations",
        "/actions",
        "/plan",
        "/meetings",
        "/requests",
        "/contacts",
        "/outcomes",
        "/outcomes/dashboard",
        "/reports",
        "/intelligence/new",
        "/disclosures",
        "/account/tokens",
    ]
    assert seen["auditor.one"] == ["/", "/audit", "/account/tokens"]


def test_every_page_carries_the_protective_marking_top_and_bottom(client: TestClient, admin: str) -> None:
    assert client.get("/admin/agencies").text.count('aria-label="Protective marking">OFFICIAL<') == 2
    assert client.get("/admin/users").text.count('aria-label="Protective marking">OFFICIAL-SENSITIVE<') == 2
    signed_out = TestClient(client.app).get("/sign-in")
    assert signed_out.text.count('aria-label="Protective marking">OFFICIAL<') == 2
    assert '<html lang="en-GB">' in signed_out.text
    assert '<a class="skip-link" href="#main">' in signed_out.text


def test_administrator_adds_and_edits_an_agency(client: TestClient, store: Engine, admin: str) -> None:
    listing = client.post(
        "/admin/agencies",
        data={
            "csrf_token": admin,
            "code": "lbx-lic",
            "name": "Licensing",
            "kind": "LA_LICENSING",
            "contact": "",
        },
    )
    assert "Agency LBX-LIC added." in listing.text
    assert "LBX-LIC" in listing.text
    edited = client.post(
        "/admin/agencies/LBX-LIC",
        data={
            "csrf_token": admin,
            "name": "Licensing Service",
            "kind": "LA_LICENSING",
            "contact": "020 7946 0999",
        },
    )
    assert "Agency LBX-LIC saved." in edited.text
    assert "020 7946 0999" in edited.text
    [created, updated] = audit_events(store, actor="admin.one", resource_id="LBX-LIC")
    assert (created.action, updated.action) == ("create", "update")
    assert updated.details["name"] == ["Licensing", "Licensing Service"]


def test_agency_form_errors_appear_next_to_the_field_and_as_named_api_errors(
    client: TestClient, admin: str
) -> None:
    page = client.post(
        "/admin/agencies", data={"csrf_token": admin, "code": "POLICE", "name": "Again", "kind": "POLICE_BCU"}
    )
    assert page.status_code == 400
    assert field_error(page.text, "code") == "an agency with the code POLICE already exists"
    assert 'aria-invalid="true"' in page.text
    blank = client.post(
        "/admin/agencies", data={"csrf_token": admin, "code": "LBX-X", "name": "", "kind": ""}
    )
    assert field_error(blank.text, "name") == "this cannot be blank"
    assert field_error(blank.text, "kind").startswith("choose one of")

    duplicate = client.post(
        "/api/agencies",
        json={"code": "POLICE", "name": "Again", "kind": "POLICE_BCU"},
        headers={CSRF_HEADER: admin},
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"] == {"code": "an agency with the code POLICE already exists"}
    bad = client.post(
        "/api/agencies", json={"code": "x y", "name": "N", "kind": "NOPE"}, headers={CSRF_HEADER: admin}
    )
    assert bad.status_code == 422
    assert "kind" in bad.json()["errors"]
    assert isinstance(bad.json()["detail"], str)
    assert client.get("/api/agencies/NOWHERE").status_code == 404
    not_json = client.post(
        "/api/agencies",
        content=b"{not json",
        headers={CSRF_HEADER: admin, "content-type": "application/json"},
    )
    assert not_json.status_code == 422


def test_new_user_password_is_checked_by_the_password_rules(client: TestClient, admin: str) -> None:
    user = {
        "csrf_token": admin,
        "username": "jo.smith",
        "display_name": "Jo Smith",
        "agency_code": "LBA-HOUSING",
        "roles": ["PARTNER_OFFICER"],
        "clearance": "OFFICIAL",
    }
    for password, problem in [
        ("too short", "Use at least 12 characters"),
        ("password1234", "one of the most common passwords"),
        ("jo.smith is my password", "Do not include the username"),
    ]:
        page = client.post("/admin/users", data=user | {"password": password})
        assert page.status_code == 400
        assert problem in field_error(page.text, "password")
    api = client.post(
        "/api/users",
        json={k: v for k, v in user.items() if k != "csrf_token"} | {"password": "letmein"},
        headers={CSRF_HEADER: admin},
    )
    assert api.status_code == 422
    assert "Use at least 12 characters" in api.json()["errors"]["password"]

    added = client.post("/admin/users", data=user | {"password": "kettle orchard seventeen"})
    assert "User jo.smith added." in added.text
    fresh = TestClient(client.app)
    assert sign_in(fresh, "jo.smith", "kettle orchard seventeen").status_code == 303


def test_administrator_changes_roles_deactivates_and_unlocks_users(
    client: TestClient, store: Engine, settings: Settings, admin: str
) -> None:
    officer = make_user(
        store, settings, username="housing.officer", agency_code="LBA-HOUSING", roles=["PARTNER_OFFICER"]
    )
    browser = TestClient(client.app)
    for attempt in range(settings.lockout_attempts):
        sign_in(browser, "housing.officer", f"wrong {attempt}")
    users = client.get("/admin/users").text
    assert "Locked until" in users
    row = client.post(
        f"/admin/users/{officer.id}/unlock", data={"csrf_token": admin}, headers={"HX-Request": "true"}
    )
    assert "Active" in row.text
    assert "Locked" not in row.text
    assert sign_in(browser, "housing.officer").status_code == 303

    saved = client.post(
        f"/admin/users/{officer.id}",
        data={
            "csrf_token": admin,
            "display_name": "Harriet Officer",
            "agency_code": "LBA-HOUSING",
            "roles": ["PARTNER_OFFICER", "ANALYST"],
            "clearance": "OFFICIAL-SENSITIVE",
        },  # "active" left unticked
    )
    assert "User housing.officer saved." in saved.text
    assert "Inactive" in saved.text
    assert browser.get("/", follow_redirects=False).status_code == 303  # deactivated: signed out at once
    [update] = audit_events(store, action="update", resource_id="housing.officer")
    assert update.details["active"] == [True, False]
    assert update.details["roles"] == [["PARTNER_OFFICER"], ["ANALYST", "PARTNER_OFFICER"]]
    assert [e.action for e in audit_events(store, action="unlock")] == ["unlock"]


def test_an_administrator_cannot_remove_their_own_administrator_role(
    client: TestClient, store: Engine, admin: str
) -> None:
    me = client.get("/api/users").json()[0]
    refused = client.patch(
        f"/api/users/{me['id']}", json={"roles": ["AUDITOR"]}, headers={CSRF_HEADER: admin}
    )
    assert refused.status_code == 422
    assert "your own administrator role" in refused.json()["errors"]["roles"]


def test_compartments_are_listed_and_added(client: TestClient, store: Engine, admin: str) -> None:
    page = client.post(
        "/admin/compartments",
        data={"csrf_token": admin, "code": "CHILDREN", "name": "Children's safeguarding", "description": ""},
    )
    assert "Compartment CHILDREN added." in page.text
    assert [c["code"] for c in client.get("/api/compartments").json()] == ["CHILDREN"]
    again = client.post("/admin/compartments", data={"csrf_token": admin, "code": "CHILDREN", "name": "x"})
    assert field_error(again.text, "code") == "a compartment with the code CHILDREN already exists"
    assert [e.resource_id for e in audit_events(store, resource_type="compartment")] == ["CHILDREN"]


def test_a_new_sharing_agreement_appears_in_the_list_and_in_the_audit_trail(
    client: TestClient, store: Engine, admin: str
) -> None:
    listing = client.post(
        "/admin/agreements",
        data={
            "csrf_token": admin,
            "from_agency_code": "POLICE",
            "to_agency_code": "LBA-HOUSING",
            "category": "INTELLIGENCE",
            "purposes": ["CRIME_PREVENTION_DETECTION", "PUBLIC_PROTECTION"],
            "isa_reference": "ASHVALE-ISA-7",
            "valid_from": "2025-04-01",
            "valid_until": "",
        },
    )
    assert listing.status_code == 200
    row = listing.text.split('<tr id="agreement-')[1].split("</tr>")[0]
    for shown in (
        "POLICE",
        "LBA-HOUSING",
        "Intelligence",
        "Prevention and detection of crime",
        "ASHVALE-ISA-7",
        "open-ended",
        "In force",
    ):
        assert shown in row
    [event] = audit_events(store, resource_type="sharing_agreement")
    assert (event.action, event.actor, event.purpose) == ("create", "admin.one", "CRIME_PREVENTION_DETECTION")
    assert event.details["from"] == "POLICE"
    assert event.details["to"] == "LBA-HOUSING"
    assert event.details["purposes"] == ["CRIME_PREVENTION_DETECTION", "PUBLIC_PROTECTION"]

    [agreement] = client.get("/api/agreements").json()
    assert agreement["in_force"] is True
    ended = client.post(
        f"/admin/agreements/{agreement['id']}/deactivate",
        data={"csrf_token": admin},
        headers={"HX-Request": "true"},
    )
    assert "Ended" in ended.text
    assert client.get(f"/api/agreements/{agreement['id']}").json()["in_force"] is False
    assert [e.action for e in audit_events(store, resource_type="sharing_agreement")] == [
        "create",
        "deactivate",
    ]


def test_agreement_errors_name_the_field(client: TestClient, admin: str) -> None:
    page = client.post(
        "/admin/agreements",
        data={
            "csrf_token": admin,
            "from_agency_code": "POLICE",
            "to_agency_code": "POLICE",
            "category": "INTELLIGENCE",
            "purposes": ["SAFEGUARDING"],
            "isa_reference": "ISA-1",
            "valid_from": "2025-04-01",
        },
    )
    assert field_error(page.text, "to_agency_code").startswith("an agency always sees its own data")
    no_purpose = client.post(
        "/api/agreements",
        json={
            "from_agency_code": "POLICE",
            "to_agency_code": "LBA-CSC",
            "category": "INTELLIGENCE",
            "purposes": [],
            "isa_reference": "ISA-1",
            "valid_from": "2025-04-01",
            "valid_until": "2024-01-01",
        },
        headers={CSRF_HEADER: admin},
    )
    assert no_purpose.status_code == 422
    assert no_purpose.json()["errors"] == {"purposes": "choose at least one"}
    backwards = client.post(
        "/api/agreements",
        json={
            "from_agency_code": "POLICE",
            "to_agency_code": "LBA-CSC",
            "category": "INTELLIGENCE",
            "purposes": ["SAFEGUARDING"],
            "isa_reference": "ISA-1",
            "valid_from": "2025-04-01",
            "valid_until": "2024-01-01",
        },
        headers={CSRF_HEADER: admin},
    )
    assert backwards.json()["errors"] == {"valid_until": "the agreement cannot end before it starts"}


def test_home_page_counts_only_what_the_user_may_see(
    client: TestClient, store: Engine, settings: Settings, admin: str
) -> None:
    home = client.get("/").text
    assert "Sharing agreements in force" in home
    assert "your agency's datasets" not in home
    me = client.get("/api/me").json()
    assert me["home"]["admin"]["agencies"] == 3
    assert me["home"]["own_datasets"] is None

    make_user(
        store, settings, username="housing.officer", agency_code="LBA-HOUSING", roles=["PARTNER_OFFICER"]
    )
    officer = TestClient(client.app)
    signed_in_as(officer, "housing.officer")
    page = officer.get("/").text
    assert "Ashvale Housing: your agency's datasets" in page
    assert "Your agency has not imported any datasets yet." in page
    assert "Administration" not in page
    summary = officer.get("/api/me").json()["home"]
    assert summary["admin"] is None
    assert summary["own_datasets"] == []
    assert summary["links"]["search"] == "/search"


def test_openapi_describes_the_api_with_a_bearer_scheme(client: TestClient) -> None:
    spec = TestClient(client.app).get("/api/openapi.json").json()
    assert spec["components"]["securitySchemes"]["api_token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["api_token"]["description"],
    }
    assert "/api/agencies" in spec["paths"]
    assert not any(path.startswith("/admin") for path in spec["paths"])
    assert TestClient(client.app).get("/api/docs").status_code == 404  # no CDN-loaded docs UI
