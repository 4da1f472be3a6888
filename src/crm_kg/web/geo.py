"""A map point drawn on the server as SVG: no tiles, no scripts, no network.

Places carry a GeoSPARQL point (``geo:hasGeometry/geo:asWKT``, CRS84
``POINT(lon lat)``). The map frames the point with the other places of the
graph as context dots (each a link to its page): the Netherlands when the
point lies there, else the world. The projection is equirectangular with the
longitude scaled by cos(latitude) at the frame's centre, which keeps the
Netherlands' shape; a graticule gives the reader degrees to go by.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

# frames: (west, south, east, north)
NETHERLANDS = (3.2, 50.7, 7.3, 53.7)
EUROPE = (-12.0, 34.0, 32.0, 71.0)
WORLD = (-180.0, -60.0, 180.0, 80.0)
WIDTH = 420


@dataclass(frozen=True)
class MapPoint:
    iri: str
    lon: float
    lat: float
    label: str
    href: str | None


def _inside(frame, lon: float, lat: float) -> bool:
    west, south, east, north = frame
    return west <= lon <= east and south <= lat <= north


def choose_frame(lon: float, lat: float) -> tuple[float, float, float, float]:
    for frame in (NETHERLANDS, EUROPE):
        if _inside(frame, lon, lat):
            return frame
    return WORLD


def _step(span: float) -> float:
    for step in (0.5, 1, 2, 5, 10, 20, 30, 60):
        if span / step <= 10:
            return step
    return 90


def svg_map(focus: MapPoint, context: list[MapPoint], title: str) -> Markup:
    """An inline ``<svg>`` with the focus point, context dots and a graticule."""
    west, south, east, north = choose_frame(focus.lon, focus.lat)
    scale_x = math.cos(math.radians((south + north) / 2)) if (east - west) < 90 else 1.0
    width = WIDTH
    height = round(width * (north - south) / ((east - west) * scale_x))
    height = max(160, min(height, 520))

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (round((lon - west) / (east - west) * width, 1),
                round((north - lat) / (north - south) * height, 1))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-labelledby="map-title">',
             f'<title id="map-title">{escape(title)}</title>',
             f'<rect x="0" y="0" width="{width}" height="{height}" class="map-sea"/>']
    step = _step(max(east - west, north - south))
    lon = math.ceil(west / step) * step
    while lon <= east:
        x, _ = xy(lon, south)
        parts.append(f'<line x1="{x}" y1="0" x2="{x}" y2="{height}" class="map-grid"/>'
                     f'<text x="{x + 2}" y="{height - 4}" class="map-tick">{lon:g}°</text>')
        lon += step
    lat = math.ceil(south / step) * step
    while lat <= north:
        _, y = xy(west, lat)
        parts.append(f'<line x1="0" y1="{y}" x2="{width}" y2="{y}" class="map-grid"/>'
                     f'<text x="2" y="{y - 2}" class="map-tick">{lat:g}°</text>')
        lat += step
    for point in context:
        if point.iri == focus.iri or not _inside((west, south, east, north), point.lon, point.lat):
            continue
        x, y = xy(point.lon, point.lat)
        dot = (f'<circle cx="{x}" cy="{y}" r="2.5" class="map-context">'
               f'<title>{escape(point.label)}</title></circle>')
        parts.append(f'<a href="{escape(point.href)}">{dot}</a>' if point.href else dot)
    x, y = xy(focus.lon, focus.lat)
    anchor = "end" if x > width * 0.7 else "start"
    dx = -8 if anchor == "end" else 8
    parts.append(f'<circle cx="{x}" cy="{y}" r="6" class="map-focus" id="map-focus" '
                 f'data-lon="{focus.lon}" data-lat="{focus.lat}"><title>{escape(focus.label)}</title></circle>')
    parts.append(f'<text x="{x + dx}" y="{y - 8}" text-anchor="{anchor}" class="map-label">'
                 f'{escape(focus.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 — every text in it is escaped above
