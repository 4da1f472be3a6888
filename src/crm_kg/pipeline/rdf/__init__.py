"""rdf: records → triples, one named graph per report, plus reference data and inferences.

* :mod:`.context` — graphs, resolvers and the provenance helpers every
  statement uses (each cites its passage);
* :mod:`.statements` — each record kind as triples;
* :mod:`.reference` and :mod:`.products` — the gazetteers (organisations,
  places, materials, policies, products) as RDF;
* :mod:`.inference` — materialised inferences (``queries/inference/*.rq``)
  into their own graph.

May import: :mod:`crm_kg.pipeline.records`, :mod:`~crm_kg.pipeline.sources`,
:mod:`~crm_kg.pipeline.resolve` and the root basics.
"""
