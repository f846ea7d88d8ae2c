"""The front page: what the registry is and where each visitor goes next."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    """The front page, with the tasks of the visitor's role."""
    return render_template("home.html")
