"""A regional register run in its own process, sending its saves to the merging parent.

The parent starts `python -m registry.generate.worker PARENT_PID` (a fresh interpreter:
nothing of the parent's database pools, threads or main module comes along; the pid, so
a worker whose parent was killed while it was still starting ends at once instead of
watching its new parent, init) and talks to it over
its standard input and output with `multiprocessing.connection` framing: it sends the
settings, the register's spec and the actor; the worker answers ("rows", chunk)…,
("day", date)…, then ("done", result) or ("error", traceback).
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from registry.lifeline import die_with_parent

if TYPE_CHECKING:  # imported by run_register: the lifeline is set up before they load
    from registry.commands.base import Actor
    from registry.generate.shard import ShardSpec
    from registry.settings import Settings


def run_register(conn: Connection, settings: Settings, spec: ShardSpec, actor: Actor) -> None:
    """Simulate one register and send everything it writes to `conn`."""
    from registry.application import Registry
    from registry.generate.merge import encode_chunk
    from registry.generate.shard import Shard

    app = Registry(settings)
    try:
        writer = app.bulk_writer
        shard = Shard(
            app, spec, actor, sink=lambda events: conn.send(("rows", encode_chunk(writer, events)))
        )
        shard.run(on_day=lambda day: conn.send(("day", day)))
        conn.send(("done", shard.result))
    except BaseException:  # the parent reports it and stops the run
        conn.send(("error", traceback.format_exc()))
    finally:
        app.close()


def main() -> None:
    """Entry point of the worker process."""
    die_with_parent(int(sys.argv[1]))  # the parent gone already: this ends here
    requests = Connection(os.dup(sys.stdin.fileno()), writable=False)
    answers = Connection(os.dup(sys.stdout.fileno()), readable=False)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not break framing
    settings, spec, actor = requests.recv()
    gc.disable()  # as in the parent: the run's objects are acyclic, collecting only slows
    try:
        run_register(answers, settings, spec, actor)
    finally:
        answers.close()


if __name__ == "__main__":
    main()
