"""Rebuilding views in several processes at once, each reading the log for its own views.

One process decodes and applies every event for every view: Python runs on one core.
A rebuild spreads the views over processes by their weight (measured cost per event);
each process reads the log, decodes only the event types its views handle, and catches
its views up exactly as a follower would (same batches, same compare-and-set). The
views share nothing, so the result is the same whatever the split.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Callable, Sequence

from registry.projections.worker import Progress, ProjectionWorker, collector_paused

if TYPE_CHECKING:
    from registry.application import Registry
    from registry.projections.base import View
    from registry.settings import Settings


def split(views: Sequence["View"], groups: int) -> list[list[str]]:
    """View names in `groups` groups of about equal weight (heaviest first, greedily)."""
    bins: list[tuple[float, list[str]]] = [(0.0, []) for _ in range(max(1, groups))]
    for view in sorted(views, key=lambda v: -getattr(v, "weight", 1.0)):
        load, names = min(bins, key=lambda b: b[0])
        bins.remove((load, names))
        bins.append((load + getattr(view, "weight", 1.0), names + [view.name]))
    return [names for _, names in bins if names]


def _catch_up_in_child(settings: "Settings", names: list[str], batch_size: int) -> int:
    from registry.application import Registry
    from registry.bootstrap import open_worker

    app = Registry(settings)
    try:
        with collector_paused():
            return open_worker(app, names).catch_up(batch_size=batch_size).events
    finally:
        app.close()


def rebuild_in_processes(app: "Registry", worker: ProjectionWorker, processes: int,
                         batch_size: int = 10_000,
                         on_progress: Callable[[int], None] | None = None) -> Progress:
    """Empty the worker's views, then apply the log to them from `processes` processes.

    `on_progress(position)` is called now and then with the lowest view position.
    """
    groups = split(worker.views, processes)
    if len(groups) < 2:
        return worker.rebuild(batch_size=batch_size, on_batch=None)
    worker.reset()
    started = time.perf_counter()
    head = worker.head()
    spawn = multiprocessing.get_context("spawn")  # no inherited pools, threads or locks
    with ProcessPoolExecutor(max_workers=len(groups), mp_context=spawn) as pool:
        futures = [pool.submit(_catch_up_in_child, app.settings, names, batch_size)
                   for names in groups]
        while not all(f.done() for f in futures):
            if on_progress is not None:
                on_progress(min(worker.positions().values(), default=0))
            time.sleep(0.5)
        for future in futures:
            future.result()  # re-raise a child's failure here
    if on_progress is not None:
        on_progress(min(worker.positions().values(), default=0))
    return Progress(events=head, batches=0, seconds=time.perf_counter() - started)
