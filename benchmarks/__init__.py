"""Benchmarks of crm-kg (``make bench``; never part of ``make test``).

``python -m benchmarks`` runs, at each size of synthetic graph
(:mod:`benchmarks.synthetic`): query latency of every saved query on the
embedded engine, Virtuoso and rdflib (:mod:`benchmarks.latency`), load and
validation times (:mod:`benchmarks.load`), and HTTP throughput and server
memory under gunicorn (:mod:`benchmarks.http`); then prints the issue's
targets as PASS or MISS. Shared helpers are in :mod:`benchmarks.common`.
"""
