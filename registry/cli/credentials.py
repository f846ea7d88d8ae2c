"""`registry credentials …`: signed credentials from the command line, without a server.

`verify` checks a credential file against the signing keys in the registry's log and
its revocation lists (or a status list file given), and says which check failed;
`issue` writes a certificate's signed credential; `rotate-key` starts a new signing key;
`keys` lists them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from registry.bootstrap import open_registry
from registry.cli.common import cli, fail_cleanly, settings_from
from registry.commands.base import Actor
from registry.credentials.keyring import timestamp
from registry.credentials.verify import MAX_BYTES
from registry.queries.credentials import CredentialQueries


@cli.group()
def credentials() -> None:
    """Signed Verifiable Credentials of certificates: verify, issue, keys."""


def _read(path: str) -> bytes:
    """A file's bytes, at most a little more than any credential may be (no more is read)."""
    if path == "-":
        return sys.stdin.buffer.read(MAX_BYTES + 1)
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise click.UsageError(f"cannot read {path}: {error.strerror}") from None


@credentials.command("verify")
@click.argument("file")
@click.option(
    "--status-list",
    "status_list",
    default=None,
    help="A status list credential file to check revocation against (default: the "
    "registry's own lists, from its database).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@fail_cleanly
def verify(ctx: click.Context, file: str, status_list: str | None, as_json: bool) -> None:
    """Check a credential FILE ("-": standard input); exit status 0 only if it is valid."""
    raw = _read(file)
    listed = _read(status_list) if status_list else None
    app = open_registry(settings_from(ctx))
    try:
        report = CredentialQueries(app).verify(raw, listed)
    finally:
        app.close()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for check in report.checks:
            click.echo(f"{'ok  ' if check.ok else 'FAIL'} {check.name:<13} {check.detail}")
        summary = report.summary()
        if summary:
            click.echo("")
            for name in ("number", "name", "title", "hours", "form", "provider", "issued"):
                if summary.get(name) is not None:
                    click.echo(f"  {name:<9} {summary[name]}")
        if report.digest:
            click.echo(f"  digest    {report.digest}")
        failed = report.failed
        click.echo("")
        click.echo(
            "VALID" if report.valid else f"NOT VALID: {failed.name if failed else 'incomplete'}"
        )
    sys.exit(0 if report.valid else 1)


@credentials.command("issue")
@click.argument("number")
@click.option("--output", "-o", default="-", help="File to write (default: standard output).")
@click.pass_context
@fail_cleanly
def issue(ctx: click.Context, number: str, output: str) -> None:
    """Write the signed credential of certificate NUMBER."""
    app = open_registry(settings_from(ctx))
    try:
        from registry.queries import Queries

        document = Queries(app).credential(number)
    finally:
        app.close()
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@credentials.command("rotate-key")
@click.pass_context
@fail_cleanly
def rotate_key(ctx: click.Context) -> None:
    """Sign with a new key pair from now on; what the old keys signed stays valid."""
    settings = settings_from(ctx)
    app = open_registry(settings)
    try:
        result = app.rotate_signing_key(Actor.system())
    finally:
        app.close()
    click.echo(
        f"new signing key {result.data['public_key']} (private key in {settings.signing_key_path})"
    )


@credentials.command("keys")
@click.pass_context
@fail_cleanly
def keys(ctx: click.Context) -> None:
    """List the signing keys with the period each signed in."""
    app = open_registry(settings_from(ctx))
    try:
        queries = CredentialQueries(app)
        history = queries.key_history()
        click.echo(f"issuer {queries.issuer.did}")
    finally:
        app.close()
    for key in history.keys:
        until = timestamp(key.retired_at) if key.retired_at else "now"
        click.echo(f"{key.public_key}  {timestamp(key.activated_at)} – {until}")
