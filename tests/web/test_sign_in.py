"""Signing in and out, as a person at the sign-in page experiences it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web_factories import (
    PASSWORD,
    add_agencies,
    audit_events,
    field_error,
    form_token,
    make_user,
    sign_in,
    signed_in_as,
)

from crimelink.api.deps import SESSION_COOKIE
from crimelink.services.auth import check_password_rules
from crimelink.settings import Settings
from crimelink.store.models import User, UserSession
from crimelink.web import create_app

LOCKED = "This account is locked after too many failed sign-ins"
WRONG = "The username or password is not right"


def test_someone_not_signed_in_is_sent_to_the_sign_in_page_and_back(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings)
    response = client.get("/admin/users?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fadmin%2Fusers%3Fx%3D1"
    page = client.get(response.headers["location"])
    assert 'name="next" value="/admin/users?x=1"' in page.text
    assert "Why are you using Crimelink today?" in page.text


def test_the_right_password_signs_in_and_the_home_page_names_the_user_agency_and_purpose(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings)
    response = sign_in(client, "Analyst.One ", purpose="SAFEGUARDING")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    home = client.get("/")
    assert "Ana Lyst" in home.text
    assert "Ashvale SOC Unit" in home.text
    assert "Purpose: <strong>Safeguarding</strong>" in home.text
    assert "Sign out" in home.text
    [event] = audit_events(store, action="sign_in")
    assert (event.outcome, event.actor, event.purpose) == ("success", "analyst.one", "SAFEGUARDING")


def test_a_wrong_password_or_unknown_user_gets_the_same_message_and_no_session(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings)
    wrong_password = sign_in(client, "analyst.one", "not the password at all")
    unknown_user = sign_in(client, "nobody.here", PASSWORD)
    for response in (wrong_password, unknown_user):
        assert response.status_code == 401
        assert WRONG in response.text
        assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert 'value="analyst.one"' in wrong_password.text  # the username is kept, the password is not
    assert client.get("/", follow_redirects=False).status_code == 303
    outcomes = [(e.actor, e.outcome, e.details["reason"]) for e in audit_events(store, action="sign_in")]
    assert outcomes == [
        ("analyst.one", "failure", "wrong password"),
        ("nobody.here", "failure", "no such user"),
    ]


def test_the_sign_in_form_needs_a_purpose_and_says_so_next_to_the_field(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings)
    response = sign_in(client, "analyst.one", purpose="")
    assert response.status_code == 400
    assert field_error(response.text, "purpose") == "Choose why you are using Crimelink today."


def _lock_out(client: TestClient, attempts: int) -> list[str]:
    return [sign_in(client, "analyst.one", f"wrong guess number {n}").text for n in range(attempts)]


def test_an_account_locks_after_the_configured_failures_and_refuses_even_the_right_password(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings)
    pages = _lock_out(client, settings.lockout_attempts)
    assert all(WRONG in page for page in pages[:-1])
    assert LOCKED in pages[-1]

    right = sign_in(client, "analyst.one", PASSWORD)
    wrong = sign_in(client, "analyst.one", "yet another wrong guess")
    assert right.status_code == wrong.status_code == 401
    message = 'class="sign-in-message">'
    assert right.text.split(message)[1].split("<")[0] == wrong.text.split(message)[1].split("<")[0]
    assert LOCKED in right.text
    assert client.get("/", follow_redirects=False).status_code == 303

    outcomes = [e.outcome for e in audit_events(store, action="sign_in")]
    assert outcomes == ["failure"] * settings.lockout_attempts + ["locked", "locked", "locked"]


def test_a_lock_expires_after_the_configured_minutes(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings)
    _lock_out(client, settings.lockout_attempts)
    with Session(store) as session:
        user = session.scalars(select(User)).one()
        user.locked_until = datetime.now(UTC) - timedelta(seconds=1)
        session.commit()
    assert sign_in(client, "analyst.one").status_code == 303
    with Session(store) as session:
        user = session.scalars(select(User)).one()
        assert (user.failed_sign_ins, user.locked_until) == (0, None)


def test_a_form_post_without_the_session_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings, username="admin.one", roles=["ADMINISTRATOR"])
    signed_in_as(client, "admin.one")
    agency = {"code": "LBX-NEW", "name": "New service", "kind": "LA_LICENSING", "contact": ""}
    missing = client.post("/admin/agencies", data=agency)
    forged = client.post("/admin/agencies", data=agency | {"csrf_token": "made-up-by-another-site"})
    for response in (missing, forged):
        assert response.status_code == 403
        assert "This form has expired or was not sent from a Crimelink page" in response.text
    assert "LBX-NEW" not in client.get("/admin/agencies").text


def test_the_sign_in_form_itself_needs_its_double_submit_token(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings)
    client.get("/sign-in")
    data = {"username": "analyst.one", "password": PASSWORD, "purpose": "SAFEGUARDING"}
    assert client.post("/sign-in", data=data | {"csrf_token": "guess"}).status_code == 403
    other_browser = TestClient(client.app)  # has no sign-in cookie of its own
    token_from_elsewhere = form_token(client.get("/sign-in").text)
    response = other_browser.post("/sign-in", data=data | {"csrf_token": token_from_elsewhere})
    assert response.status_code == 403
    assert audit_events(store, action="sign_in") == []


def test_the_session_cookie_is_http_only_same_site_and_secure_in_production(
    store: Engine, settings: Settings
) -> None:
    make_user(store, settings)
    production = settings.model_copy(update={"environment": "production"})
    for config, secure in ((settings, False), (production, True)):
        scheme = "https" if secure else "http"
        client = TestClient(create_app(config, store), base_url=f"{scheme}://testserver")
        page = client.get("/sign-in")
        response = client.post(
            "/sign-in",
            data={
                "csrf_token": form_token(page.text),
                "username": "analyst.one",
                "password": PASSWORD,
                "purpose": "SAFEGUARDING",
            },
            follow_redirects=False,
        )
        [cookie] = [c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "=")]
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert {"httponly", "path", "samesite", "max-age"} <= attributes
        assert "samesite=lax" in cookie.lower()
        assert ("secure" in attributes) is secure


def test_signing_out_revokes_the_session_so_a_copied_cookie_is_worthless(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings)
    csrf = signed_in_as(client, "analyst.one")
    copied = client.cookies[SESSION_COOKIE]
    response = client.post("/sign-out", data={"csrf_token": csrf})
    assert "You have signed out." in response.text
    thief = TestClient(client.app, cookies={SESSION_COOKIE: copied})
    assert thief.get("/", follow_redirects=False).status_code == 303
    assert thief.get("/api/me").status_code == 401
    with Session(store) as session:
        assert session.scalars(select(UserSession)).one().revoked_at is not None
    assert [e.action for e in audit_events(store, actor="analyst.one")] == ["sign_in", "sign_out"]


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short pass", "Use at least 12 characters (this has 10)"),
        ("Password1234", "one of the most common passwords"),
        ("QWERTYUIOP123", "one of the most common passwords"),
        ("my name is jo.smith really", "Do not include the username"),
    ],
)
def test_password_rules_name_each_problem(password: str, problem: str, settings: Settings) -> None:
    problems = check_password_rules(password, "Jo.Smith", settings)
    assert any(problem in p for p in problems), problems


def test_password_rules_accept_a_long_passphrase_without_composition_rules(settings: Settings) -> None:
    assert check_password_rules("correct horse battery staple", "jo.smith", settings) == []
    assert check_password_rules("x" * 129, "jo.smith", settings) == ["Use at most 128 characters."]


@pytest.mark.postgres
def test_sign_in_and_lockout_on_postgresql(engine: Engine, settings: Settings) -> None:
    add_agencies(engine)
    make_user(engine, settings)
    client = TestClient(create_app(settings, engine))
    _lock_out(client, settings.lockout_attempts)
    assert LOCKED in sign_in(client, "analyst.one").text
    with Session(engine) as session:
        session.scalars(select(User)).one().locked_until = None
        session.commit()
    assert sign_in(client, "analyst.one").status_code == 303
    assert "Ana Lyst" in client.get("/").text
