"""The rows one batch of events touches: read once, changed in memory, written once.

Handlers never issue SQL of their own. They ask a `Rows` for the row under a key (read
in bulk ahead of the batch, or on first use), change it as a dict, and the batch writes
every changed row back with one bulk upsert per table. The same handler code therefore
serves one event (a live follower) and fifty thousand (a rebuild), on both engines, and
the order in which a batch's events change a row is the order of the log.

Reading and writing are apart: rows are read through `read()`, which returns a cursor
(the worker opens a read snapshot only when something must be read), and written by
`flush(cur)` in the write transaction, which thus holds no lock while handlers run.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from operator import itemgetter
from typing import Any

from registry.storage import Cursor
from registry.storage.tables import Table

Row = dict[str, Any]
_MISSING = object()
_CHUNK = 500  # keys per IN (...) list: well under either engine's parameter limit


Reader = Callable[[], Cursor]  # the cursor to read through, opened on first call


class Rows:
    """One table's rows touched by a batch, by key."""

    def __init__(self, table: Table, read: Reader):
        self.table = table
        self._read = read
        self._cache: dict[Hashable, Any] = {}
        self._dirty: dict[Hashable, Row] = {}
        self._key_of = itemgetter(*table.key)  # a value, or a tuple for composite keys

    def load(self, keys: Iterable[Hashable]) -> None:
        """Read the rows under many single-column keys in a few statements."""
        if len(self.table.key) != 1:
            return  # composite keys are read one at a time, on first use
        cache = self._cache
        wanted = [k for k in dict.fromkeys(keys) if k not in cache]
        if not wanted:
            return
        names, cur = self.table.names, self._read()
        at = names.index(self.table.key[0])
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            for values in cur.query(
                self.table.select_sql(f"{self.table.key[0]} IN ({marks})"), chunk
            ):
                cache[values[at]] = dict(zip(names, values))
            for key in chunk:
                cache.setdefault(key, _MISSING)

    def get(self, key: Hashable) -> Row | None:
        """The row under a key (None if there is none); change it through `put`."""
        found: Any = self._cache.get(key, None)
        if found is None:
            keys = key if isinstance(key, tuple) else (key,)
            where = " AND ".join(f"{k} = ?" for k in self.table.key)
            values = self._read().query_one(self.table.select_sql(where), keys)
            found = dict(zip(self.table.names, values)) if values else _MISSING
            self._cache[key] = found
        return None if found is _MISSING else found

    def put(self, row: Row) -> Row:
        """Add or replace a row (every column given); it is written when the batch ends."""
        key = self._key_of(row)
        self._cache[key] = row
        self._dirty[key] = row
        return row

    def update(self, key: Hashable, **changes: Any) -> Row | None:
        """Change some columns of an existing row; None (and no write) if there is none."""
        row = self.get(key)
        if row is not None:
            row.update(changes)
            self._dirty[key] = row
        return row

    def flush(self, cur: Cursor) -> int:
        """Write the changed rows through a cursor of the write transaction; returns how many."""
        values = itemgetter(*self.table.names)
        rows = [values(row) for row in self._dirty.values()]
        cur.write_rows(self.table, rows)
        self._dirty.clear()
        return len(rows)


class Counters:
    """Additive counters of one table, summed in memory and added to the stored ones."""

    def __init__(self, table: Table):
        self.table = table
        self._sums: dict[tuple, list[int]] = {}
        self._keys = table.key
        self._counters = table.counters

    def add(self, key: tuple, **amounts: int) -> None:
        """Add amounts (by counter name) to the row under `key` (a tuple in key order)."""
        sums = self._sums.get(key)
        if sums is None:
            sums = self._sums[key] = [0] * len(self._counters)
        for name, amount in amounts.items():
            sums[self._counters.index(name)] += amount

    def add_values(self, key: tuple, amounts: tuple[int, ...]) -> None:
        """Add amounts given in the order of the table's counters (`add` without names,
        for a view adding many rows)."""
        sums = self._sums.get(key)
        if sums is None:
            self._sums[key] = list(amounts)
        else:
            for at, amount in enumerate(amounts):
                sums[at] += amount

    def merge(self, sums: dict[tuple, list[int]]) -> None:
        """Add many rows' amounts at once: key (a tuple in key order) -> every counter's
        amount, in counter order."""
        held = self._sums
        if not held:
            held.update(sums)  # taken over, not copied: the caller lets them go
            return
        for key, amounts in sums.items():
            entry = held.get(key)
            if entry is None:
                held[key] = amounts
            else:
                for index, amount in enumerate(amounts):
                    entry[index] += amount

    def flush(self, cur: Cursor) -> int:
        """Add the sums to the stored counters, through a cursor of the write transaction."""
        if self.table.names == self._keys + self._counters:
            rows = [(*key, *sums) for key, sums in self._sums.items()]
        else:
            rows = []
            for key, sums in self._sums.items():
                values = dict(zip(self._keys, key))
                values.update(zip(self._counters, sums))
                rows.append(tuple(values[name] for name in self.table.names))
        cur.write_rows(self.table, rows)
        self._sums.clear()
        return len(rows)


class Appended:
    """New rows of an append-only table, as value tuples in column order."""

    def __init__(self, table: Table):
        self.table = table
        self._rows: list[tuple] = []

    def add(self, values: tuple) -> None:
        """A new row (every column, in order); written when the batch ends."""
        self._rows.append(values)

    def flush(self, cur: Cursor) -> int:
        """Write the new rows through a cursor of the write transaction; returns how many."""
        rows, self._rows = self._rows, []
        cur.write_rows(self.table, rows)
        return len(rows)


class Batch:
    """Every table a view touches while applying one batch, flushed together."""

    def __init__(self, read: Reader, tables: Iterable[Table]):
        self._parts: dict[str, Rows | Counters | Appended] = {}
        for table in tables:
            if table.counters:
                self._parts[table.name] = Counters(table)
            elif table.append_only:
                self._parts[table.name] = Appended(table)
            else:
                self._parts[table.name] = Rows(table, read)

    def __getitem__(self, name: str) -> Any:
        return self._parts[name]

    def flush(self, cur: Cursor) -> int:
        """Write every table's changes through a cursor of the write transaction; returns
        how many rows were written."""
        return sum(part.flush(cur) for part in self._parts.values())
