"""The `registry` command line; each area adds its commands from its own module."""

from __future__ import annotations

import click

from registry.cli import core  # noqa: F401  (registers init, users)
from registry.cli.common import cli

for _module in ("bulk", "views", "server", "audit"):
    try:
        __import__(f"registry.cli.{_module}")
    except ModuleNotFoundError as error:  # an area not built yet
        if error.name != f"registry.cli.{_module}":
            raise


def main() -> None:
    """Entry point of the `registry` console script."""
    cli(prog_name="registry")


__all__ = ["cli", "click", "main"]
