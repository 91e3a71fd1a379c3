"""Charts drawn on the server as SVG: the geometry here, the markup in ``templates/_charts.html`` (pages) and ``reports/templates/_charts.html`` (reports).

No JavaScript and nothing from a CDN (the deployment may have no internet, and the Content-Security-
Policy allows neither inline script nor style): a chart is a plain ``<svg role="img">`` with a title and
a description, each bar carries a ``<title>`` with its figure, colours come from CSS classes in
``static/charts.css``, and every page that draws a chart also shows its numbers in a table.

>>> chart = stacked_bars(
...     "Outcomes by month", ["Jan", "Feb"], [("major", "Major"), ("minor", "Minor")],
...     {"Jan": {"major": 1, "minor": 2}, "Feb": {"major": 0, "minor": 1}},
... )
>>> [round(b.total) for b in chart.bars], chart.ticks[-1].label
([3, 1], '3')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "Bar",
    "HorizontalBarChart",
    "Row",
    "Segment",
    "StackedBarChart",
    "Tick",
    "horizontal_bars",
    "stacked_bars",
]


@dataclass(frozen=True)
class Tick:
    value: float
    #: Position along the value axis (y for vertical bars, x for horizontal ones).
    at: float
    label: str


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Bar:
    label: str
    total: float
    x: float
    label_x: float
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class StackedBarChart:
    title: str
    description: str
    width: int
    height: int
    left: int
    top: int
    plot_width: float
    plot_height: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    #: (key, label) of each series, bottom of the stack first; ``key`` names the CSS class.
    series: tuple[tuple[str, str], ...]

    @property
    def baseline(self) -> float:
        return self.top + self.plot_height


@dataclass(frozen=True)
class Row:
    label: str
    value: float
    shown: str
    y: float
    width: float


@dataclass(frozen=True)
class HorizontalBarChart:
    title: str
    description: str
    width: int
    height: int
    left: int
    bar_height: float
    rows: tuple[Row, ...]
    ticks: tuple[Tick, ...]


def _nice_ticks(largest: float, *, most: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``largest`` (steps of 1, 2 or 5 times a power of ten)."""
    if largest <= 0:
        return [0.0, 1.0]
    raw = largest / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0) if largest >= 1 else step
    count = math.ceil(largest / step)
    return [i * step for i in range(count + 1)]


def _plain(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def stacked_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, str]],
    values: Mapping[str, Mapping[str, float]],
    *,
    description: str = "",
    width: int = 720,
    height: int = 260,
) -> StackedBarChart:
    """Vertical bars, one per category (a month), each stacked by series (a grade) from the bottom."""
    left, top, right, bottom = 48, 12, 12, 36
    plot_width, plot_height = width - left - right, height - top - bottom
    totals = [sum(values.get(c, {}).get(k, 0) for k, _ in series) for c in categories]
    ticks = _nice_ticks(max(totals, default=0))
    scale = plot_height / ticks[-1]
    slot = plot_width / max(len(categories), 1)
    bar_width = min(slot * 0.7, 60)
    bars = []
    for index, category in enumerate(categories):
        x = left + index * slot + (slot - bar_width) / 2
        y: float = top + plot_height
        segments = []
        for key, label in series:
            value = values.get(category, {}).get(key, 0)
            if value > 0:
                height_px = value * scale
                y -= height_px
                segments.append(Segment(key, label, value, x, y, bar_width, height_px))
        bars.append(Bar(category, totals[index], x, x + bar_width / 2, tuple(segments)))
    return StackedBarChart(
        title=title,
        description=description,
        width=width,
        height=height,
        left=left,
        top=top,
        plot_width=plot_width,
        plot_height=plot_height,
        bars=tuple(bars),
        ticks=tuple(Tick(t, top + plot_height - t * scale, _plain(t)) for t in ticks),
        series=tuple(series),
    )


def horizontal_bars(
    title: str,
    rows: Sequence[tuple[str, float]],
    *,
    description: str = "",
    shown: Callable[[float], str] = _plain,
    width: int = 720,
    left: int = 260,
    bar_height: float = 22,
) -> HorizontalBarChart:
    """One horizontal bar per row (a kind of outcome), longest scale first as given."""
    right, gap, axis = 80, 8, 24
    plot_width = width - left - right
    ticks = _nice_ticks(max((v for _, v in rows), default=0))
    scale = plot_width / ticks[-1]
    placed = tuple(
        Row(label, value, shown(value), axis + i * (bar_height + gap), value * scale)
        for i, (label, value) in enumerate(rows)
    )
    height = int(axis + len(rows) * (bar_height + gap) + gap)
    return HorizontalBarChart(
        title=title,
        description=description,
        width=width,
        height=height,
        left=left,
        bar_height=bar_height,
        rows=placed,
        ticks=tuple(Tick(t, left + t * scale, shown(t)) for t in ticks),
    )
