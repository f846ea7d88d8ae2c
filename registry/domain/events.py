"""Every event type the domain's aggregates store, by name ("Teacher.Registered")."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache

from eventsourcing.domain import Aggregate

import registry.domain
from registry.domain.base import RegistryAggregate


@cache
def event_classes() -> dict[str, type[RegistryAggregate.Event]]:
    """Each stored event class by its name: an aggregate's own event classes, without the
    generic `Event` and, where the aggregate names its creation (Teacher.Registered),
    the generic `Created`."""
    found: dict[str, type[RegistryAggregate.Event]] = {}
    for info in pkgutil.iter_modules(registry.domain.__path__):
        module = importlib.import_module(f"registry.domain.{info.name}")
        for cls in vars(module).values():
            if not (inspect.isclass(cls) and issubclass(cls, RegistryAggregate)):
                continue
            if cls is RegistryAggregate or cls.__module__ != module.__name__:
                continue
            kinds = {
                name: kind
                for name, kind in vars(cls).items()
                if inspect.isclass(kind)
                and issubclass(kind, RegistryAggregate.Event)
                and name != "Event"
            }
            if any(
                issubclass(kind, Aggregate.Created)
                for name, kind in kinds.items()
                if name != "Created"
            ):
                kinds.pop("Created", None)
            found.update((kind.__qualname__, kind) for kind in kinds.values())
    return found


def event_types() -> frozenset[str]:
    """The names of every stored event type."""
    return frozenset(event_classes())


def creation_types() -> frozenset[str]:
    """The names of the event types that create an aggregate (its first event)."""
    return frozenset(
        name for name, cls in event_classes().items() if issubclass(cls, Aggregate.Created)
    )


__all__ = ["creation_types", "event_classes", "event_types"]
