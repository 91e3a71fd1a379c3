"""/api/reports: the SOC local profile and the strategic group pack, as HTML or PDF files.

Building needs ``report.build`` (every reader; ``read`` scope). The copy holds only what the caller may
see (``docs/reports.md``), carries its protective marking on every page, and every build is audited. The
HTML is a standalone document (stylesheet inline, no external resources); both are sent as attachments.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from crimelink.access import Action
from crimelink.api.deps import CurrentActor, SessionDep, SettingsDep
from crimelink.api.schemas.reports import ReportFormatPublic, ReportKindPublic, ReportListPublic
from crimelink.reports.pack import KIND as PACK_KIND
from crimelink.reports.pack import TITLE as PACK_TITLE
from crimelink.reports.pack import build_pack
from crimelink.reports.profile import KIND as PROFILE_KIND
from crimelink.reports.profile import TITLE as PROFILE_TITLE
from crimelink.reports.profile import build_profile
from crimelink.reports.render import RenderedReport
from crimelink.services.callers import authorise

router = APIRouter(tags=["reports"])

MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
PROFILE_DESCRIPTION = (
    "Threats by area (MoRiLE-style, local approximations), vulnerabilities and exploited people (counts "
    "only), organised crime groups, community impact, data from each partner, intelligence gaps, "
    "recommendations and the linked 4P plan, with charts and a map of hotspots."
)
PACK_DESCRIPTION = (
    "Plan status, overdue actions, outcomes since the last meeting held, new and changed groups, "
    "unresolved deconfliction conflicts and safeguarding figures, for the partnership board."
)
PERIOD_HELP = "the last N months to today (12m, the default) or two dates (2026-01-01..2026-06-30)"
FormatQuery = Annotated[Literal["html", "pdf"], Query(description="html (standalone document) or pdf")]


def report_response(report: RenderedReport, fmt: Literal["html", "pdf"]) -> Response:
    """The built copy as a file to save, named for its kind, day and reader, with its marking in a header."""
    return Response(
        report.content(fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={
            "content-disposition": f'attachment; filename="{report.filename_stem}.{fmt}"',
            "x-protective-marking": report.marking.value,
        },
    )


def report_kinds() -> list[ReportKindPublic]:
    return [
        ReportKindPublic(
            kind=PROFILE_KIND,
            title=PROFILE_TITLE,
            description=PROFILE_DESCRIPTION,
            formats=[
                ReportFormatPublic(format=f, media_type=m, url=f"/api/reports/profile?format={f}")
                for f, m in MEDIA_TYPES.items()
            ],
            parameters={"period": PERIOD_HELP},
        ),
        ReportKindPublic(
            kind=PACK_KIND,
            title=PACK_TITLE,
            description=PACK_DESCRIPTION,
            formats=[
                ReportFormatPublic(format=f, media_type=m, url=f"/api/reports/pack?format={f}")
                for f, m in MEDIA_TYPES.items()
            ],
            parameters={},
        ),
    ]


@router.get("/reports", response_model=ReportListPublic)
def list_reports(actor: CurrentActor) -> ReportListPublic:
    """The reports you may build (``report.build``)."""
    authorise(actor, Action.REPORT_BUILD)
    return ReportListPublic(reports=report_kinds())


@router.get(
    "/reports/profile",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "text/html": {}}, "description": "The profile"}},
)
def profile_report(
    actor: CurrentActor,
    db: SessionDep,
    settings: SettingsDep,
    format: FormatQuery = "pdf",
    period: Annotated[str, Query(max_length=40, description=PERIOD_HELP)] = "12m",
) -> Response:
    """Your copy of the SOC local profile. Audited."""
    report = build_profile(db, actor, settings, period=period, formats=(format,))
    db.commit()
    return report_response(report, format)


@router.get(
    "/reports/pack",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "text/html": {}}, "description": "The pack"}},
)
def pack_report(
    actor: CurrentActor,
    db: SessionDep,
    format: FormatQuery = "pdf",
) -> Response:
    """Your copy of the strategic group pack. Audited."""
    report = build_pack(db, actor, formats=(format,))
    db.commit()
    return report_response(report, format)
