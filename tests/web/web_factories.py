"""Plain helpers for the web tests: agencies, users, signing in as a person does, reading pages."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.domain import AgencyKind, Classification, UserRole
from crimelink.services.admin import create_user
from crimelink.services.agencies import register_agency
from crimelink.services.callers import SystemCaller
from crimelink.settings import Settings
from crimelink.store.engine import session_scope
from crimelink.store.models import Agency, AuditEvent, User

PASSWORD = "tangerine lighthouse gravel"
SETUP = SystemCaller("test-setup")


def add_agencies(engine: Engine) -> None:
    with session_scope(engine) as session:
        make_agency(session, code="POLICE", name="Ashvale SOC Unit", kind=AgencyKind.POLICE_BCU)
        make_agency(session, code="LBA-HOUSING", name="Ashvale Housing", kind=AgencyKind.LA_HOUSING)
        make_agency(
            session, code="LBA-CSC", name="Ashvale Children's Social Care", kind=AgencyKind.LA_CHILDRENS_SC
        )


def make_agency(session: Session, **overrides: Any) -> Agency:
    values: dict[str, Any] = {
        "code": "LBX-TS",
        "name": "Trading Standards",
        "kind": AgencyKind.LA_TRADING_STANDARDS,
        "contact": "Duty officer, 020 7946 0000",
    }
    values.update(overrides)
    return register_agency(session, actor="system:test-setup", **values)


def make_user(engine: Engine, settings: Settings, **overrides: Any) -> User:
    """A user created through the same service the administration pages use."""
    values: dict[str, Any] = {
        "username": "analyst.one",
        "display_name": "Ana Lyst",
        "agency_code": "POLICE",
        "roles": [UserRole.ANALYST],
        "clearance": Classification.OFFICIAL,
        "compartments": [],
        "email": "",
        "password": PASSWORD,
    }
    values.update(overrides)
    with session_scope(engine) as session:
        return create_user(session, caller=SETUP, settings=settings, **values)


def form_token(html: str) -> str:
    """The hidden csrf_token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def sign_in(
    client: TestClient, username: str, password: str = PASSWORD, purpose: str = "CRIME_PREVENTION_DETECTION"
) -> httpx.Response:
    """Fill in and send the sign-in form as a person would (the answer is not followed)."""
    page = client.get("/sign-in")
    return client.post(
        "/sign-in",
        data={
            "csrf_token": form_token(page.text),
            "username": username,
            "password": password,
            "purpose": purpose,
        },
        follow_redirects=False,
    )


def signed_in_as(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in and return the session's CSRF token (as the pages carry it)."""
    response = sign_in(client, username, password)
    assert response.status_code == 303, response.text
    return form_token(client.get("/").text)


def field_error(html: str, field: str) -> str:
    """The error shown next to a form field, or "" when there is none."""
    match = re.search(rf'<p class="field-error" id="{re.escape(field)}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).replace("Error:", "").strip() if match else ""


def audit_events(engine: Engine, **where: Any) -> list[AuditEvent]:
    with Session(engine) as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        return list(session.scalars(query))


def bearer_client(client: TestClient, token: str) -> TestClient:
    """A client of the same application that sends ``token`` as its bearer (no cookies)."""
    return TestClient(client.app, headers={"Authorization": f"Bearer {token}"})


def create_token(client: TestClient, csrf: str, **body: object) -> dict[str, object]:
    """An API token made through ``POST /api/tokens`` by the signed-in ``client``; the answer's JSON."""
    response = client.post("/api/tokens", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created
