"""`registry serve` and `registry demo`: the web layer's own commands on the `registry` group.

The `registry` console script starts here (`web.cli:main`): the registry's commands come
from `registry.cli`, which never imports the web layer; this module adds the two that
serve it, so the command line offers everything while the packages keep their layers.
"""

from __future__ import annotations

import os
from dataclasses import replace

import click

from registry.cli import cli
from registry.cli.common import accept_database_everywhere, fail_cleanly, settings_from


def _serve(
    settings, host: str, port: int, workers: int | None, threads: int, on_ready=None
) -> None:
    from web import server  # the web layer loads only for serve and demo

    if not os.environ.get("REGISTRY_PUBLIC_BASE_URL"):
        # Unset, the address the credentials, QR codes and did:web name is the one served
        # (it was always http://localhost:8000, whatever --port said).
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::", "::1") else host
        shown = f"[{shown}]" if ":" in shown else shown  # an IPv6 address
        settings = replace(settings, public_base_url=f"http://{shown}:{port}")
    server.serve(
        settings, host=host, port=port, workers=workers, threads=threads, on_ready=on_ready
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Worker processes (default: 1 on SQLite, 2–4 on PostgreSQL).",
)
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Threads per worker.",
)
@click.pass_context
@fail_cleanly
def serve(ctx: click.Context, host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the web pages and the JSON API and keep the views current."""
    settings = settings_from(ctx)
    click.echo(f"registry on {settings.database.redacted()}")
    click.echo(f"serving http://{host}:{port}/  (API: http://{host}:{port}/api/v1/docs)")
    _serve(settings, host, port, workers, threads)


DEMO_ACCOUNTS = (  # name, role, scope
    ("demo-admin", "admin", {}),
    ("demo-registrar", "registrar", {"provider_code": "KAE"}),
    ("demo-commission", "commission", {"region": "KG-C"}),
    ("demo-auditor", "auditor", {}),
    ("demo-statistician", "statistician", {}),
)


def _demo_accounts(app, instance_path) -> list[dict[str, str]]:
    """The demo accounts, created on the first run; their secrets kept in the instance."""
    import json
    import os
    import secrets

    from registry.commands.base import Actor

    path = instance_path / "demo-accounts.json"
    if path.exists():
        return json.loads(path.read_text())
    accounts = []
    for name, role, scope in DEMO_ACCOUNTS:
        password = f"{role}-{secrets.token_hex(3)}"
        _, token = app.create_account(
            Actor.system(name="demo"), name=name, role=role, password=password, **scope
        )
        accounts.append(
            {
                "name": name,
                "role": role,
                "password": password,
                "token": token,
                "scope": scope.get("provider_code") or scope.get("region") or "",
            }
        )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(accounts, handle, indent=2)
    return accounts


@cli.command()
@click.option(
    "--teachers",
    default=3000,
    show_default=True,
    type=click.IntRange(1, 200_000),
    help="Teachers in the synthetic national history.",
)
@click.option("--years", default=10, show_default=True, type=click.IntRange(1, 30))
@click.option("--seed", default=2024, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Prepare the data set and accounts, then exit.")
@click.pass_context
@fail_cleanly
def demo(
    ctx: click.Context, teachers: int, years: int, seed: int, host: str, port: int, no_serve: bool
) -> None:
    """Generate a realistic national data set (once), create demo accounts and serve it."""
    from registry.bootstrap import open_registry, open_worker
    from registry.generate import generate_history

    settings = settings_from(ctx)
    app = open_registry(settings, auto_init=True)
    try:
        if app.db.query_one(
            f"SELECT 1 FROM {app.db.events_table} WHERE topic LIKE ? LIMIT 1",
            ("%:Teacher.Registered",),
        ):
            click.echo(f"using the data set already in {settings.database.redacted()}")
        else:
            click.echo(
                f"generating {teachers} teachers over {years} years (seed {seed}) "
                f"into {settings.database.redacted()}"
            )
            summary = generate_history(
                app, teachers=teachers, years=years, seed=seed, progress=True
            )
            click.echo(
                f"recorded {summary.events} events for {summary.teachers} teachers "
                f"in {summary.elapsed_s:.0f} s"
            )
            # A fresh application: nothing of the generator's batch may linger into the
            # accounts' commands (they must be saved on their own).
            app.close()
            app = open_registry(settings)
        accounts = _demo_accounts(app, settings.instance_path)
        click.echo("bringing the views up to date…")
        open_worker(app).catch_up()
    finally:
        app.close()
    url = f"http://{host}:{port}/"
    click.echo("")
    click.echo(f"registry demo: {url}   API docs: {url}api/v1/docs")
    click.echo("accounts (web sign-in: name + password; API: Authorization: Bearer <token>):")
    for account in accounts:
        scope = f" [{account['scope']}]" if account["scope"] else ""
        click.echo(
            f"  {account['role']:<13}{scope:<8} {account['name']:<18} "
            f"password {account['password']:<20} token {account['token']}"
        )
    click.echo(f"(kept in {settings.instance_path / 'demo-accounts.json'})")
    if not no_serve:
        _serve(settings, host, port, None, 8)


# serve and demo take --database after their names as every command does.
accept_database_everywhere(cli)


def main() -> None:
    """Entry point of the `registry` console script: every command, serving included."""
    cli(prog_name="registry")
