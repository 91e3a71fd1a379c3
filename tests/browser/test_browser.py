"""What each role sees and does in a real browser, on the demo borough, with the keyboard and the mouse.

Chromium (Debian's, through Playwright) against the real application served by uvicorn; see
conftest.py. One screenshot per role is kept in the pytest temporary directory.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import Purpose, UserRole
from crimelink.services import linkage_runs
from crimelink.services.auth import actor_for_user
from crimelink.services.cross_agency import cross_agency_report
from crimelink.services.demo_users import DEMO_USERS
from crimelink.services.entities import agencies_knowing
from crimelink.store.models import User

if TYPE_CHECKING:  # only for annotations: test modules do not import conftest at run time
    from conftest import DemoSite, SignIn

pytestmark = pytest.mark.browser

#: Every reader of the partnership plan (docs/access.md): the menu of tactics, the actions given to their
#: agency, the partnership plan, its meetings, requests for assistance, the directory and the outcomes.
PARTNERSHIP = [
    "Actions",
    "Partnership plan",
    "Meetings",
    "Requests for assistance",
    "Contacts",
    "Outcomes",
    "Performance",
    # Every reader builds their own copy of the SOC local profile and the board pack (docs/reports.md).
    "Profile and board pack",
]
NAVIGATION: dict[UserRole, list[str]] = {
    UserRole.ANALYST: [
        "Home",
        "Search records",
        "Find people and places",
        "Cross-agency report",
        "Network",
        "Organised crime groups",
        "Export",
        "Tactics",
        "Review queue",
        "Entity resolution",
        "Operations",
        "Disruption plans",
        *PARTNERSHIP,
        "Submit intelligence",
        "Disclosure requests",
        "API tokens",
    ],
    UserRole.ORGANISED_CRIME_ADVISOR: [
        "Home",
        "Search records",
        "Find people and places",
        "Cross-agency report",
        "Network",
        "Organised crime groups",
        "Export",
        "Tactics",
        "Review queue",
        "Operations",
        "Disruption plans",
        *PARTNERSHIP,
        "Submit intelligence",
        "Disclosure requests",
        "API tokens",
    ],
    UserRole.COORDINATOR: [
        "Home",
        "Search records",
        "Find people and places",
        "Cross-agency report",
        "Network",
        "Organised crime groups",
        "Tactics",
        "Operations",
        "Disruption plans",
        *PARTNERSHIP,
        "Reminders",
        "Disclosure requests",
        "API tokens",
    ],
    # Partners see the actions given to their agency, never the disruption plans behind them.
    UserRole.PARTNER_OFFICER: [
        "Home",
        "Search records",
        "Find people and places",
        "Cross-agency report",
        "Network",
        "Export",
        "Tactics",
        "Operations",
        *PARTNERSHIP,
        "Submit intelligence",
        "Disclosure requests",
        "API tokens",
    ],
    UserRole.SAFEGUARDING_LEAD: [
        "Home",
        "Search records",
        "Find people and places",
        "Cross-agency report",
        "Network",
        "Tactics",
        "Safeguarding",
        *PARTNERSHIP,
        "Disclosure requests",
        "API tokens",
    ],
    UserRole.DECONFLICTION_DESK: [
        "Home",
        "Search records",
        "Find people and places",
        "Cross-agency report",
        "Network",
        "Tactics",
        "Operations",
        "Deconfliction desk",
        *PARTNERSHIP,
        "Disclosure requests",
        "API tokens",
    ],
    UserRole.AUDITOR: ["Home", "Audit trail", "API tokens"],
    # The administrator keeps the directory of contacts, but reads no plan (nor the reminders' titles).
    UserRole.ADMINISTRATOR: [
        "Home",
        "Contacts",
        "Agencies",
        "Users",
        "Compartments",
        "Sharing agreements",
        "API tokens",
    ],
}


def search(page: Page, query: str) -> None:
    """Go to the search page with the mouse and search with the keyboard."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search records").click()
    page.get_by_label("Name, postcode, phone, vehicle registration or words").focus()
    page.keyboard.type(query)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def screenshot(page: Page, directory: Path, role: UserRole) -> None:
    """One full-page screenshot per role, of the page that shows what the role is for."""
    page.screenshot(path=directory / f"{role.value.lower()}.png", full_page=True)


def marking(page: Page) -> str:
    return page.get_by_role("note", name="Protective marking").first.inner_text()


@pytest.mark.parametrize("role", list(NAVIGATION), ids=lambda role: role.value.lower())
def test_each_role_sees_only_the_links_it_may_follow(sign_in: SignIn, role: UserRole) -> None:
    page = sign_in(role)
    links = page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()
    assert links == NAVIGATION[role]
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    # The first Tab reaches the skip link, and following it lands in the main content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_a_partner_learns_only_that_the_police_hold_intelligence_the_analyst_reads_it_raw(
    sign_in: SignIn, demo_site: DemoSite, screenshots: Path
) -> None:
    report = demo_site.police_intelligence
    partner = sign_in(UserRole.PARTNER_OFFICER)
    search(partner, report.name)
    notice = partner.locator(".holding-notice").filter(has_text="(POLICE)")
    holds = rf"{re.escape(demo_site.police_name)}\s+\(POLICE\)\s+holds\s+\d+\s+records?\."
    expect(notice).to_contain_text(re.compile(holds))
    expect(notice).to_contain_text("Contact: SOC Desk, 020 7946 0100")
    content = partner.content()
    assert report.sanitised not in content
    assert report.raw not in content
    assert f'href="/records/{report.record_id}"' not in content
    partner.goto(f"/records/{report.record_id}")
    expect(partner.get_by_role("heading", level=1)).to_have_text("This record is held by another agency")
    assert report.sanitised not in partner.content()

    analyst = sign_in(UserRole.ANALYST)
    search(analyst, report.name)
    analyst.locator(f'a[href="/records/{report.record_id}"]').click()
    expect(analyst.locator(".why-visible")).to_contain_text("Your agency holds this record.")
    expect(analyst.locator(".report-text").first).to_have_text(report.sanitised)
    raw = analyst.get_by_role("region", name="Police only Raw text")
    expect(raw).to_contain_text(report.raw)
    screenshot(analyst, screenshots, UserRole.ANALYST)


def test_a_partner_asks_the_police_for_disclosure_in_place_and_the_police_refuse_it(
    sign_in: SignIn, demo_site: DemoSite, screenshots: Path
) -> None:
    report = demo_site.police_intelligence
    partner = sign_in(UserRole.PARTNER_OFFICER)
    search(partner, report.name)
    notice = partner.locator(".holding-notice").filter(has_text="(POLICE)")
    notice.get_by_role("button", name="Request disclosure").click()  # nothing typed yet
    expect(notice.locator(".field-error")).to_contain_text("at least 10 characters")
    notice.get_by_label("Why you need").fill("Tenancy enforcement visit planned for next week")
    notice.get_by_role("button", name="Request disclosure").click()
    expect(notice.get_by_role("status")).to_contain_text("Disclosure request sent to POLICE")
    assert partner.url.startswith(f"{demo_site.base_url}/search?"), "htmx answered in place"
    screenshot(partner, screenshots, UserRole.PARTNER_OFFICER)

    analyst = sign_in(UserRole.ANALYST)
    expect(analyst.locator("#disclosures-to-decide + .counts dd")).not_to_have_text("0")
    analyst.get_by_role("link", name="Waiting for your agency's decision").click()
    request = analyst.locator("article.decide").filter(has_text="Tenancy enforcement visit planned").first
    request.get_by_label("Refuse").check()
    request.get_by_label("Note to the requester").fill("Live operation: ask again in a month")
    request.get_by_role("button", name="Record decision").click()
    expect(analyst.get_by_role("status").first).to_contain_text("from LBA-HOUSING refused")

    partner.goto("/disclosures")
    row = partner.locator("tr").filter(has_text="Tenancy enforcement visit planned")
    expect(row).to_contain_text("Refused")
    expect(row).to_contain_text("Live operation: ask again in a month")


def _entity_partly_hidden_from_the_partner(demo_site: DemoSite) -> tuple[int, str, list[int]]:
    """An entity on the report's first page that the partner officer can name, but of which another
    agency holds records the partner may not see: (entity id, that agency's code, the hidden records)."""
    username = next(d.username for d in DEMO_USERS if d.role is UserRole.PARTNER_OFFICER)
    with Session(demo_site.engine) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        partner = actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)
        try:
            for entity in cross_agency_report(session, partner, limit=50).entities:
                if entity.display_name and entity.visible_records < entity.records:
                    holdings = agencies_knowing(session, partner, entity.id).agencies
                    holder = next(h for h in holdings if h.record_ids_to_request)
                    return entity.id, holder.agency_code, list(holder.record_ids_to_request)
        finally:
            session.rollback()  # the picking reads' audit events: nobody looked
    raise AssertionError("no entity on the report's first page is partly hidden from the partner officer")


def test_a_partner_finds_who_else_knows_someone_and_asks_for_what_is_hidden(
    sign_in: SignIn, demo_site: DemoSite, screenshots: Path
) -> None:
    entity_id, holder, hidden = _entity_partly_hidden_from_the_partner(demo_site)
    partner = sign_in(UserRole.PARTNER_OFFICER)
    partner.get_by_role("navigation", name="Main").get_by_role("link", name="Cross-agency report").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Known to more than one agency")
    row = partner.locator("table.cross-agency tbody tr").filter(
        has=partner.locator(f'a[href="/entities/{entity_id}"]')
    )
    expect(row).to_contain_text(re.compile(rf"{holder} \d+ records? \(\d+ you may see\)"))
    name = row.get_by_role("link").inner_text()
    row.get_by_role("link").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text(name)
    expect(partner.locator("main")).to_contain_text("Records you may not see")
    for record_id in hidden:
        expect(partner.locator(f'a[href="/records/{record_id}"]')).to_have_count(0)
    notice = partner.locator(".holding-notice").filter(has_text=f"({holder})")
    notice.get_by_role("button", name="Request disclosure").click()  # nothing typed yet
    expect(notice.locator(".field-error")).to_contain_text("at least 10 characters")
    notice.get_by_label("Why you need").fill("Checking who lives there before a joint housing visit")
    notice.get_by_role("button", name="Request disclosure").click()
    expect(notice.get_by_role("status")).to_contain_text(f"Disclosure request sent to {holder}")
    assert partner.url == f"{demo_site.base_url}/entities/{entity_id}", "htmx answered in place"
    partner.goto("/disclosures")
    expect(partner.locator("tr").filter(has_text="Checking who lives there").first).to_contain_text("Pending")


def test_the_safeguarding_lead_opens_a_childs_record_marked_official_sensitive_the_partner_cannot(
    sign_in: SignIn, demo_site: DemoSite, screenshots: Path
) -> None:
    child = demo_site.child
    lead = sign_in(UserRole.SAFEGUARDING_LEAD)
    search(lead, child.name)
    assert marking(lead) == "OFFICIAL-SENSITIVE"  # the results include the child's record
    lead.locator(f'a[href="/records/{child.record_id}"]').click()
    expect(lead.get_by_role("heading", level=1)).to_contain_text("Children known to children's social care")
    assert marking(lead) == "OFFICIAL-SENSITIVE"
    assert lead.title().endswith("[OFFICIAL-SENSITIVE]")
    expect(lead.locator(".handling")).to_have_text("C — refer to originator before action")
    expect(lead.locator("main")).to_contain_text("CHILDREN")
    screenshot(lead, screenshots, UserRole.SAFEGUARDING_LEAD)

    partner = sign_in(UserRole.PARTNER_OFFICER)
    search(partner, child.name)
    expect(partner.locator(".holding-notice").filter(has_text="(LBA-CSC)")).to_contain_text("holds")
    partner.goto(f"/records/{child.record_id}")
    expect(partner.get_by_role("heading", level=1)).to_have_text("This record is held by another agency")
    assert marking(partner) == "OFFICIAL"
    given = child.name.split()[0]
    assert not re.search(rf"\b{re.escape(given)}\b", partner.locator("main").inner_text().upper())


def test_the_administrator_manages_users_but_may_not_search_records(
    sign_in: SignIn, screenshots: Path
) -> None:
    admin = sign_in(UserRole.ADMINISTRATOR)
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Users")
    expect(admin.locator("main")).to_contain_text("analyst.demo")
    answer = admin.goto("/search?q=smith")
    assert answer is not None
    assert answer.status == 403
    expect(admin.get_by_role("heading", level=1)).to_have_text("You may not do this")
    expect(admin.locator("main")).to_contain_text("the record.search action needs one of the roles")
    screenshot(admin, screenshots, UserRole.ADMINISTRATOR)


def test_a_bad_postcode_on_the_intelligence_form_is_shown_next_to_the_field(sign_in: SignIn) -> None:
    analyst = sign_in(UserRole.ANALYST)
    analyst.get_by_role("navigation", name="Main").get_by_role("link", name="Submit intelligence").click()
    analyst.get_by_label("Source evaluation").select_option("1")
    analyst.get_by_label("Intelligence assessment").select_option("B")
    analyst.get_by_label("Sanitised text").fill("Subject seen handing packages to youths outside the shop.")
    analyst.get_by_label("Subject's name").fill("Browser Test Subject")
    analyst.get_by_label("Subject's postcode").fill("NOT A POSTCODE")
    analyst.get_by_role("button", name="Submit intelligence").focus()
    with analyst.expect_navigation():
        analyst.keyboard.press("Enter")
    field = analyst.locator(".field").filter(has=analyst.get_by_label("Subject's postcode"))
    expect(field.locator(".field-error")).to_contain_text("is not a valid UK postcode")
    expect(analyst.get_by_label("Subject's postcode")).to_have_value("NOT A POSTCODE")
    expect(analyst.get_by_label("Subject's postcode")).to_have_attribute("aria-invalid", "true")
    expect(analyst.get_by_label("Subject's name")).to_have_value("Browser Test Subject")
    summary = analyst.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name=re.compile("Subject's postcode"))).to_have_attribute(
        "href", "#subject_postcode"
    )


def test_the_auditor_reads_the_trail_and_verifies_the_chain(sign_in: SignIn, screenshots: Path) -> None:
    sign_in(UserRole.PARTNER_OFFICER)  # a sign-in for the trail to show
    auditor = sign_in(UserRole.AUDITOR)
    auditor.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    assert marking(auditor) == "OFFICIAL-SENSITIVE"
    auditor.get_by_label("Who").fill("partner.demo")
    auditor.get_by_label("Action").fill("sign_in")
    auditor.get_by_role("button", name="Search the trail").click()
    rows = auditor.locator("table.audit tbody tr")
    expect(rows.first).to_contain_text("partner.demo")
    expect(rows.first).to_contain_text("sign_in")
    auditor.get_by_role("button", name="Verify chain").click()
    expect(auditor.locator("#verify-result")).to_contain_text("The chain is intact.")
    screenshot(auditor, screenshots, UserRole.AUDITOR)


def test_the_analyst_judges_a_pair_from_the_review_queue_and_it_leaves_the_queue(
    sign_in: SignIn, demo_site: DemoSite, screenshots: Path
) -> None:
    analyst = sign_in(UserRole.ANALYST)
    analyst.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text("Review queue")
    pair = analyst.locator("article.review-pair").first
    pair_id = pair.get_attribute("id")
    expect(pair.locator("table.weights")).to_contain_text("Starting odds")
    analyst.screenshot(path=screenshots / "review_queue.png", full_page=True)
    pair.get_by_role("button", name="Different").click()  # no reason yet
    expect(pair.locator(".field-error")).to_contain_text("say why")
    pair.get_by_label("Reason for your judgement").fill("Different dates of birth and no shared address")
    pair.get_by_role("button", name="Different").click()
    judged = analyst.locator(f"#{pair_id}")
    expect(judged).to_contain_text("judged different")
    expect(judged).to_contain_text("the pair has left the queue")
    assert analyst.url == f"{demo_site.base_url}/review", "htmx answered in place"
    analyst.reload()
    expect(analyst.locator(f"#{pair_id}")).to_have_count(0)
    analyst.get_by_role("link", name="judgements made so far").click()
    expect(analyst.locator("table.judgements tbody tr").first).to_contain_text(
        "Different dates of birth and no shared address"
    )


def test_the_analyst_starts_entity_resolution_and_watches_its_steps_then_its_summary_appear(
    sign_in: SignIn, demo_site: DemoSite, screenshots: Path
) -> None:
    analyst = sign_in(UserRole.ANALYST)
    analyst.get_by_role("navigation", name="Main").get_by_role("link", name="Entity resolution").click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text("Entity resolution")
    analyst.get_by_label("Link at or above this match probability").fill("0.9")
    analyst.get_by_label("Send pairs to the review queue from").fill("0.5")
    run = analyst.locator(".linkage-run")
    steps = run.locator("ol.run-steps")
    # The server runs in this process: the run waits until released, so the page is seen waiting first.
    with linkage_runs.hold_new_runs() as release:
        with analyst.expect_navigation():
            analyst.get_by_role("button", name="Start linkage run").click()
        expect(analyst.locator(".notice")).to_contain_text(re.compile(r"Linkage run \d+ started"))
        expect(run.locator(".run-status")).to_contain_text("Waiting to start")
        expect(run).to_have_attribute("hx-trigger", "every 2s")
        expect(steps).to_have_count(0)
        page_url = analyst.url
        analyst.evaluate("window.notReloaded = true")  # gone if the page were loaded again
        release.set()
        # The steps appear as the run reports them, then the summary: htmx asks every two seconds.
        expect(steps.locator("li").first).to_contain_text(
            "Reading the current version of every record", timeout=60_000
        )
        expect(run).to_contain_text("What the run did", timeout=300_000)
    expect(run.locator(".run-status")).to_contain_text("Finished")
    expect(steps).to_contain_text("Writing entities and links")
    expect(run.get_by_role("table", name="Entities by kind after the run")).to_contain_text("People")
    expect(run.get_by_role("link", name="Pairs for review")).to_have_attribute("href", "/review")
    expect(run).not_to_have_attribute("hx-trigger", re.compile("every"))  # it has stopped asking
    assert analyst.evaluate("window.notReloaded === true"), "the progress came without reloading the page"
    assert analyst.url == page_url
    analyst.screenshot(path=screenshots / "entity_resolution.png", full_page=True)
