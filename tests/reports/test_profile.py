"""The SOC local profile on the small demo borough: its sections, true figures, partners' copies and the PDF.

Each copy is built once for the module (the advisor's, the housing partner officer's and the GLAA
officer's) and read as a reader would: the HTML's text and each page of the PDF through poppler.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from markupsafe import escape
from reports_world import DemoWorld, actor, demo_world, pdf_pages, plain, squeeze
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimelink.access import load_access_context
from crimelink.domain import Purpose
from crimelink.errors import InvalidInputError, PermissionDeniedError
from crimelink.reports.profile import build_profile
from crimelink.reports.render import RenderedReport, html_to_pdf, render_html
from crimelink.services.entities import RecordVisibility, current_version
from crimelink.services.local_profile import parse_period
from crimelink.services.safeguarding import alert_inbox
from crimelink.store.models import (
    AuditEvent,
    Dataset,
    DisruptionPlan,
    OrganisedCrimeGroup,
    SafeguardingAlert,
    SourceRecord,
)

SECTIONS = (
    "1. Introduction and scope",
    "2. Threats by area",
    "3. Vulnerabilities and exploited people",
    "4. Organised crime groups",
    "5. Community impact",
    "6. Data from each partner",
    "7. Intelligence gaps",
    "8. Recommendations",
    "9. The linked 4P plan",
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
        report = build_profile(session, actor(session, username), world.settings)
        session.commit()
    return report


@pytest.fixture(scope="module")
def advisor_copy(world: DemoWorld) -> RenderedReport:
    return _build(world, "advisor.demo")


@pytest.fixture(scope="module")
def partner_copy(world: DemoWorld) -> RenderedReport:
    return _build(world, "partner.demo")


@pytest.fixture(scope="module")
def advisor_pages(advisor_copy: RenderedReport, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    assert advisor_copy.pdf is not None
    return pdf_pages(advisor_copy.pdf, tmp_path_factory.mktemp("advisor-pdf"))


@pytest.fixture(scope="module")
def partner_pages(partner_copy: RenderedReport, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    assert partner_copy.pdf is not None
    return pdf_pages(partner_copy.pdf, tmp_path_factory.mktemp("partner-pdf"))


def _figure(html: str, label: str) -> int:
    match = re.search(rf"<th scope=\"row\">{re.escape(label)}</th><td class=\"number\">([\d,]+)</td>", html)
    assert match, f"no figure {label!r} in the report"
    return int(match.group(1).replace(",", ""))


def _open_column(html: str) -> dict[str, int]:
    """The last column (open alerts) of the safeguarding table, by kind."""
    table = html.split("Safeguarding alerts by kind and status", 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>(?:<td class="number">\d+</td>)*?<td class="number">(\d+)</td></tr>',
        table,
    )
    return {kind: int(n) for kind, n in rows}


def test_every_section_of_the_guide_is_in_the_html_and_the_pdf(
    advisor_copy: RenderedReport, advisor_pages: list[str]
) -> None:
    text = plain(advisor_copy.html)
    pdf_text = squeeze(" ".join(advisor_pages))
    for heading in SECTIONS:
        assert heading in text
        assert heading in pdf_text
    assert "Map of hotspots" in text
    assert "<svg" in advisor_copy.html
    assert "local approximation, not national MoRiLE output" in text


def test_the_pdf_is_valid_and_carries_the_marking_on_every_page(
    advisor_copy: RenderedReport, advisor_pages: list[str]
) -> None:
    assert advisor_copy.pdf is not None
    assert advisor_copy.pdf.startswith(b"%PDF-")
    assert advisor_copy.marking.value == "OFFICIAL-SENSITIVE"
    assert len(advisor_pages) > 5
    for number, page in enumerate(advisor_pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2, f"page {number} lacks the marking top and bottom"
        assert f"Page {number} of {len(advisor_pages)}" in page


def test_the_html_carries_the_marking_at_the_top_and_the_bottom(advisor_copy: RenderedReport) -> None:
    body = advisor_copy.html.split("<body>", 1)[1]
    assert body.strip().startswith('<div class="marking marking-top"')
    assert (
        body.rstrip()
        .removesuffix("</html>")
        .rstrip()
        .removesuffix("</body>")
        .rstrip()
        .endswith("OFFICIAL-SENSITIVE</div>")
    )
    assert (
        "<title>Serious and Organised Crime local profile [OFFICIAL-SENSITIVE]</title>" in advisor_copy.html
    )
    assert 'href="/reports/report.css"' in advisor_copy.html_linked
    assert "<style>" not in advisor_copy.html_linked


def test_the_open_safeguarding_alerts_are_the_safeguarding_services_count(
    advisor_copy: RenderedReport, session: Session
) -> None:
    lead = actor(session, "safeguarding.demo", Purpose.SAFEGUARDING)
    open_alerts = alert_inbox(session, lead, status="open").total
    assert open_alerts > 0
    assert _figure(advisor_copy.html, "Open safeguarding alerts") == open_alerts
    total = session.scalar(select(func.count()).select_from(SafeguardingAlert))
    assert "Safeguarding alerts by kind and status (all alerts)" in advisor_copy.html
    assert sum(_open_column(advisor_copy.html).values()) == open_alerts <= (total or 0)


def test_a_partners_records_are_counted_only_where_the_partner_may_see_them(
    partner_copy: RenderedReport, advisor_copy: RenderedReport, session: Session
) -> None:
    partner = actor(session, "partner.demo")
    visible = RecordVisibility(partner, load_access_context(session))
    seen: Counter[str] = Counter()
    for record in session.scalars(select(SourceRecord).where(current_version())):
        if visible(record):
            seen[record.dataset.title] += 1
    html = partner_copy.html
    assert _figure(html, "Records counted (all dates)") == sum(seen.values())
    for title, count in seen.items():
        cell = re.escape(str(escape(title)))
        assert re.search(rf"<td>{cell}</td><td>[^<]*</td><td class=\"number\">{count:,}</td>", html), title
    hidden = {d.title for d in session.scalars(select(Dataset))} - set(seen)
    assert "GLAA labour inspections (one row per worker spoken to)" in hidden
    for title in hidden:
        assert title not in html, f"the partner's copy counts {title}, which is not shared with housing"
        assert title not in squeeze(plain(partner_copy.html))
    assert "GLAA labour inspections" in advisor_copy.html


def test_a_partners_copy_names_no_group_and_no_plan_the_advisors_copy_names(
    partner_copy: RenderedReport,
    advisor_copy: RenderedReport,
    partner_pages: list[str],
    advisor_pages: list[str],
    session: Session,
) -> None:
    names = list(session.scalars(select(OrganisedCrimeGroup.name)))
    plans = list(session.scalars(select(DisruptionPlan.title)))
    assert names
    assert plans
    partner_pdf, advisor_pdf = squeeze(" ".join(partner_pages)), squeeze(" ".join(advisor_pages))
    for secret in (*names, *plans):
        assert secret not in plain(partner_copy.html), secret
        assert squeeze(secret) not in partner_pdf, secret
    for name in names:
        assert name in plain(advisor_copy.html)
        assert squeeze(name) in advisor_pdf
    assert "organised crime groups are counted, not named" in plain(partner_copy.html)


def test_no_child_or_adult_at_risk_is_named_in_any_copy(
    advisor_copy: RenderedReport, partner_copy: RenderedReport, session: Session
) -> None:
    names = set()
    for dataset in ("children-known", "vulnerable-adults"):
        for record in session.scalars(
            select(SourceRecord)
            .join(Dataset, Dataset.id == SourceRecord.dataset_id)
            .where(Dataset.code == dataset)
        ):
            for party in record.normalised.values():
                if isinstance(party, dict) and party.get("given_name") and party.get("family_name"):
                    names.add(f"{party['given_name']} {party['family_name']}")
    assert len(names) > 100
    for copy in (advisor_copy, partner_copy):
        text = plain(copy.html).upper()
        assert [n for n in names if n in text] == []


def test_threat_areas_show_their_inputs_and_those_in_local_scope_with_no_intelligence_are_gaps(
    advisor_copy: RenderedReport,
) -> None:
    text = plain(advisor_copy.html)
    for label in ("Recency", "Evidence reliability", "Victim vulnerability", "Organisational capacity"):
        assert label in text
    assert "analyst-supplied" in text or "not assessed" in text
    assert "Threat areas in local scope with no graded intelligence in the period" in text


def test_a_build_is_audited_with_its_reader_and_marking(
    world: DemoWorld, advisor_copy: RenderedReport
) -> None:
    with Session(world.engine) as session:
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.resource_type == "soc_local_profile", AuditEvent.actor == "advisor.demo"
            )
        ).all()
    assert events
    assert events[-1].details["marking"] == "OFFICIAL-SENSITIVE"
    assert [s["step"] for s in events[-1].details["steps"]][-1] == "Typesetting the PDF"


def test_who_may_not_build_is_refused_and_bad_periods_are_named(session: Session, world: DemoWorld) -> None:
    with pytest.raises(PermissionDeniedError, match=r"report\.build"):
        build_profile(session, actor(session, "auditor.demo"), world.settings, formats=("html",))
    day = date(2026, 11, 29)
    with pytest.raises(InvalidInputError) as bad:
        parse_period("a year", today=day)
    assert bad.value.field == "period"
    with pytest.raises(InvalidInputError, match="starts after it ends"):
        parse_period("2026-06-01..2026-01-01", today=day)
    with pytest.raises(InvalidInputError, match="between 1 and 60 months"):
        parse_period("61m", today=day)
    assert parse_period("6m", today=day) == (date(2026, 5, 30), day)


def test_a_report_never_fetches_anything_from_outside_itself() -> None:
    with pytest.raises(RuntimeError, match=r"http://example\.com/logo\.png"):
        html_to_pdf('<html><body><img src="http://example.com/logo.png"></body></html>')
    assert render_html("_base.html", {"title": "t", "marking": "OFFICIAL"}).count("<style>") == 1


def test_a_record_screening_tagged_counts_under_its_threat(session: Session, world: DemoWorld) -> None:
    """The profile counts records by threat as the network does: the agency's tags and screening's."""
    from sqlalchemy import delete

    from crimelink.services.local_profile_records import record_figures
    from crimelink.store.models import RecordScreening

    advisor = actor(session, "advisor.demo")
    since, until, today = date(2000, 1, 1), date(2100, 1, 1), date(2100, 1, 1)
    tagged = [
        (record_id, threats)
        for record_id, threats in session.execute(select(RecordScreening.record_id, RecordScreening.threats))
        if threats
    ]
    assert tagged, "the demo's scan kept screening tags (the begging house's tenancy cases, among others)"
    with_screening = record_figures(session, advisor, since=since, until=until, today=today).threat_records
    session.execute(delete(RecordScreening))
    agency_only = record_figures(session, advisor, since=since, until=until, today=today).threat_records
    threats = {threat for _, found in tagged for threat in found}
    assert any(with_screening[threat] > agency_only[threat] for threat in threats)
    assert all(with_screening[threat] >= agency_only[threat] for threat in with_screening)
