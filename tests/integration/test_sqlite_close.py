"""Closing an SQLite database while another thread is inside a statement on it: the
thread's statements go on and the process does not crash (it did: a background job
writing its end as the server stopped took a test worker down with a segfault in
sqlite3, since a connection closed from another thread mid-statement is freed under it)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys, threading, time
from registry.settings import DatabaseURL
from registry.storage.sqlite import SqliteDatabase

db = SqliteDatabase(DatabaseURL.parse("sqlite:///" + sys.argv[1]))
db.execute("CREATE TABLE t (x INTEGER)")
answers, errors = [], []

def work():
    for _ in range(60):
        try:
            answers.append(db.query(
                "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
                "WHERE n < 200000) SELECT count(*) FROM c"
            )[0][0])
        except Exception as error:
            errors.append(repr(error))
    db.release_thread()

worker = threading.Thread(target=work)
worker.start()
while worker.is_alive():
    time.sleep(0.013)
    db.close()  # while the worker is, most of the time, inside its statement
worker.join()
print(len(answers), set(answers), errors)
"""


def test_closing_while_another_thread_runs_a_statement_neither_crashes_nor_stops_it(tmp_path):
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "registry.db")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]  # -11 was the segfault
    assert run.stdout.strip() == "60 {200000} []"
