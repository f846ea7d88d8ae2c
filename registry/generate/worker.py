"""A regional register run in its own process, sending its saves to the merging parent.

The parent starts `python -m registry.generate.worker` (a fresh interpreter: nothing of
the parent's database pools, threads or main module comes along) and talks to it over
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

from registry.commands.base import Actor
from registry.generate.merge import encode_chunk
from registry.generate.shard import Shard, ShardSpec
from registry.lifeline import die_with_parent
from registry.settings import Settings


def run_register(conn: Connection, settings: Settings, spec: ShardSpec, actor: Actor) -> None:
    """Simulate one register and send everything it writes to `conn`."""
    from registry.application import Registry

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
    # The parent, if already gone, closed the pipe too: recv() below then ends this run.
    die_with_parent(os.getppid())
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
