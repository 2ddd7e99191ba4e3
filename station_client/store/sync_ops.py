"""Store-side operations of the sync engine: the only SQL sync needs, each one atomic.

Rules kept here (docs/sync-protocol.md, ../shared/sync.md):
- A change leaves the outbox only on an answer from the province; ``take_batch`` marks ``sent_at`` in the same
  transaction that reads the batch, so a local edit made while it is on the wire becomes a new change instead
  of altering one the server may already hold (same change id with other content is refused there).
- Results, feed entries, the cursor and the epoch of one response are written in one transaction: a crash
  leaves either all of it or none of it, and the cursor never covers entries that were not applied.
- A pulled state never overwrites a field that has a pending local change; the push is judged against it.
- Every change of a record's content writes an audit entry (action ``remote`` for the province's state,
  ``resolve`` for an officer's conflict resolution), chained like local writes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import wire as dg
from ..clock import now_iso
from ..domain import permissions
from ..domain.kinds import InvalidText, RecordKind, coerce_value, printable, text_problem
from ..domain.problems import ValidationError
from ..domain.registry import KINDS, UnknownKind, get_kind
from ..wire import version_term as digest_term
from . import accounts, digests, search
from .codec import canonical_json, fields_only, from_db, record_hash, to_db
from .errors import RecordNotFound, StoreError
from .store import Store

# sync_state keys
EPOCH = "epoch"
CURSOR = "cursor"
RESYNC = "resync"  # "1" while a full re-pull of the scope is under way (first sync, new epoch, digest mismatch)
RESYNC_REASON = "resync_reason"
LAST_SUCCESS = "last_success"
LAST_ERROR = "last_error"  # JSON {"code", "vi", "en"} of the last failed cycle, cleared by a successful one
DIGEST_MISMATCH_AT_CURSOR = "digest_mismatch_cursor"
AUDIT_PUSHED = "audit.pushed_seq"  # the last audit seq the province has stored (its own cursor, resumable)
AUDIT_REFUSED = "audit.refused"  # JSON {"seq", "hash", "code", "vi", "en"} of an entry the province refused
# JSON list of the province's record states this station could not apply (invalid text, a malformed entry), each
# {"kind", "id", "version", "seq", "code", "vi", "en", "at"}: set aside so that the rest of the feed applies and
# the cursor moves on; shown in the Sync section and by ``station-client sync``. A later state of the same record
# that applies removes its entry.
FEED_SET_ASIDE = "feed.set_aside"
SET_ASIDE_KEEP = 500
RESYNC_BASES_EPOCH = "resync_bases.epoch"  # the epoch of the versions kept aside in resync_bases (m0010 trigger)

log = logging.getLogger(__name__)

REMOTE_OFFICER = "sync"
DIGEST_MOD = 2**64


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

    def merge(self, other: ApplyReport) -> None:
        for name in ("acked", "rejected", "deferred", "conflicts", "applied", "skipped", "requeued", "accounts",
                     "set_aside"):
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


@dataclass
class _Chain:
    """The audit chain's last hash, carried through a transaction (one lookup instead of one per row)."""

    prev: str


# ------------------------------------------------------------------------------------------------- state
def get_state(store: Store, key: str) -> str | None:
    row = store.conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _put(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    if value is None:
        conn.execute("DELETE FROM sync_state WHERE key = ?", (key,))
    else:
        conn.execute("INSERT INTO sync_state(key, value) VALUES (?, ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def set_state(store: Store, values: dict[str, str | None]) -> None:
    with store.transaction() as conn:
        for key, value in values.items():
            _put(conn, key, value)
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
def _row_change(row: sqlite3.Row) -> OutboxChange:
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
            batch.append(_row_change(row))
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
    return [_row_change(r) for r in rows]


def mark_rejected(store: Store, change: OutboxChange, code: str, vi: str, en: str) -> None:
    """The station gives up on one change (e.g. the server refuses its request shape twice): recorded, not
    lost — the record shows why, and the officer's next edit makes a new change."""
    with store.transaction():
        _reject(store, change, {"status": "rejected", "code": code, "problems": [], "vi": vi, "en": en})


# --------------------------------------------------------------------------------------------- results
class Unusable(Exception):
    """A state from the province that this station cannot apply: it is set aside with this reason."""

    def __init__(self, code: str, vi: str, en: str):
        super().__init__(code)
        self.code, self.vi, self.en = code, vi, en


def _malformed(what: str) -> Unusable:
    return Unusable("feed.malformed", f"Dữ liệu từ tỉnh không đúng dạng ({what}); chưa áp dụng.",
                    f"The province sent a malformed state ({what}); not applied.")


# What one entry (or one answer's state) may fail with, without the store being at fault: its savepoint is rolled
# back and it is set aside. Not OperationalError (disk full, I/O error, locked): that fails the whole response,
# so the cursor never moves past entries that were not applied for a reason of this machine's.
_ENTRY_ERRORS: tuple[type[BaseException], ...] = (
    Unusable, ValueError, TypeError, KeyError, OverflowError, RecursionError, sqlite3.InterfaceError,
    sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.DataError)
try:  # the encrypted store's driver raises its own classes
    import sqlcipher3 as _sqlcipher3

    _ENTRY_ERRORS += (_sqlcipher3.InterfaceError, _sqlcipher3.IntegrityError, _sqlcipher3.ProgrammingError,
                      _sqlcipher3.DataError)
except ImportError:  # pragma: no cover - always installed with the app
    pass


def _server_fields(kind: RecordKind, record: dict[str, Any] | None) -> dict[str, Any] | None:
    """The kind's fields from a record object as the server sends it (``{"fields": {...}}`` or flat).

    Raises ``Unusable`` for text that cannot be stored (a lone surrogate, a control character): such a state is
    set aside whole rather than stored in part."""
    if record is None:
        return None
    if not isinstance(record, dict):
        raise _malformed("record")
    inner = record.get("fields")
    src: dict[str, Any] = inner if isinstance(inner, dict) else record
    out: dict[str, Any] = {}
    for name, value in src.items():
        f = kind.by_name.get(name)
        if f is None:
            continue  # metadata (id, version, ...) or a field this station's version does not know
        try:
            out[name] = coerce_value(f, value)
        except InvalidText as exc:
            label_vi, label_en = f.vi or name, f.en or name
            why_vi, why_en = (("mã Unicode lẻ", "a lone Unicode surrogate") if exc.reason == "surrogate"
                              else ("ký tự điều khiển", "a control character"))
            raise Unusable("text.invalid",
                           f"Dữ liệu từ tỉnh có ký tự không hợp lệ ở trường {label_vi} ({why_vi}); chưa áp dụng "
                           "hồ sơ này — đề nghị tỉnh sửa lại.",
                           f"The province's data has an invalid character in {label_en} ({why_en}); this record "
                           "was not applied — ask the province to correct it.") from exc
        except (TypeError, ValueError, RecursionError) as exc:
            if isinstance(value, str) and f.type != "json":
                # The province validated it (a newer rule this version lacks): keep the text rather than lose
                # it. Any other type would not read back as it was written (True comes back as 1), so the audit
                # hash could not vouch for it: set aside instead.
                out[name] = value
            else:
                raise _malformed(f"field {printable(name, 40)}") from exc
    return out


def _clean_text(value: Any) -> str | None:
    """``value`` if it is text that can be stored, else None."""
    return value if isinstance(value, str) and text_problem(value, multiline=False) is None else None


def set_aside_entries(store: Store) -> list[dict[str, Any]]:
    """The province states set aside (newest last): what the Sync section and ``station-client sync`` list."""
    raw = get_state(store, FEED_SET_ASIDE)
    try:
        items = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _set_aside(store: Store, kind: str, record_id: str, version: Any, seq: Any, exc: Unusable) -> None:
    items = [i for i in set_aside_entries(store) if (i.get("kind"), i.get("id")) != (kind, record_id)]
    items.append({"kind": kind, "id": record_id, "version": version if isinstance(version, int) else None,
                  "seq": seq if isinstance(seq, int) and not isinstance(seq, bool) else None, "code": exc.code,
                  "vi": exc.vi, "en": exc.en, "at": now_iso()})
    # ASCII escapes: whatever the entry held, the note itself can always be stored.
    _put(store.conn, FEED_SET_ASIDE, json.dumps(items[-SET_ASIDE_KEEP:], ensure_ascii=True))
    store.note_change(sync_state=True)
    log.warning("province state set aside: kind=%s code=%s", kind, exc.code)


def _clear_set_aside(store: Store, kind: str, record_id: str) -> None:
    items = set_aside_entries(store)
    kept = [i for i in items if (i.get("kind"), i.get("id")) != (kind, record_id)]
    if len(kept) != len(items):
        _put(store.conn, FEED_SET_ASIDE, json.dumps(kept, ensure_ascii=True) if kept else None)
        store.note_change(sync_state=True)


def _entry_error(exc: BaseException) -> Unusable:
    if isinstance(exc, Unusable):
        return exc
    return Unusable("feed.unusable", f"Không áp dụng được dữ liệu từ tỉnh ({type(exc).__name__}); đã để riêng.",
                    f"The province's state could not be applied ({type(exc).__name__}); set aside.")


def _pending_for(conn: sqlite3.Connection, kind: str, record_id: str) -> tuple[set[str], bool, bool]:
    """Fields with a pending local change, whether a delete is pending, whether anything is pending."""
    fields: set[str] = set()
    delete = False
    rows = conn.execute("SELECT op, fields FROM outbox WHERE kind = ? AND record_id = ? AND state = 'pending'",
                        (kind, record_id)).fetchall()
    for row in rows:
        if row["op"] == "delete":
            delete = True
        else:
            fields.update(json.loads(row["fields"]))
    return fields, delete, bool(rows)


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


def _answer_deleted(change: OutboxChange, result: dict[str, Any] | None) -> bool:
    """The record's deleted flag in an ``applied``/``duplicate`` answer. The server puts it next to ``record``
    (whose ``fields`` or flat members are the record's fields only); a record object that carries its own
    ``deleted`` member is read as well. Only with neither is it inferred from the change itself."""
    if result is not None:
        if isinstance(result.get("deleted"), bool):
            return bool(result["deleted"])
        record = result.get("record")
        if isinstance(record, dict) and isinstance(record.get("deleted"), bool):
            return bool(record["deleted"])
    return change.op == "delete"


def _ack(store: Store, change: OutboxChange, version: int, epoch: str | None, record: dict[str, Any] | None,
         chain: _Chain, deleted: bool | None = None, made: int | None = None) -> bool:
    """Mark ``change`` acknowledged and take the state the answer carried. True if that state was set aside.
    ``version``: the record's version now; ``made``: the version this change made (kept for a replay after a
    restore; None when unknown, e.g. a duplicate of a change that changed nothing)."""
    conn = store.conn
    conn.execute("UPDATE outbox SET state = 'acked', acked_at = ?, acked_epoch = ?, result = ?, ack_version = ? "
                 "WHERE seq = ?", (now_iso(), epoch, str(version), made, change.seq))
    try:
        kind = get_kind(change.kind)
    except UnknownKind:
        return False
    if change.resolves:
        conn.execute("UPDATE conflicts SET status = 'resolved', resolved_at = ?, resolved_by = ? "
                     "WHERE id = ? AND status != 'resolved'", (now_iso(), change.officer, change.resolves))
    row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (change.record_id,)).fetchone()
    if row is None:
        return False
    if record is not None:
        # A duplicate answer may carry a state others made since this change (a delete from another station
        # after a lost answer): its deleted flag is the answer's, never guessed from this change's op.
        if deleted is None:
            deleted = change.op == "delete"
        try:
            fields = _server_fields(kind, record)
        except Unusable as exc:  # the change is acknowledged; the state that came with it waits aside
            _set_aside(store, kind.name, change.record_id, version, None, exc)
            refresh_record_state(store, kind, change.record_id)
            return True
        _apply_state(store, kind, change.record_id, fields, deleted, version, row, chain, origin=None, force=True)
    elif version > row["server_version"]:
        conn.execute(f"UPDATE {kind.table} SET server_version = ? WHERE id = ?", (version, change.record_id))
    refresh_record_state(store, kind, change.record_id)
    return False


def _reject(store: Store, change: OutboxChange, result: dict[str, Any]) -> None:
    conn = store.conn
    conn.execute("UPDATE outbox SET state = 'rejected', acked_at = ?, result = ? WHERE seq = ?",
                 (now_iso(), canonical_json(result), change.seq))
    if change.resolves:  # the resolution did not go through: the conflict is open again
        conn.execute("UPDATE conflicts SET status = 'open' WHERE id = ? AND status = 'resolving'",
                     (change.resolves,))
    try:
        kind = get_kind(change.kind)
    except UnknownKind:
        return
    refresh_record_state(store, kind, change.record_id)


def _conflict(store: Store, change: OutboxChange, result: dict[str, Any], chain: _Chain,
              epoch: str | None = None) -> bool:
    """Record the conflict the province found. True if the state the answer carried was set aside."""
    conn = store.conn
    info = result.get("conflict") or {}
    conflict_id = str(info.get("id") or uuid.uuid4())
    version = int(result.get("version") or info.get("server_version") or 0)
    kind_or_none = KINDS.get(change.kind)
    server_fields: dict[str, Any] | None = None
    usable = True
    if kind_or_none is not None:
        try:
            server_fields = _server_fields(kind_or_none, result.get("record"))
        except Unusable as exc:  # the conflict is recorded; the province's state that came with it waits aside
            _set_aside(store, change.kind, change.record_id, version, None, exc)
            usable = False
    made = result.get("change_version")  # its non-conflicting fields made this version (replayed after a restore)
    conn.execute("UPDATE outbox SET state = 'conflict', acked_at = ?, acked_epoch = ?, result = ?, ack_version = ? "
                 "WHERE seq = ?", (now_iso(), epoch, canonical_json(result),
                                   made if isinstance(made, int) and not isinstance(made, bool) else None,
                                   change.seq))
    if change.resolves and change.resolves != conflict_id:
        # A resolution that met yet another change elsewhere: the new conflict replaces the old one.
        conn.execute("UPDATE conflicts SET status = 'resolved', resolved_at = ?, resolved_by = ? WHERE id = ?",
                     (now_iso(), "superseded:" + conflict_id, change.resolves))
    conn.execute(
        "INSERT INTO conflicts(id, kind, record_id, change_id, conflict_type, fields, server_version, "
        "server_record, detected_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
        (conflict_id, change.kind, change.record_id, change.change_id, str(info.get("type") or "edit"),
         canonical_json(info.get("fields") or {}), version,
         canonical_json(result.get("record")) if result.get("record") is not None and usable else None, now_iso(),
         info.get("origin")))
    if kind_or_none is None:
        return not usable
    kind = kind_or_none
    row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (change.record_id,)).fetchone()
    if row is not None and usable:
        # The province's state becomes the record's (both values stay in the conflict row): station and
        # province show the same thing until an officer resolves it.
        _apply_state(store, kind, change.record_id, server_fields, bool(result.get("deleted")), version, row, chain,
                     origin=info.get("origin"), force=True)
    refresh_record_state(store, kind, change.record_id)
    return not usable


def _record_results(store: Store, changes: Sequence[OutboxChange], results: Sequence[Any], epoch: str | None,
                    chain: _Chain, report: ApplyReport, careful: bool = False) -> None:
    for change, result in zip(changes, results, strict=True):
        prev = chain.prev
        try:
            # careful: a savepoint, so that one answer that cannot be applied never fails the others
            with store.transaction() if careful else contextlib.nullcontext():
                _record_result(store, change, result, epoch, chain, report)
        except _ENTRY_ERRORS as exc:
            if not careful:
                raise  # ``apply_response`` rolls back and applies the response carefully
            chain.prev = prev
            # Recorded as the province answered it (acknowledged / conflict / refused), without the state it
            # carried, which is set aside: leaving the change pending would resend it for ever.
            status = result.get("status") if isinstance(result, dict) else None
            state = ("conflict" if status == "conflict" else "rejected" if status in ("rejected", "forbidden")
                     else "acked")
            store.conn.execute("UPDATE outbox SET state = ?, acked_at = ?, acked_epoch = ?, result = ? WHERE seq = ?",
                               (state, now_iso(), epoch, json.dumps(result, ensure_ascii=True, default=str)[:4000],
                                change.seq))
            _set_aside(store, change.kind, change.record_id, None, None, _entry_error(exc))
            if change.kind in KINDS:
                refresh_record_state(store, KINDS[change.kind], change.record_id)
            report.set_aside += 1


def _record_result(store: Store, change: OutboxChange, result: Any, epoch: str | None, chain: _Chain,
                   report: ApplyReport) -> None:
    if isinstance(result, bool):  # JSON true/false is not a version
        result = {"status": "rejected", "code": "bad_result"}
    if isinstance(result, int):
        _ack(store, change, result, epoch, None, chain, made=result)
        report.acked += 1
        return
    status = result.get("status") if isinstance(result, dict) else None
    if status in ("applied", "duplicate"):
        version = int(result.get("version") or 0)
        # An applied change made the version answered, unless the province says it made none (it changed
        # nothing: ``change_version`` null); a duplicate carries the version it made, if any.
        made = result.get("change_version") if status == "duplicate" or "change_version" in result else version
        report.set_aside += _ack(store, change, version, epoch, result.get("record"), chain,
                                 _answer_deleted(change, result),
                                 made=int(made) if isinstance(made, int) and not isinstance(made, bool) else None)
        report.acked += 1
    elif status == "deferred":
        # Not refused: it depends on a change another station has not re-sent yet (after a restore of the
        # province), or the province's epoch changed under it. It stays pending and goes again next cycle.
        if result.get("code") != "epoch.changed":
            store.conn.execute("UPDATE outbox SET result = ? WHERE seq = ?",
                               (canonical_json({"code": str(result.get("code") or ""), "status": "deferred"}),
                                change.seq))
            report.deferred += 1
    elif status == "conflict":
        report.set_aside += _conflict(store, change, result, chain, epoch)
        report.conflicts += 1
    elif status in ("rejected", "forbidden"):
        _reject(store, change, result)
        report.rejected += 1
    # Otherwise an answer this version does not understand: keep the change pending (it is retried) rather than
    # guess. The server deduplicates the retry.


# ------------------------------------------------------------------------------------------ remote state
def _apply_state(store: Store, kind: RecordKind, record_id: str, server_fields: dict[str, Any] | None,
                 deleted: bool, version: int, row: sqlite3.Row | None, chain: _Chain, *, origin: str | None,
                 force: bool = False) -> bool:
    """Make a local record hold the province's state at ``version`` except where a local change is pending.

    Returns whether the record's content changed. A state older than the record's ``server_version`` is
    ignored, and so is one at that version unless ``force`` (an answer to our own change carries the merged
    state at the version it made): a page applied twice changes nothing.
    """
    conn = store.conn
    if row is not None and (version < row["server_version"] or (version == row["server_version"] and not force)):
        return False
    pending_fields, pending_delete, pending_any = _pending_for(conn, kind.name, record_id)
    now = now_iso()
    officer = f"{REMOTE_OFFICER}:{origin}" if origin else REMOTE_OFFICER
    if row is None:
        record = kind.empty_record() | (server_fields or {})
        db_values = to_db(kind, record) | store.derived_columns(kind, record_id, record, None)
        columns = ["id", *db_values, "created_at", "updated_at", "updated_by", "server_version", "deleted",
                   "sync_state"]
        cur = conn.execute(
            f"INSERT INTO {kind.table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            (record_id, *db_values.values(), now, now, officer, version, int(deleted), "synced"))
        if kind.table == "persons" and not deleted:
            search.fts_add(conn, int(cur.lastrowid or 0),
                           {k: db_values[k] for k in ("search_name", "search_ids", "search_addr")})
        created: dict[str, Any] = {f: [None, v] for f, v in record.items() if v is not None}
        if deleted:
            created["deleted"] = [False, True]
        chain.prev = store.append_audit(kind, record_id, "remote", created, officer, now, None,
                                        record_hash(kind, record_id, record, deleted), chain.prev)
        store.note_change(kind.name, record_id, sync_state=True)
        return True

    current = from_db(kind, row)
    old_fields = fields_only(kind, current)
    new_fields = dict(old_fields)
    was_deleted = bool(row["deleted"])
    if pending_delete:
        now_deleted = True  # the local delete is pending: it will be judged (delete vs edit) on push
    elif pending_any and deleted:
        now_deleted = was_deleted  # a local edit is pending: keep it visible; the push reports edit vs delete
    else:
        now_deleted = deleted
    if server_fields is not None:
        for name, value in server_fields.items():
            # A deleted state that stays live here (an edit is pending) does not empty fields it holds no value
            # for: a tombstone of a record the province never had has none, and must not leave a nameless person.
            if name not in pending_fields and not (deleted and not now_deleted and value is None):
                new_fields[name] = value
    diff: dict[str, Any] = {f: [old_fields[f], new_fields[f]] for f in kind.field_names
                            if old_fields[f] != new_fields[f]}
    if was_deleted != now_deleted:
        diff["deleted"] = [was_deleted, now_deleted]
    new_server_version = max(version, row["server_version"])
    if not diff:
        if new_server_version != row["server_version"]:
            conn.execute(f"UPDATE {kind.table} SET server_version = ? WHERE id = ?", (new_server_version, record_id))
        return False
    live_before, live_after = not was_deleted, not now_deleted
    changed_values = to_db(kind, {f: new_fields[f] for f in diff if f != "deleted"})
    derived = store.derived_columns(kind, record_id, new_fields, row if (live_before and live_after) else None)
    if kind.table == "persons":
        if live_before and not live_after:
            search.fts_remove(conn, row["n"], dict(row))
        elif live_after and not live_before:
            search.fts_add(conn, row["n"], {k: derived[k] for k in ("search_name", "search_ids", "search_addr")})
    values = changed_values | derived
    assignments = "".join(f"{c} = ?, " for c in values)
    conn.execute(f"UPDATE {kind.table} SET {assignments}deleted = ?, version = version + 1, updated_at = ?, "
                 "updated_by = ?, server_version = ? WHERE id = ?",
                 (*values.values(), int(now_deleted), now, officer, new_server_version, record_id))
    chain.prev = store.append_audit(kind, record_id, "remote", diff, officer, now, None,
                                    record_hash(kind, record_id, new_fields, now_deleted), chain.prev)
    store.note_change(kind.name, record_id, sync_state=True)
    return True


def _feed_entry(entry: Any) -> tuple[str, str, int, bool]:
    """(kind, id, version, deleted) of a feed entry, checked; raises ``Unusable``."""
    if not isinstance(entry, dict):
        raise _malformed("entry")
    kind, record_id = _clean_text(entry.get("kind")), _clean_text(entry.get("id"))
    version, deleted = entry.get("version"), entry.get("deleted")
    if kind is None:
        raise _malformed("kind")
    if record_id is None or not 0 < len(record_id) <= 200:
        raise _malformed("id")
    if not isinstance(version, int) or isinstance(version, bool) or not 0 < version < 2**62:
        raise _malformed("version")
    if deleted is not None and not isinstance(deleted, bool | int):
        raise _malformed("deleted")
    if entry.get("fields") is not None and not isinstance(entry.get("fields"), dict):
        raise _malformed("fields")
    return kind, record_id, version, bool(deleted)


def _apply_feed(store: Store, feed: Iterable[dict[str, Any]], chain: _Chain, report: ApplyReport,
                careful: bool = False) -> None:
    """Apply the feed entries in order. An entry that cannot be applied (invalid text, a malformed entry) is set
    aside with its reason; the rest of the feed applies and the cursor moves on, so one record never stops a
    commune's sync. Such entries are found before anything of theirs is written. ``careful``: each entry also in
    its own savepoint, so that one failing half-way (a value the database refuses) is rolled back alone — used
    when a response failed that way (``apply_response``), not on every page (savepoints cost a first sync)."""
    conn = store.conn
    aside = {(i.get("kind"), i.get("id")) for i in set_aside_entries(store)}  # read once, not once per entry
    for entry in feed:
        try:
            kind_name, record_id, version, deleted = _feed_entry(entry)
        except Unusable as exc:
            raw = entry if isinstance(entry, dict) else {}
            _set_aside(store, printable(str(raw.get("kind") or "?"), 64), printable(str(raw.get("id") or "?"), 200),
                       raw.get("version"), raw.get("seq"), exc)
            report.set_aside += 1
            continue
        try:
            kind = get_kind(kind_name)
        except UnknownKind:
            # A kind added by a newer version: skipped now, fetched by the resync after the station upgrades.
            report.skipped += 1
            continue
        row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (record_id,)).fetchone()
        if row is not None and version <= row["server_version"]:
            report.skipped += 1
            continue
        prev = chain.prev
        try:
            fields = _server_fields(kind, entry.get("fields"))  # before any write of this entry
            with store.transaction() if careful else contextlib.nullcontext():
                changed = _apply_state(store, kind, record_id, fields, deleted, version, row, chain,
                                       origin=_clean_text(entry.get("origin")))
                if row is not None:
                    refresh_record_state(store, kind, record_id)
                if (kind.name, record_id) in aside:  # a later state applied: the earlier one is no longer aside
                    _clear_set_aside(store, kind.name, record_id)
                    aside.discard((kind.name, record_id))
        except _ENTRY_ERRORS as exc:
            if not careful and not isinstance(exc, Unusable):
                raise  # written in part: ``apply_response`` rolls back and applies the response carefully
            chain.prev = prev
            _set_aside(store, kind.name, record_id, version, entry.get("seq"), _entry_error(exc))
            aside.add((kind.name, record_id))
            report.set_aside += 1
            continue
        report.applied += int(changed)
        report.skipped += int(not changed)
        if changed and kind.name == "officer_account":
            report.accounts += 1


def _prune_resync_bases(store: Store, epoch: str) -> None:
    """Forget a version kept aside from a lost history once the record has a version of the current one (the
    outbox trigger must not tag a later change of it with the old epoch). Nothing to do day to day."""
    conn = store.conn
    if get_state(store, RESYNC_BASES_EPOCH) in (None, epoch) or get_state(store, RESYNC) == "1":
        return  # kept for a digest mismatch (same history), or the re-pull is still under way
    for row in conn.execute("SELECT kind, record_id FROM resync_bases").fetchall():
        try:
            kind = get_kind(row["kind"])
        except UnknownKind:
            continue
        if conn.execute(f"SELECT 1 FROM {kind.table} WHERE id = ? AND server_version > 0",
                        (row["record_id"],)).fetchone():
            conn.execute("DELETE FROM resync_bases WHERE kind = ? AND record_id = ?", (row["kind"], row["record_id"]))


def _requeue_orphans(store: Store) -> int:
    """After a full re-pull: records that the province does not have (``server_version`` still 0) and that
    nothing will send are queued again with their full state — e.g. made after the backup the province was
    restored from, and acknowledged under an older epoch.

    A record whose pending changes are only edits (based on a version the province lost, e.g. a record the
    province itself made after its backup) is queued too — nothing pending creates it — and its copy goes ahead
    of those edits (they are moved behind it, in their order): an edit must never reach the province before the
    record it edits, or it would be judged as a first change and refused as incomplete once the replay window
    closes. An edit answered with a conflict does not send the record either (the conflict stays open here).

    A deleted record is sent the same way, as a tombstone that carries its fields (``op`` delete): e.g. one the
    province made and deleted after its backup, which this station edited in between. Its edits were applied
    there before the delete; the tombstone keeps them, and nothing the stations last saw deleted comes back."""
    conn = store.conn
    now = now_iso()
    queued = 0
    for kind in KINDS.values():
        if kind.scope != "commune" or kind.province_only:  # the province's own records are never a station's to send
            continue
        rows = conn.execute(
            f"SELECT * FROM {kind.table} t WHERE server_version = 0 AND NOT EXISTS ("
            "SELECT 1 FROM outbox o WHERE o.kind = ? AND o.record_id = t.id AND o.state IN ('pending', 'conflict')"
            " AND (o.base_version = 0 OR o.op = 'delete' OR o.orphan = 1)"
            ") AND coalesce((SELECT o.state FROM outbox o WHERE o.kind = ? AND o.record_id = t.id "
            "AND o.state != 'pending' ORDER BY o.seq DESC LIMIT 1), '') != 'rejected'",
            (kind.name, kind.name)).fetchall()
        for row in rows:
            record = fields_only(kind, from_db(kind, row))
            # An orphan: a copy, not a change of this station's. The province keeps its own state if it has the
            # record by the time this arrives (e.g. its maker re-sent it after a restore).
            conn.execute(
                "INSERT INTO outbox(change_id, kind, record_id, op, base_version, fields, created_at, officer, "
                "orphan) VALUES (?, ?, ?, ?, 0, ?, ?, ?, 1)",
                (str(uuid.uuid4()), kind.name, row["id"], "delete" if row["deleted"] else "upsert",
                 canonical_json(record), now, REMOTE_OFFICER))
            for (seq,) in conn.execute("SELECT seq FROM outbox WHERE kind = ? AND record_id = ? AND state = 'pending' "
                                       "AND orphan = 0 ORDER BY seq", (kind.name, row["id"])).fetchall():
                top = conn.execute("SELECT max(seq) FROM outbox").fetchone()[0]
                conn.execute("UPDATE outbox SET seq = ? WHERE seq = ?", (top + 1, seq))
                conn.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'outbox'", (top + 1,))
            conn.execute(f"UPDATE {kind.table} SET sync_state = 'pending', sync_note = NULL WHERE id = ?",
                         (row["id"],))
            store.note_change(kind.name, row["id"], sync_state=True)
            queued += 1
    return queued


@dataclass
class Response:
    """One answer of the province (online exchange or answer bundle), as the store needs it."""

    epoch: str
    results: Sequence[Any] = ()
    feed: Sequence[dict[str, Any]] = ()
    cursor: int | None = None
    more: bool = False
    digest: str | None = None
    move_cursor: bool = True  # False: an answer bundle older than the station's cursor (feed applied only)
    extra_state: dict[str, str | None] = field(default_factory=dict)


def apply_response(store: Store, changes: Sequence[OutboxChange], response: Response) -> ApplyReport:
    """Record the results of ``changes``, apply the feed and move the cursor: one transaction.

    If a result or an entry fails half-way (a value the database refuses), everything is rolled back and the
    response is applied again with each result and entry in its own savepoint: the failing one is set aside,
    the others apply, and the cursor moves on."""
    try:
        return _apply_response(store, changes, response, careful=False)
    except _ENTRY_ERRORS as exc:
        log.warning("a province state failed to apply (%s); applying the response entry by entry",
                    type(exc).__name__)
        return _apply_response(store, changes, response, careful=True)


def _apply_response(store: Store, changes: Sequence[OutboxChange], response: Response, *,
                    careful: bool) -> ApplyReport:
    report = ApplyReport()
    with store.transaction() as conn:
        chain = _Chain(store.last_audit_hash())
        _record_results(store, changes, response.results, response.epoch, chain, report, careful)
        _apply_feed(store, response.feed, chain, report, careful)
        if response.move_cursor and response.cursor is not None:
            old = get_state(store, CURSOR)
            if old is None or response.cursor >= int(old):
                _put(conn, CURSOR, str(response.cursor))
            _put(conn, EPOCH, response.epoch)
            if not response.more and get_state(store, RESYNC) == "1":
                _put(conn, RESYNC, None)
                _put(conn, RESYNC_REASON, None)
                # Every record the province has now carries its version again; one still at 0 is not there. After
                # a restore such a record may still come back (its maker re-sends it): its old version stays
                # aside, so an edit of it is based on that version and waits for it rather than being refused.
                if get_state(store, RESYNC_BASES_EPOCH) in (None, response.epoch):
                    conn.execute("DELETE FROM resync_bases")
                report.requeued = _requeue_orphans(store)
                report.resync_done = True
        _prune_resync_bases(store, response.epoch)
        for key, value in response.extra_state.items():
            _put(conn, key, value)
        store.note_change(sync_state=True)
    if report.accounts:
        # Province-issued accounts are taken at once, while this process holds the data key (the app's sync
        # worker, an unlocked headless sync): each gets its key-file entry now, so the officer can unlock a
        # locked station at the next start. After the commit: the key file is not part of the transaction,
        # and an entry must never be written for an issue that was rolled back.
        try:
            accounts.take_issued(store, disabled=report.disabled)
            report.rekey_due = bool(report.disabled) and accounts.rekey_due(store)
        except StoreError as exc:
            # The pulled records are committed; a key file that cannot be written now must not fail the sync.
            # Each issue that failed was rolled back on its own and is taken again at that officer's login or
            # the head's list of officers.
            log.warning("province-issued accounts not taken yet: %s", type(exc).__name__)
    return report


# ------------------------------------------------------------------------------------- epoch and resync
def start_resync(store: Store, reason: str, *, new_epoch: str | None = None, history_intact: bool = False) -> int:
    """Pull the whole scope again from cursor 0.

    Every record's ``server_version`` is set to 0 so that the province's versions are taken as they come
    (after a restore they may be lower than what the station saw). With ``new_epoch`` (the province's database
    was restored) every change acknowledged under another epoch is pending again: the server acknowledges what
    it still has as duplicates and applies what it lost. Returns how many changes were queued again.

    ``history_intact`` (a digest mismatch: the province lost nothing, the station's versions are versions it
    gave): the versions are kept aside in ``resync_bases`` until the re-pull ends, so an edit made before the
    re-pull reaches its record is based on that version with the changed fields only (``Store.base_version``).
    Otherwise (a restored province, a cursor ahead of its head) those versions may not exist there any more and
    must not serve as a base: the edit sends the whole record at base 0, as on a first sync.
    """
    requeued = 0
    with store.transaction() as conn:
        old_epoch = get_state(store, EPOCH)
        restored = new_epoch is not None and old_epoch is not None and new_epoch != old_epoch
        if new_epoch is not None:
            # Every change based on a version of the lost history says so; every change acknowledged in it is
            # sent again, in its original order, as a replay of the version it had there (docs/sync-protocol.md,
            # "Epoch"): the province re-applies the lost history in order, and judges what no longer fits.
            conn.execute("UPDATE outbox SET base_epoch = ? WHERE state = 'pending' AND base_epoch IS NULL "
                         "AND base_version > 0", (old_epoch,))
            # A change that met a conflict there and still made a version (its other fields) is re-sent as a
            # replay of that version with the fields in conflict named: those stay with the officer's conflict.
            for row in conn.execute("SELECT seq, result FROM outbox WHERE state = 'conflict' AND ack_version IS NOT "
                                    "NULL AND (acked_epoch IS NULL OR acked_epoch != ?)", (new_epoch,)).fetchall():
                info = (json.loads(row["result"] or "{}").get("conflict") or {})
                conn.execute("UPDATE outbox SET state = 'acked', replay_conflicted = ? WHERE seq = ?",
                             (canonical_json(sorted(info.get("fields") or {})), row["seq"]))
            # A replay the province re-applied with its old number (a fast-forward, or a duplicate the backup
            # held) still is that version of the history it was first acknowledged in: it keeps that epoch, so a
            # second restore finds the histories the same rather than diverged.
            requeued = conn.execute(
                "UPDATE outbox SET state = 'pending', acked_at = NULL, result = NULL, replay_version = ack_version, "
                "base_epoch = CASE WHEN ack_version IS NULL THEN coalesce(base_epoch, acked_epoch, ?) "
                "WHEN replay_version = ack_version AND base_epoch IS NOT NULL THEN base_epoch "
                "ELSE coalesce(acked_epoch, ?) END "
                "WHERE state = 'acked' AND (acked_epoch IS NULL OR acked_epoch != ?)",
                (old_epoch, old_epoch, new_epoch)).rowcount
            _put(conn, EPOCH, new_epoch)
        # After a restore the versions the station knew belong to the lost history: kept aside with its epoch, an
        # edit made before the re-pull reaches its record is sent with its changed fields at that version, and the
        # province judges it against that history (it waits if that version has not been re-sent yet).
        keep = history_intact or restored
        if not keep:
            conn.execute("DELETE FROM resync_bases")
        _put(conn, RESYNC_BASES_EPOCH, (old_epoch if restored else get_state(store, EPOCH)) if keep else None)
        for kind in KINDS.values():
            if keep and kind.scope == "commune" and not kind.province_only:
                # A second mismatch during a resync keeps what the first set aside for records not re-pulled yet.
                conn.execute(f"INSERT INTO resync_bases(kind, record_id, server_version) SELECT ?, id, "
                             f"server_version FROM {kind.table} WHERE server_version != 0 "
                             "ON CONFLICT(kind, record_id) DO UPDATE SET server_version = excluded.server_version",
                             (kind.name,))
            conn.execute(f"UPDATE {kind.table} SET server_version = 0 WHERE server_version != 0")
            if requeued:
                conn.execute(f"UPDATE {kind.table} SET sync_state = 'pending', sync_note = NULL WHERE id IN "
                             "(SELECT record_id FROM outbox WHERE kind = ? AND state = 'pending')", (kind.name,))
        _put(conn, CURSOR, "0")
        _put(conn, RESYNC, "1")
        _put(conn, RESYNC_REASON, reason)
        store.note_change(sync_state=True)
    return requeued


# ------------------------------------------------------------------------------------------------ digest
def compute_digest(store: Store) -> dict[str, Any]:
    """The digest the station sends at head (scheme 2, docs/sync-protocol.md "Divergence check"): the count and
    sum of its synced commune records' full-state terms, from per-bucket sums kept incrementally (only records
    written since the last digest are hashed)."""
    return digests.digest(store)


def compute_digest_v1(store: Store) -> dict[str, Any]:
    """Scheme 1 ``{"count", "sum"}`` over (kind, id, server_version): reads every synced record (tools only)."""
    total = 0
    count = 0
    for kind in KINDS.values():
        if not dg.counted_v1(kind):
            continue
        for rid, version in store.conn.execute(f"SELECT id, server_version FROM {kind.table} "
                                               "WHERE server_version > 0"):
            total = (total + digest_term(kind.name, rid, version)) % DIGEST_MOD
            count += 1
    # A state set aside is held by the province at its version: counted as the province counts it, or the
    # digest would read it as divergence and pull the whole scope again at every change of the province's head.
    for (kind_name, rid), version in set_aside_versions(store).items():
        row = store.conn.execute(f"SELECT server_version FROM {KINDS[kind_name].table} WHERE id = ?",
                                 (rid,)).fetchone()
        if row is not None and row[0] > 0:
            if row[0] >= version:
                continue
            total -= digest_term(kind_name, rid, row[0])
        else:
            count += 1
        total = (total + digest_term(kind_name, rid, version)) % DIGEST_MOD
    return {"count": count, "sum": f"{total:016x}"}


def set_aside_versions(store: Store) -> dict[tuple[str, str], int]:
    """(kind, id) -> version of the commune-kind states set aside (the province holds them at that version; this
    station could not store them). For the divergence digest."""
    out: dict[tuple[str, str], int] = {}
    for item in set_aside_entries(store):
        kind, rid, version = KINDS.get(str(item.get("kind"))), item.get("id"), item.get("version")
        if kind is not None and kind.scope == "commune" and isinstance(rid, str) and isinstance(version, int) \
                and not isinstance(version, bool) and version > 0:
            out[(kind.name, rid)] = max(version, out.get((kind.name, rid), 0))
    return out


def mismatched_buckets(store: Store, province: Sequence[Sequence[Any]]) -> list[int]:
    """The buckets whose (count, sum) differ from the province's ``[[bucket, count, "sum hex"], ...]``."""
    theirs = {int(b): (int(c), int(str(h), 16)) for b, c, h in province}
    return dg.differing(digests.bucket_sums(store), theirs)


@dataclass
class Repair:
    """One digest repair: the buckets re-pulled and what it did."""

    buckets: list[int]
    pulled: int = 0  # records the province sent for those buckets
    repaired: int = 0  # local records whose state was replaced by the province's
    requeued: int = 0  # local records the province does not have: queued to be sent again
    seen: set[tuple[str, str]] = field(default_factory=set)
    examples: list[str] = field(default_factory=list)  # "kind id" of a few repaired records, for the log


REPAIR_OFFICER_ORIGIN = "digest-repair"  # audit entries of a repair read officer "sync:digest-repair"
LAST_REPAIR = "digest.last_repair"  # JSON of the last repair (shown by ``station-client sync status``)


def apply_repair(store: Store, repair: Repair, records: Iterable[dict[str, Any]]) -> None:
    """Make local records equal the province's current states (one page of a bucket repair), in one
    transaction, through the same path as the feed: fields with a pending local change keep the local value, a
    pending delete stays, and every change of content writes a ``remote`` audit entry."""
    with store.transaction() as conn:
        chain = _Chain(store.last_audit_hash())
        for entry in records:
            try:
                kind = get_kind(str(entry["kind"]))
            except UnknownKind:
                continue
            record_id = str(entry["id"])
            repair.pulled += 1
            repair.seen.add((kind.name, record_id))
            version = int(entry["version"])
            deleted = bool(entry.get("deleted"))
            fields = _server_fields(kind, entry.get("fields")) or {}
            row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (record_id,)).fetchone()
            if row is not None and row["server_version"] == version and bool(row["deleted"]) == deleted and (
                    dg.content_hash(kind, fields_only(kind, from_db(kind, row))) == dg.content_hash(kind, fields)):
                continue  # this record was right
            if row is not None and row["server_version"] != version:
                # The version itself drifted (one the province never gave): take the province's.
                conn.execute(f"UPDATE {kind.table} SET server_version = ? WHERE id = ?", (version, record_id))
                row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (record_id,)).fetchone()
            _apply_state(store, kind, record_id, fields, deleted, version, row, chain,
                         origin=REPAIR_OFFICER_ORIGIN, force=True)
            if row is not None:
                refresh_record_state(store, kind, record_id)
            repair.repaired += 1
            if len(repair.examples) < 5:
                repair.examples.append(f"{kind.name} {record_id}")
        store.note_change(sync_state=True)


def finish_repair(store: Store, repair: Repair) -> None:
    """After the last page: records the station counts in the repaired buckets that the province did not send
    are not at the province (as far as it knows). They lose their ``server_version`` and, unless deleted or
    already waiting to be sent, are queued again with their whole state (as after a resync). Then the repair is
    recorded in the sync state and the log."""
    extra = [k for k in digests.records_in(store, set(repair.buckets)) if k not in repair.seen]
    now = now_iso()
    with store.transaction() as conn:
        for name, record_id in extra:
            kind = get_kind(name)
            row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (record_id,)).fetchone()
            if row is None:
                continue
            conn.execute(f"UPDATE {kind.table} SET server_version = 0 WHERE id = ?", (record_id,))
            waiting = conn.execute("SELECT 1 FROM outbox WHERE kind = ? AND record_id = ? AND state IN "
                                   "('pending', 'conflict') LIMIT 1", (name, record_id)).fetchone()
            if not row["deleted"] and not kind.province_only and waiting is None:
                conn.execute(
                    "INSERT INTO outbox(change_id, kind, record_id, op, base_version, fields, created_at, officer) "
                    "VALUES (?, ?, ?, 'upsert', 0, ?, ?, ?)",
                    (str(uuid.uuid4()), name, record_id, canonical_json(fields_only(kind, from_db(kind, row))), now,
                     REMOTE_OFFICER))
                conn.execute(f"UPDATE {kind.table} SET sync_state = 'pending', sync_note = NULL WHERE id = ?",
                             (record_id,))
                repair.requeued += 1
            store.note_change(name, record_id, sync_state=True)
        info = {"at": now, "buckets": repair.buckets, "pulled": repair.pulled, "repaired": repair.repaired,
                "requeued": repair.requeued,
                "vi": f"Đã tự sửa {repair.repaired} hồ sơ khác với tỉnh (kiểm tra {repair.pulled} hồ sơ"
                      f" trong {len(repair.buckets)} nhóm); {repair.requeued} hồ sơ được gửi lại.",
                "en": f"Repaired {repair.repaired} records that differed from the province (checked"
                      f" {repair.pulled} records in {len(repair.buckets)} buckets); {repair.requeued} sent again."}
        _put(conn, LAST_REPAIR, canonical_json(info))
        store.note_change(sync_state=True)
    log.warning("digest repair: buckets=%s pulled=%d repaired=%d requeued=%d examples=%s", repair.buckets,
                repair.pulled, repair.repaired, repair.requeued, repair.examples)


# --------------------------------------------------------------------------------------------- conflicts
@dataclass(frozen=True)
class Conflict:
    id: str
    kind: str
    record_id: str
    change_id: str | None
    type: str  # "edit" | "delete_vs_edit" | "edit_vs_delete"
    fields: dict[str, dict[str, Any]]  # name -> {"station": ..., "server": ...}
    server_version: int
    server_record: dict[str, Any] | None
    station_change: dict[str, Any] | None  # the station's change as it was sent (all of the station's values)
    origin: str | None
    status: str
    detected_at: str


def list_conflicts(store: Store, status: str = "open") -> list[Conflict]:
    rows = store.conn.execute("SELECT c.*, o.fields AS station_fields, o.op AS station_op FROM conflicts c "
                              "LEFT JOIN outbox o ON o.change_id = c.change_id WHERE c.status = ? "
                              "ORDER BY c.detected_at", (status,)).fetchall()
    return [_conflict_of(r) for r in rows]


def get_conflict(store: Store, conflict_id: str) -> Conflict | None:
    row = store.conn.execute("SELECT c.*, o.fields AS station_fields, o.op AS station_op FROM conflicts c "
                             "LEFT JOIN outbox o ON o.change_id = c.change_id WHERE c.id = ?",
                             (conflict_id,)).fetchone()
    return _conflict_of(row) if row else None


def _conflict_of(row: sqlite3.Row) -> Conflict:
    station = None
    if row["station_fields"] is not None:
        station = {"op": row["station_op"], "fields": json.loads(row["station_fields"])}
    return Conflict(row["id"], row["kind"], row["record_id"], row["change_id"], row["conflict_type"],
                    json.loads(row["fields"]), row["server_version"],
                    json.loads(row["server_record"]) if row["server_record"] else None, station, row["origin"],
                    row["status"], row["detected_at"])


def resolve_conflict(store: Store, conflict_id: str, chosen_values: dict[str, Any] | None, officer: str, *,
                     delete: bool = False) -> str:
    """An officer's decision on a conflict, written as an ordinary change (record + audit + outbox) that
    names the conflict in ``resolves``. ``chosen_values``: the fields the officer settled (the station's
    value, the province's or a new one); ``delete=True`` deletes the record instead. Returns the change id."""
    with store.transaction() as conn:
        c = conn.execute("SELECT * FROM conflicts WHERE id = ?", (conflict_id,)).fetchone()
        if c is None or c["status"] != "open":
            raise StoreError("Xung đột này không còn chờ xử lý.", "This conflict is no longer waiting.")
        kind = get_kind(c["kind"])
        row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (c["record_id"],)).fetchone()
        if row is None:
            raise RecordNotFound("Không tìm thấy hồ sơ.", "The record was not found.")
        current = from_db(kind, row)
        old_fields = fields_only(kind, current)
        was_deleted = bool(row["deleted"])
        # Discarding a record or bringing back one the province deleted is the station head's call.
        if delete and not was_deleted:
            store.authorize(permissions.head_only_action(permissions.CONFLICT_DISCARD.code), officer)
        elif not delete and was_deleted:
            store.authorize(permissions.head_only_action(permissions.CONFLICT_RESTORE.code), officer)
        now = now_iso()
        change_id = str(uuid.uuid4())
        if delete:
            new_fields, payload, op, now_deleted = old_fields, {}, "delete", True
            diff: dict[str, Any] = {"deleted": [was_deleted, True]} if not was_deleted else {}
        else:
            clean, problems = kind.coerce(chosen_values or {})
            new_fields = old_fields | clean
            filled: dict[str, Any] = {}
            if not problems and kind.validate(new_fields):
                # The record's state is incomplete (e.g. the province answered with a tombstone that never held
                # the record's fields, after a restore): keeping the station's side must not fail on fields the
                # conflict is not about. They are taken from the record's last complete state here.
                last = _last_complete_state(conn, kind, c["record_id"])
                filled = {f: v for f, v in last.items() if new_fields.get(f) is None and v is not None
                          and f not in clean}
                new_fields |= filled
            problems += kind.validate(new_fields)
            problems += store.cross_checks(kind, new_fields, c["record_id"])
            if problems:
                raise ValidationError(problems)
            op, now_deleted = "upsert", False
            # Restoring a record the province deleted sends its whole state; otherwise the settled fields (and
            # any filled in from the last complete state, which the province lacks as well).
            payload = new_fields if (c["conflict_type"] == "edit_vs_delete" or was_deleted) else clean | filled
            diff = {f: [old_fields[f], new_fields[f]] for f in kind.field_names if old_fields[f] != new_fields[f]}
            if was_deleted:
                diff["deleted"] = [True, False]
        live_before, live_after = not was_deleted, not now_deleted
        derived = store.derived_columns(kind, c["record_id"], new_fields,
                                         row if (live_before and live_after) else None)
        if kind.table == "persons":
            if live_before and not live_after:
                search.fts_remove(conn, row["n"], dict(row))
            elif live_after and not live_before:
                search.fts_add(conn, row["n"], {k: derived[k] for k in ("search_name", "search_ids", "search_addr")})
        values = to_db(kind, {f: new_fields[f] for f in diff if f != "deleted"}) | derived
        assignments = "".join(f"{col} = ?, " for col in values)
        conn.execute(f"UPDATE {kind.table} SET {assignments}deleted = ?, version = version + 1, updated_at = ?, "
                     "updated_by = ? WHERE id = ?", (*values.values(), int(now_deleted), now, officer, c["record_id"]))
        conn.execute("INSERT INTO outbox(change_id, kind, record_id, op, base_version, fields, resolves, created_at, "
                     "officer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (change_id, kind.name, c["record_id"], op, store.base_version(kind, c["record_id"], row),
                      canonical_json(payload),
                      conflict_id, now, officer))
        conn.execute("UPDATE conflicts SET status = 'resolving', resolved_by = ? WHERE id = ?", (officer, conflict_id))
        store.append_audit(kind, c["record_id"], "resolve", diff | {"conflict": [None, conflict_id]}, officer, now,
                           change_id, record_hash(kind, c["record_id"], new_fields, now_deleted))
        refresh_record_state(store, kind, c["record_id"])
    return change_id


def _last_complete_state(conn: sqlite3.Connection, kind: RecordKind, record_id: str) -> dict[str, Any]:
    """The record's fields at the last point its audit trail shows it live and valid ({} if never): every write
    of a record leaves its field-level ``[before, after]`` there, so the trail replays its states."""
    state: dict[str, Any] = kind.empty_record()
    deleted = False
    best: dict[str, Any] = {}
    for (changes,) in conn.execute("SELECT changes FROM audit WHERE kind = ? AND record_id = ? ORDER BY seq",
                                   (kind.name, record_id)):
        try:
            diff = json.loads(changes)
        except ValueError:
            continue
        if not isinstance(diff, dict):
            continue
        for name, pair in diff.items():
            if not (isinstance(pair, list) and len(pair) == 2):
                continue
            if name == "deleted":
                deleted = bool(pair[1])
            elif name in kind.by_name:
                state[name] = pair[1]
        if not deleted:
            values, problems = kind.coerce({k: v for k, v in state.items() if v is not None})
            candidate = kind.empty_record() | values
            if not problems and not kind.validate(candidate):
                best = candidate
    return best


# ----------------------------------------------------------------------------------------------- bundles
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
        out.append(_row_change(row) if row else None)
    return out


def mark_bundle_answered(store: Store, bundle_id: str) -> None:
    with store.transaction() as conn:
        conn.execute("UPDATE sync_bundles SET answered_at = ? WHERE bundle_id = ?", (now_iso(), bundle_id))


# ------------------------------------------------------------------------------------------- inspection
def iter_synced_state(store: Store, kinds: Iterable[str] | None = None) -> Iterator[tuple[str, str, int, bool,
                                                                                             dict[str, Any]]]:
    """(kind, id, server_version, deleted, fields) of every record: what tests compare with the province."""
    for name in kinds or [k for k, v in KINDS.items() if v.scope == "commune"]:
        kind = get_kind(name)
        for row in store.conn.execute(f"SELECT * FROM {kind.table} ORDER BY id"):
            yield name, row["id"], row["server_version"], bool(row["deleted"]), fields_only(kind, from_db(kind, row))


# ------------------------------------------------------------------------------------------- audit push
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
