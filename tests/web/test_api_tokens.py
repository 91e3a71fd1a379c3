"""API tokens: created once, used as a bearer, limited by scope, dead once revoked."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from web_factories import add_agencies, audit_events, bearer_client, create_token, make_user, signed_in_as

from crimelink.api.deps import CSRF_HEADER
from crimelink.domain import Classification, UserRole
from crimelink.services.auth import TokenGrant, api_token_grant, resolve_api_token
from crimelink.settings import Settings
from crimelink.store.models import ApiToken, Compartment, User
from crimelink.web import create_app


def test_a_token_is_shown_once_works_as_a_bearer_and_is_refused_once_revoked(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings)
    csrf = signed_in_as(client, "analyst.one")
    created = create_token(client, csrf, name="nightly import", scopes=["read", "import"])
    token = str(created["token"])
    assert token.startswith("clk_")

    machine = bearer_client(client, token)
    me = machine.get("/api/me").json()
    assert (me["username"], me["scopes"]) == ("analyst.one", ["import", "read"])
    assert "dataset.import" in me["allowed_actions"]
    assert "intelligence.submit" not in me["allowed_actions"]  # the analyst may, the token's scopes may not

    listed = client.get("/api/tokens").json()
    assert [t["name"] for t in listed] == ["nightly import"]
    assert "token" not in listed[0]
    assert token not in client.get("/account/tokens").text
    with Session(store) as session:
        assert token not in str(session.scalars(select(ApiToken.token_hash)).all())

    revoked = client.post(f"/api/tokens/{created['id']}/revoke", headers={CSRF_HEADER: csrf})
    assert revoked.json()["revoked_at"] is not None
    refused = machine.get("/api/me")
    assert refused.status_code == 401
    assert refused.json() == {
        "detail": "the API token is not valid: it is unknown or revoked, or its user is inactive"
    }
    assert refused.headers["www-authenticate"] == "Bearer"
    assert bearer_client(client, "clk_made-up").get("/api/me").status_code == 401
    assert [e.action for e in audit_events(store, resource_type="api_token")] == ["create", "revoke"]


def test_a_read_scoped_token_of_an_administrator_cannot_create_an_agency(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings, username="admin.one", roles=["ADMINISTRATOR"])
    csrf = signed_in_as(client, "admin.one")
    reader = bearer_client(client, str(create_token(client, csrf, name="reports", scopes=["read"])["token"]))
    admin = bearer_client(
        client, str(create_token(client, csrf, name="provisioning", scopes=["admin"])["token"])
    )
    agency = {"code": "LBX-LIC", "name": "Licensing", "kind": "LA_LICENSING"}

    refused = reader.post("/api/agencies", json=agency)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "not allowed: the API token's scopes (read) do not cover agency.manage"
    assert reader.get("/api/agencies").status_code == 403

    accepted = admin.post("/api/agencies", json=agency)
    assert accepted.status_code == 201
    assert accepted.json()["code"] == "LBX-LIC"
    assert admin.post("/api/tokens", json={"name": "x", "scopes": ["admin"]}).status_code == 403


def test_tokens_page_creates_a_token_shown_once_and_revokes_it_in_place(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings)
    csrf = signed_in_as(client, "analyst.one")
    page = client.post(
        "/account/tokens",
        data={"csrf_token": csrf, "name": "housing sync", "scopes": ["read"], "purpose": "SAFEGUARDING"},
    )
    assert page.status_code == 201
    token = re.search(r'id="new-token" class="token" type="text" readonly value="([^"]+)"', page.text)
    assert token is not None
    assert token.group(1).startswith("clk_")
    assert "OFFICIAL-SENSITIVE" in page.text  # a live credential is on the page
    assert bearer_client(client, token.group(1)).get("/api/me").json()["purpose"] == "SAFEGUARDING"

    [record_id] = re.findall(r'id="token-(\d+)"', page.text)
    row = client.post(
        f"/account/tokens/{record_id}/revoke", data={"csrf_token": csrf}, headers={"HX-Request": "true"}
    )
    assert row.text.lstrip().startswith(f'<tr id="token-{record_id}">')
    assert "Revoked" in row.text
    assert bearer_client(client, token.group(1)).get("/api/me").status_code == 401


def test_token_form_names_the_field_at_fault(client: TestClient, store: Engine, settings: Settings) -> None:
    make_user(store, settings)
    csrf = signed_in_as(client, "analyst.one")
    page = client.post("/account/tokens", data={"csrf_token": csrf, "name": "no scopes"})
    assert page.status_code == 400
    assert 'id="scopes-error"' in page.text
    api = client.post(
        "/api/tokens", json={"name": "x", "scopes": ["everything"]}, headers={CSRF_HEADER: csrf}
    )
    assert api.status_code == 422
    assert list(api.json()["errors"]) == ["scopes"]


def test_a_cookie_authenticated_api_change_needs_the_csrf_header(
    client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(store, settings)
    signed_in_as(client, "analyst.one")
    response = client.post("/api/tokens", json={"name": "x", "scopes": ["read"]})
    assert response.status_code == 403
    assert "X-CSRF-Token" in response.json()["detail"]


def test_tokens_work_on_sqlite_and_postgresql(engine: Engine, settings: Settings) -> None:
    add_agencies(engine)
    make_user(engine, settings)
    client = TestClient(create_app(settings, engine))
    csrf = signed_in_as(client, "analyst.one")
    created = create_token(client, csrf, name="pg", scopes=["read"])
    machine = bearer_client(client, str(created["token"]))
    assert machine.get("/api/me").json()["username"] == "analyst.one"
    # The token's first use is recorded and committed.
    with Session(engine) as session:
        used = session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == created["id"]))
    assert used is not None
    assert machine.get("/api/me").json()["username"] == "analyst.one"
    client.post(f"/api/tokens/{created['id']}/revoke", headers={CSRF_HEADER: csrf})
    assert machine.get("/api/me").status_code == 401


def test_the_deconfliction_checks_token_row_grants_what_the_token_does(
    engine: Engine, settings: Settings
) -> None:
    """The check signs in from one row (``api_token_grant``): the same actor as the token's objects give,
    refused exactly when they are, and its use written down once in a while, as theirs is."""
    add_agencies(engine)
    with Session(engine) as session:
        session.add(Compartment(code="CHILDREN", name="Children's safeguarding"))
        session.commit()
    make_user(
        engine,
        settings,
        roles=[UserRole.ANALYST, UserRole.DECONFLICTION_DESK],
        clearance=Classification.OFFICIAL_SENSITIVE,
        compartments=["CHILDREN"],
    )
    client = TestClient(create_app(settings, engine))
    csrf = signed_in_as(client, "analyst.one")
    created = create_token(client, csrf, name="check", scopes=["read", "write"])
    token = str(created["token"])

    def grant() -> TokenGrant | None:
        with Session(engine) as session:
            found = api_token_grant(session, token)
            session.commit()
            return found

    first = grant()
    assert first is not None
    assert first.use_recorded  # never used before
    assert grant() == TokenGrant(first.actor, use_recorded=False)  # used a moment ago: not written again
    with Session(engine) as session:
        signed_in = resolve_api_token(session, token)
        assert signed_in is not None
        assert first.actor == signed_in.actor
    assert first.actor.clearance is Classification.OFFICIAL_SENSITIVE
    assert first.actor.compartments == frozenset({"CHILDREN"})
    assert first.actor.scopes == frozenset({"read", "write"})
    assert first.actor.agency_code == "POLICE"
    assert first.actor.agency_is_police

    with Session(engine) as session:
        assert api_token_grant(session, token + "x") is None
    with Session(engine) as session:
        session.execute(update(User).where(User.username == "analyst.one").values(active=False))
        session.commit()
    assert grant() is None  # an inactive user's token grants nothing
    with Session(engine) as session:
        session.execute(update(User).where(User.username == "analyst.one").values(active=True))
        session.commit()
    assert grant() is not None
    client.post(f"/api/tokens/{created['id']}/revoke", headers={CSRF_HEADER: csrf})
    assert grant() is None
    answer = bearer_client(client, token).post("/api/deconfliction/check", json={"operation_id": 1})
    assert answer.status_code == 401
