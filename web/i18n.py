"""Placeholder: filled in by the web work."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing yet."""
