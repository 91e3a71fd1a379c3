"""The strategic group pack on the small demo borough: true figures, each reader's copy, and the PDF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from reports_world import DemoWorld, actor, demo_world, pdf_pages, plain, squeeze
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.deconflict.windows import as_utc
from crimelink.domain import MeetingStatus
from crimelink.domain.deconfliction import ConflictStatus
from crimelink.reports.pack import build_pack
from crimelink.reports.render import RenderedReport
from crimelink.services.plan_actions import list_actions
from crimelink.store.models import (
    DisruptionPlan,
    Meeting,
    Operation,
    OperationConflict,
    OrganisedCrimeGroup,
    Outcome,
)

SECTIONS = (
    "1. Plan status",
    "2. Overdue actions",
    "3. Outcomes since the last meeting",
    "4. New and changed groups",
    "5. Unresolved deconfliction conflicts",
    "6. Safeguarding figures",
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> DemoWorld:
    return demo_world(tmp_path_factory.mktemp("reports-demo"), sqlite_template)


@pytest.fixture
def session(world: DemoWorld) -> Iterator[Session]:
    with Session(world.engine) as session:
        yield session
        session.rollback()


def _build(world: DemoWorld, username: str) -> RenderedReport:
    with Session(world.engine) as session:
        report = build_pack(session, actor(session, username))
        session.commit()
    return report


@pytest.fixture(scope="module")
def copies(world: DemoWorld) -> dict[str, RenderedReport]:
    return {name: _build(world, name) for name in ("coordinator.demo", "partner.demo", "deconfliction.demo")}


def test_every_section_is_in_the_html_and_on_pages_each_marked(
    copies: dict[str, RenderedReport], tmp_path: Path
) -> None:
    report = copies["coordinator.demo"]
    assert report.pdf is not None
    pages = pdf_pages(report.pdf, tmp_path)
    text, pdf_text = plain(report.html), squeeze(" ".join(pages))
    for heading in SECTIONS:
        assert heading in text
        assert heading in pdf_text
    for number, page in enumerate(pages, start=1):
        assert page.count(report.marking.value) >= 2, f"page {number} lacks the marking top and bottom"
        assert f"Page {number} of {len(pages)}" in page


def test_overdue_actions_are_those_the_plan_service_finds_for_the_reader(
    copies: dict[str, RenderedReport], session: Session
) -> None:
    for username in ("coordinator.demo", "partner.demo"):
        overdue = list_actions(
            session, actor(session, username), today=copies[username].built_at.date(), overdue_only=True
        )
        html = copies[username].html
        count = len(overdue)
        assert f"{count} overdue action{'s' if count != 1 else ''}, most overdue first" in html
        for action in overdue:
            assert str(action.title) in plain(html) or action.title in html
    assert len(
        list_actions(
            session,
            actor(session, "partner.demo"),
            today=copies["partner.demo"].built_at.date(),
            overdue_only=True,
        )
    ) < len(
        list_actions(
            session,
            actor(session, "coordinator.demo"),
            today=copies["coordinator.demo"].built_at.date(),
            overdue_only=True,
        )
    )


def test_outcomes_are_counted_from_the_last_meeting_held(
    copies: dict[str, RenderedReport], session: Session
) -> None:
    report = copies["coordinator.demo"]
    held = [
        m
        for m in session.scalars(select(Meeting).where(Meeting.status == MeetingStatus.HELD))
        if as_utc(m.held_at) <= report.built_at
    ]
    last = max(held, key=lambda m: as_utc(m.held_at))
    since = as_utc(last.held_at).date()
    outcomes = [
        o for o in session.scalars(select(Outcome)) if since <= o.occurred_on <= report.built_at.date()
    ]
    assert outcomes
    n = len(outcomes)
    assert f"{n} outcome{'s' if n != 1 else ''} from {since.strftime('%d %b %Y')}" in plain(report.html)
    assert last.title in plain(report.html)


def test_a_partners_pack_counts_groups_and_conflicts_but_names_no_group_or_plan(
    copies: dict[str, RenderedReport], session: Session, tmp_path: Path
) -> None:
    partner, coordinator = copies["partner.demo"], copies["coordinator.demo"]
    assert partner.pdf is not None
    partner_text = plain(partner.html) + " " + squeeze(" ".join(pdf_pages(partner.pdf, tmp_path)))
    groups = list(session.scalars(select(OrganisedCrimeGroup.name)))
    plans = list(session.scalars(select(DisruptionPlan.title)))
    for secret in (*groups, *plans):
        assert secret not in partner_text, secret
    for name in groups:
        assert name in plain(coordinator.html)
    last = max(
        (m for m in session.scalars(select(Meeting).where(Meeting.status == MeetingStatus.HELD))),
        key=lambda m: as_utc(m.held_at),
    )
    since = as_utc(last.held_at)
    rows = list(session.scalars(select(OrganisedCrimeGroup)))
    expected_new = sum(1 for g in rows if as_utc(g.created_at) > since)
    expected_changed = sum(1 for g in rows if as_utc(g.created_at) <= since < as_utc(g.updated_at))
    for report in (partner, coordinator):
        found = re.search(r"(\d+) new and (\d+) changed organised crime group", plain(report.html))
        assert found
        assert (int(found.group(1)), int(found.group(2))) == (expected_new, expected_changed)
    assert "Groups are named only to those who may read organised crime groups" in plain(partner.html)


def test_conflicts_are_counted_for_all_and_listed_only_for_the_desk(
    copies: dict[str, RenderedReport], session: Session
) -> None:
    open_conflicts = list(
        session.scalars(select(OperationConflict).where(OperationConflict.status == ConflictStatus.OPEN))
    )
    assert open_conflicts
    n = len(open_conflicts)
    for report in copies.values():
        assert f"{n} open conflict{'s' if n != 1 else ''}" in plain(report.html)
    assert "Open conflicts one by one (for the deconfliction desk)" in copies["deconfliction.demo"].html
    for username in ("coordinator.demo", "partner.demo"):
        assert "one by one" not in copies[username].html
        assert "The deconfliction desk holds the details of each conflict." in plain(copies[username].html)
    ids = {c.operation_id for c in open_conflicts} | {c.other_operation_id for c in open_conflicts}
    names = list(session.scalars(select(Operation.name).where(Operation.id.in_([i for i in ids if i]))))
    assert names
    for report in copies.values():
        assert [name for name in names if name in plain(report.html)] == []
