"""Schema 9: ``resync_bases`` — the last server version of each record the province is known to have, kept
aside while a resync after a digest mismatch re-pulls the scope (``sync_ops.start_resync`` sets every
``server_version`` to 0). An edit made before the re-pull reaches a record is then based on that version with
its changed fields only, instead of the whole record at base 0, which would clash with the province's edits of
fields the officer never touched. Emptied when the resync ends. Additive: older code never reads it."""

from __future__ import annotations

import sqlite3

SQL = [
    "CREATE TABLE resync_bases (kind TEXT NOT NULL, record_id TEXT NOT NULL, server_version INTEGER NOT NULL, "
    "PRIMARY KEY (kind, record_id)) WITHOUT ROWID",
]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
