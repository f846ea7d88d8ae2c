"""Rebuilding views in several processes at once, each reading the log for its own views.

One process decodes and applies every event for every view: Python runs on one core.
A rebuild spreads the views over processes by their weight (measured cost per event);
each process reads the log, decodes only the event types its views handle, and catches
its views up exactly as a follower would (same batches, same compare-and-set). The
views share nothing, so the result is the same whatever the split.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import time
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, cast

from registry.lifeline import die_with_parent
from registry.projections.worker import Progress, ProjectionWorker, collector_paused

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from registry.application import Registry
    from registry.projections.base import View
    from registry.settings import Settings


def split(views: Sequence[View], groups: int) -> list[list[str]]:
    """View names in `groups` groups of about equal weight (heaviest first, greedily)."""
    bins: list[tuple[float, list[str]]] = [(0.0, []) for _ in range(max(1, groups))]
    for view in sorted(views, key=lambda v: -getattr(v, "weight", 1.0)):
        load, names = min(bins, key=lambda b: b[0])
        bins.remove((load, names))
        bins.append((load + getattr(view, "weight", 1.0), names + [view.name]))
    return [names for _, names in bins if names]


def _catch_up_in_child(
    parent_pid: int, answers: Connection, settings: Settings, names: list[str], batch_size: int
) -> None:
    """A child's whole life: catch its views up and report the events applied."""
    from registry.application import Registry
    from registry.bootstrap import open_worker

    die_with_parent(parent_pid)
    try:
        app = Registry(settings)
        try:
            with collector_paused():
                events = open_worker(app, names).catch_up(batch_size=batch_size).events
        finally:
            app.close()
        answers.send(("done", events))
    except BaseException as error:  # the parent re-raises it
        report = traceback.format_exc()
        try:
            pickle.loads(pickle.dumps(error))
        except Exception:  # an error that does not travel: its text will do
            error = RuntimeError(f"{type(error).__name__}: {error}")
        answers.send(("error", error, report))
    finally:
        answers.close()


def rebuild_in_processes(
    app: Registry,
    worker: ProjectionWorker,
    processes: int,
    batch_size: int = 10_000,
    on_progress: Callable[[int], object] | None = None,
) -> Progress:
    """Empty the worker's views, then apply the log to them from `processes` processes.

    `on_progress(position)` is called now and then with the lowest view position. The
    children end with this process: killed, or stopped by an error here, it leaves no
    child writing to the views (a re-run starts from empty views again).
    """
    groups = split(worker.views, processes)
    if len(groups) < 2:
        return worker.rebuild(batch_size=batch_size, on_batch=None)
    worker.reset()
    started = time.perf_counter()
    head = worker.head()
    spawn = multiprocessing.get_context("spawn")  # no inherited pools, threads or locks
    children: dict[Connection, tuple[list[str], BaseProcess]] = {}
    pending: dict[Connection, tuple[list[str], BaseProcess]] = {}  # not yet reported
    try:
        for names in groups:
            receiver, answers = spawn.Pipe(duplex=False)
            child: BaseProcess = spawn.Process(
                target=_catch_up_in_child,
                name=f"rebuild {'+'.join(names)}",
                args=(os.getpid(), answers, app.settings, names, batch_size),
            )
            child.start()
            answers.close()  # ours only: a child that dies closes the last writer (EOF)
            children[receiver] = pending[receiver] = (names, child)
        while pending:
            if on_progress is not None:
                on_progress(min(worker.positions().values(), default=0))
            for ready in wait(list(pending), timeout=0.5):
                receiver = cast("Connection", ready)  # wait() returns the objects it was given
                names, child = pending.pop(receiver)
                _raise_unless_done(receiver, names, child)
    finally:
        for receiver, (_, child) in children.items():
            receiver.close()
            if receiver in pending:  # stopped by an error (here or in another child)
                child.kill()
            child.join()
    if on_progress is not None:
        on_progress(min(worker.positions().values(), default=0))
    return Progress(events=head, batches=0, seconds=time.perf_counter() - started)


def _raise_unless_done(receiver: Connection, names: list[str], child: BaseProcess) -> None:
    """Re-raise here what a child reported, or say that it died without a word."""
    try:
        answer = receiver.recv()
    except EOFError:
        child.join()
        raise RuntimeError(
            f"the rebuild of {', '.join(names)} stopped without a word "
            f"(exit status {child.exitcode})"
        ) from None
    if answer[0] == "error":
        _, error, report = answer
        error.add_note(f"in the process rebuilding {', '.join(names)}:\n{report}")
        raise error
