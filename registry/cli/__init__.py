"""The `registry` command line; each area adds its commands from its own module."""

from __future__ import annotations

import click

# Each module registers its commands on `cli` when imported.
from registry.cli import audit, bulk, core, credentials, reminders, views  # noqa: F401  (imported to register)
from registry.cli.common import accept_database_everywhere, cli

accept_database_everywhere(cli)


def main() -> None:
    """The registry's own commands (`python -m registry.cli`); the `registry` console
    script is `web.cli:main`, which adds `serve` and `demo`."""
    cli(prog_name="registry")


__all__ = ["cli", "click", "main"]
