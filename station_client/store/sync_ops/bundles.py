"""Bundles: the offline exchange's record of the bundles written and answered."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ...clock import now_iso
from ..codec import canonical_json
from ..store import Store
from .state import OutboxChange, row_change


def record_bundle(store: Store, bundle_id: str, epoch: str | None, cursor: int, resync: bool,
                  change_ids: Sequence[str]) -> None:
    with store.transaction() as conn:
        conn.execute("INSERT INTO sync_bundles(bundle_id, created_at, epoch, cursor, resync, change_ids) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     (bundle_id, now_iso(), epoch, cursor, int(resync), canonical_json(list(change_ids))))


def get_bundle(store: Store, bundle_id: str) -> dict[str, Any] | None:
    row = store.conn.execute("SELECT * FROM sync_bundles WHERE bundle_id = ?", (bundle_id,)).fetchone()
    return dict(row) if row else None


def newest_unanswered_bundle(store: Store, n_changes: int) -> dict[str, Any] | None:
    for row in store.conn.execute("SELECT * FROM sync_bundles WHERE answered_at IS NULL ORDER BY created_at DESC"):
        if len(json.loads(row["change_ids"])) == n_changes:
            return dict(row)
    return None


def change_state(store: Store, change_id: str) -> str | None:
    row = store.conn.execute("SELECT state FROM outbox WHERE change_id = ?", (change_id,)).fetchone()
    return row[0] if row else None


def changes_by_id(store: Store, change_ids: Sequence[str]) -> list[OutboxChange | None]:
    out: list[OutboxChange | None] = []
    for cid in change_ids:
        row = store.conn.execute("SELECT * FROM outbox WHERE change_id = ?", (cid,)).fetchone()
        out.append(row_change(row) if row else None)
    return out


def mark_bundle_answered(store: Store, bundle_id: str) -> None:
    with store.transaction() as conn:
        conn.execute("UPDATE sync_bundles SET answered_at = ? WHERE bundle_id = ?", (now_iso(), bundle_id))
