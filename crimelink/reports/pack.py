"""The strategic group pack as HTML and PDF: one reader's copy, for the partnership board.

:func:`build_pack` gathers the copy's content (:func:`crimelink.services.group_pack.gather_pack`, which
holds only what the reader may see), renders ``pack.html`` and, when asked, the PDF, with the protective
marking at the top and bottom of the HTML and on every page of the PDF. Every build is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.domain import DisruptionImpact
from crimelink.reports.charts import horizontal_bars
from crimelink.reports.profile import COLOURS, STATUS_WORDS
from crimelink.reports.render import FORMATS, RenderedReport, ReportFormat, StepLog, html_to_pdf, render_html
from crimelink.services.callers import record_event
from crimelink.services.group_pack import GroupPack, gather_pack
from crimelink.services.local_profile_threats import threat_label
from crimelink.services.outcome_dashboard import GRADE_ORDER
from crimelink.services.report_counts import AGE_BANDS

KIND = "strategic-group-pack"
TITLE = "Strategic group pack"


def pack_context(pack: GroupPack) -> dict[str, Any]:
    """What ``pack.html`` is rendered with."""
    kinds = horizontal_bars(
        "Outcomes since the last meeting, by kind",
        [(k.label, float(k.outcomes)) for k in pack.outcomes.by_kind],
        description="Outcomes recorded by the partnership since the last meeting held.",
        left=250,
    )
    return {
        "title": TITLE,
        "marking": pack.marking.value,
        "k": pack,
        "kinds_chart": kinds,
        "colours": COLOURS,
        "grades": [g.value for g in GRADE_ORDER],
        "grade_words": {g.value: g.value.capitalize() for g in DisruptionImpact},
        "age_bands": [words for _, words in AGE_BANDS],
        "status_words": STATUS_WORDS,
        "threat_label": threat_label,
    }


def build_pack(
    session: Session,
    actor: Actor,
    *,
    formats: tuple[ReportFormat, ...] = FORMATS,
    now: datetime | None = None,
    steps: StepLog | None = None,
) -> RenderedReport:
    """``actor``'s copy of the strategic group pack as of ``now``, as HTML and, if asked, PDF. Audited."""
    log = steps or StepLog()
    built_at = now or datetime.now(UTC)
    pack = gather_pack(session, actor, now=built_at, on_step=log)
    log("Writing the HTML")
    context = pack_context(pack)
    html = render_html("pack.html", context)
    linked = render_html("pack.html", context, linked=True)
    pdf = None
    if "pdf" in formats:
        log("Typesetting the PDF")
        pdf = html_to_pdf(html)
    done = tuple(log.finish())
    record_event(
        session,
        actor,
        action="build",
        resource_type="strategic_group_pack",
        details={
            "since": pack.since.isoformat(),
            "formats": list(formats),
            "marking": pack.marking.value,
            "overdue_actions": len(pack.overdue),
            "conflicts": pack.conflicts.total,
            "steps": [{"step": s.text, "seconds": s.seconds} for s in done],
        },
    )
    return RenderedReport(
        kind=KIND,
        title=TITLE,
        marking=pack.marking,
        built_at=built_at,
        built_for=actor.username,
        html=html,
        html_linked=linked,
        pdf=pdf,
        steps=done,
    )
