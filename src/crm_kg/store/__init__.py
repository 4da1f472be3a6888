"""store: the graph a server or command answers from.

* :mod:`.interface` — the :class:`~.interface.Store` protocol and the
  dataset a request names;
* :mod:`.embedded` — the built graph in an in-process pyoxigraph store, and
  the loader query workers use;
* :mod:`.pool` — query workers under a deadline (:mod:`.sandbox`: what a
  worker does to itself first — seccomp, memory limit);
* :mod:`.remote` — any SPARQL 1.1 endpoint (Virtuoso…) through SPARQLWrapper;
  :mod:`.upstream` maps its failures;
* :mod:`.snapshot` — a built graph directory checked against its manifest;
* :mod:`.load` — the built graph into a SPARQL 1.1 store;
* :mod:`.serving` — the live store a reload swaps; :mod:`.factory` — which
  store the settings ask for.

May import: :mod:`crm_kg.sparql` and the root basics, never
:mod:`crm_kg.quality`, :mod:`crm_kg.pipeline` or :mod:`crm_kg.web`.
"""
