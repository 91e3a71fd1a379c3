"""Great-circle distance between two points (WGS84 degrees, on the mean Earth sphere)."""

from __future__ import annotations

import math

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8
#: Metres in one degree of a great circle on that sphere.
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres.

    >>> round(distance_m(51.5, 0.0, 51.5, 0.01))
    692
    """
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def check_point(latitude: float, longitude: float) -> None:
    """Refuse a point the index cannot place (the poles, or beyond the map)."""
    if not -85.0 <= latitude <= 85.0:
        raise ValueError("latitude: must lie between -85 and 85 degrees")
    if not -180.0 <= longitude <= 180.0:
        raise ValueError("longitude: must lie between -180 and 180 degrees")
