"""Printable documents as PDF (WeasyPrint): A4, in the reader's language, reproducible.

The same inputs give the same bytes: the document's dates are the ones it is about (the
certificate's issue date, the statement's date), not the moment it was rendered, and
fonts and images come from the machine and the document, never from the network.
"""

from __future__ import annotations

from datetime import date

from flask import Response, render_template

# Fonts Debian ships with the base system (fonts-dejavu-core): Latin and Cyrillic.
FONTS = "'DejaVu Sans', 'Liberation Sans', sans-serif"


def render_pdf(template: str, *, dated: date, **context) -> bytes:
    """A template rendered to PDF, its metadata dated `dated` (so it is reproducible)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_template(template, fonts=FONTS, dated=dated.isoformat(), **context)
    # Only data: URIs (the QR codes) are read; nothing is fetched from anywhere.
    fetcher = URLFetcher(allowed_protocols=("data",))
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF download."""
    return Response(
        data,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
