"""quality: the gates a graph passes before it is published or served.

* :mod:`.validate` — SHACL shapes (``ontology/shapes/*.ttl``, pyshacl) and
  SPARQL checks (:mod:`.checks`: ``queries/checks/*-violation.rq``) with a
  readable report;
* :mod:`.reasoning` — OWL 2 DL: declarations and HermiT consistency;
* :mod:`.declarations` — the ontology source and the checks every term
  passes; :mod:`.release` and :mod:`.ontodoc` — the RDF/XML and HTML
  generated from it (``make ontology``);
* :mod:`.rdfinput` — RDF files read without surprises (no DOCTYPE, no
  ``owl:imports``, line numbers in errors).

May import: :mod:`crm_kg.sparql` and the root basics, never
:mod:`crm_kg.pipeline`, :mod:`crm_kg.store` or :mod:`crm_kg.web`.
"""
