"""The CSV import, as the web layer and the command line call it (see `registry.imports`)."""

from registry.imports import ImportFileError, ImportReport, RowOutcome, import_csv

__all__ = ["ImportFileError", "ImportReport", "RowOutcome", "import_csv"]
