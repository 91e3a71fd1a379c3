"""Disruption and the co-ordinated plan in a real browser, on the demo borough (see conftest.py).

A co-ordinator calls a meeting whose agenda is built from live items (an overdue action the advisor set),
records the minutes and a resolution that becomes a tracked action; the housing officer it was given to
starts and finishes it from their actions; the co-ordinator sees the new status on the action's page
and on the next meeting's agenda. The Organised Crime Advisor reads a group's recommended tactics with
their reasons and adds one to the group's disruption plan. A partner records an outcome of their action
and finds it on the performance dashboard, and sees the actions given to them but not the plan behind.

The module's world (a confirmed group, its disruption plan with an action for housing, an overdue
action) is set up once through the same services the pages call, as the advisor would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import ConsoleMessage, Locator, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.domain import ActionStatus, FourP, Purpose, UserRole
from crimelink.services import disruption_plans, groups, tactics
from crimelink.services.auth import actor_for_user
from crimelink.services.demo_users import DEMO_USERS
from crimelink.services.plan_actions import ActionInput, create_action
from crimelink.store.models import Agency, User

if TYPE_CHECKING:  # only for annotations: test modules do not import conftest at run time
    from conftest import DemoSite, SignIn

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Recommended:
    """A tactic the recommendations put first for the group, with the first reason they give."""

    slug: str
    name: str
    reason: str


@dataclass(frozen=True)
class PlanWorld:
    today: date
    #: Agency code -> its name.
    agencies: dict[str, str]
    group_id: int
    group_name: str
    recommended: Recommended
    plan_id: int
    plan_title: str
    #: The plan's action given to the partner officer's agency (LBA-HOUSING).
    housing_action_id: int
    housing_action_title: str
    #: An action past its due date, for the meeting's agenda.
    overdue_title: str
    overdue_agency: str


def _actor(session: Session, role: UserRole) -> Actor:
    username = next(d.username for d in DEMO_USERS if d.role is role)
    user = session.scalars(select(User).where(User.username == username)).one()
    return actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)


@pytest.fixture(scope="module")
def world(demo_site: DemoSite) -> PlanWorld:
    """A group confirmed by the advisor from the largest candidate, its plan and two actions."""
    today = datetime.now(UTC).date()  # the pages' today
    with Session(demo_site.engine) as session:
        advisor = _actor(session, UserRole.ORGANISED_CRIME_ADVISOR)
        ids = {a.code: a.id for a in session.scalars(select(Agency))}
        agencies = {a.code: a.name for a in session.scalars(select(Agency))}
        picture = groups.analyse(session, advisor, today=today)
        free = [c for c in picture.candidates if c.key not in picture.confirmed]
        assert free, "the demo borough yields candidate groups the advisor may confirm"
        candidate = max(free, key=lambda c: (len(c.people), c.key))
        group = groups.confirm_candidate(
            session,
            advisor,
            picture,
            key=candidate.key,
            confirmation=groups.Confirmation(name="Operation Harrier", reason="Browser tests' group"),
        )
        plan = disruption_plans.open_plan(
            session,
            advisor,
            disruption_plans.PlanInput(
                title="Disrupt Operation Harrier's hold on the high street",
                owner_agency_id=ids["POLICE"],
                owner_officer="DS Sam Okafor",
                objectives="Pursue the core members; close the premises they work from.",
                group_id=group.id,
            ),
        )
        housing_action = disruption_plans.add_action(
            session,
            advisor,
            plan.id,
            ActionInput(
                title="Inspect the flats above the nail bar for overcrowding",
                agency_id=ids["LBA-HOUSING"],
                assignee="Gareth Lewis",
                due_on=today + timedelta(days=10),
                four_p=FourP.PURSUE,
                tactic="hmo-licensing-housing-standards",
            ),
        )
        overdue = create_action(
            session,
            advisor,
            ActionInput(
                title="Licensing to review the Canal Road off-licence's conditions",
                agency_id=ids["LBA-LICENSING"],
                due_on=today - timedelta(days=6),
                status=ActionStatus.APPROVED,
            ),
        )
        session.commit()
        world = PlanWorld(
            today=today,
            agencies=agencies,
            group_id=group.id,
            group_name=group.name,
            recommended=Recommended("", "", ""),
            plan_id=plan.id,
            plan_title=plan.title,
            housing_action_id=housing_action.id,
            housing_action_title=housing_action.title,
            overdue_title=overdue.title,
            overdue_agency="LBA-LICENSING",
        )
    with Session(demo_site.engine) as session:
        advisor = _actor(session, UserRole.ORGANISED_CRIME_ADVISOR)
        view = tactics.recommend_for_group(session, advisor, world.group_id, today=today)
        session.rollback()  # the reading's audit events: nobody looked
    assert view.recommendations, "the group's records argue for some tactic"
    first = view.recommendations[0]
    recommended = Recommended(first.tactic.id, first.tactic.name, first.reasons[0].text)
    return replace(world, recommended=recommended)


@pytest.fixture
def problems() -> Iterator[list[str]]:
    """Script errors and console errors (CSP refusals among them) on the pages a test watches."""
    found: list[str] = []
    yield found
    assert found == [], found


def watch(page: Page, found: list[str]) -> Page:
    def note(message: ConsoleMessage) -> None:
        # A page answered 403 on purpose logs "Failed to load resource"; anything else is a fault.
        if message.type == "error" and "Failed to load resource" not in message.text:
            found.append(f"{page.url}: {message.text}")

    page.on("console", note)
    page.on("pageerror", lambda error: found.append(f"{page.url}: {error}"))
    return page


def offered(world: PlanWorld, code: str) -> str:
    """An agency as the plan's and meeting's forms offer it."""
    return f"{world.agencies[code]} ({code})"


def field(region: Locator, name: str) -> Locator:
    """The value of one entry of a summary list, found by its term."""
    term = region.page.locator("dt").filter(has_text=re.compile(f"^{re.escape(name)}$"))
    return region.locator("div").filter(has=term).locator("dd")


def hidden_suffix(shown: str, hidden: str) -> re.Pattern[str]:
    """The name of a button or link whose words for screen readers follow in a visually hidden part."""
    return re.compile(rf"^{re.escape(shown)}\s*: {re.escape(hidden)}$")


def nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()


def day(value: date) -> str:
    """A date as the pages write it."""
    return value.strftime("%d %b %Y")


def local_input(moment: datetime) -> str:
    """A ``datetime-local`` field's value in UK time."""
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def call_meeting(page: Page, title: str, held_at: datetime) -> None:
    nav(page, "Meetings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meetings")
    page.get_by_role("link", name="Call a meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Call a meeting")
    page.get_by_label("Meeting", exact=True).fill(title)
    page.get_by_label("Date and time").fill(local_input(held_at))
    page.get_by_label("Where").fill("Ashvale Town Hall, Committee Room 2")
    page.get_by_label("Chair").fill("Supt Dana Whitfield")
    page.get_by_label("Attendees").fill("DS Sam Okafor (police)\nGareth Lewis (housing)")
    with page.expect_navigation():
        page.get_by_role("button", name="Call the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("status")).to_have_text("Meeting called; its agenda was built from live items.")


def test_a_coordinator_walks_from_agenda_to_minutes_to_actions_the_owner_finishes(
    sign_in: SignIn, world: PlanWorld, problems: list[str], screenshots: Path
) -> None:
    coordinator = watch(sign_in(UserRole.COORDINATOR), problems)
    title = "SOC Partnership Board"
    call_meeting(coordinator, title, datetime.now(UTC) - timedelta(minutes=30))

    # The agenda was built from live items: the advisor's overdue action is on it, marked overdue.
    agenda = coordinator.get_by_role("region", name="Agenda", exact=True)
    overdue = agenda.locator("li").filter(has=coordinator.get_by_role("link", name=world.overdue_title))
    expect(overdue).to_have_count(1)
    expect(overdue).to_contain_text("overdue")
    expect(overdue).to_contain_text(f"{world.overdue_agency}; due {day(world.today - timedelta(days=6))}")
    expect(overdue).to_contain_text("6 days overdue")
    expect(agenda.get_by_role("heading", level=3, name="Overdue actions")).to_be_visible()

    # The minutes.
    minutes = coordinator.get_by_role("region", name="Minutes", exact=True)
    minutes.get_by_label("Minutes").fill("Housing reported overcrowding above the nail bar. Licensing late.")
    with coordinator.expect_navigation():
        minutes.get_by_role("button", name="Save the minutes").click()
    expect(coordinator.get_by_role("status")).to_have_text("Minutes recorded.")
    expect(coordinator.get_by_role("region", name="Minutes", exact=True)).to_contain_text(
        "Housing reported overcrowding"
    )

    # A resolution with an owner agency and a due date becomes a tracked action, approved at once.
    due = world.today + timedelta(days=14)
    resolved = "Housing to serve an improvement notice on 14 Canal Road"
    resolutions = coordinator.get_by_role("region", name="Resolutions", exact=True)
    resolutions.get_by_label("Resolution", exact=True).fill(resolved)
    resolutions.get_by_label("Owner agency").select_option(label=offered(world, "LBA-HOUSING"))
    resolutions.get_by_label("Assignee").fill("Gareth Lewis")
    resolutions.get_by_label("Due on").fill(due.isoformat())
    with coordinator.expect_navigation():
        resolutions.get_by_role("button", name="Record the resolution").click()
    expect(coordinator.get_by_role("status")).to_have_text(
        "Resolution recorded, and it is now a tracked action."
    )
    resolutions = coordinator.get_by_role("region", name="Resolutions", exact=True)
    expect(resolutions.locator("ol li").filter(has_text=resolved)).to_contain_text(
        f"Owner LBA-HOUSING (Gareth Lewis), due {day(due)}"
    )
    became = resolutions.get_by_role("table", name="Actions resolved at this meeting")
    expect(became.locator("tbody tr")).to_contain_text("Approved")
    meeting_id = int(coordinator.url.split("?")[0].rsplit("/", 1)[1])
    coordinator.screenshot(path=screenshots / "meeting.png", full_page=True)
    with coordinator.expect_navigation():
        became.get_by_role("link", name=resolved).click()
    action_url = coordinator.url
    action_id = int(action_url.rsplit("/", 1)[1])
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(resolved)
    about = coordinator.get_by_role("region", name="The action", exact=True)
    expect(field(about, "Status")).to_have_text("Approved")
    expect(field(about, "Given to")).to_have_text(f"{world.agencies['LBA-HOUSING']}: Gareth Lewis")
    expect(field(about, "Due")).to_have_text(day(due))
    expect(field(about, "Meeting").get_by_role("link")).to_have_attribute("href", f"/meetings/{meeting_id}")
    expect(coordinator.get_by_role("region", name="History", exact=True)).to_contain_text(
        f"resolved at {title}"
    )

    # The meeting is marked held: its agenda closes.
    coordinator.goto(f"/meetings/{meeting_id}")
    with coordinator.expect_navigation():
        coordinator.get_by_role("button", name="Mark the meeting held").click()
    expect(coordinator.get_by_role("status")).to_have_text("Meeting marked as held.")
    expect(coordinator.get_by_role("button", name="Rebuild from live items")).to_have_count(0)

    # The housing officer finds it under Actions, starts it and finishes it with notes.
    partner = watch(sign_in(UserRole.PARTNER_OFFICER), problems)
    nav(partner, "Actions")
    expect(partner.get_by_role("heading", level=1)).to_have_text("Actions")
    row = partner.locator("tbody tr").filter(has=partner.get_by_role("link", name=resolved))
    expect(row).to_contain_text("Approved")
    expect(row).to_contain_text(day(due))
    row.get_by_label(f"Note on action {action_id}").fill("Inspection booked for Tuesday")
    with partner.expect_navigation():
        row.get_by_role("button", name=hidden_suffix("In progress", f"action {action_id}")).click()
    expect(partner.get_by_role("status")).to_have_text("Action moved on.")
    expect(row).to_contain_text("In progress")
    row.get_by_label(f"Note on action {action_id}").fill("Notice served on the landlord")
    with partner.expect_navigation():
        row.get_by_role("button", name=hidden_suffix("Done", f"action {action_id}")).click()
    expect(row).to_contain_text("Done")
    expect(row).to_contain_text("Nothing for you to do")

    # The co-ordinator sees the new status and the notes on the action's page ...
    coordinator.goto(action_url)
    about = coordinator.get_by_role("region", name="The action", exact=True)
    expect(field(about, "Status")).to_contain_text("Done")
    history = coordinator.get_by_role("region", name="History", exact=True).locator("tbody tr")
    expect(history.filter(has_text="Approved to In progress")).to_contain_text(
        "Inspection booked for Tuesday"
    )
    expect(history.filter(has_text="In progress to Done")).to_contain_text("Notice served on the landlord")
    expect(history.filter(has_text="In progress to Done")).to_contain_text("partner.demo")

    # ... and on the next meeting's agenda, under the last meeting's actions.
    call_meeting(coordinator, "SOC Partnership Board: follow-up", datetime.now(UTC) + timedelta(days=7))
    agenda = coordinator.get_by_role("region", name="Agenda", exact=True)
    expect(agenda.get_by_role("heading", level=3, name="Actions from the last meeting")).to_be_visible()
    carried = agenda.locator("li").filter(has=coordinator.get_by_role("link", name=resolved))
    expect(carried).to_contain_text("now done")
    expect(field(coordinator.locator("main"), "Last meeting")).to_have_text(f"meeting {meeting_id}")


def test_the_advisor_reads_a_groups_recommended_tactics_and_adds_one_to_its_plan(
    sign_in: SignIn, world: PlanWorld, problems: list[str]
) -> None:
    advisor = watch(sign_in(UserRole.ORGANISED_CRIME_ADVISOR), problems)
    advisor.goto(f"/groups/{world.group_id}")
    expect(advisor.get_by_role("heading", level=1)).to_have_text(world.group_name)
    advisor.get_by_role("link", name="Recommended tactics for this group").click()
    expect(advisor.get_by_role("heading", level=1)).to_have_text(
        f"Recommended tactics for {world.group_name}"
    )

    # Every recommendation says why: at least one reason, with its rule and weight.
    items = advisor.locator("li.recommendation")
    expect(items.first).to_be_visible()
    reasons = items.evaluate_all(
        """(items) => items.map((item) => Array.from(item.querySelectorAll("table.reasons tbody tr"))
            .map((row) => row.cells[0].innerText.trim()))"""
    )
    assert reasons
    assert all(texts and all(texts) for texts in reasons), reasons
    top = items.first
    expect(top.get_by_role("heading", level=3)).to_contain_text(world.recommended.name)
    expect(top.get_by_role("table", name=re.compile("^Why"))).to_contain_text(world.recommended.reason)

    # "Add to the disruption plan" opens the group's plan with the tactic chosen in the form.
    with advisor.expect_navigation():
        top.get_by_role(
            "link", name=hidden_suffix("Add to the disruption plan", world.recommended.name)
        ).click()
    expect(advisor.get_by_role("heading", level=1)).to_have_text(world.plan_title)
    add = advisor.get_by_role("region", name="Add an action", exact=True)
    expect(add.get_by_label("Tactic from the menu")).to_have_value(world.recommended.slug)
    title = f"{world.recommended.name}: the core members"
    add.get_by_label("What is to be done").fill(title)
    add.get_by_label("Agency", exact=True).select_option(label=offered(world, "POLICE"))
    add.get_by_label("Officer").fill("DS Sam Okafor")
    add.get_by_label("Due on").fill((world.today + timedelta(days=21)).isoformat())
    add.get_by_label("4P").select_option(label="Pursue")
    with advisor.expect_navigation():
        add.get_by_role("button", name="Add the action").click()
    expect(advisor.get_by_role("status")).to_have_text("Action added.")
    actions = advisor.get_by_role("region", name="Actions", exact=True)
    row = actions.locator("tbody tr").filter(has=advisor.get_by_role("link", name=title))
    expect(row).to_contain_text(f"Tactic: {world.recommended.name}")
    expect(row).to_contain_text("Proposed")
    expect(row).to_contain_text("Pursue")
    expect(actions.locator("tbody tr").filter(has_text=world.housing_action_title)).to_contain_text(
        "London Borough of Ashvale Housing"
    )


def test_a_partner_sees_the_action_given_to_them_but_not_the_plan_behind_it(
    sign_in: SignIn, world: PlanWorld, problems: list[str]
) -> None:
    partner = watch(sign_in(UserRole.PARTNER_OFFICER), problems)
    expect(
        partner.get_by_role("navigation", name="Main").get_by_role("link", name="Disruption plans")
    ).to_have_count(0)
    nav(partner, "Actions")
    row = partner.locator("tbody tr").filter(has=partner.get_by_role("link", name=world.housing_action_title))
    expect(row).to_contain_text("Gareth Lewis")
    expect(row).not_to_contain_text("Plan:")
    expect(row.locator('a[href^="/plans/"]')).to_have_count(0)
    with partner.expect_navigation():
        row.get_by_role("link", name=world.housing_action_title).click()
    expect(partner.get_by_role("heading", level=1)).to_have_text(world.housing_action_title)
    about = partner.get_by_role("region", name="The action", exact=True)
    expect(field(about, "Tactic")).to_contain_text("HMO licensing, housing standards and overcrowding")
    expect(about).not_to_contain_text("Disruption plan")
    assert world.plan_title not in partner.content()
    assert world.group_name not in partner.content()
    for path in (f"/plans/{world.plan_id}", f"/groups/{world.group_id}/plan"):
        answer = partner.goto(path)
        assert answer is not None
        assert answer.status == 403, path
        expect(partner.get_by_role("heading", level=1)).to_have_text("You may not do this")
        expect(partner.locator("main")).to_contain_text("the plan.view action needs one of the roles")
        assert world.plan_title not in partner.content()


def test_a_partner_records_an_outcome_of_their_action_and_the_dashboard_charts_it(
    sign_in: SignIn, world: PlanWorld, problems: list[str]
) -> None:
    partner = watch(sign_in(UserRole.PARTNER_OFFICER), problems)
    partner.goto(f"/actions/{world.housing_action_id}")
    partner.get_by_role("link", name="Record an outcome of this action").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Record an outcome")
    expect(partner.get_by_label("Action number")).to_have_value(str(world.housing_action_id))
    partner.get_by_label("Kind of outcome").select_option(label="Premises closure")
    partner.get_by_label("Quantity").fill("1")
    partner.get_by_label("Unit").fill("premises")
    partner.get_by_label("Cost to the partnership (£)").fill("1850")
    partner.get_by_label("Notes").fill("Flats above the nail bar closed as unfit")
    with partner.expect_navigation():
        partner.get_by_role("button", name="Record the outcome").click()
    expect(partner.get_by_role("status")).to_have_text("Outcome recorded.")
    expect(partner.get_by_role("heading", level=1)).to_have_text(f"Premises closure on {day(world.today)}")
    expect(partner.locator("main")).to_contain_text("£1,850")

    nav(partner, "Performance")
    expect(partner.get_by_role("heading", level=1)).to_have_text("Performance: outcomes and actions")
    form = partner.get_by_role("form", name="Choose the period and focus")
    form.get_by_label("From").fill(world.today.isoformat())
    form.get_by_label("Agency").select_option(label=world.agencies["LBA-HOUSING"])
    with partner.expect_navigation():
        form.get_by_role("button", name="Show").click()
    by_kind = partner.get_by_role("region", name="By kind of outcome", exact=True)
    chart = by_kind.get_by_role("img", name=re.compile("^Outcomes by kind"))
    expect(chart).to_be_visible()
    assert chart.evaluate("node => node.tagName.toLowerCase()") == "svg"
    expect(chart.locator("title").first).to_have_text("Outcomes by kind")
    expect(chart).to_contain_text("Premises closure")
    closure = (
        by_kind.get_by_role("table", name="Outcomes by kind")
        .locator("tr")
        .filter(has=partner.get_by_role("rowheader", name="Premises closure"))
    )
    expect(closure.locator("td")).to_have_text(["1", "1", "£0", "£1,850"])
    expect(
        partner.get_by_role("region", name="Outcomes by month and grade", exact=True).get_by_role("img")
    ).to_be_visible()
    costs = partner.locator("dl.counts div").filter(has_text="Costs").locator("dd")
    expect(costs).to_have_text("£1,850")


#: The links issue 7 added to the navigation (crimelink/api/navigation.py).
PLAN_LINKS = {
    "Tactics",
    "Disruption plans",
    "Actions",
    "Partnership plan",
    "Meetings",
    "Requests for assistance",
    "Contacts",
    "Outcomes",
    "Performance",
    "Reminders",
}


@pytest.mark.parametrize(
    "role",
    [r for r in UserRole if r is not UserRole.AUDITOR],
    ids=lambda role: role.value.lower(),
)
def test_every_plan_link_in_a_roles_navigation_opens_its_page(sign_in: SignIn, role: UserRole) -> None:
    """A link the navigation offers leads to a page the role may use (never to "You may not do this")."""
    page = sign_in(role)
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    offered = {
        label: href
        for label, href in zip(
            links.all_inner_texts(),
            links.evaluate_all("(links) => links.map((link) => link.getAttribute('href'))"),
            strict=True,
        )
        if label in PLAN_LINKS
    }
    assert offered, "every role but the auditor has some part in the plan"
    for label, href in offered.items():
        answer = page.request.get(href)
        assert answer.status == 200, (label, href, answer.status)
        assert "<h1>" in answer.text()
