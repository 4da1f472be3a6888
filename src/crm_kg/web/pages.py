"""Plain pages: the home page (health checks: :mod:`.health`)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    store = current_app.extensions["crm_kg.store"]
    return render_template("home.html", info=store.info(), lang=g.lang,
                           queries=list(current_app.extensions["crm_kg.queries"]))
