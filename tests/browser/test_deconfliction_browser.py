"""Operations, their maps and the desk's board in a real browser, on the demo borough (see conftest.py).

The maps must work with no internet: every request the page makes to a host other than the test server
is refused and fails the test, and so does any console error (a refusal by the Content-Security-Policy
is one) or script error. A partner officer registers an operation through the form, placing it on the
map and picking its radius, and is told only to hold when it meets a covert police operation; the desk
opens the conflict from its board and resolves it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, Route, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import Purpose, UserRole
from crimelink.services.auth import actor_for_user
from crimelink.services.deconfliction import (
    LocationInput,
    OperationInput,
    TargetInput,
    register_operation,
)
from crimelink.services.demo_users import DEMO_USERS
from crimelink.store.models import User

if TYPE_CHECKING:  # only for annotations: test modules do not import conftest at run time
    from conftest import DemoSite, SignIn

pytestmark = pytest.mark.browser

USERNAMES = {demo.role: demo.username for demo in DEMO_USERS}
#: Where the covert operation is (a corner of the borough, away from where the partner clicks).
COVERT_POINT = (51.5215, 0.0025)


@dataclass
class Watch:
    """What a page did that it must not: ask another host, break the policy, log an error."""

    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.foreign_requests == []
        assert self.console_errors == []


def watch(page: Page) -> Watch:
    """Refuse (and record) every request to a host other than the test server; record console errors."""
    seen = Watch()
    local = urlsplit(page.url).netloc

    def route(request_route: Route) -> None:
        url = request_route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or parts.netloc == local:
            request_route.continue_()
        else:
            seen.foreign_requests.append(url)
            request_route.abort()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.console_errors.append(message.text)

    page.route("**/*", route)
    page.on("console", console)
    page.on("pageerror", lambda error: seen.console_errors.append(str(error)))
    return seen


def covert_operation(site: DemoSite, *, name: str, phone: str, starts: datetime) -> int:
    """A covert police surveillance targeting ``phone``, registered as the police advisor does."""
    with Session(site.engine) as session:
        user = session.scalars(
            select(User).where(User.username == USERNAMES[UserRole.ORGANISED_CRIME_ADVISOR])
        ).one()
        advisor = actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)
        result = register_operation(
            session,
            advisor,
            OperationInput(
                name=name,
                officer="DS Corvin Vale",
                contact_24h="07700 900818",
                operation_type="SURVEILLANCE",
                visibility="COVERT",
                classification="OFFICIAL-SENSITIVE",
                starts_at=starts - timedelta(hours=2),
                ends_at=starts + timedelta(days=2),
                locations=[
                    LocationInput(
                        address="Flat 9, 3 Heron Wharf",
                        postcode="E16 9ZZ",
                        latitude=COVERT_POINT[0],
                        longitude=COVERT_POINT[1],
                        radius_m=100,
                    )
                ],
                targets=[TargetInput("PHONE", phone)],
            ),
        )
        session.commit()
        return result.operation.id


@pytest.fixture
def tomorrow() -> datetime:
    return (datetime.now(UTC) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)


def test_the_map_draws_the_borough_outline_with_no_network(sign_in: SignIn) -> None:
    partner = sign_in(UserRole.PARTNER_OFFICER)
    seen = watch(partner)
    partner.get_by_role("navigation", name="Main").get_by_role("link", name="Operations").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Operations")
    partner.get_by_role("link", name="Map of current operations").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Map of current operations")
    borough = partner.locator("#op-map svg path.outline-borough")
    expect(borough).to_have_count(1)
    expect(partner.locator("#op-map svg path.outline-ward")).to_have_count(10)
    assert borough.get_attribute("data-name") == "London Borough of Ashvale"
    # The script fits the outline to the map once it has drawn it, then says what it shows: measure after.
    expect(partner.locator("#op-map-status")).to_contain_text(
        re.compile(r"Showing \d+ operations?\.|No live operation")
    )
    box = borough.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 150
    expect(partner.get_by_role("figure")).to_contain_text(
        "No map tiles: this map needs no internet connection."
    )
    expect(partner.locator("#op-map-status")).to_contain_text(
        re.compile(r"Showing \d+ operations?\.|No live operation")
    )
    # Zooming in draws the same outline larger.
    partner.get_by_role("button", name="Zoom in").click()
    deadline = time.monotonic() + 5
    bigger = borough.bounding_box()
    while bigger is not None and bigger["width"] <= box["width"] * 1.5 and time.monotonic() < deadline:
        partner.wait_for_timeout(100)
        bigger = borough.bounding_box()
    assert bigger is not None
    assert bigger["width"] > box["width"] * 1.5
    seen.assert_clean()


def test_a_partner_registers_an_operation_on_the_map_and_is_told_to_hold(
    sign_in: SignIn, demo_site: DemoSite, tomorrow: datetime
) -> None:
    covert_operation(demo_site, name="Operation Kestrel Gate", phone="07700 900987", starts=tomorrow)
    partner = sign_in(UserRole.PARTNER_OFFICER)
    seen = watch(partner)
    partner.get_by_role("navigation", name="Main").get_by_role("link", name="Operations").click()
    partner.get_by_role("link", name="Register an operation").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Register an operation")
    expect(partner.locator("#op-map svg path.outline-borough")).to_have_count(1)

    partner.get_by_label("Operation name").fill("HMO inspection, Marsh Gate")
    partner.get_by_label("Type").select_option(label="Housing (HMO) inspection")
    partner.get_by_label("Officer in charge").fill("EHO Dana Frost")
    partner.get_by_label("24-hour contact").fill("Housing duty 020 8430 1111")
    partner.get_by_label("Starts").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    partner.locator("#ends_at").fill((tomorrow + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    partner.locator("#locations-0-address").fill("12 Marsh Gate Road")
    # Place it by clicking the map, and pick the radius with the slider.
    partner.locator("#op-map svg").click()
    expect(partner.locator("#locations-0-latitude")).to_have_value(re.compile(r"^51\.5[0-9]+$"))
    expect(partner.locator("#locations-0-longitude")).to_have_value(re.compile(r"^0\.0[0-9]+$"))
    partner.locator("#map-radius").fill("500")
    expect(partner.locator("#locations-0-radius_m")).to_have_value("500")
    expect(partner.locator("#op-map svg circle.op-circle.active-location")).to_have_count(1)
    expect(partner.locator("#op-map-status")).to_contain_text("Location 1 placed at 51.5")
    partner.locator("#targets-0-kind").select_option("PHONE")
    partner.locator("#targets-0-value").fill("07700900987")
    with partner.expect_navigation():
        partner.get_by_role("button", name="Register the operation").click()

    expect(partner.get_by_role("heading", level=1)).to_contain_text(
        re.compile(r"^Operation \d+: HMO inspection")
    )
    main = partner.locator("main")
    expect(main).to_contain_text("Operation registered.")
    expect(main).to_contain_text("1 of them a hold: contact the desk before you act")
    expect(main).to_contain_text("Hold: contact the police SOC desk.")
    expect(main).to_contain_text("Conflict pending")
    text = main.inner_text()
    for secret in (
        "Kestrel",
        "Corvin Vale",
        "07700 900818",
        "Heron Wharf",
        "E16 9ZZ",
        "51.5215",
        "Surveillance",
    ):
        assert secret not in text
    # Its own place is drawn on the operation's map.
    expect(partner.locator("#op-map svg circle.op-circle")).to_have_count(1)
    seen.assert_clean()


def test_the_desk_resolves_a_conflict_from_its_board(
    sign_in: SignIn, demo_site: DemoSite, tomorrow: datetime
) -> None:
    covert_operation(demo_site, name="Operation Merlin Yard", phone="07700 900654", starts=tomorrow)
    with Session(demo_site.engine) as session:
        user = session.scalars(select(User).where(User.username == USERNAMES[UserRole.PARTNER_OFFICER])).one()
        partner = actor_for_user(session, user, Purpose.CRIME_PREVENTION_DETECTION)
        register_operation(
            session,
            partner,
            OperationInput(
                name="Tenancy visit, Leyfield",
                officer="Housing officer Ray Quist",
                contact_24h="Housing duty 020 8430 1111",
                operation_type="HOUSING_HMO_INSPECTION",
                starts_at=tomorrow,
                ends_at=tomorrow + timedelta(hours=2),
                targets=[TargetInput("PHONE", "07700 900654")],
            ),
        )
        session.commit()
    desk = sign_in(UserRole.DECONFLICTION_DESK)
    seen = watch(desk)
    desk.get_by_role("navigation", name="Main").get_by_role("link", name="Deconfliction desk").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Deconfliction desk")
    red = desk.get_by_role("region", name="Red: the desk resolves these")
    row = red.locator("tr", has_text="Operation Merlin Yard").filter(has_text="Tenancy visit, Leyfield")
    row.get_by_role("link", name=re.compile(r"^Conflict \d+$")).click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Operation Merlin Yard")
    main = desk.locator("main")
    expect(main).to_contain_text("DS Corvin Vale")  # the desk sees both sides in full
    expect(main).to_contain_text("Housing officer Ray Quist")
    expect(main).to_contain_text("Hold: contact the police SOC desk.")  # and what the partner was told

    desk.get_by_role("button", name="Record the resolution").click()
    expect(desk.locator(".error-summary")).to_contain_text("What was agreed")
    # The refused form came back as 400 on purpose, which the browser logs: that error is the test's own.
    assert seen.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    seen.console_errors.clear()
    desk.get_by_label(re.compile(r"^Run jointly")).check()
    desk.get_by_label("Rationale").fill(
        "Housing to visit with the surveillance team's knowledge; joint briefing 08:00"
    )
    with desk.expect_navigation():
        desk.get_by_role("button", name="Record the resolution").click()
    expect(main).to_contain_text("Resolution recorded; both sides told.")
    expect(desk.get_by_role("region", name="Desk", exact=True)).to_contain_text("Run jointly")
    expect(desk.get_by_role("button", name="Record the resolution")).to_have_count(0)
    desk.get_by_role("link", name="Back to the board").click()
    closed = desk.get_by_role("region", name="Closed in the last week")
    expect(closed.locator("tr", has_text="Operation Merlin Yard")).to_contain_text("Run jointly")
    seen.assert_clean()
