"""Schema 5: sync additions — who made the other side of a conflict, and offline bundles awaiting an answer."""

from __future__ import annotations

import sqlite3

SQL = [
    # The origin of the server-side version a conflict is against ("province" or a station id): the review
    # screen says who changed the record.
    "ALTER TABLE conflicts ADD COLUMN origin TEXT",
    # Offline bundles this station exported (USB stick). The answer bundle is matched by bundle_id (the bundle's
    # created_at, which the province can echo); the cursor
    # and epoch the bundle asked from decide whether the answer's feed may move the station's cursor.
    """CREATE TABLE sync_bundles (
        bundle_id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        epoch TEXT,
        cursor INTEGER NOT NULL,
        resync INTEGER NOT NULL DEFAULT 0,
        change_ids TEXT NOT NULL,
        answered_at TEXT
    )""",
]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
