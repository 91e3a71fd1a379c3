"""The SOC local profile as HTML and PDF: one reader's copy, built through the access policy.

:func:`build_profile` gathers the copy's content (:func:`crimelink.services.local_profile.gather_profile`,
which holds only what the reader may see), draws its charts (the web pages' SVG geometry,
:mod:`crimelink.reports.charts`) and its map of hotspots (:mod:`crimelink.reports.profile_map`), renders the
template ``profile.html`` and, when asked, the PDF. The marking printed at the top and bottom of the HTML
and on every page of the PDF is the highest classification of what the copy was counted from. Every build
is audited with its period, formats, marking and how long each step took.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.domain import DisruptionImpact, FourP, OutcomeKind
from crimelink.planning.grading import OUTCOME_KIND_LABELS
from crimelink.reports.charts import horizontal_bars, stacked_bars
from crimelink.reports.profile_map import draw_map
from crimelink.reports.render import (
    FORMATS,
    RenderedReport,
    ReportFormat,
    StepLog,
    html_to_pdf,
    render_html,
)
from crimelink.services.callers import record_event
from crimelink.services.local_profile import LocalProfile, gather_profile, parse_period
from crimelink.services.local_profile_threats import short_basis, threat_label
from crimelink.services.map_outline import map_outline
from crimelink.services.outcome_dashboard import GRADE_ORDER
from crimelink.settings import Settings

KIND = "soc-local-profile"
TITLE = "Serious and Organised Crime local profile"
#: Threat areas whose MoRiLE-style inputs the profile sets out one by one (highest risk first).
THREATS_DETAILED = 6
#: Fill colours of chart series (SVG presentation attributes: the browser's CSP allows no inline style).
COLOURS = {
    "graded": "#1d70b8",
    "ungraded": "#b1b4b6",
    DisruptionImpact.MAJOR.value: "#912b88",
    DisruptionImpact.MODERATE.value: "#d4351c",
    DisruptionImpact.MINOR.value: "#f47738",
    DisruptionImpact.NONE.value: "#b1b4b6",
    "bar": "#1d70b8",
}
STATUS_WORDS = {
    "raised": "Raised",
    "acknowledged": "Acknowledged",
    "referred": "Referred",
    "no_further_action": "No further action",
    "closed": "Closed",
}


def area_name(settings: Settings) -> str:
    """The area the outline names as its borough (or its first feature), else "the partnership area"."""
    outline = map_outline(settings)
    if not outline:
        return "the partnership area"
    features = outline["features"]
    borough = next((f for f in features if f["properties"]["kind"] == "borough"), features[0])
    return str(borough["properties"]["name"])


def _charts(profile: LocalProfile) -> dict[str, Any]:
    labels = [m.strftime("%b %y") for m in profile.trends.months]
    intelligence = stacked_bars(
        "Intelligence reports by month",
        labels,
        [("graded", "Graded 3x5x2"), ("ungraded", "Legacy grade or none")],
        {
            m.strftime("%b %y"): {k: float(v) for k, v in profile.trends.intelligence[m].items()}
            for m in profile.trends.months
        },
        description="Intelligence reports you may see, by the month they are dated, graded or not.",
        height=220,
    )
    outcomes = stacked_bars(
        "Outcomes by month",
        [f.month.strftime("%b %y") for f in profile.trends.outcomes.months],
        [(g.value, g.value.capitalize()) for g in reversed(GRADE_ORDER)],
        {
            f.month.strftime("%b %y"): {g.value: float(n) for g, n in f.by_grade.items()}
            for f in profile.trends.outcomes.months
        },
        description="Outcomes recorded by the partnership, by month and disruption grade.",
        height=220,
    )
    tagged = [
        (t.label, float(t.records)) for t in sorted(profile.threats, key=lambda t: -t.records) if t.records
    ]
    threats = horizontal_bars(
        "Records by threat area",
        tagged[:14],
        description="Records you may see dated in the period, by the threat areas they are tagged with.",
        left=250,
    )
    scored = [(t.label, t.risk) for t in profile.threats if t.score is not None][:14]
    risks = horizontal_bars(
        "MoRiLE-style risk by threat area (local approximation)",
        scored,
        description="Harm x likelihood x organisational position, for each threat area as a whole.",
        shown=lambda v: f"{v:g}",
        left=250,
    )
    return {"intelligence": intelligence, "outcomes": outcomes, "threats": threats, "risks": risks}


def profile_context(profile: LocalProfile, settings: Settings) -> dict[str, Any]:
    """What ``profile.html`` is rendered with."""
    detailed = [t for t in profile.threats if t.score is not None][:THREATS_DETAILED]
    return {
        "title": TITLE,
        "marking": profile.marking.value,
        "p": profile,
        "charts": _charts(profile),
        "map": draw_map(map_outline(settings), profile.cells),
        "colours": COLOURS,
        "detailed": detailed,
        "short_basis": short_basis,
        "threat_label": threat_label,
        "status_words": STATUS_WORDS,
        "outcome_labels": {k.value: v for k, v in OUTCOME_KIND_LABELS.items()},
        "outcome_kinds": OutcomeKind,
        "four_ps": list(FourP),
    }


def build_profile(
    session: Session,
    actor: Actor,
    settings: Settings,
    *,
    period: str | None = None,
    formats: tuple[ReportFormat, ...] = FORMATS,
    today: date | None = None,
    now: datetime | None = None,
    steps: StepLog | None = None,
) -> RenderedReport:
    """``actor``'s copy of the profile for ``period`` (``12m`` by default: see
    :func:`~crimelink.services.local_profile.parse_period`), as HTML and, if asked, PDF. Audited.

    Example: ``build_profile(session, partner, settings, period="6m").pdf`` is the partner's PDF.
    """
    log = steps or StepLog()
    built_at = now or datetime.now(UTC)
    day = today or built_at.date()
    since, until = parse_period(period, today=day)
    profile = gather_profile(
        session,
        actor,
        since=since,
        until=until,
        today=day,
        built_at=built_at,
        area=area_name(settings),
        on_step=log,
    )
    log("Drawing charts and the map of hotspots")
    context = profile_context(profile, settings)
    log("Writing the HTML")
    html = render_html("profile.html", context)
    linked = render_html("profile.html", context, linked=True)
    pdf = None
    if "pdf" in formats:
        log("Typesetting the PDF")
        pdf = html_to_pdf(html)
    done = tuple(log.finish())
    record_event(
        session,
        actor,
        action="build",
        resource_type="soc_local_profile",
        details={
            "since": since.isoformat(),
            "until": until.isoformat(),
            "formats": list(formats),
            "marking": profile.marking.value,
            "records_counted": profile.records.visible_records,
            "threat_areas": len(profile.threats),
            "groups_named": len(profile.groups.groups) if profile.groups.groups is not None else 0,
            "steps": [{"step": s.text, "seconds": s.seconds} for s in done],
        },
    )
    return RenderedReport(
        kind=KIND,
        title=TITLE,
        marking=profile.marking,
        built_at=built_at,
        built_for=actor.username,
        html=html,
        html_linked=linked,
        pdf=pdf,
        steps=done,
    )
