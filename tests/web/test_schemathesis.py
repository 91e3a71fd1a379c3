"""Fuzzing the JSON API from its own OpenAPI schema: whatever is sent, it never answers with a 500.

Schemathesis generates requests for every operation in /api/openapi.json and sends them, as an
analyst's API token (read and write scopes), to the application on a migrated SQLite store holding
a little data: agencies, users, an agreement, records, an intelligence report, a disclosure request.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web_factories import add_agencies, make_user

from crimelink.access import Actor
from crimelink.domain import Classification, DataCategory, Purpose, UserRole
from crimelink.services.admin import create_agreement
from crimelink.services.auth import create_api_token
from crimelink.services.callers import SystemCaller
from crimelink.services.disclosure import request_disclosure
from crimelink.services.intelligence import submit_intelligence
from crimelink.settings import Settings
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import Agency, SourceRecord, User
from crimelink.web import create_app

#: Generated requests per operation and generation mode: enough to find an unvalidated input, bounded
#: so the whole run stays under a minute.
EXAMPLES = 15
#: SQLite and PostgreSQL keep ids as signed 64-bit integers.
MAX_ID = 2**63 - 1


def _actor(session: Session, username: str) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).one()
    agency = session.get(Agency, user.agency_id)
    assert agency is not None
    return Actor(
        user_id=user.id,
        username=user.username,
        agency_id=agency.id,
        agency_code=agency.code,
        agency_is_police=agency.kind.is_police,
        roles=frozenset(UserRole(r) for r in user.roles),
        clearance=user.clearance,
        compartments=frozenset(user.compartments),
        purpose=Purpose.CRIME_PREVENTION_DETECTION,
    )


def _little_data(engine: Engine, settings: Settings) -> str:
    """Agencies, an analyst and a partner officer, records on both sides; the analyst's API token."""
    add_agencies(engine)
    make_user(engine, settings, username="analyst.one", clearance=Classification.OFFICIAL_SENSITIVE)
    make_user(engine, settings, username="partner.one", agency_code="LBA-HOUSING", roles=["PARTNER_OFFICER"])
    with session_scope(engine) as session:
        create_agreement(
            session,
            caller=SystemCaller("test-setup"),
            from_agency_code="POLICE",
            to_agency_code="LBA-HOUSING",
            category=DataCategory.INTELLIGENCE,
            purposes=[Purpose.CRIME_PREVENTION_DETECTION],
            isa_reference="ISA-TEST",
            valid_from=date(2020, 1, 1),
        )
        analyst, partner = _actor(session, "analyst.one"), _actor(session, "partner.one")
        for handling, conditions, author in (
            ("P", "", analyst),
            ("C", "POLICE_ONLY", analyst),
            ("P", "", partner),
        ):
            submit_intelligence(
                session,
                author,
                form={
                    "source_evaluation": "2",
                    "intelligence_assessment": "B",
                    "handling_code": handling,
                    "handling_conditions": conditions,
                    "text": "Subject is believed to be dealing from the address.",
                    "text_raw": "Source detail that stays with the originator.",
                    "subject_name": "Dean Carter",
                    "subject_postcode": "E15 4AT",
                },
            )
        hidden = session.scalars(select(SourceRecord.id).where(SourceRecord.handling_code == "C")).one()
        request_disclosure(session, partner, record_ids=[hidden], justification="Joint visit to the address")
        token, _ = create_api_token(session, actor=analyst, name="schemathesis", scopes=["read", "write"])
    return token


@pytest.fixture(scope="module")
def api_store(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[tuple[Any, str]]:
    directory = tmp_path_factory.mktemp("schemathesis")
    shutil.copyfile(sqlite_template, directory / "crimelink.db")
    engine = make_engine(f"sqlite:///{directory / 'crimelink.db'}")
    settings = Settings(_env_file=None, data_dir=directory / "var", secret_key=SecretStr("fuzz-" + "k" * 40))
    token = _little_data(engine, settings)
    yield create_app(settings, engine), token
    engine.dispose()


@pytest.fixture(scope="module")
def api_schema(api_store: tuple[Any, str]) -> Any:
    app, _ = api_store
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


def _never_a_server_error(operation: Any, mode: GenerationMode, token: str) -> None:
    """Send ``EXAMPLES`` generated requests to one operation; fail on the first 5xx answer."""
    cases = operation.as_strategy(generation_mode=mode)

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def send(case: Any) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=[not_a_server_error])

    send()


# schemathesis.pytest.from_fixture would be the usual way in, but its lazy loader sets a pytest
# internal (Function._nodeid) that pytest 9 no longer has; driving each operation's strategy with
# Hypothesis directly needs no pytest internals.
def test_no_request_makes_the_api_answer_with_a_server_error(
    api_schema: Any, api_store: tuple[Any, str], subtests: pytest.Subtests
) -> None:
    _, token = api_store
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20, "the schema lists the API's operations"
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            with subtests.test(msg=f"{operation.label} ({mode.value})"):
                _never_a_server_error(operation, mode, token)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/api/records/{MAX_ID + 1}", None),
        ("POST", f"/api/disclosures/{MAX_ID + 1}/decision", {"grant": False}),
        (
            "POST",
            "/api/disclosures",
            {"record_ids": [MAX_ID + 1], "justification": "Joint visit to the address"},
        ),
    ],
    ids=["record", "decision", "disclosure-request"],
)
def test_ids_the_store_cannot_hold_are_refused_not_a_server_error(
    api_store: tuple[Any, str], method: str, path: str, body: dict[str, Any] | None
) -> None:
    app, token = api_store
    client = TestClient(app, headers={"Authorization": f"Bearer {token}"}, raise_server_exceptions=False)
    answer = client.request(method, path, json=body)
    assert answer.status_code in {404, 422}, answer.text
