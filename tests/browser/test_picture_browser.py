"""The organised crime picture in a real browser, on the demo borough (see conftest.py).

The analyst opens the network explorer from the navigation: Cytoscape.js draws the candidate groups'
members under the strict Content-Security-Policy, a click on a node shows its details and fetches its
links, and the path form is answered on the page. The groups list ranks the demo borough's candidates
by their scores; a candidate's profile shows its assessment and the confirm form, and confirming leads
to the group's page. A partner officer explores the network but has no groups.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from crimelink.domain import UserRole

if TYPE_CHECKING:  # only for annotations: test modules do not import conftest at run time
    from conftest import DemoSite, SignIn

pytestmark = pytest.mark.browser

STATUS = re.compile(r"^(\d+) entities, (\d+) links shown")


def watch_console(page: Page) -> list[str]:
    """Script errors and refusals by the Content-Security-Policy on the page, as they come."""
    problems: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", note)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def clear_person(page: Page) -> dict[str, Any]:
    """The drawn person farthest from any other node (so a click lands on them), and where they are."""
    page.locator("#network-canvas").scroll_into_view_if_needed()
    person: dict[str, Any] = page.evaluate(
        """() => {
            const container = document.getElementById("network-canvas");
            const cy = container._cyreg.cy;
            const box = container.getBoundingClientRect();
            let best = null;
            cy.nodes('[kind = "PERSON"]').forEach((node) => {
                const at = node.renderedPosition();
                if (at.x < 20 || at.y < 20 || at.x > box.width - 20 || at.y > box.height - 20) {
                    return;
                }
                let nearest = Infinity;
                cy.nodes().forEach((other) => {
                    if (other.id() !== node.id()) {
                        const there = other.renderedPosition();
                        nearest = Math.min(nearest, Math.hypot(there.x - at.x, there.y - at.y));
                    }
                });
                if (best === null || nearest > best.room) {
                    best = { id: node.data("entity_id"), label: node.data("label"), room: nearest,
                             x: box.left + at.x, y: box.top + at.y };
                }
            });
            return best;
        }"""
    )
    return person


def drawn_nodes(page: Page) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = page.evaluate(
        """() => document.getElementById("network-canvas")._cyreg.cy.nodes().map(
            (node) => ({ id: node.data("entity_id"), label: node.data("label"), kind: node.data("kind"),
                         path: node.hasClass("on-path") }))"""
    )
    return nodes


def test_the_explorer_draws_the_candidate_groups_shows_a_nodes_links_and_answers_a_path(
    sign_in: SignIn, screenshots: Path
) -> None:
    analyst = sign_in(UserRole.ANALYST)
    problems = watch_console(analyst)
    analyst.get_by_role("navigation", name="Main").get_by_role("link", name="Network").click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text("Network")
    expect(analyst.locator("#network-focus")).to_contain_text("candidate groups of your network")
    status = analyst.locator("#network-status")
    expect(status).to_have_text(STATUS)
    match = STATUS.match(status.inner_text())
    assert match is not None
    drawn = int(match.group(1))
    assert drawn > 10
    expect(analyst.locator("#network-canvas canvas").first).to_be_visible()
    assert len(drawn_nodes(analyst)) == drawn

    # Click a person with the mouse: the details panel names them and offers their links.
    person = clear_person(analyst)
    analyst.mouse.move(person["x"], person["y"])
    analyst.mouse.click(person["x"], person["y"])
    details = analyst.locator("#network-details")
    expect(details.get_by_role("heading", level=2)).to_have_text(person["label"])
    expect(details).to_contain_text("Records you may see")
    details.get_by_role("button", name="Show its links").click()
    expect(status).to_contain_text(re.compile(r"links shown.* \d+ new\.$"))
    details.get_by_role("button", name="Path from here").click()
    expect(analyst.get_by_label("From entity")).to_have_value(str(person["id"]))

    # The path form, answered in place from the API: the hops with their records, drawn on the diagram.
    first_link = analyst.locator("table.network-links tbody tr").first
    far_end = first_link.locator("td").nth(1).get_by_role("link").first.get_attribute("href")
    assert far_end is not None
    analyst.get_by_label("To entity").fill(far_end.rsplit("/", 1)[1])
    analyst.get_by_role("button", name="Find the path").click()
    result = analyst.locator("#network-path-result")
    expect(result.locator(".path-reason")).to_contain_text(
        re.compile(r"(\d+ steps? over the strongest evidence|No chain of links joins)")
    )
    if result.locator(".path-hops").count():
        expect(result.locator(".path-hops a[href^='/records/']").first).to_be_visible()
        assert any(n["path"] for n in drawn_nodes(analyst))
    assert "/network?" not in analyst.url  # answered without leaving the page
    analyst.screenshot(path=screenshots / "network_explorer.png", full_page=True)
    assert problems == [], problems


def test_the_path_form_is_answered_by_the_page_itself(sign_in: SignIn, demo_site: DemoSite) -> None:
    """The same question as a link or without JavaScript: GET /network?from=&to= answers on the page."""
    advisor = sign_in(UserRole.ORGANISED_CRIME_ADVISOR)
    advisor.goto("/network")
    expect(advisor.locator("#network-status")).to_have_text(STATUS)
    row = advisor.locator("table.network-links tbody tr").first
    ends = [row.locator("td").nth(i).get_by_role("link").first.get_attribute("href") for i in (0, 1)]
    source, target = (str(end).rsplit("/", 1)[1] for end in ends)
    advisor.goto(f"/network?from={source}&to={target}")
    result = advisor.locator("#network-path-result")
    expect(result.locator(".path-reason")).to_have_text(
        re.compile(r"^\d+ steps? over the strongest evidence")
    )
    expect(result.locator(".path-hops li").first).to_contain_text("record")


def test_the_groups_list_ranks_candidates_by_score_and_a_confirmed_candidate_becomes_a_group(
    sign_in: SignIn, screenshots: Path
) -> None:
    analyst = sign_in(UserRole.ANALYST)
    analyst.get_by_role("navigation", name="Main").get_by_role("link", name="Organised crime groups").click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text("Organised crime groups")
    rows = analyst.locator("table.candidate-groups tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2, "the demo borough yields candidate groups"
    ranks = [int(r) for r in rows.locator("td:nth-child(1)").all_inner_texts()]
    totals = [float(t) for t in rows.locator(".score-total").all_inner_texts()]
    assert ranks == sorted(ranks)
    assert ranks[0] == 1
    assert totals == sorted(totals, reverse=True)
    rows.first.get_by_text("How this was worked out").click()
    expect(rows.first.locator("table.score-inputs")).to_contain_text("Criminality severity")

    new = rows.filter(has_text="New candidate").first
    key = new.get_by_role("link").first.inner_text()
    new.get_by_role("link", name=key).click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text(f"Candidate group {key}")
    for heading in ("People and suggested roles", "Key players", "Legal definitions", "Priority scores"):
        expect(analyst.get_by_role("heading", level=2, name=heading)).to_be_visible()
    expect(analyst.get_by_role("heading", level=3, name=re.compile(r"^Organised crime: "))).to_be_visible()
    expect(
        analyst.get_by_role("heading", level=3, name=re.compile("local approximation")).first
    ).to_be_visible()
    confirm = analyst.get_by_role("region", name="Confirm as an organised crime group")
    expect(confirm.get_by_role("button", name="Confirm the group")).to_be_visible()
    analyst.screenshot(path=screenshots / "candidate_group.png", full_page=True)

    confirm.get_by_label("Name", exact=True).fill("Operation Kestrel")
    confirm.get_by_label("Structure").select_option(label="Core group")
    with analyst.expect_navigation():
        confirm.get_by_role("button", name="Confirm the group").click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text("Operation Kestrel")
    expect(analyst.get_by_role("status")).to_have_text(
        "Group confirmed: later analyses show this candidate as this group."
    )
    expect(analyst.get_by_role("region", name="The group's record")).to_contain_text(f"candidate {key}")
    expect(analyst.locator("table.group-people").first.locator("tbody tr").first).to_be_visible()
    analyst.get_by_role("link", name="See this group in the network explorer").click()
    expect(analyst.locator("#network-focus")).to_contain_text("Operation Kestrel")
    expect(analyst.locator("#network-status")).to_have_text(STATUS)

    analyst.get_by_role("navigation", name="Main").get_by_role("link", name="Organised crime groups").click()
    confirmed = analyst.locator(f"#candidate-{key}")
    expect(confirmed).to_contain_text("Confirmed: Operation Kestrel")


def test_a_partner_officer_explores_the_network_but_has_no_groups(sign_in: SignIn) -> None:
    partner = sign_in(UserRole.PARTNER_OFFICER)
    nav = partner.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Organised crime groups")).to_have_count(0)
    nav.get_by_role("link", name="Network").click()
    expect(partner.locator("#network-status")).to_have_text(STATUS)
    expect(partner.locator("#network-focus")).to_contain_text("Your network")
    answer = partner.goto("/groups")
    assert answer is not None
    assert answer.status == 403
    expect(partner.get_by_role("heading", level=1)).to_have_text("You may not do this")
    expect(partner.locator("main")).to_contain_text("the group.view action needs one of the roles")
