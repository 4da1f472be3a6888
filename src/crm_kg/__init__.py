"""crm-kg: a knowledge graph of critical raw materials in the Dutch provinces.

One subpackage per concern; imports point down this list, never up, and no
module imports another that imports it back (``tests/test_layout.py`` checks
both, imports inside functions included)::

    web/        the Flask app: one blueprint per surface, state.py the one accessor
    pipeline/   reports → facts → RDF → data/ttl (sources, extract, curated, resolve,
                mentions, rdf/, serialize, publish; stages.py runs them in order)
    quality/    the gates: SHACL + SPARQL checks, OWL/HermiT, the ontology release
    store/      the graph a server answers from: embedded, worker pool + sandbox,
                remote (Virtuoso…), snapshot, loading, live swap
    sparql/     query text and answers: saved-query library, binding, hints,
                lexical scan, terms, results in every format
    (root)      cli (entry point), config (settings), errors (every exception),
                iri (minting), media (the media-type table), yamlio (hand-edited YAML)

``cli`` may import everything; ``web`` everything but ``cli``; ``pipeline``
imports ``quality`` (its gate), ``store`` (to check what it publishes) and
below; ``quality`` imports ``sparql`` and the root basics; ``store`` imports
``sparql``; ``sparql`` only the root basics. The README's "Layout" section is
the map from a request to the store and from a report to the graph.
"""

__version__ = "0.1.0"
