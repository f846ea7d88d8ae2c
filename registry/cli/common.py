"""The command group and the options every command shares."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import click

from registry.domain.errors import RegistryError
from registry.settings import Settings


@click.group()
@click.option(
    "--database",
    "database_url",
    envvar="REGISTRY_DATABASE_URL",
    default=None,
    help="sqlite:///path or postgresql://user@host:port/db (default: SQLite in ./instance).",
)
@click.option(
    "--read-database",
    "read_database_url",
    envvar="REGISTRY_READ_DATABASE_URL",
    default=None,
    help="postgresql://user@host:port/db of a hot standby of the --database server: the "
    "reads go there, the writes to the primary (refused unless it is one).",
)
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, read_database_url: str | None) -> None:
    """National registry of teachers' qualification upgrading."""
    ctx.ensure_object(dict)
    ctx.obj["database_url"] = database_url
    ctx.obj["read_database_url"] = read_database_url


def settings_from(ctx: click.Context, *, primary_only: bool = False) -> Settings:
    """The settings for this invocation (the --database and --read-database options win
    over the environment). `primary_only`: without the read database, for the commands
    that only write the primary's views (the follower must not stop with a standby)."""
    given = ctx.find_root().obj
    try:
        settings = Settings.from_env(
            database_url=given.get("database_url"),
            read_database_url=given.get("read_database_url"),
        )
    except RegistryError as error:
        raise click.UsageError(error.message) from None
    return replace(settings, read_database_url="") if primary_only else settings


def open_initialised(ctx: click.Context, *, primary_only: bool = False):
    """The registry of this invocation, for the commands that read or keep what `registry
    init` made: a database that is not an initialised registry (a mistyped path) is an
    error, and asking creates nothing."""
    from registry.bootstrap import open_registry
    from registry.domain.errors import NotFoundError
    from registry.storage.schema import is_initialised

    settings = settings_from(ctx, primary_only=primary_only)
    if not is_initialised(settings):
        raise NotFoundError(
            f"{settings.database.redacted()} is not an initialised registry database "
            "(run `registry init` on it first, or check --database)",
            code="not_a_registry",
        )
    return open_registry(settings, auto_init=False)


def error_text(error: BaseException) -> tuple[str, str] | None:
    """A registry error's, or an unreachable database's, message and code; None for any
    other error (a bug: its traceback is wanted)."""
    from registry.storage.errors import unreachable

    if isinstance(error, RegistryError):
        return error.message, error.code
    if isinstance(error, Exception) and unreachable(error):
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return (
            f"the database cannot be reached or refused the connection: {first_line}",
            "database_unavailable",
        )
    return None


def fail_cleanly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Report a registry error, or a database that cannot be reached, as a one-line message
    and exit status 1, not a traceback."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as error:
            said = error_text(error)
            if said is None:
                raise
            click.echo(f"error: {said[0]} [{said[1]}]", err=True)
            sys.exit(1)

    return wrapper


def _database_param() -> click.Option:
    """`--database URL` after a command's name, as before it (the root group's)."""

    def remember(ctx: click.Context, _param, value):
        if value:
            ctx.find_root().obj["database_url"] = value
        return value

    return click.Option(
        ["--database", "database_url"],
        default=None,
        expose_value=False,
        callback=remember,
        is_eager=True,
        help="sqlite:///path or postgresql://user@host:port/db.",
    )


def accept_database_everywhere(group: click.Group) -> None:
    """Give every command below `group` its own `--database`, so that
    `registry ledger verify --database URL` works as `registry --database URL ledger
    verify` does (the spec's commands take it either way)."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            accept_database_everywhere(command)
        elif not any("--database" in getattr(p, "opts", ()) for p in command.params):
            command.params.append(_database_param())
