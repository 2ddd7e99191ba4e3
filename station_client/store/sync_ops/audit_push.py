"""Audit push: the audit chain sent to the province, from its own resumable cursor."""

from __future__ import annotations

from typing import Any

from ..store import Store
from .state import AUDIT_PUSHED, get_state

AUDIT_COLUMNS = ("seq", "at", "officer", "kind", "record_id", "action", "changes", "change_id", "record_hash",
                 "prev_hash", "hash")


def audit_after(store: Store, seq: int, limit: int, max_bytes: int = 2 << 20) -> list[dict[str, Any]]:
    """Audit entries after ``seq`` as stored (the province recomputes their hashes), at most ``limit`` and
    about ``max_bytes``; always at least one if there is one."""
    rows = store.conn.execute(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                              (seq, limit)).fetchall()
    out: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        size += len(row["changes"]) + 400
        if out and size > max_bytes:
            break
        out.append({c: row[c] for c in AUDIT_COLUMNS})
    return out


def audit_pushed(store: Store) -> int:
    return int(get_state(store, AUDIT_PUSHED) or 0)


def audit_hash_at(store: Store, seq: int) -> str | None:
    row = store.conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()
    return str(row[0]) if row else None
