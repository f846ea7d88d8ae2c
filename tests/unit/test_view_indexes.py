"""Every view index has a name PostgreSQL keeps whole.

Index names are the table's and the columns' (`Database.table_ddl`); PostgreSQL cuts a
name at 63 bytes, so two indexes of one table alike in their first 63 would be one name,
and `CREATE INDEX IF NOT EXISTS` would quietly make only the first.
"""

from __future__ import annotations

from registry.projections.catalogue import view_classes

NAMEDATALEN = 64  # PostgreSQL's limit, its terminating byte included


def test_every_view_index_name_fits_postgresqls_limit():
    for view in view_classes():
        for table in view.tables:
            for index in table.indexes:
                columns = index[:-1] if index[-1].startswith("WHERE ") else index
                name = f"{table.name}_{'_'.join(columns)}"
                assert len(name.encode()) < NAMEDATALEN, (view.name, name)
