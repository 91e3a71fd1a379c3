"""The fictional London Borough of Ashvale: wards, postcode districts and boundary polygons.

The borough sits on a made-up patch of east London. Its boundary and ward polygons are built from a
jittered grid of corner points, so every ward is a convex quadrilateral and any point drawn by
:meth:`Ward.point` (a bilinear blend of the corners) lies inside its ward and inside the borough.
Postcodes use real east London district codes in the valid UK format; the units are random, so a
demo postcode may or may not exist in the real world, but no real address is ever generated.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

BOROUGH_NAME = "London Borough of Ashvale"
BOROUGH_CODE = "LBA"
TOWN = "London"

_WARD_NAMES = (
    "Ashvale Central",
    "Marsh Gate",
    "Leyfield",
    "Northbrook",
    "Canal Side",
    "St Aldric's",
    "Thornbury Park",
    "Wickham Green",
    "Eastwick",
    "Hollow Lane",
)
_GRID_COLUMNS = 5
_GRID_ROWS = 2
# Rough bounding box of the borough (WGS84), east of Stratford.
_WEST, _EAST = 0.000, 0.072
_SOUTH, _NORTH = 51.520, 51.556
POSTCODE_DISTRICTS = ("E20", "E15", "E16", "E13", "E7")
# Second part of a postcode: a sector digit and two letters that are never C, I, K, M, O or V.
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

Point = tuple[float, float]  # (lon, lat)


@dataclass(frozen=True)
class Ward:
    """One ward: a convex quadrilateral (south-west, south-east, north-east, north-west corners)."""

    index: int
    code: str
    name: str
    corners: tuple[Point, Point, Point, Point]
    district: str
    sectors: tuple[int, ...]

    def point(self, u: float, v: float) -> Point:
        """The point at fractions ``u`` (west to east) and ``v`` (south to north) across the ward."""
        sw, se, ne, nw = self.corners
        lon = (1 - u) * (1 - v) * sw[0] + u * (1 - v) * se[0] + u * v * ne[0] + (1 - u) * v * nw[0]
        lat = (1 - u) * (1 - v) * sw[1] + u * (1 - v) * se[1] + u * v * ne[1] + (1 - u) * v * nw[1]
        return (round(lon, 6), round(lat, 6))

    def new_postcode(self, rng: random.Random) -> str:
        sector = rng.choice(self.sectors)
        return f"{self.district} {sector}{rng.choice(_UNIT_LETTERS)}{rng.choice(_UNIT_LETTERS)}"


@dataclass(frozen=True)
class Borough:
    name: str
    code: str
    wards: tuple[Ward, ...]
    boundary: tuple[Point, ...]

    def geojson(self) -> dict[str, object]:
        """A FeatureCollection with the borough boundary and one polygon per ward."""
        features: list[dict[str, object]] = [_feature(self.name, "borough", self.code, self.boundary)]
        features.extend(_feature(w.name, "ward", w.code, w.corners) for w in self.wards)
        return {"type": "FeatureCollection", "features": features}

    def write_geojson(self, path: Path) -> None:
        path.write_text(json.dumps(self.geojson(), indent=1) + "\n", encoding="utf-8")


def _feature(name: str, kind: str, code: str, ring: tuple[Point, ...]) -> dict[str, object]:
    coordinates = [[lon, lat] for lon, lat in ring]
    coordinates.append(coordinates[0])
    return {
        "type": "Feature",
        "properties": {"name": name, "kind": kind, "code": code},
        "geometry": {"type": "Polygon", "coordinates": [coordinates]},
    }


def build_borough(rng: random.Random) -> Borough:
    """Lay out the borough's wards on a jittered grid (deterministic for a given ``rng`` state)."""
    dx = (_EAST - _WEST) / _GRID_COLUMNS
    dy = (_NORTH - _SOUTH) / _GRID_ROWS
    grid: dict[tuple[int, int], Point] = {}
    for row in range(_GRID_ROWS + 1):
        for col in range(_GRID_COLUMNS + 1):
            # Jitter small enough (a fifth of a cell) to keep every quadrilateral convex.
            jx = rng.uniform(-0.2, 0.2) * dx
            jy = rng.uniform(-0.2, 0.2) * dy
            grid[(col, row)] = (round(_WEST + col * dx + jx, 6), round(_SOUTH + row * dy + jy, 6))
    wards: list[Ward] = []
    sector_counter: dict[str, int] = {}
    for row in range(_GRID_ROWS):
        for col in range(_GRID_COLUMNS):
            index = row * _GRID_COLUMNS + col
            district = POSTCODE_DISTRICTS[index % len(POSTCODE_DISTRICTS)]
            first = sector_counter.get(district, 1 + index % 3)
            sector_counter[district] = first + 2
            corners = (grid[(col, row)], grid[(col + 1, row)], grid[(col + 1, row + 1)], grid[(col, row + 1)])
            wards.append(
                Ward(
                    index=index,
                    code=f"{BOROUGH_CODE}-W{index + 1:02d}",
                    name=_WARD_NAMES[index],
                    corners=corners,
                    district=district,
                    sectors=(first % 10, (first + 1) % 10),
                )
            )
    south = [grid[(c, 0)] for c in range(_GRID_COLUMNS + 1)]
    east = [grid[(_GRID_COLUMNS, r)] for r in range(1, _GRID_ROWS + 1)]
    north = [grid[(c, _GRID_ROWS)] for c in range(_GRID_COLUMNS - 1, -1, -1)]
    west = [grid[(0, r)] for r in range(_GRID_ROWS - 1, 0, -1)]
    return Borough(BOROUGH_NAME, BOROUGH_CODE, tuple(wards), tuple(south + east + north + west))
