"""Conflicts: the ones the province found, listed, and an officer's resolution written as an ordinary change."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from ...clock import now_iso
from ...domain import permissions
from ...domain.kinds import RecordKind
from ...domain.problems import ValidationError
from ...domain.registry import UnknownKind, get_kind
from ...ids import new_change_id
from .. import search
from ..codec import canonical_json, fields_only, from_db, record_hash, to_db
from ..errors import RecordNotFound, StoreError
from ..store import Store
from .state import refresh_record_state


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
    # The record is deleted here now (this station deleted it after the conflict was found, or pulled a delete):
    # settling a field conflict then leaves it deleted (``resolve_conflict``).
    record_deleted: bool = False


def list_conflicts(store: Store, status: str = "open") -> list[Conflict]:
    rows = store.conn.execute("SELECT c.*, o.fields AS station_fields, o.op AS station_op FROM conflicts c "
                              "LEFT JOIN outbox o ON o.change_id = c.change_id WHERE c.status = ? "
                              "ORDER BY c.detected_at", (status,)).fetchall()
    return [_conflict_of(r, _record_deleted(store.conn, r)) for r in rows]


def get_conflict(store: Store, conflict_id: str) -> Conflict | None:
    row = store.conn.execute("SELECT c.*, o.fields AS station_fields, o.op AS station_op FROM conflicts c "
                             "LEFT JOIN outbox o ON o.change_id = c.change_id WHERE c.id = ?",
                             (conflict_id,)).fetchone()
    return _conflict_of(row, _record_deleted(store.conn, row)) if row else None


def _record_deleted(conn: sqlite3.Connection, row: sqlite3.Row) -> bool:
    try:
        kind = get_kind(row["kind"])
    except UnknownKind:  # a kind this version does not know: nothing to say about the record
        return False
    found = conn.execute(f"SELECT deleted FROM {kind.table} WHERE id = ?", (row["record_id"],)).fetchone()
    return bool(found and found[0])


def _conflict_of(row: sqlite3.Row, record_deleted: bool = False) -> Conflict:
    station = None
    if row["station_fields"] is not None:
        station = {"op": row["station_op"], "fields": json.loads(row["station_fields"])}
    return Conflict(row["id"], row["kind"], row["record_id"], row["change_id"], row["conflict_type"],
                    json.loads(row["fields"]), row["server_version"],
                    json.loads(row["server_record"]) if row["server_record"] else None, station, row["origin"],
                    row["status"], row["detected_at"], record_deleted)


def resolve_conflict(store: Store, conflict_id: str, chosen_values: dict[str, Any] | None, officer: str, *,
                     delete: bool = False) -> str:
    """An officer's decision on a conflict, written as an ordinary change (record + audit + outbox) that
    names the conflict in ``resolves``. ``chosen_values``: the fields the officer settled (the station's
    value, the province's or a new one); ``delete=True`` deletes the record instead. Returns the change id.

    A field conflict (``edit``) on a record deleted here since is settled as it stands, deleted: choosing a
    value is no decision to bring a deleted record back (that is an ``edit_vs_delete`` conflict's "keep the
    station", the head's call). Reviving it as a side effect undid the officer's own delete, or met another
    officer's concurrent confirmation of it unseen (bench/soak.py seeds 5201, 8301, 8304)."""
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
        if was_deleted and c["conflict_type"] == "edit":
            delete = True
        # Discarding a record or bringing back one the province deleted is the station head's call.
        if delete and not was_deleted:
            store.authorize(permissions.head_only_action(permissions.CONFLICT_DISCARD.code), officer)
        elif not delete and was_deleted:
            store.authorize(permissions.head_only_action(permissions.CONFLICT_RESTORE.code), officer)
        now = now_iso()
        change_id = new_change_id()
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
