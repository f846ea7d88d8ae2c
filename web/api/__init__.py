"""The JSON API under /api/v1 (placeholder: filled in by the API work)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing yet."""
