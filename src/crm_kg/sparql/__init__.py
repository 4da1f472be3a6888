"""sparql: query text and answers, independent of any store.

* :mod:`.library` — saved queries (``queries/*.rq`` with a ``#+`` YAML header:
  typed parameters, closed lists) and their checks;
* :mod:`.binding` — parameter values bound as RDF terms in a ``VALUES`` block,
  the same text on every engine; :mod:`.hints` — how the embedded engine
  evaluates an ``OPTIONAL`` row by row;
* :mod:`.scan` — a lexical scan of query text (keywords, nesting, dataset
  clauses) with no parsing or evaluation;
* :mod:`.terms` — RDF terms between rdflib and pyoxigraph;
* :mod:`.prologue` — the common prefixes a query may use undeclared;
  :mod:`.explain` — syntax errors as a sentence with line and column;
* :mod:`.results` — answers (:class:`~.results.Result`…) and the one writer
  and reader of the W3C results formats.

May import: the root basics (:mod:`crm_kg.errors`, :mod:`crm_kg.iri`,
:mod:`crm_kg.media`), never :mod:`crm_kg.store` or above.
"""
