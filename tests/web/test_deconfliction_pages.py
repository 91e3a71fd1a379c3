"""Operations, interests, conflicts and the desk, through the pages and the JSON API, on a real store.

The partnership is ``tests/deconflict/deconflict_world.py``'s (the police with a covert team and the
desk, the Organised Crime Command, GLAA, trading standards, Border Force), signed in as people sign in.
Times are relative to now: the pages, like the people using them, work on the clock.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web_factories import PASSWORD, bearer_client, create_token, field_error, signed_in_as

from crimelink.demo.geography import build_borough
from crimelink.services.auth import hash_password
from crimelink.services.deconfliction import register_operation
from crimelink.settings import Settings
from crimelink.store.models import ApiToken, AuditEvent, Operation, User
from crimelink.web import create_app

sys.path.insert(0, str(Path(__file__).parents[1] / "deconflict"))
from deconflict_world import actor, build_store, covert_surveillance, location

#: The covert operation's place: distinctive digits, so a leak of them anywhere is found.
COVERT_POINT = (51.54321, 0.04217)
#: Where the partners act: well away from it (they meet it through a shared target only).
PARTNER_POINT = (51.52900, 0.01500)
#: Every detail of the covert operation that no partner may ever read.
SECRETS = (
    "Nightjar",
    "Harriet Quill",
    "07700 900777",
    "+447700900777",
    "Quarry Row",
    "QUARRY ROW",
    "E15 4QR",
    "100023336956",
    "Zielinski",
    "ZIELINSKI",
    "1983-11-09",
    "KX19ZZT",
    "KX19 ZZT",
    "51.54321",
    "0.04217",
    "Ashvale Police",
)
#: In API answers the covert operation's type is a secret too (a page's form lists every type).
JSON_SECRETS = (*SECRETS, "SURVEILLANCE")


@dataclass
class Partnership:
    engine: Engine
    app: object
    covert_id: int
    starts: datetime

    def client(self, username: str) -> tuple[TestClient, str]:
        """A browser of ``username``'s, signed in through the form, and the session's CSRF token."""
        client = TestClient(self.app)  # type: ignore[arg-type]
        token = signed_in_as(client, username)
        return client, token


@pytest.fixture
def partnership(sqlite_engine: Engine, tmp_path: Path) -> Partnership:
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "var",
        secret_key=SecretStr("test-secret-key-" + "k" * 40),
    )
    outline = settings.map_outline_path()
    outline.parent.mkdir(parents=True)
    build_borough(random.Random(7)).write_geojson(outline)
    build_store(sqlite_engine)
    starts = (datetime.now(UTC) + timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    with Session(sqlite_engine) as session:
        for user in session.scalars(select(User)):
            user.password_hash = hash_password(PASSWORD)
        covert = covert_surveillance(
            starts_at=starts - timedelta(hours=6),
            ends_at=starts + timedelta(days=3),
            locations=[
                location(
                    COVERT_POINT,
                    address="Flat 3, 14 Quarry Row",
                    postcode="E15 4QR",
                    uprn="100023336956",
                    radius_m=150,
                )
            ],
        )
        covert_id = register_operation(session, actor(session, "pc.covert"), covert).operation.id
        session.commit()
    return Partnership(sqlite_engine, create_app(settings, sqlite_engine), covert_id, starts)


def operation_form(token: str, starts: datetime, **overrides: str) -> dict[str, str]:
    """The register form filled in as a partner officer would (UK local time; GMT in the tests' winter)."""
    values = {
        "csrf_token": token,
        "location_rows": "1",
        "target_rows": "2",
        "name": "Day of action at the car wash",
        "officer": "Officer Kay Lamb",
        "contact_24h": "GLAA duty 07700 900321",
        "operation_type": "GLAA_INSPECTION",
        "visibility": "OVERT",
        "classification": "OFFICIAL",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        "locations-0-address": "Unit 2, Canal Yard",
        "locations-0-postcode": "E15 2AB",
        "locations-0-latitude": f"{PARTNER_POINT[0]}",
        "locations-0-longitude": f"{PARTNER_POINT[1]}",
        "locations-0-radius_m": "300",
        "targets-0-kind": "PHONE",
        "targets-0-value": "07700 900555",  # the covert operation's target, typed the partner's way
        "submit_mode": "submit",
    }
    values.update(overrides)
    return values


def register_through_form(client: TestClient, token: str, starts: datetime, **overrides: str) -> int:
    response = client.post(
        "/operations/new", data=operation_form(token, starts, **overrides), follow_redirects=False
    )
    assert response.status_code == 303, field_errors(response.text)
    return int(response.headers["location"].split("/")[2].split("?")[0])


def field_errors(html: str) -> str:
    start = html.find('<div class="error-summary"')
    return html[start : html.find("</div>", start)] if start >= 0 else html[:2000]


def assert_no_secret(text: str, where: str) -> None:
    secrets = JSON_SECRETS if text.lstrip().startswith("{") else SECRETS
    found = [secret for secret in secrets if secret in text]
    assert found == [], f"{where} shows {found}"


# --- registering --------------------------------------------------------------------------------


def test_the_register_form_names_each_problem_next_to_its_field(partnership: Partnership) -> None:
    glaa, token = partnership.client("glaa.officer")
    form = glaa.get("/operations/new")
    assert form.status_code == 200
    assert 'id="op-map"' in form.text
    assert 'data-mode="pick"' in form.text
    assert 'data-outline-url="/api/deconfliction/geography"' in form.text
    answer = glaa.post(
        "/operations/new",
        data=operation_form(
            token,
            partnership.starts,
            name="",
            **{
                "locations-0-radius_m": "5",
                "targets-0-kind": "PERSON",
                "targets-0-value": "Jon Smyth",
                "targets-1-kind": "VRM",
                "targets-1-value": "not a plate!",
            },
        ),
    )
    assert answer.status_code == 400
    assert field_error(answer.text, "name") == "required"
    assert "between 10 and 2000 metres" in field_error(answer.text, "locations-0-radius_m")
    assert "date of birth" in field_error(answer.text, "targets-0-dob")
    assert field_error(answer.text, "targets-1-value")
    # What was typed is kept, and the summary links to each field.
    assert 'value="Jon Smyth"' in answer.text
    assert 'href="#locations-0-radius_m"' in answer.text
    with Session(partnership.engine) as session:
        assert session.scalars(select(Operation.id)).all() == [partnership.covert_id]


def test_add_another_location_redraws_the_form_with_a_row_more_and_keeps_what_was_typed(
    partnership: Partnership,
) -> None:
    glaa, token = partnership.client("glaa.officer")
    more = glaa.post("/operations/new", data=operation_form(token, partnership.starts, add="location"))
    assert more.status_code == 200
    assert 'id="locations-1-address"' in more.text
    assert 'value="Unit 2, Canal Yard"' in more.text
    assert field_error(more.text, "name") == ""


def test_a_started_operation_needs_a_reason_to_be_entered_after_the_event(partnership: Partnership) -> None:
    glaa, token = partnership.client("glaa.officer")
    yesterday = partnership.starts - timedelta(days=3)
    answer = glaa.post("/operations/new", data=operation_form(token, yesterday))
    assert answer.status_code == 400
    assert "started before it was registered" in field_error(answer.text, "retrospective_reason")
    operation_id = register_through_form(
        glaa, token, yesterday, retrospective_reason="Phoned in from the scene; no signal on site"
    )
    assert "Phoned in from the scene" in glaa.get(f"/operations/{operation_id}").text


# --- blind conflicts --------------------------------------------------------------------------


def test_a_partner_meeting_a_covert_operation_learns_only_to_hold_and_call_the_desk(
    partnership: Partnership,
) -> None:
    glaa, token = partnership.client("glaa.officer")
    operation_id = register_through_form(glaa, token, partnership.starts)
    page = glaa.get(f"/operations/{operation_id}")
    assert "Accepted with 1 open conflict, 1 of them a hold" in page.text
    assert "Hold: contact the police SOC desk." in page.text
    assert "Police SOC deconfliction desk (24 hours)" in page.text
    assert "Conflict pending" in page.text
    # Every page and every API answer the partner can reach, searched for every covert detail.
    conflict_id = glaa.get("/api/operations/conflicts").json()["conflicts"][0]["conflict_id"]
    seen = {
        path: glaa.get(path)
        for path in (
            "/operations",
            f"/operations/{operation_id}",
            f"/operations/{operation_id}/edit",
            "/operations/map",
            "/operations/notifications",
            "/interests",
            "/api/operations",
            "/api/operations?include_closed=true",
            f"/api/operations/{operation_id}",
            "/api/operations/conflicts?include_closed=true",
            "/api/operations/map",
            "/api/deconfliction/notifications",
            "/api/interests?include_inactive=true",
            # what it may not open: the answers must not leak either
            f"/operations/{partnership.covert_id}",
            f"/api/operations/{partnership.covert_id}",
            f"/api/deconfliction/conflicts/{conflict_id}",
            f"/deconfliction/conflicts/{conflict_id}",
            "/deconfliction",
            "/api/deconfliction/desk",
        )
    }
    seen["check"] = glaa.post(
        "/api/deconfliction/check", json={"operation_id": operation_id}, headers={"X-CSRF-Token": token}
    )
    seen["check someone else's"] = glaa.post(
        "/api/deconfliction/check",
        json={"operation_id": partnership.covert_id},
        headers={"X-CSRF-Token": token},
    )
    seen["cancel someone else's"] = glaa.post(
        f"/operations/{partnership.covert_id}/actions",
        data={"csrf_token": token, "action": "cancel", "reason": "x"},
    )
    for where, response in seen.items():
        assert_no_secret(response.text, where)
    assert seen[f"/api/operations/{partnership.covert_id}"].status_code == 404
    assert seen[f"/api/operations/{partnership.covert_id}"].json()["detail"] == (
        f"you have no operation {partnership.covert_id}: check the number, or open your operations"
    )
    assert seen[f"/api/deconfliction/conflicts/{conflict_id}"].status_code == 403
    assert seen["/deconfliction"].status_code == 403
    conflict = seen[f"/api/operations/{operation_id}"].json()["conflicts"][0]
    assert conflict["counterpart"] == {
        "hold": True,
        "agency_code": None,
        "agency_name": None,
        "contact": "Police SOC deconfliction desk (24 hours)",
        "about": None,
        "kinds": [],
        "grade": None,
        "message": "Hold: contact the police SOC desk.",
    }
    assert conflict["your_items"] == []
    # The map shows the partner its own operation only.
    mapped = seen["/api/operations/map"].json()
    assert [o["id"] for o in mapped["operations"]] == [operation_id]
    assert mapped["outline_url"] == "/api/deconfliction/geography"
    assert mapped["tile_url"] is None


def test_a_police_agency_learns_the_agency_kind_and_grade_but_calls_the_desk(
    partnership: Partnership,
) -> None:
    occ, token = partnership.client("occ.ds")
    operation_id = register_through_form(
        occ,
        token,
        partnership.starts,
        name="OCC arrest",
        operation_type="ARREST",
        contact_24h="OCC duty 020 7946 0999",
    )
    (conflict,) = occ.get(f"/api/operations/{operation_id}").json()["conflicts"]
    told = conflict["counterpart"]
    assert (told["hold"], told["agency_code"], told["kinds"], told["grade"]) == (
        False,
        "POLICE",
        ["TARGET"],
        "RED",
    )
    assert told["contact"] == "Police SOC deconfliction desk (24 hours)"
    assert conflict["your_items"] == ["phone: +447700900555"]
    page = occ.get("/operations").text
    assert "conflict with an operation of Ashvale Police (same target)" in page
    for secret in ("Nightjar", "Harriet Quill", "07700 900777", "Quarry Row", "51.54321"):
        assert secret not in page
    # And the police's own covert team sees the OCC's side blind too: whom to call, not what it is.
    covert, _ = partnership.client("pc.covert")
    own = covert.get(f"/api/operations/{partnership.covert_id}").json()
    assert own["name"] == "Operation Nightjar"
    assert [c["counterpart"]["agency_code"] for c in own["conflicts"]] == ["OCC"]
    assert "OCC arrest" not in covert.get(f"/operations/{partnership.covert_id}").text


def test_registering_through_the_api_answers_with_the_check(partnership: Partnership) -> None:
    ts, token = partnership.client("ts.officer")
    body = {
        "name": "Test purchase, Canal Yard",
        "officer": "TSO Amir Patel",
        "contact_24h": "Trading Standards 020 8430 2000",
        "operation_type": "TRADING_STANDARDS_VISIT",
        "starts_at": partnership.starts.isoformat(),
        "ends_at": (partnership.starts + timedelta(hours=2)).isoformat(),
        "locations": [{"latitude": PARTNER_POINT[0], "longitude": PARTNER_POINT[1], "radius_m": 200}],
        "targets": [{"kind": "VRM", "value": "kx19 zzt"}],
    }
    answer = ts.post("/api/operations", json=body, headers={"X-CSRF-Token": token})
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert result["message"] == "Accepted with 1 conflict, 1 of them a hold: contact the desk before you act."
    assert result["operation"]["status"] == "CONFLICT_PENDING"
    # Its own target (the VRM it typed) is its own; nothing else of the covert operation is there.
    assert_no_secret(answer.text.replace("KX19ZZT", "its own VRM"), "the registration answer")
    bad = ts.post(
        "/api/operations", json={**body, "locations": [{"radius_m": 300}]}, headers={"X-CSRF-Token": token}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == {"locations[0]": "place it on the map, or give its UPRN or address"}
    again = ts.post(
        "/api/deconfliction/check",
        json={"operation_id": result["operation"]["id"]},
        headers={"X-CSRF-Token": token},
    )
    assert again.status_code == 200
    assert again.json()["created"] == 0
    assert len(again.json()["conflicts"]) == 1


def test_a_check_is_refused_without_valid_credentials_and_answered_with_them(
    partnership: Partnership,
) -> None:
    """The check signs its caller in itself, in its own transaction: the same answers as any route."""
    glaa, csrf = partnership.client("glaa.officer")
    operation_id = register_through_form(glaa, csrf, partnership.starts)
    body = {"operation_id": operation_id}

    def token(scopes: list[str]) -> tuple[int, str]:
        created = create_token(glaa, csrf, name="x", scopes=scopes)
        return int(str(created["id"])), str(created["token"])

    def bearer(value: str) -> TestClient:
        return bearer_client(glaa, value)

    def checks() -> int:
        with Session(partnership.engine) as session:
            return len(session.scalars(select(AuditEvent).where(AuditEvent.action == "check")).all())

    before = checks()
    nobody = TestClient(partnership.app).post("/api/deconfliction/check", json=body)  # type: ignore[arg-type]
    assert nobody.status_code == 401
    assert nobody.json()["detail"] == "sign in, or send an API token as 'Authorization: Bearer <token>'"
    assert nobody.headers["WWW-Authenticate"] == "Bearer"
    no_csrf = glaa.post("/api/deconfliction/check", json=body)
    assert no_csrf.status_code == 403
    assert "X-CSRF-Token" in no_csrf.json()["detail"]
    _reader_id, reader = token(["read"])
    assert bearer(reader).post("/api/deconfliction/check", json=body).json()["detail"] == (
        "not allowed: the API token's scopes (read) do not cover operation.register"
    )
    assert bearer("clk_not-a-token").post("/api/deconfliction/check", json=body).status_code == 401
    assert checks() == before, "a refused check is not a check"

    writer_id, writer = token(["write"])
    answered = bearer(writer).post("/api/deconfliction/check", json=body)
    assert answered.status_code == 200, answered.text
    assert answered.json()["operation"]["id"] == operation_id
    assert checks() == before + 1
    with Session(partnership.engine) as session:
        used = session.get(ApiToken, writer_id)
        assert used is not None
        assert used.last_used_at is not None, "the token's use is recorded with the check"
    failing_id, failing = token(["write"])
    unknown = bearer(failing).post("/api/deconfliction/check", json={"operation_id": 999_999})
    assert unknown.status_code == 404
    with Session(partnership.engine) as session:
        first_use = session.get(ApiToken, failing_id)
        assert first_use is not None
        assert first_use.last_used_at is not None, "a use is a use, even when the check then fails"
    glaa.post(f"/api/tokens/{writer_id}/revoke", headers={"X-CSRF-Token": csrf})
    revoked = bearer(writer).post("/api/deconfliction/check", json=body)
    assert revoked.status_code == 401
    assert revoked.json()["detail"] == (
        "the API token is not valid: it is unknown or revoked, or its user is inactive"
    )


# --- status flow, interests, notices ----------------------------------------------------------


def test_an_operation_goes_from_draft_to_completed_with_the_buttons(partnership: Partnership) -> None:
    glaa, token = partnership.client("glaa.officer")
    operation_id = register_through_form(
        glaa, token, partnership.starts, submit_mode="draft", **{"targets-0-kind": "", "targets-0-value": ""}
    )
    page = glaa.get(f"/operations/{operation_id}").text
    assert "A draft: not checked until you submit it." in page

    def press(action: str, **fields: str) -> str:
        answer = glaa.post(
            f"/operations/{operation_id}/actions", data={"csrf_token": token, "action": action, **fields}
        )
        assert answer.status_code == 200, answer.text[:500]
        return answer.text

    assert "Accepted with no open conflict." in press("submit")
    assert "Operation started: it is active." in press("start")
    refused = glaa.post(f"/operations/{operation_id}/actions", data={"csrf_token": token, "action": "cancel"})
    assert refused.status_code == 400
    assert field_error(refused.text, "reason") == "required"
    done = press("complete", outcome_summary="Two workers referred to the NRM")
    assert "Completion recorded" in done
    assert "Two workers referred to the NRM" in done
    assert "Record completion" not in done
    status = glaa.post(f"/operations/{operation_id}/actions", data={"csrf_token": token, "action": "start"})
    assert status.status_code == 409
    assert "completed" in status.text


def test_an_interest_is_flagged_meets_an_operation_and_is_withdrawn(partnership: Partnership) -> None:
    bf, token = partnership.client("bf.officer")
    refused = bf.post(
        "/interests", data={"csrf_token": token, "subject-kind": "PERSON", "subject-value": "Jon Smyth"}
    )
    assert refused.status_code == 400
    assert field_error(refused.text, "contact") == "required"
    assert "date of birth" in field_error(refused.text, "subject-dob")
    flagged = bf.post(
        "/interests",
        data={
            "csrf_token": token,
            "subject-kind": "PHONE",
            "subject-value": "07700900555",
            "contact": "Border Force ops 0300 123 7000",
            "consult_before_action": "yes",
        },
    )
    assert flagged.status_code == 200
    assert "Interest registered" in flagged.text
    (interest,) = bf.get("/api/interests").json()["interests"]
    assert interest["identifier_value"] == "+447700900555"
    # The covert operation targets that phone: Border Force (a partner) is told only to hold.
    assert interest["conflicts"][0]["counterpart"]["hold"] is True
    assert_no_secret(bf.get("/interests").text, "the interests page")
    glaa, glaa_token = partnership.client("glaa.officer")
    operation_id = register_through_form(glaa, glaa_token, partnership.starts)
    glaa_view = glaa.get(f"/api/operations/{operation_id}").json()
    assert {c["counterpart"]["agency_code"] for c in glaa_view["conflicts"]} == {None, "BF"}
    withdrawn = bf.post(f"/interests/{interest['id']}/withdraw", data={"csrf_token": token})
    assert "Interest withdrawn." in withdrawn.text
    assert bf.get("/api/interests").json()["interests"] == []
    notices = glaa.get("/operations/notifications").text
    assert "Conflict lapsed" in notices


# --- the desk ---------------------------------------------------------------------------------


def test_the_desk_sees_both_sides_resolves_and_it_is_audited(partnership: Partnership) -> None:
    glaa, token = partnership.client("glaa.officer")
    operation_id = register_through_form(glaa, token, partnership.starts)
    desk, desk_token = partnership.client("desk")
    board = desk.get("/deconfliction")
    assert board.status_code == 200
    assert "Deconfliction desk" in board.text
    assert 'href="/deconfliction"' in board.text
    conflict_id = desk.get("/api/deconfliction/desk").json()["red"][0]["id"]
    page = desk.get(f"/deconfliction/conflicts/{conflict_id}").text
    for detail in (
        "Operation Nightjar",
        "DS Harriet Quill",
        "Day of action at the car wash",
        "Officer Kay Lamb",
    ):
        assert detail in page
    assert "Hold: contact the police SOC desk." in page  # what GLAA was told
    claimed = desk.post(f"/deconfliction/conflicts/{conflict_id}/claim", data={"csrf_token": desk_token})
    assert "Conflict claimed" in claimed.text
    assert "Claim this conflict" not in claimed.text
    refused = desk.post(
        f"/deconfliction/conflicts/{conflict_id}/resolve",
        data={"csrf_token": desk_token, "resolution": "DELAY", "rationale": ""},
    )
    assert refused.status_code == 400
    assert "name the operation that gives way" in field_error(refused.text, "yielding_operation_id") or (
        "say why" in field_error(refused.text, "rationale")
    )
    resolved = desk.post(
        f"/deconfliction/conflicts/{conflict_id}/resolve",
        data={
            "csrf_token": desk_token,
            "resolution": "DELAY",
            "yielding_operation_id": str(operation_id),
            "rationale": "GLAA to visit on Thursday, after the surveillance ends",
        },
    )
    assert resolved.status_code == 200
    assert "Resolution recorded" in resolved.text
    assert "GLAA to visit on Thursday" in resolved.text
    with Session(partnership.engine) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.resource_type == "conflict", AuditEvent.action == "resolve")
        ).all()
        assert [(e.actor, e.resource_id) for e in events] == [("desk", str(conflict_id))]
    # GLAA is told its operation gives way, never the rationale, still nothing of the covert side.
    page = glaa.get(f"/operations/{operation_id}").text
    assert "Delay, and it is your operation that gives way" in page
    assert "Thursday" not in page
    api = glaa.get(f"/api/operations/{operation_id}").text
    assert "Thursday" not in api
    assert_no_secret(page + api + glaa.get("/operations/notifications").text, "after the resolution")


def test_only_the_desk_sees_the_board_and_every_agencys_operations_on_the_map(
    partnership: Partnership,
) -> None:
    desk, _ = partnership.client("desk")
    mapped = desk.get("/api/operations/map").json()
    assert partnership.covert_id in [o["id"] for o in mapped["operations"]]
    nav = desk.get("/").text.split('<nav class="site-nav"')[1].split("</nav>")[0]
    assert 'href="/operations"' in nav
    assert 'href="/deconfliction"' in nav
    glaa, _ = partnership.client("glaa.officer")
    nav = glaa.get("/").text.split('<nav class="site-nav"')[1].split("</nav>")[0]
    assert 'href="/operations"' in nav
    assert 'href="/deconfliction"' not in nav
    assert glaa.get("/api/deconfliction/desk").status_code == 403


def test_the_map_outline_is_served_by_the_application(partnership: Partnership) -> None:
    glaa, _ = partnership.client("glaa.officer")
    outline = glaa.get("/api/deconfliction/geography").json()
    kinds = [f["properties"]["kind"] for f in outline["features"]]
    assert kinds.count("borough") == 1
    assert kinds.count("ward") == 10
    west, south, east, north = outline["bbox"]
    assert 0.0 - 0.01 < west < east < 0.072 + 0.01
    assert 51.52 - 0.01 < south < north < 51.556 + 0.01
    page = glaa.get("/operations/map")
    assert "Outline: London Borough of Ashvale and its wards." in page.text
    assert "No map tiles: this map needs no internet connection." in page.text
    assert "img-src 'self' data:;" in page.headers["content-security-policy"]
    anonymous = TestClient(partnership.app).get("/api/deconfliction/geography")  # type: ignore[arg-type]
    assert anonymous.status_code == 401
    assert json.loads(anonymous.text)["detail"].startswith("sign in")


def test_a_tile_server_is_used_only_when_configured_and_the_policy_allows_only_it(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "var",
        secret_key=SecretStr("test-secret-key-" + "k" * 40),
        map_tile_url="https://tiles.example.org/{z}/{x}/{y}.png",
        map_tile_attribution="Example tiles",
    )
    page = TestClient(create_app(settings, sqlite_engine)).get("/sign-in")
    assert "img-src 'self' data: https://tiles.example.org;" in page.headers["content-security-policy"]
    with pytest.raises(ValueError, match=r"\{z\}, \{x\} and \{y\}"):
        Settings(_env_file=None, map_tile_url="https://tiles.example.org/tile.png")


def test_person_targets_of_other_spellings_are_kept_when_an_operation_is_changed(
    partnership: Partnership,
) -> None:
    occ, token = partnership.client("occ.ds")
    operation_id = register_through_form(
        occ,
        token,
        partnership.starts,
        name="OCC arrest",
        **{"targets-0-kind": "PERSON", "targets-0-value": "Jon Smyth", "targets-0-dob": "02/01/1990"},
    )
    edit = occ.get(f"/operations/{operation_id}/edit").text
    assert 'value="JON SMYTH"' in edit
    assert 'value="1990-01-02"' in edit
    changed = occ.post(
        f"/operations/{operation_id}/edit",
        data=operation_form(
            token,
            partnership.starts,
            name="OCC arrest (moved)",
            **{"targets-0-kind": "PERSON", "targets-0-value": "Jon Smyth", "targets-0-dob": "1990-01-02"},
        ),
        follow_redirects=True,
    )
    assert "Operation changed and checked again." in changed.text
    assert "OCC arrest (moved)" in changed.text
