"""The saved-query library: headers parse, parameters are declared and typed."""

from __future__ import annotations

import pytest

from crm_kg.queries import ParamError, QueryDefinitionError, QueryLibrary, parse_saved_query


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
