"""Operations shared by the API and the CLI: stats, reference loads, receipt lookup, scope-denial log."""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from station_client.domain.registry import KINDS

from . import schema
from .db import Database, utcnow
from .errors import ApiError, not_found
from .exchange import (
    PROVINCE,
    REPLAY_CLOSED,
    REPLAY_ENDS,
    REPLAY_UNTIL,
    Actor,
    apply_as_province,
    apply_changes,
    epoch_info,
    head_seq,
    judge_deferred,
    normalize_lookup_code,
)
from .models import ChangeIn, ReferenceIn

log = logging.getLogger("province_server.ops")


def log_denial(db: Database, station_id: str, kind: str, record_id: str, action: str) -> None:
    log.warning(json.dumps({"event": "scope.denied", "station": station_id, "kind": kind, "action": action}))
    with db.write(feed=False) as conn:
        conn.execute(schema.scope_denials.insert().values(station_id=station_id, kind=kind, record_id=record_id,
                                                          action=action, at=utcnow()))


def load_reference(db: Database, kind_name: str, body: ReferenceIn) -> dict[str, Any]:
    kind = KINDS.get(kind_name)
    if kind is None:
        raise ApiError(404, "kind.unknown", f"Loại dữ liệu không tồn tại: {kind_name}.", f"Unknown kind: {kind_name}.")
    if kind.scope != "reference":
        raise ApiError(400, "kind.not_reference", "Chỉ nạp được dữ liệu danh mục (reference).",
                       "Only reference kinds can be loaded this way.")
    changes = [ChangeIn(change_id=f"province-{uuid.uuid4()}", kind=kind_name, id=r.id,
                        op="delete" if r.deleted else "upsert", base_version=0, fields=r.fields, resolves=None)
               for r in body.records]
    results = apply_changes(db, Actor(PROVINCE, None), changes)
    rejected = [{"id": r.id, **res} for r, res in zip(body.records, results, strict=True)
                if isinstance(res, dict) and res.get("status") == "rejected"]
    return {"kind": kind_name, "loaded": len(results) - len(rejected), "rejected": rejected}


def lookup(db: Database, code: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    """Receipt lookup: the dossier code, the receiving station, status and appointment; never personal data.

    ``params``: a receipt link's ``s``, ``t``, ``d`` and ``sig`` (``province_server/receipts.py``). A valid link
    for a dossier not synced yet answers ``known: false`` with what the receipt says (200); an invalid one is
    400 ``receipt.invalid``. Without them, an unknown code is 404 as before."""
    from . import receipts

    checked = receipts.check(db, code, params) if params else None
    normalized = normalize_lookup_code(code)
    if normalized is None:
        raise ApiError(400, "lookup.check", "Mã tra cứu không đúng (sai ký tự kiểm tra).",
                       "Wrong lookup code (the check value does not match).")
    lk, r, st = schema.lookups, schema.records, schema.stations
    with db.read() as conn:
        row = conn.execute(select(lk.c.kind, lk.c.record_id, lk.c.status, lk.c.due_at)
                           .where(lk.c.code == normalized)).first()
        rec = conn.execute(select(r.c.fields, r.c.origin).where(r.c.kind == row.kind, r.c.id == row.record_id)
                           ).first() if row is not None else None
        station = conn.execute(select(st.c.id, st.c.name).where(st.c.id == rec.origin)).first() \
            if rec is not None else None
    if row is None:
        if checked is not None:
            return checked.answer() | {"known": False, "status": None, "appointment": None}
        raise not_found("Không tìm thấy hồ sơ với mã tra cứu này.", "No dossier with this lookup code.")
    fields = json.loads(rec.fields) if rec is not None else {}
    out = {"known": True, "verified": checked is not None, "lookup_code": normalized,
           "dossier_code": fields.get("code") or (checked.link.dossier_code if checked else ""),
           "station_id": station.id if station else (checked.link.station_id if checked else ""),
           "station_name": station.name if station else (checked.station_name if checked else ""),
           "status": row.status, "appointment": row.due_at}
    if checked is not None:
        out["received_at"] = checked.answer()["received_at"]
    return out


def stats(db: Database) -> dict[str, Any]:
    """Per station: last seen, open conflicts it raised, its commune's record count; totals."""
    st, r, c, d = schema.stations, schema.records, schema.conflicts, schema.scope_denials
    with db.read() as conn:
        stations = conn.execute(select(st.c.id, st.c.name, st.c.commune_code, st.c.status, st.c.last_seen)
                                .order_by(st.c.id)).mappings().all()
        def tally(statement: Any) -> dict[str, int]:
            return {str(key): int(n) for key, n in conn.execute(statement)}

        counts = tally(select(r.c.commune_code, func.count()).where(r.c.deleted.is_(False))
                       .group_by(r.c.commune_code))
        open_by_station = tally(select(c.c.station_id, func.count()).where(c.c.status == "open")
                                .group_by(c.c.station_id))
        open_by_commune = tally(select(c.c.commune_code, func.count()).where(c.c.status == "open")
                                .group_by(c.c.commune_code))
        denials = tally(select(d.c.station_id, func.count()).group_by(d.c.station_id))
        total_records = conn.execute(select(func.count()).select_from(r)).scalar_one()
        head = head_seq(conn)
        epoch = db.get_meta(conn, "epoch")
    return {
        "epoch": epoch, "backend": db.backend, "head_seq": head, "records": total_records,
        "reference_records": counts.get("", 0),
        "open_conflicts": sum(open_by_commune.values()),
        "stations": [{"id": s["id"], "name": s["name"], "commune_code": s["commune_code"], "status": s["status"],
                      "last_seen": s["last_seen"], "open_conflicts": open_by_station.get(s["id"], 0),
                      "commune_open_conflicts": open_by_commune.get(s["commune_code"], 0),
                      "commune_records": counts.get(s["commune_code"], 0),
                      "scope_denials": denials.get(s["id"], 0)} for s in stations],
    }


# --- restore recovery: the replay window (docs/sync-protocol.md, "Epoch: a restored server") -------------------

DEFAULT_REPLAY_HOURS = 72.0
REPLAY_HOURS_ENV = "PROVINCE_SERVER_REPLAY_HOURS"


def replay_hours(value: float | None = None) -> float:
    if value is not None:
        return value
    try:
        return float(os.environ.get(REPLAY_HOURS_ENV, DEFAULT_REPLAY_HOURS))
    except ValueError:
        return DEFAULT_REPLAY_HOURS


@dataclass(frozen=True)
class PriorEpoch:
    """What the database held before a restore replaced it: its epoch and the history ends it knew."""
    epoch: str | None
    ends: dict[str, int]


def prior_epoch(conn: Connection) -> PriorEpoch:
    return PriorEpoch(_meta(conn, "epoch"), _ends(conn))


def _meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()


def _set_meta(conn: Connection, key: str, value: str | None) -> None:
    m = schema.meta
    conn.execute(m.delete().where(m.c.key == key))
    if value is not None:
        conn.execute(m.insert().values(key=key, value=value))


def _ends(conn: Connection) -> dict[str, int]:
    raw = _meta(conn, REPLAY_ENDS)
    return {str(k): int(v) for k, v in json.loads(raw).items()} if raw else {}


def open_replay_window(conn: Connection, prior: PriorEpoch, new_epoch: str, hours: float | None = None) -> None:
    """After the database's contents were replaced by a backup (in ``conn``'s transaction, before the new epoch
    is set): record how much of each older epoch's history the restored database still shares (``replay.ends``:
    the last shared ``seq``), set ``new_epoch`` and open the replay window for ``hours``.

    The restored rows are the backup's epoch's history up to the backup's head. An epoch newer than the backup
    (the one the restore replaced, or one between) shares with it what the backup's epoch shared with them."""
    head = head_seq(conn)
    backup_epoch = _meta(conn, "epoch")
    backup_ends = _ends(conn)
    ends: dict[str, int] = {}
    for name in set(prior.ends) | set(backup_ends) | {prior.epoch, backup_epoch}:
        if name is None:
            continue
        if name == backup_epoch:
            end = head
        elif name in backup_ends:
            end = backup_ends[name]
        else:
            end = min(prior.ends.get(name, head), prior.ends.get(backup_epoch or "", head))
        ends[name] = min(end, head)
    _set_meta(conn, REPLAY_ENDS, json.dumps(ends, sort_keys=True))
    _set_meta(conn, "epoch", new_epoch)
    until = datetime.now(UTC) + timedelta(hours=replay_hours(hours))
    _set_meta(conn, REPLAY_UNTIL, until.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    _set_meta(conn, REPLAY_CLOSED, None)


def new_epoch(db: Database, hours: float | None = None) -> str:
    """A new epoch for a database restored by other means (a file copied back): the history it holds is its
    current epoch's, up to its head."""
    epoch = str(uuid.uuid4())
    with db.write() as conn:
        open_replay_window(conn, prior_epoch(conn), epoch, hours)
    return epoch


def replay_status(db: Database) -> dict[str, Any]:
    d = schema.deferred_changes
    with db.read() as conn:
        info = epoch_info(conn)
        waiting = conn.execute(select(func.count()).select_from(d)).scalar_one()
        return {"epoch": info.current, "open": info.window_open, "until": _meta(conn, REPLAY_UNTIL),
                "closed_at": _meta(conn, REPLAY_CLOSED), "deferred": int(waiting), "ends": info.ends}


def close_replay_window(db: Database) -> dict[str, Any]:
    """End the replay window now: from here on a change based on a lost history is judged at once (a conflict
    where it differs, never a silent overwrite), and every change still waiting is judged now, in the order it
    would have been applied (record by record, in the order they arrived)."""
    with db.write() as conn:
        _set_meta(conn, REPLAY_CLOSED, utcnow())
        judged = judge_deferred(conn)
    log.info(json.dumps({"event": "replay.closed", "judged": judged}))
    return {"closed": True, "judged": judged}


def scan_duplicates(db: Database) -> int:
    """Write the review items of every personal ID held twice in a commune that has none yet (after the upgrade
    that brought duplicate detection, or a restore). Returns how many were written."""
    from . import duplicates

    with db.write() as conn:
        return apply_as_province(conn, duplicates.scan_changes(conn, utcnow()))
