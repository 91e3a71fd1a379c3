"""The profile's map of hotspots, drawn on the server as SVG: the area's outline and the records on it.

The outline is the one the operations maps draw (:func:`crimelink.services.map_outline.map_outline`: the
borough and its wards from a GeoJSON file the application holds), so the map needs no tiles and no
internet. Longitude and latitude are projected equirectangularly, longitude shortened by the cosine of
the middle latitude, which at a borough's size is indistinguishable from the web maps. Each grid cell of
records the reader may see (:class:`~crimelink.services.local_profile_records.MapCell`) is a circle whose
area grows with its count; cells with threat-tagged records are drawn in the warning colour. Wards are
counted by which ward each cell's centre falls in.

>>> outline = {"bbox": [0.0, 51.0, 0.1, 51.1], "features": [{"properties": {"name": "Ward A", "kind": "ward"},
...     "geometry": {"type": "MultiPolygon", "coordinates": [[[[0, 51], [0.1, 51], [0.1, 51.1], [0, 51.1]]]]}}]}
>>> from crimelink.services.local_profile_records import MapCell
>>> drawn = draw_map(outline, [MapCell(lat=51.05, lon=0.05, records=4, threat_records=1)])
>>> drawn.wards[0].name, drawn.wards[0].records, len(drawn.circles)
('Ward A', 4, 1)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crimelink.services.local_profile_records import MapCell

WIDTH = 680
PAD = 12
MAX_RADIUS = 14.0
MIN_RADIUS = 2.5


@dataclass(frozen=True)
class Shape:
    name: str
    kind: str
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Circle:
    x: float
    y: float
    r: float
    records: int
    threat_records: int
    ward: str


@dataclass(frozen=True)
class WardCount:
    name: str
    records: int
    threat_records: int


@dataclass(frozen=True)
class DrawnMap:
    width: int
    height: int
    shapes: tuple[Shape, ...]
    circles: tuple[Circle, ...]
    wards: tuple[WardCount, ...]
    #: Cells outside the outline's box (not drawn, counted here).
    outside: int
    has_outline: bool


def _rings(feature: dict[str, Any]) -> list[list[list[float]]]:
    return [ring for polygon in feature["geometry"]["coordinates"] for ring in polygon]


def _inside(lon: float, lat: float, ring: Sequence[Sequence[float]]) -> bool:
    """Ray casting: is the point inside the ring?"""
    inside = False
    count = len(ring)
    for i in range(count):
        x1, y1 = ring[i][0], ring[i][1]
        x2, y2 = ring[(i + 1) % count][0], ring[(i + 1) % count][1]
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _ward_of(lon: float, lat: float, wards: Sequence[dict[str, Any]]) -> str:
    for feature in wards:
        polygons = feature["geometry"]["coordinates"]
        for polygon in polygons:
            if (
                polygon
                and _inside(lon, lat, polygon[0])
                and not any(_inside(lon, lat, h) for h in polygon[1:])
            ):
                return str(feature["properties"]["name"])
    return ""


def draw_map(outline: dict[str, Any] | None, cells: Sequence[MapCell]) -> DrawnMap:
    """The map's geometry for ``outline`` (``None``: no outline file) and the reader's cells."""
    features = list(outline["features"]) if outline else []
    if outline:
        west, south, east, north = (float(v) for v in outline["bbox"])
    elif cells:
        west, east = min(c.lon for c in cells), max(c.lon for c in cells)
        south, north = min(c.lat for c in cells), max(c.lat for c in cells)
    else:
        return DrawnMap(WIDTH, 120, (), (), (), 0, False)
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * squeeze, 1e-6)
    span_y = max(north - south, 1e-6)
    scale = (WIDTH - 2 * PAD) / span_x
    height = int(span_y * scale + 2 * PAD)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return PAD + (lon - west) * squeeze * scale, PAD + (north - lat) * scale

    shapes = []
    for feature in features:
        parts = []
        xs: list[float] = []
        ys: list[float] = []
        for ring in _rings(feature):
            points = [project(p[0], p[1]) for p in ring]
            xs.extend(x for x, _ in points)
            ys.extend(y for _, y in points)
            parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points) + " Z")
        shapes.append(
            Shape(
                name=str(feature["properties"]["name"]),
                kind=str(feature["properties"]["kind"]),
                path=" ".join(parts),
                label_x=sum(xs) / len(xs),
                label_y=sum(ys) / len(ys),
            )
        )
    wards = [f for f in features if f["properties"]["kind"] != "borough"] or features
    most = max((c.records for c in cells), default=1)
    circles = []
    outside = 0
    counts: dict[str, list[int]] = {}
    for cell in cells:
        if not (west <= cell.lon <= east and south <= cell.lat <= north):
            outside += cell.records
            continue
        x, y = project(cell.lon, cell.lat)
        ward = _ward_of(cell.lon, cell.lat, wards) if outline else ""
        tally = counts.setdefault(ward, [0, 0])
        tally[0] += cell.records
        tally[1] += cell.threat_records
        radius = MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(cell.records / most)
        circles.append(Circle(x, y, round(radius, 1), cell.records, cell.threat_records, ward))
    circles.sort(key=lambda c: -c.r)  # the big ones underneath
    ward_counts = sorted(
        (WardCount(name or "Outside the wards", n, t) for name, (n, t) in counts.items()),
        key=lambda w: (-w.records, w.name),
    )
    return DrawnMap(WIDTH, height, tuple(shapes), tuple(circles), tuple(ward_counts), outside, bool(outline))
