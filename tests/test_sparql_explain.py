"""Readable SPARQL errors and the common prefixes (sparql/explain.py, sparql/prologue.py),
through the endpoint (JSON, text, the editor page) and the CLI."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from crm_kg.sparql.explain import MESSAGES, explain
from crm_kg.sparql.prologue import COMMON, complete_prefixes, declared_prefixes, used_prefixes

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def problem_of(text: str, lang: str = "en"):
    """What explain() says about ``text`` after the engine refused it (as the endpoint runs it)."""
    completed = complete_prefixes(text)
    with pytest.raises(SyntaxError) as caught:
        ox.Store().query(completed.text)
    return explain(text, str(caught.value), completed.shift, lang)


# -- prefixes --------------------------------------------------------------------------
def test_common_prefixes_are_added_only_when_used_and_not_declared():
    text = "PREFIX crm: <http://example.org/other#>\nSELECT * WHERE { ?s a crm:X ; skos:prefLabel ?l }"
    done = complete_prefixes(text)
    assert done.added == ("skos",)                       # crm: is the query's own: it wins
    assert done.text.endswith(text) and done.text.count("\n") == text.count("\n")   # lines unchanged
    assert done.shift == len(f"PREFIX skos: <{COMMON['skos']}> ")
    assert complete_prefixes("ASK { ?s ?p ?o }").text == "ASK { ?s ?p ?o }"
    assert declared_prefixes(text) == {"crm"} and used_prefixes(text) == ["crm", "skos"]
    # names in strings, IRIs and comments are no prefixes
    assert used_prefixes('SELECT * WHERE { ?s <http://x/a:b> "rdf:y" } # owl:z') == []


# -- explanations ----------------------------------------------------------------------
@pytest.mark.parametrize("text, line, column, words", [
    ("SELECT * WHERE { ?s foo:bar ?o }", 1, 21, ["unknown prefix `foo:`", "declare it", "skos:"]),
    ("SELECT * WHERE { ?s skoss:bar ?o }", 1, 21, ["did you mean `skos:`"]),
    ("SELECT ?m WHERE {\n  ?m a crm:Material ;\n     foo:bar ?x\n}", 3, 6, ["unknown prefix `foo:`"]),
    ("SELECT * WHERE { ?s ?p }", 1, 24, ["unexpected `}`", "a subject, a predicate and an object"]),
    ("SELEC * WHERE { ?s ?p ?o }", 1, 1, ["unknown keyword `SELEC`", "did you mean SELECT"]),
    ("SELECT * WHERE { ?s ?p ?o } LIMT 5", 1, 29, ["unknown keyword `LIMT`", "LIMIT"]),
    ("SELECT * WHERE { ?s ?p ?o FILTR(?o) }", 1, 27, ["`FILTR`", "FILTER"]),
    ("SELECT * WHERE {\n ?s ?p ?o\n", 3, 1, ["ends too early", "`{` is not closed"]),
    ('SELECT * WHERE { ?s ?p "abc }', 1, 24, ["string is not closed"]),
    ("SELECT (COUNT(*) ?n) WHERE { ?s ?p ?o }", 1, 8, ["AS ?name"]),
    ("SELECT * WHERE { ?s ?p ?o . FILTER(?o > 3 }", 1, 43, ["`(` is not closed"]),
    ("SELECT * WHERE { ?s ?p ?o . }}", 1, 30, ["closes no `{`"]),
])
def test_errors_read_as_sentences_with_line_and_column(text, line, column, words):
    problem = problem_of(text)
    assert (problem.line, problem.column) == (line, column), problem
    for word in words:
        assert word in problem.message, problem
    assert "\\u{" not in str(problem) and "['" not in str(problem)    # no grammar dump
    assert problem.detail.startswith("error at")                     # the engine's words kept


@pytest.mark.parametrize("text, words", [
    ("SELECT * WHERE { ?s foo:bar ?o }", ["onbekend prefix `foo:`", "declareer het", "of gebruik een van"]),
    ("SELECT * WHERE { ?s skoss:bar ?o }", ["bedoelde je `skos:`"]),
    ("SELECT * WHERE { ?s ?p }", ["onverwachte `}`", "een subject, een predicaat en een object"]),
    ("SELEC * WHERE { ?s ?p ?o }", ["onbekend sleutelwoord `SELEC`", "bedoelde je SELECT"]),
    ("SELECT * WHERE { ?s ?p ?o } LIMT 5", ["onbekend sleutelwoord `LIMT`", "bedoelde je LIMIT"]),
    ("SELECT * WHERE {\n ?s ?p ?o\n", ["houdt te vroeg op", "`{` is niet gesloten"]),
    ('SELECT * WHERE { ?s ?p "abc }', ["tekst is niet afgesloten"]),
    ("SELECT (COUNT(*) ?n) WHERE { ?s ?p ?o }", ["AS ?naam"]),
    ("SELECT * WHERE { ?s ?p ?o . FILTER(?o > 3 }", ["`(` is niet gesloten"]),
    ("SELECT * WHERE { ?s ?p ?o . }}", ["sluit geen `{`"]),
])
def test_errors_in_dutch_at_the_same_place(text, words):
    dutch, english = problem_of(text, "nl"), problem_of(text)
    assert (dutch.line, dutch.column) == (english.line, english.column)
    for word in words:
        assert word in dutch.message, dutch
    assert str(dutch).startswith(f"SPARQL-syntaxfout op regel {dutch.line}, kolom {dutch.column}: ")
    english_words = {"unknown", "unexpected", "declare", "expected", "mean", "closed", "query", "needs"}
    assert not english_words & set(dutch.message.replace("`", " ").split()), dutch.message


def test_one_table_of_messages_in_both_languages():
    import string

    for key, entry in MESSAGES.items():
        assert set(entry) == {"en", "nl"} and entry["en"] != entry["nl"], key
        fields = [{name for _, name, _, _ in string.Formatter().parse(entry[lang]) if name} for lang in ("en", "nl")]
        assert fields[0] == fields[1], key          # the same blanks, filled by the same code


def test_a_message_without_position_is_kept():
    problem = explain("ASK {}", "upstream refused the query: Virtuoso 37000 Error SP030")
    assert problem.line is None and "Virtuoso 37000" in problem.message


# -- the endpoint ----------------------------------------------------------------------
def test_endpoint_accepts_queries_without_the_common_prefixes(client):
    r = client.get("/sparql", query_string={
        "query": "SELECT ?l WHERE { ?m a crm:Material ; rdfs:label ?l FILTER(LANG(?l) = 'en') } ORDER BY ?l"},
        headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    labels = [b["l"]["value"] for b in r.get_json()["results"]["bindings"]]
    assert "Gallium" in labels
    # a query's own declaration wins: crm: bound elsewhere finds nothing
    own = client.get("/sparql", query_string={
        "query": "PREFIX crm: <http://example.org/nothing#> ASK { ?m a crm:Material }"},
        headers={"Accept": "application/sparql-results+json"})
    assert own.get_json()["boolean"] is False


def test_endpoint_error_as_json_text_and_page(client):
    query = "SELECT * WHERE { ?s foo:bar ?o }"
    as_json = client.get("/sparql", query_string={"query": query},
                         headers={"Accept": "application/sparql-results+json"})
    assert as_json.status_code == 400 and as_json.mimetype == "application/json"
    body = json.loads(as_json.get_data(as_text=True))
    assert (body["error"], body["line"], body["column"]) == ("syntax", 1, 21)
    assert body["explanation"].startswith("unknown prefix `foo:` — declare it")
    as_text = client.get("/sparql", query_string={"query": query})
    assert as_text.mimetype == "text/plain"
    assert as_text.get_data(as_text=True).startswith("SPARQL syntax error at line 1, column 21: unknown prefix")
    page = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "<strong>Line 1, column 21</strong>: unknown prefix `foo:`" in html
    # the line itself with a caret under the column
    assert "   1 | SELECT * WHERE { ?s foo:bar ?o }\n" + " " * 27 + "^" in html
    # in Dutch on the Dutch editor page, and for a client that asks for Dutch
    nl = client.get("/sparql", query_string={"query": query, "lang": "nl"}, headers={"Accept": BROWSER})
    assert "<strong>Regel 1, kolom 21</strong>: onbekend prefix `foo:` — declareer het" in nl.get_data(as_text=True)
    dutch = client.get("/sparql", query_string={"query": query},
                       headers={"Accept": "application/sparql-results+json", "Accept-Language": "nl"}).get_json()
    assert dutch["message"].startswith("SPARQL-syntaxfout op regel 1, kolom 21: onbekend prefix `foo:`")
    assert (dutch["line"], dutch["column"]) == (1, 21)


def test_editor_page_runs_yasgui_from_this_server(client):
    page = client.get("/sparql", headers={"Accept": BROWSER})
    html = page.get_data(as_text=True)
    assert 'src="/vendor/yasgui/yasgui.min.js"' in html and 'id="yasgui"' in html
    assert "cdn" not in html.lower() and "unpkg" not in html
    script = client.get("/vendor/yasgui/yasgui.min.js")
    assert script.status_code == 200 and script.mimetype in ("text/javascript", "application/javascript")
    assert b"Yasgui" in script.get_data()[:2000]
    assert client.get("/vendor/yasgui/../../package.json").status_code == 404
    assert client.get("/vendor/nothing/x.js").status_code == 404
    # the examples carry their query, with the prefixes they use declared for the editor
    assert html.count('class="example"') >= 20 and "data-query=" in html


def test_label_lookup_for_the_result_table(client):
    gallium = "https://w3id.org/crm-kg/id/material/gallium"
    r = client.post("/api/labels?lang=nl", data={"iri": [gallium, "http://example.org/unknown"]})
    assert r.get_json() == {gallium: {"label": "Gallium", "href": "/id/material/gallium"}}
    # the server-rendered table shows names too, the IRI in the link's title
    page = client.get("/sparql", query_string={
        "query": "SELECT ?m WHERE { VALUES ?m { <%s> } }" % gallium, "format": "html"})
    assert f'<a href="/id/material/gallium" title="{gallium}">Gallium</a>' in page.get_data(as_text=True)


# -- the CLI -----------------------------------------------------------------------------
def test_cli_explains_the_error_and_accepts_common_prefixes(tmp_path, capsys, built):
    from crm_kg.cli import main

    settings, _ = built
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?m WHERE {\n  ?m a crm:Material ;\n     foo:bar ?x\n}\n", encoding="utf-8")
    assert main(["query", str(bad), "--ttl-dir", str(settings.ttl_dir)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("crm-kg: error: ") and "line 3, column 6: unknown prefix `foo:`" in err
    good = tmp_path / "good.rq"
    good.write_text("SELECT ?m WHERE { ?m a crm:Material ; rdfs:label 'Gallium'@en }\n", encoding="utf-8")
    assert main(["query", str(good), "--ttl-dir", str(settings.ttl_dir), "--format", "csv"]) == 0
    assert "material/gallium" in capsys.readouterr().out
