"""Rendering reports: Jinja templates to HTML, and HTML to PDF through WeasyPrint, with no network.

A report is rendered once into a standalone HTML document with its stylesheet inline (for files, and for
the PDF) and once with the stylesheet linked from the application (for the browser, whose
Content-Security-Policy refuses inline styles). Both print the protective marking at the top and the bottom;
the PDF prints it in the top and bottom margin of **every page** (CSS ``@page`` margin boxes), with the page
number. Charts and maps are inline SVG drawn by Crimelink; fonts are the system's. Nothing is fetched while
rendering: :class:`OfflineFetcher` refuses every URL WeasyPrint asks for, and says which, so a template that
slipped an external image or font in would fail its tests rather than reach out at run time.

Build steps are timed by a :class:`StepLog`, which a command's progress bar or a page's log listens to.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2

from crimelink.domain import Classification

__all__ = [
    "STYLESHEET",
    "TEMPLATES_DIR",
    "BuildStep",
    "OfflineFetcher",
    "RenderedReport",
    "ReportFormat",
    "StepLog",
    "html_to_pdf",
    "render_html",
    "report_environment",
]

TEMPLATES_DIR = Path(__file__).parent / "templates"
STYLESHEET = TEMPLATES_DIR / "report.css"
#: Where the application serves the stylesheet (``crimelink.web.pages.reports``).
STYLESHEET_URL = "/reports/report.css"
ReportFormat = Literal["html", "pdf"]
FORMATS: tuple[ReportFormat, ...] = ("html", "pdf")

try:
    _LOCAL = ZoneInfo("Europe/London")
except ZoneInfoNotFoundError:  # no time zone database: print UTC
    _LOCAL = ZoneInfo("UTC")


@dataclass(frozen=True)
class BuildStep:
    """One step of a build and how long it took."""

    text: str
    seconds: float


@dataclass
class StepLog:
    """Times the steps of a build; ``listener`` hears each step's name as it starts."""

    listener: Callable[[str], None] | None = None
    steps: list[BuildStep] = field(default_factory=list)
    _current: str | None = None
    _began: float = 0.0

    def __call__(self, text: str) -> None:
        self._close()
        self._current, self._began = text, time.perf_counter()
        if self.listener is not None:
            self.listener(text)

    def _close(self) -> None:
        if self._current is not None:
            self.steps.append(BuildStep(self._current, round(time.perf_counter() - self._began, 3)))
            self._current = None

    def finish(self) -> list[BuildStep]:
        self._close()
        return list(self.steps)


@dataclass(frozen=True)
class RenderedReport:
    """One built copy of a report, for one reader: its HTML (both forms), its PDF, and how it was built."""

    kind: str
    title: str
    marking: Classification
    built_at: datetime
    built_for: str
    #: Standalone HTML with the stylesheet inline (the file a command writes, and what the PDF is made from).
    html: str
    #: The same HTML with the stylesheet linked from the application (what a browser is served).
    html_linked: str
    #: ``None`` when only HTML was asked for.
    pdf: bytes | None
    steps: tuple[BuildStep, ...]

    @property
    def filename_stem(self) -> str:
        """E.g. ``soc-local-profile-2026-11-29-analyst.demo``."""
        return f"{self.kind}-{self.built_at.strftime('%Y-%m-%d')}-{self.built_for}"

    def content(self, fmt: ReportFormat) -> bytes:
        if fmt == "pdf":
            if self.pdf is None:
                raise ValueError("this copy was built as HTML only")
            return self.pdf
        return self.html.encode("utf-8")


class OfflineFetcher:
    """WeasyPrint's URL fetcher, refusing everything: a report never reaches the network (or the disk)."""

    def __init__(self) -> None:
        self.refused: list[str] = []
        #: WeasyPrint asks fetchers whether a failed fetch should stop the rendering.
        self._fail_on_errors = False

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
        self.refused.append(url)
        raise ValueError(f"reports are rendered offline; refused to fetch {url}")

    def __call__(self, url: str) -> Any:
        return self.fetch(url)


def _when(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return moment.astimezone(_LOCAL).strftime("%d %b %Y %H:%M")
    return moment.strftime("%d %b %Y")


def _number(value: float | int | None, places: int = 0) -> str:
    if value is None:
        return ""
    return f"{value:,.{places}f}"


def _money(value: float | None) -> str:
    return "" if value is None else f"£{value:,.0f}"


def _words(code: object) -> str:
    text = str(getattr(code, "value", code))
    return text.replace("_", " ").lower().capitalize()


def report_environment() -> jinja2.Environment:
    """The templates of ``crimelink/reports/templates``, escaping everything."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(when=_when, number=_number, money=_money, words=_words)
    return env


_ENV: jinja2.Environment | None = None


def _environment() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = report_environment()
    return _ENV


def render_html(template: str, context: Mapping[str, Any], *, linked: bool = False) -> str:
    """``template`` rendered with ``context``; the stylesheet inline, or linked when ``linked``."""
    stylesheet = {"href": STYLESHEET_URL} if linked else {"text": STYLESHEET.read_text(encoding="utf-8")}
    return _environment().get_template(template).render({**context, "stylesheet": stylesheet})


def html_to_pdf(html: str) -> bytes:
    """The PDF of a standalone report document (stylesheet inline), rendered offline.

    Raises :class:`RuntimeError` naming the URL if the document asks for anything outside itself.
    """
    from weasyprint import HTML  # imported here: loading Pango takes a moment, and only PDFs need it

    fetcher = OfflineFetcher()
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
    if fetcher.refused:
        raise RuntimeError(f"the report asked for resources outside itself: {', '.join(fetcher.refused)}")
    if pdf is None:
        raise RuntimeError("WeasyPrint produced no PDF")
    return bytes(pdf)
