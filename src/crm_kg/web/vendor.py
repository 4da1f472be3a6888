"""Front-end libraries from npm, served by this server: ``/vendor/<package>/<file>``.

``make setup`` installs them with ``npm ci`` from ``package-lock.json`` into
``node_modules/`` (never committed, never fetched from a CDN at run time):
YASGUI (the SPARQL editor), Leaflet (maps) and Swagger UI (the API page).
Only the distribution folders below are reachable; a missing ``node_modules``
is a 404 and the pages fall back to their plain HTML.
"""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory

from . import state

bp = Blueprint("vendor", __name__)

# package name in URLs → its distribution folder under node_modules/
PACKAGES = {
    "yasgui": "@zazuko/yasgui/build",
    "leaflet": "leaflet/dist",
    "swagger-ui": "swagger-ui-dist",
}
SUFFIXES = (".js", ".css", ".png", ".svg", ".map")


def folder(package: str):
    return state.settings().root / "node_modules" / PACKAGES[package]


def available(package: str) -> bool:
    return (folder(package)).is_dir()


@bp.route("/vendor/<package>/<path:filename>")
def asset(package: str, filename: str):
    if package not in PACKAGES or not filename.endswith(SUFFIXES):
        abort(404)
    response = send_from_directory(folder(package), filename, max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# the pages that run a library from here: its widgets set inline styles (never inline scripts)
CSP_WITH_WIDGETS = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                    "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def allow_widget_styles(response):
    """``response`` with the Content-Security-Policy of a page that runs YASGUI, Leaflet or Swagger UI."""
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CSP_WITH_WIDGETS
    return response
