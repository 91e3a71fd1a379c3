"""The safeguarding inbox in a real browser, on the demo borough scanned for exploitation (see conftest.py).

The safeguarding lead (children's social care) opens the inbox from the navigation, filters it, reads a
child's alert (why it was raised, the indicators found, the suggested route), acknowledges it and records
the referral; an adult at risk's alert shows adult social care's evidence only as a holding notice. A
partner officer has no inbox.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from crimelink.domain import UserRole

if TYPE_CHECKING:  # only for annotations: test modules do not import conftest at run time
    from conftest import DemoSite, SignIn

pytestmark = pytest.mark.browser

#: What adult social care's records about cuckooed and exploited adults say in the demo borough: the
#: children's services lead is never shown it.
ADULT_SOCIAL_CARE_TEXT = ("resident not seen for days", "driven to the station every morning to beg")


def open_inbox(page: Page, who: str) -> None:
    """Follow the navigation to the inbox, then show only alerts about ``who`` (with the keyboard)."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Safeguarding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Safeguarding alerts")
    page.get_by_label("Who").select_option(label=who)
    page.get_by_role("button", name="Show these alerts").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_safeguarding_lead_reads_a_childs_alert_acknowledges_it_and_records_the_referral(
    sign_in: SignIn, demo_site: DemoSite, screenshots: Path
) -> None:
    lead = sign_in(UserRole.SAFEGUARDING_LEAD)
    open_inbox(lead, "Child")
    rows = lead.locator("table.safeguarding-alerts tbody tr")
    expect(rows.first).to_be_visible()
    assert all("Child" in row for row in rows.all_inner_texts())
    expect(rows.first).to_contain_text("Children's social care referral (MASH)")
    assert lead.title().endswith("[OFFICIAL-SENSITIVE]")

    rows.first.get_by_role("link", name=re.compile(r"^Alert \d+$")).click()
    expect(lead.get_by_role("heading", level=1)).to_contain_text(re.compile(r"^Alert \d+: child, "))
    main = lead.locator("main")
    expect(main).to_contain_text("A child (under 18 on the record's date by a date of birth")
    routes = lead.get_by_role("region", name="Suggested routes")
    expect(routes).to_contain_text("Children's social care referral (MASH)")
    expect(routes).to_contain_text("always")
    evidence = lead.get_by_role("region", name="Evidence you may see")
    expect(evidence.locator("table.indicators").first).to_contain_text("Indicator")
    expect(evidence).to_contain_text(
        re.compile(r"Child because\s*(aged \d+ on|known to children's social care)")
    )

    lead.get_by_label("Note").fill("Seen by the duty team this morning.")
    with lead.expect_navigation():
        lead.get_by_role("button", name="Acknowledge").click()
    expect(lead.get_by_role("status")).to_have_text("Acknowledged: recorded.")
    expect(lead.locator(".lede .status")).to_have_text("Acknowledged")

    lead.get_by_label("Route the referral went to").select_option("MASH_CHILDREN_REFERRAL")
    lead.get_by_label("Rationale").fill("MASH referral made; strategy discussion booked.")
    with lead.expect_navigation():
        lead.get_by_role("button", name="Record the referral").click()
    expect(lead.get_by_role("status")).to_have_text("Referred: recorded.")
    history = lead.get_by_role("region", name="What has been done")
    expect(history).to_contain_text("Referred: Children's social care referral (MASH)")
    expect(history).to_contain_text("MASH referral made; strategy discussion booked.")
    expect(history).to_contain_text("safeguarding.demo")
    expect(lead.get_by_role("button", name="Close the alert")).to_be_visible()
    lead.screenshot(path=screenshots / "safeguarding_alert.png", full_page=True)


def test_an_adult_at_risk_alert_shows_adult_social_cares_evidence_only_as_a_holding_notice(
    sign_in: SignIn, demo_site: DemoSite
) -> None:
    lead = sign_in(UserRole.SAFEGUARDING_LEAD)
    open_inbox(lead, "Adult at risk")
    held = lead.locator("table.safeguarding-alerts tbody tr").filter(has_text="held elsewhere")
    expect(held.first).to_be_visible()
    expect(held.first).to_contain_text("Adult safeguarding concern (Care Act 2014 s.42 enquiry)")

    held.first.get_by_role("link", name=re.compile(r"^Alert \d+$")).click()
    expect(lead.get_by_role("heading", level=1)).to_contain_text("adult at risk")
    notice = lead.get_by_role("region", name="Evidence you may not see").locator(".holding-notice")
    expect(notice.filter(has_text="(LBA-ASC)")).to_contain_text(re.compile(r"holds \d+ records?\."))
    expect(
        notice.filter(has_text="(LBA-ASC)").get_by_role("button", name=re.compile("Request disclosure"))
    ).to_be_visible()
    content = lead.content()
    for words in ADULT_SOCIAL_CARE_TEXT:
        assert words not in content


def test_a_partner_officer_has_no_safeguarding_inbox(sign_in: SignIn) -> None:
    partner = sign_in(UserRole.PARTNER_OFFICER)
    nav = partner.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Safeguarding")).to_have_count(0)
    answer = partner.goto("/safeguarding")
    assert answer is not None
    assert answer.status == 403
    expect(partner.get_by_role("heading", level=1)).to_have_text("You may not do this")
    expect(partner.locator("main")).to_contain_text("the safeguarding.view action needs one of the roles")
