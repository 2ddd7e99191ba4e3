"""Audit push: the audit chain sent to the province, from its own resumable cursor."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from ...domain.registry import KINDS
from ...wire import at_to_ms, audit_entry_hash, default_action, rebuild_audit_fields
from ..codec import fields_only, from_db, record_hash
from ..store import Store
from .remote import remote_refs
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


# --- entries riding on the changes (docs/sync-protocol.md, "Audit riding on the changes") --------------------
AUDIT_RIDES = "server.audit_rides"  # "1": the province's sync answers say it takes audit entries in the exchange
AUDIT_FULL_UNTIL = "audit.full_until"  # entries up to this seq travel whole (the province could not rebuild them)
AUDIT_REMOTE = "server.audit_remote"  # "1": the province rebuilds ``remote`` entries from its history (below)
SEGMENT_MAX = 5000  # entries in one riding segment: the province's limit (province_server/audit.py MAX_ENTRIES)


def _base_guess(store: Store, row: Any, change: dict[str, Any]) -> dict[str, Any] | None:
    """The record's fields before the change of audit entry ``row``, when the province holds exactly them at the
    change's ``base_version`` as far as the station can tell: a plain edit or delete of a record the province
    acknowledged (no restore tags, no conflict), the only pending change of its record, and the record still as
    this entry left it (so its state before the entry is known). None otherwise."""
    if not change.get("base_version") or any(k in change for k in ("base_epoch", "replay", "orphan", "resolves")):
        return None
    kind = KINDS.get(row["kind"])
    if kind is None or kind.scope == "reference" or row["action"] not in ("update", "delete"):
        return None
    if store.conn.execute("SELECT 1 FROM outbox WHERE kind = ? AND record_id = ? AND state != 'acked' "
                          "AND change_id != ? LIMIT 1", (row["kind"], row["record_id"], row["change_id"])).fetchone():
        return None
    record = store.conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (row["record_id"],)).fetchone()
    if record is None or record["sync_state"] == "conflict":
        return None
    now = fields_only(kind, from_db(kind, record))
    if record_hash(kind, row["record_id"], now, bool(record["deleted"])) != row["record_hash"]:
        return None  # changed since: its state before this entry is not known here
    if row["action"] == "delete":
        return now
    pairs = json.loads(row["changes"])
    return now | {f: pair[0] for f, pair in pairs.items()}


def _compact_extra(store: Store, row: Any, change: dict[str, Any]) -> dict[str, Any] | None:
    """The overrides a compact entry needs so that the province's rebuild from ``change`` gives exactly the stored
    entry, or None when no compact form does (the entry then travels whole)."""
    if row["kind"] != change["kind"] or row["record_id"] != change["id"]:
        return None
    extra: dict[str, Any] = {}
    if row["action"] != default_action(change):
        extra["a"] = row["action"]
    stored = (row["action"], row["changes"], row["record_hash"])
    try:
        base = _base_guess(store, row, change)
        if base is not None and rebuild_audit_fields(change, extra | {"p": 1}, base) == stored:
            return extra | {"p": 1}  # the province derives the before-values and the hash from its own state
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        pass
    try:
        if rebuild_audit_fields(change, {"r": ""})[1] != row["changes"]:
            # An update: its after-values are the change's; only the before-values cannot be known.
            extra["b"] = {f: pair[0] for f, pair in json.loads(row["changes"]).items()}
        if rebuild_audit_fields(change, {})[2] != row["record_hash"]:
            extra["r"] = row["record_hash"]
        if rebuild_audit_fields(change, extra) != stored:
            return None
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return None
    return extra


def _remote_item(row: Any, ref: tuple[int, int], last_fs: int, last_ms: int, idx: int) -> list[Any] | None:
    """The compact form ``["r", feed seq step, at step, officer index, versions back?]`` of a ``remote`` entry
    registered by the pull that wrote it (``remote.remote_refs``), or None (it travels whole)."""
    ms = at_to_ms(row["at"])
    if ms is None or row["change_id"] is not None:
        return None
    if audit_entry_hash(row["prev_hash"], row["at"], row["officer"], row["kind"], row["record_id"], row["action"],
                        row["changes"], row["change_id"], row["record_hash"]) != row["hash"]:
        # Altered since the pull wrote it: whole, so that the province refuses and names it as always (rebuilt
        # from the province's history, it would come out as the original and hide the edit).
        return None
    seq, back = ref
    return ["r", seq - last_fs, ms - last_ms, idx, *([back] if back else [])]


def riding_segment(store: Store, after: int, changes: list[dict[str, Any]], limit: int,
                   max_bytes: int = 1 << 20, *, remote: bool = False,
                   others_limit: int | None = None, sent: Collection[str] = ()) -> dict[str, Any] | None:
    """The audit entries after ``after`` that ride in a sync request carrying ``changes`` (wire dicts), in seq
    order: compact when their change is in this request and the province's rebuild gives exactly the stored entry,
    or (``remote``: the province takes them) when they are ``remote`` entries this process's pull registered;
    whole when they have no change to ride on (events, a change sent earlier, a remote entry over a pending local
    change). It stops before an entry whose change is still waiting to be sent (it rides with that change later).
    At most ``limit`` entries, of which at most ``others_limit`` not compact remote entries (those cost a few bytes
    each: they do not count against a cycle's budget). ``sent``: change ids that left in an earlier frame of the
    same streamed request (their entries go whole, as for a change sent in an earlier request). None: nothing to
    send."""
    refs = remote_refs(store) if remote else {}
    full_until = int(get_state(store, AUDIT_FULL_UNTIL) or 0)
    by_id = {c["change_id"]: (i, c) for i, c in enumerate(changes)}
    rows = store.conn.execute(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                              (after, limit)).fetchall()
    items: list[Any] = []
    officers: list[str] = []
    officer_index: dict[str, int] = {}
    last_ci, last_ms, last_fs, size, others = -1, 0, 0, 0, 0
    last_hash = ""
    first = rows[0]["seq"] if rows else 0
    for row in rows:
        if row["seq"] != first + len(items):
            break  # the province numbers the entries by position: a gap (a hand-deleted row) goes the old way
        ref = refs.get(row["hash"]) if row["action"] == "remote" and row["seq"] > full_until else None
        if ref is not None:
            idx = officer_index.get(row["officer"], len(officers))
            item = _remote_item(row, ref, last_fs, last_ms, idx)
            if item is not None:
                if idx == len(officers):
                    officer_index[row["officer"]] = idx
                    officers.append(row["officer"])
                items.append(item)
                last_fs, last_ms, last_hash = ref[0], last_ms + item[2], row["hash"]
                continue
        cid = row["change_id"]
        hit = by_id.get(cid) if cid else None
        if hit is not None and row["seq"] > full_until:
            extra = _compact_extra(store, row, hit[1])
            ms = at_to_ms(row["at"])
            if extra is not None and ms is not None:
                others += 1
                if others_limit is not None and others > others_limit:
                    break
                idx = officer_index.setdefault(row["officer"], len(officers))
                if idx == len(officers):
                    officers.append(row["officer"])
                items.append([hit[0] - last_ci, ms - last_ms, idx, *([extra] if extra else [])])
                last_ci, last_ms, last_hash = hit[0], ms, row["hash"]
                continue
        elif hit is None and cid and cid not in sent and store.conn.execute(
                "SELECT 1 FROM outbox WHERE change_id = ? AND state = 'pending'", (cid,)).fetchone():
            break  # its change has not left yet: the entry rides with it
        size += len(row["changes"]) + 400
        others += 1
        if items and (size > max_bytes or (others_limit is not None and others > others_limit)):
            break
        items.append({c: row[c] for c in AUDIT_COLUMNS})
        last_hash = row["hash"]
    if not items:
        return None
    return {"first": first, "head": last_hash, "officers": officers, "entries": items}
