"""The saved-query library: headers parse, parameters are declared and typed."""

from __future__ import annotations

import pytest

from crm_kg.config import load_settings
from crm_kg.sparql.library import ParamError, QueryDefinitionError, QueryLibrary, parse_saved_query


def test_every_saved_query_parses(settings):
    library = QueryLibrary(settings.queries_dir)
    assert "recommendations-for-opportunity" in library.queries
    for query in library:
        assert query.title["en"] and query.title["nl"]


@pytest.mark.parametrize("text, message", [
    ("SELECT ?x WHERE { ?x ?p ?o }\n", "no title"),
    ("#+ title: {en: A, nl: B}\nSELECT ?x $y WHERE { ?x ?p $y }\n", "undeclared parameter"),
    ("#+ title: {en: A, nl: B}\n#+ params: {y: {type: integer}}\nSELECT ?x WHERE { ?x ?p ?o }\n", "not used"),
    ("#+ title: {en: A, nl: B}\n#+ params: {y: {type: integer}}\nSELECT ?x WHERE { ?x ?p $y }\n", "projection"),
    ("#+ title: {en: A, nl: B}\nSELECT ?x WHERE { ?x ?p }\n", "does not parse"),
    ("#+ title: {en: A}\nSELECT ?x WHERE { ?x ?p ?o }\n", "English and Dutch"),
    ("#+ title: {en: A, nl: B}\n#+ params: {y: {type: colour}}\nSELECT * WHERE { ?x ?p $y }\n", "unknown type"),
    ("#+ title: {en: A, nl: B}\n#+ params: {limit: {type: integer}}\nSELECT ?x $limit WHERE { ?x ?p $limit }\n",
     "reserved"),
    ("#+ title: {en: A, nl: B}\n#+ params: {y: {type: iri, values_query: 'SELECT ?v WHERE { ?v ?p ?o }'}}\n"
     "SELECT ?x $y WHERE { ?x ?p $y }\n", "projects \\?value"),
    ("#+ title: {en: A, nl: B}\n#+ params: {y: {type: iri, values_query: 'SELECT ?value WHERE { ?value ?p $z }'}}\n"
     "SELECT ?x $y WHERE { ?x ?p $y }\n", "takes no parameters"),
    ("#+ title: {en: A, nl: B}\n#+ params: {y: {type: iri, values_query: 'SELECT ?value WHERE { ?value ?p }'}}\n"
     "SELECT ?x $y WHERE { ?x ?p $y }\n", "values_query does not parse"),
    ("#+ title: {en: A, nl: B}\n#+ params: {y: {type: integer, max: 3, default: 5}}\n"
     "SELECT ?x $y WHERE { ?x ?p $y }\n", "default"),
    ("#+ title: {en: A, nl: B}\n#+ chart: {type: bar, label: x, value: n}\nSELECT ?x WHERE { ?x ?p ?o }\n",
     "not a projected variable"),
    ("#+ title: {en: A, nl: B}\n#+ chart: {type: pie}\nSELECT ?x WHERE { ?x ?p ?o }\n", "chart must be"),
    ("#+ title: {en: A, nl: B}\n#+ labels: {name: thing}\nSELECT ?x ?name WHERE { ?x ?p ?name }\n",
     "not projected"),
])
def test_bad_definitions_are_rejected(tmp_path, text, message):
    path = tmp_path / "q.rq"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QueryDefinitionError, match=message):
        parse_saved_query(path)


def test_parameters_are_typed_terms(settings):
    query = QueryLibrary(settings.queries_dir).get("recommendations-for-opportunity")
    bindings = query.bind({"opportunity": "3", "actor": "municipalities"})
    assert bindings["opportunity"].datatype.endswith("#integer") and int(bindings["opportunity"]) == 3
    assert str(bindings["actor"]) == "https://w3id.org/crm-kg/id/actor-type/municipalities"
    assert str(bindings["lang"]) == "en"
    for raw, message in [({"opportunity": "3; DROP"}, "not an integer"),
                         ({"opportunity": "99"}, "above the maximum"),
                         ({"actor": "<bad iri>"}, "not an IRI"),
                         ({"lang": "fr"}, "not one of")]:
        with pytest.raises(ParamError, match=message):
            query.bind(raw)


# -- the library as a whole ---------------------------------------------------------------

def test_every_header_is_complete(settings):
    """Titles and descriptions in both languages, known tags, labelled parameters, and closed
    lists where the values are a closed set."""
    from crm_kg.web.wording import TAGS

    library = QueryLibrary(settings.queries_dir)
    assert len(library) >= 25
    for q in library:
        assert q.description.get("en") and q.description.get("nl"), q.name
        assert q.tags and set(q.tags) <= set(TAGS), q.name
        for p in q.params:
            assert p.label.get("en") and p.label.get("nl"), (q.name, p.name)
            if p.type == "language":
                assert p.allowed, (q.name, p.name)
    areas = {t for q in library for t in q.tags}
    assert {"materials", "products", "goods", "organisations", "policies", "figures", "recommendations",
            "opportunities", "challenges", "trade", "sources"} <= areas


def test_empty_and_missing_values(settings):
    """Absent: the default. Empty: unbound for an optional parameter, else the default."""
    library = QueryLibrary(settings.queries_dir)
    orgs = library.get("organisations-by-activity")                  # report: default nhfl-2025, optional
    assert str(orgs.bind({})["report"]).endswith("/report/nhfl-2025")
    assert "report" not in orgs.bind({"report": ""})
    opp = library.get("recommendations-for-opportunity")             # not optional: empty → default
    assert int(opp.bind({"opportunity": ""})["opportunity"]) == 3
    figures = library.get("figures-with-source")                     # no default: left out → unbound
    assert "edition" not in figures.bind({})
    supply = library.get("supply-concentration")
    assert str(supply.bind({"minimum": "90.5"})["minimum"]) == "90.5"
    assert supply.bind({"minimum": "90.5"})["minimum"].datatype.endswith("#decimal")
    for bad in ("ninety", "1e3", "9" * 20):
        with pytest.raises(ParamError, match="minimum"):
            supply.bind({"minimum": bad})
    trade = library.get("trade-measures-timeline")
    assert trade.bind({"from": "2023"})["from"].datatype.endswith("#integer")
    with pytest.raises(ParamError, match="from"):
        trade.bind({"from": "1800"})


def test_closed_lists_from_the_graph(settings, store):
    """Class members, values_query answers (years present, goods-share provinces, numbered
    opportunities), and a value outside them is a ParamError naming the parameter."""
    from crm_kg.sparql.library import Choices

    library = QueryLibrary(settings.queries_dir)
    choices = Choices(store)
    trade = library.get("trade-measures-timeline")
    assert [c.value for c in choices.get(trade, trade.param("from"))] == ["2022", "2023", "2024", "2025"]
    with pytest.raises(ParamError, match="'from'.*not one of the allowed"):
        choices.check(trade, trade.bind({"from": "2021"}))
    shares = library.get("goods-category-shares")
    provinces = choices.get(shares, shares.param("province"))
    assert [(c.value, c.label("nl")) for c in provinces] == [("flevoland", "Flevoland"),
                                                             ("noord-holland", "Noord-Holland")]
    opp = library.get("recommendations-for-opportunity")
    numbers = choices.get(opp, opp.param("opportunity"))
    assert [c.value for c in numbers] == ["1", "2", "3", "4", "5"]
    # both reports' opportunity 3, by name (the form lists only the chosen report's: web/answers.py)
    assert numbers[2].label("en") == "Help recycling companies grow their services · Making strategic high-tech components"
    actors = {c.value for c in choices.get(opp, opp.param("actor"))}
    assert {"municipalities", "provinces", "national-government"} <= actors
    with pytest.raises(ParamError, match="'opportunity'"):
        choices.check(opp, opp.bind({"opportunity": "6"}))
    with pytest.raises(ParamError, match="'actor'"):
        choices.check(opp, opp.bind({"actor": "material/gallium"}))
    # a list too long to hold is checked value by value
    small = Choices(store, limit=3)
    place = library.get("organisations-in-place")
    assert small.get(place, place.param("place")) is None
    small.check(place, place.bind({"place": "urk"}))
    with pytest.raises(ParamError, match="'place'"):
        small.check(place, place.bind({"place": "nowhere"}))


@pytest.mark.parametrize("name", sorted(p.stem for p in load_settings().queries_dir.glob("*.rq")))
def test_editor_text_gives_the_same_answer(settings, store, name):
    """The text "open in the SPARQL editor" shows — values bound in a VALUES block — answers what
    the form does, and is standard SPARQL 1.1 (it parses with rdflib's grammar)."""
    from rdflib.plugins.sparql.parser import parseQuery
    from saved_query_cases import rowset

    from crm_kg.sparql.binding import values_block

    query = QueryLibrary(settings.queries_dir).get(name)
    bindings = query.bind({})
    text = query.editor_text(bindings)
    parseQuery(text)
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert not bindings or values_block(bindings) in body
    bound_answer = store.query(query.text, bindings)
    written = store.query(text)
    assert bound_answer.rows, f"{name}: the default parameters give no answer"
    # the same rows; a GROUP_CONCAT's parts may come in another order (SPARQL 1.1 §18.5.1.7)
    assert rowset(query, written) == rowset(query, bound_answer) and len(written.rows) == len(bound_answer.rows)
