"""Push results: the province's answer to each change sent (acknowledged, deferred, conflict, refused)."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

from ...clock import now_iso
from ...domain.registry import KINDS, UnknownKind, get_kind
from ..codec import canonical_json
from ..store import Store
from . import remote
from .state import ApplyReport, OutboxChange, refresh_record_state


def mark_rejected(store: Store, change: OutboxChange, code: str, vi: str, en: str) -> None:
    """The station gives up on one change (e.g. the server refuses its request shape twice): recorded, not
    lost — the record shows why, and the officer's next edit makes a new change."""
    with store.transaction():
        _reject(store, change, {"status": "rejected", "code": code, "problems": [], "vi": vi, "en": en})


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
         chain: remote.Chain, deleted: bool | None = None, made: int | None = None) -> bool:
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
            fields = remote.province_fields(kind, record)
        except remote.Unusable as exc:  # the change is acknowledged; the state that came with it waits aside
            remote.set_aside(store, kind.name, change.record_id, version, None, exc)
            refresh_record_state(store, kind, change.record_id)
            return True
        remote.apply_state(store, kind, change.record_id, fields, deleted, version, row, chain, origin=None, force=True)
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


def _conflict(store: Store, change: OutboxChange, result: dict[str, Any], chain: remote.Chain,
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
            server_fields = remote.province_fields(kind_or_none, result.get("record"))
        except remote.Unusable as exc:  # the conflict is recorded; the province's state that came with it waits aside
            remote.set_aside(store, change.kind, change.record_id, version, None, exc)
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
        remote.apply_state(store, kind, change.record_id, server_fields, bool(result.get("deleted")), version, row,
                           chain, origin=info.get("origin"), force=True)
    refresh_record_state(store, kind, change.record_id)
    return not usable


def record_results(store: Store, changes: Sequence[OutboxChange], results: Sequence[Any], epoch: str | None,
                   chain: remote.Chain, report: ApplyReport, careful: bool = False) -> None:
    for change, result in zip(changes, results, strict=True):
        prev = chain.prev
        try:
            # careful: a savepoint, so that one answer that cannot be applied never fails the others
            with store.transaction() if careful else contextlib.nullcontext():
                _record_result(store, change, result, epoch, chain, report)
        except remote.ENTRY_ERRORS as exc:
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
            remote.set_aside(store, change.kind, change.record_id, None, None, remote.entry_error(exc))
            if change.kind in KINDS:
                refresh_record_state(store, KINDS[change.kind], change.record_id)
            report.set_aside += 1


def _record_result(store: Store, change: OutboxChange, result: Any, epoch: str | None, chain: remote.Chain,
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
