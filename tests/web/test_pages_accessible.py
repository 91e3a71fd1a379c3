"""Accessibility basics on every page, and the settings the web application reads are documented."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web_factories import make_user, signed_in_as

from crimelink.settings import Settings

PAGES = [
    "/",
    "/account/tokens",
    "/admin/agencies",
    "/admin/agencies/new",
    "/admin/agencies/POLICE/edit",
    "/admin/users",
    "/admin/users/new",
    "/admin/compartments",
    "/admin/agreements",
    "/admin/agreements/new",
]


class _Fields(HTMLParser):
    """Collects form fields and the ids that labels point at."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.html_lang = values.get("lang")
        if tag == "label" and values.get("for"):
            self.labelled.add(str(values["for"]))
        if tag in {"input", "select", "textarea"} and values.get("type") != "hidden":
            self.fields.append(values)


@pytest.fixture
def admin_client(client: TestClient, store: Engine, settings: Settings) -> TestClient:
    make_user(store, settings, username="admin.one", roles=["ADMINISTRATOR"])
    signed_in_as(client, "admin.one")
    return client


@pytest.mark.parametrize("path", PAGES)
def test_every_form_field_has_a_label_and_the_page_is_in_british_english(
    admin_client: TestClient, path: str
) -> None:
    page = admin_client.get(path)
    assert page.status_code == 200
    parser = _Fields()
    parser.feed(page.text)
    assert parser.html_lang == "en-GB"
    unlabelled = [f for f in parser.fields if f.get("id") not in parser.labelled and not f.get("aria-label")]
    assert unlabelled == []
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in page.text
    assert '<main id="main"' in page.text


def test_the_sign_in_page_labels_its_fields_too(client: TestClient) -> None:
    parser = _Fields()
    parser.feed(client.get("/sign-in").text)
    assert {str(f["id"]) for f in parser.fields} == {"username", "password", "purpose"}
    assert {"username", "password", "purpose"} <= parser.labelled


def test_pages_are_never_cached_and_carry_a_strict_content_security_policy(client: TestClient) -> None:
    page = client.get("/sign-in")
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    htmx = client.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200
    assert "cache-control" not in htmx.headers


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`CRIMELINK_{name.upper()}`" not in readme]
    assert missing == []
