"""Outbox state: the sync-state keys, the outbox as the push reads it, counts, and a record's own sync state."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ...clock import now_iso
from ...domain.kinds import RecordKind
from ...domain.registry import KINDS, get_kind
from ..codec import fields_only, from_db
from ..store import Store

# sync_state keys
EPOCH = "epoch"
CURSOR = "cursor"
RESYNC = "resync"  # "1" while a full re-pull of the scope is under way (first sync, new epoch, digest mismatch)
RESYNC_REASON = "resync_reason"
LAST_SUCCESS = "last_success"
LAST_ERROR = "last_error"  # JSON {"code", "vi", "en"} of the last failed cycle, cleared by a successful one
DIGEST_MISMATCH_AT_CURSOR = "digest_mismatch_cursor"
AUDIT_PUSHED = "audit.pushed_seq"  # the last audit seq the province has stored (its own cursor, resumable)
SERVER_STREAM = "server.stream"  # "1": the province's sync answers say it takes POST /v1/sync/stream
AUDIT_REFUSED = "audit.refused"  # JSON {"seq", "hash", "code", "vi", "en"} of an entry the province refused
# JSON list of the province's record states this station could not apply (invalid text, a malformed entry), each
# {"kind", "id", "version", "seq", "code", "vi", "en", "at"}: set aside so that the rest of the feed applies and
# the cursor moves on; shown in the Sync section and by ``station-client sync``. A later state of the same record
# that applies removes its entry.
FEED_SET_ASIDE = "feed.set_aside"
SET_ASIDE_KEEP = 500
RESYNC_BASES_EPOCH = "resync_bases.epoch"  # the epoch of the versions kept aside in resync_bases (m0010 trigger)


REMOTE_OFFICER = "sync"


@dataclass(frozen=True)
class OutboxChange:
    seq: int
    change_id: str
    kind: str
    record_id: str
    op: str
    base_version: int
    fields: dict[str, Any]
    resolves: str | None
    officer: str
    base_epoch: str | None = None  # the epoch ``base_version`` belongs to (see m0010)
    replay_version: int | None = None  # re-sent after a restore: the version it had in the lost history
    orphan: bool = False  # a copy of a record the province lacks, not a change made here
    replay_conflicted: tuple[str, ...] = ()  # a replay of a change that met a conflict: the fields in conflict

    def wire(self, epoch: str | None = None) -> dict[str, Any]:
        """The change as the protocol sends it. The constant members come first and together, so gzip codes
        them as one back-reference per change; ``resolves`` is left out when null (its default).

        ``epoch``: the station's current epoch. A change based on a version of another epoch (the province was
        restored since) says so (``base_epoch``); a re-sent acknowledged change carries the version it had then
        (``replay``) and is based on the one before it (docs/sync-protocol.md, "Epoch")."""
        base = self.base_version if self.replay_version is None else self.replay_version - 1
        out: dict[str, Any] = {"kind": self.kind, "op": self.op, "base_version": base}
        if self.resolves is not None:
            out["resolves"] = self.resolves
        if self.base_epoch is not None and self.base_epoch != epoch:
            out["base_epoch"] = self.base_epoch
            if self.replay_version is not None:
                out["replay"] = self.replay_version
                if self.replay_conflicted:
                    out["conflicted"] = list(self.replay_conflicted)
        if self.orphan:
            out["orphan"] = True
        out |= {"id": self.record_id, "change_id": self.change_id, "fields": self.fields}
        return out


@dataclass(frozen=True)
class SyncPosition:
    epoch: str | None
    cursor: int | None  # None: never pulled
    resync: bool


@dataclass
class ApplyReport:
    """What one response did to the store."""

    acked: int = 0
    rejected: int = 0
    deferred: int = 0  # kept pending: they depend on another station's change still on its way (after a restore)
    conflicts: int = 0
    applied: int = 0  # feed entries that changed a local record
    skipped: int = 0  # feed entries already known (version not newer) or of a kind this station lacks
    resync_done: bool = False
    requeued: int = 0  # records sent again after a resync found them missing at the province
    accounts: int = 0  # pulled ``officer_account`` states (province-issued accounts) that changed
    set_aside: int = 0  # province states that could not be applied (kept in FEED_SET_ASIDE with the reason)
    disabled: list[str] = field(default_factory=list)  # accounts the province disabled, taken by this response
    # One of those disables made a re-key of this encrypted station due: the app runs it once the sync cycle is
    # over (``ui/rekey.py``, never inside the sync worker), so an older key-file copy opens nothing written later.
    rekey_due: bool = False
    due_moved: int = 0  # open dossiers whose due time a calendar change pulled here moved (store/dossiers.py)

    def merge(self, other: ApplyReport) -> None:
        for name in ("acked", "rejected", "deferred", "conflicts", "applied", "skipped", "requeued", "accounts",
                     "set_aside", "due_moved"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.resync_done = self.resync_done or other.resync_done
        self.disabled += [name for name in other.disabled if name not in self.disabled]
        self.rekey_due = self.rekey_due or other.rekey_due


@dataclass(frozen=True)
class SyncCounts:
    pending: int
    conflicts: int
    rejected: int
    set_aside: int = 0  # province states set aside (FEED_SET_ASIDE)


# ------------------------------------------------------------------------------------------------- state
def get_state(store: Store, key: str) -> str | None:
    row = store.conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def put_state(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    if value is None:
        conn.execute("DELETE FROM sync_state WHERE key = ?", (key,))
    else:
        conn.execute("INSERT INTO sync_state(key, value) VALUES (?, ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def set_state(store: Store, values: dict[str, str | None]) -> None:
    with store.transaction() as conn:
        for key, value in values.items():
            put_state(conn, key, value)
        store.note_change(sync_state=True)


def position(store: Store) -> SyncPosition:
    cursor = get_state(store, CURSOR)
    return SyncPosition(get_state(store, EPOCH), int(cursor) if cursor is not None else None,
                        get_state(store, RESYNC) == "1")


def counts(store: Store) -> SyncCounts:
    conn = store.conn
    pending = conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
    conflicts = conn.execute("SELECT count(*) FROM conflicts WHERE status = 'open'").fetchone()[0]
    rejected = sum(conn.execute(f"SELECT count(*) FROM {k.table} WHERE sync_state = 'rejected'").fetchone()[0]
                   for k in KINDS.values() if k.scope == "commune")
    return SyncCounts(int(pending), int(conflicts), int(rejected), len(set_aside_entries(store)))


def pending_count(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0])


def ready_count(store: Store) -> int:
    """Pending changes that are not waiting on another station's change (answered ``deferred`` last time): a
    scheduler syncs soon for these, and lets deferred ones ride along with the next regular cycle."""
    return int(store.conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending' AND (result IS NULL OR "
                                  "result NOT LIKE '{\"code\":%\"status\":\"deferred\"}')").fetchone()[0])


# ------------------------------------------------------------------------------------------------- push
def row_change(row: sqlite3.Row) -> OutboxChange:
    keys = row.keys()
    return OutboxChange(row["seq"], row["change_id"], row["kind"], row["record_id"], row["op"],
                        row["base_version"], json.loads(row["fields"]), row["resolves"], row["officer"],
                        row["base_epoch"] if "base_epoch" in keys else None,
                        row["replay_version"] if "replay_version" in keys else None,
                        bool(row["orphan"]) if "orphan" in keys else False,
                        tuple(json.loads(row["replay_conflicted"] or "[]")) if "replay_conflicted" in keys else ())


def take_batch(store: Store, limit: int, max_bytes: int = 4 << 20,
               skip: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset()) -> list[OutboxChange]:
    """The oldest pending changes (at most ``limit``, about ``max_bytes`` of fields), marked as sent.

    Pending changes already sent once are sent again with the same id and content: the server deduplicates.
    ``skip``: records (kind, id) whose changes are not sent now (answered ``deferred`` earlier in this cycle: they
    wait for another station's change, and a later change of the same record waits with them).
    """
    with store.transaction() as conn:
        rows = conn.execute("SELECT * FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?",
                            (limit + _skipped_pending(conn, skip),)).fetchall()
        rows = [r for r in rows if (r["kind"], r["record_id"]) not in skip][:limit]
        batch: list[OutboxChange] = []
        size = 0
        for row in rows:
            size += len(row["fields"]) + 200
            if batch and size > max_bytes:
                break
            batch.append(row_change(row))
        if batch:
            now = now_iso()
            conn.executemany("UPDATE outbox SET sent_at = coalesce(sent_at, ?), attempts = attempts + 1 "
                             "WHERE seq = ?", [(now, c.seq) for c in batch])
    return batch


def _skipped_pending(conn: sqlite3.Connection, skip: set[tuple[str, str]] | frozenset[tuple[str, str]]) -> int:
    if not skip:
        return 0
    rows = conn.execute("SELECT kind, record_id FROM outbox WHERE state = 'pending'").fetchall()
    return sum(1 for r in rows if (r["kind"], r["record_id"]) in skip)


def has_sendable(store: Store, skip: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset()) -> bool:
    """Whether a pending change is left that is not held back by ``skip`` (see ``take_batch``)."""
    for row in store.conn.execute("SELECT kind, record_id FROM outbox WHERE state = 'pending' ORDER BY seq"):
        if (row["kind"], row["record_id"]) not in skip:
            return True
    return False


def pending_changes(store: Store, limit: int | None = None) -> list[OutboxChange]:
    sql = "SELECT * FROM outbox WHERE state = 'pending' ORDER BY seq"
    rows = store.conn.execute(sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ()).fetchall()
    return [row_change(r) for r in rows]


def set_aside_entries(store: Store) -> list[dict[str, Any]]:
    """The province states set aside (newest last): what the Sync section and ``station-client sync`` list."""
    raw = get_state(store, FEED_SET_ASIDE)
    try:
        items = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def refresh_record_state(store: Store, kind: RecordKind, record_id: str) -> None:
    """Recompute a record's own sync state from the outbox and the conflicts table.

    open conflict > pending change > last change rejected (with its reason) > synced.
    """
    conn = store.conn
    state, note = "synced", None
    conflict = conn.execute("SELECT fields, conflict_type FROM conflicts WHERE kind = ? AND record_id = ? "
                            "AND status = 'open' ORDER BY detected_at DESC LIMIT 1",
                            (kind.name, record_id)).fetchone()
    if conflict is not None:
        state = "conflict"
        names = ", ".join(json.loads(conflict["fields"]) or {}) or conflict["conflict_type"]
        note = f"Xung đột với thay đổi ở nơi khác: {names}"
    else:
        last = conn.execute("SELECT state, result FROM outbox WHERE kind = ? AND record_id = ? "
                            "ORDER BY (state = 'pending') DESC, seq DESC LIMIT 1",
                            (kind.name, record_id)).fetchone()
        if last is not None and last["state"] == "pending":
            state = "pending"
        elif last is not None and last["state"] == "rejected":
            state = "rejected"
            note = rejection_text(json.loads(last["result"] or "{}"))[0]
    conn.execute(f"UPDATE {kind.table} SET sync_state = ?, sync_note = ? WHERE id = ?", (state, note, record_id))
    store.note_change(kind.name, record_id, sync_state=True)


def rejection_text(result: dict[str, Any]) -> tuple[str, str]:
    """Plain words (vi, en) for a rejected change, from the server's answer."""
    problems = result.get("problems") or []
    if problems:
        vi = "; ".join(str(p.get("vi") or p.get("code")) for p in problems if isinstance(p, dict))
        en = "; ".join(str(p.get("en") or p.get("code")) for p in problems if isinstance(p, dict))
        return f"Tỉnh từ chối: {vi}", f"Refused by the province: {en}"
    if result.get("status") == "forbidden":
        return ("Tỉnh từ chối: hồ sơ thuộc xã/phường khác.",
                "Refused by the province: the record belongs to another commune.")
    code = result.get("code") or "rejected"
    return (f"Tỉnh từ chối ({code}): {result.get('vi') or ''}".rstrip(": "),
            f"Refused by the province ({code}): {result.get('en') or ''}".rstrip(": "))


# ------------------------------------------------------------------------------------------- inspection
def iter_synced_state(store: Store, kinds: Iterable[str] | None = None) -> Iterator[tuple[str, str, int, bool,
                                                                                             dict[str, Any]]]:
    """(kind, id, server_version, deleted, fields) of every record: what tests compare with the province."""
    for name in kinds or [k for k, v in KINDS.items() if v.scope == "commune"]:
        kind = get_kind(name)
        for row in store.conn.execute(f"SELECT * FROM {kind.table} ORDER BY id"):
            yield name, row["id"], row["server_version"], bool(row["deleted"]), fields_only(kind, from_db(kind, row))
