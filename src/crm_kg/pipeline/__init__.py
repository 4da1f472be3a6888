"""pipeline: from the report texts to the published graph in ``data/ttl``.

In the order data flows (:mod:`.stages` runs them):

1. :mod:`.sources` — read the editions, check their pins, repair extraction
   damage, split into sections and paragraphs with line spans;
2. :mod:`.extract` — generic extractors that read each report as its profile
   (``data/profiles/<report>.yaml``) describes it, and :mod:`.curated` — facts
   transcribed by hand; both give :mod:`.records` with their source spans;
3. :mod:`.resolve` and :mod:`.mentions` — one IRI per real thing, and where
   the text names it;
4. :mod:`.rdf` — records → triples with provenance, reference data, inferences;
5. :mod:`.serialize` and :mod:`.publish` — byte-stable files, swapped in
   atomically after the gate (:mod:`crm_kg.quality.validate`).

May import: :mod:`crm_kg.quality`, :mod:`crm_kg.store` (to check what it
publishes can be served), :mod:`crm_kg.sparql` and the root basics; never
:mod:`crm_kg.web`.
"""
