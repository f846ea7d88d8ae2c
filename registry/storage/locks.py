"""Every advisory lock the registry takes, named once.

PostgreSQL advisory lock keys, arbitrary constants shared by all registry processes
(`Database.advisory_lock`, `Cursor.lock`, `Listener.try_lock`). On SQLite they are
no-ops: a write transaction there is exclusive already (BEGIN IMMEDIATE), and one file
has one embedded server process.
"""

# Creating tables: `registry init`, and tables added to older databases later (the
# idempotency claims, the ledger's). Concurrent CREATE TABLE IF NOT EXISTS collide on
# PostgreSQL's catalogue ("tuple concurrently updated") without it.
INIT = 727_100_001
# The one follower process that catches the views up; the others stand by.
LEADER = 727_100_002
# Bringing the views' tables in step with the code (a changed layout is recreated).
VIEWS = 727_100_003
