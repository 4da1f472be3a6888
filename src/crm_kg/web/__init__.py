"""web: the Flask application (app factory, one blueprint per surface).

``create_app(config)`` loads the built graph once per app — never at import —
and registers the surfaces: pages (``/``), the SPARQL endpoint (``/sparql``),
saved queries (``/queries``, ``/api/queries``, ``/api``). ``config`` may carry
``SETTINGS`` (a :class:`~crm_kg.config.Settings`), ``STORE`` (any object with
the :class:`~crm_kg.store.interface.Store` interface) and Flask keys such as ``TESTING``.
Without ``STORE`` the app opens :func:`crm_kg.store.factory.open_store`: a pool of
query workers with a deadline per query (``query_workers = 0``: in-process),
over a graph checked against its manifest (a missing, partial or corrupt graph
is refused: :class:`~crm_kg.errors.GraphError`). The store is held in a
:class:`~crm_kg.store.serving.LiveStore` that a reload replaces while requests are
answered (each request pins one graph); ``STORE_OPENER`` lets a given store be
reloaded too. Health checks, the rate limit and the ad-hoc lane:
:mod:`.health`, :mod:`.limits`. Errors of the engine: 503 (``Unavailable``,
or its ``status``: 504 for a remote store that timed out) and 502 (the store
failed); no error is ever cacheable.

Surfaces and their modules: ``/sparql`` (:mod:`.endpoint`, checked first by
:mod:`.guard`), ``/queries`` and ``/api/queries`` (:mod:`.queries`,
:mod:`.answers`, :mod:`.cache`, :mod:`.charts`, :mod:`.openapi`), ``/id/…``
and ``/search`` (:mod:`.ld`, :mod:`.entity`, :mod:`.index`, :mod:`.blocks`,
:mod:`.texts`), ``/dataset`` and ``/downloads`` (:mod:`.dataset`,
:mod:`.void`), ``/ontology`` (:mod:`.ontology`), ``/healthz`` and ``/readyz``
(:mod:`.health`). Every module reaches settings, store and saved queries
through :mod:`.state`; media types come from :mod:`crm_kg.media` through
:mod:`.negotiation` and :mod:`.rdfdoc`.

May import: every subpackage of :mod:`crm_kg` but the CLI.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from ..config import load_settings
from ..errors import StoreError, Unavailable
from ..sparql.library import QueryLibrary
from ..store.factory import open_store
from ..store.serving import LiveStore
from . import (
    cache,
    dataset,
    endpoint,
    health,
    ld,
    limits,
    ontology,
    openapi,
    pages,
    queries,
    reports,
    state,
    vendor,
)
from .i18n import pick_language, plural, t


def create_app(config: dict | None = None) -> Flask:
    config = dict(config or {})
    app = Flask(__name__)
    settings = config.get("SETTINGS") or load_settings()
    # a form-encoded query may be up to three times its own size, plus other fields
    app.config["MAX_CONTENT_LENGTH"] = 4 * settings.max_query_bytes
    app.config.update({k: v for k, v in config.items() if k.isupper()})
    store, opener = config.get("STORE"), config.get("STORE_OPENER")
    if store is None:
        store, opener = open_store(settings), opener or (lambda: open_store(settings))
    live = store if isinstance(store, LiveStore) else LiveStore(store, opener)
    state.install(app, settings, live, QueryLibrary(settings.queries_dir))
    app.jinja_env.autoescape = True
    app.jinja_env.globals.update(ui=t, plural=plural)   # words of every page, plurals counted
    limits.install(app, settings)        # first: a refused request costs nothing more

    @app.before_request
    def _pin_graph():
        g._crm_kg_pin = live.pin()      # every store call of this request: one graph

    @app.teardown_request
    def _unpin_graph(_exc):
        token = g.pop("_crm_kg_pin", None)
        if token is not None:
            live.unpin(token)

    @app.before_request
    def _language():
        g.lang = pick_language(request)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        vary = response.headers.get("Vary")
        response.headers["Vary"] = ", ".join(filter(None, [vary, "Accept", "Accept-Language"]))
        if response.status_code >= 500 or response.status_code == 429:
            response.headers["Cache-Control"] = "no-store"   # an error is never an answer to keep
        return response

    @app.errorhandler(Unavailable)
    def _unavailable(exc: Unavailable):
        return Response(f"{exc}\n", status=exc.status, mimetype="text/plain",
                        headers={"Retry-After": str(exc.retry_after)})

    @app.errorhandler(StoreError)
    def _store_failed(exc: StoreError):
        return Response(f"the store could not answer: {exc}\n", status=502, mimetype="text/plain")

    cache.install(app, settings)   # saved-query answers per graph version (ETag, 304)
    app.register_blueprint(health.bp)    # /healthz, /readyz
    app.register_blueprint(pages.bp)
    app.register_blueprint(endpoint.bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(openapi.bp)   # /api/openapi.json, /api
    app.register_blueprint(ontology.bp)  # /ontology (docs, Turtle, RDF/XML, JSON-LD)
    app.register_blueprint(ld.bp)        # /id/…, /search, 404 page
    app.register_blueprint(dataset.bp)   # /dataset, /.well-known/void, /graph/…, /downloads
    app.register_blueprint(reports.bp)   # /reports/<id>/coverage
    app.register_blueprint(vendor.bp)    # /vendor/…: YASGUI, Leaflet, Swagger UI from node_modules
    return app
