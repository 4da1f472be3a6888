"""web: the Flask application (app factory, one blueprint per surface).

``create_app(config)`` loads the built graph once per app — never at import —
and registers the surfaces: pages (``/``), the SPARQL endpoint (``/sparql``),
saved queries (``/queries``, ``/api/queries``). ``config`` may carry
``SETTINGS`` (a :class:`~crm_kg.config.Settings`), ``STORE`` (any object with
the :class:`~crm_kg.store.Store` interface) and Flask keys such as ``TESTING``.
Without ``STORE`` the app opens :func:`crm_kg.execute.open_store`: a pool of
query workers with a deadline per query (``query_workers = 0``: in-process).
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from ..config import load_settings
from ..execute import Unavailable, open_store
from ..queries import QueryLibrary
from ..remote import RemoteError, error_response
from . import cache, dataset, ld, ontology, pages, queries, sparql
from .i18n import pick_language


def create_app(config: dict | None = None) -> Flask:
    config = dict(config or {})
    app = Flask(__name__)
    settings = config.get("SETTINGS") or load_settings()
    # a form-encoded query may be up to three times its own size, plus other fields
    app.config["MAX_CONTENT_LENGTH"] = 4 * settings.max_query_bytes
    app.config.update({k: v for k, v in config.items() if k.isupper()})
    app.extensions["crm_kg.settings"] = settings
    store = config.get("STORE")
    app.extensions["crm_kg.store"] = store if store is not None else open_store(settings)
    app.extensions["crm_kg.queries"] = QueryLibrary(settings.queries_dir)
    app.jinja_env.autoescape = True

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
        return response

    @app.errorhandler(Unavailable)
    def _unavailable(exc: Unavailable):
        return Response(f"{exc}\n", status=503, mimetype="text/plain",
                        headers={"Retry-After": str(exc.retry_after)})

    app.register_error_handler(RemoteError, error_response)   # remote store: 502 / 504
    cache.install(app, settings)   # saved-query answers per graph version (ETag, 304)

    app.register_blueprint(pages.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(ontology.bp)  # /ontology (docs, Turtle, RDF/XML, JSON-LD)
    app.register_blueprint(ld.bp)        # /id/…, /search, 404 page
    app.register_blueprint(dataset.bp)   # /dataset, /.well-known/void, /graph/…, /downloads
    return app
