"""Resync and digest: the whole scope pulled again, the divergence digest and the repair of the buckets it finds."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ... import wire as dg
from ...clock import now_iso
from ...domain.registry import KINDS, UnknownKind, get_kind
from ...ids import new_change_id
from ...wire import version_term as digest_term
from .. import digests
from ..codec import canonical_json, fields_only, from_db
from ..store import Store
from . import remote
from .state import (
    CURSOR,
    EPOCH,
    REMOTE_OFFICER,
    RESYNC,
    RESYNC_BASES_EPOCH,
    RESYNC_REASON,
    get_state,
    put_state,
    refresh_record_state,
    set_aside_entries,
)

log = logging.getLogger(__name__)


DIGEST_MOD = 2**64


def prune_resync_bases(store: Store, epoch: str) -> None:
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
    there before the delete; the tombstone keeps them, and nothing the stations last saw deleted comes back. A
    pending delete based on a version (this station deleted the record) sends no fields either: the copy goes
    ahead of it too, or the province, once its window closed, would judge the edits before it as first changes
    and refuse them, and keep an empty tombstone (sim seed 9104)."""
    conn = store.conn
    now = now_iso()
    queued = 0
    for kind in KINDS.values():
        if kind.scope != "commune" or kind.province_only:  # the province's own records are never a station's to send
            continue
        rows = conn.execute(
            f"SELECT * FROM {kind.table} t WHERE server_version = 0 AND NOT EXISTS ("
            "SELECT 1 FROM outbox o WHERE o.kind = ? AND o.record_id = t.id AND o.state IN ('pending', 'conflict')"
            " AND (o.base_version = 0 OR o.orphan = 1)"
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
                (new_change_id(), kind.name, row["id"], "delete" if row["deleted"] else "upsert",
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
            put_state(conn, EPOCH, new_epoch)
        # After a restore the versions the station knew belong to the lost history: kept aside with its epoch, an
        # edit made before the re-pull reaches its record is sent with its changed fields at that version, and the
        # province judges it against that history (it waits if that version has not been re-sent yet).
        keep = history_intact or restored
        if not keep:
            conn.execute("DELETE FROM resync_bases")
        put_state(conn, RESYNC_BASES_EPOCH, (old_epoch if restored else get_state(store, EPOCH)) if keep else None)
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
        put_state(conn, CURSOR, "0")
        put_state(conn, RESYNC, "1")
        put_state(conn, RESYNC_REASON, reason)
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
        chain = remote.Chain(store.last_audit_hash())
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
            fields = remote.province_fields(kind, entry.get("fields")) or {}
            row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (record_id,)).fetchone()
            if row is not None and row["server_version"] == version and bool(row["deleted"]) == deleted and (
                    dg.content_hash(kind, fields_only(kind, from_db(kind, row))) == dg.content_hash(kind, fields)):
                continue  # this record was right
            if row is not None and row["server_version"] != version:
                # The version itself drifted (one the province never gave): take the province's.
                conn.execute(f"UPDATE {kind.table} SET server_version = ? WHERE id = ?", (version, record_id))
                row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (record_id,)).fetchone()
            remote.apply_state(store, kind, record_id, fields, deleted, version, row, chain,
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
                    (new_change_id(), name, record_id, canonical_json(fields_only(kind, from_db(kind, row))), now,
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
        put_state(conn, LAST_REPAIR, canonical_json(info))
        store.note_change(sync_state=True)
    log.warning("digest repair: buckets=%s pulled=%d repaired=%d requeued=%d examples=%s", repair.buckets,
                repair.pulled, repair.repaired, repair.requeued, repair.examples)
