"""Crawl the site from ``/`` and assert that no internal link is broken.

Every internal ``href``/``src``/``action`` of every HTML page reached is
fetched (in process, no network); pages are parsed and followed. The crawl is
bounded: the ``lang`` switch is not followed twice per page, and the RDF
variants of entity pages (``.ttl`` …) are checked for the first entities
only (the content-negotiation tests cover every format per kind). Of the two
kinds that number in thousands, statement and passage nodes (one per claim, one
per cited paragraph), the first pages are rendered and crawled; every further
link to one is checked against the graph's subjects instead of rendered
(tests/test_statement_sources.py renders a sample of them in depth). Fragments
that point into pages of this app are checked against the target's ``id``s.
"""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit

from crm_kg.iri import BASE

MAX_PAGES = 3000
MAX_VARIANTS = 60
MAX_RENDERED = {"/id/statement/": 80, "/id/passage/": 150}   # per kind; the rest checked in the graph
SUBJECTS = "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) }"
VARIANT_SUFFIXES = (".ttl", ".jsonld", ".rdf", ".nt", ".html")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])
        if tag == "form" and (attrs.get("method") or "get").lower() == "get" and attrs.get("action"):
            self.links.append(attrs["action"])


def normalise(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return parts.path + ("?" + urlencode(query) if query else "")


def test_no_internal_link_is_broken(app, store):
    client = app.test_client()
    subjects = {"/" + str(row["s"]).removeprefix(BASE) for row in store.query(SUBJECTS).rows}
    rendered = dict.fromkeys(MAX_RENDERED, 0)
    unrendered: list[tuple[str, str]] = []      # (page, link) checked against the graph
    has_ontology_page = any(rule.rule == "/ontology" for rule in app.url_map.iter_rules())
    queue = deque(["/"])
    seen = {"/"}
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []   # (page, target, fragment)
    broken: list[tuple[str, str, int]] = []
    referrer = {"/": "(start)"}
    variants = 0
    pages = 0
    while queue:
        url = queue.popleft()
        response = client.get(url, headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
        if response.status_code != 200:
            broken.append((referrer[url], url, response.status_code))
            response.close()
            continue
        if response.mimetype != "text/html":
            response.close()
            continue
        pages += 1
        assert pages <= MAX_PAGES, "the crawl bound was reached; raise it or look for a link loop"
        parser = Links()
        parser.feed(response.get_data(as_text=True))
        ids[urlsplit(url).path] = parser.ids
        for link in parser.links:
            absolute = urljoin("http://localhost" + url, link)
            if not absolute.startswith("http://localhost/"):
                # inline images (the ontology page's icons) are self-contained; scripts are not
                assert not absolute.startswith("javascript:"), (url, link)
                assert not absolute.startswith("data:") or absolute.startswith("data:image/"), (url, link)
                continue  # external IRIs (Wikidata, licences…) are not fetched
            target, fragment = urldefrag(absolute[len("http://localhost"):])
            path = urlsplit(target).path
            if fragment:
                fragments.append((url, path, fragment))
            if path == "/ontology" and not has_ontology_page:
                continue  # the ontology documentation is another surface (issue 3)
            key = normalise(target)
            if key in seen:
                continue
            if path.startswith("/id/") and path.endswith(VARIANT_SUFFIXES):
                variants += 1
                if variants > MAX_VARIANTS:
                    continue
            seen.add(key)
            kind = next((k for k in MAX_RENDERED if path.startswith(k)), None)
            if kind and not urlsplit(key).query:
                if rendered[kind] >= MAX_RENDERED[kind]:
                    unrendered.append((url, path))
                    continue
                rendered[kind] += 1
            referrer[key] = url
            queue.append(key)
    assert not broken, "broken links (page, link, status):\n" + "\n".join(map(str, broken[:30]))
    assert unrendered, "every statement and passage page was rendered: lower MAX_RENDERED or drop it"
    missing_nodes = [(page, path) for page, path in unrendered
                     if path.removesuffix(next((x for x in VARIANT_SUFFIXES if path.endswith(x)), "")) not in subjects]
    assert not missing_nodes, "links to nodes the graph does not have:\n" + "\n".join(map(str, missing_nodes[:30]))
    # the crawl reached every kind of page
    reached = {urlsplit(u).path.split("/")[1] + "/" + (urlsplit(u).path.split("/")[2] if
               urlsplit(u).path.startswith("/id/") else "") for u in seen}
    for kind in ("organisation", "place", "material", "recommendation", "opportunity", "passage",
                 "activity", "report", "edition", "section", "policy", "list"):
        assert f"id/{kind}" in reached, kind
    for page in ("dataset/", "downloads/", "search/", "graph/", "queries/", "sparql/"):
        assert page in reached, page
    # fragments into our own pages exist (skipped for /ontology until that page is part of the app)
    missing = [(page, path, frag) for page, path, frag in fragments
               if path in ids and frag not in ids[path]]
    assert not missing, missing[:20]
