"""The organised crime picture's pages and API: the network explorer, candidate groups, decisions.

On the world of ``picture_world.py`` (real records imported through mappings and resolved by linkage,
real SQLite): the police analyst finds the planted Vance line as a candidate, reads its profile,
confirms or dismisses it; the housing officer explores the network the records shared with housing
make, and never meets the police-only report or the man only it names.
"""

from __future__ import annotations

import html
import itertools
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from picture_world import HIDDEN, VANCE_LINE, PictureWorld, build_once, secret_settings
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web_factories import audit_events, form_token, sign_in

from crimelink.api.deps import CSRF_HEADER
from crimelink.store.engine import make_engine
from crimelink.store.models import GroupMembership, OrganisedCrimeGroup
from crimelink.web import create_app


@dataclass(frozen=True)
class Site:
    app: Any
    engine: Engine
    world: PictureWorld

    def browser(self, username: str) -> TestClient:
        """A browser of its own, signed in as ``username`` through the form."""
        client = TestClient(self.app)
        answer = sign_in(client, username)
        assert answer.status_code == 303, answer.text
        return client

    def candidate_key(self, client: TestClient) -> str:
        """The key of the candidate holding Callum Vance (keys depend on the members, not on a run)."""
        for row in client.get("/api/groups?dismissed=all").json()["candidates"]:
            profile = client.get(f"/api/groups/candidates/{row['key']}").json()
            if self.world.entities["callum"] in {p["entity_id"] for p in profile["people"]}:
                return str(row["key"])
        raise AssertionError("no candidate holds Callum Vance")


@pytest.fixture(scope="module")
def picture_store(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, PictureWorld]:
    directory = tmp_path_factory.mktemp("picture-world")
    return build_once(directory, sqlite_template, secret_settings(directory))


@pytest.fixture
def site(picture_store: tuple[Path, PictureWorld], tmp_path: Path) -> Iterator[Site]:
    template, world = picture_store
    path = tmp_path / "crimelink.db"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield Site(create_app(secret_settings(template.parent), engine), engine, world)
    engine.dispose()


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).strip()


def labels(network: dict[str, Any]) -> set[str]:
    return {node["data"]["label"] for node in network["elements"]["nodes"]}


def entity_ids(network: dict[str, Any]) -> set[int]:
    return {node["data"]["entity_id"] for node in network["elements"]["nodes"]}


# --- candidates ----------------------------------------------------------------------------------


def test_the_planted_group_is_the_ranked_candidate_with_its_score_and_the_pair_is_not(site: Site) -> None:
    analyst = site.browser("analyst.one")
    listed = analyst.get("/api/groups").json()
    (candidate,) = listed["candidates"]  # Paula and Nina are two people: not a group
    assert candidate["rank"] == 1
    assert candidate["people"] == 6  # the five of the line, and Quentin from the police-only report
    assert [t["threat"] for t in candidate["threats"]][:1] == ["COUNTY_LINES"]
    assert candidate["group_id"] is None
    assert candidate["dismissed"] is False
    score = candidate["score"]
    assert "local approximation" in score["label"]
    assert (score["total"], score["band"]) == (sum(i["points"] for i in score["inputs"]), "Medium")
    assert listed["marking"] == "OFFICIAL"

    page = analyst.get("/groups")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert f"1 {candidate['key']}" in text
    assert "New candidate" in text
    assert "Criminality severity" in text  # the score's inputs, under "How this was worked out"
    assert "No group has been confirmed yet." in text


def test_a_candidate_profile_shows_roles_key_players_the_legal_reading_and_both_scores_with_inputs(
    site: Site,
) -> None:
    analyst = site.browser("analyst.one")
    entities, records = site.world.entities, site.world.records
    key = site.candidate_key(analyst)

    profile = analyst.get(f"/api/groups/candidates/{key}").json()
    roles = {p["label"]: p["role"] for p in profile["people"]}
    assert roles == {
        "CALLUM VANCE": "PRINCIPAL",
        "JORDAN PIKE": "LINE_HOLDER",
        "TYLER ROSS": "EXPLOITED_PERSON",
        "MARCUS LEE": "ENFORCER",
        "DENISE HALL": "ASSOCIATE",
        "QUENTIN BLAKE": "ASSOCIATE",
    }
    tyler = next(p for p in profile["people"] if p["entity_id"] == entities["tyler"])
    assert tyler["child"] is True
    assert tyler["role_reasons"] == ["a child in records about COUNTY_LINES"]
    assert {t["label"] for t in profile["things"]} == {"+447700900123", "7 ASH COURT"}
    assert profile["key_players"][0]["entity_id"] == entities["callum"]
    assert profile["key_players"][0]["reachability_after"] < profile["key_players"][0]["reachability_before"]

    organised = profile["legal"]["organised_crime"]
    assert organised["status"] == "met"
    people_limb = next(limb for limb in organised["limbs"] if limb["limb"] == "three-or-more-people")
    assert people_limb["status"] == "met"
    serious = profile["legal"]["serious_crime"]
    violence = next(limb for limb in serious["limbs"] if limb["limb"] == "violence")
    assert violence["status"] == "met"
    assert records["IR-4"] in violence["record_ids"]
    assert any(o["display_name"].endswith("[U]") for limb in serious["limbs"] for o in limb["offences"])
    assert "has not decided that any offence was committed" in profile["legal"]["advice"]

    assert len(profile["scores"]) == 2
    for score in profile["scores"]:
        assert "local approximation" in score["label"]
        assert score["inputs"]
        assert all(i["source"] and i["basis"] for i in score["inputs"])
    assert profile["strongest_links"][0]["evidence"][0]["summary"].startswith(
        "Police intelligence reports record"
    )

    page = analyst.get(f"/groups/candidates/{key}")
    text = visible_text(page.text)
    for heading in (
        "People and suggested roles",
        "Key players",
        "Legal definitions",
        "Serious crime: met",
        "Organised crime: met",
        "Priority scores",
        "The evidence holding it together",
        "Confirm as an organised crime group",
        "Dismiss this candidate",
    ):
        assert heading in text, heading
    assert "Line holder" in text
    assert "Exploited person" in text
    assert "from the records : Highest severity among the group's criminality" in text
    assert f'href="/records/{records["IR-4"]}"' in page.text
    assert f'href="/network?candidate={key}"' in page.text


def test_a_coordinator_reads_the_profile_without_the_decision_forms(site: Site) -> None:
    coordinator = site.browser("coordinator.one")
    key = site.candidate_key(coordinator)
    text = visible_text(coordinator.get(f"/groups/candidates/{key}").text)
    assert "Legal definitions" in text
    assert "Confirm as an organised crime group" not in text
    refused = coordinator.post(
        f"/api/groups/candidates/{key}/dismiss",
        json={"reason": "Not a group."},
        headers={CSRF_HEADER: form_token(coordinator.get("/").text)},
    )
    assert refused.status_code == 403
    assert "group.manage action needs one of the roles" in refused.json()["detail"]


# --- decisions -----------------------------------------------------------------------------------


def test_confirming_makes_a_group_that_the_next_analysis_shows_as_that_group(site: Site) -> None:
    analyst = site.browser("analyst.one")
    entities = site.world.entities
    key = site.candidate_key(analyst)
    page = analyst.get(f"/groups/candidates/{key}").text
    token = form_token(page)

    nameless = analyst.post(f"/groups/candidates/{key}/confirm", data={"csrf_token": token, "name": ""})
    assert nameless.status_code == 422
    assert "Name: this cannot be blank" in visible_text(nameless.text)

    confirmed = analyst.post(
        f"/groups/candidates/{key}/confirm",
        data={
            "csrf_token": token,
            "name": "Operation Ashfall",
            "structure": "HIERARCHICAL",
            "status": "ACTIVE",
            "lead_agency": "POLICE",
            "lead_officer": "DS Morgan",
            "criminality": ["COUNTY_LINES", "CUCKOOING"],
            f"role-{entities['denise']}": "EXPLOITED_PERSON",
            f"confidence-{entities['callum']}": "B",
            "exclude": [str(entities["quentin"])],
            "reason": "Three reports over ten months; the line is still running.",
        },
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text
    group_url = confirmed.headers["location"].split("?")[0]
    group_id = int(group_url.rsplit("/", 1)[1])
    with Session(site.engine) as session:
        group = session.get(OrganisedCrimeGroup, group_id)
        assert group is not None
        assert (group.name, group.structure.value, group.criminality) == (
            "Operation Ashfall",
            "HIERARCHICAL",
            ["COUNTY_LINES", "CUCKOOING"],
        )
        members = {
            m.entity_id: (m.role.value, m.confidence.value if m.confidence else None)
            for m in session.scalars(select(GroupMembership).where(GroupMembership.group_id == group_id))
        }
    assert members[entities["denise"]] == ("EXPLOITED_PERSON", "C")
    assert members[entities["callum"]] == ("PRINCIPAL", "B")
    assert entities["quentin"] not in members

    group_page = analyst.get(confirmed.headers["location"])
    text = visible_text(group_page.text)
    assert "Group confirmed: later analyses show this candidate as this group." in text
    assert "Operation Ashfall" in text
    assert "DS Morgan" in text
    assert f"candidate {key}" in text  # the next analysis finds the same candidate as this group
    assert "People the network now adds" in text
    profile = analyst.get(f"/api/groups/{group_id}").json()
    assert [p["label"] for p in profile["new_people"]] == ["QUENTIN BLAKE"]  # left out, still linked
    assert profile["missing"] == []
    assert profile["candidate_key"] == key
    assert profile["explorer_url"] == f"/network?group={group_id}"

    (candidate,) = analyst.get("/api/groups").json()["candidates"]
    assert (candidate["key"], candidate["group_id"], candidate["group_name"]) == (
        key,
        group_id,
        "Operation Ashfall",
    )
    listing = visible_text(analyst.get("/groups").text)
    assert "Confirmed: Operation Ashfall" in listing
    assert "New candidate" not in listing
    again = analyst.post(
        f"/api/groups/candidates/{key}/confirm",
        json={"name": "Operation Ashfall again"},
        headers={CSRF_HEADER: token},
    )
    assert again.status_code == 422
    assert f"already group {group_id}" in again.json()["detail"]

    focused = analyst.get(f"/api/network?group={group_id}").json()
    assert VANCE_LINE | {"QUENTIN BLAKE"} <= labels(focused)
    assert "PAULA GRANT" not in labels(focused)
    managed = audit_events(site.engine, action="group.manage")
    assert [(e.actor, e.details["decision"]) for e in managed] == [("analyst.one", "confirmed")]


def test_dismissing_takes_the_candidate_off_the_list_and_it_stays_dismissed(site: Site) -> None:
    analyst = site.browser("analyst.one")
    key = site.candidate_key(analyst)
    token = form_token(analyst.get(f"/groups/candidates/{key}").text)

    no_reason = analyst.post(f"/groups/candidates/{key}/dismiss", data={"csrf_token": token, "reason": ""})
    assert no_reason.status_code == 422
    assert "say why this is not an organised crime group" in visible_text(no_reason.text)

    dismissed = analyst.post(
        f"/groups/candidates/{key}/dismiss",
        data={"csrf_token": token, "reason": "A family dispute, already resolved by the court."},
        follow_redirects=False,
    )
    assert (dismissed.status_code, dismissed.headers["location"]) == (303, "/groups?done=dismissed")
    listing = analyst.get("/groups?done=dismissed")
    text = visible_text(listing.text)
    assert "Candidate dismissed" in text
    assert key not in listing.text
    assert "No candidates to show with this choice; 1 found in all." in text
    only = analyst.get("/api/groups?dismissed=only").json()["candidates"]
    assert [(c["key"], c["dismissed"]) for c in only] == [(key, True)]
    assert analyst.get("/api/groups").json()["candidates"] == []
    profile = visible_text(analyst.get(f"/groups/candidates/{key}").text)
    assert "Dismissed by analyst.one" in profile
    assert "A family dispute" in profile
    assert "Dismiss this candidate" not in profile


# --- what a partner officer may see --------------------------------------------------------------


def test_a_partner_officer_is_refused_the_groups_pages_and_api(site: Site) -> None:
    partner = site.browser("partner.one")
    key = site.candidate_key(site.browser("analyst.one"))
    home = partner.get("/").text
    assert 'href="/network"' in home
    assert 'href="/groups"' not in home
    for path in ("/groups", f"/groups/candidates/{key}"):
        refused = partner.get(path)
        assert refused.status_code == 403, path
        text = visible_text(refused.text)
        assert "You may not do this" in text
        assert "the group.view action needs one of the roles" in text
        assert "CALLUM" not in refused.text
    for path in ("/api/groups", f"/api/groups/candidates/{key}"):
        assert partner.get(path).status_code == 403, path
    assert partner.get(f"/api/network?candidate={key}").status_code == 403


def test_the_partners_network_holds_no_node_name_or_link_from_a_record_they_may_not_see(site: Site) -> None:
    partner, analyst = site.browser("partner.one"), site.browser("analyst.one")
    entities, records = site.world.entities, site.world.records
    hidden_record = records["IR-5"]

    for url in (
        "/api/network",
        f"/api/network?entity={entities['callum']}&radius=2",
        "/api/network?threat=COUNTY_LINES",
    ):
        network = partner.get(url).json()
        assert entities["quentin"] not in entity_ids(network), url
        assert not [s for s in HIDDEN if s in str(network)], url
        assert all(hidden_record not in e["data"]["record_ids"] for e in network["elements"]["edges"]), url
    around_callum = partner.get(f"/api/network?entity={entities['callum']}&radius=2").json()
    assert labels(around_callum) >= VANCE_LINE
    assert around_callum["focus"].startswith(f"CALLUM VANCE (entity {entities['callum']})")

    page = partner.get(f"/network?entity={entities['callum']}&radius=2")
    assert page.status_code == 200
    assert not [s for s in HIDDEN if s in page.text]
    assert "CALLUM VANCE (entity" in visible_text(page.text)
    missing = partner.get(f"/api/network?entity={entities['quentin']}")
    assert missing.status_code == 404
    assert "is not in your network" in missing.json()["detail"]

    # The analyst, whose agency holds the report, sees Quentin beside Callum.
    assert entities["quentin"] in entity_ids(analyst.get(f"/api/network?entity={entities['callum']}").json())


# --- the explorer and paths ----------------------------------------------------------------------


def test_the_explorer_page_shows_the_candidates_links_in_a_table_and_filters_by_threat(site: Site) -> None:
    analyst = site.browser("analyst.one")
    page = analyst.get("/network")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "The 1 candidate group of your network: their members and the links between them." in text
    assert 'id="network-canvas"' in page.text
    assert 'data-url="/api/network"' in page.text
    assert 'data-path-url="/api/network/path"' in page.text
    assert "The strongest links in this view" in text
    assert "CALLUM VANCE" in text
    assert "EVE ROWE" not in text
    assert 'src="/static/network.js"' in page.text
    assert "<script>" not in page.text
    assert "style=" not in page.text

    default = analyst.get("/api/network").json()
    assert labels(default) == VANCE_LINE | {"QUENTIN BLAKE", "+447700900123", "7 ASH COURT"}
    fraud = analyst.get("/network?threat=FRAUD")
    assert "EVE ROWE" in visible_text(fraud.text)
    assert "CALLUM VANCE" not in visible_text(fraud.text)
    assert labels(analyst.get("/api/network?threat=FRAUD").json()) == {"EVE ROWE", "FRANK SOTO"}
    window = analyst.get("/api/network?since=2025-09-01&until=2025-12-31").json()
    assert labels(window) == {"MARCUS LEE", "CALLUM VANCE", "PAULA GRANT", "NINA FORD"}

    capped = analyst.get("/api/network?max_nodes=2").json()
    assert capped["capped"] is True
    assert len(capped["elements"]["nodes"]) == 2
    assert "the 2 most strongly linked of 8 entities" in capped["focus"]

    bad = analyst.get("/network?since=2026-01-01&until=2025-01-01&threat=NOT_A_THREAT")
    assert bad.status_code == 400
    assert "Threat area: choose a threat area from the list" in visible_text(bad.text)
    both = analyst.get(f"/api/network?entity={site.world.entities['callum']}&group=1")
    assert both.status_code == 422
    assert "show one focus at a time" in both.json()["detail"]
    assert analyst.get("/api/network?since=yesterday").status_code == 422


def test_the_path_api_gives_each_hop_with_its_evidence_and_the_page_answers_without_javascript(
    site: Site,
) -> None:
    analyst = site.browser("analyst.one")
    entities, records = site.world.entities, site.world.records
    tyler, marcus = entities["tyler"], entities["marcus"]

    path = analyst.get(f"/api/network/path?from={tyler}&to={marcus}").json()
    assert path["found"] is True
    hops = path["hops"]
    assert hops[0]["from"] == tyler
    assert hops[-1]["to"] == marcus
    assert all(a["to"] == b["from"] for a, b in itertools.pairwise(hops))
    assert next(h["from_label"] for h in hops) == "TYLER ROSS"
    edges = {e["data"]["id"] for e in path["network"]["elements"]["edges"]}
    assert {h["edge"] for h in hops} <= edges
    assert entity_ids(path["network"]) == {h["from"] for h in hops} | {marcus}
    last = hops[-1]["evidence"][0]
    assert (last["record_id"], last["agency"], last["grading"], last["date"]) == (
        records["IR-4"],
        "POLICE",
        "2C",
        "2025-11-02",
    )
    assert "named together as associate and subject" in last["summary"]

    page = analyst.get(f"/network?from={tyler}&to={marcus}")
    text = visible_text(page.text)
    assert f"{len(hops)} steps over the strongest evidence" in text
    assert f'href="/records/{records["IR-4"]}"' in page.text
    assert "TYLER ROSS to" in text

    partner = site.browser("partner.one")
    hidden = partner.get(f"/api/network/path?from={entities['callum']}&to={entities['quentin']}").json()
    assert hidden == {
        "found": False,
        "reason": f"Entity {entities['quentin']} is not in your network: no record you may see links it to anything.",
        "hops": [],
        "network": hidden["network"],
    }
    assert hidden["network"]["elements"]["nodes"] == []
    apart = analyst.get(f"/api/network/path?from={entities['eve']}&to={entities['callum']}").json()
    assert apart["found"] is False
    assert apart["reason"] == "No chain of links joins EVE ROWE and CALLUM VANCE in the records you may see."
    searched = audit_events(site.engine, resource_type="network_path")
    assert [(e.actor, e.details["found"]) for e in searched][:1] == [("analyst.one", True)]


def test_an_analysts_inputs_are_kept_with_the_score_and_rank_the_confirmed_groups(site: Site) -> None:
    analyst = site.browser("analyst.one")
    key = site.candidate_key(analyst)
    token = form_token(analyst.get("/").text)
    created = analyst.post(
        f"/api/groups/candidates/{key}/confirm",
        json={"name": "Operation Ashfall"},
        headers={CSRF_HEADER: token},
    )
    assert created.status_code == 201, created.text
    group_id = created.json()["id"]
    local_before = next(s for s in created.json()["scores"] if s["scorer"] == "local-ocg-priority")
    assert next(i for i in local_before["inputs"] if i["name"] == "intent")["source"] == "not assessed"
    url = f"/groups/{group_id}/scores"

    page = analyst.get(f"/groups/{group_id}")
    assert "Your inputs to the Local OCG priority score" in visible_text(page.text)
    too_high = analyst.post(
        url,
        data={
            "csrf_token": token,
            "scheme": "local-ocg-priority",
            "value-intent": "5",
            "reason-intent": "Says so.",
        },
    )
    assert too_high.status_code == 422
    assert "Intent: must be a number from 0 to 3" in visible_text(too_high.text)
    assert "Intent: Intent" not in visible_text(too_high.text)
    no_reason = analyst.post(
        url, data={"csrf_token": token, "scheme": "local-ocg-priority", "value-intent": "3"}
    )
    assert no_reason.status_code == 422
    assert "say who supplied the value and why" in visible_text(no_reason.text)

    scored = analyst.post(
        url,
        data={
            "csrf_token": token,
            "scheme": "local-ocg-priority",
            "value-intent": "3",
            "reason-intent": "Threatens to open a second line in Southend.",
        },
        follow_redirects=False,
    )
    assert (scored.status_code, scored.headers["location"]) == (303, f"/groups/{group_id}?done=scored")
    text = visible_text(analyst.get(scored.headers["location"]).text)
    assert "Score recorded with your inputs" in text
    assert "analyst-supplied : Supplied by analyst.one" in text
    assert "Threatens to open a second line in Southend." in text

    (row,) = analyst.get("/api/groups").json()["groups"]
    assert (row["rank"], row["name"]) == (1, "Operation Ashfall")
    intent = next(i for i in row["score"]["inputs"] if i["name"] == "intent")
    assert (intent["value"], intent["source"]) == (3.0, "analyst-supplied")
    assert row["score"]["total"] == local_before["total"] + intent["points"]

    position = analyst.post(
        f"/api/groups/{group_id}/scores",
        json={
            "scheme": "morile-style",
            "inputs": {
                "capacity": {"value": "high", "reason": "Two teams free next quarter."},
                "opportunity": {"value": True, "reason": "The flat's tenancy is up for review."},
            },
        },
        headers={CSRF_HEADER: token},
    )
    assert position.status_code == 201, position.text
    morile = next(s for s in position.json()["scores"] if s["scorer"] == "morile-style")
    supplied = {i["name"]: i["value"] for i in morile["inputs"] if i["source"] == "analyst-supplied"}
    assert supplied == {"capacity": "HIGH", "opportunity": True}
    recorded = audit_events(site.engine, action="group.manage", resource_type="organised_crime_group")
    assert [e.details.get("score") for e in recorded] == [None, "local-ocg-priority", "morile-style"]


class _Fields(HTMLParser):
    """Form fields, the ids labels point at, every id, and headings in order."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self.ids: list[str] = []
        self.headings: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if tag == "label" and values.get("for"):
            self.labelled.add(str(values["for"]))
        if tag in {"input", "select", "textarea"} and values.get("type") != "hidden":
            self.fields.append(values)
        if tag in {"h1", "h2", "h3", "h4"}:
            self.headings.append(tag)


def test_every_field_of_the_picture_pages_is_labelled_ids_are_unique_and_no_style_is_inline(
    site: Site,
) -> None:
    analyst = site.browser("analyst.one")
    key = site.candidate_key(analyst)
    tyler, marcus = site.world.entities["tyler"], site.world.entities["marcus"]
    paths = [
        "/network",
        f"/network?from={tyler}&to={marcus}",
        f"/network?entity={tyler}&radius=2",
        "/groups",
        f"/groups/candidates/{key}",  # with the confirm and dismiss forms
    ]
    pages = [(path, analyst.get(path)) for path in paths]
    group_id = analyst.post(
        f"/api/groups/candidates/{key}/confirm",
        json={"name": "Operation Ashfall"},
        headers={CSRF_HEADER: form_token(analyst.get("/").text)},
    ).json()["id"]
    pages.append((f"/groups/{group_id}", analyst.get(f"/groups/{group_id}")))  # with the score forms
    assert "Confirm the group" in pages[-2][1].text
    assert "Record the score with these inputs" in pages[-1][1].text
    for path, page in pages:
        assert page.status_code == 200, path
        parser = _Fields()
        parser.feed(page.text)
        assert [f for f in parser.fields if f.get("id") not in parser.labelled] == [], path
        assert len(parser.ids) == len(set(parser.ids)), path
        assert parser.headings[0] == "h1", path
        assert "style=" not in page.text, path
        assert "<script>" not in page.text, path


def test_a_confirmed_candidate_cannot_be_dismissed_and_says_why(site: Site) -> None:
    analyst = site.browser("analyst.one")
    key = site.candidate_key(analyst)
    token = form_token(analyst.get("/").text)
    analyst.post(
        f"/api/groups/candidates/{key}/confirm",
        json={"name": "Operation Ashfall"},
        headers={CSRF_HEADER: token},
    )
    refused = analyst.post(
        f"/groups/candidates/{key}/dismiss", data={"csrf_token": token, "reason": "Not one."}
    )
    assert refused.status_code == 422
    assert "This candidate is a confirmed group: change the group's status instead." in visible_text(
        refused.text
    )
    assert "Dismiss this candidate" not in visible_text(refused.text)
