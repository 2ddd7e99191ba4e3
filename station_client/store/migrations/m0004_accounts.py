"""Schema 4: officer accounts (local to the station, never synced) and a small index for list views.

``persons_deleted``/``households_deleted`` index only soft-deleted rows: with them a list view maps a row
number to the stable ``n`` without scanning the table (rows are never removed, so ``n`` runs 1..max(n)).
"""

from __future__ import annotations

import sqlite3

SQL = [
    """CREATE TABLE accounts (
        username TEXT PRIMARY KEY,
        full_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('officer', 'station_head')),
        password_hash TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        failed_count INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT,
        password_changed_at TEXT NOT NULL,
        last_login_at TEXT
    )""",
    "CREATE INDEX persons_deleted ON persons(n) WHERE deleted = 1",
    "CREATE INDEX households_deleted ON households(n) WHERE deleted = 1",
]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
