"""The spatial-temporal index a check looks things up in, instead of scanning every operation.

A located operation is stored as *slots*: each 500 m grid cell its circle's bounding box touches,
crossed with the time buckets its window falls in. Time buckets come in levels of 1, 4, 16, 64, 256 and
1024 days; a window goes to the smallest level at which it spans at most two buckets (a standing
operation with no end, or one longer than the largest level, goes to the ``OPEN`` level). A slot packs
(row, column, level, bucket) into one integer, bucket lowest, so the buckets of one cell and level form a
contiguous range of slots::

    slot = ((((row << 17) | column) << 3 | level) << 17) | bucket

A check asks, for each cell its own circle touches and each level, for the buckets its window widened by
the buffer covers, plus the cell's ``OPEN`` slot: as a list of slots where a level spans a few buckets
(every level, for a window of hours or days), as a range of slots where it spans many. Two locations within the larger of
their radii share a cell (the nearer centre lies in the other's circle, so in its box), and two windows
within the buffer share a day (so a bucket at every level): the lookup misses nothing, and the exact
distance and time test (:mod:`crimelink.deconflict.assess`) drops what is only near.

The grid divides latitude into rows of 500 m and each row into columns of 500 m at the row's latitude,
so cells stay square-ish from Cornwall to Shetland.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from crimelink.deconflict.geometry import METRES_PER_DEGREE, check_point
from crimelink.deconflict.windows import FOREVER, Window

#: Side of a grid cell, metres.
CELL_M = 500.0
#: Days in one bucket at each level.
LEVEL_DAYS = (1, 4, 16, 64, 256, 1024)
#: The level of windows too long (or too open) for buckets.
OPEN_LEVEL = 7
_ROW_DEGREES = CELL_M / METRES_PER_DEGREE
_BUCKET_BITS = 17
_LEVEL_BITS = 3
_COLUMN_BITS = 17
_MAX_BUCKET = (1 << _BUCKET_BITS) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Boxes are drawn this much larger than the circle, against rounding and the sphere's curvature.
_MARGIN = 1.01

Cell = tuple[int, int]


def row_of(latitude: float) -> int:
    return math.floor((latitude + 90.0) / _ROW_DEGREES)


def _column_degrees(row: int) -> float:
    centre = (row + 0.5) * _ROW_DEGREES - 90.0
    return _ROW_DEGREES / max(math.cos(math.radians(centre)), 0.01)


def column_of(row: int, longitude: float) -> int:
    return math.floor((longitude + 180.0) / _column_degrees(row))


def cell_of(latitude: float, longitude: float) -> Cell:
    """The grid cell of a point.

    >>> cell_of(51.53, 0.03) == cell_of(51.5301, 0.0301)
    True
    """
    row = row_of(latitude)
    return row, column_of(row, longitude)


def box(latitude: float, longitude: float, radius_m: float) -> tuple[float, float, float, float]:
    """(south, north, west, east): a box holding every point within ``radius_m`` of the point."""
    check_point(latitude, longitude)
    dlat = radius_m / METRES_PER_DEGREE * _MARGIN
    south, north = latitude - dlat, latitude + dlat
    widest = min(max(abs(south), abs(north)), 89.0)
    dlon = radius_m / (METRES_PER_DEGREE * math.cos(math.radians(widest))) * _MARGIN
    return south, north, max(longitude - dlon, -180.0), min(longitude + dlon, 180.0)


def cells_covering(latitude: float, longitude: float, radius_m: float) -> list[Cell]:
    """Every cell the bounding box of the circle touches (which includes every point within it)."""
    south, north, west, east = box(latitude, longitude, radius_m)
    cells = []
    for row in range(row_of(south), row_of(north) + 1):
        for column in range(column_of(row, west), column_of(row, east) + 1):
            cells.append((row, column))
    return cells


def _day(moment: datetime) -> int:
    if moment >= FOREVER:
        return _MAX_BUCKET
    days = (moment - _EPOCH) // timedelta(days=1)
    return min(max(days, 0), _MAX_BUCKET)


def stored_buckets(window: Window) -> list[tuple[int, int]]:
    """(level, bucket) of a window: its smallest level spanning at most two buckets, else ``OPEN``."""
    if window.end is None:
        return [(OPEN_LEVEL, 0)]
    first, last = _day(window.start), _day(window.end)
    for level, size in enumerate(LEVEL_DAYS):
        if last // size - first // size <= 1:
            return [(level, bucket) for bucket in range(first // size, last // size + 1)]
    return [(OPEN_LEVEL, 0)]


def query_buckets(window: Window, buffer: timedelta) -> list[tuple[int, int, int]]:
    """(level, first bucket, last bucket) for each level, and ``OPEN``: what a window may meet."""
    start, end = window.widened(buffer)
    first, last = _day(start), _day(end)
    ranges = [(level, first // size, last // size) for level, size in enumerate(LEVEL_DAYS)]
    ranges.append((OPEN_LEVEL, 0, 0))
    return ranges


def pack(cell: Cell, level: int, bucket: int) -> int:
    """One slot number for a cell, level and bucket."""
    row, column = cell
    return (((((row << _COLUMN_BITS) | column) << _LEVEL_BITS) | level) << _BUCKET_BITS) | bucket


def stored_slots(latitude: float, longitude: float, radius_m: float, window: Window) -> list[int]:
    """The slots a located operation is stored under."""
    buckets = stored_buckets(window)
    return sorted(
        {
            pack(cell, level, bucket)
            for cell in cells_covering(latitude, longitude, radius_m)
            for level, bucket in buckets
        }
    )


def index_rows(
    *, location_id: int, operation_id: int, latitude: float, longitude: float, radius_m: float, window: Window
) -> list[dict[str, object]]:
    """The ``operation_cells`` rows of one located location (its slots, each with its point, box, window)."""
    south, north, west, east = box(latitude, longitude, radius_m)
    common = {
        "location_id": location_id,
        "operation_id": operation_id,
        "latitude": latitude,
        "longitude": longitude,
        "radius_m": radius_m,
        "min_latitude": south,
        "max_latitude": north,
        "min_longitude": west,
        "max_longitude": east,
        "starts_at": window.start,
        "ends_at": window.end,
    }
    return [{"slot": slot, **common} for slot in stored_slots(latitude, longitude, radius_m, window)]


def query_ranges(
    latitude: float, longitude: float, radius_m: float, window: Window, buffer: timedelta
) -> list[tuple[int, int]]:
    """Inclusive slot ranges to look up for a location: every stored slot it could conflict with."""
    buckets = query_buckets(window, buffer)
    ranges = [
        (pack(cell, level, first), pack(cell, level, last))
        for cell in cells_covering(latitude, longitude, radius_m)
        for level, first, last in buckets
    ]
    return merge_ranges(ranges)


#: A level spanning more buckets than this is looked up as a range, not slot by slot. A window of up to
#: about two weeks spans fewer at every level, so its slots go in the check's one statement; ranges need a
#: statement of their own, planned for their values (a week-long operation's check took a fifth longer
#: with 4 here: ``benchmarks/RESULTS.md``, fifteenth session).
EXPLICIT_BUCKETS = 16


def query_slots(
    latitude: float, longitude: float, radius_m: float, window: Window, buffer: timedelta
) -> tuple[list[int], list[tuple[int, int]]]:
    """What to look up for a location: single slots, and inclusive ranges for wide levels.

    The two together are exactly :func:`query_ranges`; single slots let the database run one cached
    statement (``slot IN (...)``) for the usual short window.
    """
    slots: set[int] = set()
    ranges: list[tuple[int, int]] = []
    buckets = query_buckets(window, buffer)
    for cell in cells_covering(latitude, longitude, radius_m):
        for level, first, last in buckets:
            if last - first < EXPLICIT_BUCKETS:
                slots.update(pack(cell, level, bucket) for bucket in range(first, last + 1))
            else:
                ranges.append((pack(cell, level, first), pack(cell, level, last)))
    return sorted(slots), merge_ranges(ranges)


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The same ranges, sorted, with overlapping and adjacent ones joined."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged
