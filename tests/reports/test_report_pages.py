"""The reports page, its JSON twin, the file API and the command line, on the small demo borough."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from reports_world import PASSWORDS, DemoWorld, demo_world, pdf_pages, plain
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crimelink.cli import app
from crimelink.settings import get_settings
from crimelink.store.models import AuditEvent, OrganisedCrimeGroup
from crimelink.web import create_app
from crimelink.web.pages import reports as report_pages


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> DemoWorld:
    return demo_world(tmp_path_factory.mktemp("reports-demo"), sqlite_template)


@pytest.fixture
def client(world: DemoWorld) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, world.engine)) as test_client:
        yield test_client


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def sign_in(client: TestClient, username: str) -> str:
    page = client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={
            "csrf_token": _token(page.text),
            "username": username,
            "password": PASSWORDS[username],
            "purpose": "CRIME_PREVENTION_DETECTION",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return _token(client.get("/reports").text)


def copy_location(client: TestClient, location: str) -> str:
    """Where a build leads once its copy is ready: its progress page redirects there when done."""
    deadline = time.monotonic() + 120
    while location.startswith("/reports/builds/"):
        assert time.monotonic() < deadline, "the build did not finish"
        answer = client.get(location, follow_redirects=False)
        if answer.status_code == 303:
            location = answer.headers["location"]
        else:
            assert answer.status_code == 200
            time.sleep(0.2)
    assert location.startswith("/reports/built/")
    return location


def test_a_long_build_shows_its_steps_as_they_happen_then_opens_the_copy(
    client: TestClient, world: DemoWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_pages, "WAIT_SECONDS", 0.0)  # every build "long": the form does not wait
    token = sign_in(client, "partner.demo")
    started = client.post("/reports/pack", data={"csrf_token": token}, follow_redirects=False)
    assert started.status_code == 303
    progress_url = started.headers["location"]
    assert progress_url.startswith("/reports/builds/")
    progress = client.get(progress_url, follow_redirects=False)
    if progress.status_code == 200:  # still building: the page says so and reloads itself
        assert "Building the strategic group pack" in progress.text
        assert f'http-equiv="refresh" content="1;url={progress_url}"' in progress.text
    copy = client.get(copy_location(client, progress_url))
    assert "Typesetting the PDF" in copy.text
    # the build belongs to its reader
    client.cookies.clear()
    sign_in(client, "advisor.demo")
    assert client.get(progress_url, follow_redirects=False).status_code == 404


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "label" and values.get("for"):
            self.labelled.add(str(values["for"]))
        if tag in {"input", "select", "textarea"} and values.get("type") != "hidden":
            self.fields.append(values)


def test_the_reports_page_is_in_the_navigation_of_those_who_may_build_and_labels_its_fields(
    client: TestClient,
) -> None:
    sign_in(client, "partner.demo")
    page = client.get("/reports")
    assert page.status_code == 200
    assert '<a href="/reports" aria-current="page">Profile and board pack</a>' in page.text
    parser = _Fields()
    parser.feed(page.text)
    assert parser.fields
    assert all(f.get("id") in parser.labelled for f in parser.fields)
    assert "Build the profile" in page.text
    assert "Build the pack" in page.text


def test_the_auditor_has_no_reports(client: TestClient) -> None:
    sign_in(client, "auditor.demo")
    assert 'href="/reports"' not in client.get("/").text
    refused = client.get("/reports")
    assert refused.status_code == 403
    assert "report.build" in refused.text


def test_building_the_profile_logs_its_steps_and_offers_the_html_and_the_pdf(
    client: TestClient, world: DemoWorld, tmp_path: Path
) -> None:
    token = sign_in(client, "advisor.demo")
    built = client.post(
        "/reports/profile", data={"csrf_token": token, "period": "6m"}, follow_redirects=False
    )
    assert built.status_code == 303
    page = client.get(copy_location(client, built.headers["location"]))
    assert page.status_code == 200
    assert "Reading the records you may see" in page.text
    assert "Typesetting the PDF" in page.text
    assert "OFFICIAL-SENSITIVE" in page.text
    html_url = re.search(r'href="(/reports/built/[^"]+/html)"', page.text)
    pdf_url = re.search(r'href="(/reports/built/[^"]+/pdf)"', page.text)
    assert html_url
    assert pdf_url
    html = client.get(html_url.group(1))
    assert html.status_code == 200
    assert "2. Threats by area" in html.text
    assert 'href="/reports/report.css"' in html.text
    assert client.get("/reports/report.css").headers["content-type"].startswith("text/css")
    pdf = client.get(pdf_url.group(1))
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    pages = pdf_pages(pdf.content, tmp_path)
    assert all("OFFICIAL-SENSITIVE" in p for p in pages)
    # another reader cannot fetch the advisor's copy
    client.cookies.clear()
    sign_in(client, "partner.demo")
    assert client.get(html_url.group(1)).status_code == 404
    assert client.get(pdf_url.group(1)).status_code == 404


def test_a_bad_period_is_named_next_to_its_field(client: TestClient) -> None:
    token = sign_in(client, "analyst.demo")
    answer = client.post("/reports/profile", data={"csrf_token": token, "since": "2026-06-01"})
    assert answer.status_code == 400
    assert 'id="until-error"' in answer.text
    assert "give both dates" in answer.text
    answer = client.post(
        "/reports/profile", data={"csrf_token": token, "since": "2026-06-01", "until": "2026-01-01"}
    )
    assert answer.status_code == 400
    assert "starts after it ends" in answer.text


def test_the_api_lists_the_reports_and_sends_a_partners_own_copy(
    client: TestClient, world: DemoWorld
) -> None:
    sign_in(client, "partner.demo")
    listed = client.get("/api/reports")
    assert listed.status_code == 200
    assert {r["kind"] for r in listed.json()["reports"]} == {"soc-local-profile", "strategic-group-pack"}
    pack = client.get("/api/reports/pack?format=html")
    assert pack.status_code == 200
    assert pack.headers["x-protective-marking"] in {"OFFICIAL", "OFFICIAL-SENSITIVE"}
    assert 'filename="strategic-group-pack-' in pack.headers["content-disposition"]
    with Session(world.engine) as session:
        names = list(session.scalars(select(OrganisedCrimeGroup.name)))
        audited = session.scalars(
            select(AuditEvent).where(
                AuditEvent.actor == "partner.demo", AuditEvent.resource_type == "strategic_group_pack"
            )
        ).all()
    assert names
    assert not [n for n in names if n in plain(pack.text)]
    assert audited
    assert client.get("/api/reports/profile?format=doc").status_code == 422
    assert client.get("/api/reports/profile?format=html&period=soon").status_code == 422


def test_the_command_line_builds_a_users_copy(
    world: DemoWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRIMELINK_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("CRIMELINK_DATABASE_URL", str(world.engine.url))
    monkeypatch.setenv("CRIMELINK_MAP_OUTLINE_FILE", str(world.settings.map_outline_path()))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        out = tmp_path / "pack.pdf"
        result = runner.invoke(app, ["report", "pack", "--as", "glaa.demo", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "Typesetting the PDF" in result.output
        assert "wrote" in result.output
        assert out.read_bytes().startswith(b"%PDF-")
        assert all("Strategic group pack" in page for page in pdf_pages(out.read_bytes(), tmp_path)[:1])
        profile = tmp_path / "profile.html"
        result = runner.invoke(
            app, ["report", "profile", "--as", "analyst.demo", "--out", str(profile), "--period", "3m"]
        )
        assert result.exit_code == 0, result.output
        assert "1. Introduction and scope" in profile.read_text(encoding="utf-8")
        wrong = runner.invoke(
            app, ["report", "pack", "--as", "analyst.demo", "--out", str(tmp_path / "x.doc")]
        )
        assert wrong.exit_code != 0
        assert "end the file name in .pdf or .html" in str(wrong.exception or wrong.output)
    finally:
        get_settings.cache_clear()
