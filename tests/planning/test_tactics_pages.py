"""The tactics pages and their JSON twins: the menu with its filters, a tactic's profile, recommendations
for a candidate and for entities, links from the group pages, and what a partner may not see."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from tactics_factories import HIDDEN, PictureWorld, Site, build_once, open_site, secret_settings


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> tuple[Path, PictureWorld]:
    directory = tmp_path_factory.mktemp("tactics-pages")
    return build_once(directory, sqlite_template, secret_settings(directory))


@pytest.fixture
def site(built: tuple[Path, PictureWorld], tmp_path: Path) -> Iterator[Site]:
    yield from open_site(*built, tmp_path)


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).strip()


def test_the_menu_page_groups_tactics_by_area_with_badges_owners_and_verification(site: Site) -> None:
    officer = site.browser("partner.one")
    page = officer.get("/")
    assert '<a href="/tactics">Tactics</a>' in page.text  # in the navigation for a partner officer

    page = officer.get("/tactics")
    assert page.status_code == 200
    text = visible_text(page.text)
    for area in ("Lifestyle", "Behaviour", "Vehicles", "Travel", "Business", "Crime"):
        assert f"{area} (" in text
    assert "Unverified [U]" in text
    assert "Verified" in text
    assert 'data-tactic="serious-crime-prevention-order"' in page.text
    assert "Pursue" in text
    assert "GLAA" in text

    filtered = officer.get("/tactics?agency=GLAA&four_p=PROTECT")
    rows = re.findall(r'<tr data-tactic="([a-z0-9-]+)"', filtered.text)
    menu = officer.get("/api/tactics?agency=GLAA&four_p=PROTECT").json()
    assert rows == [t["id"] for area in menu["areas"] for t in area["tactics"]]
    assert "gangmaster-licence-action" in rows
    assert all(
        "GLAA" in t["owner_agencies"] and "PROTECT" in t["four_p"]
        for a in menu["areas"]
        for t in a["tactics"]
    )
    assert menu["filters"]["agency"] == "GLAA"


def test_a_bad_filter_is_shown_next_to_its_field_and_refused_by_the_api(site: Site) -> None:
    officer = site.browser("partner.one")
    page = officer.get("/tactics?threat=KNITTING")
    assert page.status_code == 422
    assert 'id="threat-error"' in page.text
    answer = officer.get("/api/tactics?threat=KNITTING")
    assert answer.status_code == 422
    assert "threat" in answer.json()["errors"]


def test_a_tactic_page_profiles_it_as_the_home_office_menu_does(site: Site) -> None:
    officer = site.browser("partner.one")
    page = officer.get("/tactics/premises-licence-review")
    assert page.status_code == 200
    text = visible_text(page.text)
    for heading in (
        "What is this tactic?",
        "Impacts",
        "What's the procedure?",
        "Who can help me?",
        "What do I need to watch out for?",
    ):
        assert heading in text
    assert "Licensing Act 2003" in text
    assert "Unverified [U]" in text
    data = officer.get("/api/tactics/premises-licence-review").json()
    assert data["verified"] is False
    assert data["display_name"].endswith("[U]")
    assert officer.get("/tactics/no-such-tactic").status_code == 404
    assert officer.get("/api/tactics/no-such-tactic").status_code == 404


def test_a_candidate_s_recommended_tactics_are_linked_from_its_page_with_reasons_and_slugs(
    site: Site,
) -> None:
    analyst = site.browser("analyst.one")
    (candidate,) = analyst.get("/api/groups").json()["candidates"]
    key = candidate["key"]
    profile = analyst.get(f"/groups/candidates/{key}")
    assert f'href="/groups/candidates/{key}/tactics"' in profile.text

    data = analyst.get(f"/api/groups/candidates/{key}/recommended-tactics").json()
    assert data["target_kind"] == "candidate"
    first = data["recommendations"][0]
    assert first["reasons"]
    assert all("->" in reason["text"] for reason in first["reasons"])
    assert {"tactic_id", "score", "owner_agencies", "legal_basis", "needs_court", "verified"} <= set(first)
    ids = [r["tactic_id"] for r in data["recommendations"]]
    assert "closure-notice-and-order" in ids
    assert "child-protection-enquiry" in ids

    page = analyst.get(f"/groups/candidates/{key}/tactics")
    assert page.status_code == 200
    assert (
        re.findall(r'<li class="recommendation" id="tactic-[a-z0-9-]+" data-tactic="([a-z0-9-]+)"', page.text)
        == ids
    )
    text = visible_text(page.text)
    assert "TYLER ROSS" in text  # the child the safeguarding tactics are aimed at
    assert "cuckooed-address" in text  # the rule, by its id in tactic_rules.yaml


def test_the_partner_reads_an_entity_s_tactics_without_the_police_only_report_and_no_group_tactics(
    site: Site,
) -> None:
    officer = site.browser("partner.one")
    callum = site.world.entities["callum"]
    data = officer.get(f"/api/entities/{callum}/recommended-tactics")
    assert data.status_code == 200
    page = officer.get(f"/entities/{callum}/tactics")
    assert page.status_code == 200
    for secret in HIDDEN:
        assert secret not in data.text
        assert secret not in page.text
    assert site.world.records["IR-5"] not in {r for t in data.json()["threats"] for r in t["record_ids"]}
    assert (
        officer.get(f"/api/entities/{site.world.entities['quentin']}/recommended-tactics").status_code == 404
    )
    assert officer.get("/api/groups/1/recommended-tactics").status_code == 403


def test_tactics_for_entities_chosen_by_number(site: Site) -> None:
    analyst = site.browser("analyst.one")
    form = analyst.get("/tactics/recommended")
    assert form.status_code == 200
    assert 'for="entity_ids"' in form.text
    bad = analyst.get("/tactics/recommended?entity_ids=12+abc")
    assert bad.status_code == 422
    assert 'id="entity_ids-error"' in bad.text
    entities = site.world.entities
    chosen = f"{entities['callum']} {entities['ash_court']} {entities['denise']}"
    page = analyst.get(f"/tactics/recommended?entity_ids={chosen}&label=Ash+Court")
    assert page.status_code == 200
    assert "Recommended tactics for Ash Court" in page.text
    assert 'data-tactic="closure-notice-and-order"' in page.text
    data = analyst.get(
        f"/api/recommended-tactics?entity_id={entities['callum']}&entity_id={entities['ash_court']}&entity_id={entities['denise']}"
    ).json()
    assert data["target_kind"] == "entities"
    assert len(data["entities"]) == 3


class _Fields(HTMLParser):
    """Form fields, and the ids labels point at."""

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


@pytest.mark.parametrize("path", ["/tactics", "/tactics/recommended", "/tactics/closure-notice-and-order"])
def test_every_field_of_the_tactics_pages_has_a_label(site: Site, path: str) -> None:
    page = site.browser("partner.one").get(path)
    assert page.status_code == 200
    parser = _Fields()
    parser.feed(page.text)
    assert [f for f in parser.fields if f.get("id") not in parser.labelled] == []
    assert '<main id="main"' in page.text
