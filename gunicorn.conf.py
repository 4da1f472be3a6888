"""gunicorn settings, read by ``gunicorn app:app`` from this directory.

One web process with many threads: a thread only waits while a query worker
(crm_kg.execute, ``query_workers`` processes per web process) answers under
the deadline, so a slow query never holds up other clients. More web
processes (``WEB_CONCURRENCY``) means more query pools. ``--bind`` as usual.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
worker_class = "gthread"
threads = int(os.environ.get("CRM_KG_THREADS", "16"))
timeout = 60                 # worker heartbeat; every query is stopped at query_timeout before this
graceful_timeout = 10
limit_request_line = 8190    # the longest GET request line gunicorn reads; longer queries: POST
