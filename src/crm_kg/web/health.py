"""Health checks for load balancers and orchestrators (exempt from the rate limit).

* ``/healthz`` — liveness: the web process answers (always 200 while it runs).
* ``/readyz`` — readiness: a graph is loaded and can answer — its version,
  triples per named graph, when it was loaded, the generation and the outcome
  of the last reload (:mod:`crm_kg.store.serving`), the worker pool. ``503`` with
  ``Retry-After`` while no query worker is up (all restarting) or a remote
  store does not answer, or while a served app prepares the closed lists of the
  saved queries' parameters (:func:`.answers.warm`); the body says why.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from ..errors import CrmKgError
from . import state
from .answers import lists_pending

bp = Blueprint("health", __name__)
NO_STORE = {"Cache-Control": "no-store"}


@bp.route("/healthz")
def healthz():
    return jsonify({"status": "alive"}), 200, NO_STORE


@bp.route("/readyz")
def readyz():
    live = state.store()
    ready, reason = live.ready()
    pending = lists_pending(state.current()) if ready else None
    if pending:                   # a served app prepares the drop-down lists first (answers.warm)
        ready, reason = False, pending
    body: dict = {"status": "ready" if ready else "not ready"}
    if reason:
        body["reason"] = reason
    try:
        info = live.info()
    except CrmKgError as exc:
        info = {}
        ready = False
        body.update(status="not ready", reason=body.get("reason") or str(exc))
    body.update({"version": live.version, "triples": info.get("triples"),
                 "graphs": info.get("graph_sizes") or {g: None for g in info.get("graphs", [])},
                 "store": info.get("store")})
    if "pool" in info:
        body["pool"] = {k: info["pool"][k] for k in ("workers", "alive", "idle", "reserved", "answered",
                                                     "timeouts", "busy", "restarts") if k in info["pool"]}
    status = getattr(live, "status", None)
    if status is not None:
        body.update({k: v for k, v in status().items() if k != "version"})
    headers = dict(NO_STORE) if ready else {**NO_STORE, "Retry-After": "1"}
    return jsonify(body), 200 if ready else 503, headers
