"""Maps with the provinces' shapes (web/geo.py): the shapes from the npm package
@svg-maps/netherlands, put back into degrees, must hold the places the graph
puts in each province; entity pages draw them under the points."""

from __future__ import annotations

import math
import re

import pytest
from conftest import ROOT

from crm_kg.web.geo import PROVINCE_CODES, load_provinces

HTML = {"Accept": "text/html"}
provinces = load_provinces(ROOT / "node_modules")
needs_package = pytest.mark.skipif(not provinces, reason="node_modules/@svg-maps/netherlands: run make setup")

# each province's seat (lon, lat), public coordinates rounded to 0.01°
SEATS = {"PV20": (6.57, 53.22), "PV21": (5.79, 53.20), "PV22": (6.56, 52.99), "PV23": (6.09, 52.51),
         "PV24": (5.47, 52.52), "PV25": (5.91, 51.98), "PV26": (5.12, 52.09), "PV27": (4.64, 52.38),
         "PV28": (4.31, 52.08), "PV29": (3.61, 51.50), "PV30": (5.30, 51.69), "PV31": (5.69, 50.85)}


@needs_package
def test_each_seat_lies_in_its_own_province_only():
    assert sorted(p.code for p in provinces) == sorted(code for code, _, _ in PROVINCE_CODES.values())
    for province in provinces:
        lon, lat = SEATS[province.code]
        assert [p.code for p in provinces if p.contains(lon, lat)] == [province.code], province.nl


def _km_to_outline(province, lon: float, lat: float) -> float:
    scale = math.cos(math.radians(lat))
    return min(math.hypot((x - lon) * scale, y - lat) for ring in province.rings for x, y in ring) * 111.2


@needs_package
def test_the_graphs_dutch_places_fall_in_their_province(store):
    """The shapes are generalised: a place on a coast or a border may sit just outside, never far."""
    query = """PREFIX crm: <https://w3id.org/crm-kg/ontology#>
    PREFIX geo: <http://www.opengis.net/ont/geosparql#>
    SELECT DISTINCT ?place ?code ?wkt WHERE {
      ?place crm:locatedIn+ ?province . ?province crm:cbsCode ?code . FILTER(STRSTARTS(?code, "PV"))
      ?place geo:hasGeometry/geo:asWKT ?wkt }"""
    by_code = {p.code: p for p in provinces}
    rows = store.query(query).rows
    assert len(rows) > 40
    inside, off = 0, {}
    for row in rows:
        lon, lat = map(float, re.findall(r"-?\d+\.?\d*", str(row["wkt"]))[:2])
        province = by_code[str(row["code"])]
        if province.contains(lon, lat):
            inside += 1
        elif _km_to_outline(province, lon, lat) > 3:
            off[str(row["place"])] = round(_km_to_outline(province, lon, lat), 1)
    assert not off, off
    assert inside >= 0.9 * len(rows)


@needs_package
def test_place_page_draws_the_provinces_under_its_point(client):
    html = client.get("/id/place/noord-holland?lang=en", headers=HTML).get_data(as_text=True)
    svg = re.search(r'<svg[^>]*class="map".*?</svg>', html, re.S).group(0)
    shapes = re.findall(r'<path d="M[^"]+" class="([^"]+)" data-cbs="(PV\d\d)"><title>([^<]+)</title>', svg)
    assert len(shapes) == 12
    assert [code for cls, code, _ in shapes if "province-focus" in cls] == ["PV27"]   # its own shape
    titles = dict((code, title) for _, code, title in shapes)
    assert titles["PV27"] == "Noord-Holland (North Holland)" and titles["PV28"] == "Zuid-Holland (South Holland)"
    assert 'href="/id/place/flevoland"><path' in svg                       # provinces in the graph link
    assert ">Fryslân</text>" in svg and "CC BY 4.0" in svg                   # names, and the licence's credit
    nl = client.get("/id/organisation/cleantron?lang=nl", headers=HTML).get_data(as_text=True)
    svg = re.search(r'<svg[^>]*class="map".*?</svg>', nl, re.S).group(0)
    assert "<title>Zuid-Holland</title>" in svg and "(South Holland)" not in svg
    assert re.search(r'class="province province-focus" data-cbs="PV27"', svg)   # Nieuw-Vennep's province
    # the own province is the graph's, not the point's: the country's centre shades none, a
    # coastal town whose point falls in the sea of the drawing still shades its province
    for path, own in (("netherlands", []), ("medemblik", ["PV27"]), ("wijdemeren", ["PV27"])):
        page = client.get(f"/id/place/{path}?lang=en", headers=HTML).get_data(as_text=True)
        assert page.count('class="province') == 12, path
        assert re.findall(r'class="province province-focus" data-cbs="(PV\d\d)"', page) == own, path
    abroad = client.get("/id/place/la-rochelle?lang=en", headers=HTML).get_data(as_text=True)
    assert 'class="map"' in abroad and 'class="province' not in abroad           # no provinces off the frame


def test_places_with_organisations_are_larger_dots_with_their_count(client, store):
    amsterdam = "https://w3id.org/crm-kg/id/place/amsterdam"
    n = int(store.query("""PREFIX crm: <https://w3id.org/crm-kg/ontology#>
        SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o crm:mostSpecificPlace <%s> }""" % amsterdam).rows[0]["n"])
    assert n > 1
    html = client.get("/id/organisation/cleantron?lang=nl", headers=HTML).get_data(as_text=True)
    svg = re.search(r'<svg[^>]*class="map".*?</svg>', html, re.S).group(0)
    dot = re.search(r'<a href="/id/place/amsterdam"><circle [^>]*class="map-context map-org" '
                    r'data-organisations="(\d+)"><title>([^<]+)</title>', svg)
    assert int(dot.group(1)) == n and dot.group(2) == f"Amsterdam — {n} organisaties"
    plain = re.findall(r'class="map-context" data-organisations="0"', svg)
    assert plain                                            # places without organisations stay small
    english = client.get("/id/organisation/cleantron?lang=en", headers=HTML).get_data(as_text=True)
    assert f"<title>Amsterdam — {n} organisations</title>" in english
