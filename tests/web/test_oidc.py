"""Single sign-on against a real (tiny) OpenID Connect provider served on a loopback port.

The provider is a fake only in being small: it speaks real HTTP, publishes a discovery document
and a JWKS, issues authorisation codes and RS256-signed ID tokens, and checks the client secret.
"""

from __future__ import annotations

import base64
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from web_factories import audit_events, form_token, make_user

from crimelink.settings import Settings
from crimelink.store.models import User
from crimelink.web import create_app

CLIENT_ID, CLIENT_SECRET = "crimelink-test", "provider-shared-secret"


@dataclass
class Provider:
    """An OpenID Connect provider whose signed-in person is ``claims`` (sub, email, ...)."""

    issuer: str
    claims: dict[str, Any] = field(default_factory=dict)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-key"}))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: Request) -> Response:
        query = request.query_params
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": query.get("nonce", ""), "redirect_uri": query["redirect_uri"]}
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return RedirectResponse(target, status_code=302)

    async def token(self, request: Request) -> Response:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        form = await request.form()
        grant = self.codes.pop(str(form.get("code")), None)
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": grant["nonce"]}
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims | self.claims, self.key)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }
        )


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = Provider(issuer=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(provider.app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the test OpenID provider did not start"
        time.sleep(0.05)
    yield provider
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def sso_client(provider: Provider, store: Engine, settings: Settings) -> TestClient:
    configured = settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr(CLIENT_SECRET),
            "oidc_label": "Sign in with Ashvale Council",
        }
    )
    return TestClient(create_app(configured, store))


def _single_sign_on(client: TestClient, purpose: str = "SAFEGUARDING") -> httpx.Response:
    """Press the SSO button, let the provider sign the person in, and come back."""
    page = client.get("/sign-in?next=/account/tokens")
    assert "Sign in with Ashvale Council" in page.text
    start = client.post(
        "/sign-in",
        data={
            "csrf_token": form_token(page.text),
            "method": "sso",
            "purpose": purpose,
            "next": "/account/tokens",
        },
        follow_redirects=False,
    )
    assert start.headers["location"].startswith("/auth/oidc/login?")
    to_provider = client.get(start.headers["location"], follow_redirects=False)
    assert to_provider.status_code == 302
    back = httpx.get(to_provider.headers["location"], follow_redirects=False)  # the browser at the provider
    callback = urlsplit(back.headers["location"])
    return client.get(f"{callback.path}?{callback.query}", follow_redirects=False)


def test_single_sign_on_links_the_account_by_email_then_by_subject(
    provider: Provider, sso_client: TestClient, store: Engine, settings: Settings
) -> None:
    make_user(
        store,
        settings,
        username="sw.officer",
        display_name="Sam Worker",
        agency_code="LBA-CSC",
        roles=["SAFEGUARDING_LEAD"],
        email="Sam.Worker@ashvale.gov.uk",
        password=None,
    )
    provider.claims = {"sub": "council-0042", "email": "sam.worker@ashvale.gov.uk"}
    arrived = _single_sign_on(sso_client)
    assert arrived.status_code == 303
    assert arrived.headers["location"] == "/account/tokens"
    home = sso_client.get("/").text
    assert "Sam Worker" in home
    assert "Purpose: <strong>Safeguarding</strong>" in home
    with Session(store) as session:
        assert (
            session.scalars(select(User.oidc_subject).where(User.username == "sw.officer")).one()
            == "council-0042"
        )

    provider.claims = {"sub": "council-0042", "email": "sam.w@new-domain.example"}  # the email changed
    again = TestClient(sso_client.app)
    assert _single_sign_on(again).status_code == 303
    assert "Sam Worker" in again.get("/").text
    methods = [e.details["method"] for e in audit_events(store, action="sign_in", outcome="success")]
    assert methods == ["oidc (first sign-in, matched by email)", "oidc"]


def test_single_sign_on_for_someone_crimelink_does_not_know_is_refused(
    provider: Provider, sso_client: TestClient, store: Engine
) -> None:
    provider.claims = {"sub": "stranger-1", "email": "stranger@elsewhere.example"}
    refused = _single_sign_on(sso_client)
    assert refused.status_code == 401
    assert "Your organisation account is not set up for Crimelink" in refused.text
    assert sso_client.get("/", follow_redirects=False).status_code == 303
    [event] = audit_events(store, action="sign_in")
    assert (event.outcome, event.details["subject"]) == ("failure", "stranger-1")


def test_a_forged_callback_is_refused(sso_client: TestClient) -> None:
    response = sso_client.get("/auth/oidc/callback?code=made-up&state=made-up")
    assert response.status_code == 401
    assert "Single sign-on did not complete" in response.text


def test_without_configuration_there_is_no_sso_button_and_no_sso_routes(client: TestClient) -> None:
    page = client.get("/sign-in").text
    assert 'name="method" value="sso"' not in page
    assert "Sign in with your organisation" not in page
    assert client.get("/auth/oidc/login?purpose=SAFEGUARDING").status_code == 404
    assert client.get("/auth/oidc/callback?code=x&state=y").status_code == 404
