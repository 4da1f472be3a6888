"""Bad IRIs in /id/ and /graph/ paths (issue 23): a 404 with a human message, never a 5xx and
never the store's own words; hypothesis fuzzes the paths for any 5xx."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_kg.web.paths import is_iri

BAD = ["/id/material/a%20b", "/id/material/%3Cx%3E", "/id/material/%00", "/id/material/%22",
       "/id/material/%7B", "/id/material/%5C", "/id/material/a%25b", "/id/material/%25zz",
       "/id/material/a%0Ab", "/id/a%20b", "/id/material/gallium%20.ttl", "/id/material/%60x%5E",
       "/graph/a%20b", "/graph/%00", "/graph/%3Cx%3E.ttl"]
INTERNAL = ("Invalid IRI", "store could not answer", "Traceback", "code point", "ValueError")
ACCEPTS = ["text/html", "text/turtle", "application/ld+json", "*/*", "image/png", ""]


def _check(response, path):
    text = response.get_data(as_text=True)
    assert response.status_code < 500, (path, response.status_code, text[:300])
    assert not any(word in text for word in INTERNAL), (path, text[:300])
    return text


@pytest.mark.parametrize("path", BAD)
def test_bad_iri_is_a_plain_404(app, pool_app, path):
    for application in (app, pool_app):        # the web process's store and the query workers
        client = application.test_client()
        r = client.get(path, headers={"Accept": "text/turtle"})
        text = _check(r, path)
        assert r.status_code == 404 and r.mimetype == "text/plain" and text.startswith("not found: ")
        r = client.get(path, headers={"Accept": "text/html"})
        text = _check(r, path)
        assert r.status_code == 404 and r.mimetype == "text/html" and "<h1" in text


def test_is_iri():
    assert is_iri("https://w3id.org/crm-kg/id/material/gallium")
    assert is_iri("https://w3id.org/crm-kg/id/material/%C3%A9")
    for bad in ("https://w3id.org/a b", "https://w3id.org/<x>", "https://w3id.org/\x00", 'https://w3id.org/"',
                "https://w3id.org/{", "https://w3id.org/\\", "https://w3id.org/a%zz", "no scheme"):
        assert not is_iri(bad), bad


segment = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12),
    st.sampled_from(["gallium", "nhfl-2025", "..", ".", "%", "%2F", "a b", "<x>", "\x00", '"', "{", "\\",
                     "|", "^", "`", "\u200b", "\ufffe", "😀", "?x", "#x", ";x", "\r\n"]))


@st.composite
def paths(draw):
    root = draw(st.sampled_from(["/id/", "/id/material/", "/id/organisation/", "/graph/", "/id/passage/"]))
    parts = draw(st.lists(segment, min_size=1, max_size=3))
    suffix = draw(st.sampled_from(["", ".ttl", ".html", ".jsonld", ".nt", ".rdf", ".", ".x"]))
    return root + "/".join(quote(p, safe=draw(st.sampled_from(["", "/", "%"]))) for p in parts) + suffix


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=paths(), accept=st.sampled_from(ACCEPTS))
def test_fuzzed_paths_never_5xx(app, path, accept):
    r = app.test_client().get(path, headers={"Accept": accept} if accept else {})
    _check(r, path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=paths(), accept=st.sampled_from(ACCEPTS))
def test_fuzzed_paths_never_5xx_through_the_workers(pool_app, path, accept):
    r = pool_app.test_client().get(path, headers={"Accept": accept} if accept else {})
    _check(r, path)
