"""gunicorn settings, read by ``gunicorn app:app`` from this directory.

One web process with many threads: a thread only waits while a query worker
(crm_kg.store.pool, ``query_workers`` processes per web process) answers under
the deadline, so a slow query never holds up other clients. More web
processes (``WEB_CONCURRENCY``) means more query pools. ``--bind`` as usual.

Reload: ``crm-kg reload`` (or ``kill -HUP`` of a *worker*) makes each web
process load the new graph and swap it in while it answers (crm_kg.store.serving);
the workers announce themselves in data/.ttl.run/. ``kill -HUP`` of the
gunicorn *master* is gunicorn's own restart of its workers, which cannot boot
if the new graph is broken — prefer ``crm-kg reload``, which keeps the old
graph then.

Per-client limits (crm_kg.web.shares) hold for the whole server, however many web
processes: ``on_starting`` gives them one SQLite file in a private temporary directory
(``CRM_KG_LIMITS_FILE``, inherited by every worker gunicorn forks), removed on exit.
"""

import os
import shutil
import sqlite3
import tempfile

from crm_kg.config import load_settings

workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
worker_class = "gthread"
# Threads only ever wait for the query workers (nginx in front holds slow clients): up to
# adhoc_queue (32) /sparql queries may queue for a worker, and the other 16 keep saved queries
# and pages answering (they need no more: the workers have 8 slots and cached answers are instant).
threads = int(os.environ.get("CRM_KG_THREADS", "48"))
# Worker heartbeat: gunicorn kills a web process silent for this long, and it is silent while
# it starts its query workers, each loading the graph (up to query_start_timeout: about a minute
# at 10M triples). Every query is stopped at query_timeout long before this.
timeout = max(60, int(load_settings().query_start_timeout) + 30)
graceful_timeout = 10
limit_request_line = 8190    # the longest GET request line gunicorn reads; longer queries: POST


def post_worker_init(worker):
    """Announce this worker for `crm-kg reload` and reload on SIGHUP (after gunicorn's own handlers);
    prepare the parameter lists in the background (/readyz is 503 until they are there)."""
    from crm_kg.store.serving import announce
    from crm_kg.web import answers, state

    served = state.of(worker.wsgi)
    announce(served.store, served.settings.ttl_dir)
    answers.warm(worker.wsgi)     # the drop-down lists: read or computed once per graph version


def on_starting(server):
    """Before any web process starts: the file their per-client limits share (unless set)."""
    if not os.environ.get("CRM_KG_LIMITS_FILE"):
        directory = tempfile.mkdtemp(prefix="crm-kg-limits-")
        os.environ["CRM_KG_LIMITS_FILE"] = os.path.join(directory, "limits.sqlite")
        server.crm_kg_limits_dir = directory
    with sqlite3.connect(os.environ["CRM_KG_LIMITS_FILE"]) as db:   # WAL once, before workers open it
        db.execute("PRAGMA journal_mode = WAL")


def on_exit(server):
    directory = getattr(server, "crm_kg_limits_dir", None)
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
