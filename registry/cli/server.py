"""`registry serve` and `registry demo`: the web app and the projections in one command.

The web layer is imported only when these commands run: `registry` itself never
depends on Flask, the command line is merely where the two are put together.
"""

from __future__ import annotations

import importlib

import click

from registry.cli.common import cli, fail_cleanly, settings_from


def _serve(settings, host: str, port: int, workers: int | None, threads: int,
           on_ready=None) -> None:
    server = importlib.import_module("web.server")
    server.serve(settings, host=host, port=port, workers=workers, threads=threads,
                 on_ready=on_ready)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Worker processes (default: 1 on SQLite, 2–4 on PostgreSQL).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Threads per worker.")
@click.pass_context
@fail_cleanly
def serve(ctx: click.Context, host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the web pages and the JSON API and keep the views current."""
    settings = settings_from(ctx)
    click.echo(f"registry on {settings.database.redacted()}")
    click.echo(f"serving http://{host}:{port}/  (API: http://{host}:{port}/api/v1/docs)")
    _serve(settings, host, port, workers, threads)
