"""Typo-tolerant search and 404 suggestions (web/index.py: edit distance over every label,
both languages), on the real graph."""

from __future__ import annotations

import pytest

from crm_kg.web.index import within

BASE = "https://w3id.org/crm-kg/id/"


def first_hits(client, q: str, lang: str = "en") -> list[str]:
    payload = client.get("/search", query_string={"q": q, "format": "json", "lang": lang}).get_json()
    return [r["iri"] for g in payload["groups"] for r in g["results"]]


def test_edit_distance_is_bounded():
    assert within("galium", "gallium", 1) and within("gallium", "gallium", 0)
    assert not within("galium", "germanium", 2) and not within("abc", "abcdef", 2)


@pytest.mark.parametrize("typed, found, lang", [
    ("galium", "material/gallium", "en"),
    ("neodynium", "material/neodymium", "en"),
    ("litium", "material/lithium", "nl"),
    ("Gallim", "material/gallium", "nl"),
])
def test_misspelt_names_are_found(client, typed, found, lang):
    hits = first_hits(client, typed, lang)
    assert BASE + found in hits[:3], hits[:5]


def test_nothing_close_finds_nothing(client):
    assert first_hits(client, "qqqzzzx") == []


def test_404_suggests_the_misspelt_entity(client):
    page = client.get("/id/material/galium", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert 'href="/id/material/gallium"' in page.get_data(as_text=True)
