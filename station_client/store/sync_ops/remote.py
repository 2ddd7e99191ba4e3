"""Remote apply: the province's record states made local (the feed, and the states that answers carry)."""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ...clock import now_iso
from ...domain.kinds import InvalidText, RecordKind, coerce_value, printable, text_problem
from ...domain.registry import UnknownKind, get_kind
from .. import search
from ..codec import fields_only, from_db, record_hash, to_db
from ..store import Store
from .state import (
    FEED_SET_ASIDE,
    REMOTE_OFFICER,
    SET_ASIDE_KEEP,
    ApplyReport,
    put_state,
    refresh_record_state,
    set_aside_entries,
)

log = logging.getLogger(__name__)


@dataclass
class Chain:
    """The audit chain's last hash, carried through a transaction (one lookup instead of one per row)."""

    prev: str


# --- remote entries the province can rebuild (docs/sync-protocol.md, "Remote entries") -----------------------
# The feed entry each ``remote`` audit entry of this process came from, by the entry's hash: (feed seq, how many
# versions back the station's previous state was; 0 for a record it did not hold). Kept in memory only: it lives
# from the pull that writes the entries to the push that sends them compact, in the same cycle; an entry whose
# reference was lost (the process ended in between) simply travels whole. Registered only where the province's
# rebuild (``wire.rebuild_remote_fields``) gives exactly the entry written, as far as the station can tell.
_REMOTE_REFS: weakref.WeakKeyDictionary[Store, dict[str, tuple[int, int]]] = weakref.WeakKeyDictionary()


def remote_refs(store: Store) -> dict[str, tuple[int, int]]:
    refs = _REMOTE_REFS.get(store)
    if refs is None:
        refs = _REMOTE_REFS[store] = {}
    return refs


def forget_remote_refs(store: Store) -> None:
    _REMOTE_REFS.pop(store, None)


def _exactly(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal value for value and type for type (``1 == True`` but their JSON differs)."""
    return a.keys() == b.keys() and all(type(v) is type(b[k]) and v == b[k] for k, v in a.items())


def _rebuildable(kind: RecordKind, raw: Any, server_fields: dict[str, Any] | None) -> bool:
    """Whether the province's own copy of the pulled state (``raw``, as the feed carried it) gives the values this
    station stores (``server_fields``: after ``province_fields``' coercion), field for field."""
    if not isinstance(raw, dict):
        return server_fields is None and raw is None
    return _exactly({k: v for k, v in raw.items() if k in kind.by_name}, server_fields or {})


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
ENTRY_ERRORS: tuple[type[BaseException], ...] = (
    Unusable, ValueError, TypeError, KeyError, OverflowError, RecursionError, sqlite3.InterfaceError,
    sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.DataError)
try:  # the encrypted store's driver raises its own classes
    import sqlcipher3 as _sqlcipher3

    ENTRY_ERRORS += (_sqlcipher3.InterfaceError, _sqlcipher3.IntegrityError, _sqlcipher3.ProgrammingError,
                      _sqlcipher3.DataError)
except ImportError:  # pragma: no cover - always installed with the app
    pass


def province_fields(kind: RecordKind, record: dict[str, Any] | None) -> dict[str, Any] | None:
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


def set_aside(store: Store, kind: str, record_id: str, version: Any, seq: Any, exc: Unusable) -> None:
    items = [i for i in set_aside_entries(store) if (i.get("kind"), i.get("id")) != (kind, record_id)]
    items.append({"kind": kind, "id": record_id, "version": version if isinstance(version, int) else None,
                  "seq": seq if isinstance(seq, int) and not isinstance(seq, bool) else None, "code": exc.code,
                  "vi": exc.vi, "en": exc.en, "at": now_iso()})
    # ASCII escapes: whatever the entry held, the note itself can always be stored.
    put_state(store.conn, FEED_SET_ASIDE, json.dumps(items[-SET_ASIDE_KEEP:], ensure_ascii=True))
    store.note_change(sync_state=True)
    log.warning("province state set aside: kind=%s code=%s", kind, exc.code)


def _clear_set_aside(store: Store, kind: str, record_id: str) -> None:
    items = set_aside_entries(store)
    kept = [i for i in items if (i.get("kind"), i.get("id")) != (kind, record_id)]
    if len(kept) != len(items):
        put_state(store.conn, FEED_SET_ASIDE, json.dumps(kept, ensure_ascii=True) if kept else None)
        store.note_change(sync_state=True)


def entry_error(exc: BaseException) -> Unusable:
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


# ------------------------------------------------------------------------------------------ remote state
def apply_state(store: Store, kind: RecordKind, record_id: str, server_fields: dict[str, Any] | None,
                deleted: bool, version: int, row: sqlite3.Row | None, chain: Chain, *, origin: str | None,
                force: bool = False, feed_seq: int | None = None) -> bool:
    """Make a local record hold the province's state at ``version`` except where a local change is pending.

    Returns whether the record's content changed. A state older than the record's ``server_version`` is
    ignored, and so is one at that version unless ``force`` (an answer to our own change carries the merged
    state at the version it made): a page applied twice changes nothing. ``feed_seq``: the state is the feed
    entry with that seq, already checked ``_rebuildable``: its audit entry is registered for the compact form when
    no local change shapes it (``remote_refs``).
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
        if feed_seq is not None and not pending_any:
            remote_refs(store)[chain.prev] = (feed_seq, 0)
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
    if feed_seq is not None and not pending_any and not force and row["server_version"] > 0 \
            and row["sync_state"] == "synced":
        # The province rebuilds the diff from its state at the version this station held: the same as this
        # record's when it was synced with nothing pending (if not after all, its rebuild misses: bytes only).
        remote_refs(store)[chain.prev] = (feed_seq, version - int(row["server_version"]))
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


def apply_feed(store: Store, feed: Iterable[dict[str, Any]], chain: Chain, report: ApplyReport,
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
            set_aside(store, printable(str(raw.get("kind") or "?"), 64), printable(str(raw.get("id") or "?"), 200),
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
            fields = province_fields(kind, entry.get("fields"))  # before any write of this entry
            with store.transaction() if careful else contextlib.nullcontext():
                seq = entry.get("seq")
                ref = seq if isinstance(seq, int) and not isinstance(seq, bool) and seq > 0 \
                    and _rebuildable(kind, entry.get("fields"), fields) else None
                changed = apply_state(store, kind, record_id, fields, deleted, version, row, chain,
                                       origin=_clean_text(entry.get("origin")), feed_seq=ref)
                if row is not None:
                    refresh_record_state(store, kind, record_id)
                if (kind.name, record_id) in aside:  # a later state applied: the earlier one is no longer aside
                    _clear_set_aside(store, kind.name, record_id)
                    aside.discard((kind.name, record_id))
        except ENTRY_ERRORS as exc:
            if not careful and not isinstance(exc, Unusable):
                raise  # written in part: ``apply_response`` rolls back and applies the response carefully
            chain.prev = prev
            set_aside(store, kind.name, record_id, version, entry.get("seq"), entry_error(exc))
            aside.add((kind.name, record_id))
            report.set_aside += 1
            continue
        report.applied += int(changed)
        report.skipped += int(not changed)
        if changed and kind.name == "officer_account":
            report.accounts += 1
