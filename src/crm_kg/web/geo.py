"""A map point drawn on the server as SVG: no tiles, no scripts, no network.

Places carry a GeoSPARQL point (``geo:hasGeometry/geo:asWKT``, CRS84
``POINT(lon lat)``). The map frames the point with the other places of the
graph as context dots (each a link to its page): the Netherlands when the
point lies there, else the world. The projection is equirectangular with the
longitude scaled by cos(latitude) at the frame's centre, which keeps the
Netherlands' shape; a graticule gives the reader degrees to go by.

Places where organisations are (``crm:mostSpecificPlace``) are larger dots, the
number of organisations on hover. In the Netherlands frame the twelve provinces are drawn under the points, from
the npm package ``@svg-maps/netherlands`` (CC BY 4.0, after MapSVG; installed by
``make setup`` into ``node_modules/``, never committed). Its paths are in a
Mercator plane framed by the country's extreme points; :func:`load_provinces`
turns them back into longitude and latitude once, so they share the points'
projection. Without ``node_modules`` the map falls back to the graticule alone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape

# frames: (west, south, east, north)
NETHERLANDS = (3.2, 50.7, 7.3, 53.7)
EUROPE = (-12.0, 34.0, 32.0, 71.0)
WORLD = (-180.0, -60.0, 180.0, 80.0)
WIDTH = 420

# the provinces' shapes: the file in node_modules, and the extreme points of the
# European Netherlands its drawing spans (west: Zeeuws-Vlaanderen, east: Bad
# Nieuweschans, south: Mesch, north: Rottumerplaat), WGS84 degrees
PROVINCES_SVG = Path("@svg-maps/netherlands/netherlands.svg")
EXTENT = (3.358, 50.750, 7.227, 53.555)
CREDIT = "provinces: svg-maps, MapSVG · CC BY 4.0"   # the licence asks for the attribution
# the package's path ids → CBS province codes (PV20–PV31), and names for the provinces
# the graph does not hold: (Dutch official name, English name)
PROVINCE_CODES = {
    "gr": ("PV20", "Groningen", "Groningen"), "fr": ("PV21", "Fryslân", "Friesland"),
    "dr": ("PV22", "Drenthe", "Drenthe"), "ov": ("PV23", "Overijssel", "Overijssel"),
    "fl": ("PV24", "Flevoland", "Flevoland"), "ge": ("PV25", "Gelderland", "Gelderland"),
    "ut": ("PV26", "Utrecht", "Utrecht"), "nh": ("PV27", "Noord-Holland", "North Holland"),
    "zh": ("PV28", "Zuid-Holland", "South Holland"), "ze": ("PV29", "Zeeland", "Zeeland"),
    "nb": ("PV30", "Noord-Brabant", "North Brabant"), "li": ("PV31", "Limburg", "Limburg"),
}


@dataclass(frozen=True)
class MapPoint:
    iri: str
    lon: float
    lat: float
    label: str
    href: str | None
    organisations: int = 0          # organisations at this place: a larger dot, the count on hover
    note: str = ""                  # that count in words ("12 organisations")


@dataclass(frozen=True)
class Province:
    code: str                                   # CBS code, PV20–PV31
    nl: str
    en: str
    rings: tuple[tuple[tuple[float, float], ...], ...]   # (lon, lat) rings, islands included

    def contains(self, lon: float, lat: float) -> bool:
        """Even–odd rule over all rings (a point on an island counts)."""
        inside = False
        for ring in self.rings:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
                if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
        return inside


def _rings(d: str) -> list[list[tuple[float, float]]]:
    """The rings of an SVG path of ``m``/``M``/``l``/``L``/``z`` commands (all the package uses)."""
    rings: list[list[tuple[float, float]]] = []
    x = y = 0.0
    command, ring = "", []
    tokens = re.findall(r"[A-Za-z]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?", d)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.isalpha():
            command, i = token, i + 1
            if command in "zZ":
                if ring:
                    rings.append(ring)
                    x, y = ring[0]
                ring = []
            elif command not in "mMlL":
                raise ValueError(f"path command {command!r} not supported")
            continue
        a, b = float(tokens[i]), float(tokens[i + 1])
        i += 2
        x, y = (x + a, y + b) if command in "ml" else (a, b)
        if command in "mM":
            if ring:
                rings.append(ring)
            ring = []
            command = "l" if command == "m" else "L"    # further pairs after a moveto are linetos
        ring.append((x, y))
    if ring:
        rings.append(ring)
    return rings


def _mercator(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


@lru_cache(maxsize=4)
def load_provinces(node_modules: Path) -> tuple[Province, ...]:
    """The twelve provinces in degrees, or none when the package is not installed."""
    path = Path(node_modules) / PROVINCES_SVG
    if not path.is_file():
        return ()
    shapes = [(pid, _rings(d)) for pid, d in
              re.findall(r'<path\s+id="(\w+)"[^>]*?\sd="([^"]+)"', path.read_text(encoding="utf-8"))]
    xs = [x for _, rings in shapes for ring in rings for x, _ in ring]
    ys = [y for _, rings in shapes for ring in rings for _, y in ring]
    west, south, east, north = EXTENT
    top, bottom = _mercator(north), _mercator(south)

    def degrees(x: float, y: float) -> tuple[float, float]:
        lon = west + (x - min(xs)) / (max(xs) - min(xs)) * (east - west)
        m = top - (y - min(ys)) / (max(ys) - min(ys)) * (top - bottom)
        return round(lon, 5), round(math.degrees(2 * math.atan(math.exp(m)) - math.pi / 2), 5)

    out = []
    for pid, rings in shapes:
        if pid in PROVINCE_CODES:
            code, nl, en = PROVINCE_CODES[pid]
            out.append(Province(code, nl, en, tuple(tuple(degrees(x, y) for x, y in ring) for ring in rings)))
    return tuple(sorted(out, key=lambda p: p.code))


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


def _centroid(ring) -> tuple[float, float]:
    """The area centroid of a ring (shoelace formula), for a label."""
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        cross = x1 * y2 - x2 * y1
        area, cx, cy = area + cross, cx + (x1 + x2) * cross, cy + (y1 + y2) * cross
    if abs(area) < 1e-12:
        return ring[0]
    return cx / (3 * area), cy / (3 * area)


def _area(ring) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]))) / 2


@dataclass(frozen=True)
class ProvinceLayer:
    """The provinces to draw, each with its name in the page's language and its page if any."""
    provinces: tuple[Province, ...]
    names: dict[str, str]                # CBS code → name to show
    titles: dict[str, str]               # CBS code → name on hover (with the English one)
    hrefs: dict[str, str]                # CBS code → page (the provinces the graph holds)
    own: frozenset[str] = frozenset()    # CBS codes of the province the focus is, or lies in


def svg_map(focus: MapPoint, context: list[MapPoint], title: str, layer: ProvinceLayer | None = None) -> Markup:
    """An inline ``<svg>`` with the province shapes (in the Netherlands), the focus point,
    context dots and a graticule."""
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
    if layer and (west, south, east, north) == NETHERLANDS:
        parts.append(_provinces(layer, xy, focus))
        parts.append(f'<text x="{width - 3}" y="10" text-anchor="end" class="map-credit">'
                     f'{CREDIT}</text>')
    for point in context:
        if point.iri == focus.iri or not _inside((west, south, east, north), point.lon, point.lat):
            continue
        x, y = xy(point.lon, point.lat)
        radius, css = (round(3 + min(5.0, math.sqrt(point.organisations)), 1), "map-context map-org") \
            if point.organisations else (2.5, "map-context")
        tip = f"{point.label} — {point.note}" if point.note else point.label
        dot = (f'<circle cx="{x}" cy="{y}" r="{radius}" class="{css}" data-organisations="{point.organisations}">'
               f'<title>{escape(tip)}</title></circle>')
        parts.append(f'<a href="{escape(point.href)}">{dot}</a>' if point.href else dot)
    x, y = xy(focus.lon, focus.lat)
    anchor = "end" if x > width * 0.7 else "start"
    dx = -8 if anchor == "end" else 8
    tip = f"{focus.label} — {focus.note}" if focus.note else focus.label
    parts.append(f'<circle cx="{x}" cy="{y}" r="6" class="map-focus" id="map-focus" '
                 f'data-lon="{focus.lon}" data-lat="{focus.lat}"><title>{escape(tip)}</title></circle>')
    parts.append(f'<text x="{x + dx}" y="{y - 8}" text-anchor="{anchor}" class="map-label">'
                 f'{escape(focus.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 — every text in it is escaped above


def _provinces(layer: ProvinceLayer, xy, focus: MapPoint) -> str:
    """The provinces as ``<path class="province">`` (the focus's own, by the graph, filled darker), each
    named on hover and at its centre; vertices closer than ~0.7 px are dropped."""
    shapes, labels = [], []
    for province in layer.provinces:
        d = []
        for ring in province.rings:
            kept: list[tuple[float, float]] = []
            for lon, lat in ring:
                x, y = xy(lon, lat)
                if not kept or abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= 0.7:
                    kept.append((x, y))
            if len(kept) >= 3:
                d.append("M" + "L".join(f"{x:g} {y:g}" for x, y in kept) + "Z")
        name = layer.names.get(province.code, province.nl)
        cls = "province province-focus" if province.code in layer.own else "province"
        shape = (f'<path d="{"".join(d)}" class="{cls}" data-cbs="{province.code}">'
                 f'<title>{escape(layer.titles.get(province.code, name))}</title></path>')
        href = layer.hrefs.get(province.code)
        shapes.append(f'<a href="{escape(href)}">{shape}</a>' if href else shape)
        if name == focus.label:
            continue                            # the focus's own label says it already
        x, y = xy(*_centroid(max(province.rings, key=_area)))
        labels.append(f'<text x="{x:g}" y="{y:g}" text-anchor="middle" class="map-province">{escape(name)}</text>')
    return "".join(shapes) + "".join(labels)
