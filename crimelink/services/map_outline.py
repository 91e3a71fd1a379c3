"""The outline the operations maps are drawn on: the area's boundary and wards, from a GeoJSON file.

The maps must work with no internet, so they draw vector outlines the application serves itself
(``GET /api/deconfliction/geography``), and tiles only when a tile server is configured
(``CRIMELINK_MAP_TILE_URL``). The outline is the file ``CRIMELINK_MAP_OUTLINE_FILE`` names, by default
the demo borough's ``DATA_DIR/demo/geography.geojson`` (written by ``crimelink demo generate``): a
FeatureCollection of Polygon and MultiPolygon features in WGS84, each with a ``name`` and a ``kind``
(``borough``, ``ward``, ...). It is read and checked once per change of the file.

>>> outline = parse_outline({"type": "FeatureCollection", "features": [{"type": "Feature",
...     "properties": {"name": "Ashvale", "kind": "borough"},
...     "geometry": {"type": "Polygon", "coordinates": [[[0, 51.5], [0.1, 51.5], [0.1, 51.6], [0, 51.5]]]}}]})
>>> outline["bbox"]
[0.0, 51.5, 0.1, 51.6]
"""

from __future__ import annotations

import json
from pathlib import Path
from threading import Lock
from typing import Any
from urllib.parse import urlsplit

from crimelink.errors import ConfigurationError
from crimelink.settings import Settings

#: The largest outline file read (a borough's wards are tens of kilobytes).
MAX_OUTLINE_BYTES = 20_000_000

_cache: dict[Path, tuple[float, dict[str, Any]]] = {}
_lock = Lock()


def tile_origin(settings: Settings) -> str:
    """The configured tile server's origin (for the Content-Security-Policy), or ``""``."""
    parts = urlsplit(settings.map_tile_url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def map_outline(settings: Settings) -> dict[str, Any] | None:
    """The checked outline (``features`` and ``bbox``), or ``None`` when the file does not exist.

    Raises :class:`ConfigurationError` naming the file and what is wrong with it.
    """
    path = settings.map_outline_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    with _lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == stat.st_mtime:
            return cached[1]
    if stat.st_size > MAX_OUTLINE_BYTES:
        raise ConfigurationError(f"{path}: the map outline is over {MAX_OUTLINE_BYTES:,} bytes")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        outline = parse_outline(document)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as error:
        raise ConfigurationError(
            f"{path}: not a usable map outline ({error}); fix it or set CRIMELINK_MAP_OUTLINE_FILE"
        ) from None
    with _lock:
        _cache[path] = (stat.st_mtime, outline)
    return outline


def _ring(ring: Any) -> list[list[float]]:
    if not isinstance(ring, list) or len(ring) < 3:
        raise ValueError("a polygon ring needs at least 3 positions")
    points = []
    for position in ring:
        if not isinstance(position, list) or len(position) < 2:
            raise ValueError("a position is [longitude, latitude]")
        lon, lat = float(position[0]), float(position[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"position {lon}, {lat} is not a WGS84 longitude and latitude")
        points.append([lon, lat])
    return points


def parse_outline(document: Any) -> dict[str, Any]:
    """Keep the polygons (with their name, kind and code) of a GeoJSON FeatureCollection; check them."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ValueError("expected a GeoJSON FeatureCollection")
    features = []
    lons: list[float] = []
    lats: list[float] = []
    for n, feature in enumerate(document.get("features") or []):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue  # points and lines are not outlines
        polygons = (
            geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        )
        if not isinstance(polygons, list) or not polygons:
            raise ValueError(f"feature {n} has no coordinates")
        rings = [[_ring(ring) for ring in polygon] for polygon in polygons]
        for polygon in rings:
            for ring in polygon:
                lons.extend(p[0] for p in ring)
                lats.extend(p[1] for p in ring)
        properties = feature.get("properties") or {}
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": str(properties.get("name") or f"Area {n + 1}")[:200],
                    "kind": str(properties.get("kind") or "area")[:40],
                    "code": str(properties.get("code") or "")[:40],
                },
                "geometry": {"type": "MultiPolygon", "coordinates": rings},
            }
        )
    if not features:
        raise ValueError("it holds no Polygon or MultiPolygon feature")
    return {
        "type": "FeatureCollection",
        "features": features,
        "bbox": [min(lons), min(lats), max(lons), max(lats)],
    }
