"""Running a generation: providers first, then the regional registers, merged by time.

With one process the registers take turns action by action; with two, each runs in its
own process and the parent merges and stores their rows. Both give the same events in
the same order (see `merge`), so the choice is only about speed.
"""

from __future__ import annotations

import gc
import heapq
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from multiprocessing.connection import Connection, wait
from typing import Any, cast

from registry.commands.base import Actor
from registry.domain.clock import frozen_at
from registry.domain.errors import ConflictError
from registry.generate import catalogue as cat
from registry.generate.chance import between
from registry.generate.merge import Merger, encode_chunk
from registry.generate.shard import Shard, ShardResult, ShardSpec
from registry.generate.summary import GenerationSummary
from registry.generate.timeline import day_of, working_moment

BUFFER_LIMIT = 200_000  # rows a register may run ahead of the others before it must wait


class GenerationRun:
    """One call of `generate_history`: its registers, merger and summary."""

    def __init__(
        self,
        registry: Any,
        specs: list[ShardSpec],
        actor: Actor,
        summary: GenerationSummary,
        on_day: Callable[[date], None] | None = None,
    ):
        self.registry = registry
        self.specs = specs
        self.actor = actor
        self.summary = summary
        self.on_day = on_day
        self.merger = Merger(registry.bulk_writer, len(specs), on_write=self._written)

    def run(self, workers: int) -> GenerationSummary:
        """Write the whole history; returns its summary."""
        began = time.perf_counter()
        collecting = gc.isenabled()
        gc.disable()  # millions of short-lived, acyclic objects: the cycle collector only slows
        try:
            self._register_providers()
            results = self._in_processes() if workers > 1 else self._in_turns()
            self.merger.close()
        finally:
            self.merger.stop(quietly=True)  # after a failure: end the writer, keep the error
            if collecting:
                gc.enable()
        for result in results:
            self.summary.counts.update(result.counts)
            self.summary.compliance.update(result.compliance)
            self.summary.refused += result.refused
        self.summary.events += self.merger.events
        self.summary.last_position = self.merger.last_position or self.summary.last_position
        self.summary.elapsed_s = time.perf_counter() - began
        self.registry.db.analyze()  # a fresh data set: the planner needs its statistics
        return self.summary

    def _written(self, position: int) -> None:
        self.registry.notify_position(position)

    def _register_providers(self) -> None:
        """The providers open the registry on its first day (before any register runs)."""
        rng = random.Random(f"{self.specs[0].seed}:providers")
        moment = working_moment(rng, self.specs[0].start)
        counts = self.summary.counts
        with self.registry.batch(self.actor, size=1000) as batch:
            for spec in cat.providers():
                moment += timedelta(seconds=between(rng, 20, 120))
                with frozen_at(moment):
                    try:
                        self.registry.register_provider(
                            self.actor,
                            code=spec.code,
                            name=spec.name,
                            kind=spec.kind,
                            region=spec.region,
                            name_ky=spec.name_ky,
                            name_ru=spec.name_ru,
                        )
                    except ConflictError:  # registered before the run (a demo's own)
                        counts["providers reused"] += 1
                        continue
                batch.step()
                counts["providers"] += 1
        self.summary.events += batch.events
        self.summary.last_position = batch.last_position

    def _in_turns(self) -> list[ShardResult]:
        """Every register in this process, each action in turn by its moment."""
        writer = self.registry.bulk_writer
        previous = self.registry.commands.batch
        shards = [
            Shard(self.registry, spec, self.actor, sink=self._sink(i, writer))
            for i, spec in enumerate(self.specs)
        ]
        steps = [shard.steps() for shard in shards]
        queue: list[tuple[Any, int]] = []
        try:
            for i, step in enumerate(steps):
                self._advance(queue, i, step)
            last_day = None
            while queue:
                moment, i = heapq.heappop(queue)
                if self.on_day is not None and (day := day_of(moment)) != last_day:
                    last_day = day
                    self.on_day(day)
                self._advance(queue, i, steps[i])
        finally:
            self.registry.commands.batch = previous
        return [shard.result for shard in shards]

    def _advance(self, queue: list, i: int, step) -> None:
        moment = next(step, None)
        if moment is None:
            self.merger.finish(i)
            self.merger.drain()
        else:
            heapq.heappush(queue, (moment, i))

    def _sink(self, i: int, writer) -> Callable[[list[Any]], None]:
        def sink(events: list[Any]) -> None:
            """Take a register's save into the merge."""
            self.merger.add(i, encode_chunk(writer, events))
            self.merger.drain()

        return sink

    def _in_processes(self) -> list[ShardResult]:
        """Each register in its own process; this one merges and stores their rows."""
        receivers: dict[int, Connection] = {}
        processes = []
        results: dict[int, ShardResult] = {}
        days: dict[int, date] = {}
        try:
            for i, spec in enumerate(self.specs):
                process = subprocess.Popen(
                    [sys.executable, "-m", "registry.generate.worker", str(os.getpid())],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                )
                processes.append(process)
                assert process.stdin is not None and process.stdout is not None  # both piped
                Connection(os.dup(process.stdin.fileno()), readable=False).send(
                    (self.registry.settings, spec, self.actor)
                )
                process.stdin.close()
                receivers[i] = Connection(os.dup(process.stdout.fileno()), writable=False)
                process.stdout.close()
            while receivers:
                waiting = [
                    conn for i, conn in receivers.items() if self.merger.buffered(i) < BUFFER_LIMIT
                ]
                for ready in wait(waiting or list(receivers.values())):
                    conn = cast(Connection, ready)  # wait() returns the objects it was given
                    i = next(k for k, c in receivers.items() if c is conn)
                    self._receive(i, conn, receivers, results, days)
        finally:
            for conn in receivers.values():
                conn.close()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        return [results[i] for i in range(len(self.specs))]

    def _receive(
        self, i: int, conn: Connection, receivers: dict, results: dict, days: dict
    ) -> None:
        try:
            kind, payload = conn.recv()
        except EOFError:
            raise RuntimeError(
                f"register {self.specs[i].letter} stopped without a word (see its messages above)"
            ) from None
        if kind == "rows":
            self.merger.add(i, payload)
            self.merger.drain()
        elif kind == "day":
            days[i] = payload
            if self.on_day is not None and len(days) == len(self.specs):
                self.on_day(min(days.values()))
        elif kind == "done":
            results[i] = payload
            del receivers[i]
            conn.close()
            self.merger.finish(i)
            self.merger.drain()
        else:
            raise RuntimeError(f"register {self.specs[i].letter} failed:\n{payload}")
