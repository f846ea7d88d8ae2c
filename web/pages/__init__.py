"""Server-rendered pages (placeholder: filled in by the pages work)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing yet."""
