"""Plain pages: the home page (health checks: :mod:`.health`)."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from . import state

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    return render_template("home.html", info=state.store().info(), lang=g.lang,
                           queries=list(state.library()))
