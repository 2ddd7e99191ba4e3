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


def digest_triggers_v1(kind: str, table: str) -> list[str]:
    """Triggers that note a record whose digest term may have changed (``digest_dirty``, store/digests.py).

    Plain SQL (no application function), so a write from any connection — a tool, a test, a bug — is noted too.
    Only records the province knows (``server_version > 0``, before or after) count in the digest."""
    return [
        f"CREATE TRIGGER {table}_digest_ins AFTER INSERT ON {table} WHEN NEW.server_version > 0 BEGIN "
        f"INSERT OR IGNORE INTO digest_dirty(kind, record_id) VALUES ('{kind}', NEW.id); END",
        f"CREATE TRIGGER {table}_digest_upd AFTER UPDATE ON {table} "
        "WHEN NEW.server_version > 0 OR OLD.server_version > 0 BEGIN "
        f"INSERT OR IGNORE INTO digest_dirty(kind, record_id) VALUES ('{kind}', NEW.id); END",
        f"CREATE TRIGGER {table}_digest_del AFTER DELETE ON {table} WHEN OLD.server_version > 0 BEGIN "
        f"INSERT OR IGNORE INTO digest_dirty(kind, record_id) VALUES ('{kind}', OLD.id); END",
    ]
