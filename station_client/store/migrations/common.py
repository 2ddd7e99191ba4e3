"""Frozen SQL fragments shared by migrations. Changing these changes history: add new helpers instead."""

from __future__ import annotations

# Columns every record table has. ``n`` is a stable local row number (an INTEGER PRIMARY KEY is never
# renumbered by VACUUM), used by full-text indexes and windowed list models; ``id`` is the record's UUID,
# its identity everywhere else.
RECORD_HEAD_V1 = """
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
"""
RECORD_TAIL_V1 = """
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    server_version INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    sync_state TEXT NOT NULL DEFAULT 'pending'
        CHECK (sync_state IN ('pending', 'synced', 'rejected', 'conflict')),
    sync_note TEXT
"""


def record_table_v1(table: str, columns: str) -> str:
    """CREATE TABLE for a record kind: the head, the kind's own ``columns`` (comma-terminated), the tail."""
    return f"CREATE TABLE {table} ({RECORD_HEAD_V1}{columns}{RECORD_TAIL_V1})"
